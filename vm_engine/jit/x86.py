"""x86-64 code generation for IR blocks, encoded with iced-x86.

A compiled block is a System V function
``uint64_t block(vm_cpu *cpu, vm_jit_rt *rt, uint8_t *base)``
(csrc/vm_jit.h) covering the longest prefix of the block whose instructions
it compiles (every instruction but system ones and CSRs other than
fflags/frm/fcsr; those without a template call the interpreter's definition);
the dispatcher interprets from the first one it does not. Code all regions
share (epilogues, link exits, the way into C helpers) is reached through the
cpu's table of its addresses (cpu->jit_stubs), and the IR entries helpers read
are kept after the code: a region's code holds no host address, so it can be
installed anywhere in the code cache, in any process (code_store.py keeps it
on disk).

Level 0: straight templates, guest registers live in the cpu struct; memory
accesses are a bounds check and the access, through a view of guest memory
whose host protections follow the guest's (csrc/vm_mem.h): what the guest
may not do plainly (faults, MMIO, stores to code) the host MMU refuses, and
the fault handler (csrc/vm_jit.c) sends it to the access's C slow path, out
of line; every block returns to the dispatcher.
Level 1: the block's most used guest registers live in host registers (its
f registers in xmm registers, unless it calls C for an F/D instruction); exits
jump straight into the next block's code through link slots the dispatcher
fills (indirect jumps check the slot's pc: a one-entry inline cache); a block
that branches back to itself loops in host code.
Level 2: a fixed convention keeps sp, a0-a2, a4, a5 in host registers between
blocks; with inlining on, a block is compiled as a region together with the
blocks it falls or jumps into (up to 4 blocks, within the pages the head
covers, so a write there retires the whole region; not into a block that has
code of its own, outside a loop: _cut_at_heads), and branches back into
the region are loops in host code, their registers allocated for the loop
(blocks cut at the loop heads inside them: _split_at_loop_heads).
Level 3: regions of up to 16 blocks; with vectorization on, a loop that
fills memory with a register's value (memset's: stores of one register at
p, p+size, ..., then p += step, bne/bltu p, end) or copies it (memcpy's:
loads from src, stores of what they got at the same offsets from dst, both
pointers moved on) first tries to run whole as vector moves (AVX-512, AVX2
or SSE2, as the host has them), and a loop scanning bytes (strlen's,
memchr's: lbu t, p += 1, until t is or is not r) as vector compares; counted
as every iteration they stand for. When the loop is short, its pages not
all plain memory of the right kind, source and destination overlap, the
budget is too small or the bound not a whole number of iterations, the guest
loop runs as compiled (and faults, stops or changes code exactly as it
would).

Every segment (block) of compiled code takes its instructions from the budget
(r14) as it starts and keeps cpu->mem_accesses exact; an early exit (fault,
code changed) gives back what did not run, so what the budget lost is exactly
the instructions retired. Compiled code does not look at stop requests: the
dispatcher gives it a slice of the budget at most (VM_JIT_SLICE), and slow
accesses leave when one has come (csrc/vm_jit.c), so a stop is seen soon.
"""
from __future__ import annotations

import struct
import threading
from bisect import bisect_right
from typing import NamedTuple

from iced_x86 import (BlockEncoder, Code, Instruction as X, MemoryOperand as M, OpKind,
                      Register as R)

from .. import _core
from ..ir import IR_FIELDS, IR_ITEMSIZE, IR_STRUCT, RD_SINK
from ..isa.table import BY_INDEX, BY_NAME, MEMORY_CLASSES, M_OUT_OF_LINE, REG_FIELDS
from .host import HOST_FLAGS

_L = _core.jit_layout()
# page flags (vm_mem.h): readable; plain memory a store may write directly
PAGE_READ, PAGE_STORE = _L["page_read"], _L["page_store"]
_NAME = {index: spec.name for index, spec in BY_INDEX.items()}

# rbx: cpu (and what compiled code reads of the run's vm_jit_rt: cpu->jit_*),
# r12: guest memory base, r14: the budget and counts
CPU, BASE, BUDGET = R.RBX, R.R12, R.R14
#: r14 holds the instructions compiled code may still run (rt->budget) shifted up
#: by BUDGET_SHIFT, and below them the memory accesses counted since compiled code
#: was entered (added to cpu->mem_accesses when it returns; C helpers that give
#: accesses back take them from cpu->mem_accesses): one `sub r14, charge; jb` takes
#: an accounting unit's instructions and counts its accesses. The accesses stay
#: below 2**BUDGET_SHIFT, as a run is at most VM_JIT_SLICE instructions, so a
#: borrow is the budget's alone.
BUDGET_SHIFT = 21
assert _L["jit_slice"] <= 1 << (BUDGET_SHIFT - 1)
_COUNTED = (1 << BUDGET_SHIFT) - 1  # (r14's accesses)
_SAVED = (R.RBX, R.RBP, R.R12, R.R13, R.R14, R.R15)  # every level: chained blocks share a frame
# level 2: these guest registers live in host registers throughout compiled code
# (loaded on entry from the dispatcher, written back on return and around helper
# calls), so chained blocks pass them along without memory traffic
REG_MAP = {2: R.RBP, 10: R.R8, 11: R.R9, 12: R.R11, 13: R.R13, 14: R.RSI,  # sp a0-a5
           15: R.RDI}
_R32 = {R.RBP: R.EBP, R.R8: R.R8D, R.R9: R.R9D, R.R10: R.R10D, R.R11: R.R11D, R.R13: R.R13D,
        R.RSI: R.ESI, R.RDI: R.EDI, R.R15: R.R15D}
_LOW32 = {R.RAX: R.EAX, R.RCX: R.ECX, R.RDX: R.EDX, **_R32}  # scratch and guest registers
_LOW32_SET = frozenset(_LOW32.values())
#: register conventions (vm_block.jit_abi): blocks chain only into the same one
ABI_MEMORY, ABI_REG_MAP = 0, 1


# (operands are made once: iced-x86 copies them into each instruction)
_XREGS = [M(CPU, displ=_L["cpu_x"] + 8 * i) for i in range(33)]
_FREGS = [M(CPU, displ=_L["cpu_f"] + 8 * i) for i in range(32)]


def _charge(n: int, m: int) -> int:
    """What r14 loses for n instructions with m memory accesses among them."""
    assert 0 <= n < 1 << (31 - BUDGET_SHIFT)  # (an imm32)
    return (n << BUDGET_SHIFT) - m


def _rt(reg):
    """reg = the run's vm_jit_rt (cpu->jit_rt)."""
    return X.create_reg_mem(Code.MOV_R64_RM64, reg, M(CPU, displ=_L["cpu_rt"]))


def _budget_out(scratch) -> list:
    """Instructions writing r14's budget to rt->budget (`scratch` clobbered)."""
    budget = M(scratch, displ=_L["rt_budget"])
    return [_rt(scratch), X.create_mem_reg(Code.MOV_RM64_R64, budget, BUDGET),
            X.create_mem_u32(Code.SHR_RM64_IMM8, budget, BUDGET_SHIFT)]


def _budget_in(scratch) -> list:
    """Instructions taking r14's budget from rt->budget (C may have changed it;
    the accesses counted stay: a unit's refunds take back what it counted)."""
    return [_rt(scratch), X.create_reg_mem(Code.MOV_R64_RM64, scratch, M(scratch, displ=_L["rt_budget"])),
            X.create_reg_u32(Code.SHL_RM64_IMM8, scratch, BUDGET_SHIFT),
            X.create_reg_u32(Code.AND_RM32_IMM32, R.R14D, _COUNTED),
            X.create_reg_reg(Code.ADD_RM64_R64, BUDGET, scratch)]


def _counts_out() -> list:
    """Instructions adding r14's accesses to cpu->mem_accesses (leaving compiled
    code; r14 clobbered)."""
    return [X.create_reg_u32(Code.AND_RM32_IMM32, R.R14D, _COUNTED),
            X.create_mem_reg(Code.ADD_RM64_R64, M(CPU, displ=_L["cpu_mem"]), BUDGET)]


def _budget_covers(a, reg, fail: int):
    """Jumps to fail unless the budget covers `reg` instructions; leaves reg
    shifted as r14's budget is (what `sub r14, reg` takes)."""
    a.emit(X.create_reg_i32(Code.CMP_RM64_IMM32, reg, _L["jit_slice"]))
    a.emit(X.create_branch(Code.JA_REL32_64, fail))  # (more than any budget; reg may be wild)
    a.emit(X.create_reg_u32(Code.SHL_RM64_IMM8, reg, BUDGET_SHIFT))
    a.emit(X.create_reg_reg(Code.CMP_R64_RM64, reg, BUDGET))
    a.emit(X.create_branch(Code.JA_REL32_64, fail))


def xreg(i: int) -> M:
    """Guest integer register i in the cpu struct (32: the sink for writes to x0)."""
    return _XREGS[i]


def freg(i: int) -> M:
    return _FREGS[i]


def _op(code, dst, operand):
    """`code dst, operand` for an operand that is a register or memory."""
    if isinstance(operand, M):
        return X.create_reg_mem(code, dst, operand)
    return X.create_reg_reg(code, dst, operand)


def _gpr_from(dst, src):
    """General register dst = the 64 bits of an f register's place (xmm or cpu slot)."""
    if isinstance(src, M):
        return X.create_reg_mem(Code.MOV_R64_RM64, dst, src)
    return X.create_reg_reg(Code.MOVQ_RM64_XMM, dst, src)


def _reg_slots(cls: str):
    """op -> the IR slots (rd, rs1, rs2, rs3) that name registers of class
    `cls` ("x": integer, "f": floating point)."""
    out = {}
    for spec in BY_INDEX.values():
        out[spec.index] = tuple(REG_FIELDS[f].ir_slot for f in spec.operands
                                if f in REG_FIELDS and REG_FIELDS[f].cls == cls)
    return out


_X_SLOTS = _reg_slots("x")
_F_SLOTS = _reg_slots("f")


_RR = {  # reg-reg ALU: (64-bit code, 32-bit code or None)
    "add": (Code.ADD_R64_RM64, None), "sub": (Code.SUB_R64_RM64, None),
    "xor": (Code.XOR_R64_RM64, None), "or": (Code.OR_R64_RM64, None),
    "and": (Code.AND_R64_RM64, None), "mul": (Code.IMUL_R64_RM64, None),
    "addw": (None, Code.ADD_R32_RM32), "subw": (None, Code.SUB_R32_RM32),
    "mulw": (None, Code.IMUL_R32_RM32),
}
_COMMUTATIVE = {"add", "xor", "or", "and", "mul", "addw", "mulw"}
#: W operations done as the 64-bit one where their result fits 32 bits (_exact_range)
_AS_WIDE = {"addw": "add", "subw": "sub", "mulw": "mul", "addiw": "addi"}
_RI = {"addi": Code.ADD_RM64_IMM32, "xori": Code.XOR_RM64_IMM32, "ori": Code.OR_RM64_IMM32,
       "andi": Code.AND_RM64_IMM32}
_SHIFT_IMM = {"slli": Code.SHL_RM64_IMM8, "srli": Code.SHR_RM64_IMM8, "srai": Code.SAR_RM64_IMM8,
              "slliw": Code.SHL_RM32_IMM8, "srliw": Code.SHR_RM32_IMM8,
              "sraiw": Code.SAR_RM32_IMM8}
_SHIFT_REG = {"sll": Code.SHL_RM64_CL, "srl": Code.SHR_RM64_CL, "sra": Code.SAR_RM64_CL,
              "sllw": Code.SHL_RM32_CL, "srlw": Code.SHR_RM32_CL, "sraw": Code.SAR_RM32_CL}
#: BMI2's three-operand shifts (count in any register, source a register or memory),
#: the count masked to 6 / 5 bits as RISC-V's
_SHIFT_BMI2 = {"sll": Code.VEX_SHLX_R64_RM64_R64, "srl": Code.VEX_SHRX_R64_RM64_R64,
               "sra": Code.VEX_SARX_R64_RM64_R64, "sllw": Code.VEX_SHLX_R32_RM32_R32,
               "srlw": Code.VEX_SHRX_R32_RM32_R32, "sraw": Code.VEX_SARX_R32_RM32_R32}
_SET = {"slt": Code.SETL_RM8, "sltu": Code.SETB_RM8, "slti": Code.SETL_RM8,
        "sltiu": Code.SETB_RM8}
#: integer instructions whose templates neither leave the region nor fault nor touch an
#: xmm register (_nan_can_wait)
_PURE_INTEGER = frozenset(set(_RR) | set(_RI) | set(_SHIFT_IMM) | set(_SHIFT_REG) | set(_SET)
                          | {"addiw", "lui", "auipc"})
_BRANCH = {"beq": Code.JE_REL32_64, "bne": Code.JNE_REL32_64, "blt": Code.JL_REL32_64,
           "bge": Code.JGE_REL32_64, "bltu": Code.JB_REL32_64, "bgeu": Code.JAE_REL32_64}
_NEGATED = {Code.JE_REL32_64: Code.JNE_REL32_64, Code.JL_REL32_64: Code.JGE_REL32_64,
            Code.JB_REL32_64: Code.JAE_REL32_64, Code.JG_REL32_64: Code.JLE_REL32_64,
            Code.JA_REL32_64: Code.JBE_REL32_64}
_NEGATED.update({v: k for k, v in _NEGATED.items()})
#: the condition with its operands the other way round (x0 first: bgtz, blez, snez,
#: sgtz are rs2 against zero, one test)
_TURNED = {Code.JE_REL32_64: Code.JE_REL32_64, Code.JNE_REL32_64: Code.JNE_REL32_64,
           Code.JL_REL32_64: Code.JG_REL32_64, Code.JGE_REL32_64: Code.JLE_REL32_64,
           Code.JB_REL32_64: Code.JA_REL32_64, Code.JAE_REL32_64: Code.JBE_REL32_64,
           Code.SETL_RM8: Code.SETG_RM8, Code.SETB_RM8: Code.SETA_RM8}
#: a branch's condition -> the conditional move on it (an if-converted hammock: _select)
_CMOV = {getattr(Code, f"J{c}_REL32_64"): getattr(Code, f"CMOV{c}_R64_RM64")
         for c in ("E", "NE", "L", "GE", "B", "AE", "G", "LE", "A", "BE")}
# loads: (size, code that widens [base+addr] into rax/eax, code that widens al/ax/eax in rax)
_LOADS = {
    "lb": (1, Code.MOVSX_R64_RM8, Code.MOVSX_R64_RM8), "lbu": (1, Code.MOVZX_R32_RM8, Code.MOVZX_R32_RM8),
    "lh": (2, Code.MOVSX_R64_RM16, Code.MOVSX_R64_RM16),
    "lhu": (2, Code.MOVZX_R32_RM16, Code.MOVZX_R32_RM16),
    "lw": (4, Code.MOVSXD_R64_RM32, Code.MOVSXD_R64_RM32), "lwu": (4, Code.MOV_R32_RM32, Code.MOV_R32_RM32),
    "ld": (8, Code.MOV_R64_RM64, None),
}
_STORES = {"sb": 1, "sh": 2, "sw": 4, "sd": 8}  # size in bytes
_WIDE = {1: R.AL, 2: R.AX, 4: R.EAX, 8: R.RAX}

# floating point: double arithmetic in the guest's dynamic rounding mode (the
# dispatcher sets the host's to frm), loads/stores/moves/sign injection inline;
# every other F/D computation calls the interpreter's definition (vm_jit_fp)
_FP_ARITH = {"fadd.d": Code.ADDSD_XMM_XMMM64, "fsub.d": Code.SUBSD_XMM_XMMM64,
             "fmul.d": Code.MULSD_XMM_XMMM64, "fdiv.d": Code.DIVSD_XMM_XMMM64}
_FP_ARITH_AVX = {"fadd.d": Code.VEX_VADDSD_XMM_XMM_XMMM64,
                 "fsub.d": Code.VEX_VSUBSD_XMM_XMM_XMMM64,
                 "fmul.d": Code.VEX_VMULSD_XMM_XMM_XMMM64,
                 "fdiv.d": Code.VEX_VDIVSD_XMM_XMM_XMMM64}
# singles: NaN-boxed in the f registers (an input that is not reads as the
# canonical NaN), computed in SSE single precision
_FP_ARITH_S = {"fadd.s": Code.ADDSS_XMM_XMMM32, "fsub.s": Code.SUBSS_XMM_XMMM32,
               "fmul.s": Code.MULSS_XMM_XMMM32, "fdiv.s": Code.DIVSS_XMM_XMMM32}
_FP_LOADS = {"fld": 8, "flw": 4}
_FP_STORES = {"fsd": 8, "fsw": 4}
_FP_HELPER = {spec.name for spec in BY_INDEX.values() if spec.cls == "fp"}
# fused multiply-add: RISC-V's four forms as FMA3 (a*b+c, a*b-c, -(a*b)+c, -(a*b)-c)
_FMA = {"fmadd.d": Code.VEX_VFMADD213SD_XMM_XMM_XMMM64,
        "fmsub.d": Code.VEX_VFMSUB213SD_XMM_XMM_XMMM64,
        "fnmsub.d": Code.VEX_VFNMADD213SD_XMM_XMM_XMMM64,
        "fnmadd.d": Code.VEX_VFNMSUB213SD_XMM_XMM_XMMM64}
_FMA_S = {"fmadd.s": Code.VEX_VFMADD213SS_XMM_XMM_XMMM32,
          "fmsub.s": Code.VEX_VFMSUB213SS_XMM_XMM_XMMM32,
          "fnmsub.s": Code.VEX_VFNMADD213SS_XMM_XMM_XMMM32,
          "fnmadd.s": Code.VEX_VFNMSUB213SS_XMM_XMM_XMMM32}


HOST_FMA = "fma" in HOST_FLAGS
HOST_AVX = "avx" in HOST_FLAGS  # (three-operand forms: results straight into rd's xmm register)
HOST_BMI2 = "bmi2" in HOST_FLAGS  # (shifts by a register without cl)
CANON_NAN_D = 0x7FF8000000000000
CANON_NAN_S = 0x7FC00000
BOX_S = 0xFFFFFFFF00000000

# CSR instructions on fflags, frm and fcsr call vm_jit_fcsr (the counters stay
# with the dispatcher, which knows the exact instruction count)
_CSR = {"csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"}
_FFLAGS, _FCSR = 1, (1, 2, 3)
#: MXCSR's exception flags (IE, ZE, OE, UE, PE at bits 0, 2, 3, 4, 5; DE, bit 1,
#: has no RISC-V counterpart) -> RISC-V's fflags (NX, UF, OF, DZ, NV at bits 0-4)
_MXCSR_TO_FFLAGS = bytes(
    (e & 1) << 4 | (e >> 2 & 1) << 3 | (e >> 3 & 1) << 2 | (e >> 4 & 1) << 1 | (e >> 5 & 1)
    for e in range(64))

#: the A extension's read-modify-writes: op -> how the new value (rdx, holding
#: rs2) comes from the old (rcx): an ALU operation, a conditional move of the old
#: after `cmp rcx, rdx` (64-bit and 32-bit forms), or none (swap)
_AMO_OPS = {"add": (Code.ADD_R64_RM64, Code.ADD_R32_RM32),
            "xor": (Code.XOR_R64_RM64, Code.XOR_R32_RM32),
            "and": (Code.AND_R64_RM64, Code.AND_R32_RM32),
            "or": (Code.OR_R64_RM64, Code.OR_R32_RM32),
            "min": (Code.CMOVL_R64_RM64, Code.CMOVL_R32_RM32),
            "max": (Code.CMOVG_R64_RM64, Code.CMOVG_R32_RM32),
            "minu": (Code.CMOVB_R64_RM64, Code.CMOVB_R32_RM32),
            "maxu": (Code.CMOVA_R64_RM64, Code.CMOVA_R32_RM32), "swap": None}
_CMOVS = {"min", "max", "minu", "maxu"}
_ATOMICS = {f"amo{op}.{w}" for op in _AMO_OPS for w in "wd"} | {"lr.w", "lr.d", "sc.w", "sc.d"}


#: the instructions compiled code covers (natively or through a helper call)
SUPPORTED = (set(_RR) | set(_RI) | set(_SHIFT_IMM) | set(_SHIFT_REG) | set(_SET) | set(_BRANCH)
             | set(_LOADS) | set(_STORES) | {"lui", "auipc", "addiw", "jal", "jalr", "fence"}
             | set(_FP_LOADS) | set(_FP_STORES) | _FP_HELPER | M_OUT_OF_LINE | _CSR | _ATOMICS)


def _compilable(name, e) -> bool:
    """Whether compiled code covers this instruction (natively or by a helper call)."""
    if name not in SUPPORTED:
        return False
    return name not in _CSR or int(e["aux"]) in _FCSR


#: imm32 forms -> their imm8 forms and the kind of that operand (the templates
#: write imm32; iced-x86 encodes what it is given)
_IMM8_FORMS = {getattr(Code, f"{op}_RM{bits}_IMM32"):
               (getattr(Code, f"{op}_RM{bits}_IMM8"), kind)
               for op in ("ADD", "SUB", "AND", "OR", "XOR", "CMP")
               for bits, kind in ((64, OpKind.IMMEDIATE8TO64), (32, OpKind.IMMEDIATE8TO32))}
_IMM8_FORMS[Code.IMUL_R64_RM64_IMM32] = (Code.IMUL_R64_RM64_IMM8, OpKind.IMMEDIATE8TO64)


def _shorter(insn):
    """insn with its imm32 as an imm8 when that fits (3 bytes less), in place."""
    short, kind = _IMM8_FORMS[insn.code]
    n = insn.op_count - 1  # (the immediate is the last operand)
    value = insn.immediate32to64 if insn.op_kind(n) == OpKind.IMMEDIATE32TO64 else \
        insn.immediate32 - ((insn.immediate32 >> 31) << 32)
    if -128 <= value < 128:
        insn.code = short
        insn.set_op_kind(n, kind)
        insn.set_immediate_i32(n, value)


#: moves of a constant into a register (_set_const's)
_CONSTANT_MOVES = frozenset((Code.MOV_R32_IMM32, Code.MOV_RM64_IMM32, Code.MOV_R64_IMM64))
#: instructions whose ZF says whether their destination is now zero (not the
#: shifts: a count of 0 leaves the flags), and moves, which change no flags and
#: no register but their destination (_Asm.zero_flag_of)
#: (iced-x86's codes by name, walked once: each walk of its ~4900 names took ~1 ms
#: of loading the code generator, which holds the GIL)
_CODES = [(n, v) for n, v in vars(Code).items() if isinstance(v, int)]
_ZF_OF_DEST = frozenset(v for n, v in _CODES
                        if n.split("_")[0] in ("ADD", "SUB", "AND", "OR", "XOR", "NEG", "INC",
                                               "DEC"))
_PLAIN_MOVES = frozenset(v for n, v in _CODES
                         if n.split("_")[0] in ("MOV", "MOVSXD", "MOVZX", "MOVSX", "LEA"))


#: instructions that write their first operand, a register, whole: one of 32 bits
#: clears the upper half of its 64 (_Asm.drop_sign_extension)
_WRITES_LOW = frozenset(v for n, v in _CODES
                        if n.split("_")[0] in ("ADD", "SUB", "IMUL", "LEA", "SHL", "SHR", "SAR",
                                               "MOV", "MOVZX", "XOR", "OR", "AND", "NEG", "NOT")
                        and n.split("_")[1] in ("R32", "RM32") and n != "IMUL_RM32")


#: the instructions that may name a label: near branches (their target) and
#: those the code generator makes with a RIP-relative operand (its displacement)
_NEAR_BRANCHES = frozenset(v for n, v in _CODES if n.endswith(("_REL8_64", "_REL32_64")))
_RIP_USERS = frozenset((Code.NOP_RM32, Code.LEA_R64_M, Code.MOV_R64_RM64))
_LABEL_USERS = _NEAR_BRANCHES | _RIP_USERS
#: (tests set it) _Asm.encode checks that every instruction naming a label is a _LABEL_USERS one
_CHECK_LABEL_USERS = False


class _Asm:
    """Instructions with symbolic labels for iced-x86's BlockEncoder."""

    def __init__(self):
        self.hot: list = []
        self.cold: list = []
        self._next_ip = 1
        self._pending = {False: None, True: None}  # a label for the next instruction
        self._same = {}  # label -> the label bound at the same instruction before it
        # the instructions that may name a label (_LABEL_USERS): near branches,
        # and those that may have a RIP-relative operand
        self.branches = []
        self.rip_users = []
        self.keep = 0  # drop_constant takes back none of the first `keep` instructions

    def label(self) -> int:
        self._next_ip += 1
        return self._next_ip * 16  # (a label is the ip of the instruction it marks)

    def bind(self, label: int, cold=False):
        """Places `label` at the next instruction emitted to the stream."""
        if self._pending[cold] is not None:  # two labels, one place
            self._same[label] = self._pending[cold]
            return
        self._pending[cold] = label

    def here(self, cold=False) -> int:
        """A label at the next instruction emitted to the stream: the one bound
        there already, if any (two labels at one place cost encode() a pass)."""
        pending = self._pending[cold]
        if pending is None:
            pending = self._pending[cold] = self.label()
        return pending

    def emit(self, insn, cold=False, label=None):
        if label is not None:
            self.bind(label, cold)
        pending = self._pending[cold]
        if pending is not None:  # (unlabelled instructions keep ip 0: nothing jumps to them)
            insn.ip = pending
            self._pending[cold] = None
        code = insn.code
        if code in _NEAR_BRANCHES:
            self.branches.append(insn)
        elif code in _RIP_USERS:
            self.rip_users.append(insn)
        if cold:
            self.cold.append(insn)
            return insn
        if code in _IMM8_FORMS:
            _shorter(insn)
        self.hot.append(insn)
        return insn

    def drop_constant(self, host):
        """Takes back the last instruction when it set host register `host` to a
        constant, which is about to be overwritten (auipc then addi: la), and
        nothing jumps to it."""
        last = self.hot[-1] if len(self.hot) > self.keep else None
        if last is not None and last.code in _CONSTANT_MOVES and last.ip == 0 and \
                last.op0_register in (host, _LOW32[host]):
            self.hot.pop()

    def drop_sign_extension(self, full) -> bool:
        """Whether the last instructions were a 32-bit operation into host register
        `full`'s low half, then `movsxd full, low` (a W instruction's result),
        with nothing jumping in between them or after: then the movsxd is taken
        back, about to be undone by a zero-extension of the same register (RV64GC's
        `addw; slli 32; srli 32`, an unsigned int index), which the 32-bit
        operation did already."""
        if self._pending[False] is not None or len(self.hot) < self.keep + 2:
            return False
        last, before = self.hot[-1], self.hot[-2]
        low = _LOW32[full]
        if last.code != Code.MOVSXD_R64_RM32 or last.ip != 0 or last.op0_register != full or \
                last.op1_kind != OpKind.REGISTER or last.op1_register != low or \
                before.code not in _WRITES_LOW or before.op0_kind != OpKind.REGISTER or \
                before.op0_register != low:
            return False
        self.hot.pop()
        return True

    def zero_flag_of(self, full, low) -> bool:
        """Whether ZF already says if host register `full` (`low`: its low 32 bits)
        is zero, here: the last instruction that wrote the flags computed it (an
        add, a 32-bit one too, whose result is zero just when its sign-extension
        is), and since then nothing jumped in or changed it (but a movsxd of it
        after a 32-bit one). Then a `test` of it before a je/jne is not needed
        (a counted loop's addi, bnez: `add` and `jne` fuse into one uop)."""
        if self._pending[False] is not None:  # (a label here: jumped to, flags unknown)
            return False
        extended = False
        for insn in reversed(self.hot[-8:]):
            code = insn.code
            if code in _ZF_OF_DEST:
                return insn.op0_kind == OpKind.REGISTER and \
                    (insn.op0_register == low or insn.op0_register == full and not extended)
            if code not in _PLAIN_MOVES or insn.ip != 0:
                return False
            if insn.op0_kind == OpKind.REGISTER and insn.op0_register in (full, low):
                if code != Code.MOVSXD_R64_RM32 or insn.op1_kind != OpKind.REGISTER or \
                        insn.op0_register != full or insn.op1_register != low:
                    return False
                extended = True
        return False

    def encode(self) -> bytes:
        for cold in (False, True):
            if self._pending[cold] is not None:  # a label at the very end
                self.emit(X.create(Code.NOPD), cold)
        insns = self.hot + self.cold
        if _CHECK_LABEL_USERS:
            refs = {id(insn) for insn in self.branches + self.rip_users}
            for insn in insns:
                if insn.is_ip_rel_memory_operand or insn.op0_kind == OpKind.NEAR_BRANCH64:
                    assert id(insn) in refs, f"{insn} names a label: not in _LABEL_USERS"
        if self._same:  # what goes to a label bound where another was goes to that one
            same = self._same  # (each property of an iced-x86 instruction read costs ~0.1 us)
            for insn in self.branches:
                target = insn.near_branch64
                if target in same:
                    insn.near_branch64 = same[target]
            for insn in self.rip_users:
                if insn.memory_base == R.RIP:
                    displ = insn.memory_displacement
                    if displ in same:
                        insn.memory_displacement = same[displ]
        enc = BlockEncoder(64)
        enc.add_many(insns)
        return enc.encode(0)



_STUBS: dict = {}  # "ret" -> address of the shared return stub (and the arena holding it)
_STUBS_LOCK = threading.Lock()
#: the shared code regions reach through cpu->jit_stubs, by index there: regions
#: hold no host address (_stub), so their code is the same in every process
_STUB_NAMES = ("ret", "call C") + tuple((kind, abi) for kind in ("leave", "indirect")
                                        for abi in (ABI_MEMORY, ABI_REG_MAP))
assert len(_STUB_NAMES) <= _L["stubs"]


def _stub(name) -> M:
    """The cpu's slot holding the address of shared code `name` (_STUB_NAMES)."""
    return M(CPU, displ=_L["cpu_stubs"] + 8 * _STUB_NAMES.index(name))


def _stubs() -> dict:
    """The code every compiled block shares, installed once per process: entry
    stubs per register convention (registered with the dispatcher: they save
    the host's callee-saved registers, set up the fixed ones, load the
    convention's guest registers and jump to the block's chain entry, the
    fifth argument), the return stub (budget back to rt, registers
    restored, return; the guest pc to go on at is in rax), and the out-of-line
    code regions share."""
    if _STUBS:
        return _STUBS
    with _STUBS_LOCK:  # (two threads' first compiles: one set of stubs, registered once)
        if not _STUBS:
            _make_stubs()
    return _STUBS


