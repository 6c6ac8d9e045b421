/* Floating-point computation (F and D, all but loads and stores): one
 * definition shared by the interpreter (a label per op calls it with a
 * constant op, so the switch folds away) and the JIT (a helper call for ops
 * without an x86 template). Returns 0, or VM_FAULT_ILLEGAL_INSTRUCTION for a
 * reserved rounding mode. *cur_rm: the rounding mode the host FPU is set to
 * (-1: unknown). */
#ifndef VM_FP_OPS_H
#define VM_FP_OPS_H
#include "vm_fpu.h"
#include "vm_ir.h"
#include "vm_regs.h"

#define SIGN_D 0x8000000000000000ull
#define SIGN_S 0x80000000u
#define D(v) u2d(v)
#define S(v) u2f(unbox_s(v))
/* R, the host's nearest-even result, with an RMM tie turned away from zero */
#define RMM_D(R, K, A, B, C) (__builtin_expect(frm_ == 4, 0) ? rmm_d((R), K, A, B, C) : (R))
#define RMM_S(R, K, A, B, C) (__builtin_expect(frm_ == 4, 0) ? rmm_s((R), K, A, B, C) : (R))

static inline __attribute__((always_inline)) int
vm_fp_exec(vm_cpu *cpu, const vm_ir *ir, int op, int *cur_rm)
{
    uint64_t *const x = cpu->x;
    int frm_;
    switch (op) {
/* the instruction's rounding mode (dyn: frm); reserved modes are illegal */
#define GET_RM() do {                                                           \
        frm_ = ir->rm == 7 ? (int)((cpu->fcsr >> 5) & 7) : ir->rm;              \
        if (frm_ > 4)                                                           \
            return VM_FAULT_ILLEGAL_INSTRUCTION;                                \
    } while (0)
/* ... and set on the host, for an operation the host rounds */
#define SET_RM() do {                                                           \
        GET_RM();                                                               \
        if (frm_ != *cur_rm) {                                                  \
            fesetround(vm_host_rm[frm_]);                                       \
            *cur_rm = frm_;                                                     \
        }                                                                       \
    } while (0)
    case VM_OP_FADD_D: SET_RM(); FRD = canon_d(RMM_D(D(FRS1) + D(FRS2), RMM_ADD, D(FRS1), D(FRS2), 0)); return 0;
    case VM_OP_FSUB_D: SET_RM(); FRD = canon_d(RMM_D(D(FRS1) - D(FRS2), RMM_SUB, D(FRS1), D(FRS2), 0)); return 0;
    case VM_OP_FMUL_D: SET_RM(); FRD = canon_d(RMM_D(D(FRS1) * D(FRS2), RMM_MUL, D(FRS1), D(FRS2), 0)); return 0;
    case VM_OP_FDIV_D: SET_RM(); FRD = canon_d(RMM_D(D(FRS1) / D(FRS2), RMM_DIV, D(FRS1), D(FRS2), 0)); return 0;
    case VM_OP_FSQRT_D: SET_RM(); FRD = canon_d(sqrt(D(FRS1))); return 0; /* a square root never ties */
    case VM_OP_FMADD_D: SET_RM(); fma_inf_zero_d(cpu, FRS1, FRS2); FRD = canon_d(RMM_D(fma(D(FRS1), D(FRS2), D(FRS3)), RMM_FMA, D(FRS1), D(FRS2), D(FRS3))); return 0;
    case VM_OP_FMSUB_D: SET_RM(); fma_inf_zero_d(cpu, FRS1, FRS2); FRD = canon_d(RMM_D(fma(D(FRS1), D(FRS2), -D(FRS3)), RMM_FMA, D(FRS1), D(FRS2), -D(FRS3))); return 0;
    case VM_OP_FNMSUB_D: SET_RM(); fma_inf_zero_d(cpu, FRS1, FRS2); FRD = canon_d(RMM_D(fma(-D(FRS1), D(FRS2), D(FRS3)), RMM_FMA, -D(FRS1), D(FRS2), D(FRS3))); return 0;
    case VM_OP_FNMADD_D: SET_RM(); fma_inf_zero_d(cpu, FRS1, FRS2); FRD = canon_d(RMM_D(fma(-D(FRS1), D(FRS2), -D(FRS3)), RMM_FMA, -D(FRS1), D(FRS2), -D(FRS3))); return 0;
    case VM_OP_FADD_S: SET_RM(); FRD = canon_s(RMM_S(S(FRS1) + S(FRS2), RMM_ADD, S(FRS1), S(FRS2), 0)); return 0;
    case VM_OP_FSUB_S: SET_RM(); FRD = canon_s(RMM_S(S(FRS1) - S(FRS2), RMM_SUB, S(FRS1), S(FRS2), 0)); return 0;
    case VM_OP_FMUL_S: SET_RM(); FRD = canon_s(RMM_S(S(FRS1) * S(FRS2), RMM_MUL, S(FRS1), S(FRS2), 0)); return 0;
    case VM_OP_FDIV_S: SET_RM(); FRD = canon_s(RMM_S(S(FRS1) / S(FRS2), RMM_DIV, S(FRS1), S(FRS2), 0)); return 0;
    case VM_OP_FSQRT_S: SET_RM(); FRD = canon_s(sqrtf(S(FRS1))); return 0;
