"""x86-64 code generation for IR blocks, encoded with iced-x86.

A compiled block is a System V function
``uint64_t block(vm_cpu *cpu, vm_jit_rt *rt, uint8_t *base, uint8_t *perm, uint64_t npages)``
(csrc/vm_jit.h) covering the longest prefix of the block whose instructions
have emitters; the dispatcher interprets from the first one without. The code
is position independent (helpers are called through absolute addresses) so it
can be installed anywhere in the code cache.

Level 0 (this module): straight templates, guest registers live in the cpu
struct; memory accesses inline the flat-memory fast path and call the C slow
path (faults, MMIO, code-page writes) out of line.
"""
from __future__ import annotations

import numpy as np
from iced_x86 import BlockEncoder, Code, Instruction as X, MemoryOperand as M, Register as R

from .. import _core
from ..ir import IR_DTYPE
from ..isa.table import BY_INDEX

_L = _core.jit_layout()
PERM_R, PERM_W, PAGE_CODE = 1, 2, 8
OP = {spec.name: spec.index for spec in BY_INDEX.values()}
_NAME = {index: spec.name for index, spec in BY_INDEX.items()}

CPU, RT, BASE, PERM, NPAGES = R.RBX, R.R15, R.R12, R.R13, R.R14
_SAVED = (R.RBX, R.R12, R.R13, R.R14, R.R15)


def xreg(i: int) -> M:
    return M(CPU, displ=_L["cpu_x"] + 8 * int(i))


_RR = {  # reg-reg ALU: (64-bit code, 32-bit code or None)
    "add": (Code.ADD_R64_RM64, None), "sub": (Code.SUB_R64_RM64, None),
    "xor": (Code.XOR_R64_RM64, None), "or": (Code.OR_R64_RM64, None),
    "and": (Code.AND_R64_RM64, None), "mul": (Code.IMUL_R64_RM64, None),
    "addw": (None, Code.ADD_R32_RM32), "subw": (None, Code.SUB_R32_RM32),
    "mulw": (None, Code.IMUL_R32_RM32),
}
_RI = {"addi": Code.ADD_RM64_IMM32, "xori": Code.XOR_RM64_IMM32, "ori": Code.OR_RM64_IMM32,
       "andi": Code.AND_RM64_IMM32}
_SHIFT_IMM = {"slli": Code.SHL_RM64_IMM8, "srli": Code.SHR_RM64_IMM8, "srai": Code.SAR_RM64_IMM8,
              "slliw": Code.SHL_RM32_IMM8, "srliw": Code.SHR_RM32_IMM8,
              "sraiw": Code.SAR_RM32_IMM8}
_SHIFT_REG = {"sll": Code.SHL_RM64_CL, "srl": Code.SHR_RM64_CL, "sra": Code.SAR_RM64_CL,
              "sllw": Code.SHL_RM32_CL, "srlw": Code.SHR_RM32_CL, "sraw": Code.SAR_RM32_CL}
_SET = {"slt": Code.SETL_RM8, "sltu": Code.SETB_RM8, "slti": Code.SETL_RM8,
        "sltiu": Code.SETB_RM8}
_BRANCH = {"beq": Code.CMOVE_R64_RM64, "bne": Code.CMOVNE_R64_RM64, "blt": Code.CMOVL_R64_RM64,
           "bge": Code.CMOVGE_R64_RM64, "bltu": Code.CMOVB_R64_RM64,
           "bgeu": Code.CMOVAE_R64_RM64}
# loads: (size, code that widens [base+addr] into rax/eax, code that widens al/ax/eax in rax)
_LOADS = {
    "lb": (1, Code.MOVSX_R64_RM8, Code.MOVSX_R64_RM8), "lbu": (1, Code.MOVZX_R32_RM8, Code.MOVZX_R32_RM8),
    "lh": (2, Code.MOVSX_R64_RM16, Code.MOVSX_R64_RM16),
    "lhu": (2, Code.MOVZX_R32_RM16, Code.MOVZX_R32_RM16),
    "lw": (4, Code.MOVSXD_R64_RM32, Code.MOVSXD_R64_RM32), "lwu": (4, Code.MOV_R32_RM32, Code.MOV_R32_RM32),
    "ld": (8, Code.MOV_R64_RM64, None),
}
_STORES = {"sb": (1, Code.MOV_RM8_R8, R.CL), "sh": (2, Code.MOV_RM16_R16, R.CX),
           "sw": (4, Code.MOV_RM32_R32, R.ECX), "sd": (8, Code.MOV_RM64_R64, R.RCX)}