def _make_stubs():
    arena = _core.CodeArena(_core.PAGE_SIZE)
    for abi, std in ((ABI_MEMORY, {}), (ABI_REG_MAP, REG_MAP)):
        a = _Asm()
        for r in _SAVED:
            a.emit(X.create_reg(Code.PUSH_R64, r))
        a.emit(X.create_reg_i32(Code.SUB_RM64_IMM8, R.RSP, 8))  # keep calls 16-byte aligned
        for dst, src in zip((CPU, BASE), (R.RDI, R.RDX)):
            a.emit(X.create_reg_reg(Code.MOV_R64_RM64, dst, src))
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, BUDGET, M(R.RSI, displ=_L["rt_budget"])))
        a.emit(X.create_reg_u32(Code.SHL_RM64_IMM8, BUDGET, BUDGET_SHIFT))
        for insn in _moves(std, {}):
            a.emit(insn)
        a.emit(X.create_reg(Code.JMP_RM64, R.RCX))  # (the entry, which no guest register uses)
        _core.set_jit_enter(abi, arena.install(a.encode(), marked=False))
    a = _Asm()
    for insn in _budget_out(R.RDX) + _counts_out():  # (rax: the pc)
        a.emit(insn)
    a.emit(X.create_reg_i32(Code.ADD_RM64_IMM8, R.RSP, 8))
    for r in reversed(_SAVED):
        a.emit(X.create_reg(Code.POP_R64, r))
    a.emit(X.create(Code.RETNQ))
    stubs = {"ret": arena.install(a.encode(), marked=False), "arena": arena}
    # what every region would have of its own else, the same (reached through
    # cpu->jit_stubs: _stub; "leave" is the epilogue from the convention's registers; the
    # ways out through a link slot, "direct" and "indirect", end in it too; "direct" is
    # reached through the slots themselves, vm_jit_unlinked, not cpu->jit_stubs)
    for abi, std in ((ABI_MEMORY, {}), (ABI_REG_MAP, REG_MAP)):
        a = _Asm()
        _leave(a, _moves({}, std))
        stubs["leave", abi] = arena.install(a.encode(), marked=False)
        for kind in ("direct", "indirect"):
            a = _Asm()
            leave = a.label()
            _emit_link(a, kind, abi, leave)
            a.bind(leave, cold=True)
            _leave(a, _moves({}, std))
            stubs[kind, abi] = arena.install(a.encode(), marked=False)
    a = _Asm()
    _call_c(a)
    stubs["call C"] = arena.install(a.encode(), marked=False)
    for name in _STUB_NAMES:
        _core.set_jit_stub(_STUB_NAMES.index(name), stubs[name])
    for abi in (ABI_MEMORY, ABI_REG_MAP):  # (what an unlinked direct exit's slot holds)
        _core.set_jit_unlinked(abi, stubs["direct", abi])
    _STUBS.update(stubs)


def _table_jump(a: _Asm, abi: int, miss: int, cold: bool):
    """An indirect exit (target pc in rax, the convention's registers in place),
    in line: into the compiled block the cache's table holds for that pc, else
    to `miss`. (First, before its link slot, which is right only for the pc it
    was linked for: it missed for 50-95 % of indirect exits, returns to several
    callers, switches.) VM_TC_INDEX(pc) * 16 is pc * 8 masked, as bit 0 of a
    jump's target is clear."""
    assert _L["chain_slot_size"] == 16
    tc = _L["chain_slot_size"] * _L["tc_size"] * abi
    for insn in [X.create_reg_mem(Code.LEA_R32_M, R.EDX, M(index=R.RAX, scale=8)),
                 X.create_reg_u32(Code.AND_RM32_IMM32, R.EDX, (_L["tc_size"] - 1) << 4),
                 X.create_reg_mem(Code.ADD_R64_RM64, R.RDX, M(CPU, displ=_L["cpu_tc"])),
                 X.create_reg_mem(Code.CMP_R64_RM64, R.RAX, M(R.RDX, displ=tc + 8)),
                 X.create_branch(Code.JNE_REL32_64, miss),
                 X.create_mem(Code.JMP_RM64, M(R.RDX, displ=tc))]:
        a.emit(insn, cold)


def _leave(a: _Asm, spill: list, cold: bool = True):
    """An epilogue: the host-held guest registers written back (`spill`), then
    the shared return stub."""
    for insn in spill + [X.create_mem(Code.JMP_RM64, _stub("ret"))]:
        a.emit(insn, cold)


def _emit_link(a: _Asm, kind: str, abi: int, leave: int):
    """(Out of line, once per region and kind of exit.) The way out through a
    link slot (rcx; the target pc in rax; the convention's registers in place).
    An indirect jump (whose table lookup missed: _table_jump): into the linked
    block's code if the slot was linked for this pc; failing that
    (and for a direct exit, whose linked slot was tried inline: Block.exit),
    to `leave` for the dispatcher, which links the slot. (Kept in each region:
    a shared stub costs an extra indirect jump at every block exit.)"""
    unlinked = a.label()
    if kind == "indirect":  # (the table missed: _table_jump) the slot, right only for
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RDX, M(R.RCX)), True)  # its own pc
        a.emit(X.create_reg_reg(Code.TEST_RM64_R64, R.RDX, R.RDX), True)
        a.emit(X.create_branch(Code.JE_REL32_64, unlinked), True)
        a.emit(X.create_reg_mem(Code.CMP_R64_RM64, R.RAX, M(R.RCX, displ=8)), True)
        a.emit(X.create_branch(Code.JNE_REL32_64, unlinked), True)
        a.emit(X.create_reg(Code.JMP_RM64, R.RDX), True)
    a.emit(_rt(R.RDX), True, label=unlinked)  # (rdx: free with the convention's registers)
    a.emit(X.create_mem_reg(Code.MOV_RM64_R64, M(R.RDX, displ=_L["rt_exit_slot"]), R.RCX), True)
    a.emit(X.create_mem_u32(Code.MOV_RM32_IMM32, M(R.RDX, displ=_L["rt_exit_abi"]), abi), True)
    a.emit(X.create_branch(Code.JMP_REL32_64, leave), True)


#: a region (inlining on): at most this many blocks and instructions, by level;
#: the head and the block after it may have twice the instructions (two long
#: blocks, one running into the other: nbody's loop, 18 and 38 instructions,
#: was two regions, and 15 % slower, its f registers stored and loaded again
#: between them). (Level 2's regions were 8 blocks, 96 instructions: the JIT,
#: which compiles every block it runs, was 7 % slower over the bundled
#: workloads, as much compiled twice; Hybrid, which compiles only hot code, the same.)
REGION_LIMITS = {2: (4, 48), 3: (16, 256)}
#: blocks and instructions a region may add, by level, to have its loop whole:
#: the blocks branches inside the loop go to (_loop_blocks), then those on ways
#: back into it from elsewhere (_ways_back)
LOOP_LIMITS = {2: ((4, 32), (6, 24)), 3: ((8, 64), (12, 64))}
_END_OP = len(_core.op_names())  # VM_OP_BLOCK_END, the entry closing a block's IR
_JUMPS = set(_BRANCH) | {"jal", "jalr"}
_MEM_NAMES = {name for name, spec in BY_NAME.items() if spec.cls in MEMORY_CLASSES}


class _Seg:
    """One guest block of a compiled region: its pc, IR (with the closing entry),
    how many of its instructions are compiled and the flat index of the first."""

    def __init__(self, pc: int, ir, first: int):
        self.pc, self.ir, self.first = pc, ir, first
        n = len(ir) - 1
        k = 0
        while k < n and ir[k]["compiled"]:
            k += 1
            if ir[k - 1]["name"] in _JUMPS:
                break
        self.k = k
        self.body = None  # label: where its budget check starts
        self.charged = None  # label: just after it (a unit's start; _Block.charge_into)
        self.short = None  # label: where it goes when the budget is short (a unit's start)
        self.entry = None  # label: where a loop's pre-checks start, if it has them (else body)
        self.top = None   # label: where loops jump back to it, if they do (its body's: past
        #                 its loop's pre-checks; None where a vector form is tried first)
        self.last = ir[k - 1]["name"] if k else None
        self.hammock = None  # (rd, n): its branch skips the next segment's first n
        #                      instructions, which write only rd: if-converted (_hammocks)
        self.skip = 0  # its first instructions, emitted by the segment before (a hammock)
        #: (instructions, memory accesses) of a turn of it, if it is a loop of its own
        #: emitted twice (_twice): its budget check takes two turns
        self.twice = None
        #: where execution goes when the compiled part falls through (or a branch is not taken)
        self.end_pc = pc + int(ir[k]["pc_off"]) if k < n else \
            pc + int(ir[k - 1]["pc_off"]) + int(ir[k - 1]["len"])
        #: where its indirect jump is expected to go (_guess: one or two pcs):
        #: the code checks that it goes there and goes on in the region, else
        #: leaves as any indirect jump; None: no guess
        self.expect = None
        #: the guest pcs its end may go to (None: an indirect jump)
        last = self.last
        if last in _BRANCH:
            self.targets = (int(ir[k - 1]["imm"]) & 0xFFFFFFFFFFFFFFFF, self.end_pc)
        elif last == "jal":
            self.targets = (int(ir[k - 1]["imm"]) & 0xFFFFFFFFFFFFFFFF,)
        elif last == "jalr":
            self.targets = (None,)
        else:
            self.targets = (self.end_pc,)

    def guess(self, expect: tuple):
        """Its indirect jump expected to go to one of `expect` (checked where it
        runs; the last is laid out next)."""
        self.expect = self.targets = expect


_ITEM = IR_ITEMSIZE


def _entries(ir_bytes: bytes, closed: bool = True) -> list:
    """A block's IR as dicts of its fields (plus "bytes", the entry itself, "name",
    its instruction's, None for the closing entry, and "compiled": _compilable), closed
    by a VM_OP_BLOCK_END entry (added when `closed` says the bytes lack it).
    (Dicts: the code generator reads fields far faster than from arrays.) Read
    only: the same block's are shared by every region it is in (_ENTRIES)."""
    key = (ir_bytes, closed)
    out = _ENTRIES.get(key)
    if out is None:
        if len(_ENTRIES) >= _ENTRIES_MAX:
            _ENTRIES.clear()
        out = _ENTRIES[key] = _read_entries(ir_bytes, closed)
    return out


#: _entries' results by IR (a block is in 2 regions on average, its own and ones
#: running into it); at most this many blocks' kept
_ENTRIES: dict = {}
_ENTRIES_MAX = 8192


def _read_entries(ir_bytes: bytes, closed: bool) -> list:
    if not closed:
        ir_bytes += closing_entry(ir_bytes)
    out = []
    for k, (imm, raw, pc_off, op, rd, rs1, rs2, rs3, rm, n, aux) in \
            enumerate(IR_STRUCT.iter_unpack(ir_bytes)):  # (a dict display: 2x dict(zip()))
        name = _NAME.get(op)
        e = {"imm": imm, "raw": raw, "pc_off": pc_off, "op": op, "rd": rd, "rs1": rs1,
             "rs2": rs2, "rs3": rs3, "rm": rm, "len": n, "aux": aux,
             "bytes": ir_bytes[k * _ITEM:(k + 1) * _ITEM], "name": name}
        e["compiled"] = _compilable(name, e)
        out.append(e)
    return out


assert IR_FIELDS == ("imm", "raw", "pc_off", "op", "rd", "rs1", "rs2", "rs3", "rm", "len", "aux"), \
    "_read_entries names the IR fields in their order"


def closing_entry(ir_bytes: bytes) -> bytes:
    """The VM_OP_BLOCK_END entry the C decoder puts after a block's IR."""
    pc_off = 0
    if ir_bytes:  # (fields in IR_FIELDS' order: _read_entries' assert)
        imm, raw, last_off, op, rd, rs1, rs2, rs3, rm, n, aux = IR_STRUCT.unpack(ir_bytes[-_ITEM:])
        pc_off = last_off + n
    return IR_STRUCT.pack(0, 0, pc_off, _END_OP, 0, 0, 0, 0, 0, 0, 0)


def _region(ir, pc: int, fetch, limits=(1, 0), loop_limits=((0, 0), (0, 0)), heads=(),
            seen=None, far=None) -> list:
    """The head block and the blocks it runs into by falling through, by a
    direct jump or by an indirect one whose target is guessed (_guess: a
    return to a call the region made, an indirect call where it went before,
    `seen(pc)`), decoded with fetch(pc) while they lie in the pages the head
    covers (a write there retires the head, and with it the whole region) or
    in up to _FAR_MOST other pages that `far(address)` says are code (pages
    blocks were decoded from, whose writes the cache sees: the installer
    makes a write there retire the head too, vm_block.jit_far), within `limits` (blocks, instructions) or, past them, within the second
    of `loop_limits` where they lead back into the region; up to one that
    heads a region of its own (in `heads`) outside the region's loops
    (_cut_at_heads); then, where they go round a loop, the blocks that make
    the loop whole (_loop_blocks, within `loop_limits`)."""
    segs = [_Seg(pc, ir, 0)]
    max_blocks, max_insns = limits
    if fetch is None:
        return segs
    lo = pc >> 12
    hi = (pc + int(ir[-1]["pc_off"]) - 1) >> 12
    other = set()  # the other pages of the blocks decoded

    def decode(at: int):  # the block at `at`, if it lies in those pages and has code
        if not lo <= at >> 12 <= hi and (far is None or not far(at)):
            return None
        try:
            nir = _entries(fetch(at), closed=False)
        except Exception:  # not fetchable now: it faults when (if) it runs
            return None
        pages = {p for p in (at >> 12, (at + int(nir[-1]["pc_off"]) - 1) >> 12)
                 if not lo <= p <= hi}
        if pages - other:
            if far is None or len(other | pages) > _FAR_MOST or \
                    not all(far(p << 12) for p in pages):
                return None
            other.update(pages)
        nseg = _Seg(at, nir, 0)
        return nseg if nseg.k else None

    total = segs[0].k
    more, more_insns = [], 0  # (past the limits: kept if they lead back into the region)
    more_blocks, more_max = loop_limits[1]
    while True:
        chain = segs + more
        seg = chain[-1]
        if seg.k < len(seg.ir) - 1:
            break  # ends before an instruction without emitter
        if seg.last == "jalr":
            expect = _guess(chain, seen)
            if expect is None:
                break
            seg.guess(expect)
        nxt = seg.targets[-1]  # the fall-through, or a jump's target
        if nxt in [s.pc for s in chain]:
            break
        nseg = decode(nxt)
        if nseg is None:
            break
        if more or len(segs) >= max_blocks or \
                total + nseg.k > max_insns * (2 if len(segs) == 1 else 1):
            if len(more) >= more_blocks or more_insns + nseg.k > more_max:
                break
            more.append(nseg)
            more_insns += nseg.k
        else:
            segs.append(nseg)
            total += nseg.k
    # a loop longer than a region is let be: the blocks past the limits stay if
    # they go back round into it and a call was guessed on the way (a loop
    # through calls, their returns guessed), or if the last branches or jumps
    # back to the head (a loop _back_edges sees), within twice the region's
    # blocks (the region is the loop: nbody's step, three loops in one, was
    # four regions, running 10 % more host instructions). A loop back to
    # another block is left as it was (sieve's, its inner loop taken in, ran
    # 10 % slower), and so is a longer one (coremark's list merge, its inner
    # loop taken in, ran 1 % more), and one whose trace went round a loop
    # already (matmul's inner loop, its outer loops taken in: with two ways
    # into it, its accesses were no longer checked once where it is entered
    # but each time, 50 % slower).
    starts = {s.pc for s in segs}
    more = more[:max((k + 1 for k, s in enumerate(more) if starts & set(s.targets)), default=0)]
    if any(s.expect is not None for s in segs + more) or \
            more and more[-1].targets[0] == pc and len(segs) + len(more) <= 2 * max_blocks \
            and not _back_edges(segs, {s.pc: n for n, s in enumerate(segs)}):
        segs += more
    segs = _loop_blocks(_cut_at_heads(segs, heads), decode, *loop_limits, seen)
    first = 0
    for seg in segs:
        seg.first = first
        first += seg.k
    return segs


#: other pages a region's blocks may lie in (csrc's VM_FAR_PAGES, less one: the
#: head block's last page, if none of its compiled instructions lie in it,
#: counts as another: Compiled.far_pages)
_FAR_MOST = _core.FAR_PAGES - 1

#: the registers a call links (rd of jal/jalr) and a return jumps through (rs1
#: of jalr): ra and the alternate link register t0, as the spec's return-address
#: stack hints have them
_LINKS = (1, 5)


def _calls_open(chain) -> list:
    """(link register, return pc) of the calls a chain of segments (each going
    on to the next) made and has not returned from, innermost last."""
    calls = []
    for seg in chain:
        if seg.last not in ("jal", "jalr") or seg.k < len(seg.ir) - 1:
            continue
        e = seg.ir[seg.k - 1]
        rd, rs1 = int(e["rd"]), int(e["rs1"])
        if rd in _LINKS:
            calls.append((rd, seg.end_pc))
        elif seg.last == "jalr" and calls and calls[-1][0] == rs1 and int(e["imm"]) == 0:
            calls.pop()
    return calls


def _guess(chain, seen):
    """Where the indirect jump ending chain[-1] likely goes (a tuple of pcs), for
    the region to go on there behind checks: a return (jalr through a link
    register) to the call the chain made that it returns from; an indirect
    call (a jalr that links: a function pointer, a virtual method) to where
    it went the last two times it went somewhere else, interpreted (`seen(pc)`:
    csrc's call_seen). None for any other indirect jump (a switch's, an
    interpreter's dispatch: many targets)."""
    seg = chain[-1]
    e = seg.ir[seg.k - 1]
    rd, rs1 = int(e["rd"]), int(e["rs1"])
    if rd == RD_SINK:  # (rd x0: a return, or a jump)
        calls = _calls_open(chain[:-1])
        return (calls[-1][1],) if calls and calls[-1][0] == rs1 and int(e["imm"]) == 0 else None
    return seen(seg.pc + int(e["pc_off"])) if seen is not None else None


def _cut_at_heads(segs, heads) -> list:
    """The segments up to the first (after the head) that heads a region of its
    own (in `heads`) and is in none of their loops: the region jumps to that
    code instead of compiling the block again (under the JIT, xz -9's regions
    held 68,500 guest instructions, 54,500 with the cut, for 10 % less
    compile time). In a loop the block stays, for the loop to stay in host code."""
    if not heads or len(segs) < 2:
        return segs
    loops = _back_edges(segs, {seg.pc: n for n, seg in enumerate(segs)})
    rest = sum(seg.k for seg in segs)
    for k in range(1, len(segs)):
        rest -= segs[k - 1].k
        if rest < CUT_MIN:
            break
        if segs[k].pc in heads and not any(n <= k <= m for n, m in loops):
            return segs[:k]
    return segs


#: _cut_at_heads keeps a shorter rest (an interpreter's dispatch up to its
#: indirect jump): compiled twice costs less than a second exit in each turn
CUT_MIN = 12


def _loop_blocks(segs, decode, limits, way_limits=(0, 0), seen=None) -> list:
    """The segments with, after the last one of the first loop (the one whose
    branch or jump goes back to an earlier one), the blocks that branches
    inside that loop go to and that lie inside it (between its head and its
    end): a loop with an if in it (a hash table's probe, a list's search)
    stays in host code, where else each turn that takes the branch leaves the
    region and comes back. Within `limits` (blocks, instructions). Then, within
    `way_limits`, the blocks on ways from the loop back into it found
    elsewhere (_ways_back)."""
    index = {seg.pc: n for n, seg in enumerate(segs)}
    loops = _back_edges(segs, index)
    if not loops:
        return segs
    n, m = loops[0]
    head, end = segs[n].pc, segs[m].end_pc
    max_blocks, max_insns = limits

    def inside(t) -> bool:  # in the loop, and not in (or at) a segment the region has
        return t is not None and head <= t < end and \
            not any(s.pc <= t < s.end_pc for s in segs + added)

    added, insns = [], 0
    work = [t for seg in segs[n:m + 1] for t in seg.targets]
    while work and len(added) < max_blocks:
        t = work.pop(0)
        if not inside(t):
            continue
        seg = decode(t)
        if seg is None or insns + seg.k > max_insns:
            continue
        added.append(seg)
        insns += seg.k
        if seg.k == len(seg.ir) - 1 and seg.last != "jalr":
            # (the fall-through first: it is laid out right after its branch,
            # where a branch over it can be if-converted, _hammocks)
            work += seg.targets[::-1]
    loop = segs[n:m + 1] + added
    region = segs + added
    max_blocks, max_insns = way_limits
    added_ways, insns = [], 0
    chains = [segs[:k + 1] for k in range(n, m + 1)] + [[seg] for seg in added]
    for way in _ways_back(loop, chains, region, decode, seen):
        new = [seg for seg in way if not any(s.pc == seg.pc for s in region + added_ways)]
        k = sum(seg.k for seg in new)
        if len(added_ways) + len(new) <= max_blocks and insns + k <= max_insns:
            added_ways += new
            insns += k
    return segs[:m + 1] + added + added_ways + segs[m + 1:]


#: _ways_back's search: blocks on a way at most, blocks decoded at most
_WAY_DEPTH, _WAY_SEARCH = 6, 40


def _ways_back(loop, chains, region, decode, seen) -> list:
    """Ways (lists of new segments, shortest first) from the loop's branches
    and jumps out of the region back into the loop, through blocks the region
    does not have, calls and returns followed where _guess knows where they
    go (chains: for each loop segment, the chain of segments the region
    reaches it by, itself last): a loop whose turn takes such a way (calls a
    function through a pointer, returns from a function by another branch, a
    branch to code laid out after the function's end) stays in host code
    whole, where else each such turn leaves the region and comes back."""
    ways, budget = [], _WAY_SEARCH
    # (a stack, not a recursive closure: one would hold itself, so the memory
    # `decode` reads, in a reference cycle until the next collection)
    work = [(chain, []) for chain in reversed(chains)]
    while work:
        chain, path = work.pop()  # path: the new blocks after the chain's loop segment
        seg = chain[-1]
        if path:
            if seg.k < len(seg.ir) - 1:
                continue  # (stops before an instruction without emitter)
            if seg.last == "jalr":
                expect = _guess(chain, seen)
                if expect is None:
                    continue
                seg.guess(expect)
        for t in reversed(seg.targets):
            if t is None:
                continue
            if any(s.pc <= t < s.end_pc for s in loop):  # (back: a way, unless from
                if path:                                # the loop itself)
                    ways.append(path)
                continue
            if any(s.pc <= t < s.end_pc for s in region) or len(path) >= _WAY_DEPTH or \
                    budget <= 0 or any(s.pc == t for s in path):
                continue
            budget -= 1
            nseg = decode(t)
            if nseg is not None:
                work.append((chain + [nseg], path + [nseg]))
    return sorted(ways, key=len)


class Compiled(NamedTuple):
    """What compile_ir makes of a block: code to run from its first byte."""
    code: bytes      # ending with the 8-byte pointer to its vm_block (install_for binds it)
    covered: int     # instructions of the block it covers (from the first)
    mem_ops: int     # memory accesses among them
    abi: int         # register convention (ABI_MEMORY, ABI_REG_MAP)
    data_size: int   # bytes of data at the end of the code
    guest: tuple     # (pc, raw) of every guest instruction compiled, its region's too

    def disassemble(self, address: int = 0) -> list[str]:
        """The host code listed (at `address`), its data as data."""
        return disassemble(self.code, address, self.data_size)

    def span(self) -> tuple:
        """[lo, hi): the guest pcs the region covers (vm_block.jit_lo, jit_hi)."""
        pcs = [pc for pc, _ in self.guest]
        return min(pcs), max(pcs) + 4

    def far_pages(self) -> list:
        """The pages the region covers beyond those of its head block's compiled
        instructions (vm_block.jit_far: a write to one retires the head)."""
        def pages(insns):
            return {p for pc, raw in insns
                    for p in (pc >> 12, (pc + (4 if raw & 3 == 3 else 2) - 1) >> 12)}
        return sorted(pages(self.guest) - pages(self.guest[:self.covered]))


def compile_ir(ir_bytes: bytes, pc: int, level: int = 0, chained: bool = False, fetch=None,
               countdown: bool = False, vectorize: bool = False,
               viewed: bool = True, pause=None, store=None, heads=(),
               seen=None, far=None, stored_only: bool = False) -> Compiled | None:
    """Machine code for the block at ``pc`` whose IR is ``ir_bytes`` (with its
    closing entry), or None when its first instruction has no emitter.
    ``chained``: the code links to
    other blocks through its vm_block's slots (level 1 and up); ``fetch(pc)``
    decodes the guest block at pc (level 2: the region goes on into the
    blocks the head leads to). First-tier code (``countdown``, Hybrid) counts
    its runs down in its vm_block's tier_countdown; at zero it clears the
    block's jit_tried and returns, for the dispatcher to compile it again.
    ``vectorize`` (level 3, chained): fill loops try vector stores first.
    ``viewed``: loads and stores go through the memory's view, checked by the
    host MMU (else each checks permissions itself, as code that reached MMIO
    does: VM_PAGE_SOFT). ``pause()``, if given, is called before each guest
    instruction emitted (the compiler thread lets a run that waits for the GIL
    in: one that makes a system call waited 100-150 us on average for the
    pauses between the region's blocks). ``store``: a CodeStore, where the
    code may have been kept by an earlier run, and where it is kept.
    ``heads``: the pcs of blocks with code of their own at this level (a
    set): the region stops before one, outside its loops (_cut_at_heads).
    ``seen(pc)``: where the indirect call at pc went when last interpreted,
    or None (the memory's call_seen): the region may go on there (_guess).
    ``far(address)``: whether the page of address is code (the memory's
    is_code_page): the region may take in blocks from up to _FAR_MOST such
    pages besides the head's, which its installer must mark
    (Compiled.far_pages); None: only the head's. ``stored_only``: the code
    ``store`` holds, or None: nothing is compiled.

    The code refers to its vm_block only through the pointer in its last 8
    bytes and its exits' slot addresses, which the installer writes
    (install_for, vm_code_bind): so the same guest code
    compiles to the same bytes for any block, VM or run, and is compiled once
    per process (CODE_CACHE)."""
    _stubs()  # (what the code reaches through cpu->jit_stubs: made at the first compile)
    chained = chained and level >= 1
    vectorize = vectorize and chained and level >= 3 and not countdown
    # the store is looked up by the head block alone, and what it holds checked
    # against the blocks in memory (a region formed again, without its cost)
    head_key = (level, chained, countdown, vectorize, viewed, fetch is not None, pc, ir_bytes)
    if store is not None:
        res = _stored_region(store, head_key, ir_bytes, fetch, seen, far)
        if res is not None:
            return res
    if stored_only:
        return None
    ir = _entries(ir_bytes)
    unguessed = []  # (the pcs of indirect calls forming the region met with no guess)
    segs = _region(ir, pc, fetch, REGION_LIMITS[level], LOOP_LIMITS[level], heads,
                   _Seen(seen, unguessed), far) if level >= 2 else [_Seg(pc, ir, 0)]
    head = segs[0]
    if head.k == 0:
        return None
    if pause is not None:  # (forming the region may have decoded many blocks)
        pause()
    key = (level, chained, countdown, vectorize, viewed,
           tuple([(seg.pc, b"".join([seg.ir[j]["bytes"] for j in range(seg.k)]))
                  for seg in segs]),
           tuple([seg.expect for seg in segs]))
    hit = CODE_CACHE.get(key)
    if hit is not None:
        CODE_CACHE.hits += 1
        res = hit
    else:
        res = _compile_region(segs, level, chained, countdown, vectorize, viewed, pause)
        _cache(key, res)
    if store is not None:
        store.put(head_key, (key, tuple(res), tuple(unguessed)))
    return res


class _Seen:
    """compile_ir's `seen`, noting the pcs it knows no target for: the region a
    store keeps is formed again once one of them has one (_stored_region)."""

    def __init__(self, seen, unguessed: list):
        self.seen, self.unguessed = seen, unguessed

    def __call__(self, pc: int):
        target = self.seen(pc) if self.seen is not None else None
        if target is None:
            self.unguessed.append(pc)
        return target


def _stored_region(store, head_key, ir_bytes: bytes, fetch, seen=None,
                   far=None) -> Compiled | None:
    """The code `store` holds for the region headed by head_key's block, if every
    block it was compiled from is in memory as it was then (fetched again: so
    also still executable), its other pages are code (as `far` says) and
    none of the indirect calls forming it met
    with no guess has been seen going somewhere since (a region formed now
    could go on there: _guess). (A region formed now might also go further
    where a block it stopped before has become fetchable since; this one is
    as right.)"""
    stored = store.get(head_key)
    if stored is None:
        return None
    try:
        key, fields, unguessed = stored
        res = Compiled(*fields)
        segments = key[5]
        if not (isinstance(res.code, bytes) and all(type(v) is int for v in res[1:5])
                and isinstance(res.guest, tuple) and segments and key[:5] == head_key[:5]):
            return None  # (not what put wrote)
        for n, (at, code) in enumerate(segments):
            if n == 0:
                now = ir_bytes if at == head_key[6] else None
            else:
                now = fetch(at) if fetch is not None else None
            if now is None or not now.startswith(code):
                return None
        if seen is not None and any(seen(at) is not None for at in unguessed):
            return None
        other = res.far_pages()  # (must be code now, as when a region is formed)
        if other and (far is None or not all(far(p << 12) for p in other)):
            return None
    except Exception:  # (damaged: compiled again; or a block not fetchable now)
        return None
    store.hits += 1
    if CODE_CACHE.get(key) is None:
        _cache(key, res)
    return res


def _cache(key, res) -> None:
    """res kept in CODE_CACHE under key."""
    if CODE_CACHE.bytes + len(res.code) > CODE_CACHE_LIMIT:
        CODE_CACHE.clear()
    CODE_CACHE[key] = res
    CODE_CACHE.bytes += len(res.code)


class _CodeCache(dict):
    """Compiled regions by guest code (and level, linking, tier), shared by every
    engine in the process: a guest program run again, or in many VMs, is
    compiled once."""
    bytes = 0  # of code held
    hits = 0   # compiles answered from the cache

    def clear(self):
        super().clear()
        self.bytes = 0


CODE_CACHE = _CodeCache()
CODE_CACHE_LIMIT = 64 << 20  # bytes of code kept; past it the cache starts again


def install_for(code: bytes, block_addr: int) -> bytes:
    """The code bound to its vm_block (vm_code_bind): the pointer in its last 8
    bytes and its direct exits' link slot addresses filled in."""
    return _core.bind_code(code, block_addr)


def _inner_entries(segs, vectorize: bool, a: _Asm) -> dict:
    """Where branches of the region land in the middle of one of its segments
    (an if's skip, a loop's way back): pc -> _Inner, so they go on there in
    host code. (With vectorization, not a loop inside one segment, reached
    from no other, that has a vector form: _vector_tail.)"""
    branching = {}  # target -> the segments whose branch or jump goes there
    for seg in segs:
        branching.setdefault(seg.targets[0], []).append(seg)
    out = {}
    for seg in segs:
        for j in range(1, seg.k):
            pc = seg.pc + int(seg.ir[j]["pc_off"])
            from_ = branching.get(pc)
            if from_ is not None and \
                    any([s is not seg or not _vector_tail(vectorize, seg, j) for s in from_]):
                out[pc] = _Inner(seg, j, a.label())
    return out


