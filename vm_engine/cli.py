"""The ``vm-engine`` command line (also ``python -m vm_engine``).

    vm-engine bench [--engines LIST] [--opt-levels LEVELS] [--compare LIST] [--quick]
                    [--repeat N] [--json FILE] [--plot FILE.png] [PROGRAM ...]
    vm-engine asm FILE.S [-o OUT] [--base ADDR]
    vm-engine run [OPTIONS] PROGRAM [ARGS...]
"""
from __future__ import annotations

import argparse
import os
import sys

from .linux.cli_run import add_run_arguments, run_command

EXIT_OK = 0
EXIT_FAILED = 1   # a workload gave a wrong result or did not finish
EXIT_USAGE = 2    # bad command line (argparse uses 2 as well)


def _int(text: str) -> int:
    return int(text, 0)


def _command(words: list[str]) -> str | None:
    """The command a command line names (its first word that is not an option)."""
    return next((w for w in words if not w.startswith("-")), None)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser; the benchmark's options only when ``argv``
    (default: sys.argv[1:]) is a bench command, so that the harness is not
    imported for every `vm-engine run` (a sixth of its start-up)."""
    from . import __version__
    parser = argparse.ArgumentParser(
        prog="vm-engine", description="vm_engine: a fast RISC-V RV64 execution engine.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    bench_help = "benchmark the engines on guest programs against native, qemu, Unicorn"
    if _command(sys.argv[1:] if argv is None else argv) == "bench":
        from .bench import cli as bench_cli
        bench = sub.add_parser("bench", help=bench_help, description=bench_cli.DESCRIPTION,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
        bench_cli.add_arguments(bench)
    else:
        bench = sub.add_parser("bench", help=bench_help)
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
                                     "linked), or a script whose #! line names one (looked up "
                                     "in the sysroot first); its exit status is the program's.")
    add_run_arguments(run)
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return args.func(args)


def console_main() -> None:
    """The vm-engine command itself (its console script, python -m vm_engine):
    main(), and then, after `run`, the process ends at once (os._exit) with
    its output flushed, as a guest's exit_group ends a process. Python's own
    exit would first collect and free every object of the run (the code
    generator's, iced-x86's): 8-16 ms of a short command's 0.12-0.2 s, for
    memory the host takes back anyway. `run` leaves nothing to an exit
    handler (the machine is closed, the code store written by renames);
    `bench` does (its temporary code stores), so it exits as usual."""
    argv = sys.argv[1:]
    code = main(argv)
    if _command(argv) != "run":
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):   # (stdout a closed pipe: Python's exit says 120 too)
        code = code or 120
    os._exit(code)


# -- bench ---------------------------------------------------------------------------
def cmd_bench(args) -> int:
    from .bench import cli as bench_cli
    return bench_cli.command(args)


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
    console_main()
