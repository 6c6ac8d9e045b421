/* Executable memory for compiled blocks, the slow paths they call, and the
 * fault handler that sends refused accesses to them. */
#define _GNU_SOURCE /* REG_RIP */
#include "vm_jit.h"
#include "vm_fp_ops.h"
#include "vm_interp.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

vm_jit_enter_fn vm_jit_enter[2];
void *vm_jit_stubs[VM_JIT_STUBS];
void *vm_jit_unlinked[2];
__thread vm_jit_running vm_jit_now;

#if defined(__linux__) && defined(__x86_64__)
static struct sigaction prev_segv; /* the handler before this one */
/* the instruction whose fault (not a compiled access) this thread handed on to
 * that handler last, until this one is put back on top (vm_jit_fault_handler) */
static __thread const void *handed_on;

/* Whether the 7 bytes at `p` are `cmp reg, [rbx + jit.limit]` (rbx: the cpu;
 * reg: any general register) */
static int is_limit_check(const uint8_t *p)
{
    uint32_t disp;
    memcpy(&disp, p + 3, sizeof disp);
    return (p[0] & 0xFB) == 0x48 && p[1] == 0x3B && (p[2] & 0xC7) == 0x83
           && disp == offsetof(vm_cpu, jit.limit);
}

/* Where the access at `rip` goes when refused: the target of the jae before it,
 * if `cmp reg, [rbx + jit.limit]; jae` (short or near) comes right before it; its
 * mark's slow path (an access whose check an access before it made); the
 * target of the je of a page check, `test byte [rdx], need; je` (code that
 * checks permissions itself, run on a view that went: vm_mem.view_changed);
 * else NULL. */
static const uint8_t *refused_access_target(const uint8_t *rip)
{
    int32_t rel;
    const uint8_t *marked;
    if (rip[-2] == 0x73 && is_limit_check(rip - 9))
        return rip + (int8_t)rip[-1];
    if (rip[-6] == 0x0F && rip[-5] == 0x83 && is_limit_check(rip - 13)) {
        memcpy(&rel, rip - 4, sizeof rel);
        return rip + rel;
    }
    if ((marked = vm_code_marked(vm_jit_now.code, rip)) != NULL)
        return marked;
    if (rip[-2] == 0x74 && rip[-5] == 0xF6 && rip[-4] == 0x02)
        return rip + (int8_t)rip[-1];
    if (rip[-6] == 0x0F && rip[-5] == 0x84 && rip[-9] == 0xF6 && rip[-8] == 0x02) {
        memcpy(&rel, rip - 4, sizeof rel);
        return rip + rel;
    }
    return NULL;
}

static void on_segv(int sig, siginfo_t *si, void *context)
{
    ucontext_t *uc = context;
    const uint8_t *addr = si->si_addr;
    if (si->si_code > 0 && addr >= vm_jit_now.view_lo && addr < vm_jit_now.view_hi) {
        const uint8_t *target = refused_access_target((const uint8_t *)uc->uc_mcontext.gregs[REG_RIP]);
        if (target) {
            uc->uc_mcontext.gregs[REG_RIP] = (greg_t)target;
            vm_jit_now.cpu->jit_host_faults++;
            return;
        }
    }
    /* not a compiled access: the fault happens again, for the handler before this one */
    (void)sig;
    const void *rip = (const void *)uc->uc_mcontext.gregs[REG_RIP];
    if (handed_on && (si->si_code <= 0 || rip == handed_on)) {
        /* back here from it: a handler installed after this one, which this one
         * was put back on top of (so each has the other as the one before), and
         * which hands the fault on by raising it (Python's faulthandler) or by
         * putting this one back. Handed on again, it would go round forever
         * (faulthandler dumping tracebacks as it recursed): the default action
         * ends the process, as after a handler that has none before it. */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGSEGV, &dfl, NULL);
        return;
    }
    handed_on = rip;
    sigaction(SIGSEGV, &prev_segv, NULL);
}

void vm_jit_fault_handler(void)
{
    struct sigaction cur, sa;
    handed_on = NULL;
    if (sigaction(SIGSEGV, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO)
        && cur.sa_sigaction == on_segv)
        return;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    prev_segv = cur;
    sigaction(SIGSEGV, &sa, NULL);
}
#else
void vm_jit_fault_handler(void) {} /* (no JIT here, no view: nothing to catch) */
#endif

/* An access that reached MMIO through the view faults every time it runs: the
 * code of its page is decoded again, to check its accesses itself (VM_PAGE_SOFT). */
