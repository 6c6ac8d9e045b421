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

@dataclass(frozen=True)
class RegField:
    """A register operand: bits hi..lo hold the number (minus ``base``: the
    compressed x8-x15 fields), of class "x" (integer) or "f" (floating point)."""

    name: str
    hi: int
    lo: int
    cls: str
    ir_slot: str  # IR field for 32-bit instructions: rd, rs1, rs2, rs3
    base: int = 0

    def extract(self, word: int) -> int:
        return ((word >> self.lo) & ((1 << (self.hi - self.lo + 1)) - 1)) + self.base

    def insert(self, value: int) -> int:
        bits = self.hi - self.lo + 1
        if not self.base <= value < self.base + (1 << bits):
            raise ValueError(f"{self.name}: register {value} out of range "
                             f"{self.base}..{self.base + (1 << bits) - 1}")
        return (value - self.base) << self.lo

    @property
    def mask(self) -> int:
        return ((1 << (self.hi - self.lo + 1)) - 1) << self.lo


REG_FIELDS = {f.name: f for f in [
    RegField("rd", 11, 7, "x", "rd"), RegField("rs1", 19, 15, "x", "rs1"),
    RegField("rs2", 24, 20, "x", "rs2"), RegField("rs3", 31, 27, "x", "rs3"),
    RegField("frd", 11, 7, "f", "rd"), RegField("frs1", 19, 15, "f", "rs1"),
    RegField("frs2", 24, 20, "f", "rs2"), RegField("frs3", 31, 27, "f", "rs3"),
    # compressed formats (their IR slots come from the expansion)
    RegField("crd", 11, 7, "x", ""), RegField("crs1", 11, 7, "x", ""),
    RegField("crs2", 6, 2, "x", ""),
    RegField("cfrd", 11, 7, "f", ""), RegField("cfrs2", 6, 2, "f", ""),
    RegField("crdp", 4, 2, "x", "", 8), RegField("crs1p", 9, 7, "x", "", 8),
    RegField("crs2p", 4, 2, "x", "", 8), RegField("cfrdp", 4, 2, "f", "", 8),
    RegField("cfrs2p", 4, 2, "f", "", 8),
]}


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

    @property
    def mask(self) -> int:
        m = 0
        for hi, lo, _ in self.slices:
            m |= ((1 << (hi - lo + 1)) - 1) << lo
        return m

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
    # compressed immediates (RVC spec, table 16.x); their IR slot comes from the expansion
    ImmField("nzuimm4spn", ((12, 11, 4), (10, 7, 6), (6, 6, 2), (5, 5, 3)), False),
    ImmField("uimm7w", ((12, 10, 3), (6, 6, 2), (5, 5, 6)), False),
    ImmField("uimm8d", ((12, 10, 3), (6, 5, 6)), False),
    ImmField("cimm6", ((12, 12, 5), (6, 2, 0)), True),
    ImmField("nzimm10", ((12, 12, 9), (6, 6, 4), (5, 5, 6), (4, 3, 7), (2, 2, 5)), True),
    ImmField("nzimm18", ((12, 12, 17), (6, 2, 12)), True, shown_shift=12),
    ImmField("cshamt", ((12, 12, 5), (6, 2, 0)), False),
    ImmField("cjimm", ((12, 12, 11), (11, 11, 4), (10, 9, 8), (8, 8, 10), (7, 7, 6), (6, 6, 7),
                       (5, 3, 1), (2, 2, 5)), True, pcrel=True),
    ImmField("cbimm", ((12, 12, 8), (11, 10, 3), (6, 5, 6), (4, 3, 1), (2, 2, 5)), True,
             pcrel=True),
    ImmField("uimm8sp", ((12, 12, 5), (6, 4, 2), (3, 2, 6)), False),
    ImmField("uimm9sp", ((12, 12, 5), (6, 5, 3), (4, 2, 6)), False),
    ImmField("uimm8swsp", ((12, 9, 2), (8, 7, 6)), False),
    ImmField("uimm9sdsp", ((12, 10, 3), (9, 7, 6)), False),
    ImmField("pred", ((27, 24, 0),), False, ir_slot="imm"),
    ImmField("succ", ((23, 20, 0),), False, ir_slot="aux"),
]}

