/* Pseudo-terminals as script(1), ssh and Python's pty module use them: a
 * master from /dev/ptmx (grantpt, unlockpt, ptsname: TIOCGPTN, TIOCSPTLCK),
 * its slave opened by name and by TIOCGPTPEER, the line discipline between
 * them (canonical mode and echo, then raw), termios both ways (TCGETS and
 * System V's TCGETA), window size, queue and flush requests, and a child
 * that makes the slave its controlling terminal (setsid, TIOCSCTTY) and is
 * its foreground process group. Prints no pty numbers: the same on any Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termio.h>
#include <termios.h>
#include <unistd.h>

static void check(int ok, const char *what)
{
    printf("%s: %s\n", what, ok ? "ok" : strerror(errno));
}

/* what is there to read on fd within a moment, as text with \r and \n shown */
static void show(int fd, const char *what)
{
    char buf[256], out[512];
    usleep(20000);
    ssize_t n = read(fd, buf, sizeof buf);
    size_t k = 0;
    for (ssize_t i = 0; i < n && k + 2 < sizeof out; i++) {
        if (buf[i] == '\r' || buf[i] == '\n') {
            out[k++] = '\\';
            out[k++] = buf[i] == '\r' ? 'r' : 'n';
        } else {
            out[k++] = buf[i];
        }
    }
    out[k] = 0;
    printf("%s: %zd [%s]\n", what, n, n < 0 ? strerror(errno) : out);
}

int main(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    check(master >= 0, "posix_openpt");
    check(grantpt(master) == 0, "grantpt");
    check(unlockpt(master) == 0, "unlockpt");
    const char *name = ptsname(master);
    check(name && strncmp(name, "/dev/pts/", 9) == 0, "ptsname");
    int slave = open(name, O_RDWR | O_NOCTTY);
    check(slave >= 0 && isatty(slave) && isatty(master), "slave open, both ttys");

    /* canonical mode with echo: the master sees its line echoed, the slave
     * reads it once it ends */
    write(master, "hi there\n", 9);
    show(master, "echoed to the master");
    show(slave, "read by the slave");

    struct termios t;
    check(tcgetattr(slave, &t) == 0 && (t.c_lflag & ICANON) && (t.c_lflag & ECHO),
          "tcgetattr: canonical, echo");
    struct termio old;
    check(ioctl(slave, TCGETA, &old) == 0 && (old.c_lflag & ICANON) && old.c_cc[VINTR] == 3,
          "TCGETA: canonical, ^C");
    cfmakeraw(&t);
    check(tcsetattr(slave, TCSANOW, &t) == 0, "tcsetattr raw");
    check(tcgetattr(slave, &t) == 0 && !(t.c_lflag & (ICANON | ECHO)), "raw read back");
    write(master, "abc", 3);
    show(slave, "raw, no echo");
    write(slave, "x\ny", 3);
    show(master, "slave to master, raw output");

    struct winsize ws = {.ws_row = 42, .ws_col = 123};
    check(ioctl(master, TIOCSWINSZ, &ws) == 0, "TIOCSWINSZ");
    struct winsize back;
    check(ioctl(slave, TIOCGWINSZ, &back) == 0 && back.ws_row == 42 && back.ws_col == 123,
          "TIOCGWINSZ from the slave");
    int queued = -1;
    check(ioctl(slave, TIOCOUTQ, &queued) == 0 && queued >= 0, "TIOCOUTQ");
    check(tcflush(slave, TCIOFLUSH) == 0, "tcflush");
    check(tcdrain(slave) == 0, "tcdrain");
    errno = 0;
    check(tcgetsid(slave) < 0 && errno == ENOTTY, "tcgetsid of no one's terminal: ENOTTY");

    int peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    check(peer >= 0 && isatty(peer), "TIOCGPTPEER");
    write(master, "to the peer", 11);
    show(peer, "read by the peer");

    pid_t child = fork();
    if (child == 0) {
        setsid();
        int ok = ioctl(slave, TIOCSCTTY, 0) == 0;
        int fg = ok && tcgetpgrp(slave) == getpid() && tcgetsid(slave) == getpid();
        _exit(ok + 2 * fg);
    }
    int status;
    waitpid(child, &status, 0);
    printf("child's controlling terminal: %s, its foreground group: %s\n",
           WEXITSTATUS(status) & 1 ? "ok" : "no", WEXITSTATUS(status) & 2 ? "ok" : "no");

    close(peer);
    close(slave);
    check(close(master) == 0, "closed");
    return 0;
}
