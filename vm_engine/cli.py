"""The ``vm-engine`` command line (also ``python -m vm_engine``).

    vm-engine bench [--quick] [--repeat N] [--json FILE] [WORKLOAD ...]
    vm-engine asm FILE.S [-o OUT] [--base ADDR]
    vm-engine run [OPTIONS] PROGRAM [ARGS...]
"""
from __future__ import annotations

import argparse
import json
import platform
import sys

from .linux.cli_run import add_run_arguments, run_command

EXIT_OK = 0
EXIT_FAILED = 1   # a workload gave a wrong result or did not finish
EXIT_USAGE = 2    # bad command line (argparse uses 2 as well)


def _int(text: str) -> int:
    return int(text, 0)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    parser = argparse.ArgumentParser(
        prog="vm-engine", description="vm_engine: a fast RISC-V RV64 execution engine.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    bench = sub.add_parser(
        "bench", help="run the bundled guest workloads and report guest MIPS",
        description="Runs each bundled workload under the interpreter, checks the "
                    "result it leaves in a0 against an independent Python model, and "
                    "prints guest instructions, best/median seconds and MIPS.")
    bench.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                       help="workloads to run (default: all; see --list)")
    bench.add_argument("--quick", action="store_true",
                       help="small sizes: a few seconds in total (default: full sizes)")
    bench.add_argument("--repeat", type=_positive, default=3, metavar="N",
                       help="runs per workload; the best and median are reported "
                            "(default: %(default)s)")
    bench.add_argument("--json", metavar="FILE",
                       help="also write the results as JSON to FILE ('-': stdout)")
    bench.add_argument("--list", action="store_true",
                       help="list the workloads and their sizes, and exit")
    bench.set_defaults(func=cmd_bench)

    asm = sub.add_parser("asm", help="assemble a RISC-V source file to raw machine code",
                         description="Assembles FILE with vm_engine.assemble (RV64IM + "
                                     "Zicsr, labels, common pseudo-instructions).")
    asm.add_argument("file", metavar="FILE.S", help="assembly source ('-': stdin)")
    asm.add_argument("-o", "--output", metavar="OUT",
                     help="write the raw bytes to OUT (default: print a hex dump)")
    asm.add_argument("--base", type=_int, default=0, metavar="ADDR",
                     help="guest address of the first instruction (default: 0)")
    asm.set_defaults(func=cmd_asm)

    run = sub.add_parser("run", help="run a riscv64 Linux program (like qemu-riscv64)",
                         description="Runs a RISC-V RV64 Linux ELF program (static or dynamically "
                                     "linked); its exit status is the program's.")
    add_run_arguments(run)
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return args.func(args)


# -- bench ---------------------------------------------------------------------------
def _table(rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, row in enumerate(rows):
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cmd_bench(args) -> int:
    from . import workloads

    size = "quick" if args.quick else "full"
    if args.list:
        rows = [["workload", "quick n", "full n", "description"]]
        for w in workloads.WORKLOADS.values():
            rows.append([w.name, f"{w.sizes['quick']:,}", f"{w.sizes['full']:,}",
                         w.description])
        print(_table(rows, right={1, 2}))
        return EXIT_OK
    names = args.workloads or workloads.names()
    unknown = [n for n in names if n not in workloads.WORKLOADS]
    if unknown:
        print(f"vm-engine bench: unknown workload(s): {', '.join(unknown)} "
              f"(known: {', '.join(workloads.names())})", file=sys.stderr)
        return EXIT_USAGE

    to_stdout = args.json == "-"
    out = sys.stderr if to_stdout else sys.stdout  # keep stdout pure JSON with --json -
    print(f"vm-engine bench: interpreter, {size} sizes, best of {args.repeat}", file=out)
    rows = [["workload", "n", "guest insns", "best s", "median s", "MIPS", "check"]]
    results, errors = [], []
    for name in names:
        program = workloads.get(name).program(size)
        try:
            m = workloads.measure(program, args.repeat)
        except workloads.WorkloadError as e:
            errors.append(str(e))
            rows.append([name, f"{program.n:,}", "-", "-", "-", "-", "ERROR"])
            results.append({"workload": name, "n": program.n, "ok": False, "error": str(e)})
            continue
        if not m.ok:
            errors.append(f"{name} (n={program.n:,}): wrong result: a0 = {m.a0:#x}, "
                          f"expected {program.expected:#x}")
        rows.append([name, f"{program.n:,}", f"{m.instructions:,}", f"{m.best:.4f}",
                     f"{m.median:.4f}", f"{m.mips:.1f}", "ok" if m.ok else "WRONG"])
        results.append(m.as_dict())
    print(_table(rows, right={1, 2, 3, 4, 5}), file=out)

    if args.json:
        from . import __version__
        doc = {"engine": "interpreter", "vm_engine": __version__, "size": size,
               "repeat": args.repeat, "python": platform.python_version(),
               "machine": platform.machine(), "platform": platform.platform(),
               "ok": not errors, "results": results}
        text = json.dumps(doc, indent=2) + "\n"
        if to_stdout:
            sys.stdout.write(text)
        else:
            with open(args.json, "w", encoding="utf-8") as f:
                f.write(text)
    for e in errors:
        print(f"vm-engine bench: FAILED: {e}", file=sys.stderr)
    return EXIT_FAILED if errors else EXIT_OK


# -- asm -----------------------------------------------------------------------------
def cmd_asm(args) -> int:
    from . import DecodeError, assemble
    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as f:
                text = f.read()
        code = assemble(text, args.base)
    except OSError as e:
        print(f"vm-engine asm: {e}", file=sys.stderr)
        return EXIT_FAILED
    except DecodeError as e:
        print(f"vm-engine asm: {args.file}: {e}", file=sys.stderr)
        return EXIT_FAILED
    if args.output:
        with open(args.output, "wb") as f:
            f.write(code)
        return EXIT_OK
    for off in range(0, len(code), 4):
        word = int.from_bytes(code[off:off + 4], "little")
        print(f"{args.base + off:#010x}: {word:08x}")
    return EXIT_OK


# -- run -----------------------------------------------------------------------------
def cmd_run(args) -> int:
    return run_command(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
