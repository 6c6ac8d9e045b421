// openat(AT_FDCWD, argv[1], O_WRONLY|O_CREAT|O_TRUNC, 0644), write, close,
// reopen, read back, lseek to 6, read 5 more, write them to stdout, unlink.
    .text
    .globl _start
_start:
    ld      t0, 0(sp)
    li      a0, 9
    li      t1, 2
    blt     t0, t1, out         // need argv[1]
    ld      s0, 16(sp)          // path
    li      a0, -100
    mv      a1, s0
    li      a2, 01101           // O_WRONLY|O_CREAT|O_TRUNC
    li      a3, 0644
    li      a7, 56
    ecall
    li      s11, 1
    bltz    a0, fail
    mv      s1, a0
    la      a1, text
    li      a2, 12
    li      a7, 64
    ecall
    li      s11, 2
    li      t0, 12
    bne     a0, t0, fail
    mv      a0, s1
    li      a7, 57              // close
    ecall
    li      a0, -100
    mv      a1, s0
    li      a2, 0               // O_RDONLY
    li      a7, 56
    ecall
    li      s11, 3
    bltz    a0, fail
    mv      s1, a0
    la      a1, buf
    li      a2, 64
    li      a7, 63              // read
    ecall
    li      s11, 4
    li      t0, 12
    bne     a0, t0, fail
    mv      a0, s1
    li      a1, 6
    li      a2, 0               // SEEK_SET
    li      a7, 62              // lseek
    ecall
    li      s11, 5
    li      t0, 6
    bne     a0, t0, fail
    mv      a0, s1
    la      a1, buf
    li      a2, 6
    li      a7, 63
    ecall
    li      s11, 6
    li      t0, 6
    bne     a0, t0, fail
    li      a0, 1
    la      a1, buf
    li      a2, 6
    li      a7, 64
    ecall
    li      a0, -100
    mv      a1, s0
    li      a2, 0
    li      a7, 35              // unlinkat
    ecall
    li      s11, 7
    bnez    a0, fail
    li      a0, 0
out:
    li      a7, 93
    ecall
fail:
    mv      a0, s11
    li      a7, 93
    ecall
    .section .rodata
text:   .ascii "hello world\n"
    .bss
buf:    .zero 64