def _piece(seg, start: int, end, first: int):
    """Instructions [start, end) of segment seg (end None: to its end) as a
    segment of their own, whose first flat index is `first`."""
    base = int(seg.ir[start]["pc_off"])
    ir = [dict(e, pc_off=int(e["pc_off"]) - base) for e in seg.ir[start:end]]
    if end is not None:  # (closed as the decoder closes a block)
        ir.append(dict(seg.ir[-1], pc_off=int(seg.ir[end]["pc_off"]) - base))
    out = _Seg(seg.pc + base, ir, first)
    if end is None and seg.expect is not None:
        out.guess(seg.expect)
    return out


def _vector_tail(vectorize: bool, seg, j: int) -> bool:
    """(Vectorization on) whether seg's own branch back to its instruction j
    makes a loop with a vector form (_vector_form): such a loop is left to a
    region of its own, where it is tried as vector moves where it is entered."""
    return vectorize and _vector_form(_piece(seg, j, None, 0)) is not None


def _units(segs, index: dict) -> tuple:
    """The region's accounting units: a segment entered only by falling out of
    the one emitted before it, which does not jump back, shares that one's
    budget check (one check, one count, for both; a branch leaving the unit
    early gives back the rest: _Block.refund). Returns (flat index of each
    segment's first instruction -> where its unit ends, the first flat index
    of each unit). (index: pc -> segment number, as for loops.)"""
    entered = set()  # segments entered by a jump, or by a fall-through from elsewhere
    for n, seg in enumerate(segs):
        ts = seg.targets
        for k, t in enumerate(ts):
            if not (k == len(ts) - 1 and n + 1 < len(segs) and segs[n + 1].pc == t):
                entered.add(t)
    ends, end = {}, None
    for n in range(len(segs) - 1, -1, -1):
        seg = segs[n]
        back = index.get(seg.targets[0], n + 1) <= n
        if end is None or back or segs[n + 1].pc in entered:
            end = seg.first + seg.k  # (a unit ends here: after it, another starts)
        ends[seg.first] = end
    starts = {0} | {seg.first + seg.k for seg in segs[:-1] if ends[seg.first] == seg.first + seg.k}
    return ends, starts


def _split_at_loop_heads(segs, vectorize: bool) -> tuple:
    """The segments cut where a branch of the region goes back into the middle
    of one (a loop's head inside a block: a loop after a function's first
    instructions, an inner loop): the loop is then whole segments, and its
    head starts an accounting unit that the branch goes round to directly
    (_Block.goto, loop_top). (With vectorization, not a loop inside one
    segment that has a vector form: as _inner_entries, it is left to a region
    of its own.) Returns (the segments, how many the head became). (Not where
    a segment of its own starts already: overlapping blocks, one entered in
    the other's middle.)"""
    heads, starts = set(), {seg.pc for seg in segs}
    inside = {}  # pc -> (segment number, j) of each instruction but a segment's first
    for n, s in enumerate(segs):
        for j in range(1, s.k):
            inside.setdefault(s.pc + int(s.ir[j]["pc_off"]), []).append((n, j))
    for m, seg in enumerate(segs):
        t = seg.targets[0]
        if t is None or t in starts:
            continue
        for n, j in inside.get(t, ()):
            if n <= m and not (n == m and _vector_tail(vectorize, seg, j)):
                heads.add(t)
    if not heads:
        return segs, 1
    out, head_pieces = [], 0
    for n, seg in enumerate(segs):
        cuts = [j for j in range(1, seg.k) if seg.pc + int(seg.ir[j]["pc_off"]) in heads]
        for start, end in zip([0] + cuts, cuts + [None]):
            out.append(_piece(seg, start, end, out[-1].first + out[-1].k if out else 0))
        if n == 0:
            head_pieces = len(out)
    return out, head_pieces


def _back_edges(segs, index: dict) -> list:
    """The region's loops: (n, m) where segment m's branch or jump goes back
    to segment n <= m (index: pc -> segment number)."""
    return [(index[t], m) for m, seg in enumerate(segs) for t in seg.targets[:1]
            if index.get(t, m + 1) <= m]


def _carried(segs, inner: dict) -> dict:
    """Segment pc -> the guest registers written on the way back to it (by the
    segments on a way from it back to it; none if there is none), for each
    segment after the first that only the segment before it, and those, lead
    into: what that segment leaves known constant (and a loop does not write)
    is known there too (a divisor set before a digit loop: _emit_udiv_by).
    The same for a loop's head inside a segment (`inner`), which the loop alone
    jumps to: what is known where the segment falls into it (a CRC's polynomial
    set before its bit loop, keeping the loop's xor a 32-bit value's)."""
    starts = {seg.pc: n for n, seg in enumerate(segs)}

    def seg_of(pc):  # the segment a jump to pc goes on in (at its start or inside)
        if pc in starts:
            return starts[pc]
        return next((n for n, seg in enumerate(segs) if seg.pc < pc < seg.end_pc), None)

    succ = [{seg_of(t) for t in seg.targets if t is not None} - {None} for seg in segs]

    def reachable(n):  # the segments reachable from segment n
        reach, todo = set(), list(succ[n])
        while todo:
            k = todo.pop()
            if k not in reach:
                reach.add(k)
                todo.extend(succ[k])
        return reach

    reaches = [reachable(n) for n in range(len(segs))]

    def way_back(n):  # the segments on the ways from segment n back to it
        return {k for k in reaches[n] if n in reaches[k]}

    out = {}
    for n in range(1, len(segs)):
        preds = {k for k, seg in enumerate(segs) if segs[n].pc in seg.targets}
        if preds <= {n - 1}:  # (entered by the one before alone)
            out[segs[n].pc] = set()
            continue
        reach = way_back(n)
        # (and round a loop, which neither the region's entry nor anything else
        # but the segment before leads into: the way in is by falling from it)
        if n - 1 in preds and preds <= reach | {n - 1} and 0 not in reach:
            out[segs[n].pc] = _written([segs[k] for k in reach], _X_SLOTS)
    for pc, head in inner.items():
        n = segs.index(head.seg)
        reach = way_back(n)
        if not {k for k, seg in enumerate(segs) if pc in seg.targets} <= reach \
                or (n and 0 in reach):  # (the region's entry leads round into it too)
            continue
        # the head's segment from the head on, or from where the way back enters it
        first = min([head.j] + [inner[t].j if t in inner else 0
                                for k in reach for t in segs[k].targets
                                if t is not None and seg_of(t) == n])
        out[pc] = _written([segs[k] for k in reach - {n}], _X_SLOTS) | \
            {int(e["rd"]) for e in head.seg.ir[first:head.seg.k]
             if "rd" in _X_SLOTS.get(int(e["op"]), ())}
    return out


def _carry(blk, pc: int, consts: dict, ranges: dict) -> tuple:
    """(consts, ranges) known at pc, where what is known falling into it is
    `consts`, `ranges`: those of the registers the way back does not write
    (blk.carried); nothing if something else leads there."""
    written = blk.carried.get(pc)
    if written is None:
        return {}, {}
    return ({r: v for r, v in consts.items() if r not in written},
            {r: v for r, v in ranges.items() if r not in written})


def _loop_cut(segs, keep: int) -> int:
    """How many of the segments the region keeps: all, but where it has two
    loops one after the other (neither inside the other) using more guest
    registers than there are host registers, it ends before the second. One
    allocation serves a whole region, and the second would take the first's
    registers (or the other way round: an inner loop's uses weigh most), to
    cost loads and stores at every turn of the other; a region of its own gets
    them at the price of one exit from the first. (At least the first `keep`.)"""
    loops = sorted(_back_edges(segs, {seg.pc: n for n, seg in enumerate(segs)}))
    outer = []  # the loops that are inside none other, as [first, last] segments
    for n, m in loops:
        if outer and n <= outer[-1][1]:
            outer[-1][1] = max(outer[-1][1], m)
        else:
            outer.append([n, m])
    if len(outer) < 2 or outer[1][0] < keep:
        return len(segs)
    (n1, m1), (n2, m2) = outer[0], outer[1]
    used = _uses(segs[n1:m1 + 1] + segs[n2:m2 + 1], [], _X_SLOTS)
    return n2 if sum(0 < r < 32 for r in used) > len(_HOSTS) else len(segs)


def _compile_region(segs, level: int, chained: bool, countdown: bool, vectorize: bool,
                    viewed: bool, pause=None):
    segs, head_pieces = _split_at_loop_heads(segs, vectorize) if level >= 1 else (segs, 1)
    segs = segs[:_loop_cut(segs, head_pieces)]
    head = segs[0]
    entries = [seg.ir[j] for seg in segs for j in range(seg.k)]
    blk = _Block(_Asm(), entries, [e["name"] in _MEM_NAMES for e in entries], chained)
    a = blk.a
    if chained:
        blk.inner = _inner_entries(segs, vectorize, a)
    # a region whose branches or jumps lead back into itself keeps its loops in host code
    index = {seg.pc: n for n, seg in enumerate(segs)}
    index.update((pc, segs.index(inner.seg)) for pc, inner in blk.inner.items())
    loops = _back_edges(segs, index) if level >= 1 else []
    blk.unit_end, blk.unit_starts = _units(segs, index)
    blk.loop_heads = {segs[n].pc for n, _ in loops}
    blk.straight_loops = {segs[n].pc: segs[n:m + 1] for n, m in loops
                          if segs[m].targets[0] == segs[n].pc
                          and all(m2 == m for n2, m2 in loops if n2 == n)
                          and all(s.first not in blk.unit_starts for s in segs[n + 1:m + 1])}
    if level >= 2:
        blk.std = dict(REG_MAP)
    if level >= 1:
        vector = vectorize and any(_vector_form(seg) for seg in segs)
        blk.hosts = tuple(h for h in _HOSTS if h is not _VECTOR_SCRATCH or not vector)
        blk.alloc = _allocate(segs, blk.std, loops, blk.hosts)
        written = _written(segs, _X_SLOTS)
        blk.clean = frozenset(r for r in blk.alloc if r not in blk.std and r not in written)
        blk.falloc = _allocate_f(segs, loops)
        blk.fwritten = sorted(r for r in _written(segs, _F_SLOTS) if r in blk.falloc)
    if blk.alloc == blk.std and not blk.falloc:
        blk.epilogue = blk.std_epilogue
    if level >= 2:
        _hammocks(segs, blk)
        blk.carried = _carried(segs, blk.inner)
    for seg in segs:
        seg.body = a.label()
        if seg.first in blk.unit_starts:
            seg.charged, seg.short = a.label(), a.label()
    blk.segs = {seg.pc: seg for seg in segs}
    blk.countdown = countdown
    blk.fold = level >= 2
    blk.vectorize = vectorize
    blk.viewed = viewed
    for seg in segs:
        seg.twice = _twice(blk, seg)
    # the chain entry, where the code starts (the entry stubs and linked blocks
    # jump here): this region's registers in place of the convention's
    for insn in _moves(blk.alloc, blk.std) + blk.freload():
        a.emit(insn)
    blk.pause = pause
    for n, seg in enumerate(segs):
        _emit_seg(blk, seg, segs[n + 1] if n + 1 < len(segs) else None)
    # the epilogues: from the region's own registers, or from the convention's
    # (shared by every region: _stubs), then the shared return stub
    if blk.epilogue != blk.std_epilogue:
        a.bind(blk.epilogue)
        _leave(a, blk.spill(blk.alloc) + blk.fspill(), cold=False)
    blk.far_jump(blk.std_epilogue, ("leave", blk.abi))
    for kind, label in blk.links.items():
        blk.far_jump(label, (kind, blk.abi))
    if blk.thunk_label is not None or blk.access_thunk_label is not None:
        _emit_thunk(blk)
    for label, data in blk.data:  # what the helpers read, after the code
        for k in range(0, len(data), 16):
            a.emit(X.create_declare_byte(data[k:k + 16]), True, label=label if k == 0 else None)
    # the direct exits' slot references, each a `nop [rip + label]` just after one
    # (never run: position-independent references for the installer), and their
    # count (vm_code_bind); then the marks, each a pair of them, and their count
    # (vm_code_mark)
    for bound in blk.binds:
        a.emit(X.create_mem(Code.NOP_RM32, M(R.RIP, displ=bound)), True)
    a.emit(X.create_declare_byte(len(blk.binds).to_bytes(4, "little")), True)
    for access, slow in blk.marks:
        a.emit(X.create_mem(Code.NOP_RM32, M(R.RIP, displ=access)), True)
        a.emit(X.create_mem(Code.NOP_RM32, M(R.RIP, displ=slow)), True)
    a.emit(X.create_declare_byte(len(blk.marks).to_bytes(4, "little")), True)
    # last: the pointer to this code's vm_block (install_for writes it)
    a.emit(X.create_declare_byte(bytes(8)), True, label=blk.block_slot)
    if pause is not None:
        pause()
    code = a.encode()
    guest = tuple([(seg.pc + int(seg.ir[j]["pc_off"]), int(seg.ir[j]["raw"]))
                   for seg in segs for j in range(seg.k)])
    covered = sum(seg.k for seg in segs[:head_pieces])  # (of the head block)
    return Compiled(code, covered, sum(blk.mem_ops[:covered]), blk.abi,
                    sum(len(data) for _, data in blk.data) + 7 * len(blk.binds) + 4
                    + 14 * len(blk.marks) + 12, guest)


def _emit_seg(blk, seg: _Seg, following):
    """One block of the region: its checks and counts, its instructions, its exits
    (`following`: the segment emitted next, entered by falling into it)."""
    a = blk.a
    blk.seg = seg
    left, left_ranges = blk.consts, blk.ranges  # (what the segment before left known)
    bail, bail_restore = a.label(), seg.short or a.label()
    loop_exit = a.label()  # (where the loop's branch goes when not taken)
    vector = _vector_form(seg) if blk.vectorize else None
    # the top of a loop, which its jumps back go to (a loop with a vector form,
    # tried where it is entered, is gone round from its body instead: goto)
    loop = blk.straight_loops.get(seg.pc)
    checks = _loop_reach(loop, blk.inner) if blk.viewed and loop and vector is None and \
        seg.first in blk.unit_starts else {}
    if checks:  # (entered from elsewhere: the addresses the loop counts on, checked)
        seg.entry = a.label()
        a.bind(seg.entry)
        _loop_prechecks(blk, checks, bail)
    if vector is None and (seg.first == 0 or seg.pc in blk.loop_heads):
        seg.top = seg.body  # (nothing between them: one label, _Asm.encode has none to redirect)
    if vector is not None:  # entering a loop (not going round it): all of it at once?
        _emit_vector_loop(blk, seg, vector, loop_exit)
    a.bind(seg.body)
    if seg.first == 0 and blk.countdown:  # first-tier code: hot enough for the next tier?
        tier_up = a.label()
        a.emit(blk.load_block())
        a.emit(X.create_mem_i32(Code.SUB_RM32_IMM8, M(R.RCX, displ=_L["block_countdown"]), 1))
        a.emit(X.create_branch(Code.JE_REL32_64, tier_up))
        for k, insn in enumerate([
                X.create_mem_u32(Code.MOV_RM32_IMM32, M(R.RCX, displ=_L["block_tried"]), 0),
                X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, seg.pc),
                X.create_branch(Code.JMP_REL32_64, blk.epilogue)]):
            a.emit(insn, True, label=tier_up if k == 0 else None)
    # a unit's start takes the budget and counts of the whole unit (the dispatcher
    # adds what the budget lost to cpu->instret); the rest of a unit falls in
    unit, n_mem = blk.unit_charge(seg)
    starts_unit = seg.first in blk.unit_starts
    # a unit inside the region (a loop's head) is a place to come back to after its
    # budget check sent the run to the dispatcher: rt->resume, vm_run (not in
    # first-tier code, which its tier-up is to take over)
    resume = seg.body if starts_unit and seg.first and not seg.skip and not blk.countdown \
        else None  # (no tier-up check between them: the body's own label)
    if starts_unit:
        a.emit(X.create_reg_i32(Code.SUB_RM64_IMM32, BUDGET, _charge(unit, n_mem)))
        a.emit(X.create_branch(Code.JB_REL32_64, bail_restore))
        a.bind(seg.charged)
    # (level 2) guest registers known to hold constants, within the segment (and what
    # the segment before it left known, when it is that one's alone: _carried)
    blk.consts, blk.ranges = _carry(blk, seg.pc, left, left_ranges)
    if seg.first in blk.unit_starts:  # (else entered only by falling out of the one before)
        blk.reached = {r: (lo, hi) for r, (_, lo, hi) in checks.items()}
    if seg.twice:  # two turns of the loop, one budget check
        known = dict(blk.consts), dict(blk.ranges), dict(blk.reached)
        blk.first_turn = True
        _, jcc, _, out = _emit_insns(blk, seg, following)
        blk.first_turn = False
        after_one = a.label()
        a.emit(X.create_branch(_NEGATED[jcc], after_one))
        blk.consts, blk.ranges, blk.reached = (dict(k) for k in known)
        end = _emit_insns(blk, seg, following)
        # (out of line) out after the first turn: the second's charge given back
        for k, insn in enumerate(_give_back(*seg.twice)):
            a.emit(insn, True, label=after_one if k == 0 else None)
        if blk.leaves(out):
            blk.exit(out, cold=True)
        else:
            a.emit(X.create_branch(Code.JMP_REL32_64, blk.seg_label(out)), True)
    else:
        end = _emit_insns(blk, seg, following)
    if blk.nan_pending is not None:  # (the last instruction was an F/D operation)
        _nan_check(blk)
    if end is None:  # fell off the end, or stopped before an instruction without emitter
        blk.goto(seg.end_pc, following)
    elif seg.hammock is not None:  # if-converted: the hammock's result, or its count back
        _select(blk, following, end[1])
        blk.goto(end[3], following)
    elif end[0] == "branch" and blk.leaves(end[2]):  # taken: out of the region, out of line
        _, jcc, target, fallthrough = end
        taken = a.label()
        a.emit(X.create_branch(jcc, taken))
        a.bind(taken, cold=True)
        blk.exit(target, cold=True)
        a.bind(loop_exit)
        blk.goto(fallthrough, following)
    elif end[0] == "branch" and blk.jump_label(end[2]) is not None:  # taken: straight there
        _, jcc, target, fallthrough = end                               # (round a loop, on)
        a.emit(X.create_branch(jcc, blk.jump_label(target)))
        a.bind(loop_exit)
        blk.goto(fallthrough, following)
    elif end[0] == "branch":  # taken first, so that not taken can fall into `following`
        _, jcc, target, fallthrough = end
        not_taken = loop_exit
        a.emit(X.create_branch(_NEGATED[jcc], not_taken))
        blk.goto(target, None)
        a.bind(not_taken)
        blk.goto(fallthrough, following)
    elif end[0] == "jump":
        blk.goto(end[1], following)
    elif end[0] == "guarded":  # indirect (target in rax), expected to go to one of
        expect = end[1]         # end[1]: on there if it does, else out as any
        for n, target in enumerate(expect):  # indirect jump
            other = a.label()
            if -(1 << 31) <= _signed(target) < 1 << 31:
                a.emit(X.create_reg_i32(Code.CMP_RM64_IMM32, R.RAX, _signed(target)))
            else:  # (rcx: scratch here, as for the link register's value)
                a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RCX, target))
                a.emit(X.create_reg_reg(Code.CMP_R64_RM64, R.RAX, R.RCX))
            a.emit(X.create_branch(Code.JNE_REL32_64, other))
            if n == len(expect) - 1:  # (the last: none matched, out of line)
                a.bind(other, cold=True)
                blk.exit(None, cold=True)
                blk.goto(target, following)
            else:
                blk.goto(target, None)
                a.bind(other)
    else:  # indirect: the target is in rax
        blk.exit(None)
    if starts_unit:  # (the head is one)
        a.emit(X.create_reg_i32(Code.ADD_RM64_IMM32, BUDGET, _charge(unit, n_mem)), True,
               label=bail_restore)
        entry = _resume_here(blk) if resume is not None else None
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, seg.pc), True, label=bail)
        a.emit(X.create_branch(Code.JMP_REL32_64, blk.epilogue), True)
        if entry is not None:  # the way back in: the region's registers, the budget check again
            for k, insn in enumerate(_moves(blk.alloc, blk.std) + blk.freload() +
                                     [X.create_branch(Code.JMP_REL32_64, resume)]):
                a.emit(insn, True, label=entry if k == 0 else None)


def _emit_insns(blk, seg: _Seg, following):
    """The segment's instructions (a turn of it); what the last one ends with
    (_emit_folded's). (Level 2) Its straight runs with local allocation where
    that takes fewer memory accesses (_Local)."""
    a = blk.a
    end = None
    after = seg.skip  # (the instructions before it emitted already)
    runs = _runs(blk, seg) if blk.fold else {}
    run_end = -1  # (the end of the run last tried)
    for j in range(seg.skip, seg.k):
        if j < after:
            continue
        local = blk.local
        if local is not None and j >= local.end:
            _end_local(blk)
            local = None
        if blk.pause is not None:
            blk.pause()
        e = seg.ir[j]
        insn_pc = seg.pc + int(e["pc_off"])
        name = e["name"]
        inner = blk.inner.get(insn_pc)
        if blk.nan_pending is not None and (inner is not None or not _nan_can_wait(blk, name, e)):
            _nan_check(blk)
        if inner is not None and inner.seg is seg:  # (entered here too: what the way
            a.bind(inner.label)                     # back leaves alone is known: _carried)
            blk.consts, blk.ranges = _carry(blk, insn_pc, blk.consts, blk.ranges)
            blk.reached = {}
        if seg.hammock is not None and j == seg.k - 1:  # (before its branch's compare)
            _emit_hammock(blk, following)
        if j in runs and j > run_end and blk.nan_pending is None:
            run_end = runs[j]
            ops = [_accesses(seg.ir[q]) for q in range(j, run_end)]
            local = _Local(blk, ops, j, run_end) if _beyond(blk, ops) else None
            if local is not None and local.plan():
                blk.local, blk.alloc = local, local.alloc
            else:
                local = None
        if local is not None:
            for insn in local.prepare(j - local.start):
                a.emit(insn)
        after, end = _emit_unit(blk, seg, j, name, e, insn_pc)
        if local is not None:
            for q in range(j, min(after, local.end)):
                local.written(q - local.start)
    if blk.local is not None:
        _end_local(blk)
    return end


def _end_local(blk):
    """The end of a run of local allocation: the region's allocation back."""
    for insn in blk.local.to_region(cold=False):
        blk.a.emit(insn)
    blk.alloc, blk.local = blk.local.region, None


def _emit_unit(blk, seg: _Seg, j: int, name: str, e, insn_pc: int) -> tuple:
    """Instruction j of seg, or a pair or three of them done as one (level 2);
    (the index after them, what the last ends with: _emit_folded's)."""
    fold = blk.fold  # (level 2: pairs and threes, each looked for only from its first's name)
    scaled = _scaled_add(blk, seg, j) if fold and name == "slli" else None
    if scaled is not None:
        _emit_scaled_add(blk, *scaled)
        for k in (j, j + 1):
            _known_after(blk, seg.ir[k]["name"], seg.ir[k], None)
        return j + 2, None
    widened = _zero_extension(blk, seg, j) if fold and name == "slli" else None
    if widened is not None:
        if widened[0]:  # (the shifted value is kept too: `slli` as it is)
            _emit_folded(blk, name, e, seg.first + j, insn_pc)
        else:
            _known_after(blk, name, e, None)
        _emit_zero_extension(blk, seg.ir[j + 1], widened[1])
        _known_after(blk, "srli", seg.ir[j + 1], None)
        return j + 2, None
    if fold and name == "csrrs" and _quiet_compare(blk, seg, j):
        if blk.nan_pending is not None:
            _nan_check(blk)
        _emit_quiet_compare(blk, e, seg.ir[j + 1])
        for k in range(j, j + 3):
            _known_after(blk, seg.ir[k]["name"], seg.ir[k], None)
        return j + 3, None
    return j + 1, _emit_folded(blk, name, e, seg.first + j, insn_pc)


#: the most instructions of a loop emitted twice (_twice)
_TWICE_MOST = 12


def _twice(blk, seg: _Seg):
    """(instructions, memory accesses) of a turn of loop `seg`, when it is
    emitted as two turns with one budget check (level 2), else None: a small
    loop of its own (its branch back to its start its last instruction, its
    accounting unit itself alone, left for the start of another unit or out
    of the region), entered nowhere in its middle, with no F/D instruction (so
    no NaN check is pending between its turns) and no vector form; not
    first-tier code's head (its tier-up check)."""
    if not blk.fold or seg.skip or seg.hammock is not None or seg.last not in _BRANCH \
            or seg.k > _TWICE_MOST or seg.k < len(seg.ir) - 1 \
            or int(seg.ir[seg.k - 1]["imm"]) & 0xFFFFFFFFFFFFFFFF != seg.pc \
            or seg.first not in blk.unit_starts \
            or blk.unit_end[seg.first] != seg.first + seg.k \
            or (seg.first == 0 and blk.countdown) \
            or any(inner.seg is seg for inner in blk.inner.values()) \
            or any(_F_SLOTS.get(int(e["op"])) for e in seg.ir[:seg.k]) \
            or (blk.vectorize and _vector_form(seg) is not None):
        return None
    out = seg.end_pc
    if not blk.leaves(out) and (out not in blk.segs or blk.segs[out].first not in blk.unit_starts):
        return None
    return seg.k, sum(blk.mem_ops[seg.first:seg.first + seg.k])


def _resume_here(blk) -> int:
    """(Out of line, on the way out of a budget check that failed.) Tells the
    dispatcher where to come back in (rt->resume, its convention): the label
    returned, where the caller emits the way in. What the region knows of
    registers there holds on the way back, as they are as they were (vm_run
    checks)."""
    a = blk.a
    entry = a.label()
    a.emit(_rt(R.RCX), True)
    a.emit(X.create_reg_mem(Code.LEA_R64_M, R.RDX, M(R.RIP, displ=entry)), True)
    a.emit(X.create_mem_reg(Code.MOV_RM64_R64, M(R.RCX, displ=_L["rt_resume"]), R.RDX), True)
    a.emit(X.create_mem_u32(Code.MOV_RM32_IMM32, M(R.RCX, displ=_L["rt_resume_abi"]), blk.abi),
           True)
    return entry


def _emit_folded(blk, name: str, e, i: int, insn_pc: int):
    """_emit, or at level 2 the result's constant when its operands are known
    ones; then what is known of registers (constants, reach) follows it."""
    value = _fold(blk, name, e) if blk.fold else None
    if value is not None:  # constant folding: the result is known at compile time
        _set_const(blk, e["rd"], value)
        end = None
    else:
        end = _emit(blk, name, e, i, insn_pc, insn_pc + int(e["len"]))
    _known_after(blk, name, e, value)
    return end


def _known_after(blk, name: str, e, value):
    """What is known of registers (constants, reach) after instruction e, whose
    result is `value` if known."""
    if blk.reached and "rd" in _X_SLOTS.get(e["op"], ()):
        _moved_reach(blk.reached, name, e)
    if blk.fold and "rd" in _X_SLOTS.get(e["op"], ()):
        if value is None and name in ("lui", "auipc"):
            value = e["imm"] & _MASK
        elif value is None and name in ("jal", "jalr"):  # (the link: a return finds it)
            value = (blk.seg.pc + int(e["pc_off"]) + int(e["len"])) & _MASK
        span = _range_after(blk, name, e) if value is None else None
        if value is None:
            blk.consts.pop(e["rd"], None)
        else:
            blk.consts[e["rd"]] = value
        if span is None:
            blk.ranges.pop(e["rd"], None)
        else:
            blk.ranges[e["rd"]] = span


#: a comparison made quietly -> the setcc of its result (flt and fle compared
#: b with a: unordered gives 0)
_QUIET_SET = {f"{op}.{p}": code for p in ("d", "s")
              for op, code in (("feq", Code.SETE_RM8), ("flt", Code.SETA_RM8),
                               ("fle", Code.SETAE_RM8))}


def _pair(seg, j: int, first: str, second: str):
    """Instructions j and j+1 of seg when they are `first` then `second`, both
    compiled there (not a hammock's branch), else None: a pair done as one."""
    if j + 2 > seg.k - (seg.hammock is not None):
        return None
    a, b = seg.ir[j], seg.ir[j + 1]
    return (a, b) if a["name"] == first and b["name"] == second else None


def _scaled_add(blk, seg, j: int):
    """(rd, base, index, shift) when instructions j and j+1 of seg are `slli rd,
    index, shift` (shift 1-3) and `add rd, rd, base` (or `add rd, base, rd`):
    an array element's address (RV64GC has no sh3add), computed by one lea,
    as x86 compilers do, when index and base are in host registers and not
    known constants (folding does those); else None."""
    pair = _pair(seg, j, "slli", "add")
    if pair is None:
        return None
    first, second = pair
    rd, index, shift = first["rd"], first["rs1"], first["imm"]
    if not (0 < rd < 32 and 1 <= shift <= 3 and second["rd"] == rd) or \
            rd not in (second["rs1"], second["rs2"]):
        return None
    base = second["rs2"] if second["rs1"] == rd else second["rs1"]
    alloc, consts = blk.alloc, blk.consts
    if base == rd or alloc.get(index) is None or alloc.get(base) is None or \
            index in consts or base in consts or seg.pc + second["pc_off"] in blk.inner:
        return None
    return rd, base, index, shift


def _emit_scaled_add(blk, rd: int, base: int, index: int, shift: int):
    """rd = base + (index << shift), _scaled_add's two instructions."""
    dst = _dest(blk, rd)
    blk.a.emit(X.create_reg_mem(Code.LEA_R64_M, dst,
                                M(blk.alloc[base], blk.alloc[index], 1 << shift)))
    _store(blk, rd, dst)


def _zero_extension(blk, seg, j: int):
    """(keep, rs) when instructions j and j+1 of seg are `slli rd, rs, 32` and
    `srli rd2, rd, k`: the low 32 bits of rs zero-extended, shifted (RV64GC's
    zext.w, k = 32, and an unsigned int's scaled index, as `(x << 32) >> 29`; it
    has no add.uw), done from rs by one 32-bit move and a shift, not two shifts
    in a row (zlib's longest_match walks its chains so). keep: rd is not rd2,
    so it is set too (rd not rs). None otherwise, or where rs is a known
    constant (folding does those) or something jumps to the second."""
    pair = _pair(seg, j, "slli", "srli")
    if pair is None:
        return None
    first, second = pair
    rd, rs, rd2 = first["rd"], first["rs1"], second["rd"]
    if first["imm"] != 32 or not 0 < rd < 32 or second["rs1"] != rd or \
            not 0 < rd2 < 32 or not 1 <= second["imm"] <= 63 or rs in blk.consts or \
            seg.pc + second["pc_off"] in blk.inner or (rd != rd2 and rd == rs):
        return None
    return rd != rd2, rs


