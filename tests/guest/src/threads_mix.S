# long mix_all(long n): a loop that keeps every integer register it may use
# (a0-a7, t0-t6, s1-s11, ra saved) live and changing, n times round; returns
# their sum. A thread preempted anywhere in it and given back a register wrong
# (its time slice ended, another thread ran) gives a different sum.
    .globl mix_all
mix_all:
    addi sp, sp, -112
    sd s1, 0(sp)
    sd s2, 8(sp)
    sd s3, 16(sp)
    sd s4, 24(sp)
    sd s5, 32(sp)
    sd s6, 40(sp)
    sd s7, 48(sp)
    sd s8, 56(sp)
    sd s9, 64(sp)
    sd s10, 72(sp)
    sd s11, 80(sp)
    sd ra, 88(sp)
    mv ra, a0                       # the count
    li a0, 1
    li a1, 2
    li a2, 3
    li a3, 5
    li a4, 7
    li a5, 11
    li a6, 13
    li a7, 17
    li t0, 19
    li t1, 23
    li t2, 29
    li t3, 31
    li t4, 37
    li t5, 41
    li t6, 43
    li s1, 47
    li s2, 53
    li s3, 59
    li s4, 61
    li s5, 67
    li s6, 71
    li s7, 73
    li s8, 79
    li s9, 83
    li s10, 89
    li s11, 97
1:  add a0, a0, s11
    xor a1, a1, a0
    add a2, a2, a1
    xor a3, a3, a2
    add a4, a4, a3
    xor a5, a5, a4
    add a6, a6, a5
    xor a7, a7, a6
    add t0, t0, a7
    xor t1, t1, t0
    add t2, t2, t1
    xor t3, t3, t2
    add t4, t4, t3
    xor t5, t5, t4
    add t6, t6, t5
    xor s1, s1, t6
    add s2, s2, s1
    xor s3, s3, s2
    add s4, s4, s3
    xor s5, s5, s4
    add s6, s6, s5
    xor s7, s7, s6
    add s8, s8, s7
    xor s9, s9, s8
    add s10, s10, s9
    xor s11, s11, s10
    addi ra, ra, -1
    bnez ra, 1b
    add a0, a0, a1
    add a0, a0, a2
    add a0, a0, a3
    add a0, a0, a4
    add a0, a0, a5
    add a0, a0, a6
    add a0, a0, a7
    add a0, a0, t0
    add a0, a0, t1
    add a0, a0, t2
    add a0, a0, t3
    add a0, a0, t4
    add a0, a0, t5
    add a0, a0, t6
    add a0, a0, s1
    add a0, a0, s2
    add a0, a0, s3
    add a0, a0, s4
    add a0, a0, s5
    add a0, a0, s6
    add a0, a0, s7
    add a0, a0, s8
    add a0, a0, s9
    add a0, a0, s10
    add a0, a0, s11
    ld s1, 0(sp)
    ld s2, 8(sp)
    ld s3, 16(sp)
    ld s4, 24(sp)
    ld s5, 32(sp)
    ld s6, 40(sp)
    ld s7, 48(sp)
    ld s8, 56(sp)
    ld s9, 64(sp)
    ld s10, 72(sp)
    ld s11, 80(sp)
    ld ra, 88(sp)
    addi sp, sp, 112
    ret
