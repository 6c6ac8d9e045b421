/* Memory shared between processes and with files: MAP_SHARED anonymous memory
 * a fork's child writes and its parent reads; a process-shared semaphore and
 * mutex in it (futexes other processes wake); a MAP_SHARED file mapping that
 * read() and write() of the file see at once, and a second mapping of it; a
 * shared mapping of /dev/zero; a shared file mapping mremap moves, shortens
 * and makes longer, which stays the file's.
 * usage: shmem DIR [shrunk] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
    sem_t ready;
    pthread_mutex_t lock;
    long count;
    char text[64];
};

#define TURNS 20000

static void add(struct shared *s)
{
    for (int i = 0; i < TURNS; i++) {
        pthread_mutex_lock(&s->lock);
        s->count++;
        pthread_mutex_unlock(&s->lock);
    }
}

/* a shared file mapping whose file is made shorter: what is left is the file's;
 * past the end Linux raises SIGBUS (here: the host must not fault) */
static int shrunk(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/shrunk.dat", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ftruncate(fd, 3 * 4096);
    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ftruncate(fd, 4096);
    p[10] = 'x';
    char c = 0;
    pread(fd, &c, 1, 10);
    p[5000] = 'y';
    printf("shrunk: the first page is the file's: %c; past the end: %c\n", c, p[5000]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[2], "shrunk") == 0)
        return shrunk(argv[1]);
    struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char *own = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED || own == MAP_FAILED)
        return 1;
    sem_init(&s->ready, 1, 0);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&s->lock, &attr);
    strcpy(own, "parent's own");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(50000);   /* (the parent waits on the semaphore meanwhile) */
        strcpy(s->text, "written by the child");
        strcpy(own, "child's own");
        sem_post(&s->ready);
        add(s);
        _exit(0);
    }
    sem_wait(&s->ready);
    printf("shared: %s; private: %s\n", s->text, own);
    add(s);
    waitpid(pid, NULL, 0);
    printf("count under a shared mutex: %ld (of %d)\n", s->count, 2 * TURNS);

    char path[512];
    snprintf(path, sizeof path, "%s/shmem.dat", argc > 1 ? argv[1] : ".");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ftruncate(fd, 8192);
    char *map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *again = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
    strcpy(map + 4096, "through the mapping");
    char buf[32] = {0};
    pread(fd, buf, 19, 4096);
    printf("read() sees: %s\n", buf);
    pwrite(fd, "by write()", 10, 100);
    printf("the mapping sees: %.10s; the other mapping: %s\n", map + 100, again + 4096);
    pid = fork();
    if (pid == 0) {
        strcpy(map + 200, "the child's write");
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("after the child: %s\n", again + 200);
    munmap(map + 4096, 4096);   /* (part of it) */
    printf("the rest still: %.10s\n", map + 100);
    munmap(map, 4096);
    munmap(again, 8192);
    close(fd);
    fd = open(path, O_RDONLY);
    memset(buf, 0, sizeof buf);
    pread(fd, buf, 19, 4096);
    printf("the file keeps: %s\n", buf);
    unlink(path);

    /* /dev/zero's: anonymous shared memory, as Linux makes of it */
    fd = open("/dev/zero", O_RDWR);
    int *zero = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    pid = fork();
    if (pid == 0) {
        zero[1] = 42;
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("/dev/zero shared: %d %d\n", zero[0], zero[1]);

    /* mremap: the mapping moved (the page after it taken) and made longer, then
     * shorter and longer where it is, is the file's all along */
    snprintf(path, sizeof path, "%s/remap.dat", argc > 1 ? argv[1] : ".");
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ftruncate(fd, 3 * 4096);
    char *first = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    mmap(first + 4096, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    strcpy(first, "before the move");
    char *moved = mremap(first, 4096, 3 * 4096, MREMAP_MAYMOVE);
    printf("moved: %d; it keeps: %s\n", moved != first && moved != MAP_FAILED, moved);
    strcpy(moved + 8192, "after the move");
    memset(buf, 0, sizeof buf);
    pread(fd, buf, 14, 8192);
    printf("read() sees: %s\n", buf);
    pwrite(fd, "by write()", 10, 4096 + 16);
    printf("the moved mapping sees: %.10s\n", moved + 4096 + 16);
    pid = fork();
    if (pid == 0) {
        strcpy(moved + 100, "the child's write");
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    memset(buf, 0, sizeof buf);
    pread(fd, buf, 17, 100);
    printf("after the child, read() sees: %s\n", buf);
    char *same = mremap(moved, 3 * 4096, 4096, 0);
    same = mremap(same, 4096, 3 * 4096, 0);
    printf("shorter and longer where it was: %d\n", same == moved);
    strcpy(same + 8192 + 16, "grown in place");
    memset(buf, 0, sizeof buf);
    pread(fd, buf, 14, 8192 + 16);
    printf("read() sees: %s; the first page still: %s\n", buf, same + 100);
    unlink(path);
    return 0;
}
