/* A process's attributes: prctl's options (name, dumpable, parent-death
 * signal, keepcaps, capability bounding set, timer slack, no_new_privs) and
 * capget/capset (the capabilities the process has, which it may keep but not
 * raise). Prints only what is the same as root or as another user, and
 * what qemu-user passes to the host (not the seccomp mode, child subreaper
 * or THP settings: tests/test_linux.py checks those). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int capget_(cap_user_header_t h, cap_user_data_t d) { return (int)syscall(SYS_capget, h, d); }
static int capset_(cap_user_header_t h, cap_user_data_t d) { return (int)syscall(SYS_capset, h, d); }

int main(void)
{
    char name[16] = {0};
    prctl(PR_SET_NAME, "renamed-process-long");
    prctl(PR_GET_NAME, name);
    printf("name: %s\n", name);
    printf("dumpable: %d\n", prctl(PR_GET_DUMPABLE));
    int sig = -1;
    printf("pdeathsig: %d", prctl(PR_SET_PDEATHSIG, SIGTERM));
    prctl(PR_GET_PDEATHSIG, &sig);
    printf(", now %d\n", sig);
    errno = 0;
    printf("pdeathsig 99: %d %s\n", prctl(PR_SET_PDEATHSIG, 99), strerror(errno));
    printf("keepcaps: %d", prctl(PR_GET_KEEPCAPS));
    prctl(PR_SET_KEEPCAPS, 1);
    printf(", then %d\n", prctl(PR_GET_KEEPCAPS));
    errno = 0;
    printf("bounding set, cap 1000: %d %s\n", prctl(PR_CAPBSET_READ, 1000), strerror(errno));
    printf("timer slack set: %d", prctl(PR_SET_TIMERSLACK, 100000));
    printf(", now %d\n", prctl(PR_GET_TIMERSLACK));
    printf("no_new_privs: %d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    errno = 0;
    printf(", set 2: %d %s", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), strerror(errno));
    printf(", set: %d, now %d\n", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
           prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    errno = 0;
    printf("unknown option: %d %s\n", prctl(12345, 0, 0, 0, 0), strerror(errno));

    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2], again[2];
    printf("capget: %d", capget_(&h, d));
    printf(", inheritable %x %x, effective within permitted: %d\n", d[0].inheritable,
           d[1].inheritable, (d[0].effective & ~d[0].permitted) == 0);
    printf("capset, the same: %d\n", capset_(&h, d));
    capget_(&h, again);
    printf("unchanged: %d\n", memcmp(d, again, sizeof d) == 0);
    d[0].permitted = d[0].effective = 0;
    printf("capset, dropping CAP_CHOWN..: %d", capset_(&h, d));
    capget_(&h, again);
    printf(", permitted now %x\n", again[0].permitted);
    d[0].permitted = d[0].effective = 1;
    errno = 0;
    printf("capset, raising one back: %d %s\n", capset_(&h, d), strerror(errno));
    struct __user_cap_header_struct bad = {0x1234, 0};
    errno = 0;
    printf("capget, bad version: %d %s, version wanted %x\n", capget_(&bad, d), strerror(errno),
           bad.version);
    bad.version = _LINUX_CAPABILITY_VERSION_3;
    bad.pid = 999999;
    errno = 0;
    printf("capget, no such process: %d %s\n", capget_(&bad, d), strerror(errno));
    return 0;
}
