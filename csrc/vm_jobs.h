/* Background compilation: the run loop hands blocks that are due for
 * compiling to a compiler thread (Python, holding the GIL) and goes on
 * interpreting them; the thread posts the code back, and the run loop installs
 * it between two blocks. Nothing here needs the GIL.
 *
 * A result is installed only into the block it was made for: the block at its
 * pc with the serial number the job recorded (vm_block.serial; never reused),
 * compiled as many times as when the job was made. A block retired meanwhile
 * (a write to its code, fence.i, a flush) has lost its pc or its serial, so
 * code decoded from memory that changed is dropped, never run. */
#ifndef VM_JOBS_H
#define VM_JOBS_H
#include <pthread.h>
#include <stdint.h>
#include "vm_jit.h"
#include "vm_mem.h"

typedef struct vm_job {
    struct vm_job *hnext; /* chain in the by-serial hash (vm_jobs_bump finds it there) */
    uint64_t pc, serial;
    uint32_t tier;     /* vm_block.jit_tier when made */
    uint32_t checked;  /* its accesses must check permissions themselves (vm_code_checked) */
    uint32_t near;     /* its region keeps to its own pages (vm_block.far_stale) */
    uint32_t probe;    /* only its code kept in a store is looked for: nothing compiled
                          (and no result when there is none) */
    uint32_t n;        /* IR entries, the closing one included */
    uint32_t at;       /* its place in the queue's heap */
    uint32_t heat;     /* what running interpreted while queued cost (counted every VM_JOB_BUMP
                          runs: its instructions and VM_JOB_TRANSITION), halved at every take
                          since `warmed`: how hot it runs now */
    uint64_t warmed;   /* the take count when heat was last brought up to date */
    uint64_t queued;   /* the take count when it was queued (its age: takes since) */
    uint64_t seq;      /* when it was last queued or bumped (the newest of equals goes first) */
    uint64_t rank;     /* warmed + log2(heat) (fixed point; 0: no heat): the heap's order.
                          Heat halves at each take, so ranks keep their order as takes go by */
    vm_ir ir[];
} vm_job;

typedef struct vm_job_result {
    struct vm_job_result *next;
    uint64_t pc, serial;
    uint32_t tier, covered, mem_ops, abi;
    uint64_t lo, hi;   /* vm_block.jit_lo, jit_hi */
    uint64_t far[VM_FAR_PAGES]; /* the other pages its region covers (vm_block.jit_far) */
    uint32_t n_far;
    uint64_t generation; /* the cache's code_writes before it was formed: the pages it
                            read were code then, so a write to them since is among
                            those counted (installed only if none reached [lo, hi)) */
    int32_t countdown; /* vm_block.tier_countdown */
    uint32_t len;      /* bytes of code; its last 8 are the block's address (filled here) */
    uint32_t n_guest;  /* the guest instructions it was compiled from, at code + guest_at */
    uint32_t guest_at; /* (vm_job_insn, after the code) */
    uint8_t code[];
} vm_job_result;

/* one guest instruction a result was compiled from, as the compiler read it */
typedef struct vm_job_insn {
    uint64_t pc;
    uint32_t raw; /* (a 16-bit one zero-extended) */
    uint32_t pad;
} vm_job_insn;

#define VM_JOBS_HASH 4096 /* (a power of two) */

