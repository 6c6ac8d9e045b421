/* Decoding guest code into IR blocks, and the cache of decoded blocks. */
#include "vm_mem.h"
#include "vm_jit.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int vm_decode(uint32_t w, uint64_t pc, vm_ir *ir)
{
    memset(ir, 0, sizeof *ir);
    int len = vm_insn_len(w);
    if (len == 2)
        w &= 0xffff;
    ir->raw = w;
    ir->len = (uint8_t)len;
    int op;
    if (len == 4) {
        op = vm_decode_op32(w);
        ir->op = (uint16_t)op;
        if (op == VM_OP_INVALID)
            return len;
        vm_decode_fields(op, w, ir);
    } else {
        int c = vm_decode_op16(w);
        if (c == VM_C_INVALID)
            return len; /* op stays VM_OP_INVALID */
        vm_decode_compressed(c, w, ir); /* sets the base op */
        op = ir->op;
    }
    uint8_t fl = vm_op_flags[op];
    /* pc-relative operands become absolute: blocks are keyed by pc anyway */
    if ((fl & VM_OPF_PCREL) || op == VM_OP_AUIPC)
        ir->imm = (int64_t)((uint64_t)ir->imm + pc);
    if ((fl & VM_OPF_XRD) && ir->rd == 0)
        ir->rd = VM_REG_SINK;
    return len;
}

/* Reads the 16-bit parcel at `a` for execution. `quiet`: only from plain
 * executable memory, touching nothing (no callback, no fault recorded). */
static int fetch16(vm_mem *m, uint64_t a, uint32_t *out, int quiet)
{
    if (vm_fast_ok(m->perm, m->npages, a, 2, VM_PERM_X, 0)) {
        uint16_t v;
        memcpy(&v, m->base + a, 2);
        *out = v;
        return VM_MEM_OK;
    }
    if (quiet)
        return VM_MEM_FAULT;
    uint64_t v;
    int r = vm_mem_slow_load(m, a, 2, VM_ACCESS_FETCH, &v);
    *out = (uint32_t)v;
    return r;
}

static uint32_t decode_block(vm_mem *m, uint64_t pc, vm_ir *out, uint32_t max, int *fetch_result,
                             int quiet)
{
    uint32_t n = 0;
    uint64_t a = pc;
    *fetch_result = VM_MEM_OK;
    while (n < max) {
        uint32_t lo, hi = 0;
        int r = fetch16(m, a, &lo, quiet);
        if (r == VM_MEM_OK && (lo & 3) == 3)
            r = fetch16(m, a + 2, &hi, quiet);
        if (r != VM_MEM_OK) {
            /* a later instruction that cannot be fetched ends the block, so the
             * fault is raised precisely when execution reaches it */
            if (n == 0)
                *fetch_result = r;
            break;
        }
        int len = vm_decode(lo | (hi << 16), a, &out[n]);
        out[n].pc_off = (uint16_t)(a - pc);
        uint16_t op = out[n++].op;
        a += (uint64_t)len;
        if (op == VM_OP_INVALID || (vm_op_flags[op] & VM_OPF_ENDS_BLOCK))
            break;
        if ((a >> VM_PAGE_BITS) != (pc >> VM_PAGE_BITS))
            break; /* blocks never start an instruction in a second page */
    }
    memset(&out[n], 0, sizeof out[n]);
    out[n].op = VM_OP_BLOCK_END;
    out[n].pc_off = (uint16_t)(a - pc);
    return n;
}

int vm_mem_holds_insn(vm_mem *m, uint64_t pc, uint32_t raw)
{
    uint32_t lo, hi = 0;
    if (fetch16(m, pc, &lo, 1) != VM_MEM_OK || ((lo & 3) == 3 && fetch16(m, pc + 2, &hi, 1) != VM_MEM_OK))
        return 1; /* (not plain memory: the cache does not see its writes; fence.i tells) */
    return (lo | hi << 16) == raw;
}

uint32_t vm_decode_block(vm_mem *m, uint64_t pc, vm_ir *out, uint32_t max, int *fetch_result)
{
    return decode_block(m, pc, out, max, fetch_result, 0);
}

uint32_t vm_peek_block(vm_mem *m, uint64_t pc, vm_ir *out, uint32_t max)
{
    int r;
    return decode_block(m, pc, out, max, &r, 1);
}

static uint64_t serials; /* the last block serial given */

/* b is a fork's child's own block, on c->own */
static inline int own_block(const vm_block_cache *c, const vm_block *b)
{
    return c->inherited && b->serial > c->inherited && !c->own_lost;
}

/* puts a fork's child's new block on c->own (out of memory: vm_cache_free walks
 * every chain instead) */
static void own_add(vm_block_cache *c, vm_block *b)
{
    if (c->n_own == c->max_own) {
        uint32_t max = c->max_own ? 2 * c->max_own : 256;
        vm_block **own = realloc(c->own, max * sizeof *own);
        if (!own) {
            c->own_lost = 1;
            return;
        }
        c->own = own;
        c->max_own = max;
    }
    c->own[c->n_own] = b;
    b->own_at = ++c->n_own;
}

static void own_remove(vm_block_cache *c, vm_block *b)
{
    vm_block *last = c->own[--c->n_own];
    c->own[b->own_at - 1] = last;
    last->own_at = b->own_at;
}


static vm_block *block_alloc(const vm_ir *ir, uint32_t n, uint64_t pc)
{
    vm_block *b = calloc(1, sizeof *b + (n + 1) * sizeof(vm_ir));
    if (!b)
        return NULL;
    memcpy(b->ir, ir, (n + 1) * sizeof(vm_ir));
    b->serial = __atomic_add_fetch(&serials, 1, __ATOMIC_RELAXED);
    b->pc = pc;
    b->n_insns = n;
    b->end_pc = pc + ir[n].pc_off;
    for (uint32_t i = 0; i < n; i++)
        b->n_mem += (vm_op_flags[ir[i].op] & VM_OPF_MEM) != 0;
    return b;
}

void vm_block_set_code(vm_block *b, void *code, uint32_t covered, uint32_t mem_ops, uint64_t lo,
                       uint64_t hi, uint32_t abi, int32_t countdown)
{
    b->jit_code = code;
    b->jit_len = covered;
    b->jit_mem = mem_ops;
    b->jit_lo = lo;
    b->jit_hi = hi;
    b->jit_abi = abi;
    for (uint32_t k = 0; k < VM_CHAIN_SLOTS; k++) /* (its exits unlinked: any linked for */
        b->chain[k].code = vm_jit_unlinked[abi];   /* code before go at the unchaining next) */
    b->jit_tier++;
    b->tier_countdown = countdown;
    b->job_waiting = 0;
}

int vm_code_checked(const vm_mem *m, const vm_block *b)
{
    if (!vm_mem_view_usable(m))
        return 1;
    for (uint64_t pg = b->pc >> VM_PAGE_BITS; pg <= (b->end_pc - 1) >> VM_PAGE_BITS; pg++)
        if (pg < m->npages && (m->perm[pg] & VM_PAGE_SOFT))
            return 1;
    return 0;
}

vm_block *vm_block_from_ir(const vm_ir *ir, uint32_t n, uint64_t pc, const char **why)
{
    if (n > 0xffff) {
        *why = "block too long";
        return NULL;
    }
    vm_ir *tmp = malloc((n + 1) * sizeof *tmp);
    if (!tmp) {
        *why = "out of memory";
        return NULL;
    }
    uint32_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
        tmp[i] = ir[i];
        /* any field a handler indexes with must stay in range */
        if (ir[i].op >= VM_OP_COUNT || ir[i].rd > VM_REG_SINK || ir[i].rs1 > 31
            || ir[i].rs2 > 31 || ir[i].rs3 > 31 || (ir[i].len != 2 && ir[i].len != 4)) {
            *why = "IR entry has an out-of-range field";
            free(tmp);
            return NULL;
        }
        if (off > 0xffff) {
            *why = "block too long";
            free(tmp);
            return NULL;
        }
        tmp[i].pc_off = (uint16_t)off;
        off += ir[i].len;
    }
    memset(&tmp[n], 0, sizeof tmp[n]);
    tmp[n].op = VM_OP_BLOCK_END;
    tmp[n].pc_off = (uint16_t)off;
    vm_block *b = block_alloc(tmp, n, pc);
    free(tmp);
    if (!b)
        *why = "out of memory";
    return b;
}

/* ---- the cache ---------------------------------------------------------- */

static inline uint32_t pc_hash(uint64_t pc)
{
    return (uint32_t)((pc >> 1) ^ (pc >> (VM_HASH_BITS + 1))) & ((1u << VM_HASH_BITS) - 1);
}

static inline uint32_t page_hash(uint64_t pg)
{
    return (uint32_t)(pg ^ (pg >> VM_PAGE_HASH_BITS)) & ((1u << VM_PAGE_HASH_BITS) - 1);
}

vm_block_cache *vm_cache_new(void)
{
    /* (mapped, not calloc'd: its 1.4 MB of hash tables are zero pages until used,
     * where calloc may clear a chunk of the heap, in a fork's child its parent's) */
    vm_block_cache *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED)
        return NULL;
    c->scratch = calloc(1, sizeof(vm_block) + (VM_MAX_BLOCK_INSNS + 1) * sizeof(vm_ir));
    if (!c->scratch) {
        munmap(c, sizeof *c);
        return NULL;
    }
    c->byte_limit = 256ull << 20;
    c->epoch = 1;
    c->links_until = VM_NO_UNTIL;
    vm_cache_unchain(c);
    return c;
}

void vm_cache_free_retired(vm_block_cache *c)
{
    while (c->retired) {
        vm_block *b = c->retired;
        c->retired = b->hnext;
        if (own_block(c, b))
            own_remove(c, b);
        free(b);
    }
}

/* b off the chain of blocks with far pages, if on it */
static void drop_far(vm_block_cache *c, vm_block *b)
{
    if (!b->on_far)
        return;
    vm_block **pp = &c->far;
    while (*pp && *pp != b)
        pp = &(*pp)->fnext;
    if (*pp)
        *pp = b->fnext;
    b->on_far = 0;
}

/* page pg holds code the cache keeps: stores there take the slow path, which
 * retires it (or, memory whose writes the cache does not see: fence.i flushes) */
static void mark_code_page(vm_mem *m, uint64_t pg)
{
    if (pg < m->npages)
        vm_mem_set_page(m, pg, m->perm[pg] | VM_PAGE_CODE);
    if (pg >= m->npages || m->all_callback || (m->perm[pg] & VM_PAGE_CALLBACK))
        m->cache->untracked = 1;
}

void vm_cache_set_far(vm_mem *m, vm_block *b, const uint64_t *pages, uint32_t n)
{
    vm_block_cache *c = m->cache;
    drop_far(c, b);
    memset(b->jit_far, 0, sizeof b->jit_far);
    if (n > VM_FAR_PAGES)
        n = VM_FAR_PAGES; /* (never: the compiler keeps within it) */
    for (uint32_t i = 0; i < n; i++) {
        b->jit_far[i] = pages[i] + 1;
        mark_code_page(m, pages[i]);
    }
    if (n) {
        b->fnext = c->far;
        c->far = b;
        b->on_far = 1;
    }
}

static void retire(vm_block_cache *c, vm_block *b)
{
    drop_far(c, b);
    /* unlink from the by-pc chain */
    vm_block **pp = &c->by_pc[pc_hash(b->pc)];
    while (*pp && *pp != b)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = b->hnext;
    c->n_blocks--;
    c->bytes -= sizeof *b + (b->n_insns + 1) * sizeof(vm_ir);
    b->hnext = c->retired;
    c->retired = b;
    c->epoch++;
    c->invalidations++;
}

/* whether an exit slot leads to no block's code (vm_jit_unlinked) */
static int unlinked(const vm_chain *exit)
{
    return exit->code == vm_jit_unlinked[0] || exit->code == vm_jit_unlinked[1] || !exit->code;
}

int vm_cache_link(vm_block_cache *c, vm_chain *exit, const vm_block *to)
{
    if (unlinked(exit)) { /* (a linked exit is on the list already) */
        if (c->n_linked == c->max_linked) {
            uint32_t max = c->max_linked ? 2 * c->max_linked : 1024;
            vm_chain **linked = realloc(c->linked, max * sizeof *linked);
            if (!linked)
                return 0;
            c->linked = linked;
            c->max_linked = max;
        }
        /* (with its convention in bit 0: slots are 8-byte aligned) */
        c->linked[c->n_linked++] = (vm_chain *)((uintptr_t)exit | to->jit_abi);
    }
    exit->code = to->jit_code;
    exit->pc = to->pc;
    return 1;
}

