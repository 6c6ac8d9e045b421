"""``vm-engine bench``: the command line of the benchmark harness."""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap

from ..linux.cli_run import default_sysroot
from . import harness, report, runners, workloads
from .workloads import BenchError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
QUICK_ENGINES = "hybrid,jit"
FULL_ENGINES = "interpreter,jit,hybrid"
DEFAULT_LEVELS = "2"

DESCRIPTION = """\
Runs guest programs under vm_engine's engines and, for comparison, natively (the
same C source built with the host's cc, cached), under qemu-riscv64 and under
Unicorn; checks every run's stdout and exit code against the reference run
(native, else qemu, else the interpreter, else the first runner that completes)
and reports min/median wall time, noise, guest MIPS, speed relative to native and
to qemu, JIT compile time and code size. Runners that are not available here
(no qemu, no Unicorn, no JIT) are reported and skipped.

PROGRAM is a bundled workload (default: all; --list shows them) or the path of
a riscv64 ELF; arguments go in the same shell-quoted word: 'sieve 1000 1',
'./prog -n 5'. Exit status: 0 if every run was correct, 1 if any gave a wrong
result or failed, 2 for a bad command line."""


def parse_list(text: str, known: tuple[str, ...], what: str) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if text.strip().lower() == "none":
        return []
    unknown = [t for t in items if t not in known]
    if unknown:
        raise BenchError(f"unknown {what} {', '.join(map(repr, unknown))} "
                         f"(choose from {', '.join(known)})")
    return list(dict.fromkeys(items))


def parse_levels(text: str) -> list[int]:
    """'2', '0-3', '0,2,3' -> sorted JIT optimisation levels (each 0-3)."""
    levels: set[int] = set()
    try:
        for part in text.split(","):
            lo, sep, hi = part.strip().partition("-")
            a = int(lo)
            b = int(hi) if sep else a
            if a > b:
                raise BenchError(f"bad optimisation level range {part.strip()!r}: "
                                 f"{a} is above {b}")
            levels.update(range(a, b + 1))
    except ValueError:
        raise BenchError(f"bad optimisation levels {text!r}: expected a level (0-3), "
                         "a range like 0-3 or a list like 0,2") from None
    bad = sorted(v for v in levels if not 0 <= v <= 3)
    if bad:
        raise BenchError(f"optimisation level {bad[0]} out of range: levels are 0-3")
    return sorted(levels)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("programs", nargs="*", metavar="PROGRAM",
                   help="bundled workload or riscv64 ELF, with its arguments in the same "
                        "quoted word (default: every bundled workload)")
    p.add_argument("--engines", metavar="LIST",
                   help="vm_engine engines to run, comma-separated, from "
                        f"{','.join(runners.ENGINES)} (default: {FULL_ENGINES}; with "
                        f"--quick: {QUICK_ENGINES}); 'none' for none")
    p.add_argument("--opt-levels", metavar="LEVELS", default=DEFAULT_LEVELS,
                   help="JIT optimisation levels for jit and hybrid, e.g. 2, 0-3 or 0,2; "
                        "one runner each (default: %(default)s)")
    p.add_argument("--background-compile", action=argparse.BooleanOptionalAction, default=True,
                   help="jit and hybrid compile on a thread of their own while the run goes "
                        "on (JITConfig.background_compile; default: on)")
    p.add_argument("--stored", action="store_true",
                   help="also run jit and hybrid keeping compiled code on disk between "
                        "runs (JITConfig.cache_dir, as vm-engine run does; the warm-up "
                        "fills it): what running a program again costs; named +stored")
    p.add_argument("--compare", metavar="LIST", default=",".join(runners.COMPARE),
                   help="references to compare with, comma-separated, from "
                        f"{','.join(runners.COMPARE)} (default: all that are available); "
                        "'none' for none")
    p.add_argument("--quick", action="store_true",
                   help="small sizes and the engines hybrid and jit only: well under a "
                        "minute (default: full sizes)")
    p.add_argument("--repeat", type=_positive, metavar="N", default=3,
                   help="timed runs per program and runner (default: %(default)s)")
    p.add_argument("--warmup", type=_non_negative, metavar="N", default=1,
                   help="untimed runs before them (default: %(default)s)")
    p.add_argument("--sysroot", metavar="DIR",
                   help="riscv64 libraries for dynamically linked programs (like "
                        "qemu-riscv64 -L; default: as vm-engine run: $VM_ENGINE_SYSROOT, "
                        "else /usr/riscv64-linux-gnu if present)")
    p.add_argument("--timeout", type=_seconds, metavar="S", default=600.0,
                   help="a run taking longer fails (default: %(default)g s)")
    p.add_argument("--json", metavar="FILE",
                   help="also write the results and the environment as JSON ('-': stdout)")
    p.add_argument("--plot", metavar="FILE.png",
                   help="draw a bar chart of the speed relative to native (needs matplotlib: "
                        "pip install 'vm-engine[bench]')")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress display on stderr")
    p.add_argument("--list", action="store_true",
                   help="list the bundled workloads and their sizes, and exit")