def _emit_zero_extension(blk, second, rs: int):
    """rd2 = zero-extended low 32 bits of rs, shifted: _zero_extension's srli."""
    rd2, k = second["rd"], int(second["imm"])
    dst = _dest(blk, rd2)
    low = _LOW32[dst]
    src = blk.src(rs, 32) if rs else None
    if src == low and blk.a.drop_sign_extension(dst):  # (rs computed just now by a
        pass                                           # 32-bit operation, its upper half clear)
    elif rs:  # (a move even from dst's own register: it clears the upper half)
        blk.a.emit(_op(Code.MOV_R32_RM32, low, src))
    else:
        blk.a.emit(X.create_reg_reg(Code.XOR_R32_RM32, low, low))
    if k != 32:
        blk.a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8 if k > 32 else Code.SHL_RM64_IMM8, dst,
                                    abs(k - 32)))
    _store(blk, rd2, dst)


def _quiet_compare(blk, seg, j: int) -> bool:
    """Whether instructions j..j+2 of seg are `frflags t; f{eq,lt,le}.{d,s} r, a, b;
    fsflags t`: a quiet comparison (glibc's isless and the like: C's sqrt checks
    its argument so), which leaves fflags as they were and t holding them."""
    if j + 3 > seg.k - (seg.hammock is not None):
        return False
    first, cmp, last = seg.ir[j], seg.ir[j + 1], seg.ir[j + 2]
    t = first["rd"]
    return (first["name"] == "csrrs" and first["aux"] == _FFLAGS and first["rs1"] == 0
            and 0 < t < 32 and cmp["name"] in _QUIET_SET
            and cmp["rd"] != t and last["name"] == "csrrw" and last["aux"] == _FFLAGS
            and last["rd"] in (0, 32) and last["rs1"] == t
            and not any(seg.pc + seg.ir[k]["pc_off"] in blk.inner for k in (j + 1, j + 2)))


def _emit_quiet_compare(blk, first, cmp):
    """A _quiet_compare's three instructions: t = the flags (those in fcsr and
    those MXCSR has gathered since: _emit_fflags's, without the fold, which
    needs a slow ldmxcsr); then the comparison made quietly (ucomisd: no flag
    but for an sNaN), and fflags left alone (fsflags would set them to t,
    which they are). A NaN operand, unordered (rare: out of line): MXCSR back
    as it was before the comparison (the sNaN's invalid-operation flag gone,
    as fsflags would drop it), and the result 0, as for any NaN."""
    a = blk.a
    name, rd, rs1, rs2 = cmp["name"], cmp["rd"], cmp["rs1"], cmp["rs2"]
    fcsr, scratch = M(CPU, displ=_L["cpu_fcsr"]), M(R.RSP, displ=-8)  # (the red zone)
    unordered, back = a.label(), a.label()
    for insn in [X.create_mem(Code.STMXCSR_M32, scratch),
                 X.create_reg_mem(Code.MOV_R32_RM32, R.EAX, scratch)] + _host_fflags(blk) + [
                 X.create_reg_mem(Code.MOV_R32_RM32, R.ECX, fcsr),
                 X.create_reg_u32(Code.AND_RM32_IMM32, R.ECX, 0x1F),
                 X.create_reg_reg(Code.OR_R32_RM32, R.EAX, R.ECX),
                 blk.write_rd(first["rd"])]:
        a.emit(insn)
    # (as _emit_fp's: flt and fle written b > a and b >= a)
    x, y = (rs1, rs2) if name.startswith("feq") else (rs2, rs1)
    if name.endswith(".s"):  # (unboxed: an operand not NaN-boxed is the canonical NaN)
        _unbox_s(blk, R.XMM0, x)
        _unbox_s(blk, R.XMM1, y)
        a.emit(X.create_reg_reg(Code.XOR_R32_RM32, R.EAX, R.EAX))
        a.emit(X.create_reg_reg(Code.UCOMISS_XMM_XMMM32, R.XMM0, R.XMM1))
    else:
        a.emit(X.create_reg_reg(Code.XOR_R32_RM32, R.EAX, R.EAX))
        a.emit(blk.xmm_from_f(R.XMM0, x))
        a.emit(_op(Code.UCOMISD_XMM_XMMM64, R.XMM0, blk.fsrc(y)))
    a.emit(X.create_branch(Code.JP_REL32_64, unordered))
    a.emit(X.create_reg(_QUIET_SET[name], R.AL))
    a.bind(back)
    a.emit(blk.write_rd(rd))
    a.emit(X.create_mem(Code.LDMXCSR_M32, scratch), True, label=unordered)
    a.emit(X.create_branch(Code.JMP_REL32_64, back), True)


#: an if-converted hammock: at most this many instructions
_HAMMOCK_MAX = 3
#: where a hammock is computed (no template of _PURE_INTEGER uses rdx)
_HAMMOCK_REG = R.RDX


def _hammocks(segs, blk):
    """Marks the branches that skip a few integer instructions writing one
    register (a hammock: `if (x & 1) crc ^= poly`, a max) for if-conversion:
    the instructions are computed aside, in rdx, and a conditional move on the
    branch's condition keeps or drops the result, and gives back the skipped
    instructions' count, where a branch taken half the time at random would be
    mispredicted half the time (gcc does this on x86; a RISC-V compiler, without
    conditional moves, cannot). The hammock is the start of the next segment,
    entered only by falling into it; the branch lands after it (in the middle of
    that segment, or at the start of the one after). Not where a load's address
    is the hammock's result (_feeds_a_load): a tree's descent, `p = key < p->key
    ? p->left : p->right` as a RISC-V compiler writes it, where the branch lets
    the CPU start the next load before the compare is done (a conditional move
    has it wait for the key's load every step; LLVM's x86 cmov conversion makes
    the same choice)."""
    at = {seg.pc: seg for seg in segs}
    for s, n in zip(segs, segs[1:]):
        # (n starts no accounting unit: it is entered only by falling out of s)
        if s.last not in _BRANCH or s.k != len(s.ir) - 1 or s.end_pc != n.pc or \
                n.first in blk.unit_starts:
            continue
        target = s.targets[0]
        inner = blk.inner.get(target)
        if inner is not None and inner.seg is n:
            size = inner.j
        elif target == n.end_pc and n.k == len(n.ir) - 1 and n.last not in _JUMPS:
            size = n.k
        else:
            continue
        body = n.ir[:size]
        rd = int(body[0]["rd"])
        if not 0 < size <= _HAMMOCK_MAX or not 0 < rd < 32 or any(
                int(e["rd"]) != rd or e["name"] not in _PURE_INTEGER for e in body) or \
                any(n.pc + int(e["pc_off"]) in blk.inner for e in body[1:]):
            continue
        after = n.ir[size:n.k] if size < n.k else at[target].ir if target in at else ()
        if _feeds_a_load(after, rd):
            continue
        s.hammock, n.skip = (rd, size), size


def _feeds_a_load(entries, rd: int) -> bool:
    """Whether register rd, as it is before `entries` (IR entries run in turn),
    is the address register of a load among them before one writes rd or jumps."""
    for e in entries:
        name = e["name"]
        if name in _LOADS or name in _FP_LOADS:
            if int(e["rs1"]) == rd:
                return True
        if name is None or name in _JUMPS or (
                int(e["rd"]) == rd and "rd" in _X_SLOTS[int(e["op"])]):
            return False
    return False


def _emit_hammock(blk, n: _Seg):
    """The hammock that starts segment n, computed in rdx (as if rdx were its
    register), before the branch that skips it: what is known of registers
    after it is left as before it."""
    a = blk.a
    rd, size = blk.seg.hammock
    consts, ranges, reached = dict(blk.consts), dict(blk.ranges), dict(blk.reached)
    host = blk.alloc.get(rd)
    first = n.ir[0]
    if any(int(first[slot]) == rd for slot in _X_SLOTS[int(first["op"])] if slot != "rd"):
        _load(blk, _HAMMOCK_REG, rd)  # (it reads rd before writing it)
    blk.alloc[rd] = _HAMMOCK_REG
    a.keep = len(a.hot)  # (a constant set before it is not rd's)
    for j, e in enumerate(n.ir[:size]):
        _emit_folded(blk, e["name"], e, n.first + j, n.pc + int(e["pc_off"]))
    a.keep = 0
    if host is None:
        del blk.alloc[rd]
    else:
        blk.alloc[rd] = host
    blk.consts, blk.ranges, blk.reached = consts, ranges, reached


def _select(blk, n: _Seg, jcc):
    """After the compare of a branch over hammock n (taken: skipped): rd takes
    rdx's value if not taken; if taken, the hammock's instructions, charged with
    the unit, are given back."""
    a = blk.a
    rd, size = blk.seg.hammock
    host = blk.alloc.get(rd)
    if host is not None:
        a.emit(X.create_reg_reg(_CMOV[_NEGATED[jcc]], host, _HAMMOCK_REG))
    else:
        a.emit(X.create_reg_mem(_CMOV[jcc], _HAMMOCK_REG, xreg(rd)))
        a.emit(X.create_mem_reg(Code.MOV_RM64_R64, xreg(rd), _HAMMOCK_REG))
    after, mem_after = blk.unit_rest(blk.seg.first + blk.seg.k)
    rest, mem = blk.unit_rest(n.first + size, n)
    a.emit(X.create_reg_mem(Code.LEA_R64_M, R.RCX,
                            M(BUDGET, displ=_charge(after - rest, mem_after - mem))))
    a.emit(X.create_reg_reg(_CMOV[jcc], BUDGET, R.RCX))
    blk.consts.pop(rd, None)
    blk.ranges.pop(rd, None)
    blk.reached.pop(rd, None)


_HOSTS = (R.RBP, R.R8, R.R9, R.R11, R.R13, R.RSI, R.RDI, R.R10, R.R15)  # guest registers' host registers
_VECTOR_SCRATCH = R.R10  # (level 3's vector loops use it: not for guest registers in their regions)


def _loop_weights(n_segs: int, loops: list) -> list:
    """Per segment: 8 ** the number of loops it is inside (a loop: its head
    segment and the last that jumps back to it; at most 3 deep counted), so
    an inner loop's registers win over the loops around it."""
    last = {}
    for lo, m in loops:
        last[lo] = max(m, last.get(lo, m))
    return [8 ** min(3, sum(lo <= n <= m for lo, m in last.items())) for n in range(n_segs)]


def _uses(segs, loops: list, slots: dict) -> dict:
    """Register -> its uses in the region (the IR `slots` of each op that name
    one), each counted with its segment's _loop_weights."""
    uses: dict = {}
    for seg, weight in zip(segs, _loop_weights(len(segs), loops)):
        for e in seg.ir[:seg.k]:
            for slot in slots.get(int(e["op"]), ()):
                r = int(e[slot])
                uses[r] = uses.get(r, 0) + weight
    return uses


def _allocate(segs, std: dict, loops: list, hosts=_HOSTS) -> dict:
    """Guest register -> host register for the compiled body: the most used
    guest registers (used at least twice, or at all in a loop; a use counts
    8 for each loop it is inside, _loop_weights), the ones the convention `std`
    already holds keeping their host registers (straight-line code keeps the
    convention's, and adds others in hosts it leaves free). loops: (n, m) where
    segment m jumps back into segment n <= m (segments n..m are in a loop)."""
    loop = bool(loops)
    uses = {r: n for r, n in _uses(segs, loops, _X_SLOTS).items() if 0 < r < 32}
    if std and not loop:  # straight-line code: the convention, and in the host registers
        alloc = dict(std)  # it leaves free the most used others (loaded once, not each use)
        spare = [h for h in hosts if h not in std.values()]
        others = sorted((r for r, n in uses.items() if n >= 2 and r not in std),
                        key=lambda r: (-uses[r], r))
        alloc.update(zip(others, spare))
        return alloc
    least = 1 if loop else 2
    ranked = sorted((r for r, n in uses.items() if n >= least),
                    key=lambda r: (-uses[r], r not in std, r))[:len(hosts)]
    alloc = {r: std[r] for r in ranked if r in std}
    free = [h for h in hosts if h not in alloc.values()]
    for r in ranked:
        if r not in alloc:
            alloc[r] = free.pop(0)
    return alloc


#: guest f registers' host registers (xmm0 and xmm1 are the templates' scratch)
_FHOSTS = tuple(getattr(R, f"XMM{n}") for n in range(2, 16))
_FHOST_SET = frozenset(_FHOSTS)


def _in_xmm(where) -> bool:
    """Whether an f register's place (an xmm register or its cpu slot) is an xmm
    register. (Not `in _FHOSTS`: iced-x86's MemoryOperand compared with an int
    takes ~1 us, 14 of them a store from a cpu slot 12 us.)"""
    return not isinstance(where, M) and where in _FHOST_SET


def _allocate_f(segs, loops: list) -> dict:
    """Guest f register -> xmm register for the compiled body, as _allocate
    does for integer registers: the most used ones (used at least twice, or
    at all in a loop). None in a region with an F/D instruction without a
    template (it calls the interpreter's definition) or a frm/fcsr access:
    C clobbers every xmm register, so each such call would write them all
    back and load them again."""
    for seg in segs:
        for e in seg.ir[:seg.k]:
            name = e["name"]
            if (name in _CSR and int(e["aux"]) != _FFLAGS) or \
                    (name in _FP_HELPER and not _native_fp(name, e)):
                return {}
    uses = _uses(segs, loops, _F_SLOTS)
    least = 1 if loops else 2
    ranked = sorted((r for r, n in uses.items() if n >= least), key=lambda r: (-uses[r], r))
    return dict(zip(ranked, _FHOSTS))


#: (level 2) what a straight run of local allocation may hold (_Local): integer
#: arithmetic, integer loads and stores. Their only ways out of line are an
#: access's slow path and its fault, which put the region's allocation back first
#: (_call_access, _Block.leave_early).
_RUN_NAMES = frozenset((_PURE_INTEGER - M_OUT_OF_LINE) | set(_LOADS) | set(_STORES))
_RUN_MIN = 6  # shorter runs keep the region's allocation
_FAR = 1 << 30  # (a next read that never comes)


def _runs(blk, seg) -> dict:
    """(level 2) First index -> end (exclusive) of each run of seg's instructions
    in _RUN_NAMES at least _RUN_MIN long that nothing enters but at its start
    (blk.inner)."""
    runs, start = {}, None
    for j in range(seg.skip, seg.k + 1):
        e = seg.ir[j] if j < seg.k else None
        fits = e is not None and e["name"] in _RUN_NAMES
        if start is not None and (not fits or seg.pc + int(e["pc_off"]) in blk.inner):
            if j - start >= _RUN_MIN:
                runs[start] = j
            start = None
        if fits and start is None:
            start = j
    return runs


def _beyond(blk, ops: list) -> bool:
    """Whether a run's instructions (their _accesses) name more than _RUN_MIN/2
    registers the region keeps in the cpu struct (else a run's own allocation
    cannot do much better)."""
    out = set()
    for reads, write in ops:
        out |= reads
        if write is not None:
            out.add(write)
    return len(out - blk.alloc.keys()) > _RUN_MIN // 2


def _accesses(e) -> tuple:
    """(guest registers instruction e reads, the one it writes or None): x1-x31."""
    reads, write = set(), None
    for slot in _X_SLOTS.get(int(e["op"]), ()):
        r = int(e[slot])
        if 0 < r < 32:
            if slot == "rd":
                write = r
            else:
                reads.add(r)
    return reads, write


class _Local:
    """(level 2) Local register allocation over a straight run of a segment
    (_runs), on top of the region's: where a run names more guest registers
    than there are host registers (unrolled hashing and compression code
    names 20-30), the region's allocation leaves most of them in the cpu
    struct, each use a memory access. Here, before each instruction, a guest
    register it uses that is read again later in the run takes a host
    register: a free one, or that of the register read again last (Belady's
    choice: a value written over before it is read again is read never),
    written back first if it was changed. At the run's end the region's
    allocation is put back (a region register counts as read there). A way
    out of line inside the run (an access's slow path, a fault) puts it back
    before it leaves and, where it comes back, the run's again.

    Used where it takes fewer memory accesses than the region's allocation
    alone, by a count of the same choices (_Local.plan)."""

    def __init__(self, blk, ops: list, start: int, end: int):
        """ops: the _accesses of the run's instructions, start..end of its segment."""
        self.region = blk.alloc
        self.hosts = blk.hosts
        self.start, self.end = start, end
        self.ops = ops
        n = self.n = end - start
        # guest register -> its accesses in order, 2 * position + 1 for a read,
        # 2 * position for a write alone; a region register is read at the end
        events: dict = {}
        for q in range(n):
            reads, write = ops[q]
            for r in reads:
                events.setdefault(r, []).append(2 * q + 1)
            if write is not None and write not in reads:
                events.setdefault(write, []).append(2 * q)
        for r in self.region:
            events.setdefault(r, []).append(2 * n + 1)
        self.events = events
        self.clean = blk.clean
        self.home = {h: r for r, h in self.region.items()}  # host register -> region's
        self.reset()

    def reset(self):
        self.alloc = dict(self.region)
        self.dirty = set(self.region) - self.clean
        self.fresh = set()  # given a host register, not yet written there

    def read_after(self, r, p):
        """Where the value guest register r holds after position p is next read
        (_FAR: never, written over first or not used again)."""
        events = self.events.get(r)
        if events is None:
            return _FAR
        k = bisect_right(events, 2 * p + 1)
        if k == len(events) or not events[k] & 1:
            return _FAR
        return events[k] >> 1

    def prepare(self, p):
        """The moves before the instruction at run position p (and the one after
        it, which may be done with it as one): its guest registers that are read
        again take host registers. Updates the allocation; marks what is
        loaded clean."""
        ops, alloc = self.ops, self.alloc
        last = p + 1 if p + 1 < self.n else p
        used = set(ops[p][0]) | set(ops[last][0])
        for q in (p, last):
            if ops[q][1] is not None:
                used.add(ops[q][1])
        moves = []
        for wanted, r in sorted([(self.read_after(r, last), r) for r in used if r not in alloc]):
            if wanted == _FAR:
                break  # (this one and the rest used here only: straight from their cpu slots)
            taken = set(alloc.values())
            host = None
            for h in self.hosts:
                if h not in taken:
                    host = h
                    break
            if host is None:
                victim, far = None, -1
                for g in alloc:
                    if g not in used:
                        at = self.read_after(g, last)
                        if at > far:
                            victim, far = g, at
                if victim is None or far <= wanted:
                    break  # (the rest are read later still)
                host = alloc.pop(victim)
                if victim in self.dirty:
                    moves.append(X.create_mem_reg(Code.MOV_RM64_R64, xreg(victim), host))
                    self.dirty.discard(victim)
            alloc[r] = host
            if r in ops[p][0] or (r != ops[p][1] and r in ops[last][0]):  # (read before written)
                moves.append(X.create_reg_mem(Code.MOV_R64_RM64, host, xreg(r)))
            else:  # written first: until then its host register holds nothing of it
                self.fresh.add(r)
        return moves

    def written(self, p):
        """After the instruction at run position p: what it wrote is changed."""
        write = self.ops[p][1]
        if write is not None and write in self.alloc:
            self.dirty.add(write)
            self.fresh.discard(write)

    def to_region(self, cold=True):
        """Moves from the run's allocation back to the region's: the changed
        registers written back, the region's loaded. Out of line (cold), on the
        way to an epilogue or the thunk into C, which write back the region's
        registers but those it never writes (blk.clean, their cpu slots holding
        their values; the thunk loads them all after the call), those are not
        loaded."""
        # (a register not yet written into the host register it was given, which
        # holds nothing of it, is where the cpu struct has it: a fault before
        # the write leaves it so)
        held = {r: h for r, h in self.alloc.items() if r not in self.fresh}
        moves = _moves(self.region, held, set(held) - self.dirty)
        if cold:
            moves = [insn for insn in moves if insn.op0_kind != OpKind.REGISTER
                     or self.home.get(insn.op0_register) not in self.clean]
        return moves

    def from_region(self):
        """Moves from the region's allocation (its registers as the cpu struct
        has them) to the run's."""
        return _moves(self.alloc, self.region, set(self.region))

    def plan(self):
        """Whether the run takes fewer memory accesses with local allocation:
        a count of what each would read and write in the cpu struct (each
        instruction taken alone), then the state reset."""
        static = local = 0
        for p in range(self.n):
            static += _cpu_refs(self.region, self.ops[p])
            local += len(self.prepare(p)) + _cpu_refs(self.alloc, self.ops[p])
            self.written(p)
        local += len(self.to_region(cold=False))
        self.reset()
        return local + 2 < static


def _cpu_refs(alloc: dict, ops: tuple) -> int:
    """How many of an instruction's register operands (_accesses) are in the cpu
    struct under allocation `alloc`."""
    reads, write = ops
    n = 0 if write is None or write in alloc else 1
    for r in reads:
        if r not in alloc:
            n += 1
    return n


def _written(segs, slots: dict) -> set:
    """The registers of the class whose IR slots are `slots` (_X_SLOTS, _F_SLOTS)
    that the region writes."""
    return {int(e["rd"]) for seg in segs for e in seg.ir[:seg.k]
            if "rd" in slots.get(int(e["op"]), ())}


def _moves(to: dict, frm: dict, clean=frozenset()) -> list:
    """Instructions changing the host-held registers from convention `frm` to `to`:
    registers leaving host registers are written back (but those in `clean`,
    whose cpu slots hold their values), the arriving ones loaded. (Copies of
    those made for the same conventions before: a region has the same moves at
    each of its exits and in its thunk, and copying an instruction takes a
    sixth of the time making it does.)"""
    if to == frm:
        return []
    key = (tuple(to.items()), tuple(frm.items()),
           clean if type(clean) is frozenset else frozenset(clean))
    made = _MOVES.get(key)
    if made is None:
        if len(_MOVES) >= _MOVES_MAX:
            _MOVES.clear()
        made = _MOVES[key] = [X.create_mem_reg(Code.MOV_RM64_R64, xreg(r), h)
                              for r, h in sorted(frm.items())
                              if to.get(r) != h and r not in clean] + \
            [X.create_reg_mem(Code.MOV_R64_RM64, h, xreg(r))
             for r, h in sorted(to.items()) if frm.get(r) != h]
    return [insn.copy() for insn in made]


#: _moves' instructions by the conventions they are between (at most this many kept)
_MOVES: dict = {}
_MOVES_MAX = 4096


def _give_back(n: int, m: int) -> list:
    """Instructions giving n instructions back to the budget and taking m
    memory accesses off the count (what was charged and will not run)."""
    return [X.create_reg_i32(Code.ADD_RM64_IMM32, BUDGET, _charge(n, m))] if n or m else []


class _Inner(NamedTuple):
    """Where a branch of the region lands in the middle of one of its segments:
    instruction j of seg, at label (entered with the budget and counts of the
    rest of its accounting unit taken there: _Block.goto)."""
    seg: _Seg
    j: int
    label: int


class _Block:
    """What the emitters of one region share: its assembler, labels and exits."""

    def __init__(self, a, entries, mem_ops, chain):
        self.a, self.ir, self.mem_ops, self.chain = a, entries, mem_ops, chain
        self.epilogue = a.label()      # returns from the body (its registers written back)
        self.std_epilogue = a.label()  # returns from the convention's registers
        self.std = {}    # the register convention between blocks (level 2: REG_MAP)
        self.alloc = {}  # guest register -> host register in the body
        self.hosts = _HOSTS  # the host registers it may use
        self.local = None  # (level 2) the _Local of the run being emitted, if any
        self.clean = frozenset()  # those of alloc loaded from their cpu slots and not written
        self.falloc = {}  # guest f register -> xmm register in the body (none between blocks)
        self.fwritten = []  # the ones of falloc the body writes
        self.segs = {}   # guest pc -> _Seg of the region's blocks
        self.seg = None  # the one being emitted
        self.slots = 0   # link slots given to exits so far
        self.data = []   # (label, bytes) placed after the code: IR entries, access descriptors
        self.marks = []  # (access, slow): labels of an access without a check and of
        #                  where it goes when refused (listed after the data: vm_code_mark)
        self.binds = []  # labels just after each `mov rcx, slot` of a direct exit, whose
        #                  imm64 the installer makes the slot's address (vm_code_bind)
        self.fflags_table = None  # label of its _MXCSR_TO_FFLAGS in data, once used
        self.thunk_label = None  # the call into C helpers, when one is used
        self.access_thunk_label = None  # the same for slow-path accesses
        self.links = {}  # "indirect" -> the region's way out through a link slot (a
        #                  direct exit's is its slot's: vm_jit_unlinked)
        self.countdown = False  # first-tier code: counts down to its tier-up
        self.first_turn = False  # emitting the first of a loop's two turns (_twice)
        self.block_slot = a.label()  # the pointer to its vm_block, after the code
        self.fold = False  # (level 2) constant folding
        self.vectorize = False  # (level 3) fill loops as vector stores
        self.pause = None  # called before each guest instruction (compile_ir's pause)
        self.viewed = True      # accesses go through the view, the host MMU checking them
        self.consts = {}   # guest register -> value known at this point of the segment
        self.ranges = {}   # guest register -> (lo, hi): its signed value known to lie in [lo, hi]
        self.reached = {}  # guest register r -> (lo, hi): r + some off in [lo, hi] was
        #                    just accessed or checked (_fast_access, _loop_prechecks)
        self.nan_pending = None  # an xmm register whose NaN check waits to be paired (_nan_later)
        self.inner = {}    # guest pc -> _Inner: branches of the region go on there
        #: (level 2) segment or loop head pc -> registers written on the way back to it
        self.carried = {}  # (_carried)
        self.unit_end = {}  # segment's first flat index -> where its accounting unit ends
        self.unit_starts = {0}  # first flat index of each unit
        self.loop_heads = set()  # pcs of the segments loops jump back to
        #: loop head's pc -> the loop's segments, for loops whose segments after
        #: the first are entered only by falling in (one way round, side exits
        #: aside), and that only their last jumps back to
        self.straight_loops = {}

    def far_jump(self, label: int, stub):
        """At `label` (out of line): a jump to the shared code `stub` (_STUB_NAMES)."""
        self.a.emit(X.create_mem(Code.JMP_RM64, _stub(stub)), True, label=label)

    def unit_rest(self, i: int, seg=None) -> tuple:
        """(instructions, memory accesses) from flat index i to the end of the
        unit of `seg` (default: the one being emitted): charged at the unit's start.
        (In the first of a loop's two turns, _twice, the second's too.)"""
        seg = seg or self.seg
        return self._rest(i, seg, seg is self.seg and self.first_turn)

    def unit_charge(self, seg) -> tuple:
        """What the budget check at the start of unit `seg` takes: the unit, and
        a second turn of a loop emitted twice."""
        return self._rest(seg.first, seg, bool(seg.twice))

    def _rest(self, i: int, seg, twice: bool) -> tuple:
        """(instructions, memory accesses) from flat index i to the end of seg's
        unit, and (twice) a second turn of it."""
        end = self.unit_end[seg.first]
        n, m = end - i, sum(self.mem_ops[i:end])
        return (n + seg.twice[0], m + seg.twice[1]) if twice else (n, m)

    def refund(self, cold=False):
        """Gives back the budget and counts of what comes after this segment in
        its unit (a branch that leaves it here)."""
        for insn in _give_back(*self.unit_rest(self.seg.first + self.seg.k)):
            self.a.emit(insn, cold)

    def charge_into(self, seg) -> bool:
        """A jump to the start of unit `seg` whose label is its budget check:
        this unit's give-back and that unit's charge in one sub (each is on r14's
        chain), then past the check; a short budget goes where seg's check would
        send it, r14 as that check leaves it. False where the jump is not that."""
        if seg.charged is None or self.seg_label(seg.pc) not in (seg.top, seg.body) \
                or (seg.first == 0 and self.countdown):
            return False
        back, mem_back = self.unit_rest(self.seg.first + self.seg.k)
        net = _charge(*self.unit_charge(seg)) - _charge(back, mem_back)
        a = self.a
        if net > 0:
            a.emit(X.create_reg_i32(Code.SUB_RM64_IMM32, BUDGET, net))
            a.emit(X.create_branch(Code.JB_REL32_64, seg.short))
        elif net < 0:
            a.emit(X.create_reg_i32(Code.ADD_RM64_IMM32, BUDGET, -net))
        a.emit(X.create_branch(Code.JMP_REL32_64, seg.charged))
        return True

    def load_block(self):
        """rcx = this code's vm_block (from the pointer after the code)."""
        return X.create_reg_mem(Code.MOV_R64_RM64, R.RCX, M(R.RIP, displ=self.block_slot))

    def thunk(self) -> int:
        if self.thunk_label is None:
            self.thunk_label = self.a.label()
        return self.thunk_label

    def access_thunk(self) -> int:
        if self.access_thunk_label is None:
            self.access_thunk_label = self.a.label()
        return self.access_thunk_label

    def src(self, i, bits: int = 64):
        """Where guest register i is now: its host register or its cpu slot."""
        host = self.alloc.get(int(i))
        if host is None:
            return xreg(i)
        return host if bits == 64 else _LOW32[host]

    @property
    def abi(self) -> int:
        return ABI_REG_MAP if self.std else ABI_MEMORY

    def write_rd(self, rd, src=R.RAX):
        """The instruction that sets guest register rd from a host register."""
        host = self.alloc.get(int(rd))
        if host is None:
            return X.create_mem_reg(Code.MOV_RM64_R64, xreg(rd), src)
        return X.create_reg_reg(Code.MOV_R64_RM64, host, src)

    def spill(self, alloc=None):
        """Instructions writing the host-held guest registers back to the cpu struct."""
        return _moves({}, self.alloc if alloc is None else alloc, self.clean)

    def reload(self):
        return _moves(self.alloc, {})

    def fsrc(self, i):
        """Where guest f register i is: its xmm register or its cpu slot."""
        return self.falloc.get(int(i)) or freg(i)

    def fspill(self):
        """Instructions writing the xmm-held f registers the body changes back."""
        return [X.create_mem_reg(Code.MOVSD_XMMM64_XMM, freg(r), self.falloc[r])
                for r in self.fwritten]

    def freload(self):
        return [X.create_reg_mem(Code.MOVSD_XMM_XMMM64, h, freg(r))
                for r, h in sorted(self.falloc.items())]

    def f_to(self, rd, src=R.XMM0):
        """The instruction setting guest f register rd from xmm register src."""
        host = self.falloc.get(int(rd))
        if host is None:
            return X.create_mem_reg(Code.MOVSD_XMMM64_XMM, freg(rd), src)
        return X.create_reg_reg(Code.MOVAPD_XMM_XMMM128, host, src)

    def f_from_gpr(self, rd, src=R.RAX):
        """The instruction setting guest f register rd from general register src."""
        host = self.falloc.get(int(rd))
        if host is None:
            return X.create_mem_reg(Code.MOV_RM64_R64, freg(rd), src)
        return X.create_reg_reg(Code.MOVQ_XMM_RM64, host, src)

    def xmm_from_f(self, dst, rs):
        """The instruction setting xmm register dst from guest f register rs."""
        host = self.falloc.get(int(rs))
        if host is None:
            return X.create_reg_mem(Code.MOVSD_XMM_XMMM64, dst, freg(rs))
        return X.create_reg_reg(Code.MOVAPD_XMM_XMMM128, dst, host)

    def loop_top(self, target: int):
        """The top of the loop a jump to `target` goes back to (its label), if it
        is a segment of the region emitted so far with one, else None."""
        seg = self.segs.get(target) if self.chain else None
        if seg is None or seg.top is None or seg.first > self.seg.first:
            return None
        return seg.top

    def seg_label(self, target: int):
        """The label a jump to the start of the region's segment at `target`
        goes to: the top of the loop it goes back round, else the segment's
        entry (its loop's pre-checks) or body; None if no segment starts there."""
        seg = self.segs.get(target)
        if self.loop_top(target) is not None:
            return seg.top
        return None if seg is None else seg.body if seg.entry is None else seg.entry

    def jump_label(self, target: int):
        """Where a jump to `target` goes when that jump is all goto does (to the
        start of a segment of the region, nothing of this unit to give back):
        a branch goes there itself. Else None."""
        if self.leaves(target) or self.unit_rest(self.seg.first + self.seg.k) != (0, 0):
            return None
        return self.seg_label(target)

    def leaves(self, target: int) -> bool:
        """Whether going to `target` leaves the region."""
        return not self.chain or (target not in self.segs and target not in self.inner)

    def goto(self, target: int, following=None):
        """Go on at guest pc `target`: into the segment emitted next, forward to a
        later one, into the middle of one (_Inner), round a loop inside the
        region (a jump back), or out through a link slot. (A run that must stop
        at the head block's end has a budget of just that block: the next
        unit's budget check ends it, or the head unit's, and the dispatcher
        interprets the block.)"""
        a = self.a
        if self.leaves(target):
            self.exit(target)
            return
        seg, inner = self.segs.get(target), self.inner.get(target)
        if seg is not None and seg is following:
            return  # (the rest of this unit, or the start of the next)
        if seg is not None:  # (round a loop, or the start of a unit: it charges its own)
            if not self.charge_into(seg):
                self.refund()
                a.emit(X.create_branch(Code.JMP_REL32_64, self.seg_label(target)))
            return
        # into the middle of a segment: the budget and counts of its unit's rest,
        # less what this unit's rest after this segment was charged
        rest, mem = self.unit_rest(inner.seg.first + inner.j, inner.seg)
        after, mem_after = self.unit_rest(self.seg.first + self.seg.k)
        if rest > after:
            short = a.label()
            a.emit(X.create_reg_i32(Code.SUB_RM64_IMM32, BUDGET,
                                    _charge(rest - after, mem - mem_after)))
            a.emit(X.create_branch(Code.JB_REL32_64, short))
            # (short: as before the sub, with this unit's rest given back)
            for k, insn in enumerate(_give_back(rest, mem)):
                a.emit(insn, True, label=short if k == 0 else None)
            a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, target), True)
            a.emit(X.create_branch(Code.JMP_REL32_64, self.epilogue), True)
        else:
            for insn in _give_back(after - rest, mem_after - mem):
                a.emit(insn)
        a.emit(X.create_branch(Code.JMP_REL32_64, inner.label))

    def exit(self, target, cold=False, linked=True):
        """Leave the region for `target` (None: already in rax), linked through the
        next free slot (linked=False: for the dispatcher, which was asked for).
        A direct exit jumps through its slot inline (`mov rcx, slot; mov eax,
        target; jmp [rcx]`: an unlinked slot leads to the shared way out,
        vm_jit_unlinked); an indirect one, whose table lookup missed, goes
        through the link code (target pc in rax, rcx = the slot)."""
        a = self.a
        self.refund(cold)
        kind = "direct" if target is not None else "indirect"
        if target is not None:
            target &= 0xFFFFFFFFFFFFFFFF
        set_target = [X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, target)] \
            if target is not None else []
        if not self.chain or not linked:
            for insn in set_target + [X.create_branch(Code.JMP_REL32_64, self.epilogue)]:
                a.emit(insn, cold)
            return
        # back to the convention between blocks (which holds no f register)
        for insn in _moves(self.std, self.alloc, self.clean) + self.fspill():
            a.emit(insn, cold)
        if kind == "indirect":
            miss = a.label()
            _table_jump(a, self.abi, miss, cold)
            a.bind(miss, cold=True)
            cold = True
        if self.slots == _L["chain_slots"]:  # none left: through the dispatcher, unlinked
            for insn in set_target + [X.create_branch(Code.JMP_REL32_64, self.std_epilogue)]:
                a.emit(insn, cold)
            return
        slot = _L["block_chain"] + _L["chain_slot_size"] * self.slots
        self.slots += 1
        if kind == "direct":  # into what the slot holds: the next block's code once linked,
            # else the convention's way out (vm_jit_unlinked), with rax the target and rcx
            # the slot (its offset in the vm_block, which the installer makes its address)
            if target < 1 << 32:  # (5 bytes, not 10)
                set_target = [X.create_reg_u32(Code.MOV_R32_IMM32, R.EAX, target)]
            bound = a.label()
            a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RCX, slot), cold)
            for k, insn in enumerate(set_target + [X.create_mem(Code.JMP_RM64, M(R.RCX))]):
                a.emit(insn, cold, label=bound if k == 0 else None)
            self.binds.append(bound)
            return
        if kind not in self.links:
            self.links[kind] = a.label()
        # rcx = this code's vm_block, then the slot (out of line: the table missed)
        a.emit(self.load_block(), cold)
        to_slot = [X.create_reg_i32(Code.ADD_RM64_IMM32, R.RCX, slot)]
        for insn in set_target + to_slot + [X.create_branch(Code.JMP_REL32_64, self.links[kind])]:
            a.emit(insn, cold)

    def leave_early(self, done: int, pc: int, raw=None, label=None):
        """Out of line: only `done` instructions ran; give the rest back and go on
        at pc (raw: the faulting instruction word, for cpu->fault_insn)."""
        # (the budget and counts went by unit; the epilogue writes host-held registers back)
        insns = _give_back(*self.unit_rest(done))
        if raw is not None:
            insns.append(X.create_mem_u32(Code.MOV_RM32_IMM32, M(CPU, displ=_L["cpu_fault_insn"]), raw))
        else:
            insns += [_rt(R.RAX),
                      X.create_mem_u32(Code.MOV_RM32_IMM32, M(R.RAX, displ=_L["rt_status"]), 0)]
        insns.append(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, pc & 0xFFFFFFFFFFFFFFFF))
        insns.append(X.create_branch(Code.JMP_REL32_64, self.epilogue))
        if self.local is not None:  # (the epilogue writes back the region's registers)
            insns = self.local.to_region() + insns
        for k, insn in enumerate(insns):
            self.a.emit(insn, True, label if k == 0 else None)


