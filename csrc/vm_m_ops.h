/* The multiplications' high halves and the divisions of the M extension, with
 * RISC-V's results for division by zero and overflow, for the interpreter
 * (called with a constant op, the switch folds away). The JIT emits them
 * inline (vm_engine/jit/x86.py: _emit_m). */
#ifndef VM_M_OPS_H
#define VM_M_OPS_H
#include <limits.h>
#include "vm_cpu.h"
#include "vm_ir.h"
#include "vm_regs.h"


static inline __attribute__((always_inline)) void vm_m_exec(vm_cpu *cpu, const vm_ir *ir, int op)
{
    uint64_t *const x = cpu->x;
    switch (op) {
    case VM_OP_MULH: RD = (uint64_t)(((__int128)(int64_t)RS1 * (__int128)(int64_t)RS2) >> 64); return;
    case VM_OP_MULHSU: RD = (uint64_t)(((__int128)(int64_t)RS1 * (__int128)RS2) >> 64); return;
    case VM_OP_MULHU: RD = (uint64_t)(((unsigned __int128)RS1 * RS2) >> 64); return;
    case VM_OP_DIV: {
        int64_t a = (int64_t)RS1, d = (int64_t)RS2;
        RD = d == 0 ? ~0ull : (a == INT64_MIN && d == -1) ? (uint64_t)a : (uint64_t)(a / d);
        return;
    }
    case VM_OP_DIVU: { uint64_t a = RS1, d = RS2; RD = d == 0 ? ~0ull : a / d; return; }
    case VM_OP_REM: {
        int64_t a = (int64_t)RS1, d = (int64_t)RS2;
        RD = d == 0 ? (uint64_t)a : (a == INT64_MIN && d == -1) ? 0 : (uint64_t)(a % d);
        return;
    }
    case VM_OP_REMU: { uint64_t a = RS1, d = RS2; RD = d == 0 ? a : a % d; return; }
    case VM_OP_DIVW: {
        int32_t a = (int32_t)RS1, d = (int32_t)RS2;
        RD = d == 0 ? ~0ull : (a == INT32_MIN && d == -1) ? S32(a) : S32(a / d);
        return;
    }
    case VM_OP_DIVUW: { uint32_t a = (uint32_t)RS1, d = (uint32_t)RS2; RD = d == 0 ? ~0ull : S32(a / d); return; }
    case VM_OP_REMW: {
        int32_t a = (int32_t)RS1, d = (int32_t)RS2;
        RD = d == 0 ? S32(a) : (a == INT32_MIN && d == -1) ? 0 : S32(a % d);
        return;
    }
    case VM_OP_REMUW: { uint32_t a = (uint32_t)RS1, d = (uint32_t)RS2; RD = d == 0 ? S32(a) : S32(a % d); return; }
    default:
        break;
    }
}

#endif
