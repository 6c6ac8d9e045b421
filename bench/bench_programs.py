"""Real programs side by side, in one run: native x86-64 (the same C source built
with the host's cc), qemu-riscv64 when present, and vm_engine's engines.

    python bench/bench_programs.py [--repeat N] [PROGRAM ...]

Each program's output must be identical everywhere; the table reports the best
wall time of N runs and the ratio to native and to qemu. Programs are
bench/programs/*.c with prebuilt riscv64 binaries in bench/programs/bin/.
"""
from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vm_engine import ExecutorType, JITConfig
from vm_engine.linux import Machine

HERE = Path(__file__).resolve().parent / "programs"
#: program -> arguments (sized so qemu takes roughly 0.1-2 s)
PROGRAMS = {
    "sieve": ["2000000", "10"],
    "nbody": ["1000000"],
    "qsort": ["300000", "5"],
    "matmul": ["200"],
    "crc": ["4000000"],
}
ENGINES = {  # name -> (executor, JIT optimisation level)
    "interpreter": (ExecutorType.Interpreter, None),
    "jit-L0": (ExecutorType.JIT, 0),
    "jit-L1": (ExecutorType.JIT, 1),
    "jit-L2": (ExecutorType.JIT, 2),
    "hybrid": (ExecutorType.Hybrid, 2),
}


def build_native(name: str, outdir: Path) -> Path | None:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    exe = outdir / name
    subprocess.run([cc, "-O2", "-o", str(exe), str(HERE / f"{name}.c"), "-lm"], check=True)
    return exe


def time_process(cmd: list[str], repeat: int) -> tuple[float, bytes]:
    best, out = float("inf"), b""
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=True)
        best = min(best, time.perf_counter() - t0)
        out = proc.stdout
    return best, out


COMPILE = {}  # engine -> [seconds compiling, instructions compiled]


def time_engine(name: str, engine, repeat: int) -> tuple[float, bytes, int]:
    executor, level = engine
    config = JITConfig(optimization_level=level) if level is not None else None
    best, out, insns = float("inf"), b"", 0
    for _ in range(repeat):
        buf = bytearray()
        t0 = time.perf_counter()
        m = Machine.load_elf(HERE / "bin" / name, argv=[name, *PROGRAMS[name]],
                             executor=executor, jit_config=config, stdout=buf)
        r = m.run()
        best = min(best, time.perf_counter() - t0)
        out, insns = bytes(buf), r.stats.instructions
        stats = getattr(m.cpu, "stats", None)
        if stats:
            acc = COMPILE.setdefault(engine, [0.0, 0])
            acc[0] += stats["compile_time"]
            acc[1] += stats["instructions_compiled"]
        m.close()
    return best, out, insns


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("programs", nargs="*", default=list(PROGRAMS))
    args = ap.parse_args(argv)
    qemu = shutil.which("qemu-riscv64")
    columns = ["native"] + (["qemu"] if qemu else []) + list(ENGINES)
    best_engine = "jit-L2"
    print(f"{'program':8} {'guest insns':>12} " + " ".join(f"{c:>12}" for c in columns)
          + f"   {best_engine}/native  {best_engine}/qemu")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.programs:
            times, outputs = {}, {}
            exe = build_native(name, Path(tmp))
            if exe:
                times["native"], outputs["native"] = time_process([str(exe), *PROGRAMS[name]],
                                                                  args.repeat)
            if qemu:
                times["qemu"], outputs["qemu"] = time_process(
                    [qemu, str(HERE / "bin" / name), *PROGRAMS[name]], args.repeat)
            insns = 0
            for engine, executor in ENGINES.items():
                times[engine], outputs[engine], insns = time_engine(name, executor, args.repeat)
            reference = outputs.get("qemu", outputs.get("native"))
            for who, out in outputs.items():
                if out != reference:
                    print(f"{name}: output of {who} differs: {out[:80]!r} vs {reference[:80]!r}",
                          file=sys.stderr)
                    failed = True
            eng = times[best_engine]
            row = f"{name:8} {insns:>12,} " + " ".join(
                f"{times[c]:>11.3f}s" if c in times else f"{'-':>12}" for c in columns)
            row += f"   {times['native'] / eng:>13.1%}" if "native" in times else "   " + "-" * 13
            row += f"  {times['qemu'] / eng:>10.2f}x" if "qemu" in times else ""
            print(row, flush=True)
    for name, (executor, level) in ENGINES.items():
        if (executor, level) in COMPILE and COMPILE[(executor, level)][1]:
            secs, n = COMPILE[(executor, level)]
            print(f"{name}: compile time {secs / n * 1e6:.1f} us per guest instruction "
                  f"({n:,} instructions compiled)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
