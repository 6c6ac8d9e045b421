"""The interpreter: a thin class over the compiled run loop (csrc/vm_interp.c)."""
from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from . import _core, _owner
from .errors import AccessType, ExecutionError, Fault, FaultKind
from .ir import IRBlock
from .isa.regs import reg_index
from .types import ExecResult, ExecStats, ExecStatus

if TYPE_CHECKING:   # (the instruction table: not imported to run a program)
    from .isa.instruction import Instruction

_STATUS = {
    _core.EXIT_BLOCK_END: ExecStatus.Ok,
    _core.EXIT_UNTIL: ExecStatus.Ok,
    _core.EXIT_BUDGET: ExecStatus.Budget,
    _core.EXIT_STOP: ExecStatus.Stopped,
    _core.EXIT_ECALL: ExecStatus.Ecall,
    _core.EXIT_EBREAK: ExecStatus.Ebreak,
    _core.EXIT_FAULT: ExecStatus.Fault,
}
_FAULT_KIND = {
    _core.FAULT_INVALID_OPCODE: FaultKind.InvalidOpcode,
    _core.FAULT_ILLEGAL_INSTRUCTION: FaultKind.IllegalInstruction,
    _core.FAULT_PAGE: FaultKind.PageFault,
    _core.FAULT_ALIGNMENT: FaultKind.AlignmentFault,
}
_ACCESS = (AccessType.Read, AccessType.Write, AccessType.Fetch)
_SPECIAL_REGS = ("pc", "fcsr", "fflags", "frm")
_SHARED_MEMORY = ("this {type} (guest memory) is already in use by an engine running in "
                  "thread {thread!r}; engines that run at the same time need their own memory")


def as_memory(mmu):
    """The compiled memory object for ``mmu``: a FlatMMU as is, any other object
    with mem_read/mem_write through the (slower) callback path."""
    if isinstance(mmu, _core.MemoryBase):
        return mmu
    return _core.UserMMU(mmu)