/* Once any block is retired, no compiled code may jump into it: every link
 * goes (the dispatcher links blocks again as they run). The exits linked are on
 * a list: walking the blocks with code instead, a cache miss or two each, took
 * 5 % of a Java program's run (500 unchainings of 11,000 blocks). A retired
 * block's exits are among them: it is freed after the unchaining its retirement
 * brings (vm_cache_invalidate_range, vm_cache_flush). */
void vm_cache_unchain(vm_block_cache *c)
{
    /* a new epoch: a link the dispatcher was about to make (an exit taken just
     * before) is void too, as its slot may now belong to other code (a tier-up
     * installed in the block whose exit it was numbers its exits afresh) */
    c->epoch++;
    for (uint32_t i = 0; i < 2 * VM_TC_SIZE; i++) {
        c->jit_tc[i].code = NULL;
        c->jit_tc[i].pc = VM_TC_EMPTY;
    }
    for (uint32_t i = 0; i < c->n_linked; i++) {
        vm_chain *exit = (vm_chain *)((uintptr_t)c->linked[i] & ~(uintptr_t)1);
        /* (one unlinked already was code installed afresh, maybe of another
         * convention: vm_block_set_code set it so) */
        if (!unlinked(exit))
            exit->code = vm_jit_unlinked[(uintptr_t)c->linked[i] & 1];
    }
    c->n_linked = 0;
}

void vm_cache_fence_i(vm_mem *m)
{
    if (m->cache->untracked)
        vm_cache_flush(m);
}

void vm_cache_flush(vm_mem *m)
{
    vm_block_cache *c = m->cache;
    for (vm_block *b = c->far; b; b = b->fnext) /* (every block goes: no list to keep) */
        b->on_far = 0;
    c->far = NULL;
    for (uint32_t i = 0; i < (1u << VM_PAGE_HASH_BITS); i++) {
        vm_block *b = c->by_page[i];
        c->by_page[i] = NULL;
        while (b) {
            vm_block *next = b->pnext;
            for (uint64_t pg = b->pc >> VM_PAGE_BITS; pg <= (b->end_pc - 1) >> VM_PAGE_BITS; pg++)
                if (pg < m->npages)
                    vm_mem_set_page(m, pg, m->perm[pg] & ~VM_PAGE_CODE);
            retire(c, b);
            b = next;
        }
    }
    c->untracked = 0;
    vm_cache_unchain(c);
}

static inline int overlaps(uint64_t lo, uint64_t hi, uint64_t a, uint64_t b)
{
    return lo < b && a < hi;
}

/* b holds a byte of [lo, hi), or its compiled region may */
static inline int holds(const vm_block *b, uint64_t lo, uint64_t hi)
{
    return overlaps(b->pc, b->end_pc, lo, hi)
           || (b->jit_code && overlaps(b->jit_lo, b->jit_hi, lo, hi));
}

/* a write to [lo, hi) reached code: kept for vm_cache_written_since */
static void note_write(vm_block_cache *c, uint64_t lo, uint64_t hi)
{
    c->written[c->code_writes % VM_WRITES_KEPT].lo = lo;
    c->written[c->code_writes % VM_WRITES_KEPT].hi = hi;
    __atomic_store_n(&c->code_writes, c->code_writes + 1, __ATOMIC_RELEASE);
}

int vm_cache_written_since(const vm_block_cache *c, uint64_t since, uint64_t lo, uint64_t hi)
{
    if (c->code_writes - since > VM_WRITES_KEPT)
        return 1; /* (more than are kept: any may have) */
    for (uint64_t n = since; n != c->code_writes; n++)
        if (overlaps(c->written[n % VM_WRITES_KEPT].lo, c->written[n % VM_WRITES_KEPT].hi, lo, hi))
            return 1;
    return 0;
}

/* Retires the blocks that hold a byte of [lo, hi), a range within page `pg`:
 * of those starting in it, those starting in the page before that run into it,
 * and those whose compiled regions cover it from another (vm_block.jit_far).
 * Once no block is left there, the page's stores are fast again: from then on
 * they go unseen, so the whole page counts as written (for compiles under way). */