#: instruction classes; these end a basic block
BLOCK_ENDING_CLASSES = frozenset({"branch", "jump", "system", "fencei"})
#: these access guest memory (counted in ExecStats.memory_accesses)
MEMORY_CLASSES = frozenset({"load", "store", "amo"})
CLASSES = frozenset({"alu", "load", "store", "amo", "branch", "jump", "system", "csr", "fence",
                     "fencei", "mul", "div", "fp"})
#: register names that stand literally in a compressed instruction's syntax
LITERAL_REGS = {"sp": 2}

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
# ---- A ------------------------------------------------------------------
lr.w        amo     rd, (rs1) ~aqrl        31..27=0x02 24..20=0 14..12=2 6..0=0x2f
sc.w        amo     rd, rs2, (rs1) ~aqrl   31..27=0x03 14..12=2 6..0=0x2f
amoswap.w  amo     rd, rs2, (rs1) ~aqrl   31..27=0x01 14..12=2 6..0=0x2f
amoadd.w   amo     rd, rs2, (rs1) ~aqrl   31..27=0x00 14..12=2 6..0=0x2f
amoxor.w   amo     rd, rs2, (rs1) ~aqrl   31..27=0x04 14..12=2 6..0=0x2f
amoand.w   amo     rd, rs2, (rs1) ~aqrl   31..27=0x0c 14..12=2 6..0=0x2f
amoor.w    amo     rd, rs2, (rs1) ~aqrl   31..27=0x08 14..12=2 6..0=0x2f
amomin.w   amo     rd, rs2, (rs1) ~aqrl   31..27=0x10 14..12=2 6..0=0x2f
amomax.w   amo     rd, rs2, (rs1) ~aqrl   31..27=0x14 14..12=2 6..0=0x2f
amominu.w  amo     rd, rs2, (rs1) ~aqrl   31..27=0x18 14..12=2 6..0=0x2f
amomaxu.w  amo     rd, rs2, (rs1) ~aqrl   31..27=0x1c 14..12=2 6..0=0x2f
lr.d        amo     rd, (rs1) ~aqrl        31..27=0x02 24..20=0 14..12=3 6..0=0x2f
sc.d        amo     rd, rs2, (rs1) ~aqrl   31..27=0x03 14..12=3 6..0=0x2f
amoswap.d  amo     rd, rs2, (rs1) ~aqrl   31..27=0x01 14..12=3 6..0=0x2f
amoadd.d   amo     rd, rs2, (rs1) ~aqrl   31..27=0x00 14..12=3 6..0=0x2f
amoxor.d   amo     rd, rs2, (rs1) ~aqrl   31..27=0x04 14..12=3 6..0=0x2f
amoand.d   amo     rd, rs2, (rs1) ~aqrl   31..27=0x0c 14..12=3 6..0=0x2f
amoor.d    amo     rd, rs2, (rs1) ~aqrl   31..27=0x08 14..12=3 6..0=0x2f
amomin.d   amo     rd, rs2, (rs1) ~aqrl   31..27=0x10 14..12=3 6..0=0x2f
amomax.d   amo     rd, rs2, (rs1) ~aqrl   31..27=0x14 14..12=3 6..0=0x2f
amominu.d  amo     rd, rs2, (rs1) ~aqrl   31..27=0x18 14..12=3 6..0=0x2f
amomaxu.d  amo     rd, rs2, (rs1) ~aqrl   31..27=0x1c 14..12=3 6..0=0x2f
# ---- F and D -------------------------------------------------------------
flw        load    frd, imm12(rs1)        14..12=2 6..0=0x07
fsw        store   frs2, simm12(rs1)      14..12=2 6..0=0x27
fmadd.s    fp      frd, frs1, frs2, frs3, rm  26..25=0 6..0=0x43
fmsub.s    fp      frd, frs1, frs2, frs3, rm  26..25=0 6..0=0x47
fnmsub.s    fp      frd, frs1, frs2, frs3, rm  26..25=0 6..0=0x4b
fnmadd.s    fp      frd, frs1, frs2, frs3, rm  26..25=0 6..0=0x4f
fadd.s     fp      frd, frs1, frs2, rm    31..25=0x00 6..0=0x53
fsub.s     fp      frd, frs1, frs2, rm    31..25=0x04 6..0=0x53
fmul.s     fp      frd, frs1, frs2, rm    31..25=0x08 6..0=0x53
fdiv.s     fp      frd, frs1, frs2, rm    31..25=0x0c 6..0=0x53
fsqrt.s    fp      frd, frs1, rm          31..25=0x2c 24..20=0 6..0=0x53
fsgnj.s    fp      frd, frs1, frs2        31..25=0x10 14..12=0 6..0=0x53
fsgnjn.s    fp      frd, frs1, frs2        31..25=0x10 14..12=1 6..0=0x53
fsgnjx.s    fp      frd, frs1, frs2        31..25=0x10 14..12=2 6..0=0x53
fmin.s    fp      frd, frs1, frs2        31..25=0x14 14..12=0 6..0=0x53
fmax.s    fp      frd, frs1, frs2        31..25=0x14 14..12=1 6..0=0x53
feq.s      fp      rd, frs1, frs2         31..25=0x50 14..12=2 6..0=0x53
flt.s      fp      rd, frs1, frs2         31..25=0x50 14..12=1 6..0=0x53
fle.s      fp      rd, frs1, frs2         31..25=0x50 14..12=0 6..0=0x53
fclass.s   fp      rd, frs1               31..25=0x70 24..20=0 14..12=1 6..0=0x53
fcvt.w.s   fp      rd, frs1, rm           31..25=0x60 24..20=0 6..0=0x53
fcvt.s.w   fp      frd, rs1, rm           31..25=0x68 24..20=0 6..0=0x53
fcvt.wu.s  fp      rd, frs1, rm           31..25=0x60 24..20=1 6..0=0x53
fcvt.s.wu fp      frd, rs1, rm           31..25=0x68 24..20=1 6..0=0x53
fcvt.l.s   fp      rd, frs1, rm           31..25=0x60 24..20=2 6..0=0x53
fcvt.s.l   fp      frd, rs1, rm           31..25=0x68 24..20=2 6..0=0x53
fcvt.lu.s  fp      rd, frs1, rm           31..25=0x60 24..20=3 6..0=0x53
fcvt.s.lu fp      frd, rs1, rm           31..25=0x68 24..20=3 6..0=0x53
fld        load    frd, imm12(rs1)        14..12=3 6..0=0x07
fsd        store   frs2, simm12(rs1)      14..12=3 6..0=0x27
fmadd.d    fp      frd, frs1, frs2, frs3, rm  26..25=1 6..0=0x43
fmsub.d    fp      frd, frs1, frs2, frs3, rm  26..25=1 6..0=0x47
fnmsub.d    fp      frd, frs1, frs2, frs3, rm  26..25=1 6..0=0x4b
fnmadd.d    fp      frd, frs1, frs2, frs3, rm  26..25=1 6..0=0x4f
fadd.d     fp      frd, frs1, frs2, rm    31..25=0x01 6..0=0x53
fsub.d     fp      frd, frs1, frs2, rm    31..25=0x05 6..0=0x53
fmul.d     fp      frd, frs1, frs2, rm    31..25=0x09 6..0=0x53
fdiv.d     fp      frd, frs1, frs2, rm    31..25=0x0d 6..0=0x53
fsqrt.d    fp      frd, frs1, rm          31..25=0x2d 24..20=0 6..0=0x53
fsgnj.d    fp      frd, frs1, frs2        31..25=0x11 14..12=0 6..0=0x53
fsgnjn.d    fp      frd, frs1, frs2        31..25=0x11 14..12=1 6..0=0x53
fsgnjx.d    fp      frd, frs1, frs2        31..25=0x11 14..12=2 6..0=0x53
fmin.d    fp      frd, frs1, frs2        31..25=0x15 14..12=0 6..0=0x53
fmax.d    fp      frd, frs1, frs2        31..25=0x15 14..12=1 6..0=0x53
feq.d      fp      rd, frs1, frs2         31..25=0x51 14..12=2 6..0=0x53
flt.d      fp      rd, frs1, frs2         31..25=0x51 14..12=1 6..0=0x53
fle.d      fp      rd, frs1, frs2         31..25=0x51 14..12=0 6..0=0x53
fclass.d   fp      rd, frs1               31..25=0x71 24..20=0 14..12=1 6..0=0x53
fcvt.w.d   fp      rd, frs1, rm           31..25=0x61 24..20=0 6..0=0x53
fcvt.d.w   fp      frd, rs1, rm           31..25=0x69 24..20=0 6..0=0x53
fcvt.wu.d  fp      rd, frs1, rm           31..25=0x61 24..20=1 6..0=0x53
fcvt.d.wu fp      frd, rs1, rm           31..25=0x69 24..20=1 6..0=0x53
fcvt.l.d   fp      rd, frs1, rm           31..25=0x61 24..20=2 6..0=0x53
fcvt.d.l   fp      frd, rs1, rm           31..25=0x69 24..20=2 6..0=0x53
fcvt.lu.d  fp      rd, frs1, rm           31..25=0x61 24..20=3 6..0=0x53
fcvt.d.lu fp      frd, rs1, rm           31..25=0x69 24..20=3 6..0=0x53
fmv.x.w    fp      rd, frs1               31..25=0x70 24..20=0 14..12=0 6..0=0x53
fmv.w.x    fp      frd, rs1               31..25=0x78 24..20=0 14..12=0 6..0=0x53
fmv.x.d    fp      rd, frs1               31..25=0x71 24..20=0 14..12=0 6..0=0x53
fmv.d.x    fp      frd, rs1               31..25=0x79 24..20=0 14..12=0 6..0=0x53
fcvt.s.d   fp      frd, frs1, rm          31..25=0x20 24..20=1 6..0=0x53
fcvt.d.s   fp      frd, frs1, rm          31..25=0x21 24..20=0 6..0=0x53
# ---- C: every compressed instruction expands (=>) to a base one ----------
# quadrant 0
c.addi4spn alu     crdp, sp, nzuimm4spn   15..13=0 1..0=0 nz:nzuimm4spn  => addi rd=crdp rs1=2 imm12=nzuimm4spn
c.fld      load    cfrdp, uimm8d(crs1p)   15..13=1 1..0=0     => fld frd=cfrdp rs1=crs1p imm12=uimm8d
c.lw       load    crdp, uimm7w(crs1p)    15..13=2 1..0=0     => lw rd=crdp rs1=crs1p imm12=uimm7w
c.ld       load    crdp, uimm8d(crs1p)    15..13=3 1..0=0     => ld rd=crdp rs1=crs1p imm12=uimm8d
c.fsd      store   cfrs2p, uimm8d(crs1p)  15..13=5 1..0=0     => fsd frs2=cfrs2p rs1=crs1p simm12=uimm8d
c.sw       store   crs2p, uimm7w(crs1p)   15..13=6 1..0=0     => sw rs2=crs2p rs1=crs1p simm12=uimm7w
c.sd       store   crs2p, uimm8d(crs1p)   15..13=7 1..0=0     => sd rs2=crs2p rs1=crs1p simm12=uimm8d
# quadrant 1
c.nop      alu                            15..13=0 12=0 11..7=0 6..2=0 1..0=1  => addi rd=0 rs1=0 imm12=0
c.addi     alu     crd, cimm6             15..13=0 1..0=1     => addi rd=crd rs1=crd imm12=cimm6
c.addiw    alu     crd, cimm6             15..13=1 1..0=1 nz:crd  => addiw rd=crd rs1=crd imm12=cimm6
c.li       alu     crd, cimm6             15..13=2 1..0=1     => addi rd=crd rs1=0 imm12=cimm6
c.addi16sp alu     sp, nzimm10            15..13=3 11..7=2 1..0=1 nz:nzimm10  => addi rd=2 rs1=2 imm12=nzimm10
c.lui      alu     crd, nzimm18           15..13=3 1..0=1 nz:nzimm18  => lui rd=crd uimm20=nzimm18
c.srli     alu     crs1p, cshamt          15..13=4 11..10=0 1..0=1  => srli rd=crs1p rs1=crs1p shamt6=cshamt
c.srai     alu     crs1p, cshamt          15..13=4 11..10=1 1..0=1  => srai rd=crs1p rs1=crs1p shamt6=cshamt
c.andi     alu     crs1p, cimm6           15..13=4 11..10=2 1..0=1  => andi rd=crs1p rs1=crs1p imm12=cimm6
c.sub      alu     crs1p, crs2p           15..13=4 12=0 11..10=3 6..5=0 1..0=1  => sub rd=crs1p rs1=crs1p rs2=crs2p
c.xor      alu     crs1p, crs2p           15..13=4 12=0 11..10=3 6..5=1 1..0=1  => xor rd=crs1p rs1=crs1p rs2=crs2p
c.or       alu     crs1p, crs2p           15..13=4 12=0 11..10=3 6..5=2 1..0=1  => or rd=crs1p rs1=crs1p rs2=crs2p
c.and      alu     crs1p, crs2p           15..13=4 12=0 11..10=3 6..5=3 1..0=1  => and rd=crs1p rs1=crs1p rs2=crs2p
c.subw     alu     crs1p, crs2p           15..13=4 12=1 11..10=3 6..5=0 1..0=1  => subw rd=crs1p rs1=crs1p rs2=crs2p
c.addw     alu     crs1p, crs2p           15..13=4 12=1 11..10=3 6..5=1 1..0=1  => addw rd=crs1p rs1=crs1p rs2=crs2p
c.j        jump    cjimm                  15..13=5 1..0=1     => jal rd=0 jimm=cjimm
c.beqz     branch  crs1p, cbimm           15..13=6 1..0=1     => beq rs1=crs1p rs2=0 bimm=cbimm
c.bnez     branch  crs1p, cbimm           15..13=7 1..0=1     => bne rs1=crs1p rs2=0 bimm=cbimm
# quadrant 2
c.slli     alu     crd, cshamt            15..13=0 1..0=2     => slli rd=crd rs1=crd shamt6=cshamt
c.fldsp    load    cfrd, uimm9sp(sp)      15..13=1 1..0=2     => fld frd=cfrd rs1=2 imm12=uimm9sp
c.lwsp     load    crd, uimm8sp(sp)       15..13=2 1..0=2 nz:crd  => lw rd=crd rs1=2 imm12=uimm8sp
c.ldsp     load    crd, uimm9sp(sp)       15..13=3 1..0=2 nz:crd  => ld rd=crd rs1=2 imm12=uimm9sp
c.jr       jump    crs1                   15..13=4 12=0 6..2=0 1..0=2 nz:crs1  => jalr rd=0 rs1=crs1 imm12=0
c.mv       alu     crd, crs2              15..13=4 12=0 1..0=2 nz:crs2  => add rd=crd rs1=0 rs2=crs2
c.ebreak   system                         15..13=4 12=1 11..7=0 6..2=0 1..0=2  => ebreak
c.jalr     jump    crs1                   15..13=4 12=1 6..2=0 1..0=2 nz:crs1  => jalr rd=1 rs1=crs1 imm12=0
c.add      alu     crd, crs2              15..13=4 12=1 1..0=2 nz:crs2  => add rd=crd rs1=crd rs2=crs2
c.fsdsp    store   cfrs2, uimm9sdsp(sp)   15..13=5 1..0=2     => fsd frs2=cfrs2 rs1=2 simm12=uimm9sdsp
c.swsp     store   crs2, uimm8swsp(sp)    15..13=6 1..0=2     => sw rs2=crs2 rs1=2 simm12=uimm8swsp
c.sdsp     store   crs2, uimm9sdsp(sp)    15..13=7 1..0=2     => sd rs2=crs2 rs1=2 simm12=uimm9sdsp
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
    index: int  # VM_OP_<NAME> (VM_C_<NAME> for compressed) value in C
    hidden: tuple = ()  # fields that are decoded and kept but not written in assembly
    nonzero: tuple = ()  # fields that must not be 0 (else another entry, or reserved)
    expansion: tuple = ()  # compressed: (base name, ((base field, source), ...))

    @property
    def c_name(self) -> str:
        prefix = "VM_OP_" if self.length == 4 else "VM_C_"
        return prefix + self.name.upper().replace(".", "_").removeprefix("C_")

    @property
    def major_opcode(self) -> int:
        return self.match & (0x7F if self.length == 4 else 0x3)

    @property
    def base(self) -> "InsnSpec":
        """The instruction this one executes as (itself unless compressed)."""
        return BY_NAME[self.expansion[0]] if self.expansion else self

    @property
    def ends_block(self) -> bool:
        return self.base.cls in BLOCK_ENDING_CLASSES

    @property
    def accesses_memory(self) -> bool:
        return self.base.cls in MEMORY_CLASSES

    def field(self, name: str):
        return REG_FIELDS.get(name) or IMM_FIELDS[name]

    def matches(self, word: int) -> bool:
        return word & self.mask == self.match and all(
            self.field(f).extract(word) for f in self.nonzero)


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
        if part in LITERAL_REGS:
            continue
        if part not in REG_FIELDS and part not in IMM_FIELDS:
            raise ValueError(f"unknown operand field {part!r}")
        tokens.append(part)
    return tuple(tokens)


