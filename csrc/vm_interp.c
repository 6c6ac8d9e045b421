/* The interpreter loop: threaded dispatch (computed goto) over IR blocks.
 *
 * Every table entry gets its handler through VM_OP_LIST, so an instruction
 * without a handler is a compile error ("label used but not defined").
 * Instruction counts are exact: a block's count is added when it starts and
 * the part not executed is taken back when it ends early (fault, ebreak, a
 * taken branch in the middle of a user-built block). */
#include "vm_interp.h"
#include "vm_fp_ops.h"
#include "vm_m_ops.h"
#include "vm_regs.h"
#include "vm_jit.h"
#include <limits.h>
#include <time.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* vm_engine's custom read-only user CSRs (the range 0xCC0-0xCFF the privileged
 * spec leaves to implementations): 0xCC0 + n reads the host's clock n (a Linux
 * clock id) in nanoseconds, for the vDSO's clock_gettime and gettimeofday
 * (vm_engine/linux/vdso/vdso.c); -1: not one of them */
static clockid_t host_clock_of(unsigned csr)
{
    switch (csr) {
    case 0xCC0: return CLOCK_REALTIME;
    case 0xCC1: return CLOCK_MONOTONIC;
#ifdef __linux__ /* (the others are Linux's) */
    case 0xCC4: return CLOCK_MONOTONIC_RAW;
    case 0xCC5: return CLOCK_REALTIME_COARSE;
    case 0xCC6: return CLOCK_MONOTONIC_COARSE;
    case 0xCC7: return CLOCK_BOOTTIME;
#endif
    default: return (clockid_t)-1;
    }
}

static uint64_t host_clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t time_csr(void)
{
    /* 10 MHz timebase, as QEMU's virt machine and most RISC-V Linux boards */
    return host_clock_ns(CLOCK_MONOTONIC) / 100u;
}

int vm_csr_access(vm_cpu *cpu, unsigned csr, int op, uint64_t src, int write,
                  uint64_t instret_now, uint64_t *old)
{
    uint64_t v;
    if (csr <= 3)
        vm_fp_fold(cpu); /* flags the host FPU has gathered since the last fold */
    switch (csr) {
    case 0x001: v = cpu->fcsr & 0x1f; break;        /* fflags */
    case 0x002: v = (cpu->fcsr >> 5) & 7; break;    /* frm */
    case 0x003: v = cpu->fcsr & 0xff; break;        /* fcsr */
    case 0xC00: v = instret_now; break;             /* cycle: one per instruction */
    case 0xC01: v = time_csr(); break;              /* time */
    case 0xC02: v = instret_now; break;             /* instret */
    default: {
        clockid_t clock = host_clock_of(csr);
        if (clock == (clockid_t)-1)
            return VM_FAULT_ILLEGAL_INSTRUCTION;
        v = host_clock_ns(clock);
    }
    }
    if (write) {
        if ((csr >> 10) == 3)
            return VM_FAULT_ILLEGAL_INSTRUCTION; /* read-only CSR */
        uint64_t nv = op == 0 ? src : op == 1 ? (v | src) : (v & ~src);
        switch (csr) {
        case 0x001: cpu->fcsr = (cpu->fcsr & ~0x1fu) | (uint32_t)(nv & 0x1f); break;
        case 0x002: cpu->fcsr = (cpu->fcsr & 0x1fu) | (uint32_t)((nv & 7) << 5); break;
        case 0x003: cpu->fcsr = (uint32_t)(nv & 0xff); break;
        }
    }
    *old = v;
    return 0;
}

int vm_csr_exec(vm_cpu *cpu, const vm_ir *ir, uint64_t instret_now)
{
    uint64_t *const x = cpu->x;
    int imm = ir->op == VM_OP_CSRRWI || ir->op == VM_OP_CSRRSI || ir->op == VM_OP_CSRRCI;
    int op = (ir->op == VM_OP_CSRRW || ir->op == VM_OP_CSRRWI) ? 0
             : (ir->op == VM_OP_CSRRS || ir->op == VM_OP_CSRRSI) ? 1 : 2;
    /* csrrs/csrrc with x0 (or a zero immediate) only read */
    int writes = op == 0 || (imm ? ir->imm != 0 : ir->rs1 != 0);
    uint64_t old;
    int r = vm_csr_access(cpu, ir->aux, op, imm ? (uint64_t)ir->imm : RS1, writes, instret_now,
                          &old);
    if (!r)
        RD = old;
    return r;
}

/* Copies the first k instructions of b into the cache's scratch block, closed
 * so that execution stops before instruction k. */
static vm_block *truncated(vm_block_cache *c, const vm_block *b, uint32_t k)
{
    vm_block *s = c->scratch;
    s->pc = b->pc;
    s->n_insns = k;
    s->n_mem = 0;
    memcpy(s->ir, b->ir, k * sizeof(vm_ir));
    for (uint32_t i = 0; i < k; i++)
        s->n_mem += (vm_op_flags[b->ir[i].op] & VM_OPF_MEM) != 0;
    memset(&s->ir[k], 0, sizeof(vm_ir));
    s->ir[k].op = VM_OP_BLOCK_END;
    s->ir[k].pc_off = b->ir[k].pc_off;
    s->end_pc = b->pc + b->ir[k].pc_off;
    return s;
}

