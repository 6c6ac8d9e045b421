"""x86-64 code generation for IR blocks, encoded with iced-x86.

A compiled block is a System V function
``uint64_t block(vm_cpu *cpu, vm_jit_rt *rt, uint8_t *base, uint8_t *perm)``
(csrc/vm_jit.h) covering the longest prefix of the block whose instructions
have emitters; the dispatcher interprets from the first one without. The code
is position independent (helpers are called through absolute addresses) so it
can be installed anywhere in the code cache.

Level 0: straight templates, guest registers live in the cpu struct; memory
accesses inline the flat-memory fast path and call the C slow path (faults,
MMIO, code-page writes) out of line; every block returns to the dispatcher.
Level 1 and up: a block's exits jump straight into the next block's compiled
code through link slots the dispatcher fills (direct chaining; indirect jumps
check the target pc of their slot, a one-entry inline cache).

Every block takes its instructions from the budget (r14) on entry and keeps
cpu->mem_accesses exact; an early exit (fault, code changed) gives back what
did not run, so what the budget lost is exactly the instructions retired.
"""
from __future__ import annotations

import numpy as np
from iced_x86 import BlockEncoder, Code, Instruction as X, MemoryOperand as M, Register as R

from .. import _core
from ..ir import IR_DTYPE
from ..isa.table import BY_INDEX, M_OUT_OF_LINE, REG_FIELDS

_L = _core.jit_layout()
PERM_R, PERM_W, PAGE_CODE = 1, 2, 8
OP = {spec.name: spec.index for spec in BY_INDEX.values()}
_NAME = {index: spec.name for index, spec in BY_INDEX.items()}

# rbx: cpu, r15: rt, r12: guest memory base, r13: page permissions,
# r14: the instruction budget (rt->budget while compiled code runs)
CPU, RT, BASE, PERM, BUDGET = R.RBX, R.R15, R.R12, R.R13, R.R14
_SAVED = (R.RBX, R.RBP, R.R12, R.R13, R.R14, R.R15)  # every level: chained blocks share a frame
# level 2: these guest registers live in host registers throughout compiled code
# (loaded on entry from the dispatcher, written back on return and around helper
# calls), so chained blocks pass them along without memory traffic
REG_MAP = {2: R.RBP, 10: R.R8, 11: R.R9, 12: R.R11, 14: R.RSI, 15: R.RDI}  # sp a0 a1 a2 a4 a5
_R32 = {R.RBP: R.EBP, R.R8: R.R8D, R.R9: R.R9D, R.R11: R.R11D, R.RSI: R.ESI, R.RDI: R.EDI}
#: register conventions (vm_block.jit_abi): blocks chain only into the same one
ABI_MEMORY, ABI_REG_MAP = 0, 1


def xreg(i: int) -> M:
    return M(CPU, displ=_L["cpu_x"] + 8 * int(i))


def freg(i: int) -> M:
    return M(CPU, displ=_L["cpu_f"] + 8 * int(i))


def _op(code, dst, operand):
    """`code dst, operand` for an operand that is a register or memory."""
    if isinstance(operand, M):
        return X.create_reg_mem(code, dst, operand)
    return X.create_reg_reg(code, dst, operand)


def _x_slots():
    """op -> the IR slots (rd, rs1, rs2) that name integer registers."""
    out = {}
    for spec in BY_INDEX.values():
        out[spec.index] = tuple(REG_FIELDS[f].ir_slot for f in spec.operands
                                if f in REG_FIELDS and REG_FIELDS[f].cls == "x")
    return out


_X_SLOTS = _x_slots()


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
_BRANCH = {"beq": Code.JE_REL32_64, "bne": Code.JNE_REL32_64, "blt": Code.JL_REL32_64,
           "bge": Code.JGE_REL32_64, "bltu": Code.JB_REL32_64, "bgeu": Code.JAE_REL32_64}
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
_FP_LOADS = {"fld": 8, "flw": 4}
_FP_STORES = {"fsd": 8, "fsw": 4}
_FP_HELPER = {spec.name for spec in BY_INDEX.values() if spec.cls == "fp"}
# fused multiply-add: RISC-V's four forms as FMA3 (a*b+c, a*b-c, -(a*b)+c, -(a*b)-c)
_FMA = {"fmadd.d": Code.VEX_VFMADD213SD_XMM_XMM_XMMM64,
        "fmsub.d": Code.VEX_VFMSUB213SD_XMM_XMM_XMMM64,
        "fnmsub.d": Code.VEX_VFNMADD213SD_XMM_XMM_XMMM64,
        "fnmadd.d": Code.VEX_VFNMSUB213SD_XMM_XMM_XMMM64}


