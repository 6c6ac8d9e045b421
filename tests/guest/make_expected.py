#!/usr/bin/env python3
"""Records the expected output of every case in cases.py by running it under
qemu-riscv64 (or, for a case whose reference is "native", its source built
with the host's cc and run): expected/NAME.out (stdout), NAME.exit (exit
status, 128+signal for a signal death) and NAME.err (stderr, for cases that
compare it)."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cases import CASES, DEFAULT_SYSROOT, EXPECTED  # noqa: E402


def run_qemu(case, tmpdir=None, sysroot=DEFAULT_SYSROOT):
    argv = case.argv(tmpdir)
    cmd = ["qemu-riscv64", "-L", sysroot, "-0", argv[0], case.path] + argv[1:]
    p = subprocess.run(cmd, input=case.stdin or b"", capture_output=True, env=case.environ, timeout=120)
    code = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return p.stdout, code, p.stderr


def run_native(case, tmpdir):
    """The case's C source built with the host's cc and run, as qemu runs it."""
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "src",
                          (case.binary or case.name) + ".c")
    exe = os.path.join(tmpdir, "native-" + case.name)
    subprocess.run(["cc", "-O2", "-pthread", "-o", exe, source], check=True)
    argv = case.argv(tmpdir)
    p = subprocess.run([exe] + argv[1:], executable=exe, input=case.stdin or b"",
                       capture_output=True, env=case.environ, timeout=120)
    code = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return p.stdout, code, p.stderr


def main(names):
    os.makedirs(EXPECTED, exist_ok=True)
    for case in CASES:
        if names and case.name not in names:
            continue
        with tempfile.TemporaryDirectory() as d:
            out, code, err = (run_native if case.reference == "native" else run_qemu)(case, d)
        with open(os.path.join(EXPECTED, case.name + ".out"), "wb") as f:
            f.write(out)
        with open(os.path.join(EXPECTED, case.name + ".exit"), "w") as f:
            f.write(f"{code}\n")
        if case.stderr:
            with open(os.path.join(EXPECTED, case.name + ".err"), "wb") as f:
                f.write(err)
        print(f"{case.name}: exit {code}, {len(out)} bytes of output")


if __name__ == "__main__":
    main(sys.argv[1:])