/* memory accesses among instructions [from, to) of b */
static uint32_t mem_ops_between(const vm_block *b, uint32_t from, uint32_t to)
{
    uint32_t k = 0;
    for (uint32_t i = from; i < to; i++)
        k += (vm_op_flags[b->ir[i].op] & VM_OPF_MEM) != 0;
    return k;
}

/* memory accesses among instructions [from, n) of b: taken back on early exit */
static uint32_t mem_ops_from(const vm_block *b, uint32_t from)
{
    return mem_ops_between(b, from, b->n_insns);
}


/* After the code arena has filled up (vm_code_full), a block waits THRASH_RUNS runs
 * before it is compiled, twice as many after each further time, up to THRASH_MOST
 * (about Hybrid's threshold), if the run's own threshold is lower: where the JIT
 * compiles every block at its first run, code that ran once would fill a cache too
 * small for all of a program's code again and again, and what runs often be
 * compiled anew each time (python3's start in 256 KiB: 1,270 flushes, 25 s). */
#define THRASH_RUNS 16
#define THRASH_MOST 1024
static inline int64_t compile_at(const vm_run_opts *o, const vm_block_cache *c)
{
    uint32_t f = c->full_flushes;
    int64_t least = !f ? 0 : f > 7 ? THRASH_MOST : (int64_t)THRASH_RUNS << (f - 1);
    return (int64_t)o->compile_threshold > least ? (int64_t)o->compile_threshold : least;
}

/* Whether the run's `until` pc lies among the pcs b's compiled region covers.
 * Compiled code may run on (with a whole slice, through links and the
 * indirect-jump table) only into blocks where it does not: it stops at block
 * boundaries, not at `until`. */
static inline int until_near(const vm_run_opts *o, const vm_block *b)
{
    return o->has_until && o->until - b->jit_lo < b->jit_hi - b->jit_lo;
}