_WIDE = {1: R.AL, 2: R.AX, 4: R.EAX, 8: R.RAX}

#: the instructions level 0 has templates for
SUPPORTED = (set(_RR) | set(_RI) | set(_SHIFT_IMM) | set(_SHIFT_REG) | set(_SET) | set(_BRANCH)
             | set(_LOADS) | set(_STORES) | {"lui", "auipc", "addiw", "jal", "jalr", "fence"})


class _Asm:
    """Instructions with symbolic labels for iced-x86's BlockEncoder."""

    def __init__(self):
        self.hot: list = []
        self.cold: list = []
        self._next_ip = 1
        self._pending: dict = {}

    def label(self) -> int:
        self._next_ip += 1
        return self._next_ip * 16  # label ids never collide with instruction ids

    def emit(self, insn, cold=False, label=None):
        self._next_ip += 1
        insn.ip = label if label is not None else self._next_ip * 16 + 1
        (self.cold if cold else self.hot).append(insn)
        return insn

    def encode(self) -> bytes:
        enc = BlockEncoder(64)
        enc.add_many(self.hot + self.cold)
        return enc.encode(0)


def compile_ir(ir_bytes: bytes, pc: int, level: int = 0):
    """Machine code for the block at ``pc`` whose IR is ``ir_bytes`` (with its
    closing entry): (code, instructions covered, memory ops among them), or
    None when its first instruction has no emitter."""
    ir = np.frombuffer(ir_bytes, dtype=IR_DTYPE)
    n = len(ir) - 1
    covered = 0
    while covered < n and _NAME.get(int(ir[covered]["op"])) in SUPPORTED:
        name = _NAME[int(ir[covered]["op"])]
        covered += 1
        if name in _BRANCH or name in ("jal", "jalr"):
            break
    if covered == 0:
        return None
    a = _Asm()
    epilogue = a.label()
    for r in _SAVED:
        a.emit(X.create_reg(Code.PUSH_R64, r))
    for dst, src in zip((CPU, RT, BASE, PERM, NPAGES), (R.RDI, R.RSI, R.RDX, R.RCX, R.R8)):
        a.emit(X.create_reg_reg(Code.MOV_R64_RM64, dst, src))
    next_pc_in_rax = False
    n_mem = 0
    for i in range(covered):
        e = ir[i]
        name = _NAME[int(e["op"])]
        insn_pc = pc + int(e["pc_off"])
        next_pc = insn_pc + int(e["len"])
        if name in _LOADS or name in _STORES:
            n_mem += 1
        next_pc_in_rax = _emit(a, name, e, i, insn_pc, next_pc, epilogue)
    if not next_pc_in_rax:  # fell off the end, or stopped before an instruction without emitter
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, pc + int(ir[covered]["pc_off"])))
    a.emit(X.create_mem_u32(Code.MOV_RM32_IMM32, M(RT, displ=_L["rt_done"]), covered))
    a.emit(X.create_reg(Code.POP_R64, R.R15), label=epilogue)
    for r in reversed(_SAVED[:-1]):
        a.emit(X.create_reg(Code.POP_R64, r))
    a.emit(X.create(Code.RETNQ))
    return a.encode(), covered, n_mem


def _exit(a: _Asm, epilogue: int, done: int, pc: int, cold=True, label=None, clear_status=False):
    """Leave the block: `done` instructions completed, continue at pc."""
    a.emit(X.create_mem_u32(Code.MOV_RM32_IMM32, M(RT, displ=_L["rt_done"]), done), cold, label)
    if clear_status:
        a.emit(X.create_mem_u32(Code.MOV_RM32_IMM32, M(RT, displ=_L["rt_status"]), 0), cold)
    a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, pc & 0xFFFFFFFFFFFFFFFF), cold)
    a.emit(X.create_branch(Code.JMP_REL32_64, epilogue), cold)


