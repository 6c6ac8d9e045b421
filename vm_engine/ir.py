"""IR blocks: the typed arrays the interpreter loops over and the JIT compiles.

``IR_DTYPE`` mirrors ``struct vm_ir`` (csrc/vm_ir.h) field by field; a test
checks offsets and itemsize against the compiled struct. ``IR_STRUCT`` reads
and writes the same entries without numpy, which running a program never
imports (70 ms of every start-up, and OpenBLAS's threads spinning after it):
``IR_DTYPE`` is made on first use.
"""
from __future__ import annotations

import struct

from . import _core

_FIELDS = [  # (name, format, offset) in struct order
    ("imm", "<i8", 0), ("raw", "<u4", 8), ("pc_off", "<u2", 12), ("op", "<u2", 14),
    ("rd", "u1", 16), ("rs1", "u1", 17), ("rs2", "u1", 18), ("rs3", "u1", 19),
    ("rm", "u1", 20), ("len", "u1", 21), ("aux", "<u2", 22),
]
IR_FIELDS = tuple(f[0] for f in _FIELDS)
IR_ITEMSIZE = 24
#: one entry as a tuple in IR_FIELDS' order (the fields are packed: no padding)
IR_STRUCT = struct.Struct("<" + "".join({"i8": "q", "u4": "I", "u2": "H", "u1": "B"}[f[1][-2:]]
                                        for f in _FIELDS))
assert IR_STRUCT.size == IR_ITEMSIZE


def ir_dtype():
    """IR_DTYPE, the numpy dtype of an entry (made, and numpy imported, on first use)."""
    global IR_DTYPE
    if "IR_DTYPE" not in globals():
        import numpy as np
        IR_DTYPE = np.dtype({"names": list(IR_FIELDS), "formats": [f[1] for f in _FIELDS],
                             "offsets": [f[2] for f in _FIELDS], "itemsize": IR_ITEMSIZE})
    return IR_DTYPE


def __getattr__(name):
    if name == "IR_DTYPE":
        return ir_dtype()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: IR ``rd`` value meaning "write discarded" (the instruction named x0)
RD_SINK = _core.REG_SINK


def op_name(op: int) -> str:
    from .isa.table import BY_INDEX  # (the table: not for running a program)
    return BY_INDEX[op].name if op in BY_INDEX else "invalid"


class IRBlock:
    """A straight-line run of guest instructions.

    ``IRBlock(instructions=[insn, ...], start_pc=0)``; ``start_pc=None`` means
    "wherever the executing engine's pc is". ``.ir`` is the lowered numpy array.
    """

    def __init__(self, instructions=(), start_pc: int | None = 0):
        from .isa.instruction import Instruction  # (not imported to run a program)
        self.instructions = list(instructions)
        for insn in self.instructions:
            if not isinstance(insn, Instruction):
                raise TypeError(f"IRBlock takes Instruction objects, got {type(insn).__name__}")
        self.start_pc = start_pc

    def lower(self, pc: int | None = None):
        """The IR array (numpy, dtype IR_DTYPE) for this block placed at ``pc``
        (default start_pc)."""
        import numpy as np
        pc = self.start_pc if pc is None else pc
        words = [(insn.encode(), insn.length) for insn in self.instructions]
        return np.frombuffer(_core.decode_words(words, pc or 0), dtype=ir_dtype())

    @property
    def ir(self):
        return self.lower()

    @classmethod
    def from_memory(cls, mmu, pc: int) -> "IRBlock":
        """The basic block the frontend decodes at guest ``pc`` (it ends at a control
        transfer, an undecodable word, a page boundary or 128 instructions)."""
        from .isa.instruction import Instruction
        insns = []
        raw, op = IR_FIELDS.index("raw"), IR_FIELDS.index("op")
        for entry in IR_STRUCT.iter_unpack(mmu.decode_block(pc)):
            if entry[op] == 0:
                break  # undecodable: the block ends where execution would fault
            insns.append(Instruction.decode(entry[raw]))
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