int vm_run(vm_cpu *cpu, vm_mem *mem, const vm_run_opts *o)
{
#define VM_LABEL(name, mnemonic) [VM_OP_##name] = &&op_##name,
    static const void *const dispatch[VM_OP_TOTAL] = {
        [VM_OP_INVALID] = &&op_INVALID,
        VM_OP_LIST(VM_LABEL)
        [VM_OP_BLOCK_END] = &&op_BLOCK_END,
    };
#undef VM_LABEL
    uint64_t *const x = cpu->x;
    uint8_t *const base = mem->base;
    const uint8_t *const perm = mem->perm;
    const uint64_t npages = mem->npages;
    vm_block_cache *const cache = mem->cache;
    /* the options, copied: read through o, each would be read again after every
     * store the run makes through a uint64_t pointer (it might be one of them) */
    const vm_run_opts run = *o;
    uint64_t budget = run.budget;
    uint64_t pc = cpu->pc;
    vm_block *prev = NULL; /* the block just run, for its successor links */
    int link_slot = 0;
    vm_block *b, *exec;
    const vm_ir *ir;
    uint64_t bpc, epoch;
    uint32_t done; /* instructions of exec that completed */
    int exit_reason = -1;
    int r;
    int cur_rm = -1; /* host rounding mode set for the guest (-1: untouched) */
    uint32_t poll_countdown = VM_POLL_BLOCKS;
    int install_now = 1;                    /* (background compiles: vm_jobs.h) */
    uint32_t install_wait = VM_JOBS_WAIT;
    vm_chain *pending_link = NULL; /* exit slot of the compiled block that returned last */
    uint64_t pending_epoch = 0;
    uint32_t pending_abi = 0;
    /* A budget exit at a loop inside a region leaves a way back into the same code
     * (rt.resume, x86.py: _emit_seg): taken when the run comes straight back to that
     * pc with the registers as they were, so the loop goes on in the code that knew
     * its constants and ranges, not in a region compiled (on first run: again) for
     * the loop's head alone. Taken once at most: anything else first drops it. */
    void *resume = NULL, *entry;
    uint32_t resume_abi = 0, entry_abi;
    uint64_t resume_pc = 0, resume_epoch = 0, resume_x[32];
    int resumed;
    const int host_rm_saved = fegetround();

    cpu->fault_kind = VM_FAULT_NONE;
    if (run.compile && cache && cache->links_until != (run.has_until ? run.until : VM_NO_UNTIL)) {
        /* links made under another `until` may lead compiled code past this one */
        vm_cache_unchain(cache);
        cache->links_until = run.has_until ? run.until : VM_NO_UNTIL;
    }
    const vm_jit_running outer = vm_jit_now; /* (a callback may run another machine) */
    vm_jobs *const outer_jobs = vm_jobs_of_run;
    const vm_cpu_jit outer_jit = cpu->jit; /* (or this one: vm_cpu_jit) */
    vm_jobs_of_run = run.jobs;
    if (run.compile || run.one_block) {
        if (!run.keep_handler)
            vm_jit_fault_handler(); /* (on top again, should one have come since) */
        /* the view compiled code on this thread accesses, for the fault handler */
        if (mem->view)
            vm_jit_now = (vm_jit_running){mem->view - VM_VIEW_GUARD,
                                          mem->view + mem->size + VM_VIEW_GUARD, cpu, run.arena};
    }
    feclearexcept(FE_ALL_EXCEPT); /* from here on, host FP flags are the guest's */
next_block:
    if (run.one_block) {
        b = run.one_block;
    } else {
        if (unlikely(cpu->stop_request)) {
            exit_reason = VM_EXIT_STOP;
            goto out;
        }
        if (run.has_until && pc == run.until) {
            exit_reason = VM_EXIT_UNTIL;
            goto out;
        }
        if (budget == 0) {
            exit_reason = VM_EXIT_BUDGET;
            goto out;
        }
        if (unlikely(--poll_countdown == 0)) {
            poll_countdown = VM_POLL_BLOCKS;
            /* (not while the compiler thread holds the GIL: the poll would wait for it) */
            if (run.poll && !(run.jobs && __atomic_load_n(&run.jobs->busy, __ATOMIC_RELAXED))) {
                /* Python signal handlers run with the host's FP environment,
                 * as memory callbacks do (vm_mem.c) */
                fenv_t env;
                fegetenv(&env);
                fesetenv(FE_DFL_ENV);
                vm_jobs_want_gil(1); /* (a job queued since may have the compiler
                                      * thread take it first) */
                r = run.poll(run.poll_ctx);
                vm_jobs_want_gil(0);
                fesetenv(&env);
                if (r) {
                    exit_reason = VM_EXIT_CALLBACK_ERROR;
                    goto out;
                }
            }
        }
        if (unlikely(mem->view_changed)) {
            /* code compiled for the view may skip checks it makes (vm_jit.h): none
             * of it may run on plain memory (it is compiled again, checking); and
             * code compiled checking, once the view may be used again, is slower */
            mem->view_changed = 0;
            vm_cache_flush(mem); /* (the blocks are freed below) */
        }
        if (run.jobs && __atomic_load_n(&run.jobs->n_done, __ATOMIC_ACQUIRE)
            && (install_now || --install_wait == 0 || vm_jobs_due(run.jobs))) {
            vm_jobs_install(run.jobs, mem, run.arena); /* (a flush retires every block) */
            install_now = 0;
            install_wait = VM_JOBS_WAIT;
        }
        if (unlikely(run.jobs && __atomic_load_n(&run.jobs->failed, __ATOMIC_RELAXED))) {
            exit_reason = VM_EXIT_CALLBACK_ERROR; /* the compiler thread raised */
            goto out;
        }
        if (unlikely(cache->retired)) {
            vm_cache_free_retired(cache);
            prev = NULL;
            pending_link = NULL;
            resume = NULL;
        }
        if (prev && prev->link_epoch == cache->epoch && prev->link[link_slot]
            && prev->link[link_slot]->pc == pc) {
            b = prev->link[link_slot];
        } else {
            b = vm_cache_lookup(cache, pc);
            if (!b) {
                b = vm_cache_translate(mem, pc, &r);
                if (!b) {
                    if (r == VM_MEM_FAULT) {
                        cpu->fault_kind = VM_FAULT_PAGE;
                        cpu->fault_addr = mem->fault_addr;
                        cpu->fault_access = VM_ACCESS_FETCH;
                        cpu->fault_insn = 0;
                        exit_reason = VM_EXIT_FAULT;
                    } else {
                        exit_reason = r == VM_MEM_NOMEM ? VM_EXIT_NOMEM : VM_EXIT_CALLBACK_ERROR;
                    }
                    goto out;
                }
            }
            if (prev) {
                if (prev->link_epoch != cache->epoch) {
                    prev->link[0] = prev->link[1] = NULL;
                    prev->link_epoch = cache->epoch;
                }
                prev->link[link_slot] = b;
            }
        }
    }
    if (resume) {
        entry = resume;
        resume = NULL;
        if (pc == resume_pc && cache->epoch == resume_epoch && ((cpu->fcsr >> 5) & 7) < 4
            && !memcmp(resume_x, x, sizeof resume_x)) {
            entry_abi = resume_abi;
            resumed = 1;
            pending_link = NULL;
            goto enter;
        }
    }
    if (run.compile || run.one_block) { /* JIT and Hybrid (the interpreter alone skips this) */
        /* (signed: a deferred compile sets exec_count below zero to wait longer) */
        if (run.probe_threshold && !b->store_probed && !b->jit_tried && !run.one_block
            && (int64_t)b->exec_count >= (int64_t)run.probe_threshold
            && (int64_t)b->exec_count < compile_at(&run, cache)) {
            b->store_probed = 1; /* (its code looked for in the store: compiles nothing) */
            b->job_waiting = !vm_jobs_submit(run.jobs, mem, b, 1);
        }
        if (run.compile && !run.one_block && !b->jit_tried
            && (int64_t)b->exec_count >= compile_at(&run, cache)) {
            b->jit_tried = 1;
            if (run.jobs) { /* compiled in the background; (out of memory: interpreted) */
                b->job_waiting = !vm_jobs_submit(run.jobs, mem, b, 0);
            } else {
                uint64_t e0 = cache->epoch;
                void *old_code = b->jit_code;
                fenv_t env; /* Python runs with the host's FP environment */
                fegetenv(&env);
                fesetenv(FE_DFL_ENV);
                r = run.compile(run.compile_ctx, b);
                fesetenv(&env);
                if (r) {
                    exit_reason = VM_EXIT_CALLBACK_ERROR;
                    goto out;
                }
                if (old_code && b->jit_code != old_code)
                    vm_cache_unchain(cache); /* a tier-up: nothing may enter the old code again */
                if (cache->epoch != e0) { /* compiling flushed the cache: look up again */
                    prev = NULL;
                    goto next_block;
                }
                if (unlikely(cpu->stop_request))
                    goto next_block; /* asked while compiling: before the block, as it
                                      * came (after it, a signal would come late) */
            }
        }
        if (pending_link && cache->epoch == pending_epoch && b->jit_code && b->jit_abi == pending_abi
            && !until_near(&run, b))
            vm_cache_link(cache, pending_link, b); /* the exit just taken now leads here */
        pending_link = NULL;
        /* compiled FP rounds in the host's mode: frm RMM (no host mode) and the
         * reserved values (which must trap) are left to the interpreter */
        if (b->jit_code && ((cpu->fcsr >> 5) & 7) < 4 && (run.one_block || (budget >= b->jit_len
                && !(run.has_until && run.until - b->pc < b->ir[b->jit_len].pc_off)))) {
            entry = b->jit_code;
            entry_abi = b->jit_abi;
            resumed = 0;
        enter:;
            /* compiled code counts for itself and may run on through linked blocks;
             * it returns now and then so stop requests and signals are seen. A run
             * that must stop at this block's end (one block, or an `until` pc in
             * the pages its region may cover) gets a budget of exactly the block:
             * the region beyond it, its loops and linked blocks all stop at their
             * budget checks. (No link leads to such a block: see until_near.) */
            uint64_t slice = !resumed && (run.one_block || until_near(&run, b)) ? b->jit_len
                             : (budget < VM_JIT_SLICE ? budget : VM_JIT_SLICE);
            int frm = (int)((cpu->fcsr >> 5) & 7); /* compiled FP rounds in the host's mode */
            if (frm != cur_rm) {
                fesetround(vm_host_rm[frm]);
                cur_rm = frm;
            }
            vm_jit_rt rt = {cpu, mem, slice, VM_JIT_OK, cur_rm, NULL, cache->epoch, 0, 0};
            cpu->jit = (vm_cpu_jit){&rt, 0, cache->jit_tc, npages, perm};
            /* (here, not once per run: the first compile, in a run, makes them) */
            memcpy(cpu->jit_stubs, vm_jit_stubs, sizeof vm_jit_stubs);
            uint8_t *view = vm_mem_jit_view(mem, &cpu->jit.limit);
            if (!resumed && b->jit_abi < 2 && !run.one_block && !until_near(&run, b)) {
                /* indirect jumps in compiled code find it here from now on */
                vm_chain *t = &cache->jit_tc[b->jit_abi * VM_TC_SIZE + VM_TC_INDEX(b->pc)];
                t->code = b->jit_code;
                t->pc = b->pc;
            }
            if (!resumed)
                b->exec_count++;
            const uint64_t entered_pc = pc;
            pc = vm_jit_enter[entry_abi](cpu, &rt, view, entry);
            cur_rm = rt.cur_rm;
            budget -= slice - rt.budget;
            cpu->instret += slice - rt.budget;
            cpu->jit_instret += slice - rt.budget;
            if (slice - rt.budget > VM_JIT_SLICE / 2)
                poll_countdown = 1; /* long in host code: look at signals next */
            if (rt.resume && rt.status == VM_JIT_OK && rt.budget < slice && !run.one_block
                && !run.has_until) {
                resume = rt.resume;
                resume_abi = rt.resume_abi;
                resume_pc = pc;
                resume_epoch = cache->epoch;
                memcpy(resume_x, x, sizeof resume_x);
            }
            if (unlikely(rt.status == VM_JIT_FAULT)) {
                exit_reason = VM_EXIT_FAULT;
                goto out;
            }
            if (unlikely(rt.status == VM_JIT_CALLBACK_ERROR)) {
                exit_reason = VM_EXIT_CALLBACK_ERROR;
                goto out;
            }
            if (run.one_block) {
                for (uint32_t k = 0; k < b->n_insns; k++)
                    if (pc == b->pc + b->ir[k].pc_off && k > 0) {
                        /* the rest of this block has no compiled code: interpret it */
                        exec = b;
                        bpc = b->pc;
                        epoch = cache->epoch;
                        cpu->instret += b->n_insns - k;
                        cpu->mem_accesses += mem_ops_between(b, k, b->n_insns);
                        ir = b->ir + k;
                        goto *dispatch[ir->op];
                    }
                exit_reason = VM_EXIT_BLOCK_END;
                goto out;
            }
            pending_link = rt.exit_slot;
            pending_abi = rt.exit_abi;
            pending_epoch = cache->epoch;
            prev = NULL;
            /* Nothing ran: the budget (or an `until` pc) falls inside the first
             * accounting unit of the code, which charges several blocks at once.
             * Interpreted, the block makes progress. (Not for a stop request, or
             * a first tier that asks to be compiled again.) */
            if (unlikely(pc == entered_pc && rt.budget == slice && !cpu->stop_request)) {
                if (resumed)
                    goto next_block; /* (the budget's rest is too small for the unit there) */
                if (b->jit_tried)
                    goto interpret;
            }
            goto next_block;
        }
    }
interpret:
    exec = b;
    if (!run.one_block) {
        uint32_t k = b->n_insns;
        if (unlikely(budget < k))
            k = (uint32_t)budget;
        if (unlikely(run.has_until && run.until - b->pc < b->end_pc - b->pc)) {
            for (uint32_t i = 1; i < k; i++)
                if (b->pc + b->ir[i].pc_off == run.until) {
                    k = i;
                    break;
                }
        }
        if (unlikely(k < b->n_insns))
            exec = truncated(cache, b, k);
        budget -= exec->n_insns;
    }
    b->exec_count++;
    if (unlikely(b->job_waiting) && run.jobs && (++b->job_waiting & (VM_JOB_BUMP - 1)) == 0
        && !vm_jobs_bump(run.jobs, b->serial)) {
        b->job_waiting = 0; /* (taken meanwhile) */
        install_now = 1;    /* (and running hot: its code goes in as soon as it is done) */
    }
    cpu->interp_blocks++;
    cpu->instret += exec->n_insns;
    cpu->mem_accesses += exec->n_mem;
    bpc = exec->pc;
    epoch = cache ? cache->epoch : 0;
    ir = exec->ir;
    goto *dispatch[ir->op];

#define NEXT do { ir++; goto *dispatch[ir->op]; } while (0)
#define NEXT_PC (bpc + ir->pc_off + ir->len)
#define IMM ((uint64_t)ir->imm)
/* control transfer to `target`: ends the block (a decoded block has it last) */
#define JUMP(target) do { pc = (target); goto after_jump; } while (0)
/* leave the block after this instruction, continuing at `target` */
#define LEAVE(target) do { pc = (target); goto after_insn; } while (0)

    /* ---- loads and stores ---------------------------------------------- */
#define LOAD(T, WIDEN) LOAD_TO(RD, T, WIDEN)
#define LOAD_TO(DST, T, WIDEN) { uint64_t a_ = RS1 + IMM; LOAD_FROM_ADDR(a_, DST, T, WIDEN) }
#define LOAD_FROM_ADDR(A, DST, T, WIDEN) {                                      \
        T v_;                                                                   \
        if (likely(vm_fast_ok(perm, npages, A, sizeof(T), VM_PERM_R, 0))) {     \
            memcpy(&v_, base + A, sizeof(T));                                   \
        } else {                                                                \
            uint64_t t_;                                                        \
            r = vm_mem_slow_load(mem, A, sizeof(T), VM_ACCESS_READ, &t_);       \
            if (unlikely(r != VM_MEM_OK))                                       \
                goto mem_error;                                                 \
            v_ = (T)t_;                                                         \
            DST = WIDEN(v_);                                                    \
            if (unlikely(cache && cache->epoch != epoch))                       \
                LEAVE(NEXT_PC); /* a callback changed code */                    \
            NEXT;                                                               \
        }                                                                       \
        DST = WIDEN(v_);                                                        \
        NEXT;                                                                   \
    }
