"""The reference's value types: ExecStatus, ExecStats, ExecResult, ExecutorType,
JITConfig; and HybridConfig, the Hybrid executor's tiering thresholds."""
from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field


class ExecStatus(enum.Enum):
    Ok = "ok"                # the block (or run up to `until`) completed
    Ecall = "ecall"          # stopped after an ecall: the environment should handle it
    Ebreak = "ebreak"        # stopped at an ebreak (pc points at it)
    Fault = "fault"          # the guest faulted (also raised as ExecutionError)
    Exit = "exit"            # the guest program exited (Linux user mode)
    Budget = "budget"        # max_instructions reached
    Stopped = "stopped"      # stop requested from outside (or timeout)


@dataclass
class ExecStats:
    instructions: int = 0       # guest instructions retired, exact
    memory_accesses: int = 0    # guest loads and stores executed
    time: float = 0.0           # wall seconds

    @property
    def mips(self) -> float:
        return self.instructions / self.time / 1e6 if self.time > 0 else 0.0


@dataclass
class ExecResult:
    status: ExecStatus
    stats: ExecStats = field(default_factory=ExecStats)
    next_pc: int = 0
    exit_code: int | None = None


class ExecutorType(enum.Enum):
    Interpreter = "interpreter"
    JIT = "jit"
    Hybrid = "hybrid"


@dataclass
class JITConfig:
    """JIT settings, with the reference's defaults. Level 0: templates, fastest
    compile; 1: register allocation, block chaining, self-loops in host code;
    2 (recommended): regions across direct jumps and fall-throughs
    (``enable_inlining``), loops in host code; 3: larger regions, and with
    ``enable_vectorization`` loops that fill, copy or scan memory (memset's,
    memcpy's, strlen's) run as vector moves and compares (AVX-512/AVX2/SSE2,
    as the host has them).
    (vm_engine/jit/x86.py has the details.)"""

    optimization_level: int = 2
    code_cache_size: int = 64 * 1024 * 1024
    enable_inlining: bool = True
    enable_vectorization: bool = False
    # compile on a thread of its own (the run goes on interpreting a block until
    # its code is ready) instead of on the run's thread before the block runs
    background_compile: bool = False
    # a directory where compiled code is kept across runs and processes (a
    # program run again starts with its code compiled: vm_engine/jit/code_store.py);
    # None: none. (`vm-engine run` keeps it in ~/.cache/vm_engine.)
    cache_dir: str | os.PathLike | None = None

    MIN_CODE_CACHE = 64 * 1024

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        lvl = self.optimization_level
        if not isinstance(lvl, int) or isinstance(lvl, bool) or not 0 <= lvl <= 3:
            raise ValueError(f"optimization_level must be an int in 0..3, got {lvl!r}")
        size = self.code_cache_size
        if not isinstance(size, int) or isinstance(size, bool) or size < self.MIN_CODE_CACHE:
            raise ValueError(f"code_cache_size must be an int >= {self.MIN_CODE_CACHE} bytes, "
                             f"got {size!r}")
        for name in ("enable_inlining", "enable_vectorization", "background_compile"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be a bool, got {getattr(self, name)!r}")
        if self.cache_dir is not None and (not isinstance(self.cache_dir, (str, os.PathLike))
                                           or not os.fspath(self.cache_dir)):
            raise ValueError(f"cache_dir must be a directory's path or None, "
                             f"got {self.cache_dir!r}")


@dataclass
class HybridConfig:
    """How ExecutorType.Hybrid tiers code. A block is interpreted until it has
    run ``compile_threshold`` times; then it is compiled at ``first_level``.
    When that is below the JITConfig's optimization_level, the first-tier code
    counts its runs (loop iterations included) and after ``tier_up_threshold``
    more it is compiled again at the optimization_level. The default compiles
    once, at level 2: compiling a block twice (first_level=1, then 2) measured
    8 % slower over the bundled workloads, as every warm block paid for both.

    Compiling costs far more per instruction than interpreting it once, so a
    short program must not spend its time compiling: compile time is held to
    ``compile_budget`` (a fraction) of the run's time so far plus
    ``compile_allowance`` seconds; a block that would go over waits 2048 more
    runs and is then compiled whatever the budget (so hot enough to pay for it).

    With a code store (JITConfig.cache_dir) and background_compile, a block
    that has run ``store_probe_threshold`` times is looked for there first: code
    an earlier run compiled costs no compile, so it is taken long before
    ``compile_threshold`` (sed, run again: 4.6 million instructions interpreted
    instead of 11.6, its run 0.15 s instead of 0.18 s). A block not
    there waits for compile_threshold as before; a run that finds little
    there stops looking (JITCompiler.probe_threshold). 0: no early look."""

    compile_threshold: int = 1000
    tier_up_threshold: int = 1000
    first_level: int = 2
    compile_budget: float = 0.2
    compile_allowance: float = 0.02
    store_probe_threshold: int = 32

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        for name, low, high in (("compile_threshold", 0, (1 << 32) - 1),
                                ("store_probe_threshold", 0, (1 << 32) - 1),
                                ("tier_up_threshold", 1, (1 << 31) - 1), ("first_level", 0, 3)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ValueError(f"{name} must be an int in {low}..{high}, got {value!r}")
        for name in ("compile_budget", "compile_allowance"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
