/* Flat guest memory: the arena, page permissions and the one slow path. */
#include "vm_mem.h"
#include <errno.h>
#include <fenv.h>
#include <stdlib.h>
#include <sys/mman.h>

int vm_mem_init(vm_mem *m, uint64_t size)
{
    memset(m, 0, sizeof *m);
    if (size == 0 || (size & VM_PAGE_MASK))
        return -EINVAL;
    /* Reserve the whole guest space; host pages exist only once touched, and
     * unmapped guest pages are PROT_NONE on the host too (defence in depth). */
    void *base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return -errno;
    m->npages = size >> VM_PAGE_BITS;
    m->perm = mmap(NULL, m->npages, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m->perm == MAP_FAILED) {
        int e = errno;
        munmap(base, size);
        m->perm = NULL;
        return -e;
    }
    m->base = base;
    m->size = size;
    m->cache = vm_cache_new();
    if (!m->cache) {
        vm_mem_destroy(m);
        return -ENOMEM;
    }
    return 0;
}

void vm_mem_destroy(vm_mem *m)
{
    if (m->cache)
        vm_cache_free(m->cache);
    if (m->base)
        munmap(m->base, m->size);
    if (m->perm)
        munmap(m->perm, m->npages);
    m->cache = NULL;
    m->base = m->perm = NULL;
    m->npages = m->size = 0;
}

static int range_ok(const vm_mem *m, uint64_t addr, uint64_t size)
{
    return size && !((addr | size) & VM_PAGE_MASK) && addr < m->size && size <= m->size - addr;
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
    return 0;
}

int vm_mem_unmap(vm_mem *m, uint64_t addr, uint64_t size)
{
    if (!range_ok(m, addr, size))
        return -EINVAL;
    if (!vm_mem_is_mapped(m, addr, size))
        return -ENOENT;
    vm_cache_invalidate_range(m, addr, size);
    /* a fresh PROT_NONE mapping drops the contents and the host memory */
    if (mmap(m->base + addr, size, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
        return -errno;
    memset(m->perm + (addr >> VM_PAGE_BITS), 0, size >> VM_PAGE_BITS);
    return 0;
}

int vm_mem_protect(vm_mem *m, uint64_t addr, uint64_t size, unsigned perms)
{
    if (!range_ok(m, addr, size))
        return -EINVAL;
    if (!vm_mem_is_mapped(m, addr, size))
        return -ENOENT;
    vm_cache_invalidate_range(m, addr, size);
    for (uint64_t pg = addr >> VM_PAGE_BITS; pg < (addr + size) >> VM_PAGE_BITS; pg++)
        if (!(m->perm[pg] & VM_PAGE_CALLBACK))
            m->perm[pg] = vm_page_flags(VM_PAGE_MAPPED | (perms & 7));
    return 0;
}

/* Python callbacks run with the host's default FP environment; the guest's
 * rounding mode and gathered flags are put back afterwards. */
static int call_load(vm_mem *m, uint64_t addr, unsigned size, int access, uint64_t *out)
{
    fenv_t env;
    fegetenv(&env);
    fesetenv(FE_DFL_ENV);
    int r = m->cb_load(m->owner, addr, size, access, out);
    fesetenv(&env);
    return r;
}

static int call_store(vm_mem *m, uint64_t addr, unsigned size, uint64_t value)
{
    fenv_t env;
    fegetenv(&env);
    fesetenv(FE_DFL_ENV);
    int r = m->cb_store(m->owner, addr, size, value);
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

int vm_mem_host_write(vm_mem *m, uint64_t addr, const void *src, uint64_t size)
{
    if (!host_range(m, addr, size))
        return fault(m, addr, VM_ACCESS_WRITE);
    if (!size)
        return VM_MEM_OK;
    vm_cache_invalidate_range(m, addr, size);
    memcpy(m->base + addr, src, size);
    return VM_MEM_OK;
}
