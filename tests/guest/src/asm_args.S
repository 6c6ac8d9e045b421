// Prints argc lines "argv[i]" and the environment strings, one per line, then
// checks the initial stack: sp 16-byte aligned (else exit 2), auxv has
// AT_PAGESZ = 4096 (else exit 3) and AT_RANDOM (else exit 4). Exit code: argc.
    .text
    .globl _start
_start:
    mv      s0, sp
    andi    t0, sp, 15
    li      a0, 2
    bnez    t0, die
    ld      s1, 0(s0)           // argc
    addi    s2, s0, 8           // argv
    li      s3, 0
1:  bge     s3, s1, 2f
    slli    t0, s3, 3
    add     t0, s2, t0
    ld      a0, 0(t0)
    call    puts
    addi    s3, s3, 1
    j       1b
2:  slli    t0, s1, 3
    add     s4, s2, t0
    addi    s4, s4, 8           // envp
3:  ld      a0, 0(s4)
    beqz    a0, 4f
    call    puts
    addi    s4, s4, 8
    j       3b
4:  addi    s4, s4, 8           // auxv
    li      s5, 0               // seen AT_PAGESZ
    li      s6, 0               // seen AT_RANDOM
5:  ld      t0, 0(s4)
    ld      t1, 8(s4)
    beqz    t0, 7f
    li      t2, 6               // AT_PAGESZ
    bne     t0, t2, 6f
    li      t2, 4096
    li      a0, 3
    bne     t1, t2, die
    li      s5, 1
6:  li      t2, 25              // AT_RANDOM
    bne     t0, t2, 8f
    li      s6, 1
8:  addi    s4, s4, 16
    j       5b
7:  li      a0, 3
    beqz    s5, die
    li      a0, 4
    beqz    s6, die
    mv      a0, s1
die:
    li      a7, 93
    ecall

// puts(a0): writes the string and a newline to fd 1
puts:
    mv      t0, a0
    mv      t1, a0
1:  lbu     t2, 0(t1)
    beqz    t2, 2f
    addi    t1, t1, 1
    j       1b
2:  sub     a2, t1, t0
    mv      a1, t0
    li      a0, 1
    li      a7, 64
    ecall
    li      a0, 1
    la      a1, newline
    li      a2, 1
    li      a7, 64
    ecall
    ret

    .section .rodata
newline: .ascii "\n"
