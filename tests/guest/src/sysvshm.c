/* System V shared memory: shmget (IPC_PRIVATE, a key from ftok, its errors),
 * shmat (where the kernel chooses, at an address, SHM_RND, SHM_RDONLY, whose
 * stores kill a fork's child with SIGSEGV, SHM_REMAP, SHM_EXEC), two
 * attachments of one segment seeing each other's writes, a fork's child
 * sharing one both ways, shmctl (IPC_STAT's size and attach count, IPC_SET of
 * the mode, IPC_RMID while attached, IPC_INFO, SHM_INFO, SHM_STAT,
 * SHM_STAT_ANY, SHM_LOCK), munmap, mprotect and madvise of an attachment,
 * shmdt and its errors, and /proc/self/maps. Prints no address and no id.
 * usage: sysvshm DIR (a directory for ftok's key); sysvshm exec ID: attaches
 * segment ID, then execve's itself (sysvshm execd ID), which prints its attach
 * count; sysvshm stay ID: attaches it and ends so */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define FAILED ((void *)-1)

/* what a fork's child that stores c at p (call: calls code at p) comes to:
 * "went through", "SIGSEGV" */
static const char *in_a_child(volatile char *p, char c, int call)
{
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (call)
            ((void (*)(void))p)();
        else
            *p = c;
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV ? "SIGSEGV"
           : WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "went through" : "something else";
}

static long nattch(int id)
{
    struct shmid_ds st;
    return shmctl(id, IPC_STAT, &st) ? -errno : (long)st.shm_nattch;
}

static const char *err(long r)
{
    return r == -1 ? strerror(errno) : "no error";
}

static const char *at_err(void *p)
{
    return p == FAILED ? strerror(errno) : "attached";
}

/* the permissions and kind of /proc/self/maps' line for [p, p + size) */
static void show_maps(const char *what, void *p, size_t size)
{
    char want[64], line[512];
    snprintf(want, sizeof want, "%lx-%lx ", (unsigned long)p, (unsigned long)p + size);
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, want, strlen(want))) {
            printf("%s in /proc/self/maps: %.4s, SYSV %d\n", what, line + strlen(want),
                   strstr(line, "/SYSV") != NULL);
            fclose(f);
            return;
        }
    printf("%s in /proc/self/maps: not found\n", what);
    if (f)
        fclose(f);
}

