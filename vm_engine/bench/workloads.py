"""The programs ``vm-engine bench`` runs: the bundled workloads (C sources in
``programs/``, prebuilt as static riscv64 ELFs in ``programs/bin/``, shipped as
package data) and any riscv64 ELF a user names.

Each bundled workload takes its size on the command line, so one binary serves
both ``--quick`` (small sizes) and full runs; its output (a checksum of what it
computed) is what every engine's run is checked against.
"""
from __future__ import annotations

import argparse
import os
import shlex
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..linux.elf import ElfError, read_elf


class BenchError(Exception):
    """A bad benchmark request (unknown engine or workload, a program that is not
    a riscv64 ELF, ...): reported to the user as one line, exit status 2."""


@dataclass(frozen=True)
class Workload:
    """A bundled workload: programs/<name>.c, prebuilt as programs/bin/<name>."""
    name: str
    category: str
    description: str
    quick: tuple[str, ...]   # arguments for --quick
    full: tuple[str, ...]    # arguments for a full run

    def args(self, quick: bool) -> tuple[str, ...]:
        return self.quick if quick else self.full


#: name -> workload, in the order they run and are reported
WORKLOADS: dict[str, Workload] = {w.name: w for w in [
    Workload("sieve", "integer", "sieve of Eratosthenes, repeated (N REPS)",
             ("400000", "2"), ("2000000", "20")),
    Workload("hash", "integer", "CRC-32, FNV-1a, a 64-bit mixer, an open-addressing "
             "hash table (BYTES KEYS)", ("400000", "100000"), ("4000000", "1000000")),
    Workload("qsort", "integer", "libc qsort with a comparison callback (N REPS)",
             ("50000", "2"), ("300000", "5")),
    Workload("bytecode", "integer", "a switch-dispatch bytecode interpreter: primes and "
             "Collatz lengths up to N", ("4000",), ("40000",)),
    Workload("matmul", "float", "double-precision matrix multiply (N)", ("80",), ("400",)),
    Workload("nbody", "float", "n-body simulation, double precision (STEPS)",
             ("40000",), ("500000",)),
    Workload("strings", "libc", "snprintf/strtol, str*/mem* functions, qsort of strings "
             "(RECORDS)", ("10000",), ("100000",)),
    Workload("ptrchase", "memory", "a linked list in random order, an unbalanced binary "
             "tree (NODES LAPS)", ("40000", "5"), ("300000", "20")),
    Workload("coremark", "mixed", "CoreMark-style: list sort/reverse, 16-bit matrix ops, a "
             "state machine, CRC-16 (ITERATIONS)", ("400",), ("4000",)),
]}


def programs_dir() -> Path:
    """Where the bundled sources, their Makefile and bin/ live."""
    return Path(str(resources.files(__package__).joinpath("programs")))


def makefile_words(name: str) -> list[str]:
    """The words of variable ``name`` in the workloads' Makefile."""
    for line in (programs_dir() / "Makefile").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == name:
            return shlex.split(value)
    raise BenchError(f"no {name} line in {programs_dir() / 'Makefile'}")


def compile_flags() -> list[str]:
    """The C compiler flags the bundled ELFs were built with (the Makefile's
    CFLAGS, their one definition), used for the native builds too."""
    return makefile_words("CFLAGS")


@dataclass(frozen=True)
class Program:
    """One program to benchmark: a riscv64 ELF with its arguments, and the C
    source it was built from when there is one (for the native build)."""
    name: str                   # how it is reported
    elf: str                    # path to the riscv64 ELF
    args: tuple[str, ...]       # arguments (argv[1:])
    source: str | None = None   # C source (bundled workloads)
    category: str = "program"
    sysroot: str | None = None  # riscv64 libraries for a dynamically linked program

    @property
    def argv(self) -> list[str]:
        return [self.name, *self.args]

    @property
    def label(self) -> str:
        return " ".join([self.name, *self.args])


def bundled(name: str, quick: bool, args: tuple[str, ...] | None = None) -> Program:
    w = WORKLOADS[name]
    d = programs_dir()
    return Program(name, str(d / "bin" / name), tuple(w.args(quick) if args is None else args),
                   str(d / f"{name}.c"), w.category)


def check_elf(path: str) -> None:
    """Raises BenchError unless ``path`` is a riscv64 ELF program."""
    if not os.path.exists(path):
        raise BenchError(f"{path}: no such file (not a bundled workload either: "
                         f"{', '.join(WORKLOADS)})")
    try:
        read_elf(path)
    except ElfError as e:
        raise BenchError(str(e)) from None


def add_tool_arguments(ap) -> None:
    """The arguments the tools take (tools/jit-icount, tools/jit-compile-cost):
    --level, --sysroot and PROGRAM [ARG ...]."""
    ap.add_argument("--level", type=int, default=2, help="JIT optimisation level (default 2)")
    ap.add_argument("--sysroot", default="", help="riscv64 libraries for a dynamically linked "
                    "program (default: as vm-engine run: $VM_ENGINE_SYSROOT, else "
                    "/usr/riscv64-linux-gnu if it exists)")
    ap.add_argument("program", nargs=argparse.REMAINDER)


def tool_program(ap, args) -> tuple[list[str], str]:
    """(argv, sysroot or "") of a tool's PROGRAM (add_tool_arguments): a riscv64
    ELF's path and its arguments, or a bundled workload's name (with its
    --quick arguments unless given)."""
    from ..linux.cli_run import default_sysroot
    words = args.program
    if not words:
        ap.error("PROGRAM is required")
    sysroot = args.sysroot or default_sysroot() or ""
    if os.path.exists(words[0]):
        return list(words), sysroot
    (program,) = resolve([" ".join(words)], quick=True)
    return [program.elf] + list(program.argv[1:]), sysroot


def resolve(specs: list[str], quick: bool, sysroot: str | None = None) -> list[Program]:
    """The programs named on the command line (default: every bundled workload).
    A spec is a bundled workload's name or the path of a riscv64 ELF, optionally
    followed (in the same, shell-quoted argument) by the program's arguments:
    ``"sieve 1000 1"``, ``"./prog -n 5"``. ``sysroot``: where a dynamically
    linked program's loader and libraries come from (like qemu-riscv64 -L)."""
    if not specs:
        return [bundled(name, quick) for name in WORKLOADS]
    programs, seen = [], set()
    for spec in specs:
        try:
            words = shlex.split(spec)
        except ValueError as e:
            raise BenchError(f"cannot parse program {spec!r}: {e}") from None
        if not words:
            raise BenchError("empty program name")
        head, args = words[0], tuple(words[1:])
        if head in WORKLOADS and os.sep not in head:
            program = bundled(head, quick, args or None)
        else:
            check_elf(head)
            program = Program(os.path.basename(head), head, args, sysroot=sysroot)
        if program.label in seen:
            raise BenchError(f"{program.label!r} is named twice")
        seen.add(program.label)
        programs.append(program)
    return programs
