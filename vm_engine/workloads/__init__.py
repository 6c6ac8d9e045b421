"""Bundled guest workloads: small RISC-V (RV64IM) programs for benchmarks and checks.

Each workload is assembly text (a ``.S`` file next to this module, assembled by
:func:`vm_engine.assemble`) with ``$NAME`` parameters, an independent
pure-Python model of the value it leaves in a0 (:mod:`.reference`), and the
memory it needs. All of them end with ``ebreak``.

    >>> from vm_engine import workloads
    >>> prog = workloads.get("sieve").program("quick")
    >>> result, a0 = prog.run()
    >>> a0 == prog.expected
    True
"""
from __future__ import annotations

import statistics
import string
from dataclasses import dataclass, field
from importlib import resources
from typing import Callable, Mapping

from . import reference

CODE_BASE = 0x10000    # where the program is assembled and loaded
DATA_BASE = 0x1000000  # where a workload's data array starts
PAGE = 4096

__all__ = ["CODE_BASE", "DATA_BASE", "Measurement", "Program", "Region", "WORKLOADS",
           "Workload", "WorkloadError", "get", "measure", "names", "reference"]


class WorkloadError(RuntimeError):
    """A workload did not stop at its ebreak, or left the wrong value in a0."""


def _page_round(n: int) -> int:
    return max(PAGE, (n + PAGE - 1) // PAGE * PAGE)


@dataclass(frozen=True)
class Region:
    """Guest memory to map before the run (zero-filled)."""
    addr: int
    size: int
    perms: str = "rw"


@dataclass(frozen=True)
class Program:
    """One workload at one size, ready to run."""
    name: str
    n: int                          # the size parameter
    source: str                     # assembly text, parameters substituted
    expected: int                   # the a0 a correct run ends with
    regions: tuple[Region, ...]     # data memory (the code region is added by load())
    max_instructions: int           # a generous bound: more means the guest is lost
    entry: int = CODE_BASE

    def code(self) -> bytes:
        from .. import assemble
        return assemble(self.source, self.entry)

    def load(self, code: bytes | None = None):
        """A fresh FlatMMU with the code (read/execute) and the data regions mapped."""
        from .. import FlatMMU
        code = self.code() if code is None else code
        mmu = FlatMMU()
        mmu.mem_map(self.entry, _page_round(len(code)), "rx")
        mmu.mem_write(self.entry, code)
        for r in self.regions:
            mmu.mem_map(r.addr, _page_round(r.size), r.perms)
        return mmu

    def run(self, interpreter=None, code: bytes | None = None):
        """Runs the program once on fresh memory -> (ExecResult, a0). Raises
        WorkloadError if it does not stop at its ebreak (a0 is not checked: see
        :meth:`check`)."""
        from .. import ExecStatus, Interpreter
        interp = Interpreter() if interpreter is None else interpreter
        mmu = self.load(code)
        result = interp.run(mmu, self.entry, max_instructions=self.max_instructions)
        if result.status is not ExecStatus.Ebreak:
            raise WorkloadError(
                f"{self.name}: stopped with status {result.status.value} at pc "
                f"{result.next_pc:#x} after {result.stats.instructions} instructions "
                f"(expected to reach ebreak within {self.max_instructions})")
        return result, interp.reg_read("a0")

    def check(self, a0: int) -> None:
        if a0 != self.expected:
            raise WorkloadError(f"{self.name} (n={self.n}): wrong result: a0 = {a0:#x} "
                                f"({a0}), expected {self.expected:#x} ({self.expected})")


@dataclass(frozen=True)
class Workload:
    """A parameterised workload: ``program(size)`` builds a :class:`Program`."""
    name: str
    description: str
    source_file: str                          # .S file in this package
    sizes: Mapping[str, int]                  # "quick"/"full" -> n
    expected: Callable[[int], int]            # n -> a0
    data_size: Callable[[int], int]           # n -> bytes of data at DATA_BASE (0: none)
    max_instructions: Callable[[int], int]    # n -> hang guard
    params: Mapping[str, int] = field(default_factory=dict)  # fixed extra parameters

    def template(self) -> str:
        return resources.files(__name__).joinpath(self.source_file).read_text("utf-8")

    def source(self, n: int) -> str:
        return string.Template(self.template()).substitute(
            N=n, DATA=DATA_BASE, **self.params)

    def program(self, size: str | int = "quick") -> Program:
        n = self.sizes[size] if isinstance(size, str) else int(size)
        data = self.data_size(n)
        regions = (Region(DATA_BASE, data),) if data else ()
        return Program(self.name, n, self.source(n), self.expected(n), regions,
                       self.max_instructions(n))


WORKLOADS: dict[str, Workload] = {w.name: w for w in (
    Workload(
        "loop", "tight counted loop, 5 instructions per iteration (add/xor/branch)",
        "loop.S", {"quick": 4_000_000, "full": 100_000_000},
        reference.loop_expected, lambda n: 0, lambda n: 5 * n + 100),
    Workload(
        "sieve", "sieve of Eratosthenes over a byte array, a0 = primes below n",
        "sieve.S", {"quick": 1_000_000, "full": 20_000_000},
        reference.sieve_expected, lambda n: n, lambda n: 40 * n + 1000),
    Workload(
        "sort", "xorshift64 fill, insertion sort of 64-bit words, FNV-1a hash",
        "sort.S", {"quick": 3_000, "full": 12_000},
        reference.sort_expected, lambda n: 8 * n, lambda n: 3 * n * n + 40 * n + 1000,
        params={"SEED": reference.SORT_SEED}),
)}


def names() -> list[str]:
    return list(WORKLOADS)


def get(name: str) -> Workload:
    try:
        return WORKLOADS[name]
    except KeyError:
        raise KeyError(f"unknown workload {name!r} (known: {', '.join(WORKLOADS)})") from None


@dataclass
class Measurement:
    """Repeated runs of one program."""
    program: Program
    instructions: int
    times: list[float]
    a0: int

    @property
    def ok(self) -> bool:
        return self.a0 == self.program.expected

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def mips(self) -> float:
        """Million guest instructions per second, at the best time."""
        return self.instructions / self.best / 1e6 if self.best > 0 else 0.0

    def as_dict(self) -> dict:
        p = self.program
        return {"workload": p.name, "n": p.n, "instructions": self.instructions,
                "times_s": self.times, "best_s": self.best, "median_s": self.median,
                "mips": self.mips, "a0": self.a0, "expected": p.expected, "ok": self.ok}


def measure(program: Program, repeat: int = 3, interpreter_factory=None) -> Measurement:
    """Runs ``program`` ``repeat`` times, each on fresh memory and a fresh
    interpreter, timing the guest run only (ExecStats.time: block decoding
    included, assembling and mapping memory not). Raises WorkloadError if a run
    does not reach its ebreak or two runs disagree; a wrong a0 is reported in
    the Measurement (``ok``), not raised."""
    if repeat < 1:
        raise ValueError("repeat must be >= 1")
    if interpreter_factory is None:
        from .. import Interpreter as interpreter_factory
    code = program.code()
    times, counts, a0s = [], set(), set()
    for _ in range(repeat):
        result, a0 = program.run(interpreter_factory(), code)
        times.append(result.stats.time)
        counts.add(result.stats.instructions)
        a0s.add(a0)
    if len(counts) > 1 or len(a0s) > 1:
        raise WorkloadError(f"{program.name}: runs disagree: instruction counts "
                            f"{sorted(counts)}, a0 values {sorted(a0s)}")
    return Measurement(program, counts.pop(), times, a0s.pop())
