/* File I/O in a directory given as argv[1]: stdio and POSIX calls, and the
 * paths that name the process's own descriptors. Prints no paths, so the
 * output is the same wherever the directory is. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* file locks: flock's (per open file), fcntl's (per process: a child sees the
 * parent's and waits for it), fallocate, sync */
static void locks(void)
{
    int a = open("locked", O_RDWR | O_CREAT | O_TRUNC, 0644);
    int b = open("locked", O_RDWR);
    printf("flock ex: %d\n", flock(a, LOCK_EX));
    errno = 0;
    printf("flock ex, another open file, no wait: %d %s\n", flock(b, LOCK_EX | LOCK_NB),
           strerror(errno));
    printf("flock un: %d, then the other: %d\n", flock(a, LOCK_UN), flock(b, LOCK_EX | LOCK_NB));
    flock(b, LOCK_UN);
    printf("flock bad op: %d %s\n", flock(a, 3), strerror(errno));

    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100};
    printf("F_SETLK write lock: %d\n", fcntl(a, F_SETLK, &fl));
    int p[2];
    pipe(p);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        struct flock mine = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 5};
        errno = 0;
        int r = fcntl(b, F_SETLK, &mine);
        printf("  child F_SETLK: %d %s\n", r, r ? "held by the parent" : "?");
        struct flock probe = mine;
        fcntl(b, F_GETLK, &probe);
        printf("  child F_GETLK: %s, by the parent: %s\n",
               probe.l_type == F_WRLCK ? "write-locked" : "free",
               probe.l_pid == getppid() ? "yes" : "no");
        write(p[1], "w", 1);   /* (the parent lets go once the child waits) */
        r = fcntl(b, F_SETLKW, &mine);
        printf("  child F_SETLKW once the parent let go: %d\n", r);
        fflush(stdout);
        _exit(0);
    }
    char c;
    read(p[0], &c, 1);
    usleep(30000);
    fl.l_type = F_UNLCK;
    fcntl(a, F_SETLK, &fl);
    int status;
    waitpid(child, &status, 0);
    printf("child exit %d\n", WEXITSTATUS(status));
    fl.l_type = F_RDLCK;
    printf("F_SETLK read lock on a read-write file: %d\n", fcntl(a, F_SETLK, &fl));

    struct stat st;
    printf("fallocate: %d", fallocate(a, 0, 0, 8192));
    fstat(a, &st);
    printf(", size %ld\n", (long)st.st_size);
    sync();
    printf("syncfs: %d\n", syncfs(a));
    close(a);
    close(b);
    close(p[0]);
    close(p[1]);
    unlink("locked");
}

/* sendfile (to a file, a pipe, stdout; with an offset or from the position)
 * and copy_file_range */