static void invalidate_page(vm_mem *m, uint64_t pg, uint64_t lo, uint64_t hi)
{
    vm_block_cache *c = m->cache;
    int left = 0; /* blocks on the page that stay */
    for (int k = 0; k < 2; k++) {
        uint64_t start_pg = pg - (uint64_t)k;
        if (k == 1 && pg == 0)
            break;
        vm_block **pp = &c->by_page[page_hash(start_pg)];
        while (*pp) {
            vm_block *b = *pp;
            if ((b->pc >> VM_PAGE_BITS) == start_pg
                && (k == 0 || ((b->end_pc - 1) >> VM_PAGE_BITS) >= pg)) {
                if (holds(b, lo, hi)) {
                    *pp = b->pnext;
                    retire(c, b);
                    continue;
                }
                left = 1;
            }
            pp = &b->pnext;
        }
    }
    for (vm_block **fp = &c->far; *fp;) {
        vm_block *b = *fp;
        int hit = 0;
        for (int i = 0; i < VM_FAR_PAGES && b->jit_far[i]; i++)
            hit |= b->jit_far[i] == pg + 1;
        if (!hit || !holds(b, lo, hi)) {
            left |= hit;
            fp = &b->fnext;
            continue;
        }
        *fp = b->fnext;
        b->on_far = 0;
        vm_block **pp = &c->by_page[page_hash(b->pc >> VM_PAGE_BITS)];
        while (*pp && *pp != b)
            pp = &(*pp)->pnext;
        if (*pp)
            *pp = b->pnext;
        retire(c, b);
    }
    if (!left && pg < m->npages && (m->perm[pg] & VM_PAGE_CODE)) {
        vm_mem_set_page(m, pg, m->perm[pg] & ~VM_PAGE_CODE);
        note_write(c, pg << VM_PAGE_BITS, (pg + 1) << VM_PAGE_BITS);
    }
}

/* A write to code page pg that retired no block: the VM_DATA_WRITES-th in a row
 * there has the page taken for data beside code (HotSpot keeps call targets and
 * constants beside its compiled code, and patches them). Every block on it goes
 * then, and its stores are fast again, until code is decoded from it again. */
static void data_write(vm_mem *m, uint64_t pg)
{
    vm_block_cache *c = m->cache;
    __typeof__(c->data_writes[0]) *d = &c->data_writes[pg % VM_DATA_SLOTS];
    if (d->pg != pg + 1) {
        d->pg = pg + 1;
        d->n = 0;
    }
    if (++d->n >= VM_DATA_WRITES) {
        d->pg = 0;
        invalidate_page(m, pg, pg << VM_PAGE_BITS, (pg + 1) << VM_PAGE_BITS);
    }
}

/* Only the blocks holding a byte of the range go, not all those on its pages:
 * HotSpot writes beside its code, a few bytes at a time, and whole pages retired
 * 23,900 blocks in a Java program's run, of which 254 held a byte written (each
 * then decoded and compiled again, and each time every link dropped). */
void vm_cache_invalidate_range(vm_mem *m, uint64_t addr, uint64_t size)
{
    if (!m->cache || !size || !m->cache->n_blocks)
        return;
    uint64_t first = addr >> VM_PAGE_BITS, last = (addr + size - 1) >> VM_PAGE_BITS;
    if (last < first || (m->all_callback && last - first > 4096)) {
        vm_cache_flush(m);
        return;
    }
    vm_block_cache *c = m->cache;
    uint64_t epoch = c->epoch;
    /* the pages of code in the range alone (without flags, a user MMU's: all),
     * found a chunk or eight pages at a time: a munmap of a large range (V8's heap
     * reservations, hundreds of MB) used to flush every block and all compiled code */
    uint64_t end = m->all_callback || last < m->npages ? last + 1 : m->npages;
    for (uint64_t pg = first; pg < end; pg++) {
        if (!m->all_callback && (pg = vm_mem_next_flagged(m, pg, end, VM_PAGE_CODE)) >= end)
            break;
        uint64_t lo = pg == first ? addr : pg << VM_PAGE_BITS;
        uint64_t hi = pg == last ? addr + size : (pg + 1) << VM_PAGE_BITS;
        uint64_t before = c->epoch;
        note_write(c, lo, hi);
        invalidate_page(m, pg, lo, hi);
        if (c->epoch != before)
            c->data_writes[pg % VM_DATA_SLOTS].pg = 0; /* (code after all: a new row) */
        else if (pg < m->npages && (m->perm[pg] & VM_PAGE_CODE))
            data_write(m, pg);
    }
    if (c->epoch != epoch)
        vm_cache_unchain(c);
}