static void soften(vm_jit_rt *rt, uint64_t addr, const vm_jit_access *d)
{
    vm_mem *m = rt->mem;
    uint64_t pg = addr >> VM_PAGE_BITS, code_pg = d->pc >> VM_PAGE_BITS;
    if (!d->viewed || m->all_callback || pg >= m->npages || !(m->perm[pg] & VM_PAGE_CALLBACK)
        || code_pg >= m->npages || (m->perm[code_pg] & VM_PAGE_SOFT))
        return;
    vm_mem_set_page(m, code_pg, m->perm[code_pg] | VM_PAGE_SOFT);
    vm_cache_invalidate_range(m, code_pg << VM_PAGE_BITS, VM_PAGE_SIZE);
}

/* rt->status after a slow-path access; when it is not OK, the compiled run ends
 * here (d says how): at the access for a fault or a callback error, after it
 * when the access changed code or a stop was asked (a load's value then goes
 * to its register) */
static void access_status(vm_jit_rt *rt, int r, const vm_jit_access *d, uint64_t loaded)
{
    vm_cpu *cpu = rt->cpu;
    if (r == VM_MEM_FAULT) {
        cpu->fault_kind = VM_FAULT_PAGE;
        cpu->fault_addr = rt->mem->fault_addr;
        cpu->fault_access = rt->mem->fault_access;
        rt->status = VM_JIT_FAULT;
    } else if (r != VM_MEM_OK) {
        rt->status = VM_JIT_CALLBACK_ERROR;
    } else if (rt->mem->cache->epoch != rt->epoch) {
        rt->status = VM_JIT_LEAVE; /* a store (or a callback) changed code */
    } else if (cpu->stop_request) {
        rt->status = VM_JIT_LEAVE; /* (MMIO callbacks may be slow: a slice of them too slow) */
    } else {
        return;
    }
    if (rt->status != VM_JIT_LEAVE) {
        rt->budget += d->rest;
        cpu->mem_accesses -= d->mem_rest;
        cpu->fault_insn = d->raw;
        rt->exit_pc = d->pc;
        return;
    }
    switch (d->kind) {
    case VM_JIT_LOAD_S:
        cpu->x[d->rd] = d->size == 8 ? loaded : (uint64_t)((int64_t)(loaded << (64 - 8 * d->size))
                                                         >> (64 - 8 * d->size));
        break;
    case VM_JIT_LOAD_U:
        cpu->x[d->rd] = loaded;
        break;
    case VM_JIT_LOAD_F:
        cpu->f[d->rd] = d->size == 4 ? (0xffffffff00000000ull | loaded) : loaded;
        break;
    }
    rt->budget += d->rest - 1;
    cpu->mem_accesses -= d->mem_rest - 1;
    rt->exit_pc = d->pc + (uint64_t)vm_insn_len(d->raw);
}

uint64_t vm_jit_load(vm_jit_rt *rt, uint64_t addr, const vm_jit_access *d)
{
    uint64_t v = 0;
    int r = vm_mem_slow_load(rt->mem, addr, d->size, VM_ACCESS_READ, &v);
    soften(rt, addr, d);
    access_status(rt, r, d, v);
    return v;
}

void vm_jit_store(vm_jit_rt *rt, uint64_t addr, const vm_jit_access *d, uint64_t value)
{
    if (d->size < 8)
        value &= (1ull << (8 * d->size)) - 1; /* compiled code passes the whole register */
    int r = vm_mem_slow_store(rt->mem, addr, d->size, value);
    soften(rt, addr, d);
    access_status(rt, r, d, 0);
}

/* Compiled FP templates round in the host's mode: sets it to the guest's frm
 * (after a helper that rounded in a static mode, or changed frm). Returns
 * nonzero for frm RMM and the reserved values, which have no host mode (the
 * dispatcher enters compiled code only with frm < 4). */
static int follow_frm(vm_jit_rt *rt)
{
    int frm = (int)((rt->cpu->fcsr >> 5) & 7);
    if (frm >= 4)
        return 1;
    if (rt->cur_rm != frm) {
        fesetround(vm_host_rm[frm]);
        rt->cur_rm = frm;
    }
    return 0;
}

void vm_jit_fp(vm_jit_rt *rt, const vm_ir *ir)
{
    vm_cpu *cpu = rt->cpu;
    if (vm_fp_exec(cpu, ir, ir->op, &rt->cur_rm)) {
        cpu->fault_kind = VM_FAULT_ILLEGAL_INSTRUCTION;
        rt->status = VM_JIT_FAULT;
        return;
    }
    follow_frm(rt); /* (an F/D computation leaves frm as it was: below 4) */
}