static void basics(void)
{
    int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    printf("shmget IPC_PRIVATE: %s\n", id >= 0 ? "an id" : strerror(errno));
    struct shmid_ds st;
    shmctl(id, IPC_STAT, &st);
    printf("IPC_STAT: size %zu, nattch %lu, mode %o, creator us %d, attached never %d\n",
           (size_t)st.shm_segsz, (unsigned long)st.shm_nattch, st.shm_perm.mode & 0777,
           st.shm_cpid == getpid(), st.shm_atime == 0);

    char *a = shmat(id, NULL, 0);
    printf("shmat at 0: %s, page-aligned %d\n", at_err(a), ((uintptr_t)a & (PAGE - 1)) == 0);
    shmctl(id, IPC_STAT, &st);
    printf("after it: nattch %lu, last pid us %d, attached now %d\n",
           (unsigned long)st.shm_nattch, st.shm_lpid == getpid(), st.shm_atime != 0);
    int zeros = 1;
    for (int i = 0; i < 3 * PAGE; i++)   /* (the segment's size rounded up to pages) */
        zeros &= a[i] == 0;
    printf("zero-filled to the end of its last page: %d\n", zeros);
    show_maps("the attachment", a, 3 * PAGE);
    strcpy(a, "first attachment");

    char *b = shmat(id, NULL, 0);
    printf("second attachment: elsewhere %d, sees '%s', nattch %ld\n", b != a, b, nattch(id));
    strcpy(b + 100, "written through the second");
    printf("the first sees '%s'\n", a + 100);
    const char *e = err(shmdt(b));
    printf("shmdt of the second: %s, nattch %ld\n", e, nattch(id));
    errno = 0;
    printf("shmdt of it again: %s\n", err(shmdt(b)));

    /* at an address: where the first was */
    shmdt(a);
    shmctl(id, IPC_STAT, &st);
    printf("shmdt of the first: nattch %lu, detached %d\n", (unsigned long)st.shm_nattch,
           st.shm_dtime != 0);
    char *p = shmat(id, a, 0);
    printf("shmat at an address: %s, there %d, kept '%s'\n", at_err(p), p == a, p);
    printf("shmat over it: %s\n", at_err(shmat(id, a, 0)));
    printf("shmat at an unaligned address: %s\n", at_err(shmat(id, a + 123, 0)));
    shmdt(a);
    p = shmat(id, a + 123, SHM_RND);
    printf("shmat with SHM_RND: %s, rounded down %d\n", at_err(p), p == a);
    shmdt(p);

    /* SHM_REMAP over a private mapping */
    char *q = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(q, "private");
    printf("shmat over a mapping: %s\n", at_err(shmat(id, q, 0)));
    p = shmat(id, q, SHM_REMAP);
    printf("shmat over it with SHM_REMAP: %s, there %d, sees '%s', nattch %ld\n", at_err(p),
           p == q, p, nattch(id));
    strcpy(q + 3 * PAGE, "kept");
    printf("the mapping's page after it: '%s'\n", q + 3 * PAGE);
    printf("SHM_REMAP without an address: %s\n", at_err(shmat(id, NULL, SHM_REMAP)));
    shmdt(p);
    printf("after shmdt, the pages it held: %s\n",
           mprotect(q, 3 * PAGE, PROT_READ) ? strerror(errno) : "mapped");
    munmap(q, 4 * PAGE);

    /* SHM_RDONLY: a write faults, and no call makes it writable */
    char *r = shmat(id, NULL, SHM_RDONLY);
    printf("SHM_RDONLY: %s, sees '%s'\n", at_err(r), r);
    printf("a store to it: %s\n", in_a_child(r, 'x', 0));
    printf("mprotect of it writable: %s\n", err(mprotect(r, PAGE, PROT_READ | PROT_WRITE)));
    int zero = open("/dev/zero", O_RDONLY);
    errno = 0;
    printf("read into it: %s\n", err(read(zero, r, 16)));
    close(zero);
    show_maps("SHM_RDONLY's", r, 3 * PAGE);
    printf("it still reads '%s'\n", r);
    shmdt(r);

    /* munmap and mprotect of parts */
    p = shmat(id, NULL, 0);
    char *other = shmat(id, NULL, 0);
    munmap(p + PAGE, PAGE);
    printf("munmap of an attachment's middle: nattch %ld\n", nattch(id));
    strcpy(p + 2 * PAGE, "after the hole");
    printf("what is left is shared: '%s'\n", other + 2 * PAGE);
    e = err(shmdt(p));
    printf("shmdt of what is left: %s, nattch %ld\n", e, nattch(id));
    p = shmat(id, NULL, 0);
    munmap(p, PAGE);
    e = err(shmdt(p));
    printf("shmdt of one whose first page went: %s, nattch %ld\n", e, nattch(id));
    p = shmat(id, NULL, 0);
    munmap(p, 3 * PAGE);
    long count = nattch(id);
    printf("munmap of a whole attachment: nattch %ld, shmdt then: %s\n", count, err(shmdt(p)));
    p = shmat(id, NULL, 0);
    mprotect(p, 3 * PAGE, PROT_READ);
    printf("mprotect of a whole attachment read-only: a store %s\n", in_a_child(p + PAGE, 'x', 0));
    mprotect(p, 3 * PAGE, PROT_READ | PROT_WRITE);
    e = in_a_child(p + PAGE, 'y', 0);
    printf("and back: a store %s, seen %d\n", e, other[PAGE] == 'y');
    madvise(p, 3 * PAGE, MADV_DONTNEED);   /* (only this process's page tables go) */
    other[PAGE + 1] = 'z';
    printf("madvise MADV_DONTNEED of it: kept %d, shared %d, nattch %ld\n", p[PAGE] == 'y',
           p[PAGE + 1] == 'z', nattch(id));
    shmdt(p);
    shmdt(other);

    /* a fork's child shares it both ways, and ends attached */
    a = shmat(id, NULL, 0);
    int to_parent[2], to_child[2];
    pipe(to_parent);
    pipe(to_child);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char c;
        strcpy(a + 200, "from the child");
        write(to_parent[1], "1", 1);
        read(to_child[0], &c, 1);
        c = strcmp(a + 300, "from the parent") ? 'n' : 'y';
        write(to_parent[1], &c, 1);
        read(to_child[0], &c, 1);   /* (the parent looks at the count first) */
        _exit(0);
    }
    char c;
    read(to_parent[0], &c, 1);
    printf("the parent sees '%s', nattch %ld\n", a + 200, nattch(id));
    strcpy(a + 300, "from the parent");
    write(to_child[1], "1", 1);
    read(to_parent[0], &c, 1);
    printf("the child saw the parent's: %c\n", c);
    write(to_child[1], "1", 1);
    waitpid(child, NULL, 0);
    printf("the child ended: nattch %ld\n", nattch(id));

    /* IPC_SET, IPC_RMID while attached */
    shmctl(id, IPC_STAT, &st);
    st.shm_perm.mode = 0640;
    printf("IPC_SET of the mode: %s", err(shmctl(id, IPC_SET, &st)));
    shmctl(id, IPC_STAT, &st);
    printf(", now %o\n", st.shm_perm.mode & 0777);
    printf("IPC_RMID while attached: %s", err(shmctl(id, IPC_RMID, NULL)));
    shmctl(id, IPC_STAT, &st);
    printf(", to go %d, key private %d\n", (st.shm_perm.mode & SHM_DEST) != 0,
           st.shm_perm.__key == IPC_PRIVATE);
    strcpy(a + 400, "still usable");
    b = shmat(id, NULL, 0);
    printf("attached again: %s, sees '%s', nattch %ld\n", at_err(b), b + 400, nattch(id));
    shmdt(b);
    shmdt(a);
    printf("detached: IPC_STAT %s\n", err(shmctl(id, IPC_STAT, &st)));
    printf("shmat of it: %s\n", at_err(shmat(id, NULL, 0)));
}