def _compile_mode(selected, args) -> str:
    """How the JIT runners compile, for the header ('' without one)."""
    if not any(r.kind == "engine" and r.level is not None for r in selected):
        return ""
    return "; the JIT compiles " + ("in the background" if args.background_compile
                                    else "on the run thread")


def list_workloads() -> str:
    rows = [["workload", "kind", "--quick args", "full args", "what it does"]]
    for w in workloads.WORKLOADS.values():
        rows.append([w.name, w.category, " ".join(w.quick), " ".join(w.full), w.description])
    return report.format_table(rows, right=set())


def command(args) -> int:
    out = sys.stderr if args.json == "-" else sys.stdout   # keep stdout pure JSON with --json -
    if args.list:
        print(list_workloads(), file=out)
        return EXIT_OK
    try:
        engines = parse_list(args.engines or (QUICK_ENGINES if args.quick else FULL_ENGINES),
                             runners.ENGINES, "engine")
        levels = parse_levels(args.opt_levels)
        compare = parse_list(args.compare, runners.COMPARE, "comparison")
        sysroot = args.sysroot if args.sysroot is not None else default_sysroot()
        if sysroot is not None and not os.path.isdir(sysroot):
            raise BenchError(f"--sysroot {sysroot}: not a directory")
        programs = workloads.resolve(args.programs, args.quick, sysroot)
        if args.plot:
            report.check_plotting()
    except (BenchError, ImportError) as e:
        print(f"vm-engine bench: {e}", file=sys.stderr)
        return EXIT_USAGE
    selected, unavailable = runners.make_runners(engines, levels, compare,
                                                 args.background_compile, args.stored)
    for name, why in unavailable:
        print(f"vm-engine bench: {name}: {why}; skipped", file=sys.stderr)
    if not selected:
        print("vm-engine bench: nothing to run (no engine or comparison is available)",
              file=sys.stderr)
        return EXIT_USAGE

    size = "quick" if args.quick else "full"
    print(f"vm-engine bench: {len(programs)} program(s), {size} sizes, "
          f"{args.warmup} warm-up + {args.repeat} timed run(s) each, runners: "
          f"{', '.join(r.name for r in selected)}" + _compile_mode(selected, args), file=out,
          flush=True)
    progress = harness.Progress(len(programs) * len(selected) * (args.warmup + args.repeat),
                                enabled=not args.no_progress)
    results = harness.run_benchmark(programs, selected, repeat=args.repeat,
                                    warmup=args.warmup, timeout=args.timeout,
                                    progress=progress)
    print(report.results_table(results), file=out)
    for line in report.notes(results):
        print(line, file=out)
    print(file=out)
    print(report.summary_table(results), file=out)
    print(file=out)
    print(textwrap.fill(report.LEGEND, width=100), file=out)
    for name, why in unavailable:
        print(f"not run: {name}: {why}", file=out)

    if args.json:
        settings = {"from_cli": True, "size": size, "engines": engines, "opt_levels": levels,
                    "background_compile": args.background_compile, "stored": args.stored,
                    "compare": compare, "repeat": args.repeat, "warmup": args.warmup,
                    "timeout_s": args.timeout,
                    "runners": [r.name for r in selected]}
        doc = report.to_json(results, settings=settings, env=report.environment(selected),
                             unavailable=unavailable)
        text = json.dumps(doc, indent=2) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            with open(args.json, "w", encoding="utf-8") as f:
                f.write(text)
    if args.plot:
        report.plot(results, args.plot)
        print(f"chart written to {args.plot}", file=out)

    failures = [(r.program.label, m) for r in results for m in r.measurements.values()
                if m.status in (harness.WRONG, harness.FAILED)]
    for label, m in failures:
        print(f"vm-engine bench: {m.status}: {label} under {m.runner}: {m.detail}",
              file=sys.stderr)
    return EXIT_FAILED if failures else EXIT_OK