typedef struct vm_jobs {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    vm_job **todo;          /* a binary heap, hottest first (vm_jobs_take) */
    uint32_t todo_cap;
    uint64_t takes, seq;    /* jobs taken so far; jobs queued or bumped so far */
    vm_job *by_serial[VM_JOBS_HASH];
    vm_job_result *done;
    uint32_t n_done;        /* (atomic) results waiting to be installed */
    int tier_up_done;       /* (atomic) one of them is a tier-up's (its block runs hot) */
    int busy;               /* (atomic) the compiler thread has a job: holds the GIL, or soon */
    int failed;             /* (atomic) the compiler thread raised: the run stops */
    int gil_wanted;         /* (atomic) a run waits for the GIL: it has ended, or it
                               calls into Python (vm_jobs_want_gil); the compiler
                               thread lets it in (let_run_in) */
    int closed;
    int running;            /* runs going on: jobs are taken only then (one left
                               behind by a finished program is not worth the CPU) */
    int draining;           /* of those, waits for the queue to empty (vm_jobs_running) */
    uint64_t hold_until;    /* no job is taken before then (ns, CLOCK_MONOTONIC; 0: none),
                               but for a wait draining the queue: vm_jobs_hold */
    int decline_cold;       /* Hybrid: a job gone cold is declined (vm_jobs_take) */
    uint32_t n_todo;
    uint32_t in_hand;       /* jobs taken and not yet finished (vm_jobs_finished) */
    uint64_t installed, dropped, evictions, declined; /* (counted by the installer) */
    uint64_t wakes;         /* times the compiler thread woke from a wait for a job */
    uint64_t batches;       /* installs that went in together (one protection change) */
    uint64_t runs;          /* (atomic) runs begun: with a run per system call, they come
                               back for the GIL every few microseconds (vm_jobs_let_run_in) */
    uint64_t gil_since;     /* (compiler thread) when it last had the GIL back (ns) */
    int perf_map;           /* perf(1)'s map of JIT code, the installer adding to it (as
                               the JIT's own thread does: VM_ENGINE_PERF_MAP); -1: none */
} vm_jobs;

vm_jobs *vm_jobs_new(void);  /* NULL when out of memory */
void vm_jobs_free(vm_jobs *q);
void vm_jobs_close(vm_jobs *q); /* wakes the compiler thread for good */
/* the code installed from now on is also listed in the perf map at `path`
 * (/tmp/perf-PID.map: "address size name" lines); 0, or -errno */
int vm_jobs_set_perf_map(vm_jobs *q, const char *path);
/* queues b for compiling: 0, or -1 when out of memory (b is then just interpreted).
 * `probe`: for a look for its code in a store only (vm_run_opts' probe_threshold);
 * a compile of a block whose probe is still queued makes that job a compile */
int vm_jobs_submit(vm_jobs *q, vm_mem *m, const vm_block *b, int probe);
/* A queued block that keeps running interpreted is hot: every VM_JOB_BUMP runs
 * its job gets warmer (vm_jobs_bump; 0 when it is no longer queued). The
 * compiler thread takes the job that ran most since the last takes (heat),
 * the newest of equals (queued or bumped last): the code the program spends
 * its time in now before blocks that ran once or a few times (start-up code:
 * often never needed again). Bumps and takes are O(log n) in the jobs queued,
 * which a large program (an interpreter, a compiler) counts in tens of
 * thousands. */
#define VM_JOB_BUMP 32
/* A run of a queued block costs, besides its instructions interpreted, a way out
 * of compiled code and back in (the dispatcher's, entering and leaving compiled
 * code: some 8 interpreted instructions' time): a short block run often, a
 * region's way in or out, goes before a longer one that runs the same
 * instructions in fewer runs. (Busybox, gawk, sqlite3 and Lua ran 1.5-2.5 %
 * faster on the whole, up to 5 %; 24 did no better.) */
#define VM_JOB_TRANSITION 8
int vm_jobs_bump(vm_jobs *q, uint64_t serial);
/* the pcs of the queued jobs, the next to be taken first: up to max of them
 * into pcs; returns how many are queued */
size_t vm_jobs_queued(vm_jobs *q, uint64_t *pcs, size_t max);
/* os.fork(): the lock is held across it (prepare; parent: released), so the
 * child's copy is never left locked by a thread that is not there; in the
 * child, the compiler thread is gone with the job it had in hand (its block
 * stays interpreted) and a new thread takes the queue */
void vm_jobs_fork_prepare(vm_jobs *q);
void vm_jobs_fork_parent(vm_jobs *q);
void vm_jobs_fork_child(vm_jobs *q);
/* a run on the memory begins (+1) or ends (-1); `drain`: a wait for the queue
 * to empty (vm_jobs_idle), which declines nothing */