static void keys(const char *dir)
{
    key_t key = ftok(dir, 'S');
    int id = shmget(key, PAGE, IPC_CREAT | IPC_EXCL | 0600);
    printf("shmget of a key: %s\n", id >= 0 ? "an id" : strerror(errno));
    printf("again with IPC_EXCL: %s\n", err(shmget(key, PAGE, IPC_CREAT | IPC_EXCL | 0600)));
    printf("again without: same id %d\n", shmget(key, PAGE, 0) == id);
    printf("smaller: same id %d\n", shmget(key, 100, 0) == id);
    printf("larger: %s\n", err(shmget(key, 2 * PAGE, 0)));
    struct shmid_ds st;
    shmctl(id, IPC_STAT, &st);
    printf("its key in IPC_STAT: %d\n", st.shm_perm.__key == key);
    char *p = shmat(id, NULL, 0);
    show_maps("a keyed one", p, PAGE);
    shmdt(p);
    shmctl(id, IPC_RMID, NULL);
    printf("removed, then shmget: %s\n", err(shmget(key, PAGE, 0)));
    printf("size 0: %s\n", err(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600)));
    printf("shmat of id -1: %s\n", at_err(shmat(-1, NULL, 0)));
    printf("shmctl of id -1: %s\n", err(shmctl(-1, IPC_STAT, &st)));
    printf("shmdt of an unaligned address: %s\n", err(shmdt((char *)&st + 1)));
    void *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("shmdt of a mapping that is none: %s\n", err(shmdt(page)));
    munmap(page, PAGE);
}

