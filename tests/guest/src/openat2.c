/* openat2 in a directory given as argv[1]: struct open_how's sizes, flags and
 * modes checked as Linux checks them, and the RESOLVE_* rules (beneath a
 * directory, in it as a root, no symbolic links, cached lookups). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* what a call returned (an fd: its file's first bytes), and errno */
static void show(const char *what, long r)
{
    int e = errno;
    if (r < 0) {
        printf("%s: %s\n", what, strerror(e));
        return;
    }
    char buf[16] = {0};
    pread((int)r, buf, sizeof buf - 1, 0);
    printf("%s: opened, '%s'\n", what, buf);
    close((int)r);
}

static long open2(int dirfd, const char *path, unsigned long long flags,
                  unsigned long long mode, unsigned long long resolve, size_t size)
{
    char how[64] = {0};
    struct open_how h = {flags, mode, resolve};
    memcpy(how, &h, sizeof h);
    if (size > sizeof h)
        how[size - 1] = 0;
    errno = 0;
    return syscall(SYS_openat2, dirfd, path, how, size);
}

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]) != 0)
        return 2;
    mkdir("dir", 0755);
    mkdir("dir/sub", 0755);
    FILE *f = fopen("dir/sub/file", "w");
    fputs("in sub", f);
    fclose(f);
    f = fopen("dir/top", "w");
    fputs("at the top", f);
    fclose(f);
    f = fopen("outside", "w");
    fputs("outside", f);
    fclose(f);
    symlink("sub/file", "dir/link");
    int dir = open("dir", O_RDONLY | O_DIRECTORY);

    show("relative to the working directory", open2(AT_FDCWD, "dir/top", O_RDONLY, 0, 0, 24));
    show("relative to a directory", open2(dir, "sub/file", O_RDONLY, 0, 0, 24));
    show("a larger struct, zeros after", open2(dir, "top", O_RDONLY, 0, 0, 32));
    char how[32] = {0};
    how[31] = 1;
    errno = 0;
    show("a larger struct, not zeros after", syscall(SYS_openat2, dir, "top", how, 32));
    show("a smaller struct", open2(dir, "top", O_RDONLY, 0, 0, 16));
    show("an unknown flag", open2(dir, "top", O_RDONLY | (1ull << 40), 0, 0, 24));
    show("a mode without O_CREAT", open2(dir, "top", O_RDONLY, 0644, 0, 24));
    show("a mode past 07777", open2(dir, "new", O_RDWR | O_CREAT, 010000, 0, 24));
    show("an unknown resolve flag", open2(dir, "top", O_RDONLY, 0, 0x100, 24));
    show("beneath and in root", open2(dir, "top", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT,
                                      24));
    show("beneath: inside", open2(dir, "sub/file", O_RDONLY, 0, RESOLVE_BENEATH, 24));
    show("beneath: ..", open2(dir, "../outside", O_RDONLY, 0, RESOLVE_BENEATH, 24));
    show("beneath: an absolute path", open2(dir, "/etc/hostname", O_RDONLY, 0,
                                            RESOLVE_BENEATH, 24));
    show("in root: an absolute path", open2(dir, "/top", O_RDONLY, 0, RESOLVE_IN_ROOT, 24));
    show("in root: .. stays in", open2(dir, "../../top", O_RDONLY, 0, RESOLVE_IN_ROOT, 24));
    show("a symbolic link", open2(dir, "link", O_RDONLY, 0, 0, 24));
    show("no symbolic links", open2(dir, "link", O_RDONLY, 0, RESOLVE_NO_SYMLINKS, 24));
    show("cached, creating", open2(dir, "new", O_RDWR | O_CREAT, 0600, RESOLVE_CACHED, 24));
    umask(022);
    long fd = open2(dir, "made", O_RDWR | O_CREAT | O_EXCL, 0666, RESOLVE_BENEATH, 24);
    write((int)fd, "made here", 9);
    struct stat st;
    fstat((int)fd, &st);
    printf("created beneath: mode %o\n", st.st_mode & 0777);
    show("created, read back", fd);
    show("created again, O_EXCL", open2(dir, "made", O_RDWR | O_CREAT | O_EXCL, 0666, 0, 24));
    show("not a directory", open2(open("outside", O_RDONLY), "x", O_RDONLY, 0, 0, 24));
    unlink("dir/made");
    unlink("dir/link");
    unlink("dir/top");
    unlink("dir/sub/file");
    unlink("outside");
    rmdir("dir/sub");
    rmdir("dir");
    return 0;
}
