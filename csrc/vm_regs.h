/* Operand access for code that executes one IR entry `ir` on a vm_cpu `cpu`
 * with `x` = cpu->x in scope: the interpreter loop and the shared op bodies
 * (vm_fp_ops.h, vm_m_ops.h). */
#ifndef VM_REGS_H
#define VM_REGS_H

#define RD x[ir->rd]
#define RS1 x[ir->rs1]
#define RS2 x[ir->rs2]
#define FRD cpu->f[ir->rd]
#define FRS1 cpu->f[ir->rs1]
#define FRS2 cpu->f[ir->rs2]
#define FRS3 cpu->f[ir->rs3]
/* 32-bit result, sign-extended to 64 (the W instructions) */
#define S32(v) ((uint64_t)(int64_t)(int32_t)(v))

#endif
