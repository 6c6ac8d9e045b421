#!/usr/bin/env python3
"""Builds the RISC-V architectural tests (riscv-non-isa/riscv-arch-test,
riscv-test-suite/rv64i_m/*) as static Linux programs and runs each under
vm_engine's engines and under qemu-riscv64 (when installed), comparing the
signatures: every engine's with qemu's, and qemu's and the engines' with the
suite's reference_output.

usage: python tools/riscv-arch-test/run.py ARCH_TEST_CHECKOUT [--only SUBSTRING] [--show N]

Needs Debian's riscv64-linux-gnu-gcc. The suite's target interface is a model
header; model_test.h here, beside this script, is a Linux user-mode one:
RVMODEL_HALT writes the signature to stdout in the reference_output format (one
32-bit word per line, 8 hex digits) and exits 0. arch_test.h here wraps the
checkout's riscv-test-suite/env/arch_test.h for user mode (RVTEST_FP_ENABLE,
an mstatus write, is a no-op: FP is on in a Linux process); encoding.h here
stands in for a checkout without one (user mode needs nothing from it).

Each suite is built as its -march says (rv64g, and rv64gc for C: built without
C, the base instructions keep their 32-bit encodings), with XLEN=64 and FLEN=32
for F, 64 otherwise; not PIC (la is pc-relative, as on the suite's targets: a
GOT load cannot take la's addends); no linker relaxation (the tests do not set
gp); Zifencei links its text writable (-N): it rewrites its own code. Engines and their
settings are tools/riscv-tests/run.py's: the interpreter, the JIT at levels 0-3
and Hybrid compiling every block from its first run.

A signature shorter than its reference (a test of which only the first cases
were taken) is compared with the reference's first words. Where an engine's
signature differs from qemu's, the first differing words are shown with the
signature region and offset they belong to and the test case (the TEST_* line
of the source) that stores there.
"""
import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# suite folder under rv64i_m -> (-march, FLEN)
SUITES = {"I": ("rv64g", 64), "M": ("rv64g", 64), "A": ("rv64g", 64), "C": ("rv64gc", 64),
          "F": ("rv64g", 32), "D": ("rv64g", 64), "Zifencei": ("rv64g", 64),
          "Zicsr": ("rv64g", 64)}
WRITABLE_TEXT = {"Zifencei"}


