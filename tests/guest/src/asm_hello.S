// write(1, "hello from asm\n"), then exit(7). No libc, RV64IM only.
    .text
    .globl _start
_start:
    li      a0, 1
    la      a1, msg
    li      a2, 15
    li      a7, 64              // write
    ecall
    li      a0, 7
    li      a7, 93              // exit
    ecall

    .section .rodata
msg:    .ascii "hello from asm\n"
msg_end:
