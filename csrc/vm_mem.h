/* Guest memory: one flat host region, a permission byte per guest page, and
 * one slow path (page-crossing accesses, MMIO and user MMU callbacks, faults,
 * writes to pages holding decoded code).
 *
 * The region is a memfd mapped twice: `base`, read-write wherever guest memory
 * is mapped (the interpreter, the slow path and the host check permissions
 * themselves), and `view`, whose host protections follow the permission bytes
 * (vm_view_prot): compiled code accesses guest memory through it with only a
 * bounds check, and the host MMU sends what the guest may not do plainly
 * (faults, MMIO, stores to code) to the access's slow path (vm_jit.c). */
#ifndef VM_MEM_H
#define VM_MEM_H
#include <stdint.h>
#include <string.h>
#include "vm_cpu.h"
#include "vm_ir.h"

#define VM_PAGE_BITS 12
#define VM_PAGE_SIZE (1ull << VM_PAGE_BITS)
#define VM_PAGE_MASK (VM_PAGE_SIZE - 1)
/* guest pages whose permission bytes fill a host page (vm_mem.perm_used) */
#define VM_PERM_CHUNK 4096

/* permission byte of a guest page */
#define VM_PERM_R        1u
#define VM_PERM_W        2u
#define VM_PERM_X        4u
#define VM_PAGE_CODE     8u  /* decoded blocks exist for this page: stores take the slow path */
#define VM_PAGE_CALLBACK 16u /* served by a callback (MMIO): every access takes the slow path */
#define VM_PAGE_MAPPED   32u
#define VM_PAGE_STORE    64u /* (derived) a store may write it directly: R and W, not code,
                                not a callback's; compiled code tests this one bit
                                (vm_page_flags) */
#define VM_PAGE_SOFT    128u /* code decoded from this page checks its accesses itself:
                                it reached MMIO through the view (vm_jit.c) */

/* `flags` with VM_PAGE_STORE made to agree with the rest: every write of a page's
 * flags goes through this. (Write-only pages are not STORE: the view cannot make
 * a page writable but not readable.) */
static inline uint8_t vm_page_flags(unsigned flags)
{
    flags &= ~VM_PAGE_STORE;
    if ((flags & (VM_PERM_R | VM_PERM_W | VM_PAGE_CODE | VM_PAGE_CALLBACK))
        == (VM_PERM_R | VM_PERM_W))
        flags |= VM_PAGE_STORE;
    return (uint8_t)flags;
}

/* slow-path results */
#define VM_MEM_OK              0
#define VM_MEM_FAULT          -1 /* page fault; mem->fault_addr says where */
#define VM_MEM_CALLBACK_ERROR -2 /* a Python callback raised; the exception is pending */
#define VM_MEM_NOMEM          -3 /* host out of memory */

#define VM_MAX_BLOCK_INSNS 128
#define VM_OP_BLOCK_END VM_OP_COUNT /* pseudo-op closing every block's IR */
#define VM_OP_TOTAL (VM_OP_COUNT + 1)

/* a compiled block's exit: where it jumps next (the next block's code, or while
 * unlinked the convention's way out to the dispatcher, vm_jit_unlinked: set when
 * the code is installed, vm_block_set_code, and again at each unchaining) */
typedef struct vm_chain {
    void *code;             /* chain entry of the next block's compiled code */
    uint64_t pc;            /* its guest pc (checked for indirect jumps) */
} vm_chain;

/* link slots per block: a compiled region (a block with the blocks it inlines) has
 * an exit per branch; exits beyond these return to the dispatcher unlinked */
#define VM_CHAIN_SLOTS 8

/* other pages a compiled region may cover, at most (x86.py: _region) */
#define VM_FAR_PAGES 4

typedef struct vm_block {
    uint64_t pc;            /* guest address of the first instruction */
    uint64_t end_pc;        /* address after the last instruction */
    uint32_t n_insns;       /* instructions, not counting the closing VM_OP_BLOCK_END */
    uint32_t n_mem;         /* memory-accessing instructions */
    struct vm_block *hnext; /* chain in the by-pc hash */
    struct vm_block *pnext; /* chain in the by-page hash (page of pc) */
    struct vm_block *link[2]; /* successors seen: [0] fall-through, [1] taken/indirect */
    uint64_t link_epoch;    /* links are valid only while this equals cache->epoch */
    uint64_t exec_count;    /* runs (read as signed: a deferred compile waits from below 0) */
    void *jit_code;         /* compiled code for ir[0 .. jit_len), or NULL (also its entry:
                               from the dispatcher and from linked blocks) */
    vm_chain chain[VM_CHAIN_SLOTS]; /* exits of the compiled code, in the order it numbers them */
    uint32_t jit_len;
    uint32_t jit_mem;       /* memory-accessing instructions among them */
    uint64_t jit_lo, jit_hi; /* the guest pcs its compiled region covers lie in [lo, hi) */
    uint32_t jit_tried;     /* compilation was attempted (compiled or not) */
    uint32_t jit_abi;       /* register convention of the code: only equal ones chain */
    uint32_t jit_tier;      /* times compiled (a tier-up compiles a hot block again) */
    int32_t tier_countdown; /* first-tier code counts its runs down here; at 0 it clears
                               jit_tried and returns, and the dispatcher compiles again */
    uint64_t serial;        /* unique among all blocks ever made (background compiles'
                               results find their block by pc and serial: vm_jobs.h) */
    uint32_t jit_deferred;  /* a compile was deferred (Hybrid's budget): offered again, it
                               has proven hot */
    uint32_t own_at;        /* a fork's child's own block: its index + 1 in cache->own */
    /* pages its compiled region covers beyond its own (a function it calls, on
     * another page): page number + 1 each, 0 past the last. A write to one
     * retires the block as a write to its own pages does (vm_block.c: far) */
    uint64_t jit_far[VM_FAR_PAGES];
    struct vm_block *fnext; /* chain of the blocks with far pages (vm_block_cache.far) */
    uint32_t on_far;        /* it is on that chain */
    uint32_t far_stale;     /* a background compile's other pages were written before its
                               code was installed: its next compiles keep to its pages */
    uint32_t job_waiting;   /* its background compile is queued: 1 + runs since (vm_jobs_bump) */
    uint32_t store_probed;  /* its code was looked for in the code store (vm_run_opts'
                               probe_threshold) */
    vm_ir ir[];             /* n_insns + 1 entries */
} vm_block;

#define VM_NO_UNTIL 1u /* (no guest pc is odd) */

#define VM_HASH_BITS 16
#define VM_WRITES_KEPT 64
#define VM_DATA_WRITES 32
#define VM_DATA_SLOTS 64
#define VM_PAGE_HASH_BITS 16

/* compiled code's table for indirect jumps its link slot misses: pc -> chain
 * entry, direct-mapped by (pc >> 1), one table per register convention */
#define VM_TC_BITS 12
#define VM_TC_SIZE (1u << VM_TC_BITS)
#define VM_TC_EMPTY 1u /* no guest pc is odd */
#define VM_TC_INDEX(pc) (((uint32_t)(pc) >> 1) & (VM_TC_SIZE - 1))

typedef struct vm_block_cache {
    vm_block *by_pc[1u << VM_HASH_BITS];
    vm_block *by_page[1u << VM_PAGE_HASH_BITS];
    vm_block *retired;      /* unlinked, freed at the next block boundary */
    vm_block *far;          /* the blocks whose code covers pages beyond their own */
    vm_chain **linked;      /* the exits linked since the last unchaining (vm_cache_link) */
    uint32_t n_linked, max_linked;
    vm_block *scratch;      /* truncated copy of a block (budget / until inside it) */
    uint64_t epoch;         /* bumped whenever blocks are retired or links dropped */
    uint64_t n_blocks;
    uint64_t bytes;
    uint64_t byte_limit;    /* flush everything past this */
    uint64_t blocks_built;
    uint64_t invalidations;
    uint32_t full_flushes;  /* flushes because the code arena was full (vm_code_full):
                               blocks then wait longer before they are compiled (vm_run) */
    uint32_t untracked;     /* some block was decoded from memory whose writes the cache
                               does not see (MMIO, a user MMU): fence.i flushes */
    struct vm_code_arena *code; /* the JIT's executable memory for these blocks, or NULL */
    uint64_t links_until;   /* the `until` pc the links and jit_tc were made under
                               (VM_NO_UNTIL: none); a run under another unchains first */
    vm_chain jit_tc[2 * VM_TC_SIZE]; /* [abi * VM_TC_SIZE + VM_TC_INDEX(pc)], cleared
                                        with the links */
    /* the interpreter's last two targets of each indirect call (a jalr that
     * links), by VM_TC_INDEX of the jalr's pc: a hint for the JIT, which may
     * inline them behind checks (x86.py: _guess). Read racily by the compiler
     * thread: a torn or stale entry only makes a check that fails. */
    struct { uint64_t pc, target, other; } call_seen[VM_TC_SIZE];
    /* writes that reached pages of code, whether or not they retired a block (the
     * background compiler's generation: vm_cache_written_since), and the last
     * VM_WRITES_KEPT of them, [lo, hi) at written[n % VM_WRITES_KEPT] */
    uint64_t code_writes;
    struct { uint64_t lo, hi; } written[VM_WRITES_KEPT];
    /* pages of code written where no block was: after VM_DATA_WRITES of them in a
     * row, a page is taken for data beside code (vm_block.c: data_write) */
    struct { uint64_t pg; uint32_t n; } data_writes[VM_DATA_SLOTS];
    /* a fork's child: its blocks of serial up to this are its parent's, on pages
     * the two share copy on write (vm_cache_forked); the others are on `own` */
    uint64_t inherited;
    struct vm_block **own;
    uint32_t n_own, max_own;
    uint32_t own_lost;      /* out of memory for `own`: vm_cache_free reads every block */
} vm_block_cache;

typedef struct vm_mem vm_mem;
/* Callbacks into Python (acquire the GIL themselves). Return VM_MEM_OK,
 * VM_MEM_FAULT or VM_MEM_CALLBACK_ERROR. */
typedef int (*vm_cb_load_fn)(void *owner, uint64_t addr, unsigned size, int access, uint64_t *out);
typedef int (*vm_cb_store_fn)(void *owner, uint64_t addr, unsigned size, uint64_t value);

/* bytes of PROT_NONE before and after the view: compiled code checks the base
 * register of an access against the bound, not base + offset (and after one
 * access, others near it not at all), so an access a little outside faults */
#define VM_VIEW_GUARD (64u << 10)

/* guest pages [addr, addr + size) mapped from host file `fd` at `offset` (MAP_SHARED:
 * a file's pages, or memory another process shares after a fork) instead of the memfd,
 * or the host's attachment of System V segment `shmid` from `offset` on (fd -1) */
typedef struct vm_share {
    uint64_t addr, size, offset;
    int fd;                 /* its own descriptor (closed with it), or -1 */
    int shmid;              /* the segment it is an attachment of, or -1 */
    int readonly;           /* (a segment's) attached SHM_RDONLY: its host pages are read-only */
} vm_share;

struct vm_mem {
    uint8_t *base;          /* host address of guest address 0 */
    uint8_t *view;          /* the same memory protected as the guest sees it, or NULL */
    int view_ok;            /* the view follows the flags (else it is all PROT_NONE) */
    int view_changed;       /* the view went, or compiled code began or ceased to use it
                               (vm_mem_view_usable), since compiled code was last flushed:
                               the code compiled the other way must go (vm_run does it) */
    int memfd;              /* (with a view) the memory both map */
    vm_share *shares;       /* (with a view) ranges mapped from other files (vm_mem_share)
                               and System V segments (vm_mem_attach) */
    int n_shares, max_shares;
    int n_attached;         /* shares that are System V attachments */
    uint8_t *perm;          /* permission byte per guest page */
    uint64_t *perm_used;    /* a bit per VM_PERM_CHUNK pages: set once one of them is given
                               flags (the pages of the others are all 0, never touched) */
    uint64_t npages;        /* pages covered by base/perm; 0 for a user MMU */
    uint64_t size;          /* npages << VM_PAGE_BITS */
    int all_callback;       /* every address goes to the callbacks (user MMU object) */
    void *owner;            /* borrowed Python object the callbacks receive */
    vm_cb_load_fn cb_load;
    vm_cb_store_fn cb_store;
    vm_block_cache *cache;
    uint64_t fault_addr;    /* set by the slow path on VM_MEM_FAULT */
    int fault_access;
};

/* arena */
int  vm_mem_init(vm_mem *m, uint64_t size);            /* 0 or -errno */
void vm_mem_destroy(vm_mem *m);
/* In a child of fork(): base and view map the parent's memfd (MAP_SHARED), so
 * the child gets a copy of its own (what the guest wrote; holes stay holes),
 * mapped where they were with the same protections; unless `shared` (a
 * vfork's child, whose memory is its parent's). 0 or -errno (the memory is
 * then still shared with the parent). */