def _after_helper(a: _Asm, i: int, insn_pc: int, next_pc: int, epilogue: int, resume: int,
                  before_leave=()):
    """Status check after a slow-path call: 0 resumes, 3 (code changed) leaves
    after this instruction, anything else is a fault/callback error at it."""
    fault, leave = a.label(), a.label()
    a.emit(X.create_reg_mem(Code.MOV_R32_RM32, R.EDX, M(RT, displ=_L["rt_status"])), True)
    a.emit(X.create_reg_reg(Code.TEST_RM32_R32, R.EDX, R.EDX), True)
    a.emit(X.create_branch(Code.JE_REL32_64, resume), True)
    a.emit(X.create_reg_u32(Code.CMP_RM32_IMM8, R.EDX, 3), True)
    a.emit(X.create_branch(Code.JNE_REL32_64, fault), True)
    for insn in before_leave:
        a.emit(insn, True)
    _exit(a, epilogue, i + 1, next_pc, clear_status=True)
    _exit(a, epilogue, i, insn_pc, label=fault)
    del leave


def _fast_check(a: _Asm, size: int, need: int, deny: int, slow: int):
    """rax = guest address; jumps to slow unless [rax, rax+size) is one plain page
    with `need` and without `deny` permission bits."""
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RDX, R.RAX))
    a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8, R.RDX, 12))
    a.emit(X.create_reg_reg(Code.CMP_R64_RM64, R.RDX, NPAGES))
    a.emit(X.create_branch(Code.JAE_REL32_64, slow))
    a.emit(X.create_reg_mem(Code.MOVZX_R32_RM8, R.EDX, M(PERM, R.RDX)))
    a.emit(X.create_reg_u32(Code.AND_RM32_IMM32, R.EDX, need | deny))
    a.emit(X.create_reg_u32(Code.CMP_RM32_IMM32, R.EDX, need))
    a.emit(X.create_branch(Code.JNE_REL32_64, slow))
    if size > 1:
        a.emit(X.create_reg_reg(Code.MOV_R32_RM32, R.EDX, R.EAX))
        a.emit(X.create_reg_u32(Code.AND_RM32_IMM32, R.EDX, 0xFFF))
        a.emit(X.create_reg_u32(Code.CMP_RM32_IMM32, R.EDX, 0x1000 - size))
        a.emit(X.create_branch(Code.JA_REL32_64, slow))


def _address(a: _Asm, e):
    a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RAX, xreg(e["rs1"])))
    if int(e["imm"]):
        a.emit(X.create_reg_i32(Code.ADD_RM64_IMM32, R.RAX, int(e["imm"])))


def _call_helper(a: _Asm, helper: str, size: int, value_reg=None):
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RDI, RT), True)
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RSI, R.RAX), True)
    a.emit(X.create_reg_u32(Code.MOV_R32_IMM32, R.EDX, size), True)
    if value_reg is not None:
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RCX, value_reg), True)
    a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.R10, _L[helper]), True)
    a.emit(X.create_reg(Code.CALL_RM64, R.R10), True)