static void copies(void)
{
    static char data[100000], back[100000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + i * 7 % 26);
    int src = open("src", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(src, data, sizeof data);
    int dst = open("dst", O_RDWR | O_CREAT | O_TRUNC, 0644);
    off_t off = 10;
    ssize_t n = sendfile(dst, src, &off, 50000);
    pread(dst, back, 50000, 0);
    printf("sendfile at an offset: %zd, offset now %ld, same bytes: %d, position %ld\n", n,
           (long)off, memcmp(back, data + 10, 50000) == 0, (long)lseek(src, 0, SEEK_CUR));
    lseek(src, 0, SEEK_SET);
    n = sendfile(dst, src, NULL, 1000);
    printf("sendfile from the position: %zd, position now %ld\n", n, (long)lseek(src, 0, SEEK_CUR));
    int p[2];
    pipe(p);
    off = 99990;
    n = sendfile(p[1], src, &off, 100);   /* (10 bytes left) */
    char small[32] = {0};
    read(p[0], small, sizeof small - 1);
    printf("sendfile to a pipe: %zd: %s\n", n, small);
    fflush(stdout);
    off = 0;
    n = sendfile(1, src, &off, 26);
    printf("\nsendfile to stdout: %zd\n", n);
    loff_t in = 100, out = 0;
    int cp = open("copy", O_RDWR | O_CREAT | O_TRUNC, 0644);
    n = copy_file_range(src, &in, cp, &out, 4096, 0);
    pread(cp, back, 4096, 0);
    printf("copy_file_range: %zd, offsets %ld %ld, same bytes: %d\n", n, (long)in, (long)out,
           memcmp(back, data + 100, 4096) == 0);
    errno = 0;
    printf("copy_file_range with flags: %zd %s\n", copy_file_range(src, &in, cp, &out, 1, 1),
           strerror(errno));
    printf("readahead: %zd, sync_file_range: %d\n", readahead(src, 0, 65536),
           sync_file_range(dst, 0, 0, SYNC_FILE_RANGE_WRITE));
    errno = 0;
    printf("readahead of a pipe: %zd %s\n", readahead(p[0], 0, 10), strerror(errno));
    errno = 0;
    printf("sync_file_range with a bad flag: %d %s\n", sync_file_range(dst, 0, 0, 8),
           strerror(errno));
    close(src);
    close(dst);
    close(cp);
    close(p[0]);
    close(p[1]);
    unlink("src");
    unlink("dst");
    unlink("copy");
}

/* splice (a file into a pipe at an offset, a pipe into a file, a pipe to
 * stdout), tee (a pipe's bytes copied into another, not taken), vmsplice
 * (memory into a pipe and out of it), and their errors */
static void splices(void)
{
    static char data[5000], back[5000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('A' + i * 11 % 26);
    int src = open("spl", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(src, data, sizeof data);
    int p[2], q[2];
    pipe(p);
    pipe(q);
    loff_t off = 100;
    ssize_t n = splice(src, &off, p[1], NULL, 3000, 0);
    ssize_t got = read(p[0], back, sizeof back);
    printf("splice a file into a pipe: %zd, offset now %ld, read %zd, same bytes: %d, "
           "position %ld\n", n, (long)off, got, memcmp(back, data + 100, 3000) == 0,
           (long)lseek(src, 0, SEEK_CUR));
    write(p[1], "0123456789", 10);
    int dst = open("spl2", O_RDWR | O_CREAT | O_TRUNC, 0644);
    loff_t at = 5;
    n = splice(p[0], NULL, dst, &at, 4, SPLICE_F_MOVE);
    char text[32] = {0};
    pread(dst, text, sizeof text - 1, 0);
    printf("splice a pipe into a file at 5: %zd, offset now %ld, file '%s' from 5, size %ld\n", n,
           (long)at, text + 5, (long)lseek(dst, 0, SEEK_END));
    lseek(dst, 0, SEEK_SET);
    n = splice(p[0], NULL, dst, NULL, 100, 0);
    memset(text, 0, sizeof text);
    pread(dst, text, sizeof text - 1, 0);
    printf("splice a pipe into a file at its position: %zd, position %ld, file '%s'\n", n,
           (long)lseek(dst, 0, SEEK_CUR), text);
    write(p[1], "tee me", 6);
    n = tee(p[0], q[1], 100, 0);
    char a[16] = {0}, b[16] = {0};
    read(q[0], b, sizeof b - 1);
    read(p[0], a, sizeof a - 1);
    printf("tee: %zd, the copy '%s', still in the first pipe '%s'\n", n, b, a);
    write(p[1], "through a pipe to stdout\n", 25);
    fflush(stdout);
    n = splice(p[0], NULL, 1, NULL, 100, 0);
    printf("splice a pipe to stdout: %zd\n", n);
    char one[] = "vm", two[] = "splice", c1[4] = {0}, c2[8] = {0};
    struct iovec in[2] = {{one, 2}, {two, 6}}, out[2] = {{c1, 3}, {c2, 7}};
    n = vmsplice(p[1], in, 2, 0);
    got = vmsplice(p[0], out, 2, 0);
    printf("vmsplice in: %zd, out: %zd: '%s' '%s'\n", n, got, c1, c2);
    loff_t zero = 0;
    errno = 0;
    printf("splice a file into a file: %zd %s\n", splice(src, NULL, dst, NULL, 10, 0),
           strerror(errno));
    errno = 0;
    printf("splice at an offset of a pipe: %zd %s\n", splice(p[0], &zero, dst, NULL, 10, 0),
           strerror(errno));
    errno = 0;
    printf("splice from an empty pipe, no wait: %zd %s\n",
           splice(p[0], NULL, dst, NULL, 10, SPLICE_F_NONBLOCK), strerror(errno));
    errno = 0;
    printf("splice with an unknown flag: %zd %s\n", splice(p[0], NULL, dst, NULL, 10, 0x100),
           strerror(errno));
    errno = 0;
    printf("tee from a file: %zd %s\n", tee(src, q[1], 10, 0), strerror(errno));
    errno = 0;
    printf("tee from an empty pipe, no wait: %zd %s\n", tee(p[0], q[1], 10, SPLICE_F_NONBLOCK),
           strerror(errno));
    errno = 0;
    printf("vmsplice into a file: %zd %s\n", vmsplice(src, in, 2, 0), strerror(errno));
    close(p[1]);
    printf("splice from a pipe with no writer: %zd\n", splice(p[0], NULL, dst, NULL, 10, 0));
    close(src);
    close(dst);
    close(p[0]);
    close(q[0]);
    close(q[1]);
    unlink("spl");
    unlink("spl2");
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* whether the directory at path lists descriptor fd */
static int lists(const char *path, int fd)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int found = 0;
    for (struct dirent *e; (e = readdir(d));)
        found |= strcmp(e->d_name, "..") && atoi(e->d_name) == fd && e->d_name[0] != '.';
    closedir(d);
    return found;
}

/* /dev/stdin, /dev/fd/N, /proc/self/fd/N are the process's descriptors (a pipe
 * made stdin by dup2 here), and /proc/self/fd lists them */
static void fd_paths(void)
{
    int p[2], saved = dup(0);
    pipe(p);
    write(p[1], "hello", 5);
    close(p[1]);
    dup2(p[0], 0);
    close(p[0]);
    char buf[16], link[64];
    int fd = open("/dev/stdin", O_RDONLY);
    printf("/dev/stdin reads %zd\n", read(fd, buf, sizeof buf));
    close(fd);
    fd = open("/proc/self/fd/0", O_RDONLY);
    printf("/proc/self/fd/0 then reads %zd (the pipe's end)\n", read(fd, buf, sizeof buf));
    close(fd);
    ssize_t n = readlink("/dev/stdin", link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    printf("/dev/stdin links to %s\n", link);
    n = readlink("/dev/fd/0", link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    printf("/dev/fd/0 is a pipe: %d\n", !strncmp(link, "pipe:[", 6));
    struct stat a, b;
    fstat(0, &a);
    stat("/proc/self/fd/0", &b);
    printf("stat of /proc/self/fd/0 is fstat(0)'s: %d\n", a.st_ino == b.st_ino && S_ISFIFO(b.st_mode));
    dup2(saved, 57);
    close(58);
    printf("/proc/self/fd lists 57: %d, 58: %d; /dev/fd lists 57: %d\n", lists("/proc/self/fd", 57),
           lists("/proc/self/fd", 58), lists("/dev/fd", 57));
    errno = 0;
    printf("open /proc/self/fd/58: %d %s\n", open("/proc/self/fd/58", O_RDONLY), strerrorname_np(errno));
    dup2(saved, 0);
    close(saved);
    close(57);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fileio DIR\n");
        return 2;
    }
    if (chdir(argv[1]) != 0) {
        perror("chdir");
        return 1;
    }
    if (mkdir("sub", 0755) != 0) {
        perror("mkdir");
        return 1;
    }
    FILE *f = fopen("sub/data.txt", "w");
    if (!f) {
        perror("fopen");
        return 1;
    }
    for (int i = 0; i < 100; i++)
        fprintf(f, "line %d: %d\n", i, i * i);
    fclose(f);

    struct stat st;
    stat("sub/data.txt", &st);
    printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));

    f = fopen("sub/data.txt", "r");
    char line[128];
    int lines = 0;
    long total = 0;
    while (fgets(line, sizeof line, f)) {
        lines++;
        total += strlen(line);
        if (lines == 42)
            printf("line 42 is: %s", line);
    }
    fclose(f);
    printf("read %d lines, %ld bytes\n", lines, total);

    int fd = open("sub/data.txt", O_RDWR);
    char buf[16] = {0};
    lseek(fd, 8, SEEK_SET);
    read(fd, buf, 5);
    printf("at 8: [%s]\n", buf);
    pwrite(fd, "LINE", 4, 0);
    memset(buf, 0, sizeof buf);
    pread(fd, buf, 10, 0);
    printf("after pwrite: [%s]\n", buf);
    off_t end = lseek(fd, 0, SEEK_END);
    printf("end at %lld\n", (long long)end);
    close(fd);

    if (rename("sub/data.txt", "sub/renamed.txt") != 0)
        perror("rename");
    printf("old exists %d, new exists %d\n", access("sub/data.txt", F_OK) == 0,
           access("sub/renamed.txt", F_OK) == 0);
    errno = 0;
    if (open("sub/missing", O_RDONLY) < 0)
        printf("open missing: %s\n", strerror(errno));

    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "sub/f%d", i);
        close(open(name, O_CREAT | O_WRONLY, 0644));
    }
    DIR *d = opendir("sub");
    char *names[16];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 16)
        names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("dir:");
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");

    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) && chdir("sub") == 0) {
        char sub[4096];
        getcwd(sub, sizeof sub);
        printf("cwd/sub ok: %d\n", strncmp(cwd, sub, strlen(cwd)) == 0 &&
                                     strcmp(sub + strlen(cwd), "/sub") == 0);
        chdir("..");
    }
    for (int i = 0; i < n; i++) {
        if (names[i][0] != '.') {
            char path[64];
            snprintf(path, sizeof path, "sub/%s", names[i]);
            unlink(path);
        }
        free(names[i]);
    }
    printf("rmdir %d\n", rmdir("sub"));
    locks();
    copies();
    splices();
    fd_paths();

    /* a file mapped shared takes the mapping's writes (msync, munmap, the end);
     * a private mapping's stay in memory; a mapping does not make the file longer */
    fd = open("mapped", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char block[5000];
    memset(block, '.', sizeof block);
    write(fd, block, sizeof block);
    char *shared = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    shared[10] = 'S';
    private[20] = 'P';
    msync(shared, 8192, MS_SYNC);
    char got[32] = {0};
    pread(fd, got, 24, 0);
    printf("after msync: %.24s\n", got);
    shared[4999] = 'E';
    shared[6000] = 'X';   /* past the end of the file, in its last page */
    munmap(shared, 8192);
    munmap(private, 4096);
    fstat(fd, &st);
    pread(fd, got, 2, 4998);
    printf("after munmap: %.2s, size %ld\n", got, (long)st.st_size);
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
    shared[100] = 'L';   /* left mapped: written back as the process ends (checked by the test) */
    close(fd);
    return 0;
}