#define FMA_S(A, B, C) SET_RM(); fma_inf_zero_s(cpu, unbox_s(FRS1), unbox_s(FRS2)); \
        FRD = canon_s(RMM_S(fmaf(A, B, C), RMM_FMA, A, B, C)); return 0;
    case VM_OP_FMADD_S: FMA_S(S(FRS1), S(FRS2), S(FRS3))
    case VM_OP_FMSUB_S: FMA_S(S(FRS1), S(FRS2), -S(FRS3))
    case VM_OP_FNMSUB_S: FMA_S(-S(FRS1), S(FRS2), S(FRS3))
    case VM_OP_FNMADD_S: FMA_S(-S(FRS1), S(FRS2), -S(FRS3))
    case VM_OP_FSGNJ_D: FRD = (FRS1 & ~SIGN_D) | (FRS2 & SIGN_D); return 0;
    case VM_OP_FSGNJN_D: FRD = (FRS1 & ~SIGN_D) | (~FRS2 & SIGN_D); return 0;
    case VM_OP_FSGNJX_D: FRD = FRS1 ^ (FRS2 & SIGN_D); return 0;
    case VM_OP_FSGNJ_S: FRD = box_s((unbox_s(FRS1) & ~SIGN_S) | (unbox_s(FRS2) & SIGN_S)); return 0;
    case VM_OP_FSGNJN_S: FRD = box_s((unbox_s(FRS1) & ~SIGN_S) | (~unbox_s(FRS2) & SIGN_S)); return 0;
    case VM_OP_FSGNJX_S: FRD = box_s(unbox_s(FRS1) ^ (unbox_s(FRS2) & SIGN_S)); return 0;
    case VM_OP_FMIN_D: FRD = minmax_bits(cpu, FRS1, FRS2, 0, 1); return 0;
    case VM_OP_FMAX_D: FRD = minmax_bits(cpu, FRS1, FRS2, 1, 1); return 0;
    case VM_OP_FMIN_S: FRD = box_s((uint32_t)minmax_bits(cpu, unbox_s(FRS1), unbox_s(FRS2), 0, 0)); return 0;
    case VM_OP_FMAX_S: FRD = box_s((uint32_t)minmax_bits(cpu, unbox_s(FRS1), unbox_s(FRS2), 1, 0)); return 0;
    case VM_OP_FEQ_D: RD = cmp_bits(cpu, FRS1, FRS2, 2, 1); return 0;
    case VM_OP_FLT_D: RD = cmp_bits(cpu, FRS1, FRS2, 1, 1); return 0;
    case VM_OP_FLE_D: RD = cmp_bits(cpu, FRS1, FRS2, 0, 1); return 0;
    case VM_OP_FEQ_S: RD = cmp_bits(cpu, unbox_s(FRS1), unbox_s(FRS2), 2, 0); return 0;
    case VM_OP_FLT_S: RD = cmp_bits(cpu, unbox_s(FRS1), unbox_s(FRS2), 1, 0); return 0;
    case VM_OP_FLE_S: RD = cmp_bits(cpu, unbox_s(FRS1), unbox_s(FRS2), 0, 0); return 0;
    case VM_OP_FCLASS_D: RD = class_bits(FRS1, 1); return 0;
    case VM_OP_FCLASS_S: RD = class_bits(unbox_s(FRS1), 0); return 0;
