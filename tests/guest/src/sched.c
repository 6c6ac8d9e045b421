/* Scheduling policies as Linux has them: get/set a policy and priority
 * (sched_setscheduler, sched_setparam, sched_getattr/setattr, a thread's own),
 * the priority ranges, and the errors; the I/O priority (ioprio_get/set). (Real-time policies need a privilege
 * this test cannot count on: only their ranges are asked.) */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct attr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
};

static void *thread(void *arg)
{
    printf("thread: inherited policy %#x\n", sched_getscheduler(0));
    /* (a thread's id names its process's host process, not another) */
    long io = syscall(SYS_ioprio_get, 1, gettid());
    printf("thread: its ioprio class %ld level %ld\n", io >> 13, io & 0xff);
    struct sched_param p = {0};
    int r = pthread_setschedparam(pthread_self(), SCHED_IDLE, &p);
    int policy = -1;
    pthread_getschedparam(pthread_self(), &policy, &p);
    printf("thread: set %d, policy %d (its own)\n", r, policy);
    return arg;
}

int main(void)
{
    printf("ranges: fifo %d..%d, rr %d..%d, other %d..%d, batch %d..%d\n",
           sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_FIFO),
           sched_get_priority_min(SCHED_RR), sched_get_priority_max(SCHED_RR),
           sched_get_priority_min(SCHED_OTHER), sched_get_priority_max(SCHED_OTHER),
           sched_get_priority_min(SCHED_BATCH), sched_get_priority_max(SCHED_BATCH));
    errno = 0;
    printf("bad policy: %d %s\n", sched_get_priority_max(42), strerror(errno));
    struct sched_param p = {0};
    printf("policy %d, priority %d\n", sched_getscheduler(0),
           (sched_getparam(0, &p), p.sched_priority));
    printf("batch: %d; now %d\n", sched_setscheduler(0, SCHED_BATCH, &p), sched_getscheduler(0));
    p.sched_priority = 5;
    errno = 0;
    printf("batch at 5: %d %s\n", sched_setscheduler(0, SCHED_BATCH, &p), strerror(errno));
    errno = 0;
    printf("setparam 5: %d %s\n", sched_setparam(0, &p), strerror(errno));
    errno = 0;
    printf("no such thread: %d %s\n", sched_getscheduler(999999), strerror(errno));
    p.sched_priority = 0;
    printf("reset on fork: %d; policy %#x\n",
           sched_setscheduler(0, SCHED_BATCH | SCHED_RESET_ON_FORK, &p), sched_getscheduler(0));
    struct attr a;
    memset(&a, 0, sizeof a);
    long r = syscall(SYS_sched_getattr, 0, &a, sizeof a, 0);
    printf("getattr: %ld, size %u, policy %u, flags %llu, priority %u\n", r, a.size, a.policy,
           (unsigned long long)a.flags, a.priority);
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.policy = SCHED_OTHER;
    a.nice = 0;
    printf("setattr other: %ld; policy %d\n", syscall(SYS_sched_setattr, 0, &a, 0),
           sched_getscheduler(0));
    struct timespec ts;
    printf("rr interval: %d\n", sched_rr_get_interval(0, &ts));
    /* I/O priority: the host process's (best effort, level 5) */
    printf("ioprio_set: %ld\n", syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 5));
    long io = syscall(SYS_ioprio_get, 1, getpid());
    printf("ioprio_get: class %ld level %ld\n", io >> 13, io & 0xff);
    errno = 0;
    printf("ioprio_get of no such kind: %ld %s\n", syscall(SYS_ioprio_get, 9, 0), strerror(errno));
    p.sched_priority = 0;   /* (a new thread, as a fork's child, resets the flag) */
    sched_setscheduler(0, SCHED_BATCH | SCHED_RESET_ON_FORK, &p);
    pthread_t t;
    pthread_create(&t, NULL, thread, NULL);
    pthread_join(t, NULL);
    printf("main thread: policy %d\n", sched_getscheduler(0));
    return 0;
}
