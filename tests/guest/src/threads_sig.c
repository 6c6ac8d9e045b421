/* Signals aimed at one thread: pthread_kill (tgkill) runs the handler in the
 * thread it names, whether that thread waits (a futex, a sleep, a pipe's
 * read, sigwait) or computes; pthread_cancel (glibc's SIGCANCEL, by tgkill)
 * cancels the thread it names and not the caller; each thread has its own
 * sigaltstack; a signal a thread blocks stays pending for it alone, and a
 * signal for the process goes to a thread that does not block it; sigqueue's
 * value reaches sigwaitinfo and a handler; SA_RESTART makes a read go on.
 * Prints only what does not depend on timing. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pid_t tid(void) { return (pid_t)syscall(SYS_gettid); }

static volatile pid_t handled_in;       /* the thread SIGUSR1's handler ran in */
static volatile sig_atomic_t handled;
static volatile uintptr_t handler_sp;   /* where its stack was */

static void on_usr1(int sig)
{
    int here;
    (void)sig;
    handled_in = tid();
    handler_sp = (uintptr_t)&here;
    handled++;
}

static sem_t started, go_on;
static volatile pid_t worker_tid;

/* waits in the way `how` says until the signal's handler has run in it */
static void *waiter(void *arg)
{
    const char *how = arg;
    worker_tid = tid();
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (strcmp(how, "sigwait") == 0) {
        pthread_sigmask(SIG_BLOCK, &usr1, NULL);
        sem_post(&started);
        int sig = 0;
        sigwait(&usr1, &sig);
        printf("  sigwait took signal %d in the thread it was sent to: %s\n", sig,
               handled == 0 ? "yes" : "no");
        return NULL;
    }
    sem_post(&started);
    if (strcmp(how, "sem_wait") == 0) {
        while (sem_wait(&go_on) != 0 && errno == EINTR)
            ;
    } else if (strcmp(how, "nanosleep") == 0) {
        struct timespec t = {30, 0};
        int r = nanosleep(&t, &t);
        printf("  nanosleep: %d %s\n", r, r ? strerror(errno) : "");
    } else if (strcmp(how, "read") == 0) {
        int p[2];
        char c;
        pipe(p);
        ssize_t r = read(p[0], &c, 1);
        printf("  read: %zd %s\n", r, r < 0 ? strerror(errno) : "");
    } else if (strcmp(how, "spin") == 0) {
        while (!handled)   /* no system call: the signal comes between instructions */
            ;
    }
    return NULL;
}

static void aim(const char *how)
{
    pthread_t t;
    handled = 0;
    handled_in = 0;
    sem_init(&started, 0, 0);
    sem_init(&go_on, 0, 0);
    pthread_create(&t, NULL, waiter, (void *)how);
    sem_wait(&started);
    if (strcmp(how, "spin") != 0) {
        struct timespec t10 = {0, 20 * 1000 * 1000};
        nanosleep(&t10, NULL);   /* (let it wait) */
    }
    pthread_kill(t, SIGUSR1);
    if (strcmp(how, "sem_wait") == 0) {
        while (!handled)
            sched_yield();
        sem_post(&go_on);
    }
    pthread_join(t, NULL);
    printf("%s: handled %d time(s), in the thread it was sent to: %s\n", how, (int)handled,
           handled_in == worker_tid ? "yes" : handled ? "no" : "-");
}

/* -- pthread_cancel ------------------------------------------------------------------ */
static void *cancellable(void *arg)
{
    (void)arg;
    sem_post(&started);
    for (;;)
        sleep(10);   /* a cancellation point */
    return NULL;
}

static void cancel(void)
{
    pthread_t t;
    void *res;
    sem_init(&started, 0, 0);
    pthread_create(&t, NULL, cancellable, NULL);
    sem_wait(&started);
    int r = pthread_cancel(t);
    int j = pthread_join(t, &res);
    printf("cancel: pthread_cancel %d, join %d, canceled: %s; the caller goes on\n", r, j,
           res == PTHREAD_CANCELED ? "yes" : "no");
}

/* -- each thread's own sigaltstack ---------------------------------------------------- */
static char stacks[2][1 << 16];

static int on_own_stack(int k)
{
    return handler_sp > (uintptr_t)stacks[k] && handler_sp <= (uintptr_t)stacks[k] + sizeof stacks[k];
}

static void *alt_thread(void *arg)
{
    stack_t ss = {.ss_sp = stacks[1], .ss_size = sizeof stacks[1]}, old;
    sigaltstack(NULL, &old);
    printf("altstack: a new thread starts without one: %s\n",
           old.ss_flags & SS_DISABLE ? "yes" : "no");
    sigaltstack(&ss, NULL);
    raise(SIGUSR1);
    printf("altstack: the thread's handler ran on its own: %s\n", on_own_stack(1) ? "yes" : "no");
    return arg;
}

static void altstacks(void)
{
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_ONSTACK};
    sigaction(SIGUSR1, &sa, NULL);
    stack_t ss = {.ss_sp = stacks[0], .ss_size = sizeof stacks[0]};
    sigaltstack(&ss, NULL);
    pthread_t t;
    pthread_create(&t, NULL, alt_thread, NULL);
    pthread_join(t, NULL);
    raise(SIGUSR1);
    printf("altstack: the first thread's handler ran on its own: %s\n",
           on_own_stack(0) ? "yes" : "no");
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    sa.sa_flags = 0;
    sigaction(SIGUSR1, &sa, NULL);
}