vm_block *vm_cache_lookup(vm_block_cache *c, uint64_t pc)
{
    vm_block **head = &c->by_pc[pc_hash(pc)];
    vm_block *b = *head;
    if (!b || b->pc == pc)
        return b;
    for (vm_block *before = b; (b = before->hnext); before = b)
        if (b->pc == pc) {
            /* to the front of its chain: the blocks a program runs now are found
             * first (walking past others, each a cache miss, was most of the
             * lookups' time in Node.js, 135,000 blocks) */
            before->hnext = b->hnext;
            b->hnext = *head;
            *head = b;
            return b;
        }
    return NULL;
}

int vm_cache_call_seen(const vm_block_cache *c, uint64_t pc, uint64_t targets[2])
{
    const uint32_t i = VM_TC_INDEX(pc);
    if (__atomic_load_n(&c->call_seen[i].pc, __ATOMIC_RELAXED) != pc)
        return 0;
    targets[0] = __atomic_load_n(&c->call_seen[i].target, __ATOMIC_RELAXED);
    targets[1] = __atomic_load_n(&c->call_seen[i].other, __ATOMIC_RELAXED);
    return targets[1] && targets[1] != targets[0] ? 2 : 1;
}

vm_block *vm_cache_translate(vm_mem *m, uint64_t pc, int *err)
{
    vm_block_cache *c = m->cache;
    vm_ir ir[VM_MAX_BLOCK_INSNS + 1];
    uint32_t n = vm_decode_block(m, pc, ir, VM_MAX_BLOCK_INSNS, err);
    if (n == 0)
        return NULL;
    if (c->bytes > c->byte_limit)
        vm_cache_flush(m);
    vm_block *b = block_alloc(ir, n, pc);
    if (!b) {
        *err = VM_MEM_NOMEM;
        return NULL;
    }
    b->hnext = c->by_pc[pc_hash(pc)];
    c->by_pc[pc_hash(pc)] = b;
    b->pnext = c->by_page[page_hash(pc >> VM_PAGE_BITS)];
    c->by_page[page_hash(pc >> VM_PAGE_BITS)] = b;
    for (uint64_t pg = pc >> VM_PAGE_BITS; pg <= (b->end_pc - 1) >> VM_PAGE_BITS; pg++)
        mark_code_page(m, pg);
    c->n_blocks++;
    c->bytes += sizeof *b + (n + 1) * sizeof(vm_ir);
    c->blocks_built++;
    if (c->inherited && !c->own_lost)
        own_add(c, b);
    return b;
}

void vm_cache_forked(vm_block_cache *c)
{
    c->inherited = __atomic_load_n(&serials, __ATOMIC_RELAXED);
    c->own = NULL; /* (a list of its parent's blocks, if any: theirs, left too) */
    c->n_own = c->max_own = 0;
    c->own_lost = 0;
}

/* frees the blocks of a chain (by hnext) but a fork's child's parent's */
static void free_chain(const vm_block_cache *c, vm_block *b)
{
    while (b) {
        vm_block *next = b->hnext;
        if (b->serial > c->inherited)
            free(b);
        b = next;
    }
}

void vm_cache_free(vm_block_cache *c)
{
    if (c->inherited && !c->own_lost) {
        /* a fork's child: only the blocks on c->own are its own, and reading the
         * others to tell would cost a cache miss each (~1 ms at an exec of bash) */
        for (uint32_t k = 0; k < c->n_own; k++)
            free(c->own[k]);
    } else {
        for (uint32_t i = 0; i < (1u << VM_HASH_BITS); i++)
            free_chain(c, c->by_pc[i]);
        free_chain(c, c->retired);
    }
    free(c->own);
    free(c->linked);
    if (c->code) {
        vm_code_arena_destroy(c->code);
        free(c->code);
    }
    free(c->scratch);
    munmap(c, sizeof *c);
}