#define STORE(T) STORE_FROM(RS2, T)
#define STORE_FROM(SRC, T) {                                                    \
        uint64_t a_ = RS1 + IMM;                                                \
        T v_ = (T)(SRC);                                                        \
        if (likely(vm_fast_ok(perm, npages, a_, sizeof(T), VM_PERM_W, VM_PAGE_CODE))) { \
            memcpy(base + a_, &v_, sizeof(T));                                  \
            NEXT;                                                               \
        }                                                                       \
        r = vm_mem_slow_store(mem, a_, sizeof(T), (uint64_t)v_);                \
        if (unlikely(r != VM_MEM_OK))                                           \
            goto mem_error;                                                     \
        if (unlikely(cache && cache->epoch != epoch))                           \
            LEAVE(NEXT_PC); /* this block may be stale now: leave it */          \
        NEXT;                                                                   \
    }
#define S8(v) ((uint64_t)(int64_t)(int8_t)(v))
#define S16(v) ((uint64_t)(int64_t)(int16_t)(v))
#define Z(v) ((uint64_t)(v))
op_LB: LOAD(uint8_t, S8)
op_LH: LOAD(uint16_t, S16)
op_LW: LOAD(uint32_t, S32)
op_LD: LOAD(uint64_t, Z)
op_LBU: LOAD(uint8_t, Z)
op_LHU: LOAD(uint16_t, Z)
op_LWU: LOAD(uint32_t, Z)
op_SB: STORE(uint8_t)
op_SH: STORE(uint16_t)
op_SW: STORE(uint32_t)
op_SD: STORE(uint64_t)
op_FLW: LOAD_TO(FRD, uint32_t, box_s)
op_FLD: LOAD_TO(FRD, uint64_t, Z)
op_FSW: STORE_FROM(FRS2, uint32_t)
op_FSD: STORE_FROM(FRS2, uint64_t)

    /* ---- A: LR/SC and AMOs --------------------------------------------- */
    /* (atomic on the host: memory shared with other processes, vm_mem_share, is
     * changed by them meanwhile; an SC stores if the word still holds what its
     * LR read, as qemu's does) */
