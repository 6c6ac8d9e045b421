// vm_engine's model header for riscv-non-isa/riscv-arch-test (the RVMODEL_*
// macros a target supplies), for running the tests as static Linux user-mode
// programs (under vm_engine or qemu-riscv64).
//
// The test starts at rvtest_entry_point in user mode with FP enabled, as any
// Linux process; RVMODEL_HALT writes the signature (begin_signature ..
// end_signature) to stdout as the suite's reference_output files have it, one
// 32-bit word per line as 8 lower-case hex digits, lowest address first, and
// exits with status 0 (Linux exit, syscall 93).
#ifndef _VM_ENGINE_MODEL_TEST_H
#define _VM_ENGINE_MODEL_TEST_H

#ifndef XLEN
# define XLEN 64
#endif
#ifndef FLEN
# define FLEN 64
#endif

#define RVMODEL_BOOT

#define RVMODEL_HALT                                                    \
        la s0, begin_signature;                                         \
        la s1, end_signature;                                           \
        la s2, rvmodel_hexline;                                         \
  1:    bgeu s0, s1, 3f;                                                \
        lwu t0, 0(s0);                                                  \
        mv a1, s2;                                                      \
        li t1, 28;                                                      \
  2:    srl t2, t0, t1;                                                 \
        andi t2, t2, 15;                                                \
        addi t3, t2, 48;                                                \
        li t4, 10;                                                      \
        blt t2, t4, 4f;                                                 \
        addi t3, t2, 87;                                                \
  4:    sb t3, 0(a1);                                                   \
        addi a1, a1, 1;                                                 \
        addi t1, t1, -4;                                                \
        bgez t1, 2b;                                                    \
        li t3, 10;                                                        \
        sb t3, 0(a1);                                                   \
        li a0, 1;                                                       \
        mv a1, s2;                                                      \
        li a2, 9;                                                       \
        li a7, 64;                                                      \
        ecall;                                                          \
        addi s0, s0, 4;                                                 \
        j 1b;                                                           \
  3:    li a0, 0;                                                       \
        li a7, 93;                                                      \
        ecall;                                                          \
        .pushsection .bss;                                              \
        .align 3;                                                       \
  rvmodel_hexline: .space 16;                                           \
        .popsection;

#define RVMODEL_DATA_BEGIN                                              \
        .align 4;                                                       \
        .global begin_signature;                                        \
  begin_signature:

#define RVMODEL_DATA_END                                                \
        .align 4;                                                       \
        .global end_signature;                                          \
  end_signature:

#define RVMODEL_IO_INIT
#define RVMODEL_IO_WRITE_STR(_SP, _STR)
#define RVMODEL_IO_CHECK()
#define RVMODEL_IO_ASSERT_GPR_EQ(_SP, _R, _I)
#define RVMODEL_IO_ASSERT_SFPR_EQ(_F, _R, _I)
#define RVMODEL_IO_ASSERT_DFPR_EQ(_D, _R, _I)

#define RVMODEL_SET_MSW_INT
#define RVMODEL_CLEAR_MSW_INT
#define RVMODEL_CLEAR_MTIMER_INT
#define RVMODEL_CLEAR_MEXT_INT

#endif