/* -- pending for one thread, or for the process --------------------------------------- */
static void *blocker(void *arg)
{
    sigset_t usr1, pend;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    worker_tid = tid();
    sem_post(&started);
    sem_wait(&go_on);
    sigpending(&pend);
    printf("pending: the blocking thread sees SIGUSR1 pending: %s\n",
           sigismember(&pend, SIGUSR1) ? "yes" : "no");
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);   /* delivered here, now */
    printf("pending: delivered when it unblocked, in it: %s\n",
           handled == 1 && handled_in == worker_tid ? "yes" : "no");
    return arg;
}

static void pending(void)
{
    pthread_t t;
    sigset_t pend, usr1;
    handled = 0;
    sem_init(&started, 0, 0);
    sem_init(&go_on, 0, 0);
    pthread_create(&t, NULL, blocker, NULL);
    sem_wait(&started);
    pthread_kill(t, SIGUSR1);
    sigpending(&pend);
    printf("pending: not for the thread that sent it: %s, not handled there: %s\n",
           sigismember(&pend, SIGUSR1) ? "no" : "yes", handled ? "no" : "yes");
    sem_post(&go_on);
    pthread_join(t, NULL);

    /* for the process: the one thread that does not block it takes it */
    handled = 0;
    sem_init(&started, 0, 0);
    pthread_create(&t, NULL, waiter, "sem_wait");
    sem_wait(&started);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);   /* (after the thread began: not inherited) */
    struct timespec t10 = {0, 20 * 1000 * 1000};
    nanosleep(&t10, NULL);
    kill(getpid(), SIGUSR1);
    while (!handled)
        sched_yield();
    sem_post(&go_on);
    pthread_join(t, NULL);
    printf("kill: taken by the thread that does not block it: %s\n",
           handled_in == worker_tid ? "yes" : "no");
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
}

/* -- sigqueue's value, sigwaitinfo, sigtimedwait, SA_RESTART -------------------------- */
static volatile int queued_value, queued_code;

static void on_usr2(int sig, siginfo_t *info, void *uc)
{
    (void)sig, (void)uc;
    queued_value = info->si_value.sival_int;
    queued_code = info->si_code;
    handled_in = tid();
    handled++;
}

static int pipe_fds[2];

static void *restarting_reader(void *arg)
{
    char c = 0;
    worker_tid = tid();
    sem_post(&started);
    ssize_t r = read(pipe_fds[0], &c, 1);   /* SA_RESTART: the signal does not end it */
    printf("SA_RESTART: read went on after the handler: %zd '%c'\n", r, c);
    return arg;
}

static void queued(void)
{
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, NULL);
    union sigval v = {.sival_int = 42};
    sigqueue(getpid(), SIGUSR2, v);
    siginfo_t info;
    int sig = sigwaitinfo(&usr2, &info);
    printf("sigwaitinfo: %d, si_code SI_QUEUE: %s, value %d, from this process: %s\n", sig,
           info.si_code == SI_QUEUE ? "yes" : "no", info.si_value.sival_int,
           info.si_pid == getpid() ? "yes" : "no");
    /* real-time signals queue, each with its value; standard ones do not */
    sigset_t rt;
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN + 1);
    sigaddset(&rt, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &rt, NULL);
    for (int k = 1; k <= 3; k++) {
        v.sival_int = k;
        sigqueue(getpid(), SIGRTMIN + 1, v);
        sigqueue(getpid(), SIGUSR2, v);
    }
    printf("queued:");
    struct timespec none = {0, 0};
    while ((sig = sigtimedwait(&rt, &info, &none)) > 0)
        printf(" %s=%d", sig == SIGUSR2 ? "USR2" : "RTMIN+1", info.si_value.sival_int);
    printf("\n");
    struct timespec t = {0, 10 * 1000 * 1000};
    errno = 0;
    sig = sigtimedwait(&usr2, &info, &t);
    printf("sigtimedwait with nothing pending: %d %s\n", sig, strerror(errno));
    pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);

    struct sigaction sa = {.sa_sigaction = on_usr2, .sa_flags = SA_SIGINFO | SA_RESTART};
    sigaction(SIGUSR2, &sa, NULL);
    pipe(pipe_fds);
    pthread_t t2;
    handled = 0;
    sem_init(&started, 0, 0);
    pthread_create(&t2, NULL, restarting_reader, NULL);
    sem_wait(&started);
    struct timespec t10 = {0, 20 * 1000 * 1000};
    nanosleep(&t10, NULL);
    v.sival_int = 7;
    pthread_sigqueue(t2, SIGUSR2, v);
    while (!handled)
        sched_yield();
    write(pipe_fds[1], "x", 1);
    pthread_join(t2, NULL);
    printf("pthread_sigqueue: value %d, SI_QUEUE: %s, in the thread it was sent to: %s\n",
           queued_value, queued_code == SI_QUEUE ? "yes" : "no",
           handled_in == worker_tid ? "yes" : "no");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {.sa_handler = on_usr1};
    sigaction(SIGUSR1, &sa, NULL);
    aim("sem_wait");
    aim("nanosleep");
    aim("read");
    aim("spin");
    aim("sigwait");
    cancel();
    altstacks();
    pending();
    queued();
    printf("main thread still %s\n", tid() == getpid() ? "the process's first" : "?");
    return 0;
}