def _emit(a: _Asm, name: str, e, i: int, insn_pc: int, next_pc: int, epilogue: int) -> bool:
    """Emits one instruction; True when it left the next pc in rax (block end)."""
    rd, rs1, rs2, imm = int(e["rd"]), int(e["rs1"]), int(e["rs2"]), int(e["imm"])
    store_rd = X.create_mem_reg(Code.MOV_RM64_R64, xreg(rd), R.RAX)
    if name in ("lui", "auipc"):
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, imm & 0xFFFFFFFFFFFFFFFF))
        a.emit(store_rd)
    elif name in _RR:
        code64, code32 = _RR[name]
        if code64:
            a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RAX, xreg(rs1)))
            a.emit(X.create_reg_mem(code64, R.RAX, xreg(rs2)))
        else:
            a.emit(X.create_reg_mem(Code.MOV_R32_RM32, R.EAX, xreg(rs1)))
            a.emit(X.create_reg_mem(code32, R.EAX, xreg(rs2)))
            a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, R.RAX, R.EAX))
        a.emit(store_rd)
    elif name in _RI or name == "addiw":
        if name == "addiw":
            a.emit(X.create_reg_mem(Code.MOV_R32_RM32, R.EAX, xreg(rs1)))
            a.emit(X.create_reg_i32(Code.ADD_RM32_IMM32, R.EAX, imm))
            a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, R.RAX, R.EAX))
        else:
            a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RAX, xreg(rs1)))
            a.emit(X.create_reg_i32(_RI[name], R.RAX, imm))
        a.emit(store_rd)
    elif name in _SHIFT_IMM:
        wide = not name.endswith("w")
        acc = R.RAX if wide else R.EAX
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64 if wide else Code.MOV_R32_RM32, acc, xreg(rs1)))
        a.emit(X.create_reg_u32(_SHIFT_IMM[name], acc, imm))
        if not wide:
            a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, R.RAX, R.EAX))
        a.emit(store_rd)
    elif name in _SHIFT_REG:
        wide = not name.endswith("w")
        acc = R.RAX if wide else R.EAX
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RCX, xreg(rs2)))
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64 if wide else Code.MOV_R32_RM32, acc, xreg(rs1)))
        a.emit(X.create_reg_reg(_SHIFT_REG[name], acc, R.CL))
        if not wide:
            a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, R.RAX, R.EAX))
        a.emit(store_rd)
    elif name in _SET:
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RCX, xreg(rs1)))
        a.emit(X.create_reg_reg(Code.XOR_R32_RM32, R.EAX, R.EAX))
        if name.endswith("i") or name == "sltiu":
            a.emit(X.create_reg_i32(Code.CMP_RM64_IMM32, R.RCX, imm))
        else:
            a.emit(X.create_reg_mem(Code.CMP_R64_RM64, R.RCX, xreg(rs2)))
        a.emit(X.create_reg(_SET[name], R.AL))
        a.emit(store_rd)
    elif name in _LOADS:
        size, widen_mem, widen_reg = _LOADS[name]
        slow, join = a.label(), a.label()
        _address(a, e)
        _fast_check(a, size, PERM_R, 0, slow)
        dst = R.EAX if widen_mem in (Code.MOVZX_R32_RM8, Code.MOVZX_R32_RM16, Code.MOV_R32_RM32) else R.RAX
        a.emit(X.create_reg_mem(widen_mem, dst, M(BASE, R.RAX)))
        a.emit(X.create_mem_reg(Code.MOV_RM64_R64, xreg(rd), R.RAX), label=join)
        # out of line: the C slow path, then the same widening of its raw value
        a.emit(X.create(Code.NOPD), True, label=slow)
        _call_helper(a, "load_helper", size)
        if widen_reg is not None:
            wdst = R.EAX if widen_reg in (Code.MOVZX_R32_RM8, Code.MOVZX_R32_RM16, Code.MOV_R32_RM32) else R.RAX
            a.emit(X.create_reg_reg(widen_reg, wdst, _WIDE[size]), True)
        _after_helper(a, i, insn_pc, next_pc, epilogue, join,
                      before_leave=[X.create_mem_reg(Code.MOV_RM64_R64, xreg(rd), R.RAX)])
    elif name in _STORES:
        size, code, src = _STORES[name]
        slow, join = a.label(), a.label()
        _address(a, e)
        _fast_check(a, size, PERM_W, PAGE_CODE, slow)
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RCX, xreg(rs2)))
        a.emit(X.create_mem_reg(code, M(BASE, R.RAX), src))
        a.emit(X.create(Code.NOPD), label=join)
        a.emit(X.create(Code.NOPD), True, label=slow)
        _call_helper(a, "store_helper", size, value_reg=xreg(rs2))
        _after_helper(a, i, insn_pc, next_pc, epilogue, join)
    elif name in _BRANCH:
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RCX, xreg(rs1)))
        a.emit(X.create_reg_mem(Code.CMP_R64_RM64, R.RCX, xreg(rs2)))
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, next_pc))
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RCX, imm & 0xFFFFFFFFFFFFFFFF))
        a.emit(X.create_reg_reg(_BRANCH[name], R.RAX, R.RCX))
        return True
    elif name == "jal":
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, next_pc))
        a.emit(store_rd)
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, imm & 0xFFFFFFFFFFFFFFFF))
        return True
    elif name == "jalr":
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RAX, xreg(rs1)))
        if imm:
            a.emit(X.create_reg_i32(Code.ADD_RM64_IMM32, R.RAX, imm))
        a.emit(X.create_reg_i32(Code.AND_RM64_IMM8, R.RAX, -2))
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RCX, next_pc))
        a.emit(X.create_mem_reg(Code.MOV_RM64_R64, xreg(rd), R.RCX))
        return True
    elif name == "fence":
        pass
    else:  # pragma: no cover - SUPPORTED and this function must agree
        raise AssertionError(f"no emitter for {name}")
    return False


def disassemble(code: bytes, address: int = 0) -> list[str]:
    """Host instructions of compiled code, one line each (for CompiledBlock listings)."""
    from iced_x86 import Decoder, Formatter, FormatterSyntax
    fmt = Formatter(FormatterSyntax.INTEL)
    out = []
    for insn in Decoder(64, code, ip=address):
        out.append(f"{insn.ip:#014x}  {fmt.format(insn)}")
    return out