_ZERO_EXTENDING = (Code.MOVZX_R32_RM8, Code.MOVZX_R32_RM16, Code.MOV_R32_RM32)


def _emit_load(blk, e, i, insn_pc, size, widen_mem, widen_reg, write=None, box=False,
               into=None):
    """A load into guest register rd (or, given write(), into what the
    instruction write() makes stores from rax; `into`: straight into that
    xmm register, write() being for the slow path): inline fast path, C slow
    path out of line."""
    a = blk.a
    rd = int(e["rd"])
    dst = into if into is not None else R.RAX if write is not None else _dest(blk, rd)
    narrow = widen_mem in _ZERO_EXTENDING

    def finish():  # the loaded value -> its destination (fresh instructions for each path)
        if into is not None:
            return []
        if write is None:
            return [] if dst is not R.RAX else [blk.write_rd(rd)]
        boxing = [X.create_reg_u64(Code.MOV_R64_IMM64, R.RDX, BOX_S),  # singles are NaN-boxed
                  X.create_reg_reg(Code.OR_RM64_R64, R.RAX, R.RDX)] if box else []
        return boxing + [write()]

    def load(mem):
        a.emit(X.create_reg_mem(widen_mem, (_LOW32[dst] if narrow else dst), mem))

    slow, join = _fast_access(blk, e, size, PAGE_READ, load)
    for insn in finish():
        a.emit(insn)
    # out of line: the C slow path, then the same widening of its raw value
    a.bind(slow, cold=True)
    kind = _LOAD_F if write is not None else _LOAD_U if narrow else _LOAD_S
    _call_access(blk, e, i, insn_pc, size, kind)
    if widen_reg is not None:
        a.emit(X.create_reg_reg(widen_reg, R.EAX if widen_reg in _ZERO_EXTENDING else R.RAX,
                                _WIDE[size]), True)
    for insn in ([write()] if into is not None else [blk.write_rd(rd)] if dst is not R.RAX
                 else finish()):
        a.emit(insn, True)
    a.emit(X.create_branch(Code.JMP_REL32_64, join), True)


#: store size -> (the registers' views of that width (None: all 64 bits), the move)
_STORE_FORMS = {
    1: ({R.RCX: R.CL, R.RBP: R.BPL, R.R8: R.R8L, R.R9: R.R9L, R.R10: R.R10L, R.R11: R.R11L,
         R.R13: R.R13L, R.RSI: R.SIL, R.RDI: R.DIL, R.R15: R.R15L}, Code.MOV_RM8_R8),
    2: ({R.RCX: R.CX, R.RBP: R.BP, R.R8: R.R8W, R.R9: R.R9W, R.R10: R.R10W, R.R11: R.R11W,
         R.R13: R.R13W, R.RSI: R.SI, R.RDI: R.DI, R.R15: R.R15W}, Code.MOV_RM16_R16),
    4: ({R.RCX: R.ECX, **_R32}, Code.MOV_RM32_R32),
    8: (None, Code.MOV_RM64_R64)}


def _emit_store(blk, e, i, insn_pc, size, src):
    """A store of the low `size` bytes of `src` (a general register, an xmm
    register or memory: an f register's place): inline fast path, C slow path
    out of line."""
    a = blk.a
    if size == 8 and _in_xmm(src):  # straight from the xmm register
        slow, join = _fast_access(blk, e, size, PAGE_STORE,
                                  lambda mem: a.emit(X.create_mem_reg(Code.MOVSD_XMMM64_XMM, mem, src)))
        a.emit(_gpr_from(R.RCX, src), True, label=slow)
        _call_access(blk, e, i, insn_pc, size, _STORE, R.RCX)
        a.emit(X.create_branch(Code.JMP_REL32_64, join), True)
        return None
    low, code = _STORE_FORMS[size]

    value = src
    if isinstance(src, M) or src in _FHOST_SET:  # (before the checks: the access is the one
        a.emit(_gpr_from(R.RCX, src))         # instruction after them)
        value = src = R.RCX

    def store(mem):
        a.emit(X.create_mem_reg(code, mem, value if low is None else low[value]))

    slow, join = _fast_access(blk, e, size, PAGE_STORE, store)
    a.bind(slow, cold=True)
    _call_access(blk, e, i, insn_pc, size, _STORE, src)
    a.emit(X.create_branch(Code.JMP_REL32_64, join), True)


def _emit_atomic(blk, name: str, e, i: int, insn_pc: int):
    """LR, SC or an AMO, in line (a locked cmpxchg) when its address is aligned and its page one a store may write directly
    (PAGE_STORE: readable and writable, no decoded code, no callback). Else
    compiled code leaves before it, and the interpreter runs it: its faults
    (misaligned, page; an AMO's as a store), callbacks and code invalidation.
    An SC whose reservation does not hold fails without an access, as there."""
    a = blk.a
    rd, rs1, rs2 = int(e["rd"]), int(e["rs1"]), int(e["rs2"])
    wide = name.endswith(".d")
    size = 8 if wide else 4
    reg = (lambda r: r) if wide else (lambda r: _LOW32[r])
    valid = M(CPU, displ=_L["cpu_res_valid"])
    leave, join = a.label(), a.label()
    _address(blk, rs1, 0)
    a.emit(X.create_reg_u32(Code.TEST_RM8_IMM8, R.AL, size - 1))
    a.emit(X.create_branch(Code.JNE_REL32_64, leave))
    if name.startswith("sc"):
        failed = a.label()
        a.emit(X.create_mem_u32(Code.CMP_RM32_IMM8, valid, 0))
        a.emit(X.create_branch(Code.JE_REL32_64, failed))
        a.emit(X.create_reg_mem(Code.CMP_R64_RM64, R.RAX, M(CPU, displ=_L["cpu_res_addr"])))
        a.emit(X.create_branch(Code.JNE_REL32_64, failed))
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RDX, R.RAX))
    a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8, R.RDX, 12))
    _page_check(a, R.RDX, PAGE_STORE, leave)
    # (atomic on the host, as the interpreter's: memory shared with other processes
    # changes meanwhile; an SC stores if the word still holds what its LR read)
    res_value = M(CPU, displ=_L["cpu_res_value"])
    if name.startswith("lr"):
        a.emit(X.create_mem_u32(Code.MOV_RM32_IMM32, valid, 1))
        a.emit(X.create_mem_reg(Code.MOV_RM64_R64, M(CPU, displ=_L["cpu_res_addr"]), R.RAX))
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64 if wide else Code.MOVSXD_R64_RM32, R.RCX,
                                M(BASE, R.RAX)))
        a.emit(X.create_mem_reg(Code.MOV_RM64_R64, res_value, R.RCX))
        return _atomic_rd(blk, a, rd, join, leave, i, insn_pc)
    cmpxchg = Code.CMPXCHG_RM64_R64 if wide else Code.CMPXCHG_RM32_R32
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RDX, R.RAX))  # (rax: cmpxchg's)
    mem = M(BASE, R.RDX)
    if name.startswith("sc"):
        a.emit(X.create_mem_u32(Code.MOV_RM32_IMM32, valid, 0))
        _load(blk, reg(R.RCX), rs2)
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RAX, res_value))
        a.emit(_locked(X.create_mem_reg(cmpxchg, mem, reg(R.RCX))))
        a.emit(X.create_reg(Code.SETNE_RM8, R.CL))  # rd = 0: stored, 1: not
        a.emit(X.create_reg_reg(Code.MOVZX_R32_RM8, R.ECX, R.CL))
        a.emit(X.create_mem_u32(Code.MOV_RM32_IMM32, valid, 0), True, label=failed)
        a.emit(X.create_reg_u32(Code.MOV_R32_IMM32, R.ECX, 1), True)  # rd = 1: not stored
        a.emit(X.create_branch(Code.JMP_REL32_64, join), True)
    else:  # the new value from the one there, until no other changed it meanwhile
        op = _AMO_OPS[name[3:-2]]
        again = a.label()
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64 if wide else Code.MOV_R32_RM32, reg(R.RAX), mem))
        a.bind(again)
        _load(blk, reg(R.RCX), rs2)
        if op is not None:
            if name[3:-2] in _CMOVS:
                a.emit(X.create_reg_reg(Code.CMP_R64_RM64 if wide else Code.CMP_R32_RM32,
                                        reg(R.RAX), reg(R.RCX)))
            a.emit(X.create_reg_reg(op[0] if wide else op[1], reg(R.RCX), reg(R.RAX)))
        a.emit(_locked(X.create_mem_reg(cmpxchg, mem, reg(R.RCX))))
        a.emit(X.create_branch(Code.JNE_REL32_64, again))
        a.emit(X.create_reg_reg(Code.MOV_R64_RM64 if wide else Code.MOVSXD_R64_RM32, R.RCX,
                                reg(R.RAX)))
    return _atomic_rd(blk, a, rd, join, leave, i, insn_pc)


def _locked(insn):
    """insn with a lock prefix."""
    insn.has_lock_prefix = True
    return insn


def _atomic_rd(blk, a, rd: int, join: int, leave: int, i: int, insn_pc: int):
    """The end of an atomic's code: rd = rcx, and the way out before it."""
    a.bind(join)
    a.emit(blk.write_rd(rd, R.RCX))
    blk.leave_early(i, insn_pc, label=leave)


#: how far (bytes) from an address an access just reached another may go
#: unchecked: well inside the view's guards (VM_VIEW_GUARD), which also take
#: the offset of an access whose base register alone is checked
_REACH = 2048


def _fast_access(blk, e, size: int, need: int, access):
    """Access e's inline fast path: its check, then access(the host operand),
    one instruction; returns where a failed check goes (to be bound out of
    line; rax = the guest address there) and the label after the access.
    Through the view (blk.viewed) the only check is the bound: the host MMU
    refuses what the guest may not do, and its fault handler goes on at
    `slow` (vm_jit.h: the patterns it looks for are these). The check is of
    the base register when it has a host register (the offset, within
    _REACH, lands in the view's guard), and there is none when an access
    through the same register, not written since but by addi, reached an
    address within _REACH of this one (blk.reached): an address accessible a
    moment ago, or the code left."""
    a = blk.a
    slow, join = a.label(), a.label()
    rs1, imm = int(e["rs1"]), int(e["imm"])
    host = blk.alloc.get(rs1)
    near = blk.reached.get(rs1)
    unchecked = blk.viewed and near is not None and \
        max(abs(imm - near[0]), abs(imm - near[1])) + size <= _REACH
    if rs1:
        blk.reached[rs1] = (imm, imm)  # (after the access, whichever way it went)
    if blk.viewed and host is not None and abs(imm) < _REACH:  # the address is in a register:
        checked = a.label()                                    # the slow path computes it in rax
        if unchecked:
            _mark(blk, checked)
        else:
            a.emit(X.create_reg_mem(Code.CMP_R64_RM64, host, M(CPU, displ=_L["cpu_limit"])))
            a.emit(X.create_branch(Code.JAE_REL32_64, checked))
        access(M(BASE, host, displ=imm))
        a.bind(join)
        a.emit(X.create_reg_mem(Code.LEA_R64_M, R.RAX, M(host, displ=imm)) if imm else
               X.create_reg_reg(Code.MOV_R64_RM64, R.RAX, host), True, label=checked)
        return slow, join  # (bound next out of line, after that)
    _address(blk, rs1, imm)
    if unchecked:
        _mark(blk, slow)
    elif blk.viewed:
        a.emit(X.create_reg_mem(Code.CMP_R64_RM64, R.RAX, M(CPU, displ=_L["cpu_limit"])))
        a.emit(X.create_branch(Code.JAE_REL32_64, slow))
    else:  # naturally aligned (so in one page; the slow path does the rest), its page `need`
        if size > 1:
            a.emit(X.create_reg_u32(Code.TEST_RM8_IMM8, R.AL, size - 1))
            a.emit(X.create_branch(Code.JNE_REL32_64, slow))
        a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RDX, R.RAX))
        a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8, R.RDX, 12))
        _page_check(a, R.RDX, need, slow)
    access(M(BASE, R.RAX))
    a.bind(join)
    return slow, join


def _mark(blk, slow: int):
    """The next instruction is an access without a check (an access before it
    checked its address): the fault handler finds where it goes when the host
    MMU refuses it, `slow`, in the region's marks (vm_code_mark)."""
    blk.marks.append((blk.a.here(), slow))


def _page_check(a: _Asm, page, need: int, fail: int):
    """Jumps to fail unless guest page number `page` (a register, clobbered) is
    inside guest memory with the flag `need` (PAGE_READ, PAGE_STORE)."""
    a.emit(X.create_reg_mem(Code.CMP_R64_RM64, page, M(CPU, displ=_L["cpu_npages"])))
    a.emit(X.create_branch(Code.JAE_REL32_64, fail))
    a.emit(X.create_reg_mem(Code.ADD_R64_RM64, page, M(CPU, displ=_L["cpu_perm"])))
    a.emit(X.create_mem_u32(Code.TEST_RM8_IMM8, M(page), need))
    a.emit(X.create_branch(Code.JE_REL32_64, fail))


def _moved_reach(reached: dict, name: str, e):
    """`reached` (blk.reached's form) after instruction e writes rd: an address
    reached through rs1 is one through rd after `addi rd, rs1, k` or
    `add rd, x0, rs1` (mv); anything else rd held is gone."""
    rd, rs1 = int(e["rd"]), int(e["rs1"])
    if name == "add" and rs1 == 0:
        rs1, k = int(e["rs2"]), 0
    elif name == "addi":
        k = int(e["imm"])
    else:
        reached.pop(rd, None)
        return
    near = reached.get(rs1)
    if near is None or not rd:
        reached.pop(rd, None)
    else:
        reached[rd] = (near[0] - k, near[1] - k)


def _loop_prechecks(blk, checks: dict, fail: int):
    """Where a loop (blk.straight_loops) is entered from elsewhere (not round
    itself): the bounds check of each address _loop_reach says it counts on;
    one out of bounds goes to `fail`, which leaves at the loop's pc before
    its budget is taken (nothing ran: the dispatcher interprets it, where the
    access faults or reaches MMIO, or not at all)."""
    a = blk.a
    blk.consts, blk.ranges = {}, {}  # (jumps from elsewhere come here too)
    for r, (at, _, _) in sorted(checks.items()):
        address = blk.alloc.get(r) if not at else None
        if address is None:
            _address(blk, r, at)
            address = R.RAX
        a.emit(X.create_reg_mem(Code.CMP_R64_RM64, address, M(CPU, displ=_L["cpu_limit"])))
        a.emit(X.create_branch(Code.JAE_REL32_64, fail))


#: how far apart (bytes) the addresses a loop's pre-check and its way round
#: leave known may be, for the loop to count on both
_LOOP_SPREAD = 256


def _loop_reach(loop: list, inner: dict) -> dict:
    """For a loop of segments gone through one way (blk.straight_loops): guest
    register r -> (at, lo, hi), r being the base of an access its first
    segment makes (so whenever the loop is entered) with r's value at the top
    (give or take addi steps) at r + `at`, the address a pre-check before the
    loop checks; and an access through r (or what was moved to r) leaving
    r + an offset known when the loop goes round: [lo, hi] holds both offsets,
    what the loop counts on at its top (blk.reached)."""
    reached, first, steps, inside = {}, {}, {}, True
    for seg, j in ((seg, j) for seg in loop for j in range(seg.k)):
        e = seg.ir[j]
        if j == 0 and seg is not loop[0]:  # (a later segment: not run every time round)
            inside = False
        if j and seg.pc + int(e["pc_off"]) in inner:  # (entered there from elsewhere too)
            reached, inside = {}, False
        name = e["name"]
        if name in _MEM_NAMES:
            rs1, imm = int(e["rs1"]), int(e["imm"])
            if rs1 and inside and rs1 not in first and steps.get(rs1, 0) is not None:
                first[rs1] = imm + steps.get(rs1, 0)
            if rs1:
                reached[rs1] = (imm, imm)
        if "rd" in _X_SLOTS.get(e["op"], ()):
            _moved_reach(reached, name, e)
            rd = int(e["rd"])
            steps[rd] = steps.get(rd, 0) + int(e["imm"]) \
                if name == "addi" and int(e["rs1"]) == rd and steps.get(rd, 0) is not None \
                else None
    out = {}
    for r, at in first.items():
        if r in reached:  # (reached: from r's value at the end, the next time round's top)
            lo, hi = min(at, reached[r][0]), max(at, reached[r][0])
            if hi - lo <= _LOOP_SPREAD:
                out[r] = (at, lo, hi)
    return out


def _address(blk, rs1: int, imm: int):
    """rax = the guest address rs1 + imm."""
    host = blk.alloc.get(rs1)
    if host is not None and imm:
        blk.a.emit(X.create_reg_mem(Code.LEA_R64_M, R.RAX, M(host, displ=imm)))
        return
    _load(blk, R.RAX, rs1)
    if imm:
        blk.a.emit(X.create_reg_i32(Code.ADD_RM64_IMM32, R.RAX, imm))


# -- level 3: loops that fill or copy memory, run as vector moves ----------------------
#: bytes per vector move: AVX-512, AVX2 or SSE2 (every x86-64 has it), as the CPU has them
HOST_VECTOR = 64 if "avx512f" in HOST_FLAGS else 32 if "avx2" in HOST_FLAGS else 16
#: shorter loops run as they are (checking costs more than it saves)
STREAM_MIN_BYTES = 128
_STREAM_MAX_LOG = 40  # 2**40 bytes or more (a wild bound): the loop runs as it is
_REPEAT = {1: 0x0101010101010101, 2: 0x0001000100010001}  # a byte / halfword over 8 bytes


class _Stream(NamedTuple):
    """A loop that fills or copies [dst, dst + bytes): per iteration, stores of
    `size` bytes at dst+0, dst+size, ... up to dst+step, of register `value`
    (a fill, memset's) or each of what a load from src at the same offset put
    in a register (a copy, memcpy's: `loads`, (rd, offset, name) of each);
    dst (and src) += step; then bne/bltu ptr, end back to the loop, ptr being
    dst or src (so bytes = end - ptr)."""
    ptr: int
    end: int
    dst: int
    src: int | None
    value: int | None
    size: int
    step: int
    loads: tuple
    accesses: int


def _stream_loop(seg):
    """The segment as a _Stream, if it is a loop of that shape, else None.
    (Offsets are taken from each pointer's value at the start of the iteration,
    so that the increments may come anywhere in the loop.)"""
    if seg.k < 3 or seg.last not in ("bne", "bltu") or seg.targets[0] != seg.pc:
        return None
    body, branch = seg.ir[:seg.k - 1], seg.ir[seg.k - 1]
    bumped = {}                  # pointer -> step, from its addi
    loads, stores = {}, []       # rd -> (base, offset, name); (base, offset, value, name)
    for e in body:
        name, rd, rs1, imm = e["name"], int(e["rd"]), int(e["rs1"]), int(e["imm"])
        if name == "addi" and rd == rs1 and 0 < rd < 32 and imm > 0 and rd not in bumped:
            bumped[rd] = imm
        elif name in _LOADS and 0 < rd < 32 and rd not in loads and rd not in bumped:
            loads[rd] = (rs1, imm + bumped.get(rs1, 0), name)
        elif name in _STORES:  # (a copy's value: loaded before it in the iteration)
            value = int(e["rs2"])
            stores.append((rs1, imm + bumped.get(rs1, 0), loads.get(value, value), name))
        else:
            return None
    if not stores or len({name for *_, name in stores}) > 1:
        return None
    size = _STORES[stores[0][3]]
    dst, step = stores[0][0], bumped.get(stores[0][0])
    if step is None or any(base != dst for base, *_ in stores) \
            or sorted(off for _, off, _, _ in stores) != list(range(0, step, size)):
        return None
    if loads:  # a copy: each store's value is what a load from src at its offset got
        srcs = {base for base, _, _ in loads.values()}
        src = srcs.pop()
        if srcs or src == dst or bumped.get(src) != step or len(bumped) != 2 \
                or len(loads) != len(stores) \
                or any(_LOADS[name][0] != size for _, _, name in loads.values()) \
                or any(not isinstance(value, tuple) or value[:2] != (src, off)
                       for _, off, value, _ in stores) \
                or any(rd in bumped for rd in loads):
            return None
        value, kept = None, tuple((rd, off, name) for rd, (_, off, name) in loads.items())
    else:
        value, src, kept = stores[0][2], None, ()
        if len(bumped) != 1 or any(v != value for *_, v, _ in stores) or value in bumped:
            return None
    rs1, rs2 = int(branch["rs1"]), int(branch["rs2"])
    ptr = rs1 if rs1 in bumped else rs2
    end = rs2 if ptr == rs1 else rs1
    if ptr not in bumped or end in bumped or end in loads or seg.last == "bltu" and rs1 != ptr:
        return None
    return _Stream(ptr, end, dst, src, value, size, step, kept, len(loads) + len(stores))