class Interpreter(_core.CpuCore):
    """Executes guest code by interpreting IR blocks. Owns the guest registers.

    ``mmu`` is the memory ``execute_instruction`` and calls without an mmu
    argument use. Not thread-safe: one instance per thread. A run started
    while the instance (or the guest memory it would use) is running in
    another thread raises ConcurrentUseError instead of corrupting the state;
    ``request_stop()`` is the one call meant for other threads.
    """

    def __init__(self, mmu=None):
        self.mmu = mmu
        self._memories = {}  # id(user mmu) -> (mmu, adapter)

    # -- registers -------------------------------------------------------------
    def reg_read(self, reg) -> int:
        """A register by number (x0-x31), ABI name ("a0", "fa0"), "x5"/"f5",
        or "pc"/"fcsr"/"fflags"/"frm"."""
        kind, idx = self._reg(reg)
        if kind == "x":
            return self._xget(idx)
        if kind == "f":
            return self._fget(idx)
        if idx == "pc":
            return self.pc
        return {"fcsr": self.fcsr, "fflags": self.fcsr & 0x1F, "frm": self.fcsr >> 5}[idx]

    def reg_write(self, reg, value: int) -> None:
        kind, idx = self._reg(reg)
        value &= 0xFFFFFFFFFFFFFFFF
        if kind == "x":
            self._xset(idx, value)
        elif kind == "f":
            self._fset(idx, value)
        elif idx == "pc":
            self.pc = value
        elif idx == "fcsr":
            self.fcsr = value
        elif idx == "fflags":
            self.fcsr = (self.fcsr & ~0x1F) | (value & 0x1F)
        else:
            self.fcsr = (self.fcsr & 0x1F) | ((value & 7) << 5)

    @staticmethod
    def _reg(reg):
        if isinstance(reg, int):
            return "x", reg_index(reg)
        name = reg.strip().lower()
        if name in _SPECIAL_REGS:
            return "special", name
        try:
            return "x", reg_index(name, "x")
        except ValueError:
            return "f", reg_index(name, "f")

    @property
    def regs(self) -> list[int]:
        return [self._xget(i) for i in range(32)]

    # -- execution -------------------------------------------------------------
    def _memory(self, mmu):
        mmu = self.mmu if mmu is None else mmu
        if mmu is None:
            mmu = self._no_memory()
        if isinstance(mmu, _core.MemoryBase):
            return mmu
        cached = self._memories.get(id(mmu))
        if cached is None or cached[0] is not mmu:
            cached = self._memories[id(mmu)] = (mmu, _core.UserMMU(mmu))
        return cached[1]

    def _no_memory(self):
        if "_empty" not in self.__dict__:
            self._empty = _core.FlatMMU(address_space=_core.PAGE_SIZE)
        return self._empty

    def execute_instruction(self, insn: Instruction, mmu=None) -> None:
        """Executes one instruction at the current pc (raises ExecutionError on a fault)."""
        self.execute_block(IRBlock([insn], start_pc=None), mmu)

    def execute_block(self, block: IRBlock, mmu=None) -> ExecResult:
        """Runs ``block`` once from its start_pc (None: the current pc). A taken
        branch or jump ends it early; ``next_pc`` says where execution goes next."""
        pc = self.pc if block.start_pc is None else block.start_pc
        ir = block.lower(pc)
        return self._execute(self._memory(mmu), ir=ir, block_pc=pc)

    def run(self, mmu=None, pc: int | None = None, *, until: int | None = None,
            max_instructions: int | None = None, timeout: float | None = None) -> ExecResult:
        """Runs guest code from ``pc`` (default: the current pc), decoding from
        memory, until it reaches ``until``, executes ``max_instructions``,
        reaches an ecall (status Ecall, pc after it) or ebreak (status Ebreak, pc
        at it), ``timeout`` seconds pass (status Stopped), or faults (raises
        ExecutionError)."""
        if max_instructions is not None and max_instructions < 0:
            raise ValueError("max_instructions must be >= 0")
        if timeout is not None and timeout < 0:
            raise ValueError("timeout must be >= 0")
        _owner.claim(self)   # before touching pc
        try:
            if pc is not None:
                self.pc = pc
            timer = None
            if timeout is not None:
                timer = threading.Timer(timeout, self.request_stop)
                timer.daemon = True
                timer.start()
            try:
                return self._execute(self._memory(mmu), budget=max_instructions, until=until)
            finally:
                if timer is not None:
                    timer.cancel()
        finally:
            _owner.release(self)

    def _execute(self, memory, **kwargs) -> ExecResult:
        # every run goes through here: one thread at a time per engine and per
        # guest memory (the memory's block cache is not shared safely either)
        self._claim(memory)
        try:
            return self._execute_owned(memory, **kwargs)
        finally:
            self._release(memory)

    def _claim(self, memory) -> None:
        """Claims this engine and its guest memory for the calling thread (as
        every run does): ConcurrentUseError if another thread has either."""
        _owner.claim(self)
        try:
            _owner.claim(memory, _SHARED_MEMORY)
        except BaseException:
            _owner.release(self)
            raise

    def _release(self, memory) -> None:
        _owner.release(memory)
        _owner.release(self)

    def _step(self, memory, budget: int | None, keep_handler: bool = False) -> ExecStatus:
        """run(max_instructions=budget) on ``memory`` for a caller that holds
        the claims (_claim) across many runs and counts their instructions
        itself: Machine, one run per system call, whose time here is that
        call's overhead (so no ExecResult; keep_handler: _core's _run): how it
        ended. A fault raises ExecutionError, its result's stats empty."""
        reason = self._run_hooked(memory, budget, keep_handler)
        if reason == _core.EXIT_FAULT:
            raise self._fault_error(ExecResult(ExecStatus.Fault, ExecStats(), self.pc))
        return _STATUS[reason]

    def _run_hooked(self, memory, budget: int | None, keep_handler: bool) -> int:
        """_run(memory, budget) with this engine's hooks (the JIT's: its
        compiler; the interpreter's runs leave the SIGSEGV handler alone)."""
        return self._run(memory, budget)

    def _execute_owned(self, memory, **kwargs) -> ExecResult:
        n0, m0 = self.instret, self.memory_accesses
        t0 = time.perf_counter()
        reason = self._run(memory, **kwargs)
        stats = ExecStats(self.instret - n0, self.memory_accesses - m0, time.perf_counter() - t0)
        result = ExecResult(_STATUS[reason], stats, self.pc)
        if reason == _core.EXIT_FAULT:
            raise self._fault_error(result)
        return result

    def _fault_error(self, result: ExecResult) -> ExecutionError:
        """The ExecutionError of the fault the last run ended with."""
        kind, addr, access, insn = self._fault_info()
        kind = _FAULT_KIND[kind]
        memory_fault = kind in (FaultKind.PageFault, FaultKind.AlignmentFault)
        fault = Fault(kind, self.pc, addr if memory_fault else None,
                      _ACCESS[access] if memory_fault else None,
                      None if memory_fault and access == 2 else insn)
        return ExecutionError(fault, result)
