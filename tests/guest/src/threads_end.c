/* How a threaded process ends: `exit` (a worker calls exit(7) while main waits
 * to join it), `last` (main leaves with pthread_exit; the worker, the last
 * thread, ends the process), `deadlock` (two threads lock two mutexes in
 * opposite order: every thread waits for good, which vm_engine reports), `wait S`
 * (a worker waits S seconds on a condition no one signals, main sleeps S
 * seconds: every thread waits for a time; a stop of the run ends that for now). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both;

static void *exiter(void *arg)
{
    printf("worker exits\n");
    fflush(stdout);
    exit(7);
}

static void *last(void *arg)
{
    usleep(10000);
    printf("the last thread ends the process\n");
    return NULL;
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static void *timed_wait(void *arg)
{
    struct timespec until;
    int r;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += *(int *)arg;
    pthread_mutex_lock(&m);
    r = pthread_cond_timedwait(&never, &m, &until);
    pthread_mutex_unlock(&m);
    printf("worker's wait: %s\n", r ? strerror(r) : "woken");
    return NULL;
}

static void *b_then_a(void *arg)
{
    pthread_mutex_lock(&b);
    pthread_barrier_wait(&both);
    pthread_mutex_lock(&a);
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t t;
    const char *how = argc > 1 ? argv[1] : "exit";
    if (!strcmp(how, "exit")) {
        pthread_create(&t, NULL, exiter, NULL);
        pthread_join(t, NULL);
        printf("not reached\n");
    } else if (!strcmp(how, "last")) {
        pthread_create(&t, NULL, last, NULL);
        printf("main leaves\n");
        fflush(stdout);
        pthread_exit(NULL);
    } else if (!strcmp(how, "wait")) {
        int seconds = argc > 2 ? atoi(argv[2]) : 1;
        pthread_create(&t, NULL, timed_wait, &seconds);
        sleep(seconds);
        pthread_join(t, NULL);
        printf("main slept\n");
    } else {
        pthread_barrier_init(&both, NULL, 2);
        pthread_create(&t, NULL, b_then_a, NULL);
        pthread_mutex_lock(&a);
        pthread_barrier_wait(&both);
        pthread_mutex_lock(&b);
    }
    return 0;
}
