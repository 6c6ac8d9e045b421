"""``vm-engine run``: run a riscv64 Linux program, like qemu-riscv64.

    vm-engine run [--engine interpreter|jit|hybrid] [--opt-level N] [--sysroot DIR]
                  [--max-instructions N] [--timeout S] [--stats] [--strace]
                  [-E NAME=VALUE] [-U NAME] PROGRAM [ARGS...]

The command's exit status is the program's. A program killed by a signal (an
abort(), a fault: SIGSEGV for a page fault, SIGILL for an invalid instruction,
SIGBUS for a misaligned access) gives 128 + the signal number, as a shell
shows it. Other statuses: 124 the --max-instructions or --timeout limit was
reached, 125 vm-engine failed (a deadlocked guest, an internal error), 126 the
file cannot be run (not a riscv64 ELF program), 127 the file does not exist.
"""
from __future__ import annotations

import argparse
import os
import sys

EXIT_LIMIT = 124      # --max-instructions / --timeout reached (as timeout(1))
EXIT_INTERNAL = 125   # vm-engine itself failed
EXIT_CANNOT_RUN = 126
EXIT_NOT_FOUND = 127

DEFAULT_SYSROOT = "/usr/riscv64-linux-gnu"


def default_sysroot() -> str | None:
    """$VM_ENGINE_SYSROOT, else /usr/riscv64-linux-gnu if it exists (Debian's
    libc6-riscv64-cross), else None."""
    env = os.environ.get("VM_ENGINE_SYSROOT")
    if env:
        return env
    return DEFAULT_SYSROOT if os.path.isdir(DEFAULT_SYSROOT) else None


