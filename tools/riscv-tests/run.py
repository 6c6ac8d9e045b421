#!/usr/bin/env python3
"""Builds the riscv-tests user-level ISA suites (rv64ui, um, ua, uf, ud, uc) as
static Linux programs and runs each under vm_engine's engines, and under
qemu-riscv64 when it is installed: a program passes when it exits 0 (a failing
case exits with (its number << 1) | 1).

usage: python tools/riscv-tests/run.py RISCV_TESTS_CHECKOUT [--only SUBSTRING]

Needs Debian's riscv64-linux-gnu-gcc. The tests' own environment (riscv-test-env)
targets machine mode; riscv_test.h here, beside this script, is a user-mode one:
_start zeroes the registers, pass and fail are exit(2). The suites are built as
upstream builds them (-march=rv64g, rv64uc with C; fence_i and rvc write to
their own text, so those two are linked with text writable, -N; no linker
relaxation: the tests keep the case number in gp). Every engine compiles
every block it runs: the JIT at levels 0-3, and Hybrid (level 2) from the first
run of a block, not the thousandth.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SUITES = ("rv64ui", "rv64um", "rv64ua", "rv64uf", "rv64ud", "rv64uc")
HERE = Path(__file__).resolve().parent


def build(checkout: Path, out: Path, only: str) -> list:
    elfs = []
    for suite in SUITES:
        for src in sorted((checkout / "isa" / suite).glob("*.S")):
            name = f"{suite}-{src.stem}"
            if only not in name:
                continue
            cmd = ["riscv64-linux-gnu-gcc", f"-march={'rv64gc' if suite == 'rv64uc' else 'rv64g'}",
                   "-mabi=lp64d", "-static", "-nostdlib", "-nostartfiles", "-Wl,--no-relax",
                   f"-I{HERE}", f"-I{checkout / 'isa' / 'macros' / 'scalar'}",
                   "-o", str(out / name), str(src)]
            if name in ("rv64ui-fence_i", "rv64uc-rvc"):
                cmd[1:1] = ["-Wl,-N", "-Wl,--no-warn-rwx-segments"]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                print(f"{name}: does not build:\n{r.stderr}", file=sys.stderr)
                continue
            elfs.append(out / name)
    return elfs


def engines():
    from vm_engine.types import HybridConfig, JITConfig
    yield "interpreter", "interpreter", None, None
    for level in range(4):
        yield f"jit-L{level}", "jit", JITConfig(optimization_level=level,
                                                  enable_vectorization=level == 3), None
    yield "hybrid", "hybrid", JITConfig(), HybridConfig(compile_threshold=0, compile_budget=1e9)


def run_engine(elf: Path, executor, jit_config, hybrid_config) -> str:
    from vm_engine import ExecutionError
    from vm_engine.linux.machine import Machine
    try:
        m = Machine.load_elf(str(elf), argv=[str(elf)], executor=executor, jit_config=jit_config,
                             hybrid_config=hybrid_config, env=[], stdout=bytearray(),
                             stderr=bytearray())
        code = m.run(timeout=60).exit_code
    except ExecutionError as e:
        return f"fault: {e}"
    return "ok" if code == 0 else f"case {code >> 1}" if code & 1 else f"exit {code}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkout", type=Path, help="a clone of riscv-software-src/riscv-tests")
    ap.add_argument("--only", default="", help="only the tests whose name has this in it")
    args = ap.parse_args()
    if shutil.which("riscv64-linux-gnu-gcc") is None:
        print("needs riscv64-linux-gnu-gcc (apt-get install gcc-riscv64-linux-gnu)", file=sys.stderr)
        return 2
    qemu = shutil.which("qemu-riscv64")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        elfs = build(args.checkout, Path(tmp), args.only)
        configs = list(engines())
        print(f"{len(elfs)} tests; engines: {', '.join(c[0] for c in configs)}"
              + ("; qemu-riscv64" if qemu else ""))
        for elf in elfs:
            results = {name: run_engine(elf, *rest) for name, *rest in configs}
            if qemu:
                code = subprocess.run([qemu, str(elf)], capture_output=True).returncode
                results["qemu"] = "ok" if code == 0 else f"exit {code}"
            bad = {k: v for k, v in results.items() if v != "ok"}
            failures += bool(bad)
            print(f"{elf.name:24s} {'ok' if not bad else bad}")
    print(f"{len(elfs) - failures} of {len(elfs)} pass everywhere")
    return 1 if failures or not elfs else 0


if __name__ == "__main__":
    sys.exit(main())
