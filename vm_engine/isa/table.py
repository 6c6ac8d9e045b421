"""The one instruction table of vm_engine.

Every RISC-V instruction the engine knows is a line in ``_TABLE`` below:

    name      class    operands              fixed encoding bits

* *class* says how the engine treats it (``load``/``store`` count as memory
  accesses, ``branch``/``jump``/``system``/``fencei`` end a basic block).
* *operands* is the assembly syntax; each token names an operand field
  (``REG_FIELDS``/``IMM_FIELDS``: ``rd``, ``imm12``, ``bimm`` ...),
  ``imm12(rs1)`` is the memory-operand form, and a ``~field`` is decoded
  and kept but not written in assembly (reserved bits such as fence's fm).
* *fixed bits* are ``hi..lo=value`` or ``bit=value`` items, as in the
  riscv-opcodes project; together they give the match/mask pair.

From this one table come the Python decoder/encoder/disassembler
(``vm_engine.isa.instruction``), the C decoder that fills the IR and the
opcode enum (``csrc/generated/vm_insn_table.h``, written by
``vm_engine.isa.gen_c``), and the coverage checks of the interpreter.
"""
from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------
# Operand fields.  An immediate is a list of slices (inst_hi, inst_lo, imm_lo):
# instruction bits inst_hi..inst_lo hold immediate bits starting at imm_lo.
# --------------------------------------------------------------------------

#: register class of a register field: "x" integer, "f" floating point
REG_FIELDS = {
    # name: (bit hi, bit lo, register class, IR slot)
    "rd": (11, 7, "x", "rd"),
    "rs1": (19, 15, "x", "rs1"),
    "rs2": (24, 20, "x", "rs2"),
    "rs3": (31, 27, "x", "rs3"),
    "frd": (11, 7, "f", "rd"),
    "frs1": (19, 15, "f", "rs1"),
    "frs2": (24, 20, "f", "rs2"),
    "frs3": (31, 27, "f", "rs3"),
}


@dataclass(frozen=True)
class ImmField:
    """An immediate operand: where its bits live and how it is shown."""

    name: str
    slices: tuple  # ((inst_hi, inst_lo, imm_lo), ...)
    signed: bool
    ir_slot: str = "imm"  # IR field that receives the value: imm, aux or rm
    pcrel: bool = False  # value is an offset from the instruction's pc
    shown_shift: int = 0  # the assembly shows value >> shown_shift (lui/auipc)

    @property
    def width(self) -> int:
        return max(lo + (hi - ilo) + 1 for hi, ilo, lo in self.slices)

    def extract(self, word: int) -> int:
        value = 0
        for hi, lo, imm_lo in self.slices:
            value |= ((word >> lo) & ((1 << (hi - lo + 1)) - 1)) << imm_lo
        if self.signed and value >> (self.width - 1):
            value -= 1 << self.width
        return value

    def insert(self, value: int) -> int:
        """Encode value into instruction bits; raises ValueError if it does not fit."""
        width = self.width
        lo_bit = min(imm_lo for _, _, imm_lo in self.slices)
        lo_mask = (1 << lo_bit) - 1
        if value & lo_mask:
            raise ValueError(f"{self.name}: {value:#x} must be a multiple of {1 << lo_bit}")
        if self.signed:
            if not -(1 << (width - 1)) <= value < (1 << (width - 1)):
                raise ValueError(f"{self.name}: {value} does not fit in {width} signed bits")
        elif not 0 <= value < (1 << width):
            raise ValueError(f"{self.name}: {value} does not fit in {width} unsigned bits")
        value &= (1 << width) - 1
        word = 0
        for hi, lo, imm_lo in self.slices:
            word |= ((value >> imm_lo) & ((1 << (hi - lo + 1)) - 1)) << lo
        return word


IMM_FIELDS = {f.name: f for f in [
    ImmField("imm12", ((31, 20, 0),), True),
    ImmField("simm12", ((31, 25, 5), (11, 7, 0)), True),
    ImmField("bimm", ((31, 31, 12), (7, 7, 11), (30, 25, 5), (11, 8, 1)), True, pcrel=True),
    ImmField("jimm", ((31, 31, 20), (19, 12, 12), (20, 20, 11), (30, 21, 1)), True, pcrel=True),
    ImmField("uimm20", ((31, 12, 12),), True, shown_shift=12),
    ImmField("shamt6", ((25, 20, 0),), False),
    ImmField("shamt5", ((24, 20, 0),), False),
    ImmField("csr", ((31, 20, 0),), False, ir_slot="aux"),
    ImmField("zimm", ((19, 15, 0),), False),
    ImmField("rm", ((14, 12, 0),), False, ir_slot="rm"),
    ImmField("aqrl", ((26, 25, 0),), False, ir_slot="rm"),
    ImmField("fm", ((31, 28, 0),), False, ir_slot="rm"),
    ImmField("pred", ((27, 24, 0),), False, ir_slot="imm"),
    ImmField("succ", ((23, 20, 0),), False, ir_slot="aux"),
]}

