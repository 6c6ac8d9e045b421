/* Robust mutexes (PTHREAD_MUTEX_ROBUST): the kernel walks a thread's robust
 * list (set_robust_list) when it ends, and a mutex it still holds goes to
 * the next locker with EOWNERDEAD: one a thread ends holding, one a waiter
 * is blocked on when its holder ends, a process-shared one a child process
 * ends holding or executes another program holding. (qemu-user passes no robust list: its glibc then does the
 * threads' part itself and refuses process-shared ones; the expected output
 * is the native build's, cases.py.) */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m;

static const char *result(int r)
{
    return r == EOWNERDEAD ? "EOWNERDEAD" : r ? strerror(r) : "0";
}

static void *holder(void *arg)
{
    (void)arg;
    printf("a thread locks: %s, and ends\n", result(pthread_mutex_lock(&m)));
    return NULL;
}

static pthread_barrier_t locked, go;

static void *holder_until_go(void *arg)
{
    (void)arg;
    printf("a thread locks: %s, and ends while another waits\n",
           result(pthread_mutex_lock(&m)));
    pthread_barrier_wait(&locked);
    pthread_barrier_wait(&go);
    return NULL;
}

static void *waiter(void *arg)
{
    (void)arg;
    int r = pthread_mutex_lock(&m);
    printf("the waiter gets: %s\n", result(r));
    if (r == EOWNERDEAD)
        pthread_mutex_consistent(&m);
    pthread_mutex_unlock(&m);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)   /* (the program a child holding a mutex executes) */
        return 0;
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    printf("init: %s\n", result(pthread_mutex_init(&m, &a)));

    pthread_t t;
    pthread_create(&t, NULL, holder, NULL);
    pthread_join(t, NULL);
    printf("main gets: %s\n", result(pthread_mutex_lock(&m)));
    printf("made consistent: %s\n", result(pthread_mutex_consistent(&m)));
    printf("unlock: %s\n", result(pthread_mutex_unlock(&m)));
    printf("again: %s\n", result(pthread_mutex_lock(&m)));
    printf("unlock: %s\n", result(pthread_mutex_unlock(&m)));

    /* a holder that ends while another thread waits for it: the waiter is woken */
    pthread_barrier_init(&locked, NULL, 2);
    pthread_barrier_init(&go, NULL, 2);
    pthread_t w;
    pthread_create(&t, NULL, holder_until_go, NULL);
    pthread_barrier_wait(&locked);
    pthread_create(&w, NULL, waiter, NULL);
    usleep(100000);  /* (the waiter blocks in the kernel meanwhile) */
    pthread_barrier_wait(&go);
    pthread_join(t, NULL);
    pthread_join(w, NULL);

    /* process-shared, in shared memory: a child process ends holding it */
    pthread_mutex_t *sm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                               -1, 0);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    printf("process-shared init: %s\n", result(pthread_mutex_init(sm, &a)));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        printf("the child locks: %s, and ends\n", result(pthread_mutex_lock(sm)));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("the parent gets: %s\n", result(pthread_mutex_lock(sm)));
    pthread_mutex_consistent(sm);
    pthread_mutex_unlock(sm);

    /* a child holding it executes another program: the same (Linux's exec) */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        printf("the child locks: %s, and executes\n", result(pthread_mutex_lock(sm)));
        fflush(stdout);
        execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
        _exit(127);
    }
    waitpid(pid, NULL, 0);
    printf("the parent gets: %s\n", result(pthread_mutex_lock(sm)));

    long head = 0, len = 0;
    long got = syscall(SYS_get_robust_list, 0, &head, &len);
    printf("get_robust_list: %ld, a list: %d, its size %ld\n", got, head != 0, len);
    errno = 0;
    got = syscall(SYS_get_robust_list, 999999, &head, &len);
    printf("another's, not there: %ld %s\n", got, strerror(errno));
    return 0;
}
