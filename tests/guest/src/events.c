/* The files a program waits for events with: eventfd, epoll (level-triggered,
 * edge-triggered, one-shot, its errors, waits with timeouts), timerfd (one-shot,
 * interval, in epoll), signalfd (read, in epoll), and a thread woken from
 * epoll_wait by another writing an eventfd, an epoll whose forked child closes
 * it and its members (the parent's stays as it was). Prints only what does not depend
 * on timing. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int wait_events(int ep, int timeout_ms, uint64_t *data, uint32_t *events)
{
    struct epoll_event ev[4];
    int n = epoll_wait(ep, ev, 4, timeout_ms);
    if (n > 0) {
        *data = ev[0].data.u64;
        *events = ev[0].events;
    }
    return n;
}

static void eventfds(void)
{
    int fd = eventfd(5, EFD_NONBLOCK);
    uint64_t v = 7, got = 0;
    write(fd, &v, 8);
    printf("eventfd read %zd value %llu\n", read(fd, &got, 8), (unsigned long long)got);
    errno = 0;
    printf("eventfd empty %zd errno %s\n", read(fd, &got, 8), strerrorname_np(errno));
    printf("eventfd short read %zd errno %s\n", read(fd, &got, 4), strerrorname_np(errno));
    close(fd);
    fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    int reads = 0;
    while (read(fd, &got, 8) == 8 && got == 1)
        reads++;
    printf("semaphore: %d reads of 1\n", reads);
    close(fd);
    printf("eventfd bad flags %d errno %s\n", eventfd(0, 0x40000000), strerrorname_np(errno));
}

static void epolls(void)
{
    int p[2], ep = epoll_create1(EPOLL_CLOEXEC);
    pipe(p);
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ull};
    printf("add %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
    printf("add again %d errno %s\n", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e),
           strerrorname_np(errno));
    uint64_t data = 0;
    uint32_t events = 0;
    printf("nothing ready: %d\n", wait_events(ep, 0, &data, &events));
    double t0 = now();
    int n = wait_events(ep, 60, &data, &events);
    printf("timeout: %d, waited %s\n", n, now() - t0 >= 0.05 ? "long enough" : "too little");
    write(p[1], "ab", 2);
    n = wait_events(ep, -1, &data, &events);
    printf("level: %d data %llx events %x\n", n, (unsigned long long)data, events);
    printf("level again: %d\n", wait_events(ep, 0, &data, &events));

    e.events = EPOLLIN | EPOLLET;
    e.data.u64 = 2;
    printf("mod to edge %d\n", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e));
    printf("edge: %d\n", wait_events(ep, 0, &data, &events));
    printf("edge again: %d\n", wait_events(ep, 0, &data, &events));
    write(p[1], "c", 1);
    printf("edge, new data: %d data %llu\n", wait_events(ep, 0, &data, &events),
           (unsigned long long)data);

    e.events = EPOLLIN | EPOLLONESHOT;
    e.data.u64 = 3;
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e);
    printf("oneshot: %d\n", wait_events(ep, 0, &data, &events));
    printf("oneshot again: %d\n", wait_events(ep, 0, &data, &events));
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e);
    printf("oneshot rearmed: %d\n", wait_events(ep, 0, &data, &events));

    e.events = EPOLLOUT;
    e.data.u64 = 4;
    epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e);
    printf("del %d\n", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    printf("del again %d errno %s\n", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL),
           strerrorname_np(errno));
    n = wait_events(ep, 0, &data, &events);
    printf("writable: %d data %llu events %x\n", n, (unsigned long long)data, events);
    close(p[0]);
    n = wait_events(ep, 0, &data, &events);
    printf("reader closed: %d events %x\n", n, events);
    close(p[1]);
    printf("writer closed: %d\n", wait_events(ep, 0, &data, &events));

    printf("self %d errno %s\n", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e), strerrorname_np(errno));
    FILE *f = tmpfile();
    printf("regular file %d errno %s\n", epoll_ctl(ep, EPOLL_CTL_ADD, fileno(f), &e),
           strerrorname_np(errno));
    fclose(f);
    int r[2];
    pipe(r);
    printf("not epoll %d errno %s\n", epoll_ctl(r[0], EPOLL_CTL_ADD, r[1], &e),
           strerrorname_np(errno));
    struct epoll_event ev;
    printf("maxevents 0: %d errno %s\n", epoll_wait(ep, &ev, 0, 0), strerrorname_np(errno));
    printf("bad op %d errno %s\n", epoll_ctl(ep, 99, r[0], &e), strerrorname_np(errno));
    printf("bad fd %d errno %s\n", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &e), strerrorname_np(errno));
    close(r[0]);
    close(r[1]);

    /* one file under two descriptors: two members */
    int q[2];
    pipe(q);
    int d = dup(q[0]);
    e.events = EPOLLIN;
    e.data.u64 = 10;
    epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &e);
    e.data.u64 = 11;
    printf("dup added %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, d, &e));
    write(q[1], "x", 1);
    struct epoll_event two[4];
    n = epoll_wait(ep, two, 4, 0);
    printf("dups ready: %d, data sum %llu\n", n,   /* (in either order) */
           (unsigned long long)((n > 0 ? two[0].data.u64 : 0) + (n > 1 ? two[1].data.u64 : 0)));
    close(q[0]);
    close(d);
    close(q[1]);
    printf("all closed: %d\n", epoll_wait(ep, two, 4, 0));

    /* epoll in epoll */
    int inner = epoll_create1(0), ef = eventfd(0, EFD_NONBLOCK);
    e.events = EPOLLIN;
    e.data.u64 = 20;
    epoll_ctl(inner, EPOLL_CTL_ADD, ef, &e);
    e.data.u64 = 21;
    epoll_ctl(ep, EPOLL_CTL_ADD, inner, &e);
    printf("nested idle: %d\n", wait_events(ep, 0, &data, &events));
    uint64_t one = 1;
    write(ef, &one, 8);
    n = wait_events(ep, 0, &data, &events);
    printf("nested ready: %d data %llu\n", n, (unsigned long long)data);
    e.data.u64 = 22;
    printf("loop %d errno %s\n", epoll_ctl(inner, EPOLL_CTL_ADD, ep, &e), strerrorname_np(errno));
    close(inner);
    close(ef);
    close(ep);
}

