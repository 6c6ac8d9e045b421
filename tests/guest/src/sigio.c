/* Signals from the kernel about files: signal-driven I/O on a pipe (O_ASYNC,
 * F_SETOWN, F_SETSIG: the signal names the descriptor and the event) and a
 * directory's changes (dnotify's F_NOTIFY). Done in a forked child, whose
 * process is wholly the program's; argv[1] = a directory to watch. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got, code, fd_seen;
static volatile long band;

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    got = sig;
    code = si->si_code;
    fd_seen = si->si_fd;
    band = si->si_band;
}

static void wait_for(int sig)
{
    for (int i = 0; i < 200 && got != sig; i++)
        usleep(5000);
}

static int child(const char *dir)
{
    struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGRTMIN + 1, &sa, NULL);
    sigaction(SIGRTMIN + 2, &sa, NULL);

    int p[2];
    pipe(p);
    printf("F_SETOWN: %d\n", fcntl(p[0], F_SETOWN, getpid()));
    printf("F_GETOWN is us: %d\n", fcntl(p[0], F_GETOWN) == getpid());
    printf("F_SETSIG: %d\n", fcntl(p[0], F_SETSIG, SIGRTMIN + 1));
    printf("F_GETSIG: %s\n", fcntl(p[0], F_GETSIG) == SIGRTMIN + 1 ? "SIGRTMIN+1" : "other");
    fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC | O_NONBLOCK);
    write(p[1], "x", 1);
    wait_for(SIGRTMIN + 1);
    printf("pipe: signal %s, code %s, the read end %s, band has POLLIN %d\n",
           got == SIGRTMIN + 1 ? "SIGRTMIN+1" : "none", code == POLL_IN ? "POLL_IN" : "other",
           fd_seen == p[0] ? "named" : "not named", (band & POLLIN) != 0);
    int bad = fcntl(p[0], F_SETSIG, 99);
    printf("F_SETSIG of a bad signal: %d %s\n", bad, strerror(errno));

    got = 0;
    int d = open(dir, O_RDONLY | O_DIRECTORY);
    printf("F_SETSIG: %d\n", fcntl(d, F_SETSIG, SIGRTMIN + 2));
    printf("F_NOTIFY: %d\n", fcntl(d, F_NOTIFY, DN_CREATE | DN_MULTISHOT));
    char path[4096];
    snprintf(path, sizeof path, "%s/made", dir);
    close(open(path, O_CREAT | O_WRONLY, 0600));
    wait_for(SIGRTMIN + 2);
    printf("dnotify: signal %s, code %s, the directory %s\n",
           got == SIGRTMIN + 2 ? "SIGRTMIN+2" : "none", code == POLL_MSG ? "POLL_MSG" : "other",
           fd_seen == d ? "named" : "not named");
    unlink(path);
    return 0;
}

int main(int argc, char **argv)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int r = child(argc > 1 ? argv[1] : ".");
        fflush(stdout);
        _exit(r);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("child: exit %d\n", WEXITSTATUS(status));
    return 0;
}
