/* POSIX timers (timer_create, timer_settime, timer_gettime, timer_getoverrun,
 * timer_delete): a signal with the timer's value (SI_TIMER), periodic ones,
 * an absolute time on the real-time clock, a timer aimed at one thread
 * (SIGEV_THREAD_ID), glibc's SIGEV_THREAD (a function run on a thread of its
 * own, by a helper thread waiting in sigwaitinfo), SIGEV_NONE, bad arguments.
 * Prints only what does not depend on timing. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pid_t tid(void) { return (pid_t)syscall(SYS_gettid); }

static volatile sig_atomic_t fired;
static volatile int fired_code, fired_value;
static volatile pid_t fired_in;

static void on_timer(int sig, siginfo_t *info, void *uc)
{
    (void)sig, (void)uc;
    fired_code = info->si_code;
    fired_value = info->si_value.sival_int;
    fired_in = tid();
    fired++;
}

static sem_t ran;
static volatile pid_t ran_in;
static volatile int ran_value;

static void notified(union sigval v)
{
    ran_in = tid();
    ran_value = v.sival_int;
    sem_post(&ran);
}

static sem_t started, stop;
static volatile pid_t target_tid;

static void *target(void *arg)
{
    target_tid = tid();
    sem_post(&started);
    while (sem_wait(&stop) != 0 && errno == EINTR)   /* the timer's signal ends the wait */
        ;
    return arg;
}

static void wait_for(int n)
{
    sigset_t none;
    sigemptyset(&none);
    while (fired < n)
        sigsuspend(&none);
}

int main(void)
{
    struct sigaction sa = {.sa_sigaction = on_timer, .sa_flags = SA_SIGINFO};
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);   /* (taken in sigsuspend only) */

    /* one shot, a signal with a value */
    timer_t t;
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1,
                          .sigev_value.sival_int = 77};
    printf("create: %d\n", timer_create(CLOCK_MONOTONIC, &ev, &t));
    struct itimerspec once = {{0, 0}, {0, 10 * 1000 * 1000}}, far = {{0, 0}, {10, 0}}, cur;
    printf("settime: %d\n", timer_settime(t, 0, &far, NULL));
    timer_gettime(t, &cur);
    printf("armed: %s\n", cur.it_value.tv_sec >= 5 && cur.it_value.tv_sec < 10 ? "yes" : "no");
    timer_settime(t, 0, &once, NULL);   /* (set again: now in 10 ms) */
    wait_for(1);
    timer_gettime(t, &cur);
    printf("fired %d: SI_TIMER %s, value %d; disarmed after: %s, overrun %d\n", (int)fired,
           fired_code == SI_TIMER ? "yes" : "no", fired_value,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0 ? "yes" : "no",
           timer_getoverrun(t));

    /* periodic, then stopped */
    struct itimerspec every = {{0, 5 * 1000 * 1000}, {0, 5 * 1000 * 1000}}, old;
    timer_settime(t, 0, &every, NULL);
    wait_for(4);
    struct itimerspec off = {{0, 0}, {0, 0}};
    timer_settime(t, 0, &off, &old);
    printf("periodic: fired at least 3 times more: yes; its interval was %ld ns\n",
           old.it_interval.tv_nsec);
    printf("delete: %d; then gettime: %d %s\n", timer_delete(t), timer_gettime(t, &cur),
           strerror(errno));

    /* an absolute time on the real-time clock, taken by sigwaitinfo */
    ev.sigev_value.sival_int = 5;
    timer_create(CLOCK_REALTIME, &ev, &t);
    struct itimerspec at = {{0, 0}, {0, 0}};
    clock_gettime(CLOCK_REALTIME, &at.it_value);
    at.it_value.tv_nsec += 20 * 1000 * 1000;
    if (at.it_value.tv_nsec >= 1000000000) {
        at.it_value.tv_sec++;
        at.it_value.tv_nsec -= 1000000000;
    }
    timer_settime(t, TIMER_ABSTIME, &at, NULL);
    siginfo_t info;
    int sig = sigwaitinfo(&usr1, &info);
    printf("TIMER_ABSTIME: sigwaitinfo %d, SI_TIMER %s, value %d\n", sig,
           info.si_code == SI_TIMER ? "yes" : "no", info.si_value.sival_int);
    timer_delete(t);
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);

    /* aimed at one thread */
    pthread_t th;
    sem_init(&started, 0, 0);
    sem_init(&stop, 0, 0);
    pthread_create(&th, NULL, target, NULL);
    sem_wait(&started);
    fired = 0;
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev._sigev_un._tid = target_tid;
    ev.sigev_value.sival_int = 9;
    printf("create for a thread: %d\n", timer_create(CLOCK_MONOTONIC, &ev, &t));
    timer_settime(t, 0, &once, NULL);
    while (!fired)
        sched_yield();
    sem_post(&stop);
    pthread_join(th, NULL);
    printf("SIGEV_THREAD_ID: value %d, in that thread: %s\n", fired_value,
           fired_in == target_tid ? "yes" : "no");
    timer_delete(t);

    /* glibc's SIGEV_THREAD */
    sem_init(&ran, 0, 0);
    struct sigevent tev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = notified,
                           .sigev_value.sival_int = 123};
    printf("create SIGEV_THREAD: %d\n", timer_create(CLOCK_MONOTONIC, &tev, &t));
    timer_settime(t, 0, &once, NULL);
    while (sem_wait(&ran) != 0 && errno == EINTR)
        ;
    printf("SIGEV_THREAD: value %d, on a thread of its own: %s\n", ran_value,
           ran_in != tid() ? "yes" : "no");
    timer_delete(t);

    /* SIGEV_NONE: no signal, but it runs down */
    struct sigevent none = {.sigev_notify = SIGEV_NONE};
    timer_create(CLOCK_MONOTONIC, &none, &t);
    struct itimerspec long_one = {{1, 0}, {30, 0}};
    timer_settime(t, 0, &long_one, NULL);
    timer_gettime(t, &cur);
    printf("SIGEV_NONE: interval %ld s, value under 30 s: %s\n", (long)cur.it_interval.tv_sec,
           cur.it_value.tv_sec < 30 && cur.it_value.tv_sec >= 29 ? "yes" : "no");
    timer_delete(t);

    /* bad arguments */
    errno = 0;
    printf("bad clock: %d %s\n", timer_create(12345, &ev, &t), strerror(errno));
    struct sigevent bad = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = 99};
    errno = 0;
    printf("bad signal: %d %s\n", timer_create(CLOCK_MONOTONIC, &bad, &t), strerror(errno));
    bad.sigev_notify = SIGEV_THREAD_ID;
    bad.sigev_signo = SIGUSR1;
    bad._sigev_un._tid = 1;
    errno = 0;
    printf("bad thread: %d %s\n", timer_create(CLOCK_MONOTONIC, &bad, &t), strerror(errno));
    timer_create(CLOCK_MONOTONIC, NULL, &t);
    struct itimerspec wrong = {{0, 0}, {0, 1000000000}};
    errno = 0;
    printf("bad time: %d %s\n", timer_settime(t, 0, &wrong, NULL), strerror(errno));
    timer_delete(t);
    return 0;
}