def _host_has(flag: str) -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and f" {flag} " in line + " " for line in f)
    except OSError:
        return False


HOST_FMA = _host_has("fma")
CANON_NAN_D = 0x7FF8000000000000
BOX_S = 0xFFFFFFFF00000000

# CSR instructions on fflags, frm and fcsr call vm_jit_fcsr (the counters stay
# with the dispatcher, which knows the exact instruction count)
_CSR = {"csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"}
_FCSR = (1, 2, 3)

#: the instructions compiled code covers (natively or through a helper call)
SUPPORTED = (set(_RR) | set(_RI) | set(_SHIFT_IMM) | set(_SHIFT_REG) | set(_SET) | set(_BRANCH)
             | set(_LOADS) | set(_STORES) | {"lui", "auipc", "addiw", "jal", "jalr", "fence"}
             | set(_FP_LOADS) | set(_FP_STORES) | _FP_HELPER | M_OUT_OF_LINE | _CSR)


def _compilable(name, e, ir_addr: int) -> bool:
    """Whether compiled code covers this instruction (helper calls need the IR in memory)."""
    if name not in SUPPORTED:
        return False
    if name in _CSR:
        return bool(ir_addr) and int(e["aux"]) in _FCSR
    if name in M_OUT_OF_LINE or (name in _FP_HELPER and not _native_fp(name, e)):
        return bool(ir_addr)
    return True


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

    def encode_with_offset(self, label: int) -> tuple[bytes, int]:
        """The code, and the offset of `label` (which must follow straight-line code)."""
        idx = next(k for k, insn in enumerate(self.hot) if insn.ip == label)
        head = BlockEncoder(64)
        head.add_many(self.hot[:idx])
        return self.encode(), len(head.encode(0)) if idx else 0


def compile_ir(ir_bytes: bytes, pc: int, level: int = 0, chain_addr: int = 0, ir_addr: int = 0):
    """Machine code for the block at ``pc`` whose IR is ``ir_bytes`` (with its
    closing entry): (code, instructions covered, memory ops among them, offset
    of the chain entry), or None when its first instruction has no emitter.
    ``chain_addr`` is the address of the block's two vm_chain link slots (0: no
    chaining); ``ir_addr`` where the IR stays in memory while the code lives
    (helpers get pointers into it; 0: no helper calls for computation)."""
    ir = np.frombuffer(ir_bytes, dtype=IR_DTYPE)
    n = len(ir) - 1
    covered = 0
    while covered < n and _compilable(_NAME.get(int(ir[covered]["op"])), ir[covered], ir_addr):
        name = _NAME[int(ir[covered]["op"])]
        covered += 1
        if name in _BRANCH or name in ("jal", "jalr"):
            break
    if covered == 0:
        return None
    mem_names = set(_LOADS) | set(_STORES) | set(_FP_LOADS) | set(_FP_STORES)
    mem_ops = [_NAME[int(ir[i]["op"])] in mem_names for i in range(covered)]
    blk = _Block(_Asm(), ir, pc, covered, mem_ops, chain_addr if level >= 1 else 0)
    blk.ir_addr = ir_addr
    if level >= 2:
        blk.alloc = dict(REG_MAP)
    a = blk.a
    for r in _SAVED:
        a.emit(X.create_reg(Code.PUSH_R64, r))
    a.emit(X.create_reg_i32(Code.SUB_RM64_IMM8, R.RSP, 8))  # keep calls 16-byte aligned
    for dst, src in zip((CPU, RT, BASE, PERM), (R.RDI, R.RSI, R.RDX, R.RCX)):
        a.emit(X.create_reg_reg(Code.MOV_R64_RM64, dst, src))
    a.emit(X.create_reg_mem(Code.MOV_R64_RM64, BUDGET, M(RT, displ=_L["rt_budget"])))
    for insn in blk.reload():  # (level 2) the guest registers kept in host registers
        a.emit(insn)
    # the chain entry: stop requests, the budget, then the block's counts
    bail, bail_restore = a.label(), a.label()
    a.emit(X.create_mem_u32(Code.CMP_RM32_IMM8, M(CPU, displ=_L["cpu_stop"]), 0),
           label=blk.entry)
    a.emit(X.create_branch(Code.JNE_REL32_64, bail))
    # (the dispatcher adds what the budget lost to cpu->instret)
    a.emit(X.create_reg_i32(Code.SUB_RM64_IMM32, BUDGET, covered))
    a.emit(X.create_branch(Code.JB_REL32_64, bail_restore))
    if sum(mem_ops):
        a.emit(X.create_mem_i32(Code.ADD_RM64_IMM32, M(CPU, displ=_L["cpu_mem"]), sum(mem_ops)))
    end = None
    for i in range(covered):
        e = ir[i]
        insn_pc = pc + int(e["pc_off"])
        end = _emit(blk, _NAME[int(e["op"])], e, i, insn_pc, insn_pc + int(e["len"]))
    if end is None:  # fell off the end, or stopped before an instruction without emitter
        blk.exit(0, pc + int(ir[covered]["pc_off"]))
    elif end[0] == "branch":
        _, jcc, target, fallthrough = end
        taken = a.label()
        a.emit(X.create_branch(jcc, taken))
        blk.exit(0, fallthrough)
        a.emit(X.create(Code.NOPD), label=taken)
        blk.exit(1, target)
    elif end[0] == "jump":
        blk.exit(1, end[1])
    else:  # indirect: the target is in rax
        blk.exit(1, None)
    a.emit(X.create_reg_i32(Code.ADD_RM64_IMM32, BUDGET, covered), True, label=bail_restore)
    a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, pc), True, label=bail)
    a.emit(X.create_branch(Code.JMP_REL32_64, blk.epilogue), True)
    epilogue = blk.spill() + [X.create_mem_reg(Code.MOV_RM64_R64, M(RT, displ=_L["rt_budget"]), BUDGET),
                              X.create_reg_i32(Code.ADD_RM64_IMM8, R.RSP, 8)]
    for k, insn in enumerate(epilogue):
        a.emit(insn, label=blk.epilogue if k == 0 else None)
    for r in reversed(_SAVED):
        a.emit(X.create_reg(Code.POP_R64, r))
    a.emit(X.create(Code.RETNQ))
    code, entry_offset = a.encode_with_offset(blk.entry)
    return code, covered, sum(mem_ops), entry_offset, blk.abi


