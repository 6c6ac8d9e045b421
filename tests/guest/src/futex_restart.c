/* A signal whose handler asks for SA_RESTART, taken in a futex wait: a wait
 * with no time limit is made again (Linux's ERESTARTSYS), one with a time limit
 * ends with EINTR all the same (ERESTART_RESTARTBLOCK: only restart_syscall
 * makes it again, which a handler's return does not take); without SA_RESTART
 * both end with EINTR. In a thread (pthread_kill), and in the one thread (a
 * timer's SIGALRM, whose handler changes the word: a wait made again returns
 * EAGAIN at once). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile int handled;
static unsigned word;
static sem_t started;

static void on_signal(int sig)
{
    (void)sig;
    handled++;
    word = 1;   /* (a wait made again finds the word changed: EAGAIN) */
}

static void take(int sig, int restart)
{
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = restart ? SA_RESTART : 0};
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static long futex_wait(const struct timespec *limit)
{
    return syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, limit, NULL, 0);
}

static const char *how(long result, int error)
{
    if (result == 0 || error == EAGAIN)
        return "made again";   /* (woken, or the word changed by then) */
    return strerror(error);
}

struct wait {
    const struct timespec *limit;
    long result;
    int error;
};

static void *waiter(void *arg)
{
    struct wait *w = arg;
    sem_post(&started);
    errno = 0;
    w->result = futex_wait(w->limit);
    w->error = errno;
    return NULL;
}

static void in_a_thread(int restart, const struct timespec *limit)
{
    take(SIGUSR1, restart);
    word = 0;
    handled = 0;
    struct wait w = {limit, 0, 0};
    pthread_t t;
    sem_init(&started, 0, 0);
    pthread_create(&t, NULL, waiter, &w);
    sem_wait(&started);
    struct timespec pause = {0, 30 * 1000 * 1000};
    nanosleep(&pause, NULL);   /* (it waits by now) */
    pthread_kill(t, SIGUSR1);
    while (!handled)
        sched_yield();
    nanosleep(&pause, NULL);   /* (a wait made again waits again by now) */
    syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    pthread_join(t, NULL);
    printf("a thread, %s, %s: %s\n", restart ? "SA_RESTART" : "no SA_RESTART",
           limit ? "a time limit" : "no time limit", how(w.result, w.error));
}

static void alone(int restart, const struct timespec *limit)
{
    take(SIGALRM, restart);
    word = 0;
    handled = 0;
    struct itimerval once = {{0, 0}, {0, 30 * 1000}};
    setitimer(ITIMER_REAL, &once, NULL);
    errno = 0;
    long result = futex_wait(limit);
    int error = errno;
    printf("the one thread, %s, %s: %s (handled %d)\n",
           restart ? "SA_RESTART" : "no SA_RESTART", limit ? "a time limit" : "no time limit",
           how(result, error), handled);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct timespec limit = {5, 0};
    for (int restart = 0; restart < 2; restart++) {
        alone(restart, NULL);
        alone(restart, &limit);
    }
    for (int restart = 0; restart < 2; restart++) {
        in_a_thread(restart, NULL);
        in_a_thread(restart, &limit);
    }
    return 0;
}