#define AMO(T, WIDEN, NEWV) {                                                   \
        uint64_t a_ = RS1;                                                      \
        T old_, new_, src_ = (T)RS2;                                            \
        if (unlikely(a_ & (sizeof(T) - 1)))                                     \
            goto misaligned_store;                                              \
        if (likely(vm_fast_ok(perm, npages, a_, sizeof(T), VM_PERM_R | VM_PERM_W, VM_PAGE_CODE))) { \
            T *p_ = (T *)(base + a_);                                           \
            old_ = __atomic_load_n(p_, __ATOMIC_RELAXED);                       \
            do                                                                  \
                new_ = (NEWV);                                                  \
            while (!__atomic_compare_exchange_n(p_, &old_, new_, 1, __ATOMIC_SEQ_CST, \
                                                __ATOMIC_RELAXED));             \
        } else {                                                                \
            uint64_t t_;                                                        \
            r = vm_mem_slow_load(mem, a_, sizeof(T), VM_ACCESS_READ, &t_);      \
            if (unlikely(r != VM_MEM_OK)) {                                     \
                mem->fault_access = VM_ACCESS_WRITE; /* AMOs fault as stores */ \
                goto mem_error;                                                 \
            }                                                                   \
            old_ = (T)t_;                                                       \
            new_ = (NEWV);                                                      \
            r = vm_mem_slow_store(mem, a_, sizeof(T), (uint64_t)new_);          \
            if (unlikely(r != VM_MEM_OK))                                       \
                goto mem_error;                                                 \
            RD = WIDEN(old_);                                                   \
            if (unlikely(cache && cache->epoch != epoch))                       \
                LEAVE(NEXT_PC);                                                 \
            NEXT;                                                               \
        }                                                                       \
        RD = WIDEN(old_);                                                       \
        NEXT;                                                                   \
    }