class _Block:
    """What the emitters of one block share: its assembler, labels and exits."""

    def __init__(self, a, ir, pc, covered, mem_ops, chain):
        self.a, self.ir, self.pc, self.covered, self.mem_ops, self.chain = \
            a, ir, pc, covered, mem_ops, chain
        self.epilogue = a.label()
        self.entry = a.label()
        self.alloc = {}  # guest register -> host register (level 2: REG_MAP)

    def src(self, i, bits: int = 64):
        """Where guest register i is now: its host register or its cpu slot."""
        host = self.alloc.get(int(i))
        if host is None:
            return xreg(i)
        return host if bits == 64 else _R32[host]

    @property
    def abi(self) -> int:
        return ABI_REG_MAP if self.alloc else ABI_MEMORY

    def write_rd(self, rd, src=R.RAX):
        """The instruction that sets guest register rd from a host register."""
        host = self.alloc.get(int(rd))
        if host is None:
            return X.create_mem_reg(Code.MOV_RM64_R64, xreg(rd), src)
        return X.create_reg_reg(Code.MOV_R64_RM64, host, src)

    def spill(self):
        """Instructions writing the host-held guest registers back to the cpu struct."""
        return [X.create_mem_reg(Code.MOV_RM64_R64, xreg(r), host)
                for r, host in sorted(self.alloc.items())]

    def reload(self):
        return [X.create_reg_mem(Code.MOV_R64_RM64, host, xreg(r))
                for r, host in sorted(self.alloc.items())]

    def exit(self, slot: int, target):
        """Leave the block for `target` (None: already in rax) through link slot `slot`."""
        a = self.a
        if target is not None:
            a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, target & 0xFFFFFFFFFFFFFFFF))
        if not self.chain:
            a.emit(X.create_branch(Code.JMP_REL32_64, self.epilogue))
            return
        unlinked = a.label()
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RCX, self.chain + 16 * slot))
        a.emit(X.create_mem_u32(Code.CMP_RM32_IMM8, M(RT, displ=_L["rt_nochain"]), 0))
        a.emit(X.create_branch(Code.JNE_REL32_64, self.epilogue))
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RDX, M(R.RCX)))
        a.emit(X.create_reg_reg(Code.TEST_RM64_R64, R.RDX, R.RDX))
        a.emit(X.create_branch(Code.JE_REL32_64, unlinked))
        if target is None:  # indirect: the slot is right only for the pc it was linked for
            a.emit(X.create_reg_mem(Code.CMP_R64_RM64, R.RAX, M(R.RCX, displ=8)))
            a.emit(X.create_branch(Code.JNE_REL32_64, unlinked))
        a.emit(X.create_reg(Code.JMP_RM64, R.RDX))
        a.emit(X.create_mem_reg(Code.MOV_RM64_R64, M(RT, displ=_L["rt_exit_slot"]), R.RCX), True,
               label=unlinked)
        a.emit(X.create_mem_u32(Code.MOV_RM32_IMM32, M(RT, displ=_L["rt_exit_abi"]), self.abi),
               True)
        a.emit(X.create_branch(Code.JMP_REL32_64, self.epilogue), True)

    def leave_early(self, done: int, pc: int, raw=None, label=None):
        """Out of line: only `done` instructions ran; give the rest back and go on
        at pc (raw: the faulting instruction word, for cpu->fault_insn)."""
        insns = []  # (the epilogue writes host-held registers back)
        rest = self.covered - done
        if rest:
            insns.append(X.create_reg_i32(Code.ADD_RM64_IMM32, BUDGET, rest))
        mem_rest = sum(self.mem_ops[done:])
        if mem_rest:
            insns.append(X.create_mem_i32(Code.SUB_RM64_IMM32, M(CPU, displ=_L["cpu_mem"]), mem_rest))
        if raw is not None:
            insns.append(X.create_mem_u32(Code.MOV_RM32_IMM32, M(CPU, displ=_L["cpu_fault_insn"]), raw))
        else:
            insns.append(X.create_mem_u32(Code.MOV_RM32_IMM32, M(RT, displ=_L["rt_status"]), 0))
        insns.append(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, pc & 0xFFFFFFFFFFFFFFFF))
        insns.append(X.create_branch(Code.JMP_REL32_64, self.epilogue))
        for k, insn in enumerate(insns):
            self.a.emit(insn, True, label if k == 0 else None)