def _nonneg_int(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _nonneg_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _opt_level(text: str) -> int:
    value = _nonneg_int(text)
    if value > 3:
        raise argparse.ArgumentTypeError(f"must be 0..3, got {value}")
    return value


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Registers the ``run`` options and positionals on ``parser`` (a subparser)."""
    parser.add_argument("--engine", choices=["interpreter", "jit", "hybrid"], default="hybrid",
                        help="execution engine (default: %(default)s: interpret, compile "
                             "blocks once they are hot; jit compiles every block)")
    parser.add_argument("--opt-level", type=_opt_level, default=None, metavar="N",
                        help="JIT optimisation level 0..3 (default: 2; 3 also turns "
                             "vectorization on)")
    parser.add_argument("--background-compile", action=argparse.BooleanOptionalAction,
                        default=True,
                        help="jit and hybrid compile on a thread of their own while the "
                             "program runs on, interpreted where code is not ready yet "
                             "(JITConfig.background_compile; default: on, but off with "
                             "--dump-jit, which lists every block the program runs)")
    parser.add_argument("--cache-dir", metavar="DIR", default=None,
                        help="where jit and hybrid keep compiled code for the next runs "
                             "(JITConfig.cache_dir; default: $VM_ENGINE_CACHE_DIR, else "
                             "$XDG_CACHE_HOME/vm_engine, else ~/.cache/vm_engine, ~ being the "
                             "user's home from the password database, not $HOME)")
    parser.add_argument("--no-cache-dir", action="store_true",
                        help="keep no compiled code: every run compiles afresh")
    parser.add_argument("--sysroot", metavar="DIR", default=None,
                        help="where the riscv64 dynamic loader and libraries are, like "
                             "qemu-riscv64 -L (default: $VM_ENGINE_SYSROOT, else "
                             f"{DEFAULT_SYSROOT} if it exists)")
    parser.add_argument("--max-instructions", type=_nonneg_int, default=None, metavar="N",
                        help="stop after N guest instructions (exit status 124)")
    parser.add_argument("--timeout", type=_nonneg_float, default=None, metavar="S",
                        help="stop after S seconds (exit status 124)")
    parser.add_argument("--stats", action="store_true",
                        help="print instructions, time and MIPS to stderr at the end")
    parser.add_argument("--strace", action="store_true",
                        help="print the program's system calls to stderr")
    parser.add_argument("--dump-jit", metavar="FILE", default=None,
                        help="write every block the JIT compiles (guest instructions beside "
                             "the x86-64 code) to FILE")
    parser.add_argument("-E", "--env", action="append", default=[], metavar="NAME=VALUE",
                        help="set an environment variable for the program (repeatable)")
    parser.add_argument("-U", "--unset", action="append", default=[], metavar="NAME",
                        help="remove a variable from the program's environment (repeatable)")
    parser.add_argument("program", metavar="PROGRAM",
                        help="the riscv64 ELF program to run, or a #! script")
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="arguments for the program")


def _say(msg: str) -> None:
    sys.stdout.flush()
    print(f"vm-engine run: {msg}", file=sys.stderr, flush=True)


def _print_stats(machine, engine: str) -> None:
    s = machine.stats
    k = machine.kernel
    print(f"vm-engine run: {s.instructions:,} instructions in {s.time:.3f} s: "
          f"{s.mips:.1f} MIPS ({engine}); {k.syscall_count:,} system calls",
          file=sys.stderr, flush=True)


def run_command(args) -> int:
    """Runs ``args.program`` as parsed by add_run_arguments; returns the exit status."""
    import threading
    import warnings

    from ..errors import ExecutionError
    from ..types import ExecStatus, ExecutorType, JITConfig
    from .elf import ElfError, run_target, sysroot_program
    from .machine import Machine
    from .syscalls import SIGNAL_NAMES, LinuxError, fault_signal

    program = args.program
    sysroot = args.sysroot if args.sysroot is not None else default_sysroot()
    found = sysroot_program(program, sysroot if sysroot and os.path.isdir(sysroot) else None)
    if not os.path.exists(found):
        _say(f"{program}: no such file")
        return EXIT_NOT_FOUND
    if os.path.isdir(found):
        _say(f"{program}: is a directory")
        return EXIT_CANNOT_RUN
    env = dict(os.environ)
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            _say(f"-E expects NAME=VALUE, got {item!r}")
            return 2
        env[name] = value
    for name in args.unset:
        env.pop(name, None)
    if sysroot is not None and not os.path.isdir(sysroot):
        _say(f"--sysroot {sysroot}: not a directory")
        return 2
    level = 2 if args.opt_level is None else args.opt_level
    engine = ExecutorType(args.engine)
    cache_dir = None
    if not args.no_cache_dir and engine is not ExecutorType.Interpreter:
        from ..jit.code_store import default_dir
        cache_dir = args.cache_dir or default_dir()
    jit_config = JITConfig(optimization_level=level, enable_vectorization=level == 3,
                           background_compile=args.background_compile and not args.dump_jit,
                           cache_dir=cache_dir)
    try:
        target, argv = run_target(found, [program] + list(args.args), sysroot)  # (a script:
        with warnings.catch_warnings(record=True) as said:                      # its #!'s)
            warnings.simplefilter("always")   # said once, below, in the CLI's words
            machine = Machine.load_elf(target, argv=argv, env=env,
                                       sysroot=sysroot, executor=engine, jit_config=jit_config)
    except ElfError as e:
        _say(str(e))
        return EXIT_CANNOT_RUN
    except OSError as e:
        _say(f"{program}: {e.strerror or e}")
        return EXIT_CANNOT_RUN
    except ValueError as e:   # an argument list that does not fit
        _say(f"{program}: {e}")
        return EXIT_CANNOT_RUN
    for w in said:
        _say(str(w.message))
    machine.strace = args.strace
    if threading.current_thread() is threading.main_thread():
        machine.own_host_signals()   # (this process is the program's, as qemu-riscv64's is)
    dump = None
    if args.dump_jit is not None:
        if not hasattr(machine.cpu, "dump_file"):
            _say("--dump-jit: this engine compiles nothing (use --engine jit or hybrid)")
        else:
            dump = machine.cpu.dump_file = open(args.dump_jit, "w")
    try:
        try:
            result = machine.run(max_instructions=args.max_instructions, timeout=args.timeout)
        except KeyboardInterrupt:
            _say("interrupted")
            return 128 + 2
        except ExecutionError as e:
            f = e.fault
            sig = fault_signal(f.kind)
            where = f"pc={f.pc:#x}"
            if f.address is not None:
                where += f", {f.access.value if f.access else 'access'} of address {f.address:#x}"
            elif f.insn is not None:
                where += f", instruction word {f.insn:#010x}"
            _say(f"{program}: {f.kind.value} ({where}): killed by {SIGNAL_NAMES[sig]}")
            return 128 + sig
        except LinuxError as e:
            _say(f"{program}: {e}")
            return EXIT_INTERNAL
        if result.status is ExecStatus.Exit:
            if machine.term_signal is not None:
                sig = machine.term_signal
                _say(f"{program}: killed by {SIGNAL_NAMES.get(sig, f'signal {sig}')}")
            return result.exit_code
        if result.status is ExecStatus.Budget:
            _say(f"{program}: stopped after {machine.stats.instructions:,} instructions "
                 f"(--max-instructions)")
        else:
            _say(f"{program}: stopped after {args.timeout} s (--timeout)"
                 if args.timeout is not None else f"{program}: stopped")
        return EXIT_LIMIT
    finally:
        if args.stats:
            _print_stats(machine, engine.value)
        if dump is not None:
            dump.close()
        machine.close()


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m vm_engine.linux.cli_run PROGRAM ...``."""
    parser = argparse.ArgumentParser(prog="vm-engine run",
                                     description="Run a riscv64 Linux program.")
    add_run_arguments(parser)
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
