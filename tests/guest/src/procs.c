/* Processes: fork and wait (exit status, death by a signal, WNOHANG, ECHILD),
 * a pipe from child to parent, the child's memory its own, execve (arguments,
 * environment, close-on-exec, failure), posix_spawn, a #! script, and
 * sessions and process groups.
 * usage: procs DIR (a directory for the script); procs exec: execve in place */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static int shared = 1;
static int *volatile nowhere;
static volatile sig_atomic_t got_chld;

static volatile sig_atomic_t got_alarm;

static void on_alarm(int sig)
{
    got_alarm = 1;
}

static void on_chld(int sig)
{
    got_chld = sig == SIGCHLD;
}

static void show(const char *what, int status)
{
    if (WIFEXITED(status))
        printf("%s: exit %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by signal %d\n", what, WTERMSIG(status));
    else
        printf("%s: status %#x\n", what, status);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    char self[4096];
    int status;
    if (argc > 2 && !strcmp(argv[1], "child")) {
        printf("exec'd: %s, PROCS_VAR=%s, fd 5 %s\n", argv[2], getenv("PROCS_VAR"),
               fcntl(5, F_GETFD) < 0 ? "closed" : "open");
        return 42;
    }
    if (argc > 3 && !strcmp(argv[1], "script")) {   /* as #!'s interpreter */
        printf("script %s run with %s\n", strrchr(argv[2], '/') + 1, argv[3]);
        return 3;
    }
    if (argc < 2)
        return 2;
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0)
        return 2;
    self[n] = 0;
    if (!strcmp(argv[1], "exec")) {   /* no fork: this process goes on as the new program */
        char *args[] = {argv[0], "child", "in place", NULL};
        char *env[] = {"PROCS_VAR=own", NULL};
        dup2(1, 5);
        fcntl(5, F_SETFD, FD_CLOEXEC);
        execve(self, args, env);
        return 99;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    waitpid(pid, &status, 0);
    show("fork", status);

    pid = fork();
    if (pid == 0) {
        shared = 2;
        kill(getpid(), SIGTERM);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    show("kill", status);
    pid = fork();
    if (pid == 0)
        *nowhere = 1;   /* a fault: the child dies of SIGSEGV */
    waitpid(pid, &status, 0);
    show("fault", status);
    printf("parent's global still %d\n", shared);

    pid = fork();
    if (pid == 0) {
        usleep(200000);
        _exit(5);
    }
    printf("WNOHANG while it runs: %d\n", waitpid(pid, &status, WNOHANG));
    siginfo_t info;
    memset(&info, 0, sizeof info);
    waitid(P_PID, pid, &info, WEXITED);
    printf("waitid: signal %d, code %d, status %d, pid %s\n", info.si_signo, info.si_code,
           info.si_status, info.si_pid == pid ? "right" : "wrong");

    int fds[2];
    char buf[64] = "";
    pipe(fds);
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        dprintf(fds[1], "child %d to parent %d", getpid() != 0, getppid() != getpid());
        _exit(0);
    }
    close(fds[1]);
    read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    waitpid(pid, &status, 0);
    printf("pipe: %s\n", buf);

    int fd = open("/dev/null", O_RDONLY);
    dup2(fd, 5);
    fcntl(5, F_SETFD, FD_CLOEXEC);
    pid = fork();
    if (pid == 0) {
        char *args[] = {argv[0], "child", "via execve", NULL};
        char *env[] = {"PROCS_VAR=set", NULL};
        execve(self, args, env);
        _exit(99);
    }
    waitpid(pid, &status, 0);
    show("execve", status);

    char *none[] = {"nothing", NULL};
    printf("execve of a missing file: %s\n",
           execve("/nonexistent/program", none, environ) < 0 && errno == ENOENT ? "ENOENT" : "?");

    char *sargs[] = {argv[0], "child", "via posix_spawn", NULL};
    setenv("PROCS_VAR", "inherited", 1);
    if (posix_spawn(&pid, self, NULL, NULL, sargs, environ) == 0) {
        waitpid(pid, &status, 0);
        show("posix_spawn", status);
    }

    char script[4096];
    snprintf(script, sizeof script, "%s/script.sh", argv[1]);
    FILE *f = fopen(script, "w");
    fprintf(f, "#!%s script\necho not a shell\n", self);
    fclose(f);
    chmod(script, 0755);
    pid = fork();
    if (pid == 0) {
        char *args[] = {script, "an argument", NULL};
        execve(script, args, environ);
        _exit(99);
    }
    waitpid(pid, &status, 0);
    show("script", status);
    /* execveat: the file a descriptor holds (fexecve), a path relative to a
     * directory's descriptor; a symbolic link refused, bad flags */
    int exe = open(self, O_RDONLY | O_CLOEXEC);
    pid = fork();
    if (pid == 0) {
        char *args[] = {argv[0], "child", "via fexecve", NULL};
        char *env[] = {"PROCS_VAR=fd", NULL};
        fexecve(exe, args, env);
        _exit(99);
    }
    waitpid(pid, &status, 0);
    show("fexecve", status);
    char *slash = strrchr(self, '/');
    *slash = 0;
    int dir = open(self, O_RDONLY | O_DIRECTORY);
    *slash = '/';
    pid = fork();
    if (pid == 0) {
        char *args[] = {argv[0], "child", "via execveat", NULL};
        char *env[] = {"PROCS_VAR=dir", NULL};
        syscall(SYS_execveat, dir, slash + 1, args, env, 0);
        _exit(99);
    }
    waitpid(pid, &status, 0);
    show("execveat", status);
    char link[4096];
    snprintf(link, sizeof link, "%s/link", argv[1]);
    symlink(self, link);
    int there = open(argv[1], O_RDONLY | O_DIRECTORY);
    errno = 0;
    long r = syscall(SYS_execveat, there, "link", none, environ, AT_SYMLINK_NOFOLLOW);
    printf("execveat of a symbolic link, not followed: %ld %s\n", r, strerror(errno));
    errno = 0;
    r = syscall(SYS_execveat, there, "link", none, environ, 1);
    printf("execveat with a bad flag: %ld %s\n", r, strerror(errno));
    errno = 0;
    r = syscall(SYS_execveat, there, "", none, environ, 0);
    printf("execveat of an empty path: %ld %s\n", r, strerror(errno));
    unlink(link);
    close(there);
    close(dir);
    close(exe);
    /* SIGCHLD: a handler called when a child ends, waited for in sigsuspend */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid = fork();
    if (pid == 0)
        _exit(1);
    while (!got_chld)
        sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    waitpid(pid, &status, 0);
    printf("SIGCHLD handled: %d\n", (int)got_chld);
    /* a timer ends a sigsuspend while a child still runs; then the child is killed */
    got_chld = 0;
    sigprocmask(SIG_BLOCK, &block, &old);
    pid = fork();
    if (pid == 0) {
        sleep(10);
        _exit(0);
    }
    signal(SIGALRM, on_alarm);
    struct itimerval soon = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &soon, NULL);
    sigset_t wait_mask = old;
    sigdelset(&wait_mask, SIGALRM);
    while (!got_alarm)
        sigsuspend(&wait_mask);
    printf("alarm while the child runs: child ended %d\n", (int)got_chld);
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    show("killed child", status);
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGCHLD, SIG_DFL);
    /* sessions and process groups (in a child: they are the host process's) */
    pid = fork();
    if (pid == 0) {
        pid_t me = getpid(), sid = setsid();
        int again = setsid() < 0 && errno == EPERM;   /* a group leader already */
        _exit(sid == me && getsid(0) == me && getpgid(0) == me && getpgrp() == me && again
              ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    show("setsid in a child", status);
    int up[2];
    pipe(up);
    pid = fork();
    if (pid == 0) {  /* a group of its own, which the parent sees */
        setpgid(0, 0);
        write(up[1], "x", 1);
        pause();
        _exit(0);
    }
    char c;
    read(up[0], &c, 1);
    printf("child's group: %s, its session: %s\n",
           getpgid(pid) == pid ? "its own" : "?", getsid(pid) == getsid(0) ? "ours" : "?");
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    show("paused child", status);
    printf("wait with no children: %s\n", wait(&status) < 0 && errno == ECHILD ? "ECHILD" : "?");
    return 0;
}