def _after_helper(blk: _Block, i: int, insn_pc: int, next_pc: int, resume: int,
                  before_leave=()):
    """Status check after a slow-path call: 0 resumes, 3 (code changed) leaves
    after this instruction, anything else is a fault/callback error at it."""
    a = blk.a
    fault = a.label()
    a.emit(X.create_reg_mem(Code.MOV_R32_RM32, R.EDX, M(RT, displ=_L["rt_status"])), True)
    a.emit(X.create_reg_reg(Code.TEST_RM32_R32, R.EDX, R.EDX), True)
    a.emit(X.create_branch(Code.JE_REL32_64, resume), True)
    a.emit(X.create_reg_u32(Code.CMP_RM32_IMM8, R.EDX, 3), True)
    a.emit(X.create_branch(Code.JNE_REL32_64, fault), True)
    for insn in before_leave:
        a.emit(insn, True)
    blk.leave_early(i + 1, next_pc)
    blk.leave_early(i, insn_pc, raw=int(blk.ir[i]["raw"]), label=fault)


_ZERO_EXTENDING = (Code.MOVZX_R32_RM8, Code.MOVZX_R32_RM16, Code.MOV_R32_RM32)


def _emit_load(blk, e, i, insn_pc, next_pc, size, widen_mem, widen_reg, write, box=False):
    """A load, its value (in rax) stored by the instruction write() makes: inline
    fast path, C slow path out of line."""
    a = blk.a
    slow, join = a.label(), a.label()
    _address(blk, e)
    _fast_check(a, size, PERM_R, 0, slow)
    a.emit(X.create_reg_mem(widen_mem, R.EAX if widen_mem in _ZERO_EXTENDING else R.RAX,
                            M(BASE, R.RAX)))
    def finish():  # rax -> dest (fresh instructions each time: both paths end so)
        boxing = [X.create_reg_u64(Code.MOV_R64_IMM64, R.RDX, BOX_S),  # singles are NaN-boxed
                  X.create_reg_reg(Code.OR_RM64_R64, R.RAX, R.RDX)] if box else []
        return boxing + [write()]
    for k, insn in enumerate(finish()):
        a.emit(insn, label=join if k == 0 else None)
    # out of line: the C slow path, then the same widening of its raw value
    a.emit(X.create(Code.NOPD), True, label=slow)
    _call_helper(blk, "load_helper", size)
    if widen_reg is not None:
        a.emit(X.create_reg_reg(widen_reg, R.EAX if widen_reg in _ZERO_EXTENDING else R.RAX,
                                _WIDE[size]), True)
    _after_helper(blk, i, insn_pc, next_pc, join, before_leave=finish())


