/* Signals from other processes: a fork's child takes its parent's kill() with
 * its own dispositions (a handler, ignored, the default action, SA_RESETHAND,
 * blocked then waited for, a default action blocked then let in), also while it
 * computes without a system call.
 * A grandchild asks for a signal when its parent dies (PR_SET_PDEATHSIG). An
 * SA_SIGINFO handler learns who sent a signal, and sigqueue's value; SIGCHLD's,
 * which child ended and how.
 * With the argument "parent", a child also signals its parent; with "wait", the
 * program waits for SIGINT or SIGTERM, which it handles, and SIGHUP, which it
 * ignores (sent by whoever runs it).
 * A signal a handler waits for is blocked until sigsuspend() lets it in: a
 * `while (!got) pause();` loses one that comes between the test and pause(), a
 * window the JIT's compile time widens.
 * With "repeat", many children each take two signals sent at once, waiting in
 * sigsuspend, computing, or making system calls: none may be lost.
 * usage: hostsig [parent | wait | repeat] */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on(int s) { got = s; }

static int ready[2];

/* blocks `sig` (before it can be sent); the mask to wait for it with */
static sigset_t block(int sig)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_BLOCK, &set, &old);
    return old;
}

static void say_ready(void) { write(ready[1], "r", 1); }

static void wait_ready(void)
{
    char c;
    read(ready[0], &c, 1);
}

static void nap(void)
{
    struct timespec t = {0, 50 * 1000 * 1000};
    nanosleep(&t, NULL);
}

static void report(const char *what, pid_t pid)
{
    int st;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st))
        printf("%s: exit %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %d\n", what, WTERMSIG(st));
    fflush(stdout);
}

static pid_t child(void (*body)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        body();
        _exit(99);
    }
    wait_ready();
    return pid;
}

static void handled(void)   /* a handler in pause(); SIGHUP ignored */
{
    sigset_t wait_mask = block(SIGTERM);
    signal(SIGTERM, on);
    signal(SIGHUP, SIG_IGN);
    say_ready();
    while (!got)
        sigsuspend(&wait_mask);
    printf("handled: got %d\n", got);
    fflush(stdout);
    _exit(3);
}

static void computing(void)   /* a handler, the child computing all the while */
{
    signal(SIGUSR1, on);
    say_ready();
    unsigned long n = 0;
    while (!got)
        n++;
    printf("computing: got %d after %s\n", got, n ? "some turns" : "none");
    fflush(stdout);
    _exit(4);
}

static void defaulted(void)   /* SIGTERM's default action; SIGWINCH's (ignore) */
{
    say_ready();
    for (;;)
        pause();
}