#: instruction classes; these end a basic block
BLOCK_ENDING_CLASSES = frozenset({"branch", "jump", "system", "fencei"})
#: these access guest memory (counted in ExecStats.memory_accesses)
MEMORY_CLASSES = frozenset({"load", "store"})
CLASSES = frozenset({"alu", "load", "store", "branch", "jump", "system", "csr", "fence",
                     "fencei", "mul", "div"})

# --------------------------------------------------------------------------
# The table.  Order is the opcode numbering (VM_OP_<NAME> = index + 1).
# --------------------------------------------------------------------------
_TABLE = """
# ---- RV64I ------------------------------------------------------------
lui        alu     rd, uimm20             6..0=0x37
auipc      alu     rd, uimm20             6..0=0x17
jal        jump    rd, jimm               6..0=0x6f
jalr       jump    rd, imm12(rs1)         14..12=0 6..0=0x67
beq        branch  rs1, rs2, bimm         14..12=0 6..0=0x63
bne        branch  rs1, rs2, bimm         14..12=1 6..0=0x63
blt        branch  rs1, rs2, bimm         14..12=4 6..0=0x63
bge        branch  rs1, rs2, bimm         14..12=5 6..0=0x63
bltu       branch  rs1, rs2, bimm         14..12=6 6..0=0x63
bgeu       branch  rs1, rs2, bimm         14..12=7 6..0=0x63
lb         load    rd, imm12(rs1)         14..12=0 6..0=0x03
lh         load    rd, imm12(rs1)         14..12=1 6..0=0x03
lw         load    rd, imm12(rs1)         14..12=2 6..0=0x03
ld         load    rd, imm12(rs1)         14..12=3 6..0=0x03
lbu        load    rd, imm12(rs1)         14..12=4 6..0=0x03
lhu        load    rd, imm12(rs1)         14..12=5 6..0=0x03
lwu        load    rd, imm12(rs1)         14..12=6 6..0=0x03
sb         store   rs2, simm12(rs1)       14..12=0 6..0=0x23
sh         store   rs2, simm12(rs1)       14..12=1 6..0=0x23
sw         store   rs2, simm12(rs1)       14..12=2 6..0=0x23
sd         store   rs2, simm12(rs1)       14..12=3 6..0=0x23
addi       alu     rd, rs1, imm12         14..12=0 6..0=0x13
slti       alu     rd, rs1, imm12         14..12=2 6..0=0x13
sltiu      alu     rd, rs1, imm12         14..12=3 6..0=0x13
xori       alu     rd, rs1, imm12         14..12=4 6..0=0x13
ori        alu     rd, rs1, imm12         14..12=6 6..0=0x13
andi       alu     rd, rs1, imm12         14..12=7 6..0=0x13
slli       alu     rd, rs1, shamt6        31..26=0x00 14..12=1 6..0=0x13
srli       alu     rd, rs1, shamt6        31..26=0x00 14..12=5 6..0=0x13
srai       alu     rd, rs1, shamt6        31..26=0x10 14..12=5 6..0=0x13
add        alu     rd, rs1, rs2           31..25=0x00 14..12=0 6..0=0x33
sub        alu     rd, rs1, rs2           31..25=0x20 14..12=0 6..0=0x33
sll        alu     rd, rs1, rs2           31..25=0x00 14..12=1 6..0=0x33
slt        alu     rd, rs1, rs2           31..25=0x00 14..12=2 6..0=0x33
sltu       alu     rd, rs1, rs2           31..25=0x00 14..12=3 6..0=0x33
xor        alu     rd, rs1, rs2           31..25=0x00 14..12=4 6..0=0x33
srl        alu     rd, rs1, rs2           31..25=0x00 14..12=5 6..0=0x33
sra        alu     rd, rs1, rs2           31..25=0x20 14..12=5 6..0=0x33
or         alu     rd, rs1, rs2           31..25=0x00 14..12=6 6..0=0x33
and        alu     rd, rs1, rs2           31..25=0x00 14..12=7 6..0=0x33
addiw      alu     rd, rs1, imm12         14..12=0 6..0=0x1b
slliw      alu     rd, rs1, shamt5        31..25=0x00 14..12=1 6..0=0x1b
srliw      alu     rd, rs1, shamt5        31..25=0x00 14..12=5 6..0=0x1b
sraiw      alu     rd, rs1, shamt5        31..25=0x20 14..12=5 6..0=0x1b
addw       alu     rd, rs1, rs2           31..25=0x00 14..12=0 6..0=0x3b
subw       alu     rd, rs1, rs2           31..25=0x20 14..12=0 6..0=0x3b
sllw       alu     rd, rs1, rs2           31..25=0x00 14..12=1 6..0=0x3b
srlw       alu     rd, rs1, rs2           31..25=0x00 14..12=5 6..0=0x3b
sraw       alu     rd, rs1, rs2           31..25=0x20 14..12=5 6..0=0x3b
fence      fence   pred, succ ~fm ~rs1 ~rd  14..12=0 6..0=0x0f
ecall      system                         31..7=0 6..0=0x73
ebreak     system                         31..20=1 19..7=0 6..0=0x73
# ---- Zifencei -----------------------------------------------------------
fence.i    fencei  ~imm12 ~rs1 ~rd        14..12=1 6..0=0x0f
# ---- M ------------------------------------------------------------------
mul        mul     rd, rs1, rs2           31..25=0x01 14..12=0 6..0=0x33
mulh       mul     rd, rs1, rs2           31..25=0x01 14..12=1 6..0=0x33
mulhsu     mul     rd, rs1, rs2           31..25=0x01 14..12=2 6..0=0x33
mulhu      mul     rd, rs1, rs2           31..25=0x01 14..12=3 6..0=0x33
div        div     rd, rs1, rs2           31..25=0x01 14..12=4 6..0=0x33
divu       div     rd, rs1, rs2           31..25=0x01 14..12=5 6..0=0x33
rem        div     rd, rs1, rs2           31..25=0x01 14..12=6 6..0=0x33
remu       div     rd, rs1, rs2           31..25=0x01 14..12=7 6..0=0x33
mulw       mul     rd, rs1, rs2           31..25=0x01 14..12=0 6..0=0x3b
divw       div     rd, rs1, rs2           31..25=0x01 14..12=4 6..0=0x3b
divuw      div     rd, rs1, rs2           31..25=0x01 14..12=5 6..0=0x3b
remw       div     rd, rs1, rs2           31..25=0x01 14..12=6 6..0=0x3b
remuw      div     rd, rs1, rs2           31..25=0x01 14..12=7 6..0=0x3b
# ---- Zicsr --------------------------------------------------------------
csrrw      csr     rd, csr, rs1           14..12=1 6..0=0x73
csrrs      csr     rd, csr, rs1           14..12=2 6..0=0x73
csrrc      csr     rd, csr, rs1           14..12=3 6..0=0x73
csrrwi     csr     rd, csr, zimm          14..12=5 6..0=0x73
csrrsi     csr     rd, csr, zimm          14..12=6 6..0=0x73
csrrci     csr     rd, csr, zimm          14..12=7 6..0=0x73
"""


