/* Threads and blocking calls: a thread blocks reading a pipe that another
 * thread fills only later; one waits in poll with a timeout; one waits for a
 * child process, while the others run. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int fds[2];
static char got_read[64], got_poll[64], got_child[64];   /* (printed in this order) */

static void *reader(void *arg)
{
    char buf[32] = "";
    ssize_t n = read(fds[0], buf, sizeof buf - 1);   /* blocks until the writer writes */
    snprintf(got_read, sizeof got_read, "reader got %zd: %s", n, buf);
    return NULL;
}

static void *poller(void *arg)
{
    int p[2];
    pipe(p);
    struct pollfd pf = {p[0], POLLIN, 0};
    int n = poll(&pf, 1, 50);   /* nothing comes: a timeout after 50 ms */
    snprintf(got_poll, sizeof got_poll, "poll: %d", n);
    return NULL;
}

static void *waiter(void *arg)
{
    pid_t pid = fork();
    if (pid == 0) {
        usleep(30000);
        _exit(6);
    }
    int status;
    waitpid(pid, &status, 0);
    snprintf(got_child, sizeof got_child, "child: %d", WEXITSTATUS(status));
    return NULL;
}

int main(void)
{
    pthread_t r, p, w;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pipe(fds);
    pthread_create(&r, NULL, reader, NULL);
    pthread_create(&p, NULL, poller, NULL);
    pthread_create(&w, NULL, waiter, NULL);
    usleep(100000);          /* the others wait meanwhile, but do not hold this one up */
    write(fds[1], "late data", 9);
    pthread_join(r, NULL);
    pthread_join(p, NULL);
    pthread_join(w, NULL);
    printf("%s\n%s\n%s\nmain done\n", got_read, got_poll, got_child);
    return 0;
}