/* A forked child shares the parent's epoll instance; its closing of the epoll
 * and of the members' descriptors leaves the parent's members in place (as in
 * Python's forkserver, whose children close their parent's selector). */
static void forked_epolls(void)
{
    int p[2], ep = epoll_create1(0);
    pipe(p);
    int d = dup(p[0]);
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = 30};
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);
    e.data.u64 = 31;
    epoll_ctl(ep, EPOLL_CTL_ADD, d, &e);
    pid_t child = fork();
    if (child == 0) {
        close(ep);
        close(p[0]);
        close(d);
        _exit(0);
    }
    waitpid(child, NULL, 0);
    struct epoll_event two[4];
    printf("after the child: idle %d\n", epoll_wait(ep, two, 4, 0));
    write(p[1], "x", 1);
    int n = epoll_wait(ep, two, 4, 1000);
    printf("after the child: ready %d, data sum %llu\n", n,
           (unsigned long long)((n > 0 ? two[0].data.u64 : 0) + (n > 1 ? two[1].data.u64 : 0)));
    close(p[0]);
    close(d);
    close(p[1]);
    close(ep);

    /* the child, its descriptor of a member closed, still gets the member's
     * events while the parent holds the file open (Linux drops a member when
     * its file is closed by every descriptor) */
    ep = epoll_create1(0);
    pipe(p);
    e.data.u64 = 40;
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);
    child = fork();
    if (child == 0) {
        close(p[0]);
        struct epoll_event got = {0};
        int k = epoll_wait(ep, &got, 1, 5000);
        printf("the child, its descriptor closed: ready %d data %llu\n", k,
               (unsigned long long)got.data.u64);
        _exit(0);
    }
    write(p[1], "y", 1);
    waitpid(child, NULL, 0);
    close(p[0]);
    close(p[1]);
    close(ep);
}