static void control(void)
{
    int id = shmget(IPC_PRIVATE, PAGE, IPC_CREAT | 0700);
    struct shmid_ds st;
    printf("shmctl with a bad command: %s\n", err(shmctl(id, 9999, &st)));
    struct shminfo info;
    int last = shmctl(0, IPC_INFO, (struct shmid_ds *)&info);
    printf("IPC_INFO: an index %d, shmmin %lu, shmmni %d, shmmax %d\n", last >= 0,
           (unsigned long)info.shmmin, info.shmmni > 0, info.shmmax >= PAGE);
    struct shm_info usage;
    printf("SHM_INFO: an index %d, segments %d\n",
           shmctl(0, SHM_INFO, (struct shmid_ds *)&usage) >= 0, usage.used_ids >= 1);
    int found = 0, found_any = 0;
    for (int i = 0; i <= last; i++) {
        if (shmctl(i, SHM_STAT, &st) == id)
            found = st.shm_segsz == PAGE;
        if (shmctl(i, SHM_STAT_ANY, &st) == id)
            found_any = st.shm_segsz == PAGE;
    }
    printf("SHM_STAT finds it %d, SHM_STAT_ANY %d\n", found, found_any);
    int as_linux;
    if (shmctl(id, SHM_LOCK, NULL) == 0) {
        shmctl(id, IPC_STAT, &st);
        as_linux = (st.shm_perm.mode & SHM_LOCKED) != 0 && shmctl(id, SHM_UNLOCK, NULL) == 0;
        shmctl(id, IPC_STAT, &st);
        as_linux &= !(st.shm_perm.mode & SHM_LOCKED);
    } else {
        as_linux = errno == EPERM || errno == ENOMEM;   /* (unprivileged, over RLIMIT_MEMLOCK) */
    }
    printf("SHM_LOCK and SHM_UNLOCK: %d\n", as_linux);

    /* SHM_EXEC: code in it runs (it returns 42), and only with it */
#ifdef __riscv
    uint32_t code[] = {0x02a00513, 0x00008067};   /* li a0, 42; ret */
#else /* (the reference: the native build) */
    uint8_t code[] = {0xb8, 42, 0, 0, 0, 0xc3};    /* mov eax, 42; ret */
#endif
    char *w = shmat(id, NULL, 0);
    memcpy(w, code, sizeof code);
    char *x = shmat(id, NULL, SHM_EXEC | SHM_RDONLY);
    __builtin___clear_cache(x, x + sizeof code);
    printf("SHM_EXEC: %s, its code runs %d\n", at_err(x), ((int (*)(void))x)() == 42);
    printf("without it: the call %s\n", in_a_child(w, 0, 1));
    shmdt(x);
    shmdt(w);

    /* permissions (root may do anything: CAP_IPC_OWNER) */
    shmctl(id, IPC_STAT, &st);
    st.shm_perm.mode = 0400;
    shmctl(id, IPC_SET, &st);
    char *ro = shmat(id, NULL, SHM_RDONLY);
    printf("mode 0400, SHM_RDONLY: %s\n", at_err(ro));
    shmdt(ro);
    char *rw = shmat(id, NULL, 0);
    int refused = rw == FAILED && errno == EACCES;
    printf("mode 0400 for writing: refused unless privileged %d\n",
           geteuid() == 0 ? rw != FAILED : refused);
    if (rw != FAILED)
        shmdt(rw);
    shmctl(id, IPC_RMID, NULL);
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "execd")) {   /* exec, stay */
        int id = atoi(argv[2]);
        char *p = shmat(id, NULL, 0);
        printf("attached: %s, nattch %ld\n", at_err(p), nattch(id));
        if (!strcmp(argv[1], "stay"))
            return 0;
        fflush(stdout);
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        self[n > 0 ? n : 0] = 0;
        char *args[] = {argv[0], "execd", argv[2], NULL};
        execv(self, args);
        printf("execv: %s\n", strerror(errno));
        return 1;
    }
    if (argc > 2) {
        printf("after execve: nattch %ld\n", nattch(atoi(argv[2])));
        return 0;
    }
    basics();
    keys(argc > 1 ? argv[1] : ".");
    control();
    return 0;
}