#define AMO_ALL(W, T, ST, WIDEN)                                                \
op_AMOSWAP_##W: AMO(T, WIDEN, src_)                                             \
op_AMOADD_##W: AMO(T, WIDEN, (T)(old_ + src_))                                  \
op_AMOXOR_##W: AMO(T, WIDEN, (T)(old_ ^ src_))                                  \
op_AMOAND_##W: AMO(T, WIDEN, (T)(old_ & src_))                                  \
op_AMOOR_##W: AMO(T, WIDEN, (T)(old_ | src_))                                   \
op_AMOMIN_##W: AMO(T, WIDEN, (ST)old_ < (ST)src_ ? old_ : src_)                 \
op_AMOMAX_##W: AMO(T, WIDEN, (ST)old_ > (ST)src_ ? old_ : src_)                 \
op_AMOMINU_##W: AMO(T, WIDEN, old_ < src_ ? old_ : src_)                        \
op_AMOMAXU_##W: AMO(T, WIDEN, old_ > src_ ? old_ : src_)
AMO_ALL(W, uint32_t, int32_t, S32)
AMO_ALL(D, uint64_t, int64_t, Z)

#define LR(T, WIDEN) {                                                          \
        uint64_t a_ = RS1;                                                      \
        if (unlikely(a_ & (sizeof(T) - 1)))                                     \
            goto misaligned_load;                                               \
        cpu->res_valid = 1;                                                     \
        cpu->res_addr = a_;                                                     \
        LOAD_FROM_ADDR(a_, RD = cpu->res_value, T, WIDEN)                       \
    }
