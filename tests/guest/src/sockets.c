/* Sockets: AF_UNIX pairs (stream and datagram, shutdown, descriptors passed with
 * SCM_RIGHTS, sendmmsg/recvmmsg), a named AF_UNIX socket relative to the working
 * directory, TCP and UDP over loopback (a client thread, a blocking accept,
 * epoll on a listener), options, SIGPIPE and MSG_NOSIGNAL, time limits (SO_RCVTIMEO
 * and SO_SNDTIMEO: EAGAIN, and EINTR after a handler even with SA_RESTART), with one
 * thread and with another one waiting, and errors.
 * usage: sockets DIR */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *err(void) { return strerrorname_np(errno); }

static void pairs(void)
{
    int sv[2];
    printf("socketpair %d\n", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
    char buf[64] = {0};
    write(sv[0], "hello", 5);
    printf("read %zd '%.5s'\n", read(sv[1], buf, sizeof buf), buf);
    send(sv[1], "back", 4, 0);
    memset(buf, 0, sizeof buf);
    printf("recv %zd '%s'\n", recv(sv[0], buf, sizeof buf, 0), buf);
    printf("peek %zd\n", recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
    printf("errno %s\n", err());
    shutdown(sv[0], SHUT_WR);
    printf("after shutdown: %zd\n", recv(sv[1], buf, sizeof buf, 0));
    int type = 0;
    socklen_t len = sizeof type;
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len);
    printf("SO_TYPE %d len %u\n", type, len);
    close(sv[0]);
    close(sv[1]);

    /* a descriptor passed over a socket: a pipe's write end */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int p[2];
    pipe(p);
    char cbuf[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {"F", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                       .msg_controllen = sizeof cbuf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[1], sizeof(int));
    printf("sendmsg %zd\n", sendmsg(sv[0], &m, 0));
    close(p[1]);
    char rbuf[CMSG_SPACE(sizeof(int))] = {0}, one = 0;
    struct iovec riov = {&one, 1};
    struct msghdr r = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = rbuf,
                       .msg_controllen = sizeof rbuf};
    printf("recvmsg %zd '%c' controllen %zu\n", recvmsg(sv[1], &r, MSG_CMSG_CLOEXEC), one,
           (size_t)r.msg_controllen);
    c = CMSG_FIRSTHDR(&r);
    int passed = -1;
    if (c && c->cmsg_type == SCM_RIGHTS)
        memcpy(&passed, CMSG_DATA(c), sizeof(int));
    printf("passed fd is a descriptor: %d\n", passed > 2);
    write(passed, "via passed fd", 13);
    close(passed);
    memset(buf, 0, sizeof buf);
    printf("pipe got '%.*s'\n", (int)read(p[0], buf, sizeof buf), buf);
    close(p[0]);
    close(sv[0]);
    close(sv[1]);

    /* datagrams keep their boundaries */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    send(sv[0], "first", 5, 0);
    send(sv[0], "second!", 7, 0);
    printf("dgram %zd %zd\n", recv(sv[1], buf, sizeof buf, 0), recv(sv[1], buf, 3, 0));
    send(sv[0], "truncated", 9, 0);
    printf("MSG_TRUNC %zd\n", recv(sv[1], buf, 4, MSG_TRUNC));
    struct mmsghdr mm[3];
    struct iovec mi[3] = {{"a", 1}, {"bb", 2}, {"ccc", 3}};
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        mm[i].msg_hdr.msg_iov = &mi[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    printf("sendmmsg %d\n", sendmmsg(sv[0], mm, 3, 0));
    char in[3][8];
    struct iovec ri[3] = {{in[0], 8}, {in[1], 8}, {in[2], 8}};
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        mm[i].msg_hdr.msg_iov = &ri[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(sv[1], mm, 3, 0, NULL);
    printf("recvmmsg %d: %u %u %u\n", n, mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
    close(sv[0]);
    close(sv[1]);
}

static void named(const char *dir)
{
    chdir(dir);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, "sock");
    printf("bind relative %d\n", bind(s, (struct sockaddr *)&a, sizeof a));
    printf("listen %d\n", listen(s, 4));
    printf("file exists: %d\n", access("sock", F_OK) == 0);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect %d\n", connect(c, (struct sockaddr *)&a, sizeof a));
    int a2 = accept(s, NULL, NULL);
    write(c, "named", 5);
    char buf[8] = {0};
    printf("accepted %d got '%.*s'\n", a2 > 0, (int)read(a2, buf, sizeof buf), buf);
    close(a2);
    close(c);
    close(s);
    unlink("sock");

    /* abstract names are not paths */
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un ab = {.sun_family = AF_UNIX};
    int name = snprintf(ab.sun_path + 1, sizeof ab.sun_path - 1, "vm_engine_test_%d", getpid());
    socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 + name;
    printf("bind abstract %d\n", bind(s, (struct sockaddr *)&ab, alen));
    c = socket(AF_UNIX, SOCK_DGRAM, 0);
    printf("sendto abstract %zd\n", sendto(c, "hi", 2, 0, (struct sockaddr *)&ab, alen));
    struct sockaddr_un got;
    socklen_t glen = sizeof got;
    getsockname(s, (struct sockaddr *)&got, &glen);
    printf("name back: same %d\n", glen == alen && !memcmp(&got, &ab, alen));
    close(c);
    close(s);
}

static int port;

static void *client(void *arg)
{
    (void)arg;
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(c, (struct sockaddr *)&a, sizeof a) != 0)
        printf("connect failed: %s\n", err());
    const char *msg = "GET / over tcp";
    send(c, msg, strlen(msg), 0);
    char buf[32] = {0};
    ssize_t n = recv(c, buf, 15, MSG_WAITALL);
    printf("client got %zd '%s'\n", n, buf);
    close(c);
    return NULL;
}

static void tcp(void)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int on = 1;
    printf("SO_REUSEADDR %d\n", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    printf("bind %d\n", bind(s, (struct sockaddr *)&a, sizeof a));
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    port = ntohs(a.sin_port);
    printf("port assigned %d, addr %s\n", port > 0, inet_ntoa(a.sin_addr));
    listen(s, 8);
    printf("accept, none waiting: %d %s\n", accept(s, NULL, NULL), err());
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = s};
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
    pthread_t t;
    pthread_create(&t, NULL, client, NULL);
    struct epoll_event ev;
    printf("epoll on listener: %d fd ok %d\n", epoll_wait(ep, &ev, 1, 5000), ev.data.fd == s);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int c = accept4(s, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
    printf("accepted: %d, peer %s len %u\n", c > 0, inet_ntoa(peer.sin_addr), plen);
    int nodelay = 1;
    printf("TCP_NODELAY %d\n", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay));
    char buf[64] = {0};
    ssize_t n = 0;
    while (n < 14) {
        ssize_t k = recv(c, buf + n, sizeof buf - 1 - n, 0);
        if (k <= 0)
            break;
        n += k;
    }
    printf("server got %zd '%s'\n", n, buf);
    send(c, "HTTP/1.0 200 OK", 15, 0);
    pthread_join(t, NULL);
    printf("peer closed: %zd\n", recv(c, buf, sizeof buf, 0));
    printf("MSG_NOSIGNAL send: %zd", send(c, "x", 1, MSG_NOSIGNAL));
    usleep(10000);
    ssize_t r = send(c, "x", 1, MSG_NOSIGNAL);
    printf(", then %zd %s\n", r, r < 0 ? err() : "");
    close(c);
    close(ep);
    close(s);
}

static void udp(void)
{
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(a, (struct sockaddr *)&sa, sizeof sa);
    socklen_t len = sizeof sa;
    getsockname(a, (struct sockaddr *)&sa, &len);
    printf("udp sendto %zd\n", sendto(b, "datagram", 8, 0, (struct sockaddr *)&sa, sizeof sa));
    char buf[16] = {0};
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    printf("udp recvfrom %zd '%s' from %s len %u\n", n, buf, inet_ntoa(from.sin_addr), flen);
    close(a);
    close(b);

    int six = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int ok = six >= 0 && bind(six, (struct sockaddr *)&s6, sizeof s6) == 0;
    printf("ipv6 loopback: %s\n", ok || errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT
                                      ? "ok" : err());
    close(six);
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* a call that waits in vain, as long as its socket's time limit (0.1 s) lets it: EAGAIN */
#define TIMED(what, call)                                                                 \
    do {                                                                                  \
        double t0 = seconds();                                                            \
        ssize_t r_ = (call);                                                              \
        const char *e_ = r_ < 0 ? err() : "";                                             \
        double dt_ = seconds() - t0;                                                      \
        printf("%s %zd %s, waited 0.1 s: %d\n", what, r_, e_, dt_ > 0.09 && dt_ < 2);      \
    } while (0)

static void on_alarm(int sig) { (void)sig; }

static void *idle(void *fd)
{
    sigset_t alarm;   /* (SIGALRM is the main thread's) */
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm, NULL);
    char c;
    read(*(int *)fd, &c, 1);   /* (alive, waiting, until the main thread is done) */
    return NULL;
}

static void timeouts(int threads)
{
    int p[2];
    pthread_t t;
    pipe(p);
    if (threads)
        pthread_create(&t, NULL, idle, &p[0]);
    printf("-- time limits%s\n", threads ? ", another thread waiting" : "");
    struct timeval limit = {0, 100000}, got;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    bind(u, (struct sockaddr *)&sa, sizeof sa);
    printf("SO_RCVTIMEO %d", setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit));
    socklen_t len = sizeof got;
    getsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &got, &len);
    printf(", read back %ld.%06ld (%u bytes)\n", (long)got.tv_sec, (long)got.tv_usec, len);
    char buf[8];
    TIMED("recv", recv(u, buf, sizeof buf, 0));
    TIMED("read", read(u, buf, sizeof buf));
    socklen_t slen = sizeof sa;
    getsockname(u, (struct sockaddr *)&sa, &slen);
    sendto(u, "in time", 7, 0, (struct sockaddr *)&sa, sizeof sa);
    printf("recv of what came %zd\n", recv(u, buf, sizeof buf, 0));

    /* a handler asking for SA_RESTART: a call with a time limit ends with EINTR anyway */
    struct sigaction act = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    sigaction(SIGALRM, &act, NULL);
    limit.tv_usec = 0;
    limit.tv_sec = 5;
    setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    setitimer(ITIMER_REAL, &(struct itimerval){.it_value = {0, 50000}}, NULL);
    double t0 = seconds();
    ssize_t r = recv(u, buf, sizeof buf, 0);
    printf("recv with a signal %zd %s, before its time %d\n", r, err(), seconds() - t0 < 2);
    signal(SIGALRM, SIG_DFL);
    close(u);

    limit = (struct timeval){0, 100000};
    int l = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_port = 0;
    bind(l, (struct sockaddr *)&sa, sizeof sa);
    listen(l, 1);
    setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    TIMED("accept", accept(l, NULL, NULL));
    close(l);

    int sv[2];   /* a full stream: a send waits for room */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    static char block[4096];
    while (write(sv[0], block, sizeof block) > 0)
        ;
    fcntl(sv[0], F_SETFL, 0);
    printf("SO_SNDTIMEO %d\n", setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit));
    TIMED("send", send(sv[0], block, 1, 0));
    TIMED("write", write(sv[0], block, 1));
    close(sv[0]);
    close(sv[1]);
    if (threads) {
        write(p[1], "", 1);
        pthread_join(t, NULL);
    }
    close(p[0]);
    close(p[1]);
}

