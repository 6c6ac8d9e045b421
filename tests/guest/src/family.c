/* Signals between a program's processes that are not parent and child, as
 * shells send them: a sibling's kill (a subshell killing a background job),
 * a grandchild's, and one to a process group (job control's kill %1). Run as
 * a process of its own (vm-engine run's), which its forks are part of. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, pid_t pid)
{
    int status;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
        printf("%s: killed by signal %d\n", what, WTERMSIG(status));
    else
        printf("%s: exit %d\n", what, WEXITSTATUS(status));
}

static pid_t sleeper(pid_t group)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (group >= 0)
            setpgid(0, group);
        for (;;)
            pause();
    }
    if (group >= 0)
        setpgid(pid, group ? group : pid);
    return pid;
}

/* a child that sends `sig` to `target` (from a child of its own if `deeper`)
 * and exits with 0, or 100 + the errno of a refusal */
static pid_t sender(pid_t target, int sig, int deeper)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (deeper) {
            pid_t inner = sender(target, sig, 0);
            int status;
            waitpid(inner, &status, 0);
            _exit(WEXITSTATUS(status));
        }
        _exit(kill(target, sig) == 0 ? 0 : 100 + errno);
    }
    return pid;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t a = sleeper(-1);
    report("a sibling's kill", sender(a, SIGTERM, 0));
    report("the sibling it killed", a);

    pid_t b = sleeper(-1);
    report("a grandchild's kill", sender(b, SIGUSR1, 1));
    report("its parent's other child", b);

    pid_t g1 = sleeper(0), g2 = sleeper(g1);
    usleep(20000);
    printf("getpgid: the group's first %d, its second %d\n", getpgid(g1) == g1,
           getpgid(g2) == g1);
    printf("kill of the group: %d\n", kill(-g1, SIGHUP));
    report("the group's first", g1);
    report("the group's second", g2);
    int gone = kill(-g1, SIGHUP);
    printf("kill of a group no longer there: %d %s\n", gone, strerror(errno));
    return 0;
}
