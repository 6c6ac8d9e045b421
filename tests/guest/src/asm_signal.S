// Installs a SIGUSR1 handler, sends SIGUSR1 to itself (kill(getpid())), the
// handler prints "in handler\n" and returns through the kernel's sigreturn
// path; then "back in main\n", then SIGABRT with the default action: the
// program dies of it (status 128+6).
    .text
    .globl _start
_start:
    addi    sp, sp, -32
    la      t0, handler
    sd      t0, 0(sp)           // sa_handler
    li      t0, 0x4             // SA_SIGINFO
    sd      t0, 8(sp)           // sa_flags
    sd      zero, 16(sp)        // sa_mask
    li      a0, 10              // SIGUSR1
    mv      a1, sp
    li      a2, 0
    li      a3, 8
    li      a7, 134             // rt_sigaction
    ecall
    bnez    a0, fail
    li      s1, 0x5a5a          // must survive the handler
    li      a7, 172             // getpid
    ecall
    mv      s0, a0
    li      a1, 10
    li      a7, 129             // kill(getpid(), SIGUSR1)
    ecall
    bnez    a0, fail
    li      t0, 0x5a5a
    bne     s1, t0, fail
    la      t0, flag
    ld      t0, 0(t0)
    li      t1, 10
    bne     t0, t1, fail
    li      a0, 1
    la      a1, back
    li      a2, 13
    li      a7, 64
    ecall
    mv      a0, s0
    mv      a1, s0
    li      a2, 6               // SIGABRT
    li      a7, 131             // tgkill(pid, pid, SIGABRT)
    ecall
fail:
    li      a0, 99
    li      a7, 93
    ecall

handler:                        // a0 = signal, a1 = siginfo, a2 = ucontext
    la      t0, flag
    sd      a0, 0(t0)
    lw      t1, 0(a1)           // si_signo
    bne     t1, a0, fail
    li      s1, 0               // clobber a callee-saved register: sigreturn restores it
    li      a0, 1
    la      a1, inh
    li      a2, 11
    li      a7, 64
    ecall
    ret

    .section .rodata
inh:    .ascii "in handler\n"
back:   .ascii "back in main\n"
    .data
    .balign 8
flag:   .dword 0
