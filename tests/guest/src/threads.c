/* Guest threads (pthreads): create and join, atomics, thread-local storage, a
 * barrier, a mutex and condition variables (producer and consumer), threads
 * preempted in the middle of register-heavy loops (mix_all, threads_mix.S),
 * nanosleep and a timed wait in threads while others run, thread ids, calls
 * naming a thread by its id (affinity, prlimit, kill). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static __thread long tls_counter = 100;
static atomic_long total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nonempty = PTHREAD_COND_INITIALIZER, nonfull = PTHREAD_COND_INITIALIZER;
static long queue[8];
static int head, count;
static pthread_barrier_t barrier;

static void *adder(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < 200000; i++) {
        atomic_fetch_add(&total, 1);
        tls_counter += 1;
    }
    pthread_barrier_wait(&barrier);
    return (void *)(tls_counter + n);
}

static void *producer(void *arg)
{
    for (long i = 1; i <= 1000; i++) {
        pthread_mutex_lock(&lock);
        while (count == 8)
            pthread_cond_wait(&nonfull, &lock);
        queue[(head + count++) % 8] = i;
        pthread_cond_signal(&nonempty);
        pthread_mutex_unlock(&lock);
    }
    return arg;
}

static void *consumer(void *arg)
{
    long sum = 0;
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&lock);
        while (count == 0)
            pthread_cond_wait(&nonempty, &lock);
        sum += queue[head];
        head = (head + 1) % 8;
        count--;
        pthread_cond_signal(&nonfull);
        pthread_mutex_unlock(&lock);
    }
    return (void *)sum;
}

long mix_all(long n);

static void *mixer(void *arg)
{
    return (void *)mix_all((long)arg);
}

static void *sleeper(void *arg)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    cpu_set_t set;
    struct rlimit files;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    int affinity = pthread_getaffinity_np(pthread_self(), sizeof set, &set) == 0
                   && CPU_ISSET(0, &set);
    int limit = prlimit(tid, RLIMIT_NOFILE, NULL, &files) == 0;
    int reach = kill(tid, 0) == 0;   /* (a thread's id names its process) */
    return (void *)(long)((tid != getpid()) | affinity << 1 | limit << 2 | reach << 3);
}

static void *timed(void *arg)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 30 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&m);
    int rc = pthread_cond_timedwait(&c, &m, &until);   /* nobody signals: it times out */
    pthread_mutex_unlock(&m);
    return (void *)(long)rc;
}

int main(void)
{
    pthread_t t[4], p, c, s, w;
    void *ret;
    pthread_barrier_init(&barrier, NULL, 4);
    for (long i = 0; i < 4; i++)
        if (pthread_create(&t[i], NULL, adder, (void *)i)) { puts("create failed"); return 1; }
    long sum = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], &ret);
        sum += (long)ret;
    }
    printf("atomic total %ld, tls sum %ld, main tls %ld\n", (long)total, sum, tls_counter);
    pthread_create(&c, NULL, consumer, NULL);
    pthread_create(&p, NULL, producer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, &ret);
    printf("queue sum %ld\n", (long)ret);
    /* three at once, each for several time slices: each sum as if it ran alone */
    pthread_t m[3];
    long alone[3], together[3];
    for (int i = 0; i < 3; i++)
        alone[i] = mix_all(150000 + 1000 * i);
    for (long i = 0; i < 3; i++)
        pthread_create(&m[i], NULL, mixer, (void *)(150000 + 1000 * i));
    for (int i = 0; i < 3; i++) {
        pthread_join(m[i], &ret);
        together[i] = (long)ret;
    }
    printf("mix: %s (%lx %lx %lx)\n", memcmp(alone, together, sizeof alone) ? "DIFFERENT" : "same",
           together[0], together[1], together[2]);
    pthread_create(&s, NULL, sleeper, NULL);
    pthread_create(&w, NULL, timed, NULL);
    pthread_join(s, &ret);
    printf("sleeper: own tid %ld, its affinity %ld, its prlimit %ld, kill reaches it %ld\n",
           (long)ret & 1, (long)ret >> 1 & 1, (long)ret >> 2 & 1, (long)ret >> 3 & 1);
    pthread_join(w, &ret);
    printf("timedwait: %s\n", (long)ret == 110 ? "ETIMEDOUT" : "other");
    return 0;
}