@dataclass(frozen=True)
class InsnSpec:
    """One line of the table."""

    name: str
    cls: str
    operands: tuple  # operand field names in assembly order
    syntax: str  # operand text with field names, e.g. "rd, imm12(rs1)"
    match: int
    mask: int
    length: int  # 4, or 2 for compressed
    index: int  # VM_OP_<NAME> value in C
    hidden: tuple = ()  # fields that are decoded and kept but not written in assembly

    @property
    def c_name(self) -> str:
        return "VM_OP_" + self.name.upper().replace(".", "_")

    @property
    def major_opcode(self) -> int:
        return self.match & (0x7F if self.length == 4 else 0x3)

    @property
    def ends_block(self) -> bool:
        return self.cls in BLOCK_ENDING_CLASSES

    @property
    def accesses_memory(self) -> bool:
        return self.cls in MEMORY_CLASSES

    def field(self, name: str):
        return REG_FIELDS.get(name) or IMM_FIELDS[name]


def _parse_fixed(items: list[str]) -> tuple[int, int]:
    match = mask = 0
    for item in items:
        bits, value = item.split("=")
        hi, _, lo = bits.partition("..")
        hi, lo, value = int(hi), int(lo or hi), int(value, 0)
        width = hi - lo + 1
        if value >> width:
            raise ValueError(f"fixed field {item} does not fit")
        field_mask = ((1 << width) - 1) << lo
        if mask & field_mask:
            raise ValueError(f"fixed field {item} overlaps another")
        mask |= field_mask
        match |= value << lo
    return match, mask


