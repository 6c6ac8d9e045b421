// Writes "spinning\n", then loops forever (for --timeout / stop() tests).
    .text
    .globl _start
_start:
    li      a0, 1
    la      a1, msg
    li      a2, 9
    li      a7, 64
    ecall
1:  addi    t0, t0, 1
    j       1b
    .section .rodata
msg:    .ascii "spinning\n"