def _emit_stream(blk, seg, f: _Stream, done: int):
    """Where the loop `seg` is entered: when the whole of it is known good
    ([ptr, end) a whole number of iterations and at least STREAM_MIN_BYTES,
    the pointers aligned to the access size, every page of the destination
    plain writable memory and of the source plain readable memory, source and
    destination apart, the budget enough for every iteration), moves the bytes
    with vector moves, counts every iteration's instructions and accesses,
    leaves the registers as the last iteration would and goes on at `done`
    (the loop's exit); otherwise runs the loop (seg.body)."""
    a, loop = blk.a, seg.body

    def branch(code, target=loop):
        a.emit(X.create_branch(code, target))

    def bytes_left(dst):  # dst = end - ptr
        _load(blk, dst, f.end)
        a.emit(_op(Code.SUB_R64_RM64, dst, blk.src(f.ptr)))

    bytes_left(R.RAX)
    a.emit(X.create_reg_i32(Code.CMP_RM64_IMM32, R.RAX, STREAM_MIN_BYTES))
    branch(Code.JB_REL32_64)
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RDX, R.RAX))
    a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8, R.RDX, _STREAM_MAX_LOG))
    branch(Code.JNE_REL32_64)
    # rcx = iterations, when the bytes are a whole number of them
    if f.step & (f.step - 1) == 0:
        a.emit(X.create_reg_i32(Code.TEST_RM64_IMM32, R.RAX, f.step - 1))
        branch(Code.JNE_REL32_64)
        a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RCX, R.RAX))
        a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8, R.RCX, f.step.bit_length() - 1))
    else:
        a.emit(X.create_reg_reg(Code.XOR_R32_RM32, R.EDX, R.EDX))
        a.emit(X.create_reg_u32(Code.MOV_R32_IMM32, R.ECX, f.step))
        a.emit(X.create_reg(Code.DIV_RM64, R.RCX))
        a.emit(X.create_reg_reg(Code.TEST_RM64_R64, R.RDX, R.RDX))
        branch(Code.JNE_REL32_64)
        a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RCX, R.RAX))
        a.emit(X.create_reg_reg_i32(Code.IMUL_R64_RM64_IMM32, R.RAX, R.RCX, f.step))
    # the budget covers every iteration
    a.emit(X.create_reg_reg_i32(Code.IMUL_R64_RM64_IMM32, R.RDX, R.RCX, seg.k))
    _budget_covers(a, R.RDX, loop)
    # each pointer aligned (the loop's own accesses would take the slow path);
    # every page from its to its last byte's inside guest memory, with the flag
    # `need` (as the accesses' fast paths check them)
    for reg, need in ((f.dst, PAGE_STORE),) + (((f.src, PAGE_READ),) if f.src is not None else ()):
        _load(blk, R.RDX, reg)
        if f.size > 1:
            a.emit(X.create_reg_u32(Code.TEST_RM8_IMM8, R.DL, f.size - 1))
            branch(Code.JNE_REL32_64)
        a.emit(X.create_reg_mem(Code.LEA_R64_M, R.R10, M(R.RDX, R.RAX, displ=-1)))
        a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8, R.RDX, 12))
        a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8, R.R10, 12))
        a.emit(X.create_reg_mem(Code.CMP_R64_RM64, R.R10, M(CPU, displ=_L["cpu_npages"])))
        branch(Code.JAE_REL32_64)
        a.emit(X.create_reg_reg(Code.CMP_RM64_R64, R.RDX, R.R10))
        branch(Code.JA_REL32_64)  # (wrapped round the top of the address space)
        a.emit(X.create_reg_mem(Code.ADD_R64_RM64, R.RDX, M(CPU, displ=_L["cpu_perm"])))
        a.emit(X.create_reg_mem(Code.ADD_R64_RM64, R.R10, M(CPU, displ=_L["cpu_perm"])))
        page = a.label()  # (rdx, r10: the first and the last page's permission byte)
        a.emit(X.create_mem_u32(Code.TEST_RM8_IMM8, M(R.RDX), need), label=page)
        branch(Code.JE_REL32_64)
        a.emit(X.create_reg_i32(Code.ADD_RM64_IMM8, R.RDX, 1))
        a.emit(X.create_reg_reg(Code.CMP_RM64_R64, R.RDX, R.R10))
        branch(Code.JBE_REL32_64, page)
    if f.src is not None:  # apart: dst - src and src - dst (unsigned) both >= bytes
        for first, second in ((f.dst, f.src), (f.src, f.dst)):
            _load(blk, R.RDX, first)
            a.emit(_op(Code.SUB_R64_RM64, R.RDX, blk.src(second)))
            a.emit(X.create_reg_reg(Code.CMP_RM64_R64, R.RDX, R.RAX))
            branch(Code.JB_REL32_64)
    # it will run: the counts of every iteration (nothing can fail from here)
    a.emit(X.create_reg_reg_i32(Code.IMUL_R64_RM64_IMM32, R.RDX, R.RCX, seg.k))
    a.emit(X.create_reg_u32(Code.SHL_RM64_IMM8, R.RDX, BUDGET_SHIFT))
    a.emit(X.create_reg_reg(Code.SUB_RM64_R64, BUDGET, R.RDX))
    a.emit(X.create_reg_reg_i32(Code.IMUL_R64_RM64_IMM32, R.RDX, R.RCX, f.accesses))
    a.emit(X.create_reg_reg(Code.ADD_RM64_R64, BUDGET, R.RDX))
    a.emit(X.create_mem_i32(Code.ADD_RM64_IMM8, M(CPU, displ=_L["cpu_vector_runs"]), 1))
    # rdx = host address of dst, r10 of src; for a fill, rcx = the value's low
    # `size` bytes over 8 bytes, and the vector register that over its width
    width = HOST_VECTOR
    vec = {64: R.ZMM0, 32: R.YMM0, 16: R.XMM0}[width]
    if f.src is None:
        _load(blk, R.RCX, f.value)
        if f.size < 4:
            a.emit(X.create_reg_reg(Code.MOVZX_R32_RM8 if f.size == 1 else Code.MOVZX_R32_RM16,
                                    R.ECX, R.CL if f.size == 1 else R.CX))
            a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RDX, _REPEAT[f.size]))
            a.emit(X.create_reg_reg(Code.IMUL_R64_RM64, R.RCX, R.RDX))
        elif f.size == 4:
            a.emit(X.create_reg_reg(Code.MOV_R32_RM32, R.ECX, R.ECX))
            a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RDX, R.RCX))
            a.emit(X.create_reg_u32(Code.SHL_RM64_IMM8, R.RDX, 32))
            a.emit(X.create_reg_reg(Code.OR_RM64_R64, R.RCX, R.RDX))
        if width == 64:
            a.emit(X.create_reg_reg(Code.EVEX_VPBROADCASTQ_ZMM_K1Z_R64, R.ZMM0, R.RCX))
        else:
            a.emit(X.create_reg_reg(Code.MOVQ_XMM_RM64, R.XMM0, R.RCX))
            a.emit(X.create_reg_reg(Code.VEX_VPBROADCASTQ_YMM_XMMM64, R.YMM0, R.XMM0)
                   if width == 32 else X.create_reg_reg(Code.PUNPCKLQDQ_XMM_XMMM128, R.XMM0, R.XMM0))
    else:
        _load(blk, R.R10, f.src)
        a.emit(X.create_reg_reg(Code.ADD_R64_RM64, R.R10, BASE))
    _load(blk, R.RDX, f.dst)
    a.emit(X.create_reg_reg(Code.ADD_R64_RM64, R.RDX, BASE))
    # whole vectors, then whole 8-byte words, then bytes (a fill's pattern has
    # phase 0 at every multiple of 8 from dst, which is aligned to the store size)
    store_v, load_v = {64: (Code.EVEX_VMOVDQU64_ZMMM512_K1Z_ZMM, Code.EVEX_VMOVDQU64_ZMM_K1Z_ZMMM512),
                       32: (Code.VEX_VMOVDQU_YMMM256_YMM, Code.VEX_VMOVDQU_YMM_YMMM256),
                       16: (Code.MOVDQU_XMMM128_XMM, Code.MOVDQU_XMM_XMMM128)}[width]
    if f.src is None:
        bodies = ((width, [X.create_mem_reg(store_v, M(R.RDX), vec)]),
                  (8, [X.create_mem_reg(Code.MOV_RM64_R64, M(R.RDX), R.RCX)]),
                  (1, [X.create_mem_reg(Code.MOV_RM8_R8, M(R.RDX), R.CL),
                       X.create_reg_u32(Code.SHR_RM64_IMM8, R.RCX, 8)]))
    else:
        bodies = ((width, [X.create_reg_mem(load_v, vec, M(R.R10)),
                           X.create_mem_reg(store_v, M(R.RDX), vec)]),
                  (8, [X.create_reg_mem(Code.MOV_R64_RM64, R.RCX, M(R.R10)),
                       X.create_mem_reg(Code.MOV_RM64_R64, M(R.RDX), R.RCX)]),
                  (1, [X.create_reg_mem(Code.MOVZX_R32_RM8, R.ECX, M(R.R10)),
                       X.create_mem_reg(Code.MOV_RM8_R8, M(R.RDX), R.CL)]))
    finish = a.label()
    for chunk, body in bodies:
        top, out = a.label(), a.label() if chunk > 1 else finish
        a.emit(X.create_reg_i32(Code.CMP_RM64_IMM8, R.RAX, chunk), label=top)
        branch(Code.JB_REL32_64, out)
        for insn in body:
            a.emit(insn)
        a.emit(X.create_reg_i32(Code.ADD_RM64_IMM8, R.RDX, chunk))
        if f.src is not None:
            a.emit(X.create_reg_i32(Code.ADD_RM64_IMM8, R.R10, chunk))
        a.emit(X.create_reg_i32(Code.SUB_RM64_IMM8, R.RAX, chunk))
        branch(Code.JMP_REL32_64, top)
        if chunk > 1:
            a.bind(out)
    a.bind(finish)
    if width > 16:
        a.emit(X.create(Code.VEX_VZEROUPPER))  # (SSE code after wide vectors: no penalty)
    # the registers as after the last iteration: the pointers moved on by the
    # bytes, each loaded register what its load got last
    bytes_left(R.RCX)
    for reg in (f.dst,) + ((f.src,) if f.src is not None else ()):
        host = blk.alloc.get(reg)
        if host is None:
            a.emit(X.create_mem_reg(Code.ADD_RM64_R64, xreg(reg), R.RCX))
        else:
            a.emit(X.create_reg_reg(Code.ADD_R64_RM64, host, R.RCX))
    for rd, off, name in f.loads:
        _, widen_mem, _ = _LOADS[name]
        dst = _dest(blk, rd)
        _load(blk, R.RCX, f.src)
        a.emit(X.create_reg_mem(widen_mem, _LOW32[dst] if widen_mem in _ZERO_EXTENDING else dst,
                                M(BASE, R.RCX, displ=off - f.step)))
        _store(blk, rd, dst)
    branch(Code.JMP_REL32_64, done)


class _Scan(NamedTuple):
    """A loop scanning bytes (strlen's, memchr's, a skip over a run): lbu t,
    off(p) and p += 1 (in either order), then bne t, r (runs until the byte
    that equals r's value: `until_equal`) or beq t, r (until one that does
    not) back to the loop."""
    ptr: int
    off: int     # of the first byte loaded, from p at the loop's entry
    byte: int    # t
    value: int   # r
    until_equal: bool


def _scan_loop(seg):
    """The segment as a _Scan, if it is a loop of that shape, else None."""
    if seg.k != 3 or seg.last not in ("bne", "beq") or seg.targets[0] != seg.pc:
        return None
    first, second, branch = seg.ir[:3]
    names = (first["name"], second["name"])
    if names == ("lbu", "addi"):
        load, bump, moved = first, second, 0
    elif names == ("addi", "lbu"):
        bump, load, moved = first, second, 1  # (loads from the pointer moved on)
    else:
        return None
    ptr, byte = int(bump["rd"]), int(load["rd"])
    rs1, rs2 = int(branch["rs1"]), int(branch["rs2"])
    value = rs2 if rs1 == byte else rs1
    if not 0 < ptr < 32 or int(bump["rs1"]) != ptr or int(bump["imm"]) != 1 \
            or int(load["rs1"]) != ptr or not 0 < byte < 32 or byte == ptr \
            or byte not in (rs1, rs2) or rs1 == rs2 or value == ptr:
        return None
    return _Scan(ptr, int(load["imm"]) + moved, byte, value, seg.last == "bne")


def _vector_form(seg):
    """(Level 3, vectorization on) the loop `seg` as a _Stream or a _Scan, if it
    is one of the shapes that have a vector form."""
    stream = _stream_loop(seg)
    return stream if stream is not None else _scan_loop(seg)


def _emit_vector_loop(blk, seg, form, done: int):
    """The vector form of the loop `seg`, tried where it is entered."""
    if isinstance(form, _Stream):
        _emit_stream(blk, seg, form, done)
    else:
        _emit_scan(blk, seg, form, done)


def _emit_scan(blk, seg, f: _Scan, done: int):
    """Where the scan loop `seg` is entered: finds the byte that ends it with
    aligned vector compares (AVX2 or SSE2; an aligned vector never straddles a
    page), page by page while the pages are plain readable memory and the
    budget covers the iterations so far; then counts every iteration's
    instructions and loads, moves the pointer past that byte, puts the byte
    in t and goes on at `done`; otherwise (a page not readable first, r's
    value not a byte, the budget short) runs the loop (seg.body)."""
    a, loop = blk.a, seg.body
    width = 32 if HOST_VECTOR >= 32 else 16
    decline = loop
    if width > 16:  # (leaving after wide vectors: vzeroupper first)
        decline = a.label()
        a.bind(decline, cold=True)
        a.emit(X.create(Code.VEX_VZEROUPPER), True)
        a.emit(X.create_branch(Code.JMP_REL32_64, loop), True)

    def branch(code, target):
        a.emit(X.create_branch(code, target))

    # rdx = the first byte's guest address; xmm1/ymm1 = r's value in every byte
    _load(blk, R.RCX, f.value)
    if f.value:
        a.emit(X.create_reg_i32(Code.CMP_RM64_IMM32, R.RCX, 0xFF))
        branch(Code.JA_REL32_64, loop)
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, _REPEAT[1]))
        a.emit(X.create_reg_reg(Code.IMUL_R64_RM64, R.RCX, R.RAX))
    _load(blk, R.RDX, f.ptr)
    if f.off:
        a.emit(X.create_reg_i32(Code.ADD_RM64_IMM32, R.RDX, f.off))
    a.emit(X.create_reg_reg(Code.MOVQ_XMM_RM64, R.XMM1, R.RCX))
    a.emit(X.create_reg_reg(Code.VEX_VPBROADCASTQ_YMM_XMMM64, R.YMM1, R.XMM1) if width == 32
           else X.create_reg_reg(Code.PUNPCKLQDQ_XMM_XMMM128, R.XMM1, R.XMM1))
    # rax = the aligned vector holding it; r10d = the mask of its bytes from there on
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RAX, R.RDX))
    a.emit(X.create_reg_i32(Code.AND_RM64_IMM8, R.RAX, -width))
    a.emit(X.create_reg_reg(Code.MOV_R32_RM32, R.ECX, R.EDX))
    a.emit(X.create_reg_i32(Code.AND_RM32_IMM8, R.ECX, width - 1))
    a.emit(X.create_reg_i32(Code.MOV_RM32_IMM32, R.R10D, -1))
    a.emit(X.create_reg_reg(Code.SHL_RM32_CL, R.R10D, R.CL))
    page, chunk, found = a.label(), a.label(), a.label()
    # each page: inside guest memory and readable (as a load's fast path checks)
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RCX, R.RAX), label=page)
    a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8, R.RCX, 12))
    _page_check(a, R.RCX, PAGE_READ, decline)
    # each vector: ecx = its bytes that end the loop (equal to r, or not)
    if width == 32:
        a.emit(X.create_reg_reg_mem(Code.VEX_VPCMPEQB_YMM_YMM_YMMM256, R.YMM0, R.YMM1,
                                    M(BASE, R.RAX)), label=chunk)
        a.emit(X.create_reg_reg(Code.VEX_VPMOVMSKB_R32_YMM, R.ECX, R.YMM0))
    else:
        a.emit(X.create_reg_mem(Code.MOVDQA_XMM_XMMM128, R.XMM0, M(BASE, R.RAX)), label=chunk)
        a.emit(X.create_reg_reg(Code.PCMPEQB_XMM_XMMM128, R.XMM0, R.XMM1))
        a.emit(X.create_reg_reg(Code.PMOVMSKB_R32_XMM, R.ECX, R.XMM0))
    if not f.until_equal:
        a.emit(X.create_reg(Code.NOT_RM32, R.ECX))
    a.emit(X.create_reg_reg(Code.AND_R32_RM32, R.ECX, R.R10D))
    if width == 16:
        a.emit(X.create_reg_i32(Code.AND_RM32_IMM32, R.ECX, 0xFFFF))
    branch(Code.JNE_REL32_64, found)
    a.emit(X.create_reg_i32(Code.MOV_RM32_IMM32, R.R10D, -1))
    a.emit(X.create_reg_i32(Code.ADD_RM64_IMM8, R.RAX, width))
    a.emit(X.create_reg_u32(Code.TEST_RM32_IMM32, R.EAX, 0xFFF))
    branch(Code.JNE_REL32_64, chunk)
    # the next page, if the budget covers the iterations up to it
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RCX, R.RAX))
    a.emit(X.create_reg_reg(Code.SUB_R64_RM64, R.RCX, R.RDX))
    a.emit(X.create_reg_reg_i32(Code.IMUL_R64_RM64_IMM32, R.RCX, R.RCX, seg.k))
    _budget_covers(a, R.RCX, decline)
    branch(Code.JMP_REL32_64, page)
    # found: rax = iterations (up to and with that byte), if the budget covers them
    a.emit(X.create_reg_reg(Code.BSF_R32_RM32, R.ECX, R.ECX), label=found)
    a.emit(X.create_reg_reg(Code.ADD_R64_RM64, R.RAX, R.RCX))
    a.emit(X.create_reg_reg(Code.SUB_R64_RM64, R.RAX, R.RDX))
    a.emit(X.create_reg_i32(Code.ADD_RM64_IMM8, R.RAX, 1))
    a.emit(X.create_reg_reg_i32(Code.IMUL_R64_RM64_IMM32, R.RCX, R.RAX, seg.k))
    _budget_covers(a, R.RCX, decline)
    if width > 16:
        a.emit(X.create(Code.VEX_VZEROUPPER))
    a.emit(X.create_reg_reg(Code.SUB_RM64_R64, BUDGET, R.RCX))
    a.emit(X.create_reg_reg(Code.ADD_RM64_R64, BUDGET, R.RAX))
    a.emit(X.create_mem_i32(Code.ADD_RM64_IMM8, M(CPU, displ=_L["cpu_vector_runs"]), 1))
    # the registers as after the last iteration: p moved on, t the byte it loaded
    a.emit(X.create_reg_mem(Code.LEA_R64_M, R.RDX, M(R.RDX, R.RAX, displ=-1)))
    a.emit(X.create_reg_mem(Code.MOVZX_R32_RM8, R.ECX, M(BASE, R.RDX)))
    host = blk.alloc.get(f.ptr)
    if host is None:
        a.emit(X.create_mem_reg(Code.ADD_RM64_R64, xreg(f.ptr), R.RAX))
    else:
        a.emit(X.create_reg_reg(Code.ADD_R64_RM64, host, R.RAX))
    _store(blk, f.byte, R.RCX)
    branch(Code.JMP_REL32_64, done)


_STORE, _LOAD_S, _LOAD_U, _LOAD_F = 0, 1, 2, 3  # vm_jit_access.kind


def _call_access(blk, e, i: int, insn_pc: int, size: int, kind: int, value=None):
    """Out of line: the C slow path for the access at rax (value: what a store
    writes), told by a vm_jit_access just after the call how to end the run
    here should the access fault or change code (the call returns after it;
    else the run ends there: _call_c)."""
    a = blk.a
    desc = struct.pack(_ACCESS_FORMAT, insn_pc & _MASK, *blk.unit_rest(i), int(e["raw"]), size,
                       kind, int(e["rd"]) if kind != _STORE else 0, blk.viewed)
    if value is not None and (isinstance(value, M) or value != R.RCX):
        a.emit(_op(Code.MOV_R64_RM64, R.RCX, value), True)
    local = blk.local  # (the thunk writes back and loads the region's registers)
    for insn in local.to_region() if local is not None else ():
        a.emit(insn, True)
    a.emit(X.create_branch(Code.CALL_REL32_64, blk.access_thunk()), True)
    a.emit(X.create_declare_byte(desc[:16]), True)
    a.emit(X.create_declare_byte(desc[16:]), True)
    for insn in local.from_region() if local is not None else ():
        a.emit(insn, True)


#: a vm_jit_access (csrc/vm_jit.h): pc, rest, mem_rest, raw, size, kind, rd, viewed
_ACCESS_FORMAT = "<QIIIBBBB"
assert struct.calcsize(_ACCESS_FORMAT) == _L["access_size"]


def _access_thunk_entry() -> list:
    """The start of a region's access thunk: rdx = the vm_jit_access after
    the call, and the return past it."""
    return [X.create_reg_mem(Code.MOV_R64_RM64, R.RDX, M(R.RSP)),
            X.create_mem_i32(Code.ADD_RM64_IMM8, M(R.RSP), _L["access_size"])]


def _call_ir_helper(blk, how: str, i: int, cold: bool = False):
    """Instruction i computed by the interpreter's definition (how: "call_fp",
    "call_fcsr"), its IR entry a copy kept with the code."""
    a = blk.a
    entry = a.label()
    blk.data.append((entry, blk.ir[i]["bytes"]))
    a.emit(X.create_reg_mem(Code.LEA_R64_M, R.RAX, M(R.RIP, displ=entry)), cold)
    a.emit(X.create_reg_u32(Code.MOV_R32_IMM32, R.EDX, _L[how]), cold)
    a.emit(X.create_branch(Code.CALL_REL32_64, blk.thunk()), cold)  # (flags: rt->status tested)


def _emit_thunk(blk):
    """The region's way into C: vm_jit_call(rt, rax, rdx, rcx) with the
    host-held guest registers (f registers too) written back before (C reads
    and writes guest state, and clobbers host registers) and loaded after,
    around the call of the shared part (_call_c); returns with edx =
    rt->status and the flags of testing it. A slow-path access comes in at
    the access thunk before it: rdx = the vm_jit_access after its call, and
    the return past that."""
    a = blk.a
    if blk.access_thunk_label is not None:
        a.bind(blk.access_thunk_label, cold=True)
        for insn in _access_thunk_entry():
            a.emit(insn, True)
    a.bind(blk.thunk(), cold=True)
    for insn in blk.spill() + blk.fspill() + \
            [X.create_mem(Code.CALL_RM64, _stub("call C"))] + \
            blk.reload() + blk.freload() + [X.create(Code.RETNQ)]:  # (C clobbers every xmm)
        a.emit(insn, True)


def _call_c(a: _Asm):
    """The shared part of every region's way into C (called from its thunk:
    the stack is 16-byte aligned here): the budget written back, vm_jit_call,
    the budget loaded again (C may have changed it), then edx = rt->status
    and the flags of testing it (the loads of registers after it keep them).
    A slow-path access that ends the run (rt->status set, and exit_pc; the
    guest registers are in the cpu: the thunk wrote them) goes on from here
    to the return stub, past the thunk and the region; a helper's caller
    tests the flags itself."""
    fail, leave, out = a.label(), a.label(), a.label()
    status = M(R.RDX, displ=_L["rt_status"])
    for insn in _budget_out(R.RDI) + [  # (rdi: then vm_jit_call's rt)
            X.create_reg_reg(Code.MOV_R64_RM64, R.RSI, R.RAX),
            X.create_reg(Code.PUSH_R64, R.RDX),  # (`how`, kept: twice, the stack stays aligned)
            X.create_reg(Code.PUSH_R64, R.RDX),
            X.create_reg_u64(Code.MOV_R64_IMM64, R.R10, _L["call_helper"]),  # (spilled)
            X.create_reg(Code.CALL_RM64, R.R10),
            X.create_reg(Code.POP_R64, R.RCX),
            X.create_reg(Code.POP_R64, R.RCX)] + _budget_in(R.RDX) + [
            _rt(R.RDX), X.create_reg_mem(Code.MOV_R32_RM32, R.EDX, status),
            X.create_reg_reg(Code.TEST_RM32_R32, R.EDX, R.EDX),
            X.create_branch(Code.JNE_REL32_64, fail), X.create(Code.RETNQ)]:
        a.emit(insn)
    a.bind(fail)  # how: VM_JIT_CALL_FP or _FCSR, else the vm_jit_access's address
    for insn in [X.create_reg_i32(Code.CMP_RM64_IMM8, R.RCX, _L["call_fcsr"]),
                 X.create_branch(Code.JA_REL32_64, leave),
                 X.create_reg_reg(Code.TEST_RM32_R32, R.EDX, R.EDX), X.create(Code.RETNQ)]:
        a.emit(insn)
    a.bind(leave)  # (at the access for a fault; after it, status cleared, for VM_JIT_LEAVE)
    for insn in [X.create_reg_i32(Code.ADD_RM64_IMM8, R.RSP, 16), _rt(R.RDX),
                 X.create_reg_mem(Code.MOV_R64_RM64, R.RAX, M(R.RDX, displ=_L["rt_exit_pc"])),
                 X.create_mem_u32(Code.CMP_RM32_IMM8, status, 3),
                 X.create_branch(Code.JNE_REL32_64, out),
                 X.create_mem_u32(Code.MOV_RM32_IMM32, status, 0)]:
        a.emit(insn)
    a.emit(X.create_mem(Code.JMP_RM64, _stub("ret")), label=out)


def _host_fflags(blk) -> list:
    """Instructions turning eax, MXCSR as stmxcsr stored it, into the fflags bits
    of its exception flags (rcx clobbered), through the region's one copy of
    _MXCSR_TO_FFLAGS."""
    if blk.fflags_table is None:
        blk.fflags_table = blk.a.label()
        blk.data.append((blk.fflags_table, _MXCSR_TO_FFLAGS))
    return [X.create_reg_u32(Code.AND_RM32_IMM32, R.EAX, 0x3D),
            X.create_reg_mem(Code.LEA_R64_M, R.RCX, M(R.RIP, displ=blk.fflags_table)),
            X.create_reg_mem(Code.MOVZX_R32_RM8, R.EAX, M(R.RCX, R.RAX))]


def _emit_fflags(blk, name: str, e):
    """A CSR instruction on fflags, in line (the others call vm_jit_fcsr): the
    flags the host has gathered in MXCSR since they were last looked at are
    added to fcsr and cleared (vm_fp_fold), then the CSR is read and
    written (frflags, fsflags, fsflagsi: glibc's quiet comparisons)."""
    a = blk.a
    rd, rs1, imm = int(e["rd"]), int(e["rs1"]), int(e["imm"])
    fcsr, scratch = M(CPU, displ=_L["cpu_fcsr"]), M(R.RSP, displ=-8)  # (the red zone)
    fold, back = a.label(), a.label()
    a.emit(X.create_mem(Code.STMXCSR_M32, scratch))
    a.emit(X.create_reg_mem(Code.MOV_R32_RM32, R.EAX, scratch))
    a.emit(X.create_reg_u32(Code.TEST_RM8_IMM8, R.AL, 0x3D))
    a.emit(X.create_branch(Code.JNE_REL32_64, fold))
    for k, insn in enumerate([
            X.create_mem_u32(Code.AND_RM32_IMM32, scratch, ~0x3F & 0xFFFFFFFF),
            X.create_mem(Code.LDMXCSR_M32, scratch)] + _host_fflags(blk) + [
            X.create_mem_reg(Code.OR_RM32_R32, fcsr, R.EAX),
            X.create_branch(Code.JMP_REL32_64, back)]):
        a.emit(insn, True, label=fold if k == 0 else None)
    a.bind(back)
    op = {"csrrw": 0, "csrrwi": 0, "csrrs": 1, "csrrsi": 1, "csrrc": 2, "csrrci": 2}[name]
    if op or 0 < rd < 32:  # the old value (not for fsflags, which writes only)
        a.emit(X.create_reg_mem(Code.MOV_R32_RM32, R.EAX, fcsr))
        a.emit(X.create_reg_u32(Code.AND_RM32_IMM32, R.EAX, 0x1F))
    immediate = name.endswith("i")
    if op == 0 or (imm if immediate else rs1):  # (csrrs/csrrc of zero only read)
        if immediate:
            a.emit(X.create_reg_u32(Code.MOV_R32_IMM32, R.ECX, imm & 0x1F))
        else:
            _load(blk, R.ECX, rs1)
        if op == 1:
            a.emit(X.create_reg_reg(Code.OR_R32_RM32, R.ECX, R.EAX))
        elif op == 2:
            a.emit(X.create_reg(Code.NOT_RM32, R.ECX))
            a.emit(X.create_reg_reg(Code.AND_R32_RM32, R.ECX, R.EAX))
        a.emit(X.create_reg_u32(Code.AND_RM32_IMM32, R.ECX, 0x1F))
        a.emit(X.create_mem_u32(Code.AND_RM32_IMM32, fcsr, ~0x1F & 0xFFFFFFFF))
        a.emit(X.create_mem_reg(Code.OR_RM32_R32, fcsr, R.ECX))
    if 0 < rd < 32:  # (x0's writes go to a sink register, 32)
        a.emit(blk.write_rd(rd))


def _native_fp(name: str, e) -> bool:
    """F/D computations with an x86 template (the rest call vm_jit_fp)."""
    if name in _FP_ARITH or name in _FP_ARITH_S or name in ("fsqrt.d", "fsqrt.s") or \
            ((name in _FMA or name in _FMA_S) and HOST_FMA):
        return int(e["rm"]) == 7  # dyn: the host rounds in frm
    if name in ("fcvt.d.w", "fcvt.d.wu"):
        return int(e["rm"]) in (0, 1, 2, 3, 4, 7)  # exact in every mode; 5 and 6 trap
    if name in _FROM_UNSIGNED:
        return int(e["rm"]) == 7
    if name == "fcvt.d.l":
        return int(e["rm"]) == 7
    if name in _TO_INT:
        return int(e["rm"]) in (1, 7)  # rtz (C's casts) or dyn: cvtt*2si, cvt*2si
    if name == "fcvt.d.s":
        return int(e["rm"]) in (0, 1, 2, 3, 4, 7)  # exact in every mode; 5 and 6 trap
    if name in ("fcvt.s.d", "fcvt.s.w", "fcvt.s.l"):
        return int(e["rm"]) == 7
    return name in ("fmv.x.d", "fmv.d.x", "fsgnj.d", "fsgnjn.d", "fsgnjx.d", "feq.d", "flt.d",
                    "fle.d", "feq.s", "flt.s", "fle.s", "fmv.x.w", "fmv.w.x", "fsgnj.s",
                    "fsgnjn.s", "fsgnjx.s", "fclass.d", "fclass.s") or name in _MIN_MAX


#: conversions from unsigned integers: (single, from 32 bits)
_FROM_UNSIGNED = {"fcvt.d.wu": (False, True), "fcvt.d.lu": (False, False),
                  "fcvt.s.wu": (True, True), "fcvt.s.lu": (True, False)}


def _emit_from_unsigned(blk, name: str, rd: int, rs1: int):
    """fcvt.{d,s}.{wu,lu}: 32 bits zero-extended, and 64 bits below 2**63,
    convert as signed 64 bits; 64 bits from 2**63 up as half of them (the bit
    shifted out kept as a sticky bit, so every rounding mode rounds alike),
    doubled."""
    a = blk.a
    single, narrow = _FROM_UNSIGNED[name]
    cvt = Code.CVTSI2SS_XMM_RM64 if single else Code.CVTSI2SD_XMM_RM64
    a.emit(_op(Code.MOV_R64_RM64, R.RAX, blk.src(rs1)))
    if narrow:
        a.emit(X.create_reg_reg(Code.MOV_R32_RM32, R.EAX, R.EAX))
    a.emit(X.create_reg_reg(Code.XORPS_XMM_XMMM128, R.XMM0, R.XMM0))  # (no false dependency)
    if not narrow:
        big, done = a.label(), a.label()
        a.emit(X.create_reg_reg(Code.TEST_RM64_R64, R.RAX, R.RAX))
        a.emit(X.create_branch(Code.JS_REL32_64, big))
        for k, insn in enumerate([
                X.create_reg_reg(Code.MOV_R64_RM64, R.RCX, R.RAX),
                X.create_reg_u32(Code.SHR_RM64_IMM8, R.RCX, 1),
                X.create_reg_u32(Code.AND_RM32_IMM32, R.EAX, 1),
                X.create_reg_reg(Code.OR_RM64_R64, R.RCX, R.RAX),
                X.create_reg_reg(cvt, R.XMM0, R.RCX),
                X.create_reg_reg(Code.ADDSS_XMM_XMMM32 if single else Code.ADDSD_XMM_XMMM64,
                                 R.XMM0, R.XMM0),
                X.create_branch(Code.JMP_REL32_64, done)]):
            a.emit(insn, True, big if k == 0 else None)
    a.emit(X.create_reg_reg(cvt, R.XMM0, R.RAX))
    if not narrow:
        a.bind(done)
    _f_from_xmm0(blk, rd, single)


#: fmin/fmax: (single, the x86 min/max, the bitwise op giving min/max of +0 and -0)
_MIN_MAX = {"fmin.d": (False, Code.MINSD_XMM_XMMM64, Code.ORPD_XMM_XMMM128),
            "fmax.d": (False, Code.MAXSD_XMM_XMMM64, Code.ANDPD_XMM_XMMM128),
            "fmin.s": (True, Code.MINSS_XMM_XMMM32, Code.ORPS_XMM_XMMM128),
            "fmax.s": (True, Code.MAXSS_XMM_XMMM32, Code.ANDPS_XMM_XMMM128)}


def _emit_min_max(blk, name: str, rd: int, rs1: int, rs2: int):
    """fmin/fmax: RISC-V's rules, where x86's min/max differ (they return the
    second operand for a NaN and for zeros of either sign): a NaN operand gives
    the other (two: the canonical NaN), -0 is below +0; NV only for a
    signalling NaN (ucomis* raises IE only then)."""
    a = blk.a
    single, minmax, zeros = _MIN_MAX[name]
    compare = Code.UCOMISS_XMM_XMMM32 if single else Code.UCOMISD_XMM_XMMM64
    if single:
        _unbox_s(blk, R.XMM1, rs2)
        _unbox_s(blk, R.XMM0, rs1)
    else:
        a.emit(blk.xmm_from_f(R.XMM0, rs1))
        a.emit(blk.xmm_from_f(R.XMM1, rs2))
    unordered, differ, done, x_nan, both = (a.label() for _ in range(5))
    a.emit(X.create_reg_reg(compare, R.XMM0, R.XMM1))
    a.emit(X.create_branch(Code.JP_REL32_64, unordered))
    a.emit(X.create_branch(Code.JNE_REL32_64, differ))
    a.emit(X.create_reg_reg(zeros, R.XMM0, R.XMM1))  # equal: only +0 and -0 differ in bits
    a.emit(X.create_branch(Code.JMP_REL32_64, done))
    a.emit(X.create_reg_reg(minmax, R.XMM0, R.XMM1), label=differ)
    a.bind(done)
    _f_from_xmm0(blk, rd, single)
    # out of line, a NaN: the other operand, if it is not one too
    canon = _canonical_nan(R.XMM0, single)
    for insn, label in [(X.create_reg_reg(compare, R.XMM0, R.XMM0), unordered),
                        (X.create_branch(Code.JP_REL32_64, x_nan), None),
                        (X.create_branch(Code.JMP_REL32_64, done), None),  # (rs2 is the NaN)
                        (X.create_reg_reg(compare, R.XMM1, R.XMM1), x_nan),
                        (X.create_branch(Code.JP_REL32_64, both), None),
                        (X.create_reg_reg(Code.MOVAPS_XMM_XMMM128, R.XMM0, R.XMM1), None),
                        (X.create_branch(Code.JMP_REL32_64, done), None),
                        (canon[0], both), (canon[1], None),
                        (X.create_branch(Code.JMP_REL32_64, done), None)]:
        a.emit(insn, True, label)


def _emit_fclass(blk, rd: int, rs1: int, single: bool):
    """fclass: one of ten bits, by the exponent (all ones: inf or NaN, zero:
    zero or subnormal, else normal), the fraction and the sign (a NaN: its
    quiet bit); a single not NaN-boxed is the canonical NaN."""
    a = blk.a
    fbits, emax = (23, 0xFF) if single else (52, 0x7FF)
    if single:
        _unbox_s(blk, None, rs1)  # (eax; the upper half of rax clear)
        a.emit(X.create_reg_reg(Code.MOV_R32_RM32, R.EAX, R.EAX))
    else:
        a.emit(_gpr_from(R.RAX, blk.fsrc(rs1)))
    special, zsub, zero, nan, signed, done = (a.label() for _ in range(6))

    def by_sign(pos: int, neg: int) -> list:  # the class's bit for each sign: `signed` picks
        return [X.create_reg_u32(Code.MOV_R32_IMM32, R.ECX, 1 << pos),
                X.create_reg_u32(Code.MOV_R32_IMM32, R.EDX, 1 << neg),
                X.create_branch(Code.JMP_REL32_64, signed)]

    for insn in [X.create_reg_reg(Code.MOV_R64_RM64, R.RCX, R.RAX),
                 X.create_reg_u32(Code.SHR_RM64_IMM8, R.RCX, fbits),
                 X.create_reg_u32(Code.AND_RM32_IMM32, R.ECX, emax),  # the exponent
                 X.create_reg_reg(Code.MOV_R64_RM64, R.RDX, R.RAX),
                 X.create_reg_u32(Code.SHL_RM64_IMM8, R.RDX, 64 - fbits),  # the fraction, on top
                 X.create_reg_u32(Code.CMP_RM32_IMM32, R.ECX, emax),
                 X.create_branch(Code.JE_REL32_64, special),
                 X.create_reg_reg(Code.TEST_RM32_R32, R.ECX, R.ECX),
                 X.create_branch(Code.JE_REL32_64, zsub)] + by_sign(6, 1):  # normal
        a.emit(insn)
    for k, insn in enumerate([X.create_reg_reg(Code.TEST_RM64_R64, R.RDX, R.RDX),
                              X.create_branch(Code.JE_REL32_64, zero)] + by_sign(5, 2)):
        a.emit(insn, label=zsub if k == 0 else None)  # subnormal
    for k, insn in enumerate(by_sign(4, 3)):
        a.emit(insn, label=zero if k == 0 else None)
    for k, insn in enumerate([X.create_reg_reg(Code.TEST_RM64_R64, R.RDX, R.RDX),
                              X.create_branch(Code.JNE_REL32_64, nan)] + by_sign(7, 0)):
        a.emit(insn, label=special if k == 0 else None)  # infinity
    # a NaN: quiet (bit 9) when the fraction's top bit, now rdx's sign, is set
    a.emit(X.create_reg_u32(Code.MOV_R32_IMM32, R.EAX, 1 << 8), label=nan)
    a.emit(X.create_reg_u32(Code.MOV_R32_IMM32, R.ECX, 1 << 9))
    a.emit(X.create_reg_reg(Code.TEST_RM64_R64, R.RDX, R.RDX))
    a.emit(X.create_reg_reg(Code.CMOVS_R32_RM32, R.EAX, R.ECX))
    a.emit(X.create_branch(Code.JMP_REL32_64, done))
    value = R.EAX if single else R.RAX  # (its sign bit)
    a.emit(X.create_reg_reg(Code.TEST_RM32_R32 if single else Code.TEST_RM64_R64, value, value),
           label=signed)
    a.emit(X.create_reg_reg(Code.CMOVS_R32_RM32, R.ECX, R.EDX))
    a.emit(X.create_reg_reg(Code.MOV_R32_RM32, R.EAX, R.ECX))
    a.bind(done)
    a.emit(blk.write_rd(rd))


def _emit_to_int(blk, name: str, rd: int, rs1: int, truncate: bool):
    """fcvt.w.{d,s} / fcvt.l.{d,s}: cvt(t)s{d,s}2si, whose invalid cases (NaN, out
    of range: IE raised, so NV) give the "integer indefinite" MIN; RISC-V gives
    MAX for NaN and too large a value (and MIN for too small one, and for MIN
    itself)."""
    a = blk.a
    single, wide, _ = _TO_INT[name]
    dst = R.RAX if wide else R.EAX
    code = _CVT_TO_INT[single, truncate, wide]
    fix, back, to_max = a.label(), a.label(), a.label()
    if single:
        _unbox_s(blk, R.XMM0, rs1)
    a.emit(_op(code, dst, R.XMM0 if single else blk.fsrc(rs1)))
    if wide:
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RCX, 1 << 63))
        a.emit(X.create_reg_reg(Code.CMP_RM64_R64, R.RAX, R.RCX))
    else:
        a.emit(X.create_reg_u32(Code.CMP_RM32_IMM32, R.EAX, 0x80000000))
    a.emit(X.create_branch(Code.JE_REL32_64, fix))
    if not wide:
        a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, R.RAX, R.EAX), label=back)
    else:
        a.bind(back)
    a.emit(blk.write_rd(rd))
    # out of line: MIN stays for a negative input; NaN and positive ones give MAX
    for k, insn in enumerate([
            X.create_reg_reg(Code.MOVAPS_XMM_XMMM128, R.XMM1, R.XMM0) if single else
            _gpr_from(R.RCX, blk.fsrc(rs1)),
            X.create_reg_reg(Code.MOVD_RM32_XMM, R.ECX, R.XMM0) if single else
            X.create_reg_reg(Code.MOVQ_XMM_RM64, R.XMM1, R.RCX),
            X.create_reg_reg(Code.UCOMISS_XMM_XMMM32 if single else Code.UCOMISD_XMM_XMMM64,
                             R.XMM1, R.XMM1),
            X.create_branch(Code.JP_REL32_64, to_max),
            X.create_reg_reg(Code.TEST_RM32_R32, R.ECX, R.ECX) if single else
            X.create_reg_reg(Code.TEST_RM64_R64, R.RCX, R.RCX),
            X.create_branch(Code.JS_REL32_64, back)]):
        a.emit(insn, True, label=fix if k == 0 else None)
    a.emit(X.create_reg_i32(Code.SUB_RM64_IMM8 if wide else Code.SUB_RM32_IMM8, dst, 1), True,
           label=to_max)  # (MIN - 1: MAX)
    a.emit(X.create_branch(Code.JMP_REL32_64, back), True)


#: float-to-integer conversions in line: name -> (from a single, to 64 bits, unsigned)
_TO_INT = {f"fcvt.{to}.{p}": (p == "s", to.startswith("l"), to.endswith("u"))
           for to in ("w", "l", "wu", "lu") for p in ("d", "s")}
#: (from a single, truncating, to 64 bits) -> cvt(t)s{s,d}2si
_CVT_TO_INT = {(single, truncate, wide): getattr(
    Code, f"CVT{'T' * truncate}S{'S' if single else 'D'}2SI_R{64 if wide else 32}_XMMM"
          f"{32 if single else 64}")
    for single in (False, True) for truncate in (False, True) for wide in (False, True)}


def _emit_to_unsigned(blk, name: str, e, i: int, insn_pc: int, truncate: bool):
    """fcvt.wu.{d,s} / fcvt.lu.{d,s}: from 0 up to (below) 2**32 - 1 (wu) or
    2**63 (lu), the signed 64-bit cvt(t)s{d,s}2si; the rest (negative, NaN,
    large: RISC-V's own rules and flags, decided before any conversion raises
    one) out of line through the interpreter's definition."""
    a = blk.a
    single, wide, _ = _TO_INT[name]
    rd, rs1 = int(e["rd"]), int(e["rs1"])
    other, back = a.label(), a.label()
    compare = Code.UCOMISS_XMM_XMMM32 if single else Code.UCOMISD_XMM_XMMM64
    # (the largest single below 2**32 - 1 is 2**32 - 256: from there on, out of line)
    limit = float(2 ** 63 if wide else 2 ** 32 - (256 if single else 1))
    if single:
        _unbox_s(blk, R.XMM0, rs1)
    else:
        a.emit(blk.xmm_from_f(R.XMM0, rs1))
    a.emit(X.create_reg_reg(Code.XORPS_XMM_XMMM128, R.XMM1, R.XMM1))
    a.emit(X.create_reg_reg(compare, R.XMM0, R.XMM1))  # (IE: a signalling NaN)
    a.emit(X.create_branch(Code.JB_REL32_64, other))  # (below zero or unordered: CF set)
    bits = struct.unpack("<I", struct.pack("<f", limit))[0] if single else \
        struct.unpack("<Q", struct.pack("<d", limit))[0]
    a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, bits))
    a.emit(X.create_reg_reg(Code.MOVQ_XMM_RM64, R.XMM1, R.RAX))
    a.emit(X.create_reg_reg(compare, R.XMM1, R.XMM0))
    a.emit(X.create_branch(Code.JBE_REL32_64, other))  # (limit <= x)
    a.emit(X.create_reg_reg(_CVT_TO_INT[single, truncate, True], R.RAX, R.XMM0))
    if not wide:  # (the 32-bit result sign-extended, as RV64 has it)
        a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, R.RAX, R.EAX))
    a.emit(blk.write_rd(rd))
    a.bind(back)
    a.bind(other, cold=True)
    _call_ir_helper(blk, "call_fp", i, cold=True)
    fault = a.label()
    a.emit(X.create_branch(Code.JNE_REL32_64, fault), True)
    a.emit(X.create_branch(Code.JMP_REL32_64, back), True)
    blk.leave_early(i, insn_pc, raw=int(e["raw"]), label=fault)


def _unbox_s(blk, xmm, rs: int):
    """xmm (None: eax alone) = single rs, NaN-boxed (else the canonical NaN, as
    RISC-V reads it); eax has its bits too."""
    a = blk.a
    bad, back = a.label(), a.label()
    a.emit(_gpr_from(R.RAX, blk.fsrc(rs)))
    a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RDX, BOX_S))
    a.emit(X.create_reg_reg(Code.CMP_RM64_R64, R.RAX, R.RDX))  # boxed: rax >= BOX_S
    a.emit(X.create_branch(Code.JB_REL32_64, bad))
    a.bind(back)
    if xmm is not None:
        a.emit(X.create_reg_reg(Code.MOVD_XMM_RM32, xmm, R.EAX))
    a.emit(X.create_reg_u32(Code.MOV_R32_IMM32, R.EAX, CANON_NAN_S), True, label=bad)
    a.emit(X.create_branch(Code.JMP_REL32_64, back), True)


def _box_s(blk, rd: int):
    """Single rd = eax, NaN-boxed (rax's upper half clear: eax was written last)."""
    blk.a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RDX, BOX_S))
    blk.a.emit(X.create_reg_reg(Code.OR_RM64_R64, R.RAX, R.RDX))
    blk.a.emit(blk.f_from_gpr(rd))


def _f_from_xmm0(blk, rd: int, single: bool):
    """f register rd = xmm0's double, or its single NaN-boxed (no NaN to canonicalise)."""
    if single:
        blk.a.emit(X.create_reg_reg(Code.MOVD_RM32_XMM, R.EAX, R.XMM0))
        _box_s(blk, rd)
    else:
        blk.a.emit(blk.f_to(rd))


def _canonical_nan(x, single: bool) -> list:
    """Instructions setting xmm register x to the canonical NaN (eax/rax clobbered)."""
    if single:
        return [X.create_reg_u32(Code.MOV_R32_IMM32, R.EAX, CANON_NAN_S),
                X.create_reg_reg(Code.MOVD_XMM_RM32, x, R.EAX)]
    return [X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, CANON_NAN_D),
            X.create_reg_reg(Code.MOVQ_XMM_RM64, x, R.RAX)]


def _result_s(blk, rd: int, fma_inputs=None):
    """Single rd = xmm0, a NaN canonical, NaN-boxed. For an FMA (fma_inputs:
    where the multiplicands are, fsrc), NV for inf * 0 with a quiet NaN addend,
    as _canon_d does for doubles (an input not NaN-boxed reads as a NaN)."""
    a = blk.a
    fix, back, canon = a.label(), a.label(), a.label()
    a.emit(X.create_reg_reg(Code.UCOMISS_XMM_XMMM32, R.XMM0, R.XMM0))
    a.emit(X.create_branch(Code.JP_REL32_64, fix))
    a.emit(X.create_reg_reg(Code.MOVD_RM32_XMM, R.EAX, R.XMM0), label=back)  # (zero-extends)
    _box_s(blk, rd)
    if fma_inputs is not None:  # (multiplicands not NaN-boxed are NaNs: no such NV)
        for k, insn in enumerate([
                _gpr_from(R.RAX, fma_inputs[0]), _gpr_from(R.RCX, fma_inputs[1]),
                X.create_reg_u64(Code.MOV_R64_IMM64, R.RDX, BOX_S),
                X.create_reg_reg(Code.CMP_RM64_R64, R.RAX, R.RDX),
                X.create_branch(Code.JB_REL32_64, canon),
                X.create_reg_reg(Code.CMP_RM64_R64, R.RCX, R.RDX),
                X.create_branch(Code.JB_REL32_64, canon),
                X.create_reg_u32(Code.AND_RM32_IMM32, R.EAX, 0x7FFFFFFF),
                X.create_reg_u32(Code.AND_RM32_IMM32, R.ECX, 0x7FFFFFFF)]):
            a.emit(insn, True, label=fix if k == 0 else None)
        _nv_for_inf_times_zero(a, R.EAX, R.ECX, 0x7F800000, False, canon)
        a.bind(canon, cold=True)
    else:
        a.bind(fix, cold=True)
    for k, insn in enumerate(_canonical_nan(R.XMM0, True)):
        a.emit(insn, True, label=canon if k == 0 else None)
    a.emit(X.create_branch(Code.JMP_REL32_64, back), True)


def _nv_for_inf_times_zero(a: _Asm, x, y, inf, wide: bool, done: int):
    """(Out of line, for an FMA whose result is a NaN) NV when one of the
    magnitudes x, y (registers, sign cleared) is infinity (`inf`: wide, a
    register holding the double's; else the single's, 32 bits) and the other
    zero; on to `done`."""
    other, set_nv = a.label(), a.label()
    test = Code.TEST_RM64_R64 if wide else Code.TEST_RM32_R32

    def is_inf(r):
        return X.create_reg_reg(Code.CMP_RM64_R64, r, inf) if wide else \
            X.create_reg_u32(Code.CMP_RM32_IMM32, r, inf)

    for insn in [is_inf(x), X.create_branch(Code.JNE_REL32_64, other),
                 X.create_reg_reg(test, y, y), X.create_branch(Code.JE_REL32_64, set_nv)]:
        a.emit(insn, True)
    for k, insn in enumerate([is_inf(y), X.create_branch(Code.JNE_REL32_64, done),
                              X.create_reg_reg(test, x, x),
                              X.create_branch(Code.JNE_REL32_64, done)]):
        a.emit(insn, True, label=other if k == 0 else None)
    a.emit(X.create_mem_u32(Code.OR_RM32_IMM8, M(CPU, displ=_L["cpu_fcsr"]), 0x10), True,
           label=set_nv)


def _nan_later(blk, x):
    """The NaN check of a double result in rd's xmm register x, paired with the
    next one's: one `ucomisd` of two results finds a NaN in either. Until
    then x may hold a NaN that is not the canonical one; that is safe while
    only F/D arithmetic reads it (a NaN in gives a NaN out, with the same flags
    for any quiet NaN) and nothing can leave the region or fault: _emit_seg
    checks before any other instruction (_nan_can_wait) and at a segment's end."""
    pending = blk.nan_pending
    blk.nan_pending = None if pending is not None else x
    if pending is not None:
        _nan_check(blk, pending, x)


def _nan_can_wait(blk, name: str, e) -> bool:
    """Whether instruction e leaves a deferred NaN check waiting: it is F/D
    arithmetic that checks its result with _nan_later, or integer arithmetic
    (neither leaves the region nor faults nor reads an f register)."""
    if name in _FP_ARITH or name == "fsqrt.d":
        rd = int(e["rd"])
        return rd in blk.falloc and _native_fp(name, e) and \
            (HOST_AVX or name == "fsqrt.d" or rd != int(e["rs2"]) or rd == int(e["rs1"]))
    return name in _PURE_INTEGER and name not in M_OUT_OF_LINE


def _nan_check(blk, x=None, y=None):
    """NaN results in xmm registers x and y (default: the deferred one alone)
    become the canonical NaN: one unordered compare of the two in line (results
    are quiet NaNs: no flag), each checked again out of line."""
    a = blk.a
    if x is None:
        x, blk.nan_pending = blk.nan_pending, None
    if y is None or y is x:
        _canon_d(a, x=x)
        return
    fix, back = a.label(), a.label()
    a.emit(X.create_reg_reg(Code.UCOMISD_XMM_XMMM64, x, y))
    a.emit(X.create_branch(Code.JP_REL32_64, fix))
    a.bind(back)
    for r in (x, y):
        ok = a.label()
        a.emit(X.create_reg_reg(Code.UCOMISD_XMM_XMMM64, r, r), True,
               label=fix if r is x else None)
        a.emit(X.create_branch(Code.JNP_REL32_64, ok), True)
        for insn in _canonical_nan(r, False):
            a.emit(insn, True)
        a.bind(ok, cold=True)
    a.emit(X.create_branch(Code.JMP_REL32_64, back), True)


def _canon_d(a: _Asm, fma_inputs=None, x=R.XMM0):
    """A NaN result in xmm register x becomes the canonical NaN (ucomisd: no flags for qNaN).
    For an FMA, RISC-V also wants NV for inf * 0 when the addend is a quiet NaN,
    which x86 does not raise: checked here, where every such case lands
    (fma_inputs: where the multiplicands are, fsrc)."""
    fix, back = a.label(), a.label()
    a.emit(X.create_reg_reg(Code.UCOMISD_XMM_XMMM64, x, x))
    a.emit(X.create_branch(Code.JP_REL32_64, fix))
    a.bind(back)
    first = True
    if fma_inputs is not None:
        done = a.label()
        for k, insn in enumerate([_gpr_from(R.RAX, fma_inputs[0]), _gpr_from(R.RCX, fma_inputs[1]),
                                  X.create_reg_u32(Code.BTR_RM64_IMM8, R.RAX, 63),
                                  X.create_reg_u32(Code.BTR_RM64_IMM8, R.RCX, 63),
                                  X.create_reg_u64(Code.MOV_R64_IMM64, R.RDX, 0x7FF0000000000000)]):
            a.emit(insn, True, fix if k == 0 else None)
        _nv_for_inf_times_zero(a, R.RAX, R.RCX, R.RDX, True, done)
        a.bind(done, cold=True)
        first = False
    for k, insn in enumerate(_canonical_nan(x, False)):
        a.emit(insn, True, label=fix if first and k == 0 else None)
    a.emit(X.create_branch(Code.JMP_REL32_64, back), True)


def _emit_fp(blk, name: str, e, i: int, insn_pc: int, next_pc: int):
    a = blk.a
    rd, rs1, rs2 = int(e["rd"]), int(e["rs1"]), int(e["rs2"])
    if not _native_fp(name, e):  # the interpreter's definition, called: vm_jit_fp(rt, &ir[i])
        _call_ir_helper(blk, "call_fp", i)
        fault = a.label()
        a.emit(X.create_branch(Code.JNE_REL32_64, fault))
        blk.leave_early(i, insn_pc, raw=int(e["raw"]), label=fault)
        return
    f = blk.fsrc
    if name in _FP_ARITH_S:
        _unbox_s(blk, R.XMM0, rs1)
        _unbox_s(blk, R.XMM1, rs2)
        a.emit(X.create_reg_reg(_FP_ARITH_S[name], R.XMM0, R.XMM1))
        _result_s(blk, rd)
    elif name in _FMA_S:
        scratch = M(R.RSP, displ=-8)  # (the red zone: the addend, unboxed)
        _unbox_s(blk, None, int(e["rs3"]))
        a.emit(X.create_mem_reg(Code.MOV_RM32_R32, scratch, R.EAX))
        _unbox_s(blk, R.XMM1, rs2)
        _unbox_s(blk, R.XMM0, rs1)
        a.emit(X.create_reg_reg_mem(_FMA_S[name], R.XMM0, R.XMM1, scratch))
        _result_s(blk, rd, fma_inputs=(f(rs1), f(rs2)))
    elif name == "fsqrt.s":
        _unbox_s(blk, R.XMM0, rs1)
        a.emit(X.create_reg_reg(Code.SQRTSS_XMM_XMMM32, R.XMM0, R.XMM0))
        _result_s(blk, rd)
    elif name in ("feq.s", "flt.s", "fle.s"):  # as the doubles' below
        _unbox_s(blk, R.XMM0, rs1 if name == "feq.s" else rs2)
        _unbox_s(blk, R.XMM1, rs2 if name == "feq.s" else rs1)
        a.emit(X.create_reg_reg(Code.XOR_R32_RM32, R.EAX, R.EAX))
        if name == "feq.s":
            a.emit(X.create_reg_reg(Code.UCOMISS_XMM_XMMM32, R.XMM0, R.XMM1))
            a.emit(X.create_reg(Code.SETE_RM8, R.AL))
            a.emit(X.create_reg(Code.SETNP_RM8, R.CL))
            a.emit(X.create_reg_reg(Code.AND_RM8_R8, R.AL, R.CL))
        else:
            a.emit(X.create_reg_reg(Code.COMISS_XMM_XMMM32, R.XMM0, R.XMM1))
            a.emit(X.create_reg(Code.SETA_RM8 if name == "flt.s" else Code.SETAE_RM8, R.AL))
        a.emit(blk.write_rd(rd))
    elif name in ("fsgnj.s", "fsgnjn.s", "fsgnjx.s"):  # as the doubles' below, on 32 bits
        _unbox_s(blk, None, rs2)
        a.emit(X.create_reg_reg(Code.MOV_R32_RM32, R.ECX, R.EAX))
        _unbox_s(blk, None, rs1)
        if name == "fsgnjn.s":
            a.emit(X.create_reg(Code.NOT_RM32, R.ECX))
        a.emit(X.create_reg_u32(Code.AND_RM32_IMM32, R.ECX, 0x80000000))
        if name != "fsgnjx.s":
            a.emit(X.create_reg_u32(Code.AND_RM32_IMM32, R.EAX, 0x7FFFFFFF))
            a.emit(X.create_reg_reg(Code.OR_RM32_R32, R.EAX, R.ECX))
        else:
            a.emit(X.create_reg_reg(Code.XOR_RM32_R32, R.EAX, R.ECX))
        _box_s(blk, rd)
    elif name == "fcvt.d.s":
        _unbox_s(blk, R.XMM0, rs1)
        a.emit(X.create_reg_reg(Code.CVTSS2SD_XMM_XMMM32, R.XMM0, R.XMM0))
        _canon_d(a)
        a.emit(blk.f_to(rd))
    elif name == "fcvt.s.d":
        a.emit(blk.xmm_from_f(R.XMM0, rs1))
        a.emit(X.create_reg_reg(Code.CVTSD2SS_XMM_XMMM64, R.XMM0, R.XMM0))
        _result_s(blk, rd)
    elif name in ("fcvt.s.w", "fcvt.s.l"):
        a.emit(_op(Code.MOV_R64_RM64, R.RAX, blk.src(rs1)))
        a.emit(X.create_reg_reg(Code.XORPS_XMM_XMMM128, R.XMM0, R.XMM0))
        a.emit(X.create_reg_reg(Code.CVTSI2SS_XMM_RM32 if name == "fcvt.s.w"
                                else Code.CVTSI2SS_XMM_RM64, R.XMM0,
                                R.EAX if name == "fcvt.s.w" else R.RAX))
        _result_s(blk, rd)
    elif name == "fmv.x.w":  # the low 32 bits, sign-extended (boxed or not)
        a.emit(_gpr_from(R.RAX, f(rs1)))
        a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, R.RAX, R.EAX))
        a.emit(blk.write_rd(rd))
    elif name == "fmv.w.x":
        _load(blk, R.EAX, rs1)
        _box_s(blk, rd)
    elif name in _TO_INT and _TO_INT[name][2]:  # (unsigned)
        _emit_to_unsigned(blk, name, e, i, insn_pc, int(e["rm"]) == 1)
    elif name in _TO_INT:
        _emit_to_int(blk, name, rd, rs1, int(e["rm"]) == 1)
    elif name in ("fclass.d", "fclass.s"):
        _emit_fclass(blk, rd, rs1, name == "fclass.s")
    elif name in _MIN_MAX:
        _emit_min_max(blk, name, rd, rs1, rs2)
    elif name in _FROM_UNSIGNED:
        _emit_from_unsigned(blk, name, rd, rs1)
    elif name in _FP_ARITH:
        x = _arith_d(blk, name, rd, rs1, rs2)
        if x is R.XMM0:
            _canon_d(a, x=x)
            a.emit(blk.f_to(rd))
        else:
            _nan_later(blk, x)
    elif name in _FMA:
        a.emit(blk.xmm_from_f(R.XMM0, rs1))
        a.emit(blk.xmm_from_f(R.XMM1, rs2))
        rs3 = f(int(e["rs3"]))
        a.emit(X.create_reg_reg_mem(_FMA[name], R.XMM0, R.XMM1, rs3) if isinstance(rs3, M)
               else X.create_reg_reg_reg(_FMA[name], R.XMM0, R.XMM1, rs3))
        _canon_d(a, fma_inputs=(f(rs1), f(rs2)))
        a.emit(blk.f_to(rd))
    elif name in ("feq.d", "flt.d", "fle.d"):
        # feq: quiet compare (NV only for sNaN); flt/fle: signalling (NV for any NaN),
        # as written b > a / b >= a so that unordered gives 0
        a.emit(X.create_reg_reg(Code.XOR_R32_RM32, R.EAX, R.EAX))
        if name == "feq.d":
            a.emit(blk.xmm_from_f(R.XMM0, rs1))
            a.emit(_op(Code.UCOMISD_XMM_XMMM64, R.XMM0, f(rs2)))
            a.emit(X.create_reg(Code.SETE_RM8, R.AL))
            a.emit(X.create_reg(Code.SETNP_RM8, R.CL))
            a.emit(X.create_reg_reg(Code.AND_RM8_R8, R.AL, R.CL))
        else:
            a.emit(blk.xmm_from_f(R.XMM0, rs2))
            a.emit(_op(Code.COMISD_XMM_XMMM64, R.XMM0, f(rs1)))
            a.emit(X.create_reg(Code.SETA_RM8 if name == "flt.d" else Code.SETAE_RM8, R.AL))
        a.emit(blk.write_rd(rd))
    elif name in ("fcvt.d.w", "fcvt.d.l"):
        a.emit(_op(Code.MOV_R64_RM64, R.RAX, blk.src(rs1)))
        # (xmm0 cleared first: cvtsi2sd writes only its low half, a false dependency)
        a.emit(X.create_reg_reg(Code.XORPS_XMM_XMMM128, R.XMM0, R.XMM0))
        if name == "fcvt.d.w":
            a.emit(X.create_reg_reg(Code.CVTSI2SD_XMM_RM32, R.XMM0, R.EAX))
        else:
            a.emit(X.create_reg_reg(Code.CVTSI2SD_XMM_RM64, R.XMM0, R.RAX))
        a.emit(blk.f_to(rd))
    elif name == "fsqrt.d":
        x = blk.falloc.get(rd, R.XMM0)
        a.emit(_op(Code.SQRTSD_XMM_XMMM64, x, f(rs1)))
        if x is R.XMM0:
            _canon_d(a, x=x)
            a.emit(blk.f_to(rd))
        else:
            _nan_later(blk, x)
    elif name == "fmv.x.d":
        a.emit(_gpr_from(R.RAX, f(rs1)))
        a.emit(blk.write_rd(rd))
    elif name == "fmv.d.x":
        a.emit(_op(Code.MOV_R64_RM64, R.RAX, blk.src(rs1)))
        a.emit(blk.f_from_gpr(rd))
    elif name in ("fsgnj.d", "fsgnjn.d", "fsgnjx.d"):
        a.emit(_gpr_from(R.RAX, f(rs1)))
        a.emit(_gpr_from(R.RCX, f(rs2)))
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RDX, 1 << 63))
        if name == "fsgnjn.d":
            a.emit(X.create_reg(Code.NOT_RM64, R.RCX))
        a.emit(X.create_reg_reg(Code.AND_RM64_R64, R.RCX, R.RDX))
        if name != "fsgnjx.d":
            a.emit(X.create_reg(Code.NOT_RM64, R.RDX))
            a.emit(X.create_reg_reg(Code.AND_RM64_R64, R.RAX, R.RDX))
            a.emit(X.create_reg_reg(Code.OR_RM64_R64, R.RAX, R.RCX))
        else:
            a.emit(X.create_reg_reg(Code.XOR_RM64_R64, R.RAX, R.RCX))
        a.emit(blk.f_from_gpr(rd))


def _arith_d(blk, name: str, rd: int, rs1: int, rs2: int):
    """rd = rs1 op rs2 (doubles), computed in rd's xmm register when it has one
    (AVX's three operands; with SSE's two, unless rd is rs2 but not rs1), else
    in xmm0; returns that register."""
    a, f = blk.a, blk.fsrc
    x, x1 = blk.falloc.get(rd), f(rs1)
    if x is not None and HOST_AVX:
        if isinstance(x1, M):
            a.emit(X.create_reg_mem(Code.MOVSD_XMM_XMMM64, R.XMM0, x1))
            x1 = R.XMM0
        x2 = f(rs2)
        a.emit(X.create_reg_reg_mem(_FP_ARITH_AVX[name], x, x1, x2) if isinstance(x2, M)
               else X.create_reg_reg_reg(_FP_ARITH_AVX[name], x, x1, x2))
        return x
    if x is None or (rd == rs2 and rd != rs1):
        x = R.XMM0
    if x is not x1:
        a.emit(blk.xmm_from_f(x, rs1))
    a.emit(_op(_FP_ARITH[name], x, f(rs2)))
    return x