/* float -> integer: exact rounding in integer arithmetic (singles widen exactly), so
 * the host's rounding mode is left as it is (a C cast's rtz would switch it twice) */
#define S_AS_D(v) (isnan_s(unbox_s(v)) ? CANON_NAN_D : d2u((double)S(v)))
    case VM_OP_FCVT_W_D: GET_RM(); RD = fp_to_int(cpu, FRS1, frm_, 32, 0); return 0;
    case VM_OP_FCVT_WU_D: GET_RM(); RD = fp_to_int(cpu, FRS1, frm_, 32, 1); return 0;
    case VM_OP_FCVT_L_D: GET_RM(); RD = fp_to_int(cpu, FRS1, frm_, 64, 0); return 0;
    case VM_OP_FCVT_LU_D: GET_RM(); RD = fp_to_int(cpu, FRS1, frm_, 64, 1); return 0;
    case VM_OP_FCVT_W_S: GET_RM(); RD = fp_to_int(cpu, S_AS_D(FRS1), frm_, 32, 0); return 0;
    case VM_OP_FCVT_WU_S: GET_RM(); RD = fp_to_int(cpu, S_AS_D(FRS1), frm_, 32, 1); return 0;
    case VM_OP_FCVT_L_S: GET_RM(); RD = fp_to_int(cpu, S_AS_D(FRS1), frm_, 64, 0); return 0;
    case VM_OP_FCVT_LU_S: GET_RM(); RD = fp_to_int(cpu, S_AS_D(FRS1), frm_, 64, 1); return 0;
/* integer -> float: the host conversion rounds in the current mode (from 32 bits
 * and from single to double it is exact) */
    case VM_OP_FCVT_D_W: GET_RM(); FRD = d2u((double)(int32_t)RS1); return 0;
    case VM_OP_FCVT_D_WU: GET_RM(); FRD = d2u((double)(uint32_t)RS1); return 0;
    case VM_OP_FCVT_D_L: SET_RM(); FRD = d2u(RMM_D((double)(int64_t)RS1, RMM_CVT, (long double)(int64_t)RS1, 0, 0)); return 0;
    case VM_OP_FCVT_D_LU: SET_RM(); FRD = d2u(RMM_D((double)RS1, RMM_CVT, (long double)RS1, 0, 0)); return 0;
    case VM_OP_FCVT_S_W: SET_RM(); FRD = box_s(f2u(RMM_S((float)(int32_t)RS1, RMM_CVT, (int32_t)RS1, 0, 0))); return 0;
    case VM_OP_FCVT_S_WU: SET_RM(); FRD = box_s(f2u(RMM_S((float)(uint32_t)RS1, RMM_CVT, (uint32_t)RS1, 0, 0))); return 0;
    case VM_OP_FCVT_S_L: SET_RM(); FRD = box_s(f2u(RMM_S((float)(int64_t)RS1, RMM_CVT, (long double)(int64_t)RS1, 0, 0))); return 0;
    case VM_OP_FCVT_S_LU: SET_RM(); FRD = box_s(f2u(RMM_S((float)RS1, RMM_CVT, (long double)RS1, 0, 0))); return 0;
    case VM_OP_FCVT_S_D: SET_RM(); FRD = canon_s(RMM_S((float)D(FRS1), RMM_CVT, D(FRS1), 0, 0)); return 0;
    case VM_OP_FCVT_D_S: GET_RM(); FRD = canon_d((double)S(FRS1)); return 0;
    case VM_OP_FMV_X_W: RD = S32((uint32_t)FRS1); return 0;
    case VM_OP_FMV_W_X: FRD = box_s((uint32_t)RS1); return 0;
    case VM_OP_FMV_X_D: RD = FRS1; return 0;
    case VM_OP_FMV_D_X: FRD = RS1; return 0;
    default:
        break;
    }
    (void)frm_;
    return 0;
}

#undef SIGN_D
#undef SIGN_S
#undef D
#undef S
#undef SET_RM
#undef GET_RM
#undef FMA_S
#undef S_AS_D
#undef RMM_D
#undef RMM_S
#endif