def _parse_expansion(text: str) -> tuple:
    if not text:
        return ()
    name, *assigns = text.split()
    pairs = []
    for a in assigns:
        field, src = a.split("=")
        pairs.append((field, int(src) if src.isdigit() else src))
    return name, tuple(pairs)


def _parse_table(text: str) -> list[InsnSpec]:
    specs = []
    counters = {4: 0, 2: 0}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        line, _, expansion = line.partition("=>")
        parts = line.split(None, 2)
        name, cls, rest = parts[0], parts[1], parts[2] if len(parts) > 2 else ""
        if cls not in CLASSES:
            raise ValueError(f"{name}: unknown class {cls}")
        items = rest.split()
        fixed = [t for t in items if "=" in t]
        nonzero = tuple(t[3:] for t in items if t.startswith("nz:"))
        words = [t for t in items if "=" not in t and not t.startswith("nz:")]
        hidden = tuple(t[1:] for t in words if t.startswith("~"))
        syntax = " ".join(t for t in words if not t.startswith("~"))
        match, mask = _parse_fixed(fixed)
        length = 4 if match & 3 == 3 else 2
        counters[length] += 1
        specs.append(InsnSpec(name, cls, _operand_tokens(syntax), syntax, match, mask, length,
                              counters[length], _operand_tokens(" ".join(hidden)), nonzero,
                              _parse_expansion(expansion.strip())))
    return specs