int vm_mem_fork_child(vm_mem *m, int shared);
int  vm_mem_map(vm_mem *m, uint64_t addr, uint64_t size, unsigned perms, int callback);
int  vm_mem_unmap(vm_mem *m, uint64_t addr, uint64_t size);
/* Mapped pages [addr, addr+size) become host file fd's from `offset` (MAP_SHARED,
 * for base and view: what the guest writes is the file's at once, and what others
 * write there the guest sees; a fork's child keeps them shared with its parent).
 * Only with a view (a memfd), else -ENOTSUP; the range must not be shared already
 * (-EEXIST). 0 or -errno. (Pages past the file's end would fault in the host:
 * the caller shares only what the file holds.) */
int  vm_mem_share(vm_mem *m, uint64_t addr, uint64_t size, int fd, uint64_t offset);
/* the descriptor of the file whose pages guest page addr is (vm_mem_share's; the
 * memory's own: not to be closed), *offset its offset there; -1 if none */
int  vm_mem_share_fd(const vm_mem *m, uint64_t addr, uint64_t *offset);
/* Mapped pages [addr, addr+size) become System V segment shmid's: `attached` is
 * the host's attachment of it (shmat's, at a host address of its choosing, `size`
 * bytes), moved there (mremap: the host counts it once, and detaches it when the
 * pages are unmapped or unshared; a fork's child keeps it). `readonly`: attached
 * SHM_RDONLY, the pages must not be writable (-EACCES), and stay so (vm_mem_protect,
 * vm_mem_host_write refuse). The view does not map it (the host would count that as
 * another attachment): while segments are attached, compiled code checks its
 * accesses itself on base (vm_mem_view_usable). Only with a view (a memfd to map
 * back), else -ENOTSUP; the range must not be shared already (-EEXIST). 0, or
 * -errno with `attached` still the caller's. */
int  vm_mem_attach(vm_mem *m, uint64_t addr, uint64_t size, void *attached, int shmid,
                   int readonly);
/* Mapped pages [addr, addr+size) back to the memfd (zeros) where they were
 * shared; vm_mem_unmap does it first (its hole punching is for the memfd alone) */
int  vm_mem_unshare(vm_mem *m, uint64_t addr, uint64_t size);
int  vm_mem_protect(vm_mem *m, uint64_t addr, uint64_t size, unsigned perms);
int  vm_mem_is_mapped(const vm_mem *m, uint64_t addr, uint64_t size);
/* A walk over the address space: page pg's flags, and the end (at most npages)
 * of the run of pages from pg with the same flags, found a chunk or eight pages
 * at a time */
uint8_t vm_mem_flags_at(const vm_mem *m, uint64_t pg);
uint64_t vm_mem_run_end(const vm_mem *m, uint64_t pg);
/* the first page in [pg, end) (end at most npages) with one of the flags `any`; end if none */
uint64_t vm_mem_next_flagged(const vm_mem *m, uint64_t pg, uint64_t end, uint8_t any);
/* Whether compiled code may access guest memory through the view: it follows the
 * flags, and no System V segment is attached (the view does not map them). */
static inline int vm_mem_view_usable(const vm_mem *m)
{
    return m->view_ok && !m->n_attached;
}
/* What compiled code accesses guest memory through (*limit: addresses below it
 * need only the host's checks; 0: every access checks permissions itself). */
static inline uint8_t *vm_mem_jit_view(const vm_mem *m, uint64_t *limit)
{
    *limit = vm_mem_view_usable(m) ? m->size : 0;
    return vm_mem_view_usable(m) ? m->view : m->base;
}
/* sets page pg's flags (through vm_page_flags), and the view's protection to match */
void vm_mem_set_page(vm_mem *m, uint64_t pg, unsigned flags);

/* slow paths */
int vm_mem_slow_load(vm_mem *m, uint64_t addr, unsigned size, int access, uint64_t *out);
int vm_mem_slow_store(vm_mem *m, uint64_t addr, unsigned size, uint64_t value);
/* host-side (debugger) copies: ignore permissions, need mapped pages */
int vm_mem_host_read(vm_mem *m, uint64_t addr, void *dst, uint64_t size);
int vm_mem_host_write(vm_mem *m, uint64_t addr, const void *src, uint64_t size);
/* Up to `size` bytes of file `fd` from `offset` into guest memory at addr, as
 * vm_mem_host_write writes (a private file mapping's contents); past the file's
 * end the memory is left as it is. With a memfd behind the memory, the kernel
 * copies them there (sendfile): no copy through a buffer, no page faults. Returns
 * VM_MEM_OK (*done: bytes read), VM_MEM_FAULT (as vm_mem_host_write) or -errno. */
