/* POSIX message queues: a queue made with its attributes, messages taken by
 * priority, a wait a child ends, IPC_NOWAIT's and a time limit's errors, the
 * attributes changed, notification by a thread (glibc's netlink socket) and
 * none, unlinking, and bad names. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* what a call returned, and errno (evaluated in order, unlike printf's arguments) */
#define SHOW(what, call)                                                        \
    do {                                                                        \
        errno = 0;                                                              \
        long r_ = (long)(call);                                                 \
        int e_ = errno;                                                         \
        printf("%s: %ld %s\n", what, r_, e_ ? strerror(e_) : "");               \
    } while (0)

static volatile int notified;

static void on_message(union sigval v)
{
    notified = v.sival_int;
}

static void show_attr(const char *what, mqd_t q)
{
    struct mq_attr a;
    mq_getattr(q, &a);
    printf("%s: flags %s, max %ld, size %ld, now %ld\n", what,
           a.mq_flags & O_NONBLOCK ? "O_NONBLOCK" : "0", a.mq_maxmsg, a.mq_msgsize,
           a.mq_curmsgs);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char name[64];
    snprintf(name, sizeof name, "/vm_engine_test_%d", (int)getpid());
    struct mq_attr attr = {0, 4, 64, 0};
    mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    printf("mq_open: %s\n", q == (mqd_t)-1 ? strerror(errno) : "a descriptor");
    show_attr("made", q);
    mq_send(q, "low", 4, 1);
    mq_send(q, "high", 5, 9);
    mq_send(q, "middle", 7, 5);
    show_attr("three sent", q);
    char buf[64];
    unsigned prio;
    for (int i = 0; i < 3; i++) {
        ssize_t n = mq_receive(q, buf, sizeof buf, &prio);
        printf("received %zd bytes, priority %u: %s\n", n, prio, buf);
    }
    SHOW("receive into a short buffer", mq_receive(q, buf, 8, NULL));
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += 50000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    SHOW("timed receive of an empty queue", mq_timedreceive(q, buf, sizeof buf, NULL, &t));
    t.tv_nsec = 1000000000;
    SHOW("timed receive with a bad time", mq_timedreceive(q, buf, sizeof buf, NULL, &t));

    pid_t child = fork();
    if (child == 0) {
        usleep(50000);
        mqd_t c = mq_open(name, O_WRONLY);
        mq_send(c, "from the child", 15, 3);
        _exit(0);
    }
    ssize_t n = mq_receive(q, buf, sizeof buf, &prio);
    printf("waited for the child: %zd bytes, priority %u: %s\n", n, prio, buf);
    waitpid(child, NULL, 0);

    struct mq_attr nb = {O_NONBLOCK, 0, 0, 0}, before;
    mq_setattr(q, &nb, &before);
    printf("mq_setattr: flags before %s\n", before.mq_flags & O_NONBLOCK ? "O_NONBLOCK" : "0");
    show_attr("non-blocking", q);
    SHOW("receive of an empty queue, no wait", mq_receive(q, buf, sizeof buf, NULL));
    for (int i = 0; i < 4; i++)
        mq_send(q, "x", 2, 0);
    SHOW("send to a full queue, no wait", mq_send(q, "x", 2, 0));
    for (int i = 0; i < 4; i++)
        mq_receive(q, buf, sizeof buf, NULL);

    struct sigevent none = {.sigev_notify = SIGEV_NONE};
    SHOW("notify, none", mq_notify(q, &none));
    SHOW("notify again", mq_notify(q, &none));
    SHOW("notify off", mq_notify(q, NULL));
    struct sigevent ev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_message,
                          .sigev_value.sival_int = 42};
    SHOW("notify by a thread", mq_notify(q, &ev));
    mq_send(q, "wake", 5, 0);
    for (int i = 0; i < 200 && !notified; i++)
        usleep(5000);
    printf("the thread ran: %d\n", notified);

    mq_close(q);
    SHOW("mq_unlink", mq_unlink(name));
    SHOW("mq_open of what is gone", mq_open(name, O_RDONLY));
    SHOW("mq_unlink of what is gone", mq_unlink(name));
    SHOW("mq_open of a name with a slash in it", mq_open("/a/b", O_RDONLY));
    SHOW("mq_send to a bad descriptor", mq_send((mqd_t)99, "x", 1, 0));
    return 0;
}