def _emit_store(blk, e, i, insn_pc, next_pc, size, src):
    """A store of the low `size` bytes of `src`: inline fast path, C slow path out of line."""
    a = blk.a
    slow, join = a.label(), a.label()
    _address(blk, e)
    _fast_check(a, size, PERM_W, PAGE_CODE, slow)
    a.emit(_op(Code.MOV_R64_RM64, R.RCX, src))
    code, reg = {1: (Code.MOV_RM8_R8, R.CL), 2: (Code.MOV_RM16_R16, R.CX),
                 4: (Code.MOV_RM32_R32, R.ECX), 8: (Code.MOV_RM64_R64, R.RCX)}[size]
    a.emit(X.create_mem_reg(code, M(BASE, R.RAX), reg))
    a.emit(X.create(Code.NOPD), label=join)
    a.emit(X.create(Code.NOPD), True, label=slow)
    _call_helper(blk, "store_helper", size, value=src)
    _after_helper(blk, i, insn_pc, next_pc, join)


def _fast_check(a: _Asm, size: int, need: int, deny: int, slow: int):
    """rax = guest address; jumps to slow unless [rax, rax+size) is one plain page
    with `need` and without `deny` permission bits."""
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RDX, R.RAX))
    a.emit(X.create_reg_u32(Code.SHR_RM64_IMM8, R.RDX, 12))
    a.emit(X.create_reg_mem(Code.CMP_R64_RM64, R.RDX, M(RT, displ=_L["rt_npages"])))
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


def _address(blk, e):
    a = blk.a
    a.emit(_op(Code.MOV_R64_RM64, R.RAX, blk.src(e["rs1"])))
    if int(e["imm"]):
        a.emit(X.create_reg_i32(Code.ADD_RM64_IMM32, R.RAX, int(e["imm"])))


def _call_helper(blk, helper: str, size: int, value=None):
    """Out of line: the C slow path for the access at rax (value: what a store writes)."""
    a = blk.a
    for insn in blk.spill():  # the helper may look at guest state and clobbers host registers
        a.emit(insn, True)
    if value is not None:
        a.emit(_op(Code.MOV_R64_RM64, R.RCX, value), True)
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RDI, RT), True)
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RSI, R.RAX), True)
    a.emit(X.create_reg_u32(Code.MOV_R32_IMM32, R.EDX, size), True)
    a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.R10, _L[helper]), True)
    a.emit(X.create_reg(Code.CALL_RM64, R.R10), True)
    for insn in blk.reload():
        a.emit(insn, True)


def _call_ir_helper(blk, helper: str, i: int):
    """Calls helper(rt, &ir[i]): an instruction computed by the interpreter's definition."""
    a = blk.a
    for insn in blk.spill():  # it reads and writes guest registers in memory
        a.emit(insn)
    a.emit(X.create_reg_reg(Code.MOV_R64_RM64, R.RDI, RT))
    a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RSI, blk.ir_addr + IR_DTYPE.itemsize * i))
    a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.R10, _L[helper]))
    a.emit(X.create_reg(Code.CALL_RM64, R.R10))
    for insn in blk.reload():
        a.emit(insn)


def _native_fp(name: str, e) -> bool:
    """F/D computations with an x86 template (the rest call vm_jit_fp)."""
    if name in _FP_ARITH or name == "fsqrt.d" or (name in _FMA and HOST_FMA):
        return int(e["rm"]) == 7  # dyn: the host rounds in frm
    if name == "fcvt.d.w":
        return int(e["rm"]) in (0, 1, 2, 3, 4, 7)  # exact in every mode; 5 and 6 trap
    if name == "fcvt.d.l":
        return int(e["rm"]) == 7
    return name in ("fmv.x.d", "fmv.d.x", "fsgnj.d", "fsgnjn.d", "fsgnjx.d", "feq.d", "flt.d",
                    "fle.d")