int vm_mem_load_file(vm_mem *m, uint64_t addr, int fd, uint64_t offset, uint64_t size,
                     uint64_t *done);

/* decoded-block cache */
vm_block_cache *vm_cache_new(void);
void vm_cache_free(vm_block_cache *c);
vm_block *vm_cache_lookup(vm_block_cache *c, uint64_t pc);
/* b's compiled region also covers these `n` pages (page numbers; 0 <= n <=
 * VM_FAR_PAGES): marked as code, so that a write to one retires b */
void vm_cache_set_far(vm_mem *m, vm_block *b, const uint64_t *pages, uint32_t n);
/* where the indirect call at pc went when last interpreted (call_seen), and
 * before that if elsewhere, into targets[]; returns how many (0-2) */
int vm_cache_call_seen(const vm_block_cache *c, uint64_t pc, uint64_t targets[2]);
/* The block at pc, decoded now. NULL with *err = VM_MEM_FAULT (fetch fault,
 * m->fault_addr says where), VM_MEM_CALLBACK_ERROR or VM_MEM_NOMEM. */
vm_block *vm_cache_translate(vm_mem *m, uint64_t pc, int *err);
/* retires the blocks holding a byte of [addr, addr + size) (written, unmapped, no
 * longer executable), and compiled code that may cover one */
void vm_cache_invalidate_range(vm_mem *m, uint64_t addr, uint64_t size);
/* whether a write since the cache's code_writes was `since` may have reached
 * guest addresses [lo, hi) */
int vm_cache_written_since(const vm_block_cache *c, uint64_t since, uint64_t lo, uint64_t hi);
void vm_cache_flush(vm_mem *m);
/* fence.i (and riscv_flush_icache): later fetches see every store before it.
 * Stores through guest memory retire the code they change as they are made,
 * so only code decoded from memory written otherwise (untracked) is dropped. */
void vm_cache_fence_i(vm_mem *m);
/* drops every link between compiled blocks (the dispatcher links them again) */
void vm_cache_unchain(vm_block_cache *c);
/* links compiled exit `exit` to block to's code (to has code); 0: out of memory,
 * not linked */
int vm_cache_link(vm_block_cache *c, vm_chain *exit, const vm_block *to);
void vm_cache_free_retired(vm_block_cache *c);
/* In a fork's child: the blocks made so far are the parent's. vm_cache_free
 * leaves them: freeing each would copy the page it is on, for nothing, as the
 * memory goes at exec or exit (a fifth of a fork and exec's time went there). */
void vm_cache_forked(vm_block_cache *c);
/* b's code from now on: installed at `code`, covering its first `covered`
 * instructions (`mem_ops` accesses among them) and guest pcs [lo, hi), in
 * register convention `abi`; first-tier code counts down from `countdown` */
void vm_block_set_code(vm_block *b, void *code, uint32_t covered, uint32_t mem_ops,
                       uint64_t lo, uint64_t hi, uint32_t abi, int32_t countdown);
/* Whether b's code must check permissions at each access: the memory has no
 * view it may use (vm_mem_view_usable), or its code reached MMIO through it
 * (VM_PAGE_SOFT). */
int vm_code_checked(const vm_mem *m, const vm_block *b);
/* a block from IR built elsewhere (IRBlock); validates every field. NULL if invalid. */
vm_block *vm_block_from_ir(const vm_ir *ir, uint32_t n, uint64_t pc, const char **why);
/* decode straight-line code at pc into `out` (at most max entries, plus the closing entry) */
uint32_t vm_decode_block(vm_mem *m, uint64_t pc, vm_ir *out, uint32_t max, int *fetch_fault);
/* Whether the instruction at pc is `raw` (1 too where the memory is not plain
 * executable memory: there only fence.i tells of writes) */
int vm_mem_holds_insn(vm_mem *m, uint64_t pc, uint32_t raw);
/* the same from another thread than the run's: only from plain executable
 * memory, changing nothing (0 where that ends before an instruction) */
uint32_t vm_peek_block(vm_mem *m, uint64_t pc, vm_ir *out, uint32_t max);

static inline int vm_fast_ok(const uint8_t *perm, uint64_t npages, uint64_t a, unsigned size,
                             unsigned need, unsigned deny)
{
    uint64_t pg = a >> VM_PAGE_BITS;
    return pg < npages && (a & VM_PAGE_MASK) <= VM_PAGE_SIZE - size
           && (perm[pg] & (need | deny)) == need;
}

#endif
