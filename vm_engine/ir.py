"""IR blocks: the typed arrays the interpreter loops over and the JIT compiles.

``IR_DTYPE`` mirrors ``struct vm_ir`` (csrc/vm_ir.h) field by field; a test
checks offsets and itemsize against the compiled struct.
"""
from __future__ import annotations

import numpy as np

from . import _core
from .isa.instruction import Instruction
from .isa.table import BY_INDEX

_FIELDS = [  # (name, format, offset) in struct order
    ("imm", "<i8", 0), ("raw", "<u4", 8), ("pc_off", "<u2", 12), ("op", "<u2", 14),
    ("rd", "u1", 16), ("rs1", "u1", 17), ("rs2", "u1", 18), ("rs3", "u1", 19),
    ("rm", "u1", 20), ("len", "u1", 21), ("aux", "<u2", 22),
]
IR_DTYPE = np.dtype({"names": [f[0] for f in _FIELDS], "formats": [f[1] for f in _FIELDS],
                     "offsets": [f[2] for f in _FIELDS], "itemsize": 24})

#: IR ``rd`` value meaning "write discarded" (the instruction named x0)
RD_SINK = _core.REG_SINK


def op_name(op: int) -> str:
    return BY_INDEX[op].name if op in BY_INDEX else "invalid"


class IRBlock:
    """A straight-line run of guest instructions.

    ``IRBlock(instructions=[insn, ...], start_pc=0)``; ``start_pc=None`` means
    "wherever the executing engine's pc is". ``.ir`` is the lowered numpy array.
    """

    def __init__(self, instructions=(), start_pc: int | None = 0):
        self.instructions = list(instructions)
        for insn in self.instructions:
            if not isinstance(insn, Instruction):
                raise TypeError(f"IRBlock takes Instruction objects, got {type(insn).__name__}")
        self.start_pc = start_pc

    def lower(self, pc: int | None = None) -> np.ndarray:
        """The IR array for this block placed at ``pc`` (default start_pc)."""
        pc = self.start_pc if pc is None else pc
        words = [(insn.encode(), insn.length) for insn in self.instructions]
        return np.frombuffer(_core.decode_words(words, pc or 0), dtype=IR_DTYPE)

    @property
    def ir(self) -> np.ndarray:
        return self.lower()

    @classmethod
    def from_memory(cls, mmu, pc: int) -> "IRBlock":
        """The basic block the frontend decodes at guest ``pc`` (it ends at a control
        transfer, an undecodable word, a page boundary or 128 instructions)."""
        ir = np.frombuffer(mmu.decode_block(pc), dtype=IR_DTYPE)
        insns = []
        for entry in ir:
            if entry["op"] == 0:
                break  # undecodable: the block ends where execution would fault
            insns.append(Instruction.decode(int(entry["raw"])))
        return cls(insns, start_pc=pc)

    @property
    def size(self) -> int:
        return sum(insn.length for insn in self.instructions)

    def __len__(self) -> int:
        return len(self.instructions)

    def __iter__(self):
        return iter(self.instructions)

    def __str__(self) -> str:
        pc = self.start_pc or 0
        lines = []
        for insn in self.instructions:
            lines.append(f"{pc:#010x}: {insn.encode():0{2 * insn.length}x}  "
                         f"{insn.disassemble(pc=pc)}")
            pc += insn.length
        return "\n".join(lines)

    def __repr__(self) -> str:
        start = "None" if self.start_pc is None else f"{self.start_pc:#x}"
        return f"<IRBlock start_pc={start} {len(self.instructions)} instructions>"
