/* Flat guest memory: the arena, page permissions and the one slow path. */
#define _GNU_SOURCE /* memfd_create */
#include "vm_mem.h"
#include "vm_jobs.h"
#include <errno.h>
#include <fcntl.h>
#include <fenv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif
#include <unistd.h>

/* the view's protection of a page with these flags: what plain host accesses may do */
static int view_prot(uint8_t f)
{
    if ((f & (VM_PAGE_MAPPED | VM_PERM_R | VM_PAGE_CALLBACK)) != (VM_PAGE_MAPPED | VM_PERM_R))
        return PROT_NONE;
    return f & VM_PAGE_STORE ? PROT_READ | PROT_WRITE : PROT_READ;
}

/* The view gives up when the host cannot follow the flags (mprotect fails: too
 * many mappings): one PROT_NONE reservation from then on (code running on it
 * faults into its slow paths), and runs entered later use `base` and check
 * permissions themselves (vm_mem_jit_view). */
static void view_drop(vm_mem *m)
{
    mmap(m->view, m->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
         -1, 0);
    m->view_ok = 0;
    m->view_changed = 1;
}

/* Walks over the whole address space (a 64 GiB one has 16 million pages: a fork's
 * two walks over them, a page at a time, took 20 ms) go a chunk of perm at a time
 * past the chunks no page was ever given flags in (perm_used), and eight pages at
 * a time past the rest of the run. */
static int chunk_used(const vm_mem *m, uint64_t pg)
{
    uint64_t c = pg / VM_PERM_CHUNK;
    return (int)(m->perm_used[c >> 6] >> (c & 63) & 1);
}

/* perm[pg], read only where a page may have flags (else the read faults in a
 * page of zeros) */
static uint8_t flags_at(const vm_mem *m, uint64_t pg)
{
    return chunk_used(m, pg) ? m->perm[pg] : 0;
}

static void mark_used(vm_mem *m, uint64_t pg, uint64_t n)
{
    for (uint64_t c = pg / VM_PERM_CHUNK; n && c <= (pg + n - 1) / VM_PERM_CHUNK; c++)
        m->perm_used[c >> 6] |= 1ull << (c & 63);
}

/* the first page in [pg, end) whose flags differ from v in the bits of mask (end
 * if none): the pages of a chunk never used have flags 0 */
static uint64_t first_unlike(const vm_mem *m, uint64_t pg, uint64_t end, uint8_t v, uint8_t mask)
{
    const uint8_t *perm = m->perm;
    const uint64_t v8 = 0x0101010101010101ull * v, mask8 = 0x0101010101010101ull * mask;
    while (pg < end) {
        uint64_t chunk_end = (pg / VM_PERM_CHUNK + 1) * VM_PERM_CHUNK;
        if (chunk_end > end)
            chunk_end = end;
        if (!chunk_used(m, pg)) {
            if (v & mask)
                return pg;
            pg = chunk_end;
            continue;
        }
        for (; pg < chunk_end && (pg & 7); pg++)
            if ((perm[pg] ^ v) & mask)
                return pg;
        for (uint64_t w; pg + 8 <= chunk_end; pg += 8) {
            memcpy(&w, perm + pg, 8);
            if ((w ^ v8) & mask8)
                break;
        }
        for (; pg < chunk_end; pg++)
            if ((perm[pg] ^ v) & mask)
                return pg;
    }
    return end;
}

/* the end (at most `end`) of the run of pages from pg whose flags are pg's */
static uint64_t same_flags(const vm_mem *m, uint64_t pg, uint64_t end)
{
    return first_unlike(m, pg + 1, end, flags_at(m, pg), 0xFF);
}

/* the view's protections of pages [pg, pg + n), from their flags */
static void view_sync(vm_mem *m, uint64_t pg, uint64_t n)
{
    uint64_t end = pg + n;
    while (m->view_ok && pg < end) {
        int prot = view_prot(flags_at(m, pg));
        uint64_t run = pg;
        do
            run = same_flags(m, run, end);
        while (run < end && view_prot(flags_at(m, run)) == prot);
        if (mprotect(m->view + (pg << VM_PAGE_BITS), (run - pg) << VM_PAGE_BITS, prot))
            view_drop(m);
        pg = run;
    }
}