def _riscv_tests_run():
    """tools/riscv-tests/run.py as a module (its folder name is not a package name)."""
    spec = importlib.util.spec_from_file_location("riscv_tests_run",
                                                  HERE.parent / "riscv-tests" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(checkout: Path, out: Path, only: str) -> list:
    """Returns [(name, elf, source, reference or None)] of the tests that build."""
    suite_root = checkout / "riscv-test-suite"
    env = suite_root / "env"
    tests = []
    for suite, (march, flen) in SUITES.items():
        for src in sorted((suite_root / "rv64i_m" / suite / "src").glob("*.S")):
            name = f"{suite}/{src.stem}"
            if only not in name:
                continue
            elf = out / f"{suite}-{src.stem}"
            cmd = ["riscv64-linux-gnu-gcc", f"-march={march}", "-mabi=lp64d", "-fno-pic", "-static",
                   "-nostdlib", "-nostartfiles", "-Wl,--no-relax", "-Wl,-e,rvtest_entry_point",
                   "-DXLEN=64", f"-DFLEN={flen}", "-DTEST_CASE_1=",
                   f"-I{HERE}", f"-I{env}", "-o", str(elf), str(src)]
            if suite in WRITABLE_TEXT:
                cmd[1:1] = ["-Wl,-N", "-Wl,--no-warn-rwx-segments"]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                print(f"{name}: does not build:\n{r.stderr}", file=sys.stderr)
                continue
            ref = src.parent.parent / "references" / f"{src.stem}.reference_output"
            tests.append((name, elf, src, ref if ref.exists() else None))
    return tests


def signature_of(output: bytes) -> list:
    return output.decode("ascii", "replace").split()


def run_engine(elf: Path, executor, jit_config, hybrid_config):
    """Runs elf in-process; returns (signature words, None) or (None, what went wrong)."""
    from vm_engine import ExecutionError
    from vm_engine.linux.machine import Machine
    out = bytearray()
    try:
        m = Machine.load_elf(str(elf), argv=[str(elf)], executor=executor, jit_config=jit_config,
                             hybrid_config=hybrid_config, env=[], stdout=out,
                             stderr=bytearray())
        result = m.run(timeout=60)
    except ExecutionError as e:
        return None, f"fault: {e}"
    except Exception as e:      # an engine's own error: reported, the other runs go on
        return None, f"error: {type(e).__name__}: {e}"
    if result.exit_code is None:
        return None, f"status {result.status.value}"
    if result.exit_code != 0:
        return None, f"exit {result.exit_code}"
    return signature_of(out), None


def run_qemu(qemu: str, elf: Path):
    try:
        r = subprocess.run([qemu, str(elf)], capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    if r.returncode:
        return None, f"exit {r.returncode}"
    return signature_of(r.stdout), None


class CaseMap:
    """Maps a signature word to the signature region, offset and TEST_* line
    that stores there, from the ELF's symbols and the test's source."""

    def __init__(self, elf: Path, src: Path):
        self.regions = []          # [(address, label)], in address order
        self.cases = {}            # label -> [(offset, source line)]
        symbols = {}
        nm = subprocess.run(["riscv64-linux-gnu-nm", str(elf)], capture_output=True, text=True)
        for line in nm.stdout.splitlines():
            parts = line.split()
            if len(parts) == 3:
                symbols[parts[2]] = int(parts[0], 16)
        self.begin = symbols.get("begin_signature", 0)
        text = src.read_text(errors="replace")
        order = [m.group(1) for m in re.finditer(r"^\s*(signature_\w+)\s*:", text, re.M)]
        # labels at the same address: the last one in the source is the one with the words
        self.regions = sorted(((symbols[label], i, label) for i, label in enumerate(order)
                               if label in symbols))
        region, base = None, None
        for line in text.splitlines():
            m = re.match(r"\s*RVTEST_SIGBASE\(\s*(\w+)\s*,\s*(\w+)\s*\)", line)
            if m:
                base, region = m.group(1), m.group(2)
                self.cases.setdefault(region, [])
                continue
            m = re.match(r"\s*(TEST_\w+)\((.*)\)\s*$", line)
            if m and region:
                offset = self._offset(m.group(1), [a.strip() for a in m.group(2).split(",")], base)
                if offset is not None:
                    self.cases[region].append((offset, line.strip()))

    @staticmethod
    def _offset(macro, args, base):
        if macro.startswith(("TEST_LOAD", "TEST_STORE")):
            index = 7 if macro.startswith("TEST_STORE") else 6
        elif base in args:
            index = args.index(base) + 1
        else:
            return None
        if index >= len(args):
            return None
        try:
            return int(eval(args[index], {"__builtins__": {}}, {"XLEN": 64, "FLEN": 64}))
        except Exception:
            return None

    def describe(self, word: int) -> str:
        address = self.begin + 4 * word
        where = [(a, label) for a, _, label in self.regions if a <= address]
        if not where:
            return f"signature+{4 * word:#x}"
        start = max(a for a, _ in where)
        label = [label for a, label in where if a == start][-1]
        offset = address - start
        cases = [(o, line) for o, line in self.cases.get(label, []) if o <= offset]
        case = max(cases, key=lambda c: c[0])[1] if cases else "?"
        return f"{label}+{offset:#x}: {case}"


def first_diffs(ours: list, theirs: list, limit: int) -> list:
    return [i for i in range(min(len(ours), len(theirs))) if ours[i] != theirs[i]][:limit]


def compare_reference(sig: list, ref: list) -> str:
    """'ok', 'ok (first N of M words)', or how it differs."""
    n = len(sig)
    if n > len(ref):
        return f"longer than the reference ({n} > {len(ref)} words)"
    diffs = [i for i in range(n) if sig[i] != ref[i]]
    if diffs:
        return f"{len(diffs)} of {n} words differ, first at word {diffs[0]}"
    return "ok" if n == len(ref) else f"ok (first {n} of {len(ref)} words)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkout", type=Path, help="a copy of riscv-non-isa/riscv-arch-test")
    ap.add_argument("--only", default="", help="only the tests whose SUITE/name has this in it")
    ap.add_argument("--show", type=int, default=3, help="differing words shown per engine")
    args = ap.parse_args()
    if shutil.which("riscv64-linux-gnu-gcc") is None:
        print("needs riscv64-linux-gnu-gcc (apt-get install gcc-riscv64-linux-gnu)", file=sys.stderr)
        return 2
    qemu = shutil.which("qemu-riscv64")
    configs = list(_riscv_tests_run().engines())
    names = [c[0] for c in configs]
    failed = {name: [] for name in names}      # engine -> tests where it differs from qemu
    ref_bad = []
    with tempfile.TemporaryDirectory() as tmp:
        tests = build(args.checkout, Path(tmp), args.only)
        print(f"{len(tests)} tests; engines: {', '.join(names)}"
              + ("; qemu-riscv64" if qemu else "; no qemu-riscv64: engines compared with the reference"))
        for name, elf, src, ref_path in tests:
            ref = signature_of(ref_path.read_bytes()) if ref_path else None
            oracle, oracle_error = run_qemu(qemu, elf) if qemu else (ref, None if ref else "no oracle")
            lines = []
            if qemu:
                if oracle is None:
                    lines.append(f"  qemu: {oracle_error}")
                ref_status = (compare_reference(oracle, ref) if ref and oracle is not None
                              else "none" if not ref else "-")
            else:
                ref_status = "-"
            casemap = None
            for engine, *settings in configs:
                sig, error = run_engine(elf, *settings)
                words = []
                if oracle is None:
                    problem = error
                elif error:
                    problem = error
                elif len(sig) != len(oracle):
                    problem = f"{len(sig)} words, qemu {len(oracle)}"
                else:
                    problem = None
                    diffs = first_diffs(sig, oracle, args.show)
                    if diffs:
                        casemap = casemap or CaseMap(elf, src)
                        count = sum(a != b for a, b in zip(sig, oracle))
                        problem = f"{count} words differ from qemu"
                        for i in diffs:
                            r = ref[i] if ref and i < len(ref) else "-"
                            words.append(f"    word {i}: ours {sig[i]} qemu {oracle[i]} ref {r}"
                                         f"  [{casemap.describe(i)}]")
                if problem:
                    failed[engine].append(name)
                    lines.append(f"  {engine}: {problem}")
                    lines.extend(words)
            bad = [e for e in names if name in failed[e]]
            if ref_status not in ("ok", "none", "-") and not ref_status.startswith("ok ("):
                ref_bad.append(name)
            print(f"{name:34s} {'ok' if not bad else 'FAIL ' + ','.join(bad):40s} ref: {ref_status}")
            for line in lines:
                print(line)
    print(f"\n{len(tests)} tests")
    for engine in names:
        print(f"  {engine:12s} {len(tests) - len(failed[engine])} agree with "
              f"{'qemu' if qemu else 'the reference'}, {len(failed[engine])} differ"
              + (f": {', '.join(failed[engine])}" if failed[engine] else ""))
    if qemu:
        print(f"  qemu vs reference: {len(ref_bad)} differ" + (f": {', '.join(ref_bad)}" if ref_bad else ""))
    return 1 if any(failed.values()) or not tests else 0


if __name__ == "__main__":
    sys.exit(main())
