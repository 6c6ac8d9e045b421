/* A thread whose system calls and signals cost the host far more than their
 * few instructions (raising a signal it handles, in a loop) does not keep the
 * cpu from the others: the main thread counts meanwhile, in many turns, and
 * then stops it. (Turns were counted in instructions alone: the count took
 * seconds of the host's for each of its turns.) */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static atomic_int stop;
static atomic_long handled;

static void on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&handled, 1);
}

static void *raiser(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop))
        raise(SIGUSR1);
    return NULL;
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    pthread_t t;
    pthread_create(&t, NULL, raiser, NULL);
    volatile long counted = 0;
    for (long i = 0; i < 3000000; i++)
        counted++;
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    printf("counted %ld, then stopped the raising thread\n", counted);
    return 0;
}
