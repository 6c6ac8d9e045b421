/* Faults a program's own handlers take (SIGSEGV, SIGILL, SIGBUS), as Linux
 * delivers them: si_code and si_addr; returning from the handler runs the
 * faulting instruction again (a handler that unprotected the page: a GC's write
 * barrier); siglongjmp out of it on an alternate stack; and the faults no
 * handler takes (blocked, ignored, a second one inside the handler) kill the
 * process with their signal. Prints no address. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE 4096
static char *pages;
static int unprotected;
static sigjmp_buf jb;
static volatile uintptr_t expect_addr;

static void unprotect(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    char *page = (char *)((uintptr_t)si->si_addr & ~(uintptr_t)(PAGE - 1));
    if (sig != SIGSEGV || si->si_code != SEGV_ACCERR || page < pages || page >= pages + 64 * PAGE)
        _exit(90);
    mprotect(page, PAGE, PROT_READ | PROT_WRITE);
    unprotected++;
}

static void jump_out(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    stack_t ss;
    sigaltstack(NULL, &ss);
    printf("%s code %d, at the address: %s, on the alternate stack: %s\n", strsignal(sig),
           si->si_code, (uintptr_t)si->si_addr == expect_addr ? "yes" : "no",
           ss.ss_flags & SS_ONSTACK ? "yes" : "no");
    siglongjmp(jb, 1);
}

static void skip(int sig, siginfo_t *si, void *uc)
{
    ucontext_t *u = uc;
    printf("%s code %d, at the instruction: %s\n", strsignal(sig), si->si_code,
           (uintptr_t)si->si_addr == u->uc_mcontext.__gregs[REG_PC] ? "yes" : "no");
    u->uc_mcontext.__gregs[REG_PC] += 4;   /* (on past it) */
}

static void on(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigaction(sig, &sa, NULL);
}

/* how a child doing `what` ends */
static void child(const char *what, void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
        printf("%s: killed by %s\n", what, strsignal(WTERMSIG(status)));
    else
        printf("%s: exit %d\n", what, WEXITSTATUS(status));
}

static int *volatile nowhere = (int *)16;
static void null_store(void) { *nowhere = 1; }
static void blocked(void)
{
    on(SIGSEGV, jump_out, 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    sigprocmask(SIG_BLOCK, &set, NULL);
    null_store();
}
static void ignored(void)
{
    signal(SIGSEGV, SIG_IGN);
    null_store();
}
static void again(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)si; (void)uc;
    null_store();   /* a second fault, SIGSEGV blocked in its handler */
}
static void in_handler(void)
{
    on(SIGSEGV, again, 0);
    null_store();
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* a loop storing to 64 pages, every other one read-only: each store the
     * handler lets through by unprotecting its page */
    pages = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 1; i < 64; i += 2)
        mprotect(pages + i * PAGE, PAGE, PROT_READ);
    on(SIGSEGV, unprotect, 0);
    long sum = 0;
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 64 * PAGE; i += 64) {
            pages[i] = (char)(i >> 6);
            sum += pages[i];
        }
    printf("stores through: %ld, pages unprotected by the handler: %d\n", sum, unprotected);

    /* out of the handler by siglongjmp, on an alternate stack */
    stack_t ss = {.ss_sp = malloc(64 * 1024), .ss_size = 64 * 1024};
    sigaltstack(&ss, NULL);
    on(SIGSEGV, jump_out, SA_ONSTACK);
    for (int k = 0; k < 2; k++) {
        expect_addr = 16 + 8 * k;
        if (!sigsetjmp(jb, 1))
            *(volatile int *)expect_addr = k;
        printf("after fault %d\n", k);
    }
    expect_addr = (uintptr_t)pages;   /* (a page mapped read-only) */
    mprotect(pages, PAGE, PROT_READ);
    if (!sigsetjmp(jb, 1))
        pages[0] = 1;

    /* an illegal instruction, skipped by its handler */
    on(SIGILL, skip, 0);
    __asm__ volatile(".word 0");                /* (all zeros: no instruction) */
    __asm__ volatile("csrw cycle, zero");       /* (a read-only CSR) */
    printf("past the illegal instructions\n");

    /* a misaligned atomic */
    on(SIGBUS, jump_out, 0);
    static int words[4];
    expect_addr = (uintptr_t)words + 2;
    if (!sigsetjmp(jb, 1))
        __atomic_fetch_add((int *)expect_addr, 1, __ATOMIC_SEQ_CST);

    child("blocked", blocked);
    child("ignored", ignored);
    child("again in its handler", in_handler);
    return 0;
}