/* sigaction(sig) with handler `fn` (an sa_sigaction with SA_SIGINFO) */
static void set_action(int sig, void *fn, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    if (flags & SA_SIGINFO)
        sa.sa_sigaction = (void (*)(int, siginfo_t *, void *))fn;
    else
        sa.sa_handler = (void (*)(int))fn;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static void once(void)   /* SA_RESETHAND: the handler once, then the default */
{
    sigset_t wait_mask = block(SIGUSR2);
    set_action(SIGUSR2, on, SA_RESETHAND);
    say_ready();
    while (!got)
        sigsuspend(&wait_mask);
    printf("once: got %d\n", got);
    fflush(stdout);
    sigprocmask(SIG_SETMASK, &wait_mask, NULL);
    say_ready();
    for (;;)
        pause();
}

static void until_pending(int sig)
{
    sigset_t pending;
    do {
        nap();
        sigpending(&pending);
    } while (!sigismember(&pending, sig));
}

static void blocked(void)   /* blocked, then pending, then taken by sigwaitinfo */
{
    block(SIGUSR1);
    signal(SIGUSR1, on);
    say_ready();
    until_pending(SIGUSR1);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    siginfo_t info;
    int sig = sigwaitinfo(&set, &info);
    printf("blocked: pending, then taken: %d (code %d), handler %s\n", sig, info.si_code,
           got ? "ran" : "did not run");
    fflush(stdout);
    _exit(5);
}

static void held(void)   /* a default action, blocked: pending until unblocked */
{
    sigset_t wait_mask = block(SIGTERM);
    say_ready();
    until_pending(SIGTERM);
    printf("held: pending while blocked\n");
    fflush(stdout);
    sigprocmask(SIG_SETMASK, &wait_mask, NULL);   /* its default action now */
    _exit(9);
}

static void orphaned(void)   /* PR_SET_PDEATHSIG: a signal when its parent ends */
{
    int set[2];
    pipe(set);
    pid_t g = fork();
    if (g == 0) {
        sigset_t wait_mask = block(SIGUSR1);
        signal(SIGUSR1, on);
        prctl(PR_SET_PDEATHSIG, SIGUSR1);
        int sig = 0;
        prctl(PR_GET_PDEATHSIG, &sig);
        printf("orphaned: asked for %d\n", sig);
        fflush(stdout);
        write(set[1], "s", 1);
        while (!got)
            sigsuspend(&wait_mask);
        printf("orphaned: got %d when its parent ended\n", got);
        fflush(stdout);
        say_ready();
        _exit(0);
    }
    char c;
    read(set[0], &c, 1);   /* (asked) */
    say_ready();
    _exit(7);              /* the grandchild's parent ends */
}

static volatile sig_atomic_t info_n;
static volatile int info_code[2], info_from_parent[2], info_value;
static void on_info(int s, siginfo_t *si, void *context)
{
    int k = s != SIGUSR1;
    info_code[k] = si->si_code;
    info_from_parent[k] = si->si_pid == getppid() && si->si_uid == getuid();
    if (k)
        info_value = si->si_value.sival_int;
    info_n++;
}

static void with_info(void)   /* SA_SIGINFO: who sent it, sigqueue's value */
{
    sigset_t wait_mask = block(SIGUSR1);
    block(SIGRTMIN);
    set_action(SIGUSR1, on_info, SA_SIGINFO);
    set_action(SIGRTMIN, on_info, SA_SIGINFO);
    say_ready();
    while (info_n < 2)
        sigsuspend(&wait_mask);
    printf("with info: kill's code %d, from its parent: %s; sigqueue's code %d, value %d, "
           "from its parent: %s\n", info_code[0], info_from_parent[0] ? "yes" : "no",
           info_code[1], info_value, info_from_parent[1] ? "yes" : "no");
    fflush(stdout);
    _exit(8);
}

static volatile sig_atomic_t chld_got;
static volatile int chld_code, chld_status, chld_pid;
static void on_chld(int s, siginfo_t *si, void *context)
{
    chld_code = si->si_code;
    chld_status = si->si_status;
    chld_pid = si->si_pid;
    chld_got = 1;
}

static void child_info(void)   /* SIGCHLD's siginfo: which child, how it ended */
{
    sigset_t wait_mask = block(SIGCHLD);
    set_action(SIGCHLD, on_chld, SA_SIGINFO);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(5);
    while (!chld_got)
        sigsuspend(&wait_mask);
    printf("SIGCHLD: code %d, status %d, from that child: %s\n", chld_code, chld_status,
           chld_pid == pid ? "yes" : "no");
    waitpid(pid, NULL, 0);
    signal(SIGCHLD, SIG_DFL);
    sigprocmask(SIG_SETMASK, &wait_mask, NULL);
}

static volatile sig_atomic_t parent_got;
static void on_parent(int s) { parent_got = s; }

static void to_parent(void)
{
    say_ready();
    kill(getppid(), SIGUSR1);
    _exit(6);
}

static volatile sig_atomic_t usr1, usr2;
static void on_usr(int s)
{
    if (s == SIGUSR1)
        usr1++;
    else
        usr2++;
}

static void take_both(int how)   /* 0: in sigsuspend, 1: computing, 2: in system calls */
{
    sigset_t wait_mask = block(SIGUSR1);
    block(SIGUSR2);
    signal(SIGUSR1, on_usr);
    signal(SIGUSR2, on_usr);
    if (how)
        sigprocmask(SIG_SETMASK, &wait_mask, NULL);
    say_ready();
    unsigned long n = 0;
    while (!usr1 || !usr2) {
        if (how == 0)
            sigsuspend(&wait_mask);
        else if (how == 1)
            n++;
        else
            getppid();
    }
    _exit(usr1 == 1 && usr2 == 1 ? 0 : 1);
}
static void in_sigsuspend(void) { take_both(0); }
static void computing_both(void) { take_both(1); }
static void in_syscalls(void) { take_both(2); }

static void repeat(void)
{
    void (*bodies[])(void) = {in_sigsuspend, computing_both, in_syscalls};
    int rounds = 30, wrong = 0;
    for (int i = 0; i < rounds; i++) {
        pid_t pid = child(bodies[i % 3]);
        kill(pid, SIGUSR1);
        kill(pid, SIGUSR2);
        int st;
        waitpid(pid, &st, 0);
        wrong += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    }
    printf("repeat: %d children, %d took their signals wrong\n", rounds, wrong);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "repeat") == 0) {
        pipe(ready);
        repeat();
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        sigset_t wait_mask = block(SIGINT);
        block(SIGTERM);
        signal(SIGINT, on);
        signal(SIGTERM, on);
        signal(SIGHUP, SIG_IGN);
        printf("waiting\n");
        fflush(stdout);
        while (!got)
            sigsuspend(&wait_mask);
        printf("got %d\n", got);
        return 0;
    }
    pipe(ready);
    pid_t pid = child(handled);
    kill(pid, SIGHUP);
    nap();
    kill(pid, SIGTERM);
    report("handled", pid);

    pid = child(computing);
    nap();
    kill(pid, SIGUSR1);
    report("computing", pid);

    pid = child(defaulted);
    kill(pid, SIGWINCH);
    nap();
    kill(pid, SIGTERM);
    report("defaulted", pid);

    pid = child(once);
    kill(pid, SIGUSR2);
    wait_ready();
    kill(pid, SIGUSR2);
    report("once", pid);

    pid = child(blocked);
    kill(pid, SIGUSR1);
    report("blocked", pid);

    pid = child(held);
    kill(pid, SIGTERM);
    report("held", pid);

    pid = child(orphaned);
    int st;
    waitpid(pid, &st, 0);
    wait_ready();   /* (the grandchild's report is out) */
    printf("orphaned's parent: exit %d\n", WEXITSTATUS(st));

    pid = child(with_info);
    kill(pid, SIGUSR1);
    union sigval v = {.sival_int = 7};
    sigqueue(pid, SIGRTMIN, v);
    report("with info", pid);

    child_info();

    if (argc > 1 && strcmp(argv[1], "parent") == 0) {
        sigset_t wait_mask = block(SIGUSR1);
        signal(SIGUSR1, on_parent);
        pid = child(to_parent);
        report("to parent", pid);
        while (!parent_got)
            sigsuspend(&wait_mask);
        printf("parent: got %d from its child\n", parent_got);
    }
    return 0;
}