def check_table(specs: list[InsnSpec]) -> None:
    """Operand fields and fixed bits must tile the word; an entry may overlap a
    later one only if it is more specific (more fixed bits or a nonzero rule),
    since decoding takes the first match; expansions must name real fields.
    (The tests check the table: a quadratic walk, not for every start-up.)"""
    by_name = {}
    for s in specs:
        if s.name in by_name:
            raise ValueError(f"duplicate instruction {s.name}")
        by_name[s.name] = s
        used = s.mask
        for op in s.operands + s.hidden:
            bits = s.field(op).mask
            if used & bits:
                raise ValueError(f"{s.name}: operand {op} overlaps fixed bits or another operand")
            used |= bits
        full = (1 << (8 * s.length)) - 1
        if used != full:
            raise ValueError(f"{s.name}: bits {full & ~used:#x} are neither fixed nor operands")
        if (s.length == 2) != bool(s.expansion):
            raise ValueError(f"{s.name}: compressed entries, and only they, need an expansion")
        if s.expansion:
            base = by_name.get(s.expansion[0])
            if base is None or base.length != 4:
                raise ValueError(f"{s.name}: expands to unknown {s.expansion[0]}")
            fields = {f for f, _ in s.expansion[1]}
            if fields != set(base.operands + base.hidden):
                raise ValueError(f"{s.name}: expansion must set exactly {base.operands}")
            for _, src in s.expansion[1]:
                if isinstance(src, str) and src not in s.operands:
                    raise ValueError(f"{s.name}: expansion source {src} is not an operand")
    for i, a in enumerate(specs):
        for b in specs[i + 1:]:
            common = a.mask & b.mask
            if a.length != b.length or (a.match & common) != (b.match & common):
                continue
            more_specific = (a.mask & b.mask) == b.mask and (a.mask != b.mask or a.nonzero)
            if not (more_specific or a.nonzero):
                raise ValueError(f"{a.name} and {b.name} have overlapping encodings")


INSNS: list[InsnSpec] = _parse_table(_TABLE)
BY_NAME: dict[str, InsnSpec] = {s.name: s for s in INSNS}
#: M instructions computed out of line (csrc/vm_m_ops.h: high products, divisions)
M_OUT_OF_LINE = frozenset(s.name for s in INSNS if s.cls == "div" or s.name.startswith("mulh"))
#: the executable (32-bit) instructions by VM_OP_* value; VM_OP_INVALID is 0
BY_INDEX: dict[int, InsnSpec] = {s.index: s for s in INSNS if s.length == 4}
#: compressed entries, by VM_C_* value
COMPRESSED: list[InsnSpec] = [s for s in INSNS if s.length == 2]


def lookup(word: int) -> InsnSpec | None:
    """The table entry matching ``word`` (already cut to its length)."""
    length = 4 if word & 3 == 3 else 2
    for spec in _BY_MAJOR.get((length, word & (0x7F if length == 4 else 0x3)), ()):
        if spec.matches(word):
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

ROUNDING_MODES = ("rne", "rtz", "rdn", "rup", "rmm", None, None, "dyn")