static void timerfds(void)
{
    int t = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {.it_value = {0, 20 * 1000000}};
    timerfd_settime(t, 0, &its, NULL);
    uint64_t n = 0;
    double t0 = now();
    read(t, &n, 8);
    printf("one-shot: %llu expiration, waited %s\n", (unsigned long long)n,
           now() - t0 >= 0.015 ? "long enough" : "too little");
    struct itimerspec cur;
    timerfd_gettime(t, &cur);
    printf("disarmed: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

    its.it_interval.tv_nsec = 10 * 1000000;
    its.it_value.tv_nsec = 10 * 1000000;
    struct itimerspec old;
    timerfd_settime(t, 0, &its, &old);
    double slept = now();
    while (now() - slept < 0.035)   /* (a signal may end a usleep early) */
        usleep(5000);
    read(t, &n, 8);
    printf("interval: %s expirations\n", n >= 3 ? "3 or more" : "too few");
    timerfd_gettime(t, &cur);
    printf("armed: interval %ld ms, next within it %s\n", cur.it_interval.tv_nsec / 1000000,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 10 * 1000000 ? "yes" : "no");

    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, t, &e);
    uint64_t data = 0;
    uint32_t events = 0;
    int got = wait_events(ep, 1000, &data, &events);
    printf("timer in epoll: %d data %llu\n", got, (unsigned long long)data);
    memset(&its, 0, sizeof its);
    timerfd_settime(t, 0, &its, NULL);
    close(t);
    close(ep);

    t = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    printf("nonblocking unarmed: %zd errno %s\n", read(t, &n, 8), strerrorname_np(errno));
    clock_gettime(CLOCK_REALTIME, &its.it_value);
    its.it_value.tv_nsec += 5 * 1000000;
    if (its.it_value.tv_nsec >= 1000000000) {
        its.it_value.tv_sec++;
        its.it_value.tv_nsec -= 1000000000;
    }
    timerfd_settime(t, TFD_TIMER_ABSTIME, &its, NULL);
    usleep(20000);
    printf("absolute: %zd\n", read(t, &n, 8));
    close(t);
    printf("bad clock %d errno %s\n", timerfd_create(99, 0), strerrorname_np(errno));
    printf("not a timer %d errno %s\n", timerfd_settime(0, 0, &its, NULL), strerrorname_np(errno));
}

static void signalfds(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int s = signalfd(-1, &set, SFD_NONBLOCK);
    struct signalfd_siginfo si;
    printf("no signal: %zd errno %s\n", read(s, &si, sizeof si), strerrorname_np(errno));
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = 9};
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
    uint64_t data = 0;
    uint32_t events = 0;
    printf("signalfd idle in epoll: %d\n", wait_events(ep, 0, &data, &events));
    kill(getpid(), SIGUSR2);
    raise(SIGUSR1);
    printf("signalfd ready in epoll: %d data %llu\n", wait_events(ep, 0, &data, &events),
           (unsigned long long)data);
    struct signalfd_siginfo two[2];
    ssize_t n = read(s, two, sizeof two);
    printf("read %zd: signals %u %u, pid ok %d\n", n, two[0].ssi_signo, two[1].ssi_signo,
           two[0].ssi_pid == (uint32_t)getpid());
    printf("drained: %d\n", wait_events(ep, 0, &data, &events));
    printf("short read %zd errno %s\n", read(s, &si, 8), strerrorname_np(errno));
    close(ep);

    int b = signalfd(-1, &set, 0);   /* blocking: the signal is pending already */
    raise(SIGUSR2);
    printf("blocking read %zd signal %u\n", read(b, &si, sizeof si), si.ssi_signo);
    union sigval v = {.sival_int = 42};
    sigqueue(getpid(), SIGUSR1, v);   /* its value, as the record's ssi_int and ssi_ptr */
    read(b, &si, sizeof si);
    printf("sigqueue's: signal %u code %d value %d %llu, pid ok %d\n", si.ssi_signo,
           si.ssi_code, si.ssi_int, (unsigned long long)si.ssi_ptr,
           si.ssi_pid == (uint32_t)getpid());
    close(b);
    close(s);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static int wake_fd, wake_ep;
static volatile int usr1;

static void on_usr1(int sig) { usr1 += sig == SIGUSR1; }

static void *waiter(void *arg)
{
    (void)arg;
    sigset_t all;   /* (its own mask: the main thread's stays as it is) */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    struct epoll_event ev;
    int n = epoll_wait(wake_ep, &ev, 1, 5000);
    uint64_t v = 0;
    read(wake_fd, &v, 8);
    printf("thread woken: %d data %llu value %llu\n", n, (unsigned long long)ev.data.u64,
           (unsigned long long)v);
    double t0 = now();
    n = epoll_wait(wake_ep, &ev, 1, 80);
    printf("thread timed out: %d, waited %s\n", n, now() - t0 >= 0.07 ? "long enough" : "too little");
    return NULL;
}

static void threads(void)
{
    wake_fd = eventfd(0, EFD_NONBLOCK);
    wake_ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.u64 = 42};
    epoll_ctl(wake_ep, EPOLL_CTL_ADD, wake_fd, &e);
    pthread_t t;
    pthread_create(&t, NULL, waiter, NULL);
    usleep(30000);   /* (the waiter is in epoll_wait by now) */
    uint64_t v = 5;
    write(wake_fd, &v, 8);
    for (volatile long spin = 0; spin < 3000000; spin++)   /* busy while it waits again */
        ;
    pthread_join(t, NULL);
    close(wake_ep);
    close(wake_fd);
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    printf("main thread's mask its own: handler ran %d\n", usr1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    eventfds();
    epolls();
    forked_epolls();
    timerfds();
    signalfds();
    threads();
    return 0;
}
