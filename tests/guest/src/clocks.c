/* The clocks a C library reads through the vDSO (clock_gettime, gettimeofday,
 * time) and the ones it asks the kernel for: each goes forward, agrees with
 * the others, and with the time a system call gives. Prints the same under any
 * Linux, with a vDSO or without; argv[1] = how many reads of each. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long ns_of(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static long long kernel_ns(clockid_t clock) /* the system call, not the vDSO */
{
    struct timespec t;
    syscall(SYS_clock_gettime, clock, &t);
    return ns_of(t);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    static const struct { clockid_t id; const char *name; } clocks[] = {
        {CLOCK_REALTIME, "CLOCK_REALTIME"}, {CLOCK_MONOTONIC, "CLOCK_MONOTONIC"},
        {CLOCK_BOOTTIME, "CLOCK_BOOTTIME"}, {CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"},
        {CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"},
        {CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"},
        {CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID"}};
    for (unsigned c = 0; c < sizeof clocks / sizeof clocks[0]; c++) {
        struct timespec t;
        long long before = kernel_ns(clocks[c].id), last = before, backwards = 0, bad = 0;
        for (int i = 0; i < n; i++) {
            if (clock_gettime(clocks[c].id, &t) != 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000)
                bad++;
            backwards += ns_of(t) < last;
            last = ns_of(t);
        }
        long long after = kernel_ns(clocks[c].id);
        /* (a coarse clock may read a tick behind the fine one the kernel gives) */
        int within = before - 20000000 <= last && last <= after + 20000000;
        printf("%s: %d reads, %lld bad, %lld backwards, between the kernel's: %s\n",
               clocks[c].name, n, bad, backwards, within ? "yes" : "no");
    }
    struct timeval tv;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    gettimeofday(&tv, NULL);
    time_t now = time(NULL);
    long long gap = (tv.tv_sec * 1000000LL + tv.tv_usec) - ns_of(ts) / 1000;
    printf("gettimeofday - clock_gettime: %s\n", gap >= 0 && gap < 1000000 ? "under 1 s" : "off");
    /* (time() reads CLOCK_REALTIME_COARSE, which may be a tick behind: at a
     * second's turn, the second before gettimeofday's) */
    printf("time - gettimeofday: %s\n", now - tv.tv_sec >= -1 && now - tv.tv_sec <= 1 ? "under 1 s" : "off");
    struct timezone tz;
    printf("gettimeofday with a time zone: %d\n", gettimeofday(&tv, &tz));
    printf("clock_gettime of a bad clock: %d\n", clock_gettime((clockid_t)99, &ts));
    return 0;
}
