// brk and mmap without libc. Exit 0 and print "mem ok" if all is well,
// else exit with the number of the failed check.
    .text
    .globl _start
_start:
    li      a0, 0
    li      a7, 214             // brk(0)
    ecall
    mv      s0, a0              // current break
    li      t0, 0x10000
    add     a0, s0, t0
    mv      s1, a0
    li      a7, 214             // brk(cur + 64 KiB)
    ecall
    li      s11, 1
    bne     a0, s1, fail
    li      t0, 0x1234567
    sd      t0, 0(s0)           // the new heap is writable...
    li      t1, 0xfff8
    add     t1, s0, t1
    sd      t0, 0(t1)           // ...to its last word
    ld      t2, 0(t1)
    li      s11, 2
    bne     t0, t2, fail
    mv      a0, s0
    li      a7, 214             // shrink back
    ecall
    li      s11, 3
    bne     a0, s0, fail
    // mmap(0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
    li      a0, 0
    li      a1, 8192
    li      a2, 3
    li      a3, 0x22
    li      a4, -1
    li      a5, 0
    li      a7, 222
    ecall
    li      s11, 4
    li      t0, -4096
    bgeu    a0, t0, fail
    slli    t0, a0, 52          // page-aligned?
    li      s11, 5
    bnez    t0, fail
    mv      s2, a0
    li      t1, 4096
    add     s3, s2, t1          // the second page
    ld      t0, 0(s3)           // zero-filled
    li      s11, 6
    bnez    t0, fail
    li      t0, 42
    sd      t0, 0(s3)
    ld      t1, 0(s3)
    li      s11, 7
    bne     t0, t1, fail
    // mprotect the first page read-only: still readable
    mv      a0, s2
    li      a1, 4096
    li      a2, 1
    li      a7, 226
    ecall
    li      s11, 8
    bnez    a0, fail
    ld      t0, 0(s2)
    // munmap both pages; munmap of a bad address is EINVAL
    mv      a0, s2
    li      a1, 8192
    li      a7, 215
    ecall
    li      s11, 9
    bnez    a0, fail
    addi    a0, s2, 1
    li      a1, 4096
    li      a7, 215
    ecall
    li      s11, 10
    li      t0, -22             // -EINVAL
    bne     a0, t0, fail
    // an unknown syscall is -ENOSYS
    li      a7, 999
    ecall
    li      s11, 11
    li      t0, -38
    bne     a0, t0, fail
    li      a0, 1
    la      a1, ok
    li      a2, 7
    li      a7, 64
    ecall
    li      a0, 0
    li      a7, 94              // exit_group
    ecall
fail:
    mv      a0, s11
    li      a7, 93
    ecall

    .section .rodata
ok:     .ascii "mem ok\n"
