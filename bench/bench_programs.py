"""Developer shortcut for the benchmark harness: every engine at every JIT
optimisation level against native, qemu-riscv64 and Unicorn, on the bundled
C workloads (vm_engine/bench/programs/).

    python bench/bench_programs.py [vm-engine bench options] [PROGRAM ...]

is ``vm-engine bench --engines interpreter,jit,hybrid --opt-levels 0-3 ...``;
the harness itself is vm_engine.bench (see ``vm-engine bench --help``).
"""
from __future__ import annotations

import sys

from vm_engine.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", "--engines", "interpreter,jit,hybrid", "--opt-levels", "0-3",
                   *sys.argv[1:]]))