op_LR_W: LR(uint32_t, S32)
op_LR_D: LR(uint64_t, Z)
#define SC(T) {                                                                 \
        uint64_t a_ = RS1;                                                      \
        if (unlikely(a_ & (sizeof(T) - 1)))                                     \
            goto misaligned_store;                                              \
        if (!cpu->res_valid || cpu->res_addr != a_) {                           \
            cpu->res_valid = 0;                                                 \
            RD = 1;                                                             \
            NEXT;                                                               \
        }                                                                       \
        cpu->res_valid = 0;                                                     \
        T v_ = (T)RS2;                                                          \
        if (likely(vm_fast_ok(perm, npages, a_, sizeof(T), VM_PERM_W, VM_PAGE_CODE))) { \
            T expected_ = (T)cpu->res_value;                                    \
            RD = !__atomic_compare_exchange_n((T *)(base + a_), &expected_, v_, 0, \
                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
            NEXT;                                                               \
        }                                                                       \
        r = vm_mem_slow_store(mem, a_, sizeof(T), (uint64_t)v_);                \
        if (unlikely(r != VM_MEM_OK))                                           \
            goto mem_error;                                                     \
        RD = 0;                                                                 \
        if (unlikely(cache && cache->epoch != epoch))                           \
            LEAVE(NEXT_PC);                                                     \
        NEXT;                                                                   \
    }
op_SC_W: SC(uint32_t)
op_SC_D: SC(uint64_t)

    /* ---- integer computation ------------------------------------------- */
op_LUI: RD = IMM; NEXT;
op_AUIPC: RD = IMM; NEXT; /* imm holds pc + offset */
op_ADDI: RD = RS1 + IMM; NEXT;
op_SLTI: RD = (int64_t)RS1 < ir->imm; NEXT;
op_SLTIU: RD = RS1 < IMM; NEXT;
op_XORI: RD = RS1 ^ IMM; NEXT;
op_ORI: RD = RS1 | IMM; NEXT;
op_ANDI: RD = RS1 & IMM; NEXT;
op_SLLI: RD = RS1 << ir->imm; NEXT;
op_SRLI: RD = RS1 >> ir->imm; NEXT;
op_SRAI: RD = (uint64_t)((int64_t)RS1 >> ir->imm); NEXT;
op_ADD: RD = RS1 + RS2; NEXT;
op_SUB: RD = RS1 - RS2; NEXT;
op_SLL: RD = RS1 << (RS2 & 63); NEXT;
op_SLT: RD = (int64_t)RS1 < (int64_t)RS2; NEXT;
op_SLTU: RD = RS1 < RS2; NEXT;
op_XOR: RD = RS1 ^ RS2; NEXT;
op_SRL: RD = RS1 >> (RS2 & 63); NEXT;
op_SRA: RD = (uint64_t)((int64_t)RS1 >> (RS2 & 63)); NEXT;
op_OR: RD = RS1 | RS2; NEXT;
op_AND: RD = RS1 & RS2; NEXT;
op_ADDIW: RD = S32(RS1 + IMM); NEXT;
op_SLLIW: RD = S32((uint32_t)RS1 << ir->imm); NEXT;
op_SRLIW: RD = S32((uint32_t)RS1 >> ir->imm); NEXT;
op_SRAIW: RD = S32((int32_t)RS1 >> ir->imm); NEXT;
op_ADDW: RD = S32(RS1 + RS2); NEXT;
op_SUBW: RD = S32(RS1 - RS2); NEXT;
op_SLLW: RD = S32((uint32_t)RS1 << (RS2 & 31)); NEXT;
op_SRLW: RD = S32((uint32_t)RS1 >> (RS2 & 31)); NEXT;
op_SRAW: RD = S32((int32_t)RS1 >> (RS2 & 31)); NEXT;

    /* ---- M --------------------------------------------------------------- */
op_MUL: RD = RS1 * RS2; NEXT;
op_MULW: RD = S32(RS1 * RS2); NEXT;
/* high products and divisions: csrc/vm_m_ops.h */
#define M_OP(N, mnemonic) op_##N: vm_m_exec(cpu, ir, VM_OP_##N); NEXT;
VM_M_OP_LIST(M_OP)
#undef M_OP


    /* ---- F and D computation: csrc/vm_fp_ops.h ------------------------------ */
#define FP_OP(N, mnemonic) op_##N: if (unlikely(vm_fp_exec(cpu, ir, VM_OP_##N, &cur_rm))) goto illegal_insn; NEXT;
VM_FP_OP_LIST(FP_OP)
#undef FP_OP

    /* ---- control transfer (always the last instruction of a decoded block) */
