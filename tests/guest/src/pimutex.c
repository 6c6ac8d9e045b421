/* Priority-inheriting mutexes (PTHREAD_PRIO_INHERIT): glibc takes and gives
 * them up in user space while uncontended and asks the kernel (FUTEX_LOCK_PI,
 * FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_LOCK_PI2) otherwise: the futex word
 * holds the owner's tid, FUTEX_WAITERS while others wait, FUTEX_OWNER_DIED
 * after a robust owner's end. A waiter is handed the lock by its owner's
 * unlock or end; a signal's handler does not end its wait. (Expected output:
 * the native build's, as robust.c's: qemu-user passes no robust list.) */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *result(long r)
{
    return r == EOWNERDEAD ? "EOWNERDEAD" : r ? strerror((int)r) : "0";
}

/* the futex call's result: 0, or the errno's name */
static const char *futex(unsigned *word, int op, const struct timespec *ts)
{
    long r = syscall(SYS_futex, word, op, 0, ts, NULL, 0);
    return r == 0 ? "0" : strerror(errno);
}

static pthread_mutex_t m;
static long counter;

static void make(int robust, int type)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    pthread_mutexattr_setrobust(&a, robust ? PTHREAD_MUTEX_ROBUST : PTHREAD_MUTEX_STALLED);
    pthread_mutexattr_settype(&a, type);
    int r = pthread_mutex_init(&m, &a);
    if (r)
        printf("pthread_mutex_init: %s\n", result(r));
}

/* until another thread waits for m (the kernel set FUTEX_WAITERS) */
static void until_waited(void)
{
    while (!(__atomic_load_n((unsigned *)&m.__data.__lock, __ATOMIC_ACQUIRE) & FUTEX_WAITERS))
        usleep(1000);
}

static void *add(void *arg)
{
    for (long i = 0; i < (long)arg; i++) {
        pthread_mutex_lock(&m);
        long c = counter;
        if (i % 64 == 0)
            sched_yield();   /* (holding it: the others wait in the kernel) */
        counter = c + 1;
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

static void *try_then_wait(void *arg)
{
    (void)arg;
    printf("another thread's trylock: %s\n", result(pthread_mutex_trylock(&m)));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    printf("its timedlock: %s\n", result(pthread_mutex_timedlock(&m, &ts)));
    int r = pthread_mutex_lock(&m);
    printf("its lock, once the owner unlocks: %s\n", result(r));
    if (r == 0)
        pthread_mutex_unlock(&m);
    return NULL;
}

static void *ends_holding(void *arg)
{
    (void)arg;
    printf("a thread locks: %s\n", result(pthread_mutex_lock(&m)));
    until_waited();
    printf("and ends holding it while another waits\n");
    return NULL;
}

static volatile sig_atomic_t handled;
static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

static void *waits_through_a_signal(void *arg)
{
    (void)arg;
    int r = pthread_mutex_lock(&m);
    printf("the waiter's lock after a signal's handler ran (%d): %s\n", (int)handled, result(r));
    if (r == 0)
        pthread_mutex_unlock(&m);
    return NULL;
}

int main(void)
{
    pthread_t t[4];

    make(0, PTHREAD_MUTEX_NORMAL);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, add, (void *)2000L);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("four threads, 2000 increments each: %ld\n", counter);

    printf("owner's lock: %s\n", result(pthread_mutex_lock(&m)));
    printf("owner's trylock: %s\n", result(pthread_mutex_trylock(&m)));
    pthread_create(&t[0], NULL, try_then_wait, NULL);
    until_waited();
    usleep(30 * 1000);   /* (past the timedlock's 20 ms: it waits again, in lock) */
    until_waited();
    printf("owner unlocks: %s\n", result(pthread_mutex_unlock(&m)));
    pthread_join(t[0], NULL);
    printf("unlock of an unlocked one: %s\n", result(pthread_mutex_unlock(&m)));

    make(0, PTHREAD_MUTEX_ERRORCHECK);
    printf("error-checking: lock %s, ", result(pthread_mutex_lock(&m)));
    printf("again %s, ", result(pthread_mutex_lock(&m)));
    printf("unlock %s\n", result(pthread_mutex_unlock(&m)));

    make(1, PTHREAD_MUTEX_NORMAL);
    pthread_create(&t[0], NULL, ends_holding, NULL);
    while (!__atomic_load_n(&m.__data.__lock, __ATOMIC_ACQUIRE))
        usleep(1000);   /* (until it holds it) */
    int r = pthread_mutex_lock(&m);
    printf("the waiter gets: %s\n", result(r));
    pthread_join(t[0], NULL);
    if (r == EOWNERDEAD)
        printf("consistent: %s\n", result(pthread_mutex_consistent(&m)));
    printf("unlock %s, ", result(pthread_mutex_unlock(&m)));
    printf("lock %s, ", result(pthread_mutex_lock(&m)));
    printf("unlock %s\n", result(pthread_mutex_unlock(&m)));

    make(0, PTHREAD_MUTEX_NORMAL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;   /* (no SA_RESTART: a lock's wait goes on all the same) */
    sigaction(SIGUSR1, &sa, NULL);
    pthread_mutex_lock(&m);
    pthread_create(&t[0], NULL, waits_through_a_signal, NULL);
    until_waited();
    pthread_kill(t[0], SIGUSR1);
    while (!handled)
        usleep(1000);
    usleep(10 * 1000);
    pthread_mutex_unlock(&m);
    pthread_join(t[0], NULL);

    /* the calls themselves */
    unsigned tid = (unsigned)gettid(), word = 0;
    printf("LOCK_PI of a free word: %s, ", futex(&word, FUTEX_LOCK_PI, NULL));
    printf("it holds the caller's tid: %d\n", word == tid);
    printf("again: %s; ", futex(&word, FUTEX_LOCK_PI, NULL));
    printf("TRYLOCK_PI: %s\n", futex(&word, FUTEX_TRYLOCK_PI, NULL));
    word |= FUTEX_WAITERS;
    printf("UNLOCK_PI with FUTEX_WAITERS and no waiter: %s, ", futex(&word, FUTEX_UNLOCK_PI, NULL));
    printf("word %#x\n", word);
    printf("UNLOCK_PI of a free word: %s\n", futex(&word, FUTEX_UNLOCK_PI, NULL));
    word = FUTEX_OWNER_DIED;
    printf("LOCK_PI2 of an owner-died word: %s, ", futex(&word, FUTEX_LOCK_PI2, NULL));
    printf("owner died kept: %d, tid: %d\n", !!(word & FUTEX_OWNER_DIED),
           (word & FUTEX_TID_MASK) == tid);
    word = 0x3ffffff0;   /* (no such thread) */
    printf("LOCK_PI of a word whose owner is no thread: %s\n", futex(&word, FUTEX_LOCK_PI, NULL));
    printf("UNLOCK_PI of another's: %s\n", futex(&word, FUTEX_UNLOCK_PI, NULL));
    printf("TRYLOCK_PI of an unaligned word: %s\n",
           futex((unsigned *)((char *)&word + 1), FUTEX_TRYLOCK_PI, NULL));
    return 0;
}