void vm_mem_set_page(vm_mem *m, uint64_t pg, unsigned flags)
{
    uint8_t old = m->perm[pg];
    m->perm[pg] = vm_page_flags(flags);
    mark_used(m, pg, 1);
    if (view_prot(old) != view_prot(m->perm[pg]))
        view_sync(m, pg, 1);
}

/* base and view over one memfd (0), or -errno (the caller falls back to plain
 * memory). Only where the JIT runs: x86-64 Linux. */
static int map_views(vm_mem *m, uint64_t size)
{
#if !defined(__linux__) || !defined(__x86_64__)
    (void)m;
    (void)size;
    return -ENOSYS;
#else
    int fd = memfd_create("vm_engine guest memory", MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    int e = 0;
    uint8_t *base = MAP_FAILED, *view = MAP_FAILED;
    if (ftruncate(fd, (off_t)size)) {
        e = -errno;
        goto fail;
    }
    base = mmap(NULL, size, PROT_NONE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    /* (reserved with its guards, then the memfd between them) */
    view = mmap(NULL, size + 2 * VM_VIEW_GUARD, PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (view != MAP_FAILED)
        view += VM_VIEW_GUARD;
    if (base == MAP_FAILED || view == MAP_FAILED
        || mmap(view, size, PROT_NONE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED, fd, 0) == MAP_FAILED) {
        e = -errno;
        goto fail;
    }
    m->base = base;
    m->view = view;
    m->view_ok = 1;
    m->memfd = fd; /* (kept for vm_mem_fork_child) */
    return 0;
fail:
    if (base != MAP_FAILED)
        munmap(base, size);
    if (view != MAP_FAILED)
        munmap(view - VM_VIEW_GUARD, size + 2 * VM_VIEW_GUARD);
    close(fd);
    return e ? e : -ENOMEM;
#endif
}

int vm_mem_init(vm_mem *m, uint64_t size)
{
    memset(m, 0, sizeof *m);
    if (size == 0 || (size & VM_PAGE_MASK))
        return -EINVAL;
    /* Reserve the whole guest space; host pages exist only once touched, and
     * unmapped guest pages are PROT_NONE on the host too (defence in depth).
     * Without a memfd (or the address space for two views), plain memory and
     * no view. */
    if (map_views(m, size)) {
        void *base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                          -1, 0);
        if (base == MAP_FAILED)
            return -errno;
        m->base = base;
    }
    m->size = size;
    m->npages = size >> VM_PAGE_BITS;
    m->perm = mmap(NULL, m->npages, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m->perm == MAP_FAILED) {
        int e = errno;
        m->perm = NULL;
        vm_mem_destroy(m);
        return -e;
    }
    m->perm_used = calloc((m->npages / VM_PERM_CHUNK + 64) / 64, sizeof *m->perm_used);
    if (!m->perm_used) {
        vm_mem_destroy(m);
        return -ENOMEM;
    }
    m->cache = vm_cache_new();
    if (!m->cache) {
        vm_mem_destroy(m);
        return -ENOMEM;
    }
    return 0;
}

void vm_mem_destroy(vm_mem *m)
{
    for (int i = 0; i < m->n_shares; i++)
        if (m->shares[i].fd >= 0)
            close(m->shares[i].fd);
    free(m->shares);
    m->shares = NULL;
    m->n_shares = m->max_shares = m->n_attached = 0;
    if (m->cache)
        vm_cache_free(m->cache);
    if (m->base)
        munmap(m->base, m->size);
    if (m->view) {
        munmap(m->view - VM_VIEW_GUARD, m->size + 2 * VM_VIEW_GUARD);
        close(m->memfd);
    }
    if (m->perm)
        munmap(m->perm, m->npages);
    free(m->perm_used);
    m->perm_used = NULL;
    m->cache = NULL;
    m->base = m->view = m->perm = NULL;
    m->npages = m->size = 0;
}

/* copies the data (not the holes) of memfd `from` into `to`, of `size` bytes */
static int copy_data(int from, int to, uint64_t size)
{
    static char buf[1 << 16];
    off_t at = 0;
    while ((uint64_t)at < size) {
        off_t data = lseek(from, at, SEEK_DATA);
        if (data < 0)
            return errno == ENXIO ? 0 : -errno; /* (no data after at) */
        off_t hole = lseek(from, data, SEEK_HOLE);
        if (hole < 0)
            return -errno;
        for (off_t o = data; o < hole;) {
#ifdef __linux__
            /* (in the kernel: one copy, not two through buf) */
            off_t in = o, out = o;
            ssize_t c = copy_file_range(from, &in, to, &out, (size_t)(hole - o), 0);
            if (c > 0) {
                o += c;
                continue;
            }
#endif
            size_t n = hole - o < (off_t)sizeof buf ? (size_t)(hole - o) : sizeof buf;
            ssize_t r = pread(from, buf, n, o);
            if (r <= 0 || pwrite(to, buf, (size_t)r, o) != r)
                return r < 0 ? -errno : -EIO;
            o += r;
        }
        at = hole;
    }
    return 0;
}

#if defined(__linux__) && defined(__x86_64__)
/* The System V attachments moved from base to host places of their own (aside[i]
 * for share i), or back from there (back: those aside[i] not NULL), with what
 * they hold and the host's count of them: 0 or the first -errno (moving aside,
 * those moved are back then) */
static int move_attachments(vm_mem *m, uint8_t **aside, int back)
{
    int e = 0;
    for (int i = 0; i < m->n_shares && !(e && !back); i++) {
        vm_share *s = &m->shares[i];
        if (back) {
            if (aside[i] && mremap(aside[i], s->size, s->size, MREMAP_MAYMOVE | MREMAP_FIXED,
                                   m->base + s->addr) == MAP_FAILED && !e)
                e = -errno;
            continue;
        }
        if (s->shmid < 0)
            continue;
        /* (a place reserved first: with the same size and no MREMAP_FIXED, mremap
         * leaves a mapping where it is) */
        void *place = mmap(NULL, s->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                           -1, 0);
        if (place == MAP_FAILED || mremap(m->base + s->addr, s->size, s->size,
                                          MREMAP_MAYMOVE | MREMAP_FIXED, place) == MAP_FAILED) {
            e = -errno;
            if (place != MAP_FAILED)
                munmap(place, s->size);
        } else {
            aside[i] = place;
        }
    }
    if (e && !back)
        move_attachments(m, aside, 1);
    return e;
}
#endif

int vm_mem_fork_child(vm_mem *m, int shared)
{
    if (m->cache)
        vm_cache_forked(m->cache);
#if !defined(__linux__) || !defined(__x86_64__)
    return 0;
#else
    if (!m->view)
        return 0; /* (plain private memory: fork copies it) */
    if (shared)
        return 0; /* (a vfork's child: the memory is its parent's, as it is under Linux) */
    /* the System V attachments the child inherited are its own already: kept
     * out of the way of the copy, then put back */
    uint8_t **aside = calloc(m->n_shares ? m->n_shares : 1, sizeof *aside);
    if (!aside)
        return -ENOMEM;
    int e = move_attachments(m, aside, 0);
    if (e) {
        free(aside);
        return e;
    }
    int fd = memfd_create("vm_engine guest memory", MFD_CLOEXEC);
    e = fd < 0 ? -errno : ftruncate(fd, (off_t)m->size) ? -errno
                                                       : copy_data(m->memfd, fd, m->size);
    if (!e && (mmap(m->base, m->size, PROT_NONE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED, fd, 0)
               == MAP_FAILED))
        e = -errno;
    if (e) {
        if (fd >= 0)
            close(fd);
        goto back;
    }
    if (m->view_ok
        && mmap(m->view, m->size, PROT_NONE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED, fd, 0)
               == MAP_FAILED)
        view_drop(m);
    close(m->memfd);
    m->memfd = fd;
    /* the shared ranges stay the parent's too: their files mapped again over the copy */
    for (int i = 0; i < m->n_shares; i++) {
        vm_share *s = &m->shares[i];
        if (s->fd < 0)
            continue;
        if (mmap(m->base + s->addr, s->size, PROT_NONE, MAP_SHARED | MAP_FIXED, s->fd,
                 (off_t)s->offset) == MAP_FAILED) {
            e = -errno;
            goto back;
        }
        if (m->view_ok && mmap(m->view + s->addr, s->size, PROT_NONE, MAP_SHARED | MAP_FIXED,
                               s->fd, (off_t)s->offset) == MAP_FAILED)
            view_drop(m);
    }
    /* the protections mmap reset: base's (plain mapped pages writable), the view's */
    for (uint64_t pg = 0; pg < m->npages;) {
        int plain = (flags_at(m, pg) & (VM_PAGE_MAPPED | VM_PAGE_CALLBACK)) == VM_PAGE_MAPPED;
        uint64_t run = pg;
        do
            run = same_flags(m, run, m->npages);
        while (run < m->npages
               && ((flags_at(m, run) & (VM_PAGE_MAPPED | VM_PAGE_CALLBACK)) == VM_PAGE_MAPPED)
                      == plain);
        if (plain)
            mprotect(m->base + (pg << VM_PAGE_BITS), (run - pg) << VM_PAGE_BITS,
                     PROT_READ | PROT_WRITE);
        pg = run;
    }
    view_sync(m, 0, m->npages);
back: /* (the attachments keep their own protections) */
    if (!e)
        e = move_attachments(m, aside, 1);
    else
        move_attachments(m, aside, 1);
    free(aside);
    return e;
#endif
}

static int range_ok(const vm_mem *m, uint64_t addr, uint64_t size)
{
    return size && !((addr | size) & VM_PAGE_MASK) && addr < m->size && size <= m->size - addr;
}

uint8_t vm_mem_flags_at(const vm_mem *m, uint64_t pg)
{
    return flags_at(m, pg);
}

uint64_t vm_mem_run_end(const vm_mem *m, uint64_t pg)
{
    return same_flags(m, pg, m->npages);
}

uint64_t vm_mem_next_flagged(const vm_mem *m, uint64_t pg, uint64_t end, uint8_t any)
{
    return first_unlike(m, pg, end, 0, any);
}

int vm_mem_is_mapped(const vm_mem *m, uint64_t addr, uint64_t size)
{
    if (!size || addr >= m->size || size > m->size - addr)
        return 0;
    for (uint64_t pg = addr >> VM_PAGE_BITS; pg <= (addr + size - 1) >> VM_PAGE_BITS; pg++)
        if (!(m->perm[pg] & VM_PAGE_MAPPED))
            return 0;
    return 1;
}

int vm_mem_map(vm_mem *m, uint64_t addr, uint64_t size, unsigned perms, int callback)
{
    if (!range_ok(m, addr, size))
        return -EINVAL;
    for (uint64_t pg = addr >> VM_PAGE_BITS; pg < (addr + size) >> VM_PAGE_BITS; pg++)
        if (m->perm[pg] & VM_PAGE_MAPPED)
            return -EEXIST;
    if (!callback && mprotect(m->base + addr, size, PROT_READ | PROT_WRITE))
        return -errno;
    uint8_t flags = VM_PAGE_MAPPED | (callback ? VM_PAGE_CALLBACK : (perms & 7));
    memset(m->perm + (addr >> VM_PAGE_BITS), vm_page_flags(flags), size >> VM_PAGE_BITS);
    mark_used(m, addr >> VM_PAGE_BITS, size >> VM_PAGE_BITS);
    view_sync(m, addr >> VM_PAGE_BITS, size >> VM_PAGE_BITS);
    return 0;
}

/* [addr, addr+size) mapped from fd at offset over base and view, base with
 * `base_prot`, the view as the flags say */
static int map_over(vm_mem *m, uint64_t addr, uint64_t size, int fd, uint64_t offset,
                    int base_prot)
{
    if (mmap(m->base + addr, size, base_prot, MAP_SHARED | MAP_FIXED, fd, (off_t)offset)
        == MAP_FAILED)
        return -errno;
    if (m->view_ok && mmap(m->view + addr, size, PROT_NONE, MAP_SHARED | MAP_FIXED, fd,
                           (off_t)offset) == MAP_FAILED)
        view_drop(m);
    view_sync(m, addr >> VM_PAGE_BITS, size >> VM_PAGE_BITS);
    return 0;
}

/* System V attachments counted: compiled code stops using the view with the
 * first and starts again after the last (vm_mem_view_usable) */
static void count_attached(vm_mem *m, int more)
{
    m->n_attached += more;
    if (m->view_ok && m->n_attached == (more > 0))
        m->view_changed = 1;
}

/* a new entry in m->shares (its descriptor, if any, now the memory's) */
static int add_share(vm_mem *m, vm_share s)
{
    if (m->n_shares == m->max_shares) {
        int n = m->max_shares ? 2 * m->max_shares : 8;
        vm_share *more = realloc(m->shares, n * sizeof *more);
        if (!more)
            return -ENOMEM;
        m->shares = more;
        m->max_shares = n;
    }
    m->shares[m->n_shares++] = s;
    if (s.shmid >= 0)
        count_attached(m, 1);
    return 0;
}

/* entry i of m->shares gone (its descriptor closed) */
static void drop_share(vm_mem *m, int i)
{
    if (m->shares[i].fd >= 0)
        close(m->shares[i].fd);
    if (m->shares[i].shmid >= 0)
        count_attached(m, -1);
    m->shares[i] = m->shares[--m->n_shares];
}

/* whether a share lies in [addr, addr + size), (readonly) one attached read-only */
static int shared_in(const vm_mem *m, uint64_t addr, uint64_t size, int readonly)
{
    for (int i = 0; i < m->n_shares; i++)
        if (m->shares[i].addr < addr + size && addr < m->shares[i].addr + m->shares[i].size
            && (!readonly || m->shares[i].readonly))
            return 1;
    return 0;
}

int vm_mem_share(vm_mem *m, uint64_t addr, uint64_t size, int fd, uint64_t offset)
{
    if (!m->view)
        return -ENOTSUP;
    if (!range_ok(m, addr, size) || (offset & VM_PAGE_MASK))
        return -EINVAL;
    if (!vm_mem_is_mapped(m, addr, size))
        return -ENOENT;
    if (shared_in(m, addr, size, 0))
        return -EEXIST;
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0)
        return -errno;
    vm_cache_invalidate_range(m, addr, size);
    int e = map_over(m, addr, size, own, offset, PROT_READ | PROT_WRITE);
    if (!e)
        e = add_share(m, (vm_share){addr, size, offset, own, -1, 0});
    if (e) {
        map_over(m, addr, size, m->memfd, addr, PROT_READ | PROT_WRITE);
        close(own);
    }
    return e;
}

int vm_mem_share_fd(const vm_mem *m, uint64_t addr, uint64_t *offset)
{
    for (int i = 0; i < m->n_shares; i++) {
        const vm_share *s = &m->shares[i];
        if (s->fd >= 0 && addr >= s->addr && addr - s->addr < s->size) {
            *offset = s->offset + (addr - s->addr);
            return s->fd;
        }
    }
    return -1;
}

int vm_mem_attach(vm_mem *m, uint64_t addr, uint64_t size, void *attached, int shmid,
                  int readonly)
{
#if !defined(__linux__) || !defined(__x86_64__)
    (void)m, (void)addr, (void)size, (void)attached, (void)shmid, (void)readonly;
    return -ENOTSUP;
#else
    if (!m->view)
        return -ENOTSUP;
    if (!range_ok(m, addr, size) || shmid < 0)
        return -EINVAL;
    if (!vm_mem_is_mapped(m, addr, size))
        return -ENOENT;
    if (shared_in(m, addr, size, 0))
        return -EEXIST;
    for (uint64_t pg = addr >> VM_PAGE_BITS; readonly && pg < (addr + size) >> VM_PAGE_BITS; pg++)
        if (m->perm[pg] & VM_PERM_W)
            return -EACCES;
    int e = add_share(m, (vm_share){addr, size, 0, -1, shmid, readonly});
    if (e)
        return e;
    vm_cache_invalidate_range(m, addr, size);
    if (mremap(attached, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, m->base + addr)
        == MAP_FAILED) {
        e = -errno;
        drop_share(m, m->n_shares - 1);
        /* (mremap may have unmapped base there before it failed) */
        map_over(m, addr, size, m->memfd, addr, PROT_READ | PROT_WRITE);
    }
    return e;
#endif
}

int vm_mem_unshare(vm_mem *m, uint64_t addr, uint64_t size)
{
    uint64_t end = addr + size;
    for (int i = 0; i < m->n_shares;) {
        vm_share s = m->shares[i];
        uint64_t lo = s.addr > addr ? s.addr : addr;
        uint64_t hi = s.addr + s.size < end ? s.addr + s.size : end;
        if (lo >= hi) {
            i++;
            continue;
        }
        vm_cache_invalidate_range(m, lo, hi - lo);
        /* (the memfd's pages there are a hole: zeros) */
        int e = map_over(m, lo, hi - lo, m->memfd, lo, PROT_READ | PROT_WRITE);
        if (e)
            return e;
        /* what is left of it: the part before, the part after (a descriptor of its own) */
        if (s.addr < lo && hi < s.addr + s.size) {
            vm_share after = s;
            after.addr = hi;
            after.size = s.addr + s.size - hi;
            after.offset = s.offset + (hi - s.addr);
            if (s.fd >= 0 && (after.fd = fcntl(s.fd, F_DUPFD_CLOEXEC, 0)) < 0)
                return -errno;
            e = add_share(m, after);
            if (e) {
                if (after.fd >= 0)
                    close(after.fd);
                return e;
            }
        }
        if (s.addr < lo) {
            m->shares[i].size = lo - s.addr;
            i++;
        } else if (hi < s.addr + s.size) {
            m->shares[i].offset += hi - s.addr;
            m->shares[i].size = s.addr + s.size - hi;
            m->shares[i].addr = hi;
            i++;
        } else {
            drop_share(m, i);
        }
    }
    return 0;
}

int vm_mem_unmap(vm_mem *m, uint64_t addr, uint64_t size)
{
    if (!range_ok(m, addr, size))
        return -EINVAL;
    if (!vm_mem_is_mapped(m, addr, size))
        return -ENOENT;
    int e = vm_mem_unshare(m, addr, size);
    if (e)
        return e;
    vm_cache_invalidate_range(m, addr, size);
    /* drop the contents and the host memory (mapped again, the pages read as zero) */
    int dropped;
#ifdef MADV_REMOVE
    if (m->view) /* (shared memory: a hole punched through `base`, writable for that) */
        dropped = !mprotect(m->base + addr, size, PROT_READ | PROT_WRITE)
                  && !madvise(m->base + addr, size, MADV_REMOVE)
                  && !mprotect(m->base + addr, size, PROT_NONE);
    else
#endif
        dropped = mmap(m->base + addr, size, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) != MAP_FAILED;
    if (!dropped)
        return -errno;
    memset(m->perm + (addr >> VM_PAGE_BITS), 0, size >> VM_PAGE_BITS);
    view_sync(m, addr >> VM_PAGE_BITS, size >> VM_PAGE_BITS);
    return 0;
}

int vm_mem_protect(vm_mem *m, uint64_t addr, uint64_t size, unsigned perms)
{
    if (!range_ok(m, addr, size))
        return -EINVAL;
    if (!vm_mem_is_mapped(m, addr, size))
        return -ENOENT;
    if ((perms & VM_PERM_W) && shared_in(m, addr, size, 1))
        return -EACCES; /* (its host pages are read-only) */
    vm_cache_invalidate_range(m, addr, size);
    for (uint64_t pg = addr >> VM_PAGE_BITS; pg < (addr + size) >> VM_PAGE_BITS; pg++)
        if (!(m->perm[pg] & VM_PAGE_CALLBACK))
            m->perm[pg] = vm_page_flags(VM_PAGE_MAPPED | (perms & 7));
    view_sync(m, addr >> VM_PAGE_BITS, size >> VM_PAGE_BITS);
    return 0;
}

/* Python callbacks run with the host's default FP environment; the guest's
 * rounding mode and gathered flags are put back afterwards. They ask a compiler
 * thread for the GIL (vm_jobs_want_gil). */
static int call_load(vm_mem *m, uint64_t addr, unsigned size, int access, uint64_t *out)
{
    fenv_t env;
    fegetenv(&env);
    fesetenv(FE_DFL_ENV);
    vm_jobs_want_gil(1);
    int r = m->cb_load(m->owner, addr, size, access, out);
    vm_jobs_want_gil(0);
    fesetenv(&env);
    return r;
}

static int call_store(vm_mem *m, uint64_t addr, unsigned size, uint64_t value)
{
    fenv_t env;
    fegetenv(&env);
    fesetenv(FE_DFL_ENV);
    vm_jobs_want_gil(1);
    int r = m->cb_store(m->owner, addr, size, value);
    vm_jobs_want_gil(0);
    fesetenv(&env);
    return r;
}

static int fault(vm_mem *m, uint64_t addr, int access)
{
    m->fault_addr = addr;
    m->fault_access = access;
    return VM_MEM_FAULT;
}

/* Checks every page of [addr, addr+size) for `need`; returns 1 if all are plain
 * memory, 0 if a callback page is involved, or VM_MEM_FAULT. */
static int check_pages(vm_mem *m, uint64_t addr, unsigned size, unsigned need, int access)
{
    uint64_t last = addr + size - 1;
    if (last < addr)
        return fault(m, addr, access);
    int plain = 1;
    for (uint64_t pg = addr >> VM_PAGE_BITS; pg <= last >> VM_PAGE_BITS; pg++) {
        if (pg >= m->npages || !(m->perm[pg] & VM_PAGE_MAPPED))
            return fault(m, pg == addr >> VM_PAGE_BITS ? addr : pg << VM_PAGE_BITS, access);
        if (m->perm[pg] & VM_PAGE_CALLBACK)
            plain = 0;
        else if (!(m->perm[pg] & need))
            return fault(m, pg == addr >> VM_PAGE_BITS ? addr : pg << VM_PAGE_BITS, access);
    }
    return plain;
}

int vm_mem_slow_load(vm_mem *m, uint64_t addr, unsigned size, int access, uint64_t *out)
{
    if (m->all_callback)
        return call_load(m, addr, size, access, out);
    int r = check_pages(m, addr, size, access == VM_ACCESS_FETCH ? VM_PERM_X : VM_PERM_R, access);
    if (r < 0)
        return r;
    if (r == 0) {
        if (!m->cb_load)
            return fault(m, addr, access);
        return call_load(m, addr, size, access, out);
    }
    uint64_t v = 0;
    memcpy(&v, m->base + addr, size); /* little-endian host */
    *out = v;
    return VM_MEM_OK;
}

int vm_mem_slow_store(vm_mem *m, uint64_t addr, unsigned size, uint64_t value)
{
    if (m->all_callback) {
        int r = call_store(m, addr, size, value);
        if (r == VM_MEM_OK && m->cache)
            vm_cache_invalidate_range(m, addr, size); /* it may have been code */
        return r;
    }
    int r = check_pages(m, addr, size, VM_PERM_W, VM_ACCESS_WRITE);
    if (r < 0)
        return r;
    if (r == 0) {
        if (!m->cb_store)
            return fault(m, addr, VM_ACCESS_WRITE);
        return call_store(m, addr, size, value);
    }
    uint64_t last = addr + size - 1;
    if ((m->perm[addr >> VM_PAGE_BITS] | m->perm[last >> VM_PAGE_BITS]) & VM_PAGE_CODE)
        vm_cache_invalidate_range(m, addr, size);
    memcpy(m->base + addr, &value, size);
    return VM_MEM_OK;
}

static int host_range(vm_mem *m, uint64_t addr, uint64_t size)
{
    if (!size)
        return 1;
    if (!vm_mem_is_mapped(m, addr, size))
        return 0;
    for (uint64_t pg = addr >> VM_PAGE_BITS; pg <= (addr + size - 1) >> VM_PAGE_BITS; pg++)
        if (m->perm[pg] & VM_PAGE_CALLBACK)
            return 0;
    return 1;
}

int vm_mem_host_read(vm_mem *m, uint64_t addr, void *dst, uint64_t size)
{
    if (!host_range(m, addr, size))
        return fault(m, addr, VM_ACCESS_READ);
    if (size)
        memcpy(dst, m->base + addr, size);
    return VM_MEM_OK;
}

/* a host write of [addr, addr+size) may go ahead (its decoded code dropped), or
 * the fault it takes */
static int host_write_begins(vm_mem *m, uint64_t addr, uint64_t size)
{
    if (!host_range(m, addr, size) || (size && shared_in(m, addr, size, 1)))
        return fault(m, addr, VM_ACCESS_WRITE); /* (a read-only attachment's: the host's
                                                   pages are read-only) */
    if (size)
        vm_cache_invalidate_range(m, addr, size);
    return VM_MEM_OK;
}

int vm_mem_host_write(vm_mem *m, uint64_t addr, const void *src, uint64_t size)
{
    int r = host_write_begins(m, addr, size);
    if (r == VM_MEM_OK && size)
        memcpy(m->base + addr, src, size);
    return r;
}

int vm_mem_load_file(vm_mem *m, uint64_t addr, int fd, uint64_t offset, uint64_t size,
                     uint64_t *done)
{
    *done = 0;
    int r = host_write_begins(m, addr, size);
    if (r != VM_MEM_OK || !size)
        return r;
    uint64_t n = 0;
#ifdef __linux__
    /* into the memfd at the guest address (the pages base maps), unless some of
     * the range maps another file */
    if (m->view && !shared_in(m, addr, size, 0) && lseek(m->memfd, (off_t)addr, SEEK_SET) >= 0) {
        off_t in = (off_t)offset;
        while (n < size) {
            ssize_t r = sendfile(m->memfd, fd, &in, size - n);
            if (r == 0) {
                *done = n; /* (the file's end) */
                return VM_MEM_OK;
            }
            if (r < 0 && errno != EINTR)
                break; /* (the rest through a buffer) */
            n += r > 0 ? (uint64_t)r : 0;
        }
    }
#endif
    enum { CHUNK = 1 << 16 };
    uint8_t *buf = n < size ? malloc(CHUNK) : NULL;
    if (n < size && !buf)
        return -ENOMEM;
    while (n < size) {
        ssize_t r = pread(fd, buf, size - n < CHUNK ? size - n : CHUNK, (off_t)(offset + n));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? -errno : 0;
            free(buf);
            *done = n;
            return e;
        }
        memcpy(m->base + addr + n, buf, (size_t)r);
        n += (uint64_t)r;
    }
    free(buf);
    *done = n;
    return VM_MEM_OK;
}
