/* vfork and posix_spawn share the parent's memory until the child execs or
 * ends, and the parent waits until then: what the child writes before, the
 * parent sees. posix_spawn's child reports a failed exec so (glibc), as the
 * error posix_spawn returns. (qemu-user makes them forks: the parent sees
 * nothing, and posix_spawn of a missing program "succeeds".) */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile int written;

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "exit") == 0) /* (the program the children run) */
        return atoi(argv[2]);
    /* the child's write is the parent's, and the parent waits for its end */
    pid_t pid = vfork();
    if (pid == 0) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
        written = 42;
        _exit(7);
    }
    printf("vfork: the parent sees %d\n", written);
    int status;
    waitpid(pid, &status, 0);
    printf("vfork: child exit %d\n", WEXITSTATUS(status));

    /* a vfork's child that execs: the parent goes on at the exec */
    pid = vfork();
    if (pid == 0) {
        written = 43;
        execl("/proc/self/exe", "vfork", "exit", "3", (char *)NULL);
        _exit(127);
    }
    waitpid(pid, &status, 0);
    printf("vfork, exec: the parent sees %d, child exit %d\n", written, WEXITSTATUS(status));

    /* posix_spawn of a program that is not there fails, with ENOENT */
    char *missing[] = {"/nonexistent/program", NULL};
    int err = posix_spawn(&pid, missing[0], NULL, NULL, missing, environ);
    printf("posix_spawn of a missing program: %s\n", err ? strerror(err) : "started");
    if (!err)
        waitpid(pid, &status, 0);

    char *self[] = {"vfork", "exit", "5", NULL};
    err = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, self, environ);
    if (err == 0 && waitpid(pid, &status, 0) == pid)
        printf("posix_spawn of itself: exit %d\n", WEXITSTATUS(status));
    return 0;
}