void vm_jit_fcsr(vm_jit_rt *rt, const vm_ir *ir)
{
    vm_csr_exec(rt->cpu, ir, 0); /* fflags/frm/fcsr: never faults, never reads a counter */
    if (follow_frm(rt))
        rt->status = VM_JIT_LEAVE; /* compiled code cannot round so: leave after this */
}

uint64_t vm_jit_call(vm_jit_rt *rt, uint64_t a, uintptr_t how, uint64_t value)
{
    if (how == VM_JIT_CALL_FP) {
        vm_jit_fp(rt, (const vm_ir *)(uintptr_t)a);
        return 0;
    }
    if (how == VM_JIT_CALL_FCSR) {
        vm_jit_fcsr(rt, (const vm_ir *)(uintptr_t)a);
        return 0;
    }
    const vm_jit_access *d = (const vm_jit_access *)how;
    if (d->kind == VM_JIT_STORE) {
        vm_jit_store(rt, a, d, value);
        return 0;
    }
    return vm_jit_load(rt, a, d);
}

/* Why a code file: a protection change that takes a permission away (RX to RW
 * and back, for each install) is a TLB shootdown, an interrupt to every other
 * core running a thread of this process (the compiler thread's, waited for; in
 * a virtual machine, an exit to the hypervisor on both): 10 % of strings' time
 * under Hybrid. Writing the file changes no protection. */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* (Linux 6.3: the file may be mapped executable) */
#endif

/* A new code file of `size` bytes (all holes), or -1: also when the environment
 * asks for private memory (VM_ENGINE_CODE_FILE=0, as where the host refuses), and
 * for perf(1)'s map of JIT code (VM_ENGINE_PERF_MAP: perf looks there only for
 * code in anonymous memory, not in a file) */
static int code_file(size_t size)
{
#ifdef __linux__
    const char *knob = getenv("VM_ENGINE_CODE_FILE"), *perf_map = getenv("VM_ENGINE_PERF_MAP");
    if ((knob && !strcmp(knob, "0")) || (perf_map && *perf_map))
        return -1;
    int fd = memfd_create("vm_engine code", MFD_CLOEXEC | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) /* (a kernel without MFD_EXEC) */
        fd = memfd_create("vm_engine code", MFD_CLOEXEC);
    if (fd >= 0 && ftruncate(fd, (off_t)size)) {
        close(fd);
        fd = -1;
    }
    return fd;
#else
    (void)size;
    return -1;
#endif
}

/* Maps `size` bytes of code file fd (-1: private memory), RX, at `at` (replacing
 * what is there) or, for NULL, anywhere; MAP_FAILED if it cannot */
static void *map_rx(uint8_t *at, size_t size, int fd)
{
    const int flags = (fd >= 0 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS) | MAP_NORESERVE
                      | (at ? MAP_FIXED : 0);
    return mmap(at, size, PROT_READ | PROT_EXEC, flags, fd, 0);
}

/* Maps `size` bytes for code (map_rx): a new code file, *fd, where the host lets
 * it be executable, else private memory (*fd -1). NULL if neither could be mapped. */
static uint8_t *map_code(uint8_t *at, size_t size, int *fd)
{
    void *p;
    *fd = code_file(size);
    if (*fd >= 0) {
        p = map_rx(at, size, *fd);
        if (p != MAP_FAILED)
            return p;
        close(*fd);
        *fd = -1;
    }
    p = map_rx(at, size, -1);
    return p == MAP_FAILED ? NULL : p;
}

