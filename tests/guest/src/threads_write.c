/* Blocking writes that do not fit at once: one write() of 1 MiB into a pipe,
 * one send() and one sendmsg() into a stream socketpair, each read by another
 * thread of the same process (the writer waits for room while the reader
 * runs); then, with no reader, a write into a pipe that a signal ends after
 * part of it went (its count), and one into the full pipe that it ends before
 * (EINTR). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define SIZE (1 << 20)
static unsigned char out[SIZE];
static int rfd;
static long got;
static unsigned long sum;

static void *reader(void *arg)
{
    static unsigned char buf[70000];
    while (got < SIZE) {
        ssize_t n = read(rfd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (ssize_t k = 0; k < n; k++)
            sum = sum * 31 + buf[k];
        got += n;
    }
    return NULL;
}

static void through(const char *what, int r, int w, int use_send)
{
    pthread_t t;
    rfd = r, got = 0, sum = 0;
    pthread_create(&t, NULL, reader, NULL);
    struct iovec iov = {out, SIZE};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n = use_send == 2 ? sendmsg(w, &m, 0) : use_send ? send(w, out, SIZE, 0)
                                                             : write(w, out, SIZE);
    pthread_join(t, NULL);
    printf("%s: wrote %zd, the reader got %ld, sum %lx\n", what, n, got, sum);
}

static void on_alarm(int sig) { (void)sig; }

int main(void)
{
    for (long k = 0; k < SIZE; k++)
        out[k] = (unsigned char)(k * 2654435761u >> 13);
    int p[2], s[2];
    pipe(p);
    through("pipe", p[0], p[1], 0);
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    through("socket", s[0], s[1], 1);
    through("sendmsg", s[0], s[1], 2);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;   /* (no SA_RESTART) */
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    ssize_t n = write(p[1], out, SIZE);   /* the pipe fills, nobody reads */
    printf("into a pipe nobody reads: %s\n", n > 0 && n < SIZE ? "part of it" : "wrong");
    setitimer(ITIMER_REAL, &it, NULL);
    n = write(p[1], out, SIZE);           /* full: nothing goes */
    printf("into the full pipe: %zd %s\n", n, n < 0 && errno == EINTR ? "EINTR" : "wrong");
    return 0;
}
