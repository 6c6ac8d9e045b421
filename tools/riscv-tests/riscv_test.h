// Linux user-mode replacement for riscv-test-env's p/riscv_test.h.
// Tests run as static ELFs under Linux (or a Linux user-mode emulator):
// the result is reported through the exit status (exit syscall 93):
//   pass -> 0, fail -> (TESTNUM << 1) | 1.
#ifndef _ENV_LINUX_USER_RISCV_TEST_H
#define _ENV_LINUX_USER_RISCV_TEST_H

#define TESTNUM gp

// Older test sources use the pre-2017 GCC builtin _RISCV_SZLONG.
#ifndef _RISCV_SZLONG
# define _RISCV_SZLONG __riscv_xlen
#endif

//-----------------------------------------------------------------------
// Begin Macro (ISA selection: nothing to do in user mode; FP is on)
//-----------------------------------------------------------------------

#define RVTEST_RV64U            .macro init; .endm
#define RVTEST_RV64UF           .macro init; .endm
#define RVTEST_RV64UV           .macro init; .endm
#define RVTEST_RV32U            .macro init; .endm
#define RVTEST_RV32UF           .macro init; .endm
#define RVTEST_RV32UV           .macro init; .endm
#define RVTEST_RV64M            .macro init; .endm
#define RVTEST_RV64S            .macro init; .endm
#define RVTEST_RV32M            .macro init; .endm
#define RVTEST_RV32S            .macro init; .endm

// Named FP bit patterns referenced by newer rv64ud sources (defined in
// newer upstream test_macros.h than the stored one). Standard IEEE values.
#ifndef Infd
# define Infd   0x7ff0000000000000
# define nInfd  0xfff0000000000000
# define qNaNd  0x7ff8000000000000
# define sNaNd  0x7ff0000000000001
# define Inff   0x7f800000
# define nInff  0xff800000
#endif

#define RVTEST_ENABLE_SUPERVISOR
#define RVTEST_ENABLE_MACHINE
#define RVTEST_FP_ENABLE
#define RVTEST_VECTOR_ENABLE

#if __riscv_xlen == 64
# define CHECK_XLEN
#else
# define CHECK_XLEN
#endif

#define INIT_XREG                                                       \
  li x1, 0;  li x2, 0;  li x3, 0;  li x4, 0;  li x5, 0;  li x6, 0;     \
  li x7, 0;  li x8, 0;  li x9, 0;  li x10, 0; li x11, 0; li x12, 0;    \
  li x13, 0; li x14, 0; li x15, 0; li x16, 0; li x17, 0; li x18, 0;    \
  li x19, 0; li x20, 0; li x21, 0; li x22, 0; li x23, 0; li x24, 0;    \
  li x25, 0; li x26, 0; li x27, 0; li x28, 0; li x29, 0; li x30, 0;    \
  li x31, 0;

// Note: sp (x2) is also zeroed as in the bare-metal env; the tests do
// not use a stack.
#define RVTEST_CODE_BEGIN                                               \
        .text;                                                          \
        .globl _start;                                                  \
        .align 2;                                                       \
_start:                                                                 \
        INIT_XREG;                                                      \
        init;

//-----------------------------------------------------------------------
// End Macro
//-----------------------------------------------------------------------

#define RVTEST_CODE_END                                                 \
        unimp

//-----------------------------------------------------------------------
// Pass/Fail Macro
//-----------------------------------------------------------------------

#define RVTEST_PASS                                                     \
        fence;                                                          \
        li a0, 0;                                                       \
        li a7, 93;                                                      \
        ecall

#define RVTEST_FAIL                                                     \
        fence;                                                          \
        sll a0, TESTNUM, 1;                                             \
        or a0, a0, 1;                                                   \
        li a7, 93;                                                      \
        ecall

//-----------------------------------------------------------------------
// Data Section Macro
//-----------------------------------------------------------------------

#define EXTRA_DATA

#define RVTEST_DATA_BEGIN                                               \
        EXTRA_DATA                                                      \
        .data;                                                          \
        .align 4;

#define RVTEST_DATA_END

#endif