/* writes n bytes at offset `at` of file fd; 0 or -1 */
static int write_at(int fd, const void *data, size_t n, size_t at)
{
    for (size_t done = 0; done < n;) {
        ssize_t r = pwrite(fd, (const char *)data + done, n - done, (off_t)(at + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

/* Every arena, for a fork's child: under `arenas_lock`, which a fork holds */
static vm_code_arena *arenas;
static pthread_mutex_t arenas_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t arenas_once = PTHREAD_ONCE_INIT;

static void arenas_fork_prepare(void) { pthread_mutex_lock(&arenas_lock); }
static void arenas_fork_parent(void) { pthread_mutex_unlock(&arenas_lock); }

/* A fork's child shares its parent's code files until it installs code of its
 * own: then it copies the code installed so far into a file of its own (the
 * parent only appends past that, and a reset maps it a new file, so the copy is
 * not disturbed). A fork costs nothing more, as private memory's copy on write. */
static void arenas_fork_child(void)
{
    for (vm_code_arena *a = arenas; a; a = a->next)
        a->shared = a->fd >= 0;
    pthread_mutex_unlock(&arenas_lock);
}

/* The copy into a file of the arena's own (a->shared); 0, or -1 if the host
 * gives none (the arena is full for its install then: reset, it is its own) */
static int code_unshare(vm_code_arena *a)
{
    int fd = code_file(a->size);
    if (fd >= 0 && !write_at(fd, a->base, a->used, 0)
        && map_rx(a->base, a->size, fd) != MAP_FAILED) {
        close(a->fd);
        a->fd = fd;
        a->shared = 0;
        return 0;
    }
    if (fd >= 0)
        close(fd);
    return -1;
}

static void arenas_at_fork(void)
{
    pthread_atfork(arenas_fork_prepare, arenas_fork_parent, arenas_fork_child);
}

int vm_code_arena_init(vm_code_arena *a, size_t size)
{
    memset(a, 0, sizeof *a);
    a->fd = -1;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size = (size + page - 1) & ~(page - 1);
    int fd;
    void *p = map_code(NULL, size, &fd);
    if (!p)
        return -errno;
    /* a mark takes 14 bytes of the code it is installed with: never more than this */
    size_t max_marks = size / 14 + 1;
    void *marks = mmap(NULL, max_marks * sizeof(vm_code_mark), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (marks == MAP_FAILED) {
        int err = errno;
        munmap(p, size);
        if (fd >= 0)
            close(fd);
        return -err;
    }
    a->base = p;
    a->size = size;
    a->marks = marks;
    a->max_marks = max_marks;
    a->fd = fd;
    pthread_once(&arenas_once, arenas_at_fork);
    pthread_mutex_lock(&arenas_lock);
    a->next = arenas;
    if (arenas)
        arenas->prev = a;
    arenas = a;
    pthread_mutex_unlock(&arenas_lock);
    return 0;
}

void vm_code_arena_destroy(vm_code_arena *a)
{
    if (a->base) {
        pthread_mutex_lock(&arenas_lock);
        if (a->prev)
            a->prev->next = a->next;
        else
            arenas = a->next;
        if (a->next)
            a->next->prev = a->prev;
        pthread_mutex_unlock(&arenas_lock);
        munmap(a->base, a->size);
    }
    if (a->fd >= 0)
        close(a->fd);
    if (a->marks)
        munmap(a->marks, a->max_marks * sizeof(vm_code_mark));
    memset(a, 0, sizeof *a);
    a->fd = -1;
}

/* The target of the 7-byte `nop dword [rip + rel32]` at p, or NULL if it is not one */
static const uint8_t *nop_target(const uint8_t *p)
{
    int32_t rel;
    if (p[0] != 0x0F || p[1] != 0x1F || p[2] != 0x05)
        return NULL;
    memcpy(&rel, p + 3, sizeof rel);
    return p + 7 + rel;
}

/* Where the marks a region's code (len bytes) lists at its end begin, n of them
 * (before their count and the block pointer: vm_code_mark); NULL if the code
 * is not a region's */
static const uint8_t *region_marks(const uint8_t *code, size_t len, uint32_t *n)
{
    if (len < 12)
        return NULL;
    memcpy(n, code + len - 12, sizeof *n);
    if ((size_t)*n > (len - 12) / 14)
        return NULL;
    return code + len - 12 - 14 * (size_t)*n;
}

/* appends the marks listed at the end of the region installed at `at` (len bytes) */
static void add_marks(vm_code_arena *a, const uint8_t *at, size_t len)
{
    uint32_t n;
    const uint8_t *marks = region_marks(at, len, &n);
    if (!marks)
        return; /* (not a region's code) */
    size_t k = a->n_marks;
    for (const uint8_t *p = marks; p < at + len - 12 && k < a->max_marks; p += 14) {
        const uint8_t *access = nop_target(p), *slow = nop_target(p + 7);
        if (!access || !slow || access < at || access >= p || slow < at || slow >= p
            || (k && a->marks[k - 1].access >= (uint32_t)(access - a->base)))
            continue; /* (never, for code this package made: the order is the code's) */
        a->marks[k++] = (vm_code_mark){(uint32_t)(access - a->base), (uint32_t)(slow - a->base)};
    }
    __atomic_store_n(&a->n_marks, k, __ATOMIC_RELEASE);
}

int vm_code_bind(uint8_t *code, size_t len, const void *block)
{
    uint32_t n_marks, n_binds;
    const uint64_t at = (uint64_t)(uintptr_t)block;
    const uint8_t *marks = region_marks(code, len, &n_marks);
    if (!marks || marks < code + 4)
        return -1;
    const size_t count = (size_t)(marks - code) - 4; /* where the binds' count is */
    memcpy(&n_binds, code + count, sizeof n_binds);
    if ((size_t)n_binds > count / 7)
        return -1;
    const uint8_t *list = code + count - 7 * (size_t)n_binds;
    for (int pass = 0; pass < 2; pass++) /* (checked all, then changed: all or nothing) */
        for (size_t k = 0; k < n_binds; k++) {
            const uint8_t *after = nop_target(list + 7 * k); /* the imm64 ends there */
            if (!after || after < code + 10 || after > list)
                return -1; /* (never, for code this package made) */
            if (pass) {
                uint64_t imm;
                memcpy(&imm, after - 8, sizeof imm);
                imm += at;
                memcpy(code + (after - 8 - code), &imm, sizeof imm);
            }
        }
    memcpy(code + len - 8, &at, sizeof at);
    return 0;
}

const uint8_t *vm_code_marked(const vm_code_arena *a, const uint8_t *rip)
{
    if (!a || !a->base || rip < a->base || rip >= a->base + a->size)
        return NULL;
    uint32_t off = (uint32_t)(rip - a->base);
    const size_t n = __atomic_load_n(&a->n_marks, __ATOMIC_ACQUIRE);
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the first mark at or after rip */
        size_t mid = lo + (hi - lo) / 2;
        if (a->marks[mid].access < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && a->marks[lo].access == off)
        return a->base + a->marks[lo].slow;
    return NULL;
}

size_t vm_code_install_batch(vm_code_arena *a, const void *const *code, const size_t *len,
                             size_t n, void **at, int marked)
{
    size_t fit = 0, end = a->used;
    for (; fit < n && a->base; fit++) {
        size_t start = (end + 15) & ~(size_t)15;
        if (len[fit] > a->size || start > a->size - len[fit])
            break;
        at[fit] = a->base + start;
        end = start + len[fit];
    }
    if (!fit || (a->shared && code_unshare(a)))
        return 0;
    if (a->fd >= 0) {
        for (size_t k = 0; k < fit; k++)
            if (write_at(a->fd, code[k], len[k], (size_t)((uint8_t *)at[k] - a->base)))
                return 0; /* (out of memory: as if full) */
    } else {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        uint8_t *lo = (uint8_t *)((uintptr_t)at[0] & ~(uintptr_t)(page - 1));
        uint8_t *hi = a->base + ((end + page - 1) & ~(page - 1));
        /* W^X: the pages are writable only while nothing can execute them */
        if (mprotect(lo, (size_t)(hi - lo), PROT_READ | PROT_WRITE))
            return 0;
        for (size_t k = 0; k < fit; k++)
            memcpy(at[k], code[k], len[k]);
        if (mprotect(lo, (size_t)(hi - lo), PROT_READ | PROT_EXEC))
            return 0;
    }
    if (marked) /* (before the code can run: it may fault at once) */
        for (size_t k = 0; k < fit; k++)
            add_marks(a, at[k], len[k]);
    a->used = end;
    a->installs += fit;
    return fit;
}

void *vm_code_install(vm_code_arena *a, const void *code, size_t len, int marked)
{
    void *at;
    return vm_code_install_batch(a, &code, &len, 1, &at, marked) ? at : NULL;
}

void vm_code_arena_reset(vm_code_arena *a)
{
    /* fresh pages: drops the old code and its memory (a new file, not the old
     * one emptied: a fork's child may share it still) */
    int fd;
    if (a->base && map_code(a->base, a->size, &fd)) {
        if (a->fd >= 0)
            close(a->fd);
        a->fd = fd;
        a->shared = 0;
    }
    __atomic_store_n(&a->n_marks, 0, __ATOMIC_RELEASE);
    a->used = 0;
    a->resets++;
}

void vm_code_full(vm_mem *m, vm_code_arena *a)
{
    vm_cache_flush(m);
    vm_code_arena_reset(a);
    m->cache->full_flushes++;
}

void vm_perf_map_add(int fd, const void *code, size_t len, uint64_t pc, uint32_t covered)
{
    dprintf(fd, "%lx %zx guest_%lx_%u\n", (unsigned long)(uintptr_t)code, len,
            (unsigned long)pc, covered);
}
