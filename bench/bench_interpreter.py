#!/usr/bin/env python3
"""Developer benchmark: the bundled workloads (vm_engine.workloads) at full size
under the interpreter, in million guest instructions per second.

    python bench/bench_interpreter.py [--quick] [--repeat N] [--json FILE] [WORKLOAD ...]

Each workload's result (a0) is checked against its pure-Python model; a wrong
result exits 1. Times are the guest run only (ExecStats.time), best of N.
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import sys

from vm_engine import __version__, workloads


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                    help=f"default: all ({', '.join(workloads.names())})")
    ap.add_argument("--quick", action="store_true", help="quick sizes instead of full")
    ap.add_argument("--repeat", type=int, default=5, help="runs per workload (default 5)")
    ap.add_argument("--json", metavar="FILE", help="write the measurements as JSON")
    args = ap.parse_args(argv)
    size = "quick" if args.quick else "full"
    names = args.workloads or workloads.names()
    for name in names:
        if name not in workloads.WORKLOADS:
            ap.error(f"unknown workload {name!r} (known: {', '.join(workloads.names())})")

    print(f"vm_engine {__version__} interpreter, Python {platform.python_version()}, "
          f"{platform.machine()}, {size} sizes, best of {args.repeat}")
    print(f"{'workload':<8} {'n':>12} {'guest insns':>14} {'best s':>8} {'median s':>9} "
          f"{'M insn/s':>9}")
    measurements, failed = [], False
    for name in names:
        m = workloads.measure(workloads.get(name).program(size), args.repeat)
        measurements.append(m)
        flag = "" if m.ok else f"  WRONG a0={m.a0:#x} expected {m.program.expected:#x}"
        failed |= not m.ok
        print(f"{name:<8} {m.program.n:>12,} {m.instructions:>14,} {m.best:>8.3f} "
              f"{m.median:>9.3f} {m.mips:>9.1f}{flag}", flush=True)
    geo = math.exp(sum(math.log(m.mips) for m in measurements) / len(measurements))
    print(f"geometric mean: {geo:.1f} M guest instructions/s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"vm_engine": __version__, "size": size, "repeat": args.repeat,
                       "python": platform.python_version(), "machine": platform.machine(),
                       "geomean_mips": geo,
                       "results": [m.as_dict() for m in measurements]}, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
