/* A process's attributes: its ids (setuid and friends, in a child),
 * prctl's options (name, dumpable, parent-death signal, keepcaps, capability
 * bounding set, timer slack, no_new_privs) and capget/capset (the
 * capabilities the process has, which it may keep but not raise). Prints only what is the same as root or as another user, and
 * what qemu-user passes to the host (not the seccomp mode, child subreaper
 * or THP settings: tests/test_linux.py checks those). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int capget_(cap_user_header_t h, cap_user_data_t d) { return (int)syscall(SYS_capget, h, d); }
static int capset_(cap_user_header_t h, cap_user_data_t d) { return (int)syscall(SYS_capset, h, d); }

static pthread_barrier_t changed;
static uid_t thread_euid;

static void *other_thread(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&changed);
    thread_euid = geteuid();
    return NULL;
}

/* In a child: as root it drops to nobody (65534), its other thread too (glibc
 * has every thread make the call), and a root-only file is then refused; as
 * another user the change is refused. The same lines either way. */
static void ids(void)
{
    char path[] = "/tmp/vmtest-ids-XXXXXX";
    int fd = mkstemp(path);
    fchmod(fd, 0600);
    close(fd);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int root = geteuid() == 0;
        printf("setuid to its own: %d\n", setuid(getuid()));
        printf("setresuid, setresgid unchanged: %d %d\n", setresuid(-1, -1, -1),
               setresgid(-1, -1, -1));
        errno = 0;
        printf("setuid(-1): %ld %s\n", syscall(SYS_setuid, -1), strerror(errno));
        pthread_t t;
        pthread_barrier_init(&changed, NULL, 2);
        pthread_create(&t, NULL, other_thread, NULL);
        int done;
        if (root) {
            done = setgroups(0, NULL) == 0 && setresgid(65534, 65534, 65534) == 0
                   && setresuid(65534, 65534, 65534) == 0;
        } else {
            errno = 0;
            done = setuid(65534) == -1 && errno == EPERM;
        }
        printf("dropped (root) or refused: %d\n", done);
        pthread_barrier_wait(&changed);
        pthread_join(t, NULL);
        uid_t r, e, s;
        getresuid(&r, &e, &s);
        printf("ids as they should be: %d\n", root ? r == 65534 && e == 65534 && s == 65534
                                                        && getgid() == 65534 && getegid() == 65534
                                                        && getgroups(0, NULL) == 0
                                                  : r == getuid());
        printf("its thread's the same: %d\n", thread_euid == geteuid());
        printf("filesystem uid: %d\n", setfsuid(-1) == (int)geteuid());
        errno = 0;
        int opened = open(path, O_RDONLY);
        printf("a root-only file: %s\n", !root || opened < 0 ? "refused" : "opened");
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    unlink(path);
    printf("child: %d\n", status);
}

int main(void)
{
    ids();
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
