"""vm_engine: a fast RISC-V (RV64GC) execution engine for Python.

The names follow the reference API (see README): Interpreter, JITCompiler,
JITConfig, ExecutorType, AsyncExecutionContext, ExecResult, and the errors.
"""
from .errors import (AccessType, ConcurrentUseError, ExecutionError, Fault, FaultKind,
                     GuestMemoryError, JITUnavailableError, VmError)
from .types import ExecResult, ExecStats, ExecStatus, ExecutorType, HybridConfig, JITConfig
from .ir import IRBlock
from ._core import FlatMMU
from .interpreter import Interpreter
from .mmu import MMU

__version__ = "0.1.0"


def __getattr__(name):
    # imported on first use: asyncio adds ~20 ms to every start-up otherwise, numpy 70,
    # the instruction table (Instruction, assemble) 4
    if name in ("Instruction", "DecodeError"):
        from .isa import instruction
        return getattr(instruction, name)
    if name == "assemble":
        from .isa.asm import assemble
        return assemble
    if name == "IR_DTYPE":
        from .ir import ir_dtype
        return ir_dtype()
    if name == "AsyncExecutionContext":
        from .async_context import AsyncExecutionContext
        return AsyncExecutionContext
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AccessType", "AsyncExecutionContext", "ConcurrentUseError", "DecodeError", "ExecResult",
    "ExecStats", "ExecStatus", "ExecutionError", "ExecutorType", "Fault", "FaultKind", "FlatMMU",
    "GuestMemoryError", "HybridConfig", "IRBlock", "IR_DTYPE", "Instruction", "Interpreter", "JITConfig",
    "JITUnavailableError", "MMU", "VmError", "assemble",
]