void vm_jobs_running(vm_jobs *q, int delta, int drain);
/* the next job, waiting for one while a run goes on; NULL once closed. The
 * caller frees it. With decline_cold, when the hottest job has not run since
 * the last take (nor any other, then), the first compiles that have not since
 * they were queued are declined rather than compiled: the code runs compiled
 * as part of a region taken before, or not at all now (start-up, a phase gone
 * by). Their blocks are offered again (vm_jobs_install) once they run warm
 * again. (Not tier-ups: their blocks run compiled, never warming the job.) */
vm_job *vm_jobs_take(vm_jobs *q);
/* No job is taken for `seconds` from now (0: from now on any may be), unless
 * a wait for the queue to empty begins (vm_jobs_running's drain), or it closes.
 * Jobs queue and warm meanwhile. */
void vm_jobs_hold(vm_jobs *q, double seconds);
void vm_jobs_post(vm_jobs *q, vm_job_result *r);
/* a job taken is done with (posted or not) */
void vm_jobs_finished(vm_jobs *q);
/* whether no job is queued or in hand */
int vm_jobs_idle(vm_jobs *q);
/* whether vm_jobs_hold's time has not yet come (no job is taken before then) */
int vm_jobs_held(vm_jobs *q);
/* The compiler thread holds the GIL for a slice at least before it lets a run
 * that waits for it in (vm_jobs_should_yield), and then lets runs have it for
 * as long as they keep coming back for it, up to VM_JOBS_YIELD_US: a program
 * that makes a system call every few microseconds wants the GIL for each, and
 * a hand-over each time cost both threads a switch (9 us a call, the compiler
 * crawling too). The slice bounds how long a call waits for a compile. */
#define VM_JOBS_SLICE_US 200
#define VM_JOBS_YIELD_US 2000
/* (compiler thread, with the GIL) whether a run waits for the GIL and this
 * thread has had it for its slice */
int vm_jobs_should_yield(vm_jobs *q);
/* (compiler thread, without the GIL, which it just let go) waits until the run
 * has it (it then clears gil_wanted; else this thread, already awake, would
 * mostly take the GIL back first, and the run would wait for Python's switch
 * interval, 5 ms), then while runs keep beginning (up to VM_JOBS_YIELD_US) */
void vm_jobs_let_run_in(vm_jobs *q);
/* (compiler thread) it has the GIL back: its slice begins */
void vm_jobs_gil_back(vm_jobs *q);

/* The compile queue of the run going on in this thread (vm_run sets it; NULL:
 * none, or no background compiles). A call from the run into Python (a poll for
 * signals, a memory callback) asks the compiler thread for the GIL around it,
 * which it then gets at the compiler's next pause: else, taking the GIL back
 * after each of its short nogil sections, the compiler wins every race for it
 * with a thread that has to wake up first, until its queue is empty. */
extern __thread vm_jobs *vm_jobs_of_run;
static inline void vm_jobs_want_gil(int want) /* (1 before such a call, 0 after) */
{
    if (vm_jobs_of_run)
        __atomic_store_n(&vm_jobs_of_run->gil_wanted, want, __ATOMIC_RELEASE);
}
/* A run installs posted results as soon as one of the blocks waiting for them
 * runs hot (its job was taken: vm_jobs_bump fails) or a tier-up's is done (its
 * block runs hot), when a run begins, when VM_JOBS_BATCH of them wait, else
 * after VM_JOBS_WAIT more blocks have run. Installing changes the code pages'
 * protection twice, which costs the run ~30 us while the compiler thread
 * runs (its CPU's TLB is flushed): the results for code that ran once or a
 * few times (start-up) go in together. */
#define VM_JOBS_BATCH 16
#define VM_JOBS_WAIT 16384
/* whether the posted results are due (a batch waits, or a tier-up's) */
static inline int vm_jobs_due(vm_jobs *q)
{
    return __atomic_load_n(&q->n_done, __ATOMIC_RELAXED) >= VM_JOBS_BATCH
           || __atomic_load_n(&q->tier_up_done, __ATOMIC_RELAXED);
}
/* installs the posted results into m's blocks and arena a. Returns 1 when
 * the arena filled up, so every block and all code was dropped (a flush),
 * else 0. Call between blocks only. */
int vm_jobs_install(vm_jobs *q, vm_mem *m, vm_code_arena *a);

#endif