static int pipes;

static void on_pipe(int sig) { pipes += sig == SIGPIPE; }

static void errors(void)
{
    int p[2];
    pipe(p);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    printf("getsockname on a pipe %d %s\n", getsockname(p[0], (struct sockaddr *)&a, &len), err());
    printf("bad family %d %s\n", socket(12345, SOCK_STREAM, 0), err());
    int s = socket(AF_INET, SOCK_STREAM, 0);
    printf("address too long %d %s\n", bind(s, (struct sockaddr *)&a, 4096), err());
    printf("connect refused %d", connect(s, (struct sockaddr *)&(struct sockaddr_in){
        .sin_family = AF_INET, .sin_port = htons(1), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
        sizeof a));
    printf(" %s\n", err());
    printf("bad fd %d %s\n", listen(999, 1), err());
    close(s);
    close(p[0]);
    close(p[1]);

    signal(SIGPIPE, on_pipe);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    close(sv[1]);
    ssize_t n = send(sv[0], "x", 1, 0);
    printf("send to a closed peer %zd %s, SIGPIPE %d\n", n, err(), pipes);
    n = send(sv[0], "x", 1, MSG_NOSIGNAL);
    printf("with MSG_NOSIGNAL %zd %s, SIGPIPE %d\n", n, err(), pipes);
    close(sv[0]);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pairs();
    named(argc > 1 ? argv[1] : "/tmp");
    tcp();
    udp();
    timeouts(0);
    timeouts(1);
    errors();
    return 0;
}
