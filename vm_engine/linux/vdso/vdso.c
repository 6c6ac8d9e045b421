/* vm_engine's vDSO for its RISC-V Linux guests: what the kernel's offers a C
 * library (LINUX_4.15: vdso.lds), so that the clocks are read without a
 * system call. A system call returns to Python, some 5 us; these read the
 * host's clocks in nanoseconds through vm_engine's custom read-only user CSRs
 * (csrc/vm_interp.c: 0xCC0 + a Linux clock id, for CLOCK_REALTIME, MONOTONIC,
 * MONOTONIC_RAW, REALTIME_COARSE, MONOTONIC_COARSE and BOOTTIME), as a real
 * vDSO reads its data page. The CPU-time clocks, and a time zone asked for,
 * go to the system call. Built by the Makefile beside it; the image (vdso.so)
 * is committed and mapped into every program (vm_engine/linux/elf.py). */

struct kernel_timespec { long tv_sec, tv_nsec; };
struct kernel_timeval { long tv_sec, tv_usec; };

#define NSEC_PER_SEC 1000000000ul
#define CSR_READ(csr) ({ unsigned long v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })

static long syscall2(long nr, long a, long b)
{
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a7 __asm__("a7") = nr;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a7) : "memory");
    return a0;
}

int __vdso_clock_gettime(int clock, struct kernel_timespec *ts)
{
    unsigned long ns;
    switch (clock) {
    case 0: ns = CSR_READ(0xcc0); break; /* CLOCK_REALTIME */
    case 1: ns = CSR_READ(0xcc1); break; /* CLOCK_MONOTONIC */
    case 4: ns = CSR_READ(0xcc4); break; /* CLOCK_MONOTONIC_RAW */
    case 5: ns = CSR_READ(0xcc5); break; /* CLOCK_REALTIME_COARSE (glibc's time()) */
    case 6: ns = CSR_READ(0xcc6); break; /* CLOCK_MONOTONIC_COARSE */
    case 7: ns = CSR_READ(0xcc7); break; /* CLOCK_BOOTTIME */
    default: return (int)syscall2(113, clock, (long)ts); /* clock_gettime */
    }
    ts->tv_sec = (long)(ns / NSEC_PER_SEC);
    ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
    return 0;
}

int __vdso_gettimeofday(struct kernel_timeval *tv, void *tz)
{
    if (tz)
        return (int)syscall2(169, (long)tv, (long)tz); /* gettimeofday */
    if (tv) {
        unsigned long ns = CSR_READ(0xcc0);
        tv->tv_sec = (long)(ns / NSEC_PER_SEC);
        tv->tv_usec = (long)(ns % NSEC_PER_SEC / 1000);
    }
    return 0;
}

/* where a signal handler returns to (the frame's ra): rt_sigreturn */
__asm__(".globl __vdso_rt_sigreturn\n"
        ".type __vdso_rt_sigreturn, @function\n"
        "__vdso_rt_sigreturn:\n"
        "    li a7, 139\n"
        "    ecall\n"
        ".size __vdso_rt_sigreturn, . - __vdso_rt_sigreturn\n");
