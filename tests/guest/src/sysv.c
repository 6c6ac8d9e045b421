/* System V message queues and semaphores: messages by type, a queue's state,
 * waits a child ends (msgrcv, semop), IPC_NOWAIT, semtimedop's timeout, a
 * signal ending a wait with EINTR, the values and state of a set, and errors;
 * waits while another thread runs (one that ends the wait, one that does not). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct message {
    long type;
    char text[64];
};

static void on_alarm(int sig)
{
    (void)sig;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void queues(void)
{
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    printf("msgget: %s\n", q >= 0 ? "an id" : strerror(errno));
    struct message m = {2, "second type"};
    msgsnd(q, &m, strlen(m.text) + 1, 0);
    m.type = 1;
    strcpy(m.text, "first type");
    msgsnd(q, &m, strlen(m.text) + 1, 0);
    struct msqid_ds st;
    msgctl(q, IPC_STAT, &st);
    printf("queued: %lu messages, %lu bytes, mode %o\n", (unsigned long)st.msg_qnum,
           (unsigned long)st.__msg_cbytes, st.msg_perm.mode & 0777);
    memset(&m, 0, sizeof m);
    ssize_t n = msgrcv(q, &m, sizeof m.text, 1, 0);
    printf("msgrcv of type 1: %zd bytes, type %ld, '%s'\n", n, m.type, m.text);
    n = msgrcv(q, &m, sizeof m.text, 0, 0);
    printf("msgrcv of any: %zd bytes, type %ld, '%s'\n", n, m.type, m.text);
    errno = 0;
    n = msgrcv(q, &m, sizeof m.text, 0, IPC_NOWAIT);
    printf("msgrcv of an empty queue, no wait: %zd %s\n", n, strerror(errno));
    m.type = 3;
    strcpy(m.text, "a long text to cut");
    msgsnd(q, &m, strlen(m.text) + 1, 0);
    errno = 0;
    n = msgrcv(q, &m, 4, 3, 0);
    printf("msgrcv of a longer message: %zd %s\n", n, strerror(errno));
    memset(&m, 0, sizeof m);
    n = msgrcv(q, &m, 4, 3, MSG_NOERROR);
    printf("msgrcv with MSG_NOERROR: %zd '%.4s'\n", n, m.text);
    errno = 0;
    m.type = 0;
    printf("msgsnd of type 0: %d %s\n", msgsnd(q, &m, 1, 0), strerror(errno));

    pid_t child = fork();
    if (child == 0) {
        usleep(50000);
        struct message r = {7, "from the child"};
        msgsnd(q, &r, strlen(r.text) + 1, 0);
        _exit(0);
    }
    double t0 = now();
    memset(&m, 0, sizeof m);
    n = msgrcv(q, &m, sizeof m.text, 7, 0);
    printf("msgrcv waited for the child: %zd '%s', waited %d\n", n, m.text, now() - t0 > 0.03);
    waitpid(child, NULL, 0);

    signal(SIGALRM, on_alarm);
    struct itimerval soon = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &soon, NULL);
    errno = 0;
    n = msgrcv(q, &m, sizeof m.text, 9, 0);
    printf("msgrcv ended by a signal: %zd %s\n", n, strerror(errno));

    printf("IPC_RMID: %d\n", msgctl(q, IPC_RMID, NULL));
    errno = 0;
    printf("msgsnd to a removed queue: %d %s\n", msgsnd(q, &m, 1, 0), strerror(errno));
    errno = 0;
    printf("msgget of a missing key: %d %s\n", msgget(0x7e57ab1e, 0), strerror(errno));
}

static int thread_set;

static void *poster(void *arg)
{
    usleep(*(int *)arg);
    struct sembuf up = {0, 1, 0};
    semop(thread_set, &up, 1);
    return NULL;
}

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static void semaphores(void)
{
    int s = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    printf("semget: %s\n", s >= 0 ? "an id" : strerror(errno));
    unsigned short set[3] = {1, 0, 5}, got[3];
    union semun arg = {.array = set};
    semctl(s, 0, SETALL, arg);
    arg.array = got;
    semctl(s, 0, GETALL, arg);
    printf("values: %d %d %d\n", got[0], got[1], got[2]);
    struct semid_ds st;
    arg.buf = &st;
    semctl(s, 0, IPC_STAT, arg);
    printf("IPC_STAT: %lu semaphores, mode %o\n", (unsigned long)st.sem_nsems,
           st.sem_perm.mode & 0777);
    struct sembuf ops[2] = {{0, -1, 0}, {2, 2, 0}};
    printf("semop: %d\n", semop(s, ops, 2));
    arg.array = got;
    semctl(s, 0, GETALL, arg);
    printf("values: %d %d %d, sem 2 by GETVAL %d\n", got[0], got[1], got[2],
           semctl(s, 2, GETVAL));
    struct sembuf take = {1, -1, IPC_NOWAIT};
    errno = 0;
    printf("semop that would wait, no wait: %d %s\n", semop(s, &take, 1), strerror(errno));
    struct sembuf both[2] = {{2, -1, 0}, {1, -1, IPC_NOWAIT}};
    errno = 0;
    printf("all or none: %d %s, sem 2 still %d\n", semop(s, both, 2), strerror(errno),
           semctl(s, 2, GETVAL));
    take.sem_flg = 0;
    struct timespec limit = {0, 50000000};
    double t0 = now();
    errno = 0;
    int r = semtimedop(s, &take, 1, &limit);
    printf("semtimedop timed out: %d %s, after its time %d\n", r, strerror(errno),
           now() - t0 > 0.04);
    limit.tv_nsec = 1000000000;
    errno = 0;
    printf("semtimedop with a bad time: %d %s\n", semtimedop(s, &take, 1, &limit),
           strerror(errno));

    pid_t child = fork();
    if (child == 0) {
        usleep(50000);
        semctl(s, 1, SETVAL, (union semun){.val = 2});
        _exit(0);
    }
    t0 = now();
    r = semop(s, &take, 1);
    printf("semop waited for the child: %d, sem 1 now %d, waited %d\n", r, semctl(s, 1, GETVAL),
           now() - t0 > 0.03);
    waitpid(child, NULL, 0);
    struct sembuf zero = {1, 0, 0};
    child = fork();
    if (child == 0) {
        usleep(50000);
        struct sembuf down = {1, -1, 0};
        semop(s, &down, 1);
        _exit(0);
    }
    r = semop(s, &zero, 1);
    printf("wait for zero: %d, sem 1 now %d\n", r, semctl(s, 1, GETVAL));
    waitpid(child, NULL, 0);

    struct itimerval soon = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &soon, NULL);
    errno = 0;
    r = semop(s, &take, 1);
    printf("semop ended by a signal: %d %s\n", r, strerror(errno));
    semctl(s, 0, SETVAL, (union semun){.val = 0});
    thread_set = s;
    pthread_t thread;
    int delay = 50000;
    pthread_create(&thread, NULL, poster, &delay);
    struct sembuf down = {0, -1, 0};
    r = semop(s, &down, 1);
    pthread_join(thread, NULL);
    printf("semop waited for another thread: %d, sem 0 now %d\n", r, semctl(s, 0, GETVAL));
    delay = 300000;
    pthread_create(&thread, NULL, poster, &delay);
    limit.tv_nsec = 50000000;
    t0 = now();
    errno = 0;
    r = semtimedop(s, &down, 1, &limit);
    double waited = now() - t0;
    printf("semtimedop timed out while another thread runs: %d %s, after its time %d, "
           "before the thread's post %d\n", r, strerror(errno), waited > 0.04, waited < 0.25);
    pthread_join(thread, NULL);
    struct sembuf bad = {3, 1, 0};
    errno = 0;
    printf("semop of a semaphore past the set: %d %s\n", semop(s, &bad, 1), strerror(errno));
    printf("IPC_RMID: %d\n", semctl(s, 0, IPC_RMID));
    errno = 0;
    printf("semop on a removed set: %d %s\n", semop(s, &take, 1), strerror(errno));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    queues();
    semaphores();
    return 0;
}
