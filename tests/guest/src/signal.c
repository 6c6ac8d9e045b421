/* Signals to self: a handler via raise(), sigaction with SA_SIGINFO and a
 * blocked signal that is delivered on unblock, then abort(): SIGABRT kills
 * the program (status 128+6). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig) { got = sig; }

static void on_info(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got = 1000 + sig + (si->si_signo == sig ? 1 : 0) * 10000;
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    printf("after raise: got=%d\n", (int)got);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &old);
    got = 0;
    kill(getpid(), SIGUSR2);
    sigset_t pending;
    sigpending(&pending);
    printf("blocked: got=%d pending=%d\n", (int)got, sigismember(&pending, SIGUSR2));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: got=%d\n", (int)got);

    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("ignored SIGUSR1\n");
    fflush(stdout);
    abort();
}