def _operand_tokens(syntax: str) -> tuple:
    tokens = []
    for part in syntax.replace("(", " ").replace(")", " ").replace(",", " ").split():
        if part not in REG_FIELDS and part not in IMM_FIELDS:
            raise ValueError(f"unknown operand field {part!r}")
        tokens.append(part)
    return tuple(tokens)


def _parse_table(text: str) -> list[InsnSpec]:
    specs = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        name, cls, rest = parts[0], parts[1], parts[2] if len(parts) > 2 else ""
        if cls not in CLASSES:
            raise ValueError(f"{name}: unknown class {cls}")
        fixed = [t for t in rest.split() if "=" in t]
        words = [t for t in rest.split() if "=" not in t]
        hidden = tuple(t[1:] for t in words if t.startswith("~"))
        syntax = " ".join(t for t in words if not t.startswith("~"))
        match, mask = _parse_fixed(fixed)
        length = 4 if match & 3 == 3 else 2
        specs.append(InsnSpec(name, cls, _operand_tokens(syntax), syntax, match, mask,
                              length, len(specs) + 1, _operand_tokens(" ".join(hidden))))
    _check_table(specs)
    return specs


def _check_table(specs: list[InsnSpec]) -> None:
    """Operand fields and fixed bits must tile the word; no two entries may overlap."""
    names = set()
    for s in specs:
        if s.name in names:
            raise ValueError(f"duplicate instruction {s.name}")
        names.add(s.name)
        used = s.mask
        for op in s.operands + s.hidden:
            f = s.field(op)
            bits = 0
            if isinstance(f, ImmField):
                for hi, lo, _ in f.slices:
                    bits |= ((1 << (hi - lo + 1)) - 1) << lo
            else:
                bits = ((1 << (f[0] - f[1] + 1)) - 1) << f[1]
            if used & bits:
                raise ValueError(f"{s.name}: operand {op} overlaps fixed bits or another operand")
            used |= bits
        full = (1 << (8 * s.length)) - 1
        if used != full:
            raise ValueError(f"{s.name}: bits {full & ~used:#x} are neither fixed nor operands")
    for i, a in enumerate(specs):
        for b in specs[i + 1:]:
            common = a.mask & b.mask
            if a.length == b.length and (a.match & common) == (b.match & common):
                raise ValueError(f"{a.name} and {b.name} have overlapping encodings")


INSNS: list[InsnSpec] = _parse_table(_TABLE)
BY_NAME: dict[str, InsnSpec] = {s.name: s for s in INSNS}
#: VM_OP_INVALID is 0; table entries are numbered from 1
BY_INDEX: dict[int, InsnSpec] = {s.index: s for s in INSNS}


def lookup(word: int) -> InsnSpec | None:
    """The table entry whose fixed bits match ``word`` (already cut to its length)."""
    length = 4 if word & 3 == 3 else 2
    for spec in _BY_MAJOR.get((length, word & (0x7F if length == 4 else 0x3)), ()):
        if word & spec.mask == spec.match:
            return spec
    return None


_BY_MAJOR: dict[tuple, list[InsnSpec]] = {}
for _s in INSNS:
    _BY_MAJOR.setdefault((_s.length, _s.major_opcode), []).append(_s)

#: CSR numbers and names the engine implements (user-level, Linux user mode)
CSRS = {
    0x001: "fflags",
    0x002: "frm",
    0x003: "fcsr",
    0xC00: "cycle",
    0xC01: "time",
    0xC02: "instret",
}
CSR_BY_NAME = {v: k for k, v in CSRS.items()}

X_ABI_NAMES = ("zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 "
               "s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6").split()
F_ABI_NAMES = ("ft0 ft1 ft2 ft3 ft4 ft5 ft6 ft7 fs0 fs1 fa0 fa1 fa2 fa3 fa4 fa5 fa6 fa7 "
               "fs2 fs3 fs4 fs5 fs6 fs7 fs8 fs9 fs10 fs11 ft8 ft9 ft10 ft11").split()
ROUNDING_MODES = ("rne", "rtz", "rdn", "rup", "rmm", None, None, "dyn")