def _canon_d(a: _Asm, fma_inputs=None):
    """A NaN result in xmm0 becomes the canonical NaN (ucomisd: no flags for qNaN).
    For an FMA, RISC-V also wants NV for inf * 0 when the addend is a quiet NaN,
    which x86 does not raise: checked here, where every such case lands."""
    fix, back = a.label(), a.label()
    a.emit(X.create_reg_reg(Code.UCOMISD_XMM_XMMM64, R.XMM0, R.XMM0))
    a.emit(X.create_branch(Code.JP_REL32_64, fix))
    a.emit(X.create(Code.NOPD), label=back)
    first = True
    if fma_inputs is not None:
        other, set_nv, done = a.label(), a.label(), a.label()
        cold = [X.create_reg_mem(Code.MOV_R64_RM64, R.RAX, freg(fma_inputs[0])),
                X.create_reg_mem(Code.MOV_R64_RM64, R.RCX, freg(fma_inputs[1])),
                X.create_reg_u32(Code.BTR_RM64_IMM8, R.RAX, 63),
                X.create_reg_u32(Code.BTR_RM64_IMM8, R.RCX, 63),
                X.create_reg_u64(Code.MOV_R64_IMM64, R.RDX, 0x7FF0000000000000),
                X.create_reg_reg(Code.CMP_RM64_R64, R.RAX, R.RDX),
                X.create_branch(Code.JNE_REL32_64, other),
                X.create_reg_reg(Code.TEST_RM64_R64, R.RCX, R.RCX),
                X.create_branch(Code.JE_REL32_64, set_nv)]
        for k, insn in enumerate(cold):
            a.emit(insn, True, fix if k == 0 else None)
        a.emit(X.create_reg_reg(Code.CMP_RM64_R64, R.RCX, R.RDX), True, label=other)
        a.emit(X.create_branch(Code.JNE_REL32_64, done), True)
        a.emit(X.create_reg_reg(Code.TEST_RM64_R64, R.RAX, R.RAX), True)
        a.emit(X.create_branch(Code.JNE_REL32_64, done), True)
        a.emit(X.create_mem_u32(Code.OR_RM32_IMM8, M(CPU, displ=_L["cpu_fcsr"]), 0x10), True,
               label=set_nv)
        a.emit(X.create(Code.NOPD), True, label=done)
        first = False
    a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, CANON_NAN_D), True,
           label=fix if first else None)
    a.emit(X.create_reg_reg(Code.MOVQ_XMM_RM64, R.XMM0, R.RAX), True)
    a.emit(X.create_branch(Code.JMP_REL32_64, back), True)


def _emit_fp(blk, name: str, e, i: int, insn_pc: int, next_pc: int):
    a = blk.a
    rd, rs1, rs2 = int(e["rd"]), int(e["rs1"]), int(e["rs2"])
    if not _native_fp(name, e):  # the interpreter's definition, called: vm_jit_fp(rt, &ir[i])
        _call_ir_helper(blk, "fp_helper", i)
        a.emit(X.create_mem_u32(Code.CMP_RM32_IMM8, M(RT, displ=_L["rt_status"]), 0))
        fault = a.label()
        a.emit(X.create_branch(Code.JNE_REL32_64, fault))
        blk.leave_early(i, insn_pc, raw=int(e["raw"]), label=fault)
        return
    if name in _FP_ARITH:
        a.emit(X.create_reg_mem(Code.MOVSD_XMM_XMMM64, R.XMM0, freg(rs1)))
        a.emit(X.create_reg_mem(_FP_ARITH[name], R.XMM0, freg(rs2)))
        _canon_d(a)
        a.emit(X.create_mem_reg(Code.MOVSD_XMMM64_XMM, freg(rd), R.XMM0))
    elif name in _FMA:
        a.emit(X.create_reg_mem(Code.MOVSD_XMM_XMMM64, R.XMM0, freg(rs1)))
        a.emit(X.create_reg_mem(Code.MOVSD_XMM_XMMM64, R.XMM1, freg(rs2)))
        a.emit(X.create_reg_reg_mem(_FMA[name], R.XMM0, R.XMM1, freg(int(e["rs3"]))))
        _canon_d(a, fma_inputs=(rs1, rs2))
        a.emit(X.create_mem_reg(Code.MOVSD_XMMM64_XMM, freg(rd), R.XMM0))
    elif name in ("feq.d", "flt.d", "fle.d"):
        # feq: quiet compare (NV only for sNaN); flt/fle: signalling (NV for any NaN),
        # as written b > a / b >= a so that unordered gives 0
        a.emit(X.create_reg_reg(Code.XOR_R32_RM32, R.EAX, R.EAX))
        if name == "feq.d":
            a.emit(X.create_reg_mem(Code.MOVSD_XMM_XMMM64, R.XMM0, freg(rs1)))
            a.emit(X.create_reg_mem(Code.UCOMISD_XMM_XMMM64, R.XMM0, freg(rs2)))
            a.emit(X.create_reg(Code.SETE_RM8, R.AL))
            a.emit(X.create_reg(Code.SETNP_RM8, R.CL))
            a.emit(X.create_reg_reg(Code.AND_RM8_R8, R.AL, R.CL))
        else:
            a.emit(X.create_reg_mem(Code.MOVSD_XMM_XMMM64, R.XMM0, freg(rs2)))
            a.emit(X.create_reg_mem(Code.COMISD_XMM_XMMM64, R.XMM0, freg(rs1)))
            a.emit(X.create_reg(Code.SETA_RM8 if name == "flt.d" else Code.SETAE_RM8, R.AL))
        a.emit(blk.write_rd(rd))
    elif name in ("fcvt.d.w", "fcvt.d.l"):
        a.emit(_op(Code.MOV_R64_RM64, R.RAX, blk.src(rs1)))
        if name == "fcvt.d.w":
            a.emit(X.create_reg_reg(Code.CVTSI2SD_XMM_RM32, R.XMM0, R.EAX))
        else:
            a.emit(X.create_reg_reg(Code.CVTSI2SD_XMM_RM64, R.XMM0, R.RAX))
        a.emit(X.create_mem_reg(Code.MOVSD_XMMM64_XMM, freg(rd), R.XMM0))
    elif name == "fsqrt.d":
        a.emit(X.create_reg_mem(Code.SQRTSD_XMM_XMMM64, R.XMM0, freg(rs1)))
        _canon_d(a)
        a.emit(X.create_mem_reg(Code.MOVSD_XMMM64_XMM, freg(rd), R.XMM0))
    elif name == "fmv.x.d":
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RAX, freg(rs1)))
        a.emit(blk.write_rd(rd))
    elif name == "fmv.d.x":
        a.emit(_op(Code.MOV_R64_RM64, R.RAX, blk.src(rs1)))
        a.emit(X.create_mem_reg(Code.MOV_RM64_R64, freg(rd), R.RAX))
    elif name in ("fsgnj.d", "fsgnjn.d", "fsgnjx.d"):
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RAX, freg(rs1)))
        a.emit(X.create_reg_mem(Code.MOV_R64_RM64, R.RCX, freg(rs2)))
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
        a.emit(X.create_mem_reg(Code.MOV_RM64_R64, freg(rd), R.RAX))


