"""The error hierarchy: VmError -> ExecutionError carrying a Fault."""
from __future__ import annotations

import enum
from dataclasses import dataclass


class FaultKind(enum.Enum):
    InvalidOpcode = "invalid opcode"            # the word decodes to no instruction
    IllegalInstruction = "illegal instruction"  # decodes, but not allowed (unknown CSR, ...)
    PageFault = "page fault"                    # unmapped memory or permission denied
    AlignmentFault = "alignment fault"          # misaligned where the ISA forbids it


class AccessType(enum.Enum):
    Read = "read"
    Write = "write"
    Fetch = "fetch"


@dataclass(frozen=True)
class Fault:
    """What went wrong, where: the guest pc of the faulting instruction and, for
    memory faults, the address and the kind of access."""

    kind: FaultKind
    pc: int
    address: int | None = None
    access: AccessType | None = None
    insn: int | None = None  # the raw instruction word, when it could be fetched

    def __str__(self) -> str:
        text = f"{self.kind.value} at pc={self.pc:#x}"
        if self.access is not None:
            text += f": {self.access.value} of address {self.address:#x}"
        elif self.insn is not None:
            text += f": instruction word {self.insn:#010x}"
        return text


class VmError(Exception):
    """Base of every error vm_engine raises about guest execution."""


class ExecutionError(VmError):
    """The guest faulted. ``.fault`` says how; ``.result`` is the ExecResult of the
    run up to the faulting instruction (state is as before that instruction)."""

    def __init__(self, fault: Fault, result=None):
        super().__init__(str(fault))
        self.fault = fault
        self.result = result


class GuestMemoryError(VmError):
    """A host-side access to guest memory that is not mapped (FlatMMU.mem_read,
    mem_write). A user-written MMU raises it to report a page fault."""

    def __init__(self, address: int, access: str | AccessType = "read"):
        access = AccessType(access) if isinstance(access, str) else access
        super().__init__(f"guest memory {access.value} at {address:#x}: not mapped")
        self.address = address
        self.access = access


class JITUnavailableError(VmError):
    """The JIT cannot run on this host (it needs x86-64 Linux)."""


class ConcurrentUseError(VmError):
    """An engine (Interpreter, JITCompiler), a guest memory or a Machine was
    used by a second thread while it was running in another one. An engine
    holds one guest hart's state: use one instance per thread (or serialise
    the calls yourself)."""
