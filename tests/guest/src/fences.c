/* Fences between processes that share memory: the store-buffering litmus test,
 * run round after round. Each of two processes stores 1 to its own word, then
 * loads the other's. With fence rw,rw between the store and the load, one of
 * the two loads at least sees the other's store, every round; without it, an
 * x86-64 host lets each load pass the store before it (both see 0), as RISC-V's
 * memory model allows too. fence r,rw orders nothing of the store before it: a
 * round where both saw 0 is allowed there (its count goes to stderr, as it
 * varies).  usage: fences [ROUNDS] */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* one round's words, each on a cache line of its own */
struct round {
    volatile long x, pad_x[7];
    volatile long y, pad_y[7];
    volatile long seen[2], pad_seen[6];
    volatile int arrived;
    int pad_arrived[15];
};

/* both processes reach the round before either goes on */
static void meet(volatile int *arrived)
{
    __atomic_fetch_add(arrived, 1, __ATOMIC_SEQ_CST);
    for (long spins = 0; __atomic_load_n(arrived, __ATOMIC_ACQUIRE) < 2; spins++)
        if (spins > 2000)
            sched_yield(); /* (the other process may have no host cpu now) */
}

static void play(struct round *rounds, long n, int me, int full_fence)
{
    for (long i = 0; i < n; i++) {
        struct round *r = &rounds[i];
        volatile long *mine = me ? &r->y : &r->x, *theirs = me ? &r->x : &r->y;
        meet(&r->arrived);
        *mine = 1;
        if (full_fence)
            __asm__ volatile("fence rw, rw" ::: "memory");
        else
            __asm__ volatile("fence r, rw" ::: "memory");
        r->seen[me] = *theirs;
    }
}

/* rounds where neither process saw the other's store */
static long neither_saw(long n, int full_fence)
{
    struct round *rounds = mmap(NULL, n * sizeof *rounds, PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (rounds == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    pid_t parent = getpid(), child = fork();
    if (child < 0) {
        perror("fork");
        exit(1);
    }
    if (child == 0) { /* (it would spin for ever, waiting for a parent that has gone) */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
    }
    play(rounds, n, child == 0, full_fence);
    if (child == 0)
        _exit(0);
    int status;
    waitpid(child, &status, 0);
    long neither = 0;
    for (long i = 0; i < n; i++)
        neither += rounds[i].seen[0] == 0 && rounds[i].seen[1] == 0;
    munmap(rounds, n * sizeof *rounds);
    return neither;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000;
    printf("fence rw,rw: %ld rounds, neither saw the other's store in %ld\n", n,
           neither_saw(n, 1));
    fprintf(stderr, "fence r,rw: neither saw the other's store in %ld of %ld rounds\n",
            neither_saw(n, 0), n);
    return 0;
}
