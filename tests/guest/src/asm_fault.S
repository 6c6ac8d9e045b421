// Prints a line, then stores to address 16: a page fault (SIGSEGV).
    .text
    .globl _start
_start:
    li      a0, 1
    la      a1, msg
    li      a2, 13
    li      a7, 64
    ecall
    li      t0, 16
    sd      t0, 0(t0)
    li      a0, 0
    li      a7, 93
    ecall
    .section .rodata
msg:    .ascii "about to die\n"
