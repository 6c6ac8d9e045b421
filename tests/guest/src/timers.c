/* setitimer/getitimer and alarm (SIGALRM into a loop that makes no system
 * call), utimensat/futimens (UTIME_OMIT, UTIME_NOW), fchown/fchownat to the
 * owner it has, statfs/fstatfs. usage: timers DIR */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <unistd.h>

static volatile int ticks;
static void on_alarm(int sig) { (void)sig; ticks++; }

int main(int argc, char **argv)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/timers.txt", argc > 1 ? argv[1] : ".");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 20000}, {0, 20000}}, cur;   /* every 20 ms */
    setitimer(ITIMER_REAL, &it, NULL);
    volatile unsigned long spin = 0;
    while (ticks < 5)                                       /* only the timer ends it */
        spin++;
    getitimer(ITIMER_REAL, &cur);
    printf("ticks %d, interval %ld us, value <= 20 ms: %d\n", ticks, (long)cur.it_interval.tv_usec,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_usec <= 20000);
    struct itimerval off = {{0, 0}, {0, 0}}, old;
    setitimer(ITIMER_REAL, &off, &old);
    getitimer(ITIMER_REAL, &cur);
    printf("stopped: %ld %ld, was periodic: %d\n", (long)cur.it_value.tv_sec,
           (long)cur.it_value.tv_usec, old.it_interval.tv_usec == 20000);
    printf("bad which: %d\n", setitimer(7, &it, NULL));

    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    struct timespec ts[2] = {{1000000000, 123456789}, {1234567890, 5}};
    struct stat st;
    printf("utimensat %d\n", utimensat(AT_FDCWD, path, ts, 0));
    stat(path, &st);
    printf("atime %ld.%09ld mtime %ld.%09ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timespec keep_a[2] = {{0, UTIME_OMIT}, {42, 0}};
    printf("futimens %d\n", futimens(fd, keep_a));
    fstat(fd, &st);
    printf("atime %ld mtime %ld\n", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec);
    struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    utimensat(AT_FDCWD, path, now, 0);
    stat(path, &st);
    printf("atime now: %d, mtime kept: %ld\n", st.st_atim.tv_sec > 1700000000, (long)st.st_mtim.tv_sec);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    printf("bad nsec: %d\n", utimensat(AT_FDCWD, path, bad, 0));
    printf("fchown %d fchownat %d\n", fchown(fd, getuid(), getgid()),
           fchownat(AT_FDCWD, path, (uid_t)-1, getgid(), 0));

    struct statfs a, b;
    printf("statfs %d fstatfs %d same fs %d bsize>0 %d\n", statfs(path, &a), fstatfs(fd, &b),
           a.f_type == b.f_type && a.f_bsize == b.f_bsize, a.f_bsize > 0);
    close(fd);
    unlink(path);

    fflush(stdout);
    signal(SIGALRM, SIG_DFL);
    alarm(1);
    for (;;)                                                /* SIGALRM's default action ends it */
        ;
}