def _dest(blk, rd: int, avoid: int = -1):
    """The host register an integer result is computed in: rd's own when it has
    one (unless it also holds the second operand `avoid`), else rax."""
    host = blk.alloc.get(rd)
    return host if host is not None and rd != avoid else R.RAX


def _load(blk, dst, i: int):
    """dst (a 64- or 32-bit host register) = guest register i."""
    wide = dst not in _LOW32_SET
    if i == 0:
        low = dst if not wide else _LOW32[dst]
        blk.a.emit(X.create_reg_reg(Code.XOR_R32_RM32, low, low))
        return
    where = blk.src(i, 64 if wide else 32)
    if isinstance(where, M) or where != dst:  # (M != int: slow, _in_xmm)
        blk.a.emit(_op(Code.MOV_R64_RM64 if wide else Code.MOV_R32_RM32, dst, where))


def _store(blk, rd: int, host):
    """Guest register rd = host register (nothing when it is rd's own)."""
    if blk.alloc.get(rd) != host:
        blk.a.emit(blk.write_rd(rd, host))


def _move(blk, rd: int, rs: int):
    """rd = rs."""
    host = blk.alloc.get(rs) if rs else None
    if host is not None and blk.alloc.get(rd) is None:  # a register into a cpu slot
        blk.a.emit(blk.write_rd(rd, host))
        return
    dst = _dest(blk, rd)
    _load(blk, dst, rs)
    _store(blk, rd, dst)


def _w_op(blk, rd: int, rs1: int, op, avoid: int = -1):
    """rd = op on the low 32 bits of rs1, sign-extended (a W instruction):
    computed in rd's own host register when it has one (op(low) emits the
    operation on that register's 32-bit view; `avoid`: as _dest)."""
    dst = _dest(blk, rd, avoid)
    low = _LOW32[dst]
    _load(blk, low, rs1)
    op(low)
    blk.a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, dst, low))
    _store(blk, rd, dst)


def _emit_shift_bmi2(blk, name: str, rd: int, rs1: int, rs2: int):
    """sll/srl/sra(w) as shlx/shrx/sarx: into rd's own register, the count read
    where it is held (rcx only when it is in memory), no move of rs1 first."""
    w = name.endswith("w")
    count = blk.alloc.get(rs2) if rs2 else None
    if count is None:
        _load(blk, R.RCX, rs2)
        count = R.RCX
    dst = _dest(blk, rd)
    low = _LOW32[dst] if w else dst
    source = blk.src(rs1, 32 if w else 64) if rs1 else None
    if source is None:  # x0 shifted: 0
        _load(blk, low, 0)
        source = low
    create = X.create_reg_mem_reg if isinstance(source, M) else X.create_reg_reg_reg
    blk.a.emit(create(_SHIFT_BMI2[name], low, source, _LOW32[count] if w else count))
    if w:
        blk.a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, dst, low))
    _store(blk, rd, dst)


def _lea(blk, rd: int, rs1: int, rs2: int = 0, imm: int = 0, shift: int = 0,
         w: bool = False) -> bool:
    """rd = rs1 + imm, rs1 + rs2 or rs1 << shift (1-3) in one instruction (a
    lea), into rd's own register, when the registers it reads are in host
    registers and rd is none of them (else False: the two-operand form, a
    move first, does it); w: a W instruction, the sum sign-extended."""
    h1, h2 = blk.alloc.get(rs1), blk.alloc.get(rs2)
    if rd in (rs1, rs2) or h1 is None or (rs2 and h2 is None) or not 0 < rd < 32:
        return False
    address = M(h1, h2) if rs2 else M(h1, h1) if shift == 1 else \
        M(R.NONE, h1, 1 << shift) if shift else M(h1, displ=imm)
    dst = _dest(blk, rd)
    if w:
        blk.a.emit(X.create_reg_mem(Code.LEA_R32_M, _LOW32[dst], address))
        blk.a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, dst, _LOW32[dst]))
    else:
        blk.a.emit(X.create_reg_mem(Code.LEA_R64_M, dst, address))
    _store(blk, rd, dst)
    return True


def _sext32(blk, rd: int):
    """rd = eax sign-extended."""
    dst = _dest(blk, rd)
    blk.a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, dst, R.EAX))
    _store(blk, rd, dst)


_MASK = 0xFFFFFFFFFFFFFFFF


def _signed(value: int, bits: int = 64) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _sext(value: int, bits: int) -> int:
    """The low `bits` of value sign-extended, as a 64-bit pattern."""
    return _signed(value, bits) & _MASK


#: integer operations constant folding evaluates: (a, b) -> result (b: rs2 or imm)
_FOLD = {
    "addi": lambda a, b: a + b, "xori": lambda a, b: a ^ b, "ori": lambda a, b: a | b,
    "andi": lambda a, b: a & b, "addiw": lambda a, b: _sext(a + b, 32),
    "slli": lambda a, b: a << (b & 63), "srli": lambda a, b: a >> (b & 63),
    "srai": lambda a, b: _signed(a) >> (b & 63),
    "slliw": lambda a, b: _sext(a << (b & 31), 32),
    "srliw": lambda a, b: _sext((a & 0xFFFFFFFF) >> (b & 31), 32),
    "sraiw": lambda a, b: _sext(_signed(a, 32) >> (b & 31), 32),
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "xor": lambda a, b: a ^ b,
    "or": lambda a, b: a | b, "and": lambda a, b: a & b,
    "addw": lambda a, b: _sext(a + b, 32), "subw": lambda a, b: _sext(a - b, 32),
}
_FOLD_RR = {"add", "sub", "xor", "or", "and", "addw", "subw"}


def _fold(blk, name: str, e):
    """The result of instruction e when its operands are known constants, else None."""
    fn = _FOLD.get(name)
    if fn is None or e["rd"] == 32:
        return None
    consts = blk.consts
    a = 0 if e["rs1"] == 0 else consts.get(e["rs1"])
    if a is None:
        return None
    if name in _FOLD_RR:
        b = 0 if e["rs2"] == 0 else consts.get(e["rs2"])
        if b is None:
            return None
    else:
        b = e["imm"]
    return fn(a, b) & _MASK


#: value ranging: the signed range of 32-bit results (a W instruction's), of 64-bit ones
_I32 = (-(1 << 31), (1 << 31) - 1)
_I64 = (-(1 << 63), (1 << 63) - 1)
_LOAD_RANGE = {"lb": (-(1 << 7), (1 << 7) - 1), "lbu": (0, (1 << 8) - 1),
               "lh": (-(1 << 15), (1 << 15) - 1), "lhu": (0, (1 << 16) - 1),
               "lw": _I32, "lwu": (0, (1 << 32) - 1), "lr.w": _I32}
#: integer instructions whose result is the low 32 bits of a result, sign-extended
_W_RESULT = frozenset(name for name, spec in BY_NAME.items()
                      if spec.cls in ("alu", "mul", "div") and name.endswith("w")) | \
    frozenset(name for name in BY_NAME if name.startswith("amo") and name.endswith(".w"))


def _within(span, bounds) -> bool:
    return span is not None and bounds[0] <= span[0] and span[1] <= bounds[1]


def _range(blk, r: int):
    """(lo, hi): guest register r's signed value is known to lie in [lo, hi]
    (level 2: from constants and the instructions that set it); else None."""
    if r == 0:
        return (0, 0)
    value = blk.consts.get(r)
    if value is not None:
        value = _signed(value)
        return (value, value)
    return blk.ranges.get(r)


def _exact_range(blk, name: str, rs1: int, rs2, imm: int = 0):
    """The range of the exact (unbounded) result of add/sub/mul (a W one's
    before it is cut to 32 bits) of rs1 and rs2 (None: imm), when the operands'
    are known; else None."""
    a, b = _range(blk, rs1), (imm, imm) if rs2 is None else _range(blk, rs2)
    if a is None or b is None:
        return None
    op = name.rstrip("iw")
    if op == "add":
        return (a[0] + b[0], a[1] + b[1])
    if op == "sub":
        return (a[0] - b[1], a[1] - b[0])
    if op == "mul":
        corners = [x * y for x in a for y in b]
        return (min(corners), max(corners))
    return None


def _range_after(blk, name: str, e):
    """The range of instruction e's result (it writes x register rd), from its
    operands' ranges before it; None when nothing narrower than 64 bits is known."""
    if name in _LOAD_RANGE:
        return _LOAD_RANGE[name]
    if name in ("slt", "sltu", "slti", "sltiu", "sc.w", "sc.d"):
        return (0, 1)
    rs1, rs2, imm = int(e["rs1"]), int(e["rs2"]), int(e["imm"])
    if name in ("add", "addi", "addw", "addiw", "sub", "subw", "mul", "mulw"):
        span = _exact_range(blk, name, rs1, None if name.endswith(("i", "iw")) else rs2, imm)
        bounds = _I32 if name in _W_RESULT else _I64
        return span if _within(span, bounds) else _I32 if name in _W_RESULT else None
    a = _range(blk, rs1)
    b = (imm, imm) if name in ("andi", "ori", "xori") else _range(blk, rs2)
    if name in ("and", "andi", "or", "ori", "xor", "xori"):
        if name in ("and", "andi") and (a is not None and a[0] >= 0 or b is not None and b[0] >= 0):
            return (0, min(x[1] for x in (a, b) if x is not None and x[0] >= 0))
        if a is not None and b is not None and a[0] >= 0 and b[0] >= 0:
            return (0, (1 << max(a[1], b[1]).bit_length()) - 1)
        return _I32 if _within(a, _I32) and _within(b, _I32) else None  # (bit 31 copied up)
    k = imm & 63
    if name == "srli" and k:
        return (a[0] >> k, a[1] >> k) if a is not None and a[0] >= 0 else (0, (1 << (64 - k)) - 1)
    if name == "srai":
        a = a or _I64
        return (a[0] >> k, a[1] >> k)
    if name == "srliw" and imm & 31:
        return (0, (1 << (32 - (imm & 31))) - 1)
    if name == "sraiw":
        return (-(1 << (31 - (imm & 31))), (1 << (31 - (imm & 31))) - 1)
    return _I32 if name in _W_RESULT else None


def _set_const(blk, rd: int, value: int, scratch=R.RAX):
    if rd == 32:
        return  # x0: nothing to write
    value &= 0xFFFFFFFFFFFFFFFF
    signed = value - (1 << 64) if value >> 63 else value
    host = blk.alloc.get(rd)
    if host is not None:
        blk.a.drop_constant(host)
    if host is not None and 0 <= signed < (1 << 32):  # (zero-extended: 2 bytes less)
        blk.a.emit(X.create_reg_u32(Code.MOV_R32_IMM32, _LOW32[host], value))
        return
    if -(1 << 31) <= signed < (1 << 31):
        if host is not None:
            blk.a.emit(X.create_reg_i32(Code.MOV_RM64_IMM32, host, signed))
        else:
            blk.a.emit(X.create_mem_i32(Code.MOV_RM64_IMM32, xreg(rd), signed))
        return
    dst = host if host is not None else scratch
    blk.a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, dst, value))
    _store(blk, rd, dst)


def _compare(blk, rs1: int, rs2, imm: int = 0, zero_flag: bool = False):
    """Flags of guest register rs1 compared with rs2 (None: with imm); with
    `zero_flag`, only ZF (equal or not) is read."""
    a = blk.a
    left = blk.src(rs1) if rs1 else None
    if rs2 is None or rs2 == 0:
        value = imm if rs2 is None else 0
        if left is None:
            a.emit(X.create_reg_reg(Code.XOR_R32_RM32, R.ECX, R.ECX))
            left = R.RCX
        if value == 0 and not isinstance(left, M):
            if zero_flag and a.zero_flag_of(left, _LOW32[left]):
                return
            a.emit(X.create_reg_reg(Code.TEST_RM64_R64, left, left))
        elif isinstance(left, M):
            a.emit(X.create_mem_i32(Code.CMP_RM64_IMM32, left, value))
        else:
            a.emit(X.create_reg_i32(Code.CMP_RM64_IMM32, left, value))
        return
    right = blk.src(rs2)
    if left is None:
        a.emit(X.create_reg_reg(Code.XOR_R32_RM32, R.ECX, R.ECX))
        left = R.RCX
    elif isinstance(left, M) and isinstance(right, M):
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RCX, left))
        left = R.RCX
    if isinstance(left, M):
        a.emit(X.create_mem_reg(Code.CMP_RM64_R64, left, right))
    else:
        a.emit(_op(Code.CMP_R64_RM64, left, right))


def _udiv_magic(d: int) -> tuple:
    """(m, s, add) for an unsigned 64-bit division by d (2 <= d < 2**64, not a
    power of two) as a multiplication (Granlund and Montgomery): q is
    mulhi(x, m) >> s, or with `add` (m then stands for m + 2**64, which needs
    65 bits) t = mulhi(x, m), q = ((x - t) >> 1) + t) >> s."""
    for s in range(64):  # the smallest shift whose 64-bit multiplier is exact for every x
        m = -(-(1 << (64 + s)) // d)
        if m >> 64:
            break
        if m * d - (1 << (64 + s)) <= 1 << s:
            return m, s, False
    s = d.bit_length()  # (d not a power of two: 2**(s-1) < d < 2**s)
    return (1 << (64 + s)) // d + 1 - (1 << 64), s - 1, True


def _emit_udiv_by(blk, name: str, rd: int, rs1: int, d: int):
    """divu/remu (and the W forms, on the dividend's low 32 bits) by a divisor
    known at compile time, 2 and up: shifts and masks for a power of two, else
    a multiplication (_udiv_magic), where div takes tens of cycles."""
    a = blk.a
    wide, rem = not name.endswith("w"), name.startswith("rem")
    _load(blk, R.RAX if wide else R.EAX, rs1)  # (a W form's dividend zero-extended)

    def by_constant(imm_form, reg_form, value):  # rax op= value (through rdx past an imm32)
        if -(1 << 31) <= _signed(value) < (1 << 31):
            a.emit(imm_form(_signed(value)))
        else:
            a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RDX, value))
            a.emit(X.create_reg_reg(reg_form, R.RAX, R.RDX))

    if d & (d - 1) == 0 and rem:
        by_constant(lambda v: X.create_reg_i32(Code.AND_RM64_IMM32, R.RAX, v), Code.AND_R64_RM64,
                    d - 1)
    elif d & (d - 1) == 0:
        a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8, R.RAX, d.bit_length() - 1))
    else:
        m, shift, add = _udiv_magic(d)
        if rem or add:
            a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RCX, R.RAX))  # (x, kept)
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RDX, m))
        a.emit(X.create_reg(Code.MUL_RM64, R.RDX))  # rdx = mulhi(x, m)
        if add:
            a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RAX, R.RCX))
            a.emit(X.create_reg_reg(Code.SUB_R64_RM64, R.RAX, R.RDX))
            a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8, R.RAX, 1))
            a.emit(X.create_reg_reg(Code.ADD_R64_RM64, R.RAX, R.RDX))
        else:
            a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RAX, R.RDX))
        if shift:
            a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8, R.RAX, shift))
        if rem:  # x - q * d
            by_constant(lambda v: X.create_reg_reg_i32(Code.IMUL_R64_RM64_IMM32, R.RAX, R.RAX, v),
                        Code.IMUL_R64_RM64, d)
            a.emit(X.create_reg_reg(Code.SUB_R64_RM64, R.RCX, R.RAX))
            a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RAX, R.RCX))
    if wide:
        _store(blk, rd, R.RAX)
    else:
        _sext32(blk, rd)


def _emit_m(blk, name: str, rd: int, rs1: int, rs2: int):
    """The M extension's high products (one-operand mul/imul: rdx) and divisions
    (div/idiv, with RISC-V's results where x86 would trap: a zero divisor gives
    all ones (div) or the dividend (rem); the signed overflow MIN / -1 gives MIN
    and 0), the W forms on the low 32 bits, sign-extended. (An unsigned division
    by a constant of 2 and up: _emit_udiv_by.)"""
    a = blk.a
    d = blk.consts.get(rs2) if rs2 and name in ("divu", "remu", "divuw", "remuw") else None
    if d is not None and (d if not name.endswith("w") else d & 0xFFFFFFFF) >= 2:
        _emit_udiv_by(blk, name, rd, rs1, d if not name.endswith("w") else d & 0xFFFFFFFF)
        return
    if name.startswith("mulh"):
        _load(blk, R.RAX, rs1)
        if name == "mulhsu":  # signed x unsigned: the unsigned high half, less rs2 if rs1 < 0
            a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RCX, R.RAX))
            a.emit(X.create_reg_u32(Code.SAR_RM64_IMM8, R.RCX, 63))
            a.emit(_op(Code.AND_R64_RM64, R.RCX, blk.src(rs2)))
        multiply = Code.IMUL_RM64 if name == "mulh" else Code.MUL_RM64
        operand = blk.src(rs2)
        a.emit(X.create_mem(multiply, operand) if isinstance(operand, M)
               else X.create_reg(multiply, operand))
        if name == "mulhsu":
            a.emit(X.create_reg_reg(Code.SUB_R64_RM64, R.RDX, R.RCX))
        _store(blk, rd, R.RDX)
        return
    wide = not name.endswith("w")
    signed = not name.startswith(("divu", "remu"))
    rem = name.startswith("rem")
    acc, div, rdx = (R.RAX, R.RCX, R.RDX) if wide else (R.EAX, R.ECX, R.EDX)
    _load(blk, acc, rs1)
    _load(blk, div, rs2)
    by_zero, join = a.label(), a.label()
    a.emit(X.create_reg_reg(Code.TEST_RM64_R64 if wide else Code.TEST_RM32_R32, div, div))
    a.emit(X.create_branch(Code.JE_REL32_64, by_zero))
    if signed:
        by_minus_one = a.label()
        a.emit(X.create_reg_i32(Code.CMP_RM64_IMM8 if wide else Code.CMP_RM32_IMM8, div, -1))
        a.emit(X.create_branch(Code.JE_REL32_64, by_minus_one))
        a.emit(X.create(Code.CQO if wide else Code.CDQ))
        a.emit(X.create_reg(Code.IDIV_RM64 if wide else Code.IDIV_RM32, div))
    else:
        a.emit(X.create_reg_reg(Code.XOR_R32_RM32, R.EDX, R.EDX))
        a.emit(X.create_reg(Code.DIV_RM64 if wide else Code.DIV_RM32, div))
    if rem:  # (every path leaves the result in rax/eax)
        a.emit(X.create_reg_reg(Code.MOV_R64_RM64 if wide else Code.MOV_R32_RM32, acc, rdx))
    a.bind(join)
    if wide:
        _store(blk, rd, R.RAX)
    else:
        _sext32(blk, rd)
    # out of line: by zero (rem: the dividend, already there), by -1 (negation; rem 0)
    if not rem:
        a.emit(X.create_reg_i32(Code.MOV_RM64_IMM32 if wide else Code.MOV_RM32_IMM32, acc, -1),
               True, label=by_zero)
    else:
        a.bind(by_zero, cold=True)
    a.emit(X.create_branch(Code.JMP_REL32_64, join), True)
    if signed:
        a.emit(X.create_reg(Code.NEG_RM64 if wide else Code.NEG_RM32, acc) if not rem
               else X.create_reg_reg(Code.XOR_R32_RM32, R.EAX, R.EAX), True, label=by_minus_one)
        a.emit(X.create_branch(Code.JMP_REL32_64, join), True)


def _emit(blk, name: str, e, i: int, insn_pc: int, next_pc: int):
    """Emits one instruction. A control transfer (the block's last) returns how
    the block ends: ("branch", jcc, target, fallthrough) after a compare,
    ("jump", target), or ("indirect",) with the target in rax."""
    a = blk.a
    rd, rs1, rs2, imm = int(e["rd"]), int(e["rs1"]), int(e["rs2"]), int(e["imm"])
    if name in _FP_HELPER:
        return _emit_fp(blk, name, e, i, insn_pc, next_pc)
    if name in M_OUT_OF_LINE:  # high products and divisions
        _emit_m(blk, name, int(e["rd"]), int(e["rs1"]), int(e["rs2"]))
        return None
    if name in _CSR and int(e["aux"]) == _FFLAGS:
        _emit_fflags(blk, name, e)
        return None
    if name in _CSR:  # vm_jit_fcsr(rt, &ir[i]); a frm compiled code cannot use leaves after it
        _call_ir_helper(blk, "call_fcsr", i)
        leave = a.label()
        a.emit(X.create_branch(Code.JNE_REL32_64, leave))
        blk.leave_early(i + 1, next_pc, label=leave)
        return None
    if name in _FP_LOADS and _FP_LOADS[name] == 8 and rd in blk.falloc:
        return _emit_load(blk, e, i, insn_pc, 8, Code.MOVSD_XMM_XMMM64, None,
                          lambda: blk.f_from_gpr(rd), into=blk.falloc[rd])
    if name in _FP_LOADS:  # as an integer load, into the f register (singles NaN-boxed)
        size = _FP_LOADS[name]
        return _emit_load(blk, e, i, insn_pc, size,
                          Code.MOV_R64_RM64 if size == 8 else Code.MOV_R32_RM32,
                          None if size == 8 else Code.MOV_R32_RM32,
                          lambda: blk.f_from_gpr(rd), box=size == 4)
    if name in _FP_STORES:
        size = _FP_STORES[name]
        return _emit_store(blk, e, i, insn_pc, size, blk.fsrc(rs2))
    if name in _ATOMICS:
        return _emit_atomic(blk, name, e, i, insn_pc)
    src = blk.src
    if name in _LOADS:
        size, widen_mem, widen_reg = _LOADS[name]
        return _emit_load(blk, e, i, insn_pc, size, widen_mem, widen_reg)
    if name in _STORES:
        return _emit_store(blk, e, i, insn_pc, _STORES[name], src(rs2))
    if name in _AS_WIDE and blk.fold and \
            _within(_exact_range(blk, name, rs1, None if name == "addiw" else rs2, imm), _I32):
        # (level 2) a W operation whose result needs no cutting to 32 bits: done on
        # all 64, with no sign extension after it (sext.w of a sign-extended value: mv)
        return _emit(blk, _AS_WIDE[name], e, i, insn_pc, next_pc)
    if name in ("lui", "auipc"):
        _set_const(blk, rd, imm)
    elif name in _RR:
        code64, code32 = _RR[name]
        if rd == rs2 != rs1 and name in _COMMUTATIVE:  # rd = rs1 op rd: in rd's own register
            rs1, rs2 = rs2, rs1
        if rs1 == 0 and rs2 and name in ("sub", "subw"):  # neg(w): in rd's own register too
            dst = _dest(blk, rd)
            wide = name == "sub"
            reg = dst if wide else _LOW32[dst]
            _load(blk, reg, rs2)
            a.emit(X.create_reg(Code.NEG_RM64 if wide else Code.NEG_RM32, reg))
            if not wide:
                a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, dst, reg))
            _store(blk, rd, dst)
        elif code64:
            if rs2 == 0 and name in ("add", "sub", "or", "xor"):
                _move(blk, rd, rs1)
            elif rs1 == 0 and name in ("add", "or", "xor"):
                _move(blk, rd, rs2)
            elif name == "add" and _lea(blk, rd, rs1, rs2=rs2):
                pass
            else:
                dst = _dest(blk, rd, avoid=rs2)
                _load(blk, dst, rs1)
                a.emit(_op(code64, dst, src(rs2)))
                _store(blk, rd, dst)
        elif name == "addw" and rs2 and _lea(blk, rd, rs1, rs2=rs2, w=True):
            pass
        else:  # W: 32-bit operation, sign-extended
            _w_op(blk, rd, rs1, lambda low: a.emit(_op(code32, low, src(rs2, 32))), avoid=rs2)
    elif name in _RI or name == "addiw":
        if name == "addiw" and imm == 0 and rs1 != 0:  # sext.w
            dst = _dest(blk, rd)
            a.emit(_op(Code.MOVSXD_R64_RM32, dst, src(rs1, 32)))
            _store(blk, rd, dst)
        elif name == "addiw" and _lea(blk, rd, rs1, imm=imm, w=True):
            pass
        elif name == "addiw":
            _w_op(blk, rd, rs1, lambda low: a.emit(X.create_reg_i32(Code.ADD_RM32_IMM32, low, imm))
                  if imm else None)
        elif rs1 == 0 and name in ("addi", "ori", "xori"):
            _set_const(blk, rd, imm)  # li
        elif imm == 0 and name in ("addi", "ori", "xori"):
            _move(blk, rd, rs1)  # mv
        elif name == "addi" and _lea(blk, rd, rs1, imm=imm):
            pass
        else:
            dst = _dest(blk, rd)
            _load(blk, dst, rs1)
            a.emit(X.create_reg_i32(_RI[name], dst, imm))
            _store(blk, rd, dst)
    elif name == "slli" and 1 <= imm <= 3 and _lea(blk, rd, rs1, shift=imm):
        pass
    elif name == "srliw" and imm:  # (bit 31 clear: the 32-bit shift's zero extension is the sign's)
        dst = _dest(blk, rd)
        _load(blk, _LOW32[dst], rs1)
        a.emit(X.create_reg_u32(Code.SHR_RM32_IMM8, _LOW32[dst], imm))
        _store(blk, rd, dst)
    elif name in _SHIFT_IMM:
        if name.endswith("w"):
            _w_op(blk, rd, rs1, lambda low: a.emit(X.create_reg_u32(_SHIFT_IMM[name], low, imm)))
        else:
            dst = _dest(blk, rd)
            _load(blk, dst, rs1)
            a.emit(X.create_reg_u32(_SHIFT_IMM[name], dst, imm))
            _store(blk, rd, dst)
    elif name in _SHIFT_REG and HOST_BMI2:
        _emit_shift_bmi2(blk, name, rd, rs1, rs2)
    elif name in _SHIFT_REG:
        a.emit(_op(Code.MOV_R64_RM64, R.RCX, src(rs2)))
        if name.endswith("w"):
            _w_op(blk, rd, rs1, lambda low: a.emit(X.create_reg_reg(_SHIFT_REG[name], low, R.CL)))
        else:
            dst = _dest(blk, rd)
            _load(blk, dst, rs1)
            a.emit(X.create_reg_reg(_SHIFT_REG[name], dst, R.CL))
            _store(blk, rd, dst)
    elif name in _SET:
        a.emit(X.create_reg_reg(Code.XOR_R32_RM32, R.EAX, R.EAX))
        turned = name in ("slt", "sltu") and rs1 == 0 and rs2 != 0
        _compare(blk, *((rs2, 0) if turned else (rs1, None if name in ("slti", "sltiu") else rs2)),
                 imm)
        a.emit(X.create_reg(_TURNED[_SET[name]] if turned else _SET[name], R.AL))
        a.emit(blk.write_rd(rd))
    elif name in _BRANCH:
        equality = name in ("beq", "bne")
        if rs1 == 0 and rs2 != 0:
            _compare(blk, rs2, 0, zero_flag=equality)
            return ("branch", _TURNED[_BRANCH[name]], imm, next_pc)
        _compare(blk, rs1, rs2, zero_flag=equality)
        return ("branch", _BRANCH[name], imm, next_pc)
    elif name == "jal":
        _set_const(blk, rd, next_pc)
        return ("jump", imm)
    elif name == "jalr":
        expect = blk.seg.expect
        known = blk.consts.get(rs1) if blk.fold else None
        if expect is not None and known is not None and (known + imm) & _MASK & ~1 in expect:
            _set_const(blk, rd, next_pc)  # (a return whose link is known: no check)
            return ("jump", (known + imm) & _MASK & ~1)
        host = blk.alloc.get(rs1)
        if host is not None and imm:
            a.emit(X.create_reg_mem(Code.LEA_R64_M, R.RAX, M(host, displ=imm)))
        else:
            _load(blk, R.RAX, rs1)
            if imm:
                a.emit(X.create_reg_i32(Code.ADD_RM64_IMM32, R.RAX, imm))
        a.emit(X.create_reg_i32(Code.AND_RM64_IMM8, R.RAX, -2))
        _set_const(blk, rd, next_pc, scratch=R.RCX)  # (the target stays in rax)
        if expect is not None:  # (the region goes on where it is expected to go)
            return ("guarded", expect)
        return ("indirect",)
    elif name == "fence":
        # (the one order x86-64 does not keep by itself, which other processes
        # sharing the memory see: a store's before later loads. A locked op on
        # the stack is a full barrier, and cheaper than mfence)
        if _core.fence_orders_store_load(imm, int(e["aux"]), int(e["rm"])):
            a.emit(_locked(X.create_mem_i32(Code.OR_RM32_IMM8, M(R.RSP), 0)))
    else:  # pragma: no cover - SUPPORTED and this function must agree
        raise AssertionError(f"no emitter for {name}")
    return None


def code_marks(code: bytes) -> list:
    """(access, slow): offsets in a region's code of each access without a
    check and of where it goes when refused, from the marks it lists at its
    end (before the count of them and the block pointer: vm_code_mark)."""
    n = int.from_bytes(code[-12:-8], "little")
    marks = []
    for k in range(len(code) - 12 - 14 * n, len(code) - 12, 14):
        marks.append(tuple(p + 7 + int.from_bytes(code[p + 3:p + 7], "little", signed=True)
                           for p in (k, k + 7)))
    return marks


def _access_thunk_bytes() -> bytes:
    """How a region's access thunk starts, encoded (a call of it is followed
    by a vm_jit_access)."""
    enc = BlockEncoder(64)
    enc.add_many(_access_thunk_entry())
    return enc.encode(0)


def disassemble(code: bytes, address: int = 0, data_size: int = 0) -> list[str]:
    """Host instructions of compiled code, one line each (for CompiledBlock
    listings); the last data_size bytes are data (IR entries, marks, the
    block pointer), and so are the access descriptors after the calls of the
    access thunk. An access without a check says where it goes when refused
    (its mark)."""
    from iced_x86 import Decoder, Formatter, FormatterSyntax
    fmt = Formatter(FormatterSyntax.INTEL)
    text = len(code) - data_size
    slow = dict(code_marks(code)) if data_size >= 12 else {}
    thunk = _access_thunk_bytes()
    out = []
    decoder = Decoder(64, code[:text], ip=address)
    for insn in decoder:
        line = f"{insn.ip:#014x}  {fmt.format(insn)}"
        if insn.ip - address in slow:
            line += f"  ; unchecked, refused: {address + slow[insn.ip - address]:#x}"
        out.append(line)
        if insn.code == Code.CALL_REL32_64 and 0 <= insn.near_branch64 - address < text and \
                code.startswith(thunk, insn.near_branch64 - address):
            at = insn.next_ip - address
            out.append(f"{insn.next_ip:#014x}  ; access {code[at:at + _L['access_size']].hex()}")
            decoder.position = at + _L["access_size"]
            decoder.ip = insn.next_ip + _L["access_size"]
    for off in range(text, len(code), 8):
        out.append(f"{address + off:#014x}  ; data {code[off:off + 8].hex()}")
    return out