op_JAL: RD = NEXT_PC; JUMP(IMM);
op_JALR: {
    uint64_t t = (RS1 + IMM) & ~1ull;
    if (ir->rd != VM_REG_SINK && cache) { /* a call: where it went (vm_block_cache.call_seen) */
        uint64_t at = bpc + ir->pc_off;
        __typeof__(cache->call_seen[0]) *seen = &cache->call_seen[VM_TC_INDEX(at)];
        if (seen->pc != at) {
            seen->pc = at;
            seen->other = 0;
            seen->target = t;
        } else if (seen->target != t) {
            seen->other = seen->target;
            seen->target = t;
        }
    }
    RD = NEXT_PC;
    JUMP(t);
}
op_BEQ: JUMP(RS1 == RS2 ? IMM : NEXT_PC);
op_BNE: JUMP(RS1 != RS2 ? IMM : NEXT_PC);
op_BLT: JUMP((int64_t)RS1 < (int64_t)RS2 ? IMM : NEXT_PC);
op_BGE: JUMP((int64_t)RS1 >= (int64_t)RS2 ? IMM : NEXT_PC);
op_BLTU: JUMP(RS1 < RS2 ? IMM : NEXT_PC);
op_BGEU: JUMP(RS1 >= RS2 ? IMM : NEXT_PC);

    /* ---- system ---------------------------------------------------------- */
op_FENCE:
    /* Other processes sharing the memory see the order of its accesses. An
     * x86-64 host keeps every order a fence asks for but a store's before later
     * loads; a weaker host, none of them. (The compiler keeps them all.) */
#if defined(__x86_64__)
    if (vm_fence_orders_store_load(ir->imm, ir->aux, ir->rm))
#endif
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    NEXT;
op_FENCE_I:
    if (cache)
        vm_cache_fence_i(mem);
    LEAVE(NEXT_PC);
op_ECALL:
    exit_reason = VM_EXIT_ECALL;
    LEAVE(NEXT_PC);
op_EBREAK:
    exit_reason = VM_EXIT_EBREAK;
    goto trap;

op_CSRRW: op_CSRRS: op_CSRRC: op_CSRRWI: op_CSRRSI: op_CSRRCI:
    if (vm_csr_exec(cpu, ir, cpu->instret - (exec->n_insns - (uint32_t)(ir - exec->ir)))) {
        cpu->fault_kind = VM_FAULT_ILLEGAL_INSTRUCTION;
        exit_reason = VM_EXIT_FAULT;
        goto trap;
    }
    NEXT;

op_INVALID:
    cpu->fault_kind = VM_FAULT_INVALID_OPCODE;
    exit_reason = VM_EXIT_FAULT;
    goto trap;

op_BLOCK_END:
    pc = bpc + ir->pc_off;
    done = exec->n_insns;
    goto block_done;

after_jump: /* in a user-built block, a branch not taken goes on with the block */
    if (unlikely(ir + 1 < exec->ir + exec->n_insns) && pc == NEXT_PC && exit_reason < 0)
        NEXT;
after_insn: /* ir completed and left the block for pc */
    done = (uint32_t)(ir - exec->ir) + 1;
    if (unlikely(done < exec->n_insns)) { /* taken early: give back the rest */
        cpu->instret -= exec->n_insns - done;
        cpu->mem_accesses -= mem_ops_from(exec, done);
        budget += exec->n_insns - done;
    }
block_done:
    prev = exec == b ? b : NULL;
    link_slot = pc != b->end_pc;
    if (exit_reason >= 0)
        goto out;
    if (o->one_block) {
        exit_reason = VM_EXIT_BLOCK_END;
        goto out;
    }
    goto next_block;

illegal_insn:
    cpu->fault_kind = VM_FAULT_ILLEGAL_INSTRUCTION;
    exit_reason = VM_EXIT_FAULT;
    goto trap;
misaligned_load:
    cpu->fault_access = VM_ACCESS_READ;
    goto misaligned;
misaligned_store:
    cpu->fault_access = VM_ACCESS_WRITE;
misaligned:
    cpu->fault_kind = VM_FAULT_ALIGNMENT;
    cpu->fault_addr = RS1;
    exit_reason = VM_EXIT_FAULT;
    goto trap;

mem_error:
    if (r == VM_MEM_FAULT) {
        cpu->fault_kind = VM_FAULT_PAGE;
        cpu->fault_addr = mem->fault_addr;
        cpu->fault_access = mem->fault_access;
        exit_reason = VM_EXIT_FAULT;
    } else {
        exit_reason = VM_EXIT_CALLBACK_ERROR;
    }
    /* fall through */
trap: /* ir did not execute: state stays as before it, pc points at it */
    done = (uint32_t)(ir - exec->ir);
    cpu->instret -= exec->n_insns - done;
    cpu->mem_accesses -= mem_ops_from(exec, done);
    pc = bpc + ir->pc_off;
    cpu->fault_insn = ir->raw;
out:
    vm_jit_now = outer;
    vm_jobs_of_run = outer_jobs;
    cpu->jit = outer_jit;
    vm_fp_fold(cpu);
    if (cur_rm >= 0)
        fesetround(host_rm_saved);
    if (exit_reason != VM_EXIT_BLOCK_END && exit_reason != VM_EXIT_UNTIL
        && exit_reason != VM_EXIT_BUDGET && exit_reason != VM_EXIT_STOP)
        cpu->res_valid = 0; /* a trap clears the LR reservation, as the kernel does */
    cpu->pc = pc;
    cpu->exit_reason = exit_reason;
    return exit_reason;
}