def _emit(blk, name: str, e, i: int, insn_pc: int, next_pc: int):
    """Emits one instruction. A control transfer (the block's last) returns how
    the block ends: ("branch", jcc, target, fallthrough) after a compare,
    ("jump", target), or ("indirect",) with the target in rax."""
    a = blk.a
    rd, rs1, rs2, imm = int(e["rd"]), int(e["rs1"]), int(e["rs2"]), int(e["imm"])
    if name in _FP_HELPER:
        return _emit_fp(blk, name, e, i, insn_pc, next_pc)
    if name in M_OUT_OF_LINE:  # the interpreter's definition: vm_jit_m(rt, &ir[i])
        _call_ir_helper(blk, "m_helper", i)
        return None
    if name in _CSR:  # vm_jit_fcsr(rt, &ir[i]); a frm compiled code cannot use leaves after it
        _call_ir_helper(blk, "fcsr_helper", i)
        leave = a.label()
        a.emit(X.create_mem_u32(Code.CMP_RM32_IMM8, M(RT, displ=_L["rt_status"]), 0))
        a.emit(X.create_branch(Code.JNE_REL32_64, leave))
        blk.leave_early(i + 1, next_pc, label=leave)
        return None
    if name in _FP_LOADS:  # as an integer load, into the f register (singles NaN-boxed)
        size = _FP_LOADS[name]
        return _emit_load(blk, e, i, insn_pc, next_pc, size,
                          Code.MOV_R64_RM64 if size == 8 else Code.MOV_R32_RM32,
                          None if size == 8 else Code.MOV_R32_RM32,
                          lambda: X.create_mem_reg(Code.MOV_RM64_R64, freg(rd), R.RAX),
                          box=size == 4)
    if name in _FP_STORES:
        size = _FP_STORES[name]
        return _emit_store(blk, e, i, insn_pc, next_pc, size, freg(rs2))
    src = blk.src
    if name in _LOADS:
        size, widen_mem, widen_reg = _LOADS[name]
        return _emit_load(blk, e, i, insn_pc, next_pc, size, widen_mem, widen_reg,
                          lambda: blk.write_rd(rd))
    if name in _STORES:
        return _emit_store(blk, e, i, insn_pc, next_pc, _STORES[name], src(rs2))
    if name in ("lui", "auipc"):
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, imm & 0xFFFFFFFFFFFFFFFF))
        a.emit(blk.write_rd(rd))
    elif name in _RR:
        code64, code32 = _RR[name]
        if code64:
            a.emit(_op(Code.MOV_R64_RM64, R.RAX, src(rs1)))
            a.emit(_op(code64, R.RAX, src(rs2)))
        else:
            a.emit(_op(Code.MOV_R32_RM32, R.EAX, src(rs1, 32)))
            a.emit(_op(code32, R.EAX, src(rs2, 32)))
            a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, R.RAX, R.EAX))
        a.emit(blk.write_rd(rd))
    elif name in _RI or name == "addiw":
        if name == "addiw":
            a.emit(_op(Code.MOV_R32_RM32, R.EAX, src(rs1, 32)))
            a.emit(X.create_reg_i32(Code.ADD_RM32_IMM32, R.EAX, imm))
            a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, R.RAX, R.EAX))
        else:
            a.emit(_op(Code.MOV_R64_RM64, R.RAX, src(rs1)))
            a.emit(X.create_reg_i32(_RI[name], R.RAX, imm))
        a.emit(blk.write_rd(rd))
    elif name in _SHIFT_IMM:
        wide = not name.endswith("w")
        acc = R.RAX if wide else R.EAX
        a.emit(_op(Code.MOV_R64_RM64 if wide else Code.MOV_R32_RM32, acc,
                   src(rs1, 64 if wide else 32)))
        a.emit(X.create_reg_u32(_SHIFT_IMM[name], acc, imm))
        if not wide:
            a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, R.RAX, R.EAX))
        a.emit(blk.write_rd(rd))
    elif name in _SHIFT_REG:
        wide = not name.endswith("w")
        acc = R.RAX if wide else R.EAX
        a.emit(_op(Code.MOV_R64_RM64, R.RCX, src(rs2)))
        a.emit(_op(Code.MOV_R64_RM64 if wide else Code.MOV_R32_RM32, acc,
                   src(rs1, 64 if wide else 32)))
        a.emit(X.create_reg_reg(_SHIFT_REG[name], acc, R.CL))
        if not wide:
            a.emit(X.create_reg_reg(Code.MOVSXD_R64_RM32, R.RAX, R.EAX))
        a.emit(blk.write_rd(rd))
    elif name in _SET:
        a.emit(_op(Code.MOV_R64_RM64, R.RCX, src(rs1)))
        a.emit(X.create_reg_reg(Code.XOR_R32_RM32, R.EAX, R.EAX))
        if name in ("slti", "sltiu"):
            a.emit(X.create_reg_i32(Code.CMP_RM64_IMM32, R.RCX, imm))
        else:
            a.emit(_op(Code.CMP_R64_RM64, R.RCX, src(rs2)))
        a.emit(X.create_reg(_SET[name], R.AL))
        a.emit(blk.write_rd(rd))
    elif name in _BRANCH:
        a.emit(_op(Code.MOV_R64_RM64, R.RCX, src(rs1)))
        a.emit(_op(Code.CMP_R64_RM64, R.RCX, src(rs2)))
        return ("branch", _BRANCH[name], imm, next_pc)
    elif name == "jal":
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RAX, next_pc))
        a.emit(blk.write_rd(rd))
        return ("jump", imm)
    elif name == "jalr":
        a.emit(_op(Code.MOV_R64_RM64, R.RAX, src(rs1)))
        if imm:
            a.emit(X.create_reg_i32(Code.ADD_RM64_IMM32, R.RAX, imm))
        a.emit(X.create_reg_i32(Code.AND_RM64_IMM8, R.RAX, -2))
        a.emit(X.create_reg_u64(Code.MOV_R64_IMM64, R.RCX, next_pc))
        a.emit(blk.write_rd(rd, R.RCX))
        return ("indirect",)
    elif name == "fence":
        pass
    else:  # pragma: no cover - SUPPORTED and this function must agree
        raise AssertionError(f"no emitter for {name}")
    return None


def disassemble(code: bytes, address: int = 0) -> list[str]:
    """Host instructions of compiled code, one line each (for CompiledBlock listings)."""
    from iced_x86 import Decoder, Formatter, FormatterSyntax
    fmt = Formatter(FormatterSyntax.INTEL)
    out = []
    for insn in Decoder(64, code, ip=address):
        out.append(f"{insn.ip:#014x}  {fmt.format(insn)}")
    return out
