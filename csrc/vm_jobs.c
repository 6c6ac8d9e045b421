/* Background compilation's queues (vm_jobs.h). */
#include "vm_jobs.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__thread vm_jobs *vm_jobs_of_run;

/* The queue is a binary heap over the jobs' ranks (vm_job.rank), the
 * newest first of equal ranks. */
static int before(const vm_job *a, const vm_job *b)
{
    return a->rank > b->rank || (a->rank == b->rank && a->seq > b->seq);
}

static void heap_put(vm_jobs *q, uint32_t k, vm_job *j)
{
    q->todo[k] = j;
    j->at = k;
}

/* moves the job at k down to where it goes below k */
static void sift_down(vm_jobs *q, uint32_t k)
{
    vm_job *j = q->todo[k];
    for (;;) {
        uint32_t c = 2 * k + 1;
        if (c >= q->n_todo)
            break;
        if (c + 1 < q->n_todo && before(q->todo[c + 1], q->todo[c]))
            c++;
        if (!before(q->todo[c], j))
            break;
        heap_put(q, k, q->todo[c]);
        k = c;
    }
    heap_put(q, k, j);
}

/* restores the heap's order around the job at k, which was changed or placed there */
static void heap_fix(vm_jobs *q, uint32_t k)
{
    vm_job *j = q->todo[k];
    while (k > 0 && before(j, q->todo[(k - 1) / 2])) {
        heap_put(q, k, q->todo[(k - 1) / 2]);
        k = (k - 1) / 2;
    }
    heap_put(q, k, j);
    sift_down(q, k);
}

static void heap_remove(vm_jobs *q, vm_job *j)
{
    uint32_t k = j->at;
    vm_job *last = q->todo[--q->n_todo];
    if (last != j) {
        heap_put(q, k, last);
        heap_fix(q, k);
    }
}

/* j's heat as of now: halved at every take since it was brought up to date */
static uint32_t heat_now(const vm_jobs *q, const vm_job *j)
{
    uint64_t takes = q->takes - j->warmed;
    return takes >= 32 ? 0 : j->heat >> takes;
}

/* j's heat is `heat` now. Its rank orders it among the others at any later
 * take as their heats then would (up to the rounding down of halved heats),
 * with no change to any of them at each take: takes + log2(heat), in fixed
 * point (log2 piecewise linear between powers of two: it keeps the order of
 * heats), 0 for none. (No floating point: the run loop calls this between
 * guest instructions, whose fflags come from the host's flags.) */
static void set_heat(vm_jobs *q, vm_job *j, uint32_t heat)
{
    enum { ONE = 1 << 26 }; /* (log2 of 2) */
    j->heat = heat;
    j->warmed = q->takes;
    j->rank = 0;
    if (heat) {
        unsigned e = 31u - (unsigned)__builtin_clz(heat);
        uint64_t fraction = ((uint64_t)(heat - (1u << e)) * ONE) >> e;
        j->rank = 1 + q->takes * ONE + e * ONE + fraction;
    }
    j->seq = ++q->seq;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* (the lock held) vm_jobs_hold's time has not yet come */
static int held(vm_jobs *q)
{
    return q->hold_until && !q->draining && now_ns() < q->hold_until;
}

/* the wake-up condition, on CLOCK_MONOTONIC (vm_jobs_hold's deadline) */
static void init_wake(vm_jobs *q)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&q->wake, &attr);
    pthread_condattr_destroy(&attr);
}

vm_jobs *vm_jobs_new(void)
{
    vm_jobs *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutex_init(&q->lock, NULL);
    init_wake(q);
    q->perf_map = -1;
    return q;
}

int vm_jobs_set_perf_map(vm_jobs *q, const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    if (q->perf_map >= 0)
        close(q->perf_map);
    q->perf_map = fd;
    return 0;
}

void vm_jobs_free(vm_jobs *q)
{
    for (uint32_t k = 0; k < q->n_todo; k++)
        free(q->todo[k]);
    free(q->todo);
    for (vm_job_result *r = q->done, *next; r; r = next) {
        next = r->next;
        free(r);
    }
    if (q->perf_map >= 0)
        close(q->perf_map);
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

void vm_jobs_close(vm_jobs *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->wake);
    pthread_mutex_unlock(&q->lock);
}

/* (the lock held) the job queued for block `serial`, or NULL */
static vm_job *queued_job(vm_jobs *q, uint64_t serial)
{
    vm_job *j = q->by_serial[serial & (VM_JOBS_HASH - 1)];
    while (j && j->serial != serial)
        j = j->hnext;
    return j;
}

int vm_jobs_submit(vm_jobs *q, vm_mem *m, const vm_block *b, int probe)
{
    if (!probe) {
        pthread_mutex_lock(&q->lock);
        vm_job *queued = queued_job(q, b->serial);
        if (queued && queued->probe && queued->tier == b->jit_tier) {
            queued->probe = 0; /* (its look in the store becomes a compile) */
            queued->checked = (uint32_t)vm_code_checked(m, b);
            queued->near = b->far_stale != 0;
            pthread_mutex_unlock(&q->lock);
            return 0;
        }
        pthread_mutex_unlock(&q->lock);
    }
    uint32_t n = b->n_insns + 1;
    vm_job *j = malloc(sizeof *j + n * sizeof(vm_ir));
    if (!j)
        return -1;
    j->pc = b->pc;
    j->serial = b->serial;
    j->tier = b->jit_tier;
    j->checked = (uint32_t)vm_code_checked(m, b);
    j->near = b->far_stale != 0;
    j->probe = (uint32_t)probe;
    j->n = n;
    memcpy(j->ir, b->ir, n * sizeof(vm_ir));
    pthread_mutex_lock(&q->lock);
    if (q->n_todo == q->todo_cap) {
        uint32_t cap = q->todo_cap ? 2 * q->todo_cap : 256;
        vm_job **grown = cap > q->todo_cap ? realloc(q->todo, cap * sizeof *grown) : NULL;
        if (!grown) {
            pthread_mutex_unlock(&q->lock);
            free(j);
            return -1;
        }
        q->todo = grown;
        q->todo_cap = cap;
    }
    set_heat(q, j, 0);
    j->queued = q->takes;
    heap_put(q, q->n_todo++, j);
    heap_fix(q, j->at);
    vm_job **slot = &q->by_serial[j->serial & (VM_JOBS_HASH - 1)];
    j->hnext = *slot;
    *slot = j;
    if (!held(q)) /* (a held thread wakes when its hold ends: each wake-up to find it
                   * held was a context switch, thousands in a short process) */
        pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

int vm_jobs_bump(vm_jobs *q, uint64_t serial)
{
    pthread_mutex_lock(&q->lock);
    vm_job *j = queued_job(q, serial);
    if (j) {
        uint32_t heat = heat_now(q, j);
        set_heat(q, j, heat < UINT32_MAX / 2 ? heat + j->n - 1 + VM_JOB_TRANSITION : heat); /* (what
                                                         a run of it interpreted costs) */
        heap_fix(q, j->at);
    }
    pthread_mutex_unlock(&q->lock);
    return j != NULL;
}

/* (qsort: the order of takes) */
static int take_order(const void *a, const void *b)
{
    const vm_job *x = *(vm_job *const *)a, *y = *(vm_job *const *)b;
    return before(x, y) ? -1 : before(y, x) ? 1 : 0;
}

size_t vm_jobs_queued(vm_jobs *q, uint64_t *pcs, size_t max)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->n_todo, listed = 0;
    vm_job **order = malloc((n ? n : 1) * sizeof *order);
    if (order) {
        memcpy(order, q->todo, n * sizeof *order);
        qsort(order, n, sizeof *order, take_order);
        for (size_t i = 0; i < n && i < max; i++)
            pcs[i] = order[i]->pc;
        free(order);
        listed = n;
    }
    pthread_mutex_unlock(&q->lock);
    return listed; /* (0 when out of memory) */
}

void vm_jobs_running(vm_jobs *q, int delta, int drain)
{
    if (delta > 0)
        __atomic_add_fetch(&q->runs, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&q->lock);
    q->running += delta;
    q->draining += drain ? delta : 0;
    if (q->running && q->n_todo && !held(q)) /* (else nothing to take: the next submit,
                                               * or the hold's end, wakes it) */
        pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
}

void vm_jobs_fork_prepare(vm_jobs *q)
{
    pthread_mutex_lock(&q->lock);
}

void vm_jobs_fork_parent(vm_jobs *q)
{
    pthread_mutex_unlock(&q->lock);
}

void vm_jobs_fork_child(vm_jobs *q)
{
    pthread_mutex_init(&q->lock, NULL);
    init_wake(q);
    q->in_hand = 0;
    q->busy = q->gil_wanted = 0;
    if (q->perf_map >= 0) { /* (the parent's: the child's next run names its own) */
        close(q->perf_map);
        q->perf_map = -1;
    }
}

/* takes j out of the by-serial hash (the lock held) */
static void unhash(vm_jobs *q, vm_job *j)
{
    vm_job **at = &q->by_serial[j->serial & (VM_JOBS_HASH - 1)];
    while (*at != j)
        at = &(*at)->hnext;
    *at = j->hnext;
}

/* takes j off the queue (the lock held) */
static void dequeue(vm_jobs *q, vm_job *j)
{
    heap_remove(q, j);
    unhash(q, j);
}

/* whether j has not run since the last take nor since it was queued (a first
 * compile: a tier-up's block runs compiled meanwhile, so its job never warms) */
static int gone_cold(const vm_jobs *q, const vm_job *j)
{
    return !heat_now(q, j) && q->takes > j->queued && !j->tier;
}

/* declines the jobs gone cold (the lock held): a result without code for each,
 * for the installer (its block is offered again) */
static void decline_cold(vm_jobs *q)
{
    uint32_t kept = 0;
    for (uint32_t k = 0; k < q->n_todo; k++) {
        vm_job *j = q->todo[k];
        if (j->probe && gone_cold(q, j)) { /* (no result: its block counts on) */
            unhash(q, j);
            free(j);
            continue;
        }
        vm_job_result *r = gone_cold(q, j) ? calloc(1, sizeof *r) : NULL;
        if (!r) { /* (or out of memory: compiled after all) */
            heap_put(q, kept++, j);
            continue;
        }
        r->pc = j->pc;
        r->serial = j->serial;
        r->tier = j->tier;
        r->len = 0; /* (declined) */
        unhash(q, j);
        free(j);
        r->next = q->done;
        q->done = r;
        __atomic_add_fetch(&q->n_done, 1, __ATOMIC_RELEASE);
    }
    q->n_todo = kept;
    for (uint32_t k = kept / 2; k-- > 0;) /* (the heap again, bottom up) */
        sift_down(q, k);
}

void vm_jobs_hold(vm_jobs *q, double seconds)
{
    pthread_mutex_lock(&q->lock);
    q->hold_until = seconds > 0 ? now_ns() + (uint64_t)(seconds * 1e9) : 0;
    pthread_cond_broadcast(&q->wake);
    pthread_mutex_unlock(&q->lock);
}

vm_job *vm_jobs_take(vm_jobs *q)
{
    __atomic_store_n(&q->busy, 0, __ATOMIC_RELEASE); /* (called without the GIL) */
    pthread_mutex_lock(&q->lock);
    vm_job *j;
    for (;;) {
        while ((!q->n_todo || !q->running || held(q)) && !q->closed) {
            if (held(q)) {
                struct timespec until = {(time_t)(q->hold_until / 1000000000ull),
                                         (long)(q->hold_until % 1000000000ull)};
                pthread_cond_timedwait(&q->wake, &q->lock, &until);
            } else
                pthread_cond_wait(&q->wake, &q->lock);
            q->wakes++;
        }
        j = q->closed ? NULL : q->todo[0];
        if (!j || !q->decline_cold || q->draining || !gone_cold(q, j))
            break;
        uint32_t before = q->n_todo;
        decline_cold(q); /* (none runs now: those queued before the last take go) */
        if (q->n_todo == before)
            break; /* (out of memory) */
    }
    if (j) {
        dequeue(q, j);
        q->takes++; /* (what ran before counts less and less: heat_now) */
        q->in_hand++;
        __atomic_store_n(&q->busy, 1, __ATOMIC_RELEASE); /* (it takes the GIL next) */
    }
    pthread_mutex_unlock(&q->lock);
    return j;
}

void vm_jobs_post(vm_jobs *q, vm_job_result *r)
{
    pthread_mutex_lock(&q->lock);
    r->next = q->done;
    q->done = r;
    if (r->tier)
        __atomic_store_n(&q->tier_up_done, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&q->n_done, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&q->lock);
}

void vm_jobs_finished(vm_jobs *q)
{
    pthread_mutex_lock(&q->lock);
    q->in_hand--;
    pthread_mutex_unlock(&q->lock);
}

int vm_jobs_held(vm_jobs *q)
{
    pthread_mutex_lock(&q->lock);
    int h = held(q);
    pthread_mutex_unlock(&q->lock);
    return h;
}

int vm_jobs_idle(vm_jobs *q)
{
    pthread_mutex_lock(&q->lock);
    int idle = !q->n_todo && !q->in_hand;
    pthread_mutex_unlock(&q->lock);
    return idle;
}

int vm_jobs_should_yield(vm_jobs *q)
{
    return __atomic_load_n(&q->gil_wanted, __ATOMIC_ACQUIRE)
           && now_ns() - q->gil_since >= VM_JOBS_SLICE_US * 1000ull;
}

void vm_jobs_let_run_in(vm_jobs *q)
{
    for (unsigned waited = 0; waited < 20000 && __atomic_load_n(&q->gil_wanted, __ATOMIC_ACQUIRE);
         waited += 20)
        usleep(20);
    const uint64_t until = now_ns() + VM_JOBS_YIELD_US * 1000ull;
    for (;;) {
        uint64_t runs = __atomic_load_n(&q->runs, __ATOMIC_RELAXED);
        usleep(50);
        if (__atomic_load_n(&q->runs, __ATOMIC_RELAXED) == runs || now_ns() >= until)
            return; /* (the run stays in: in guest code, or in a longer call) */
    }
}

void vm_jobs_gil_back(vm_jobs *q)
{
    q->gil_since = now_ns();
}

/* Whether the memory holds every guest instruction r was compiled from */
static int still_read(vm_mem *m, const vm_job_result *r)
{
    const vm_job_insn *g = (const vm_job_insn *)(r->code + r->guest_at);
    for (uint32_t i = 0; i < r->n_guest; i++)
        if (!vm_mem_holds_insn(m, g[i].pc, g[i].raw))
            return 0;
    return 1;
}

int vm_jobs_install(vm_jobs *q, vm_mem *m, vm_code_arena *a)
{
    pthread_mutex_lock(&q->lock);
    vm_job_result *r = q->done;
    q->done = NULL;
    __atomic_store_n(&q->n_done, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&q->tier_up_done, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&q->lock);
    int flushed = 0;
    while (r) {
        enum { BATCH = 64 }; /* installed together: one pair of protection changes */
        vm_job_result *res[BATCH];
        vm_block *blk[BATCH];
        const void *code[BATCH];
        size_t len[BATCH];
        void *at[BATCH];
        size_t n = 0;
        for (vm_job_result *next; r && n < BATCH; r = next) {
            next = r->next;
            vm_block *b = vm_cache_lookup(m->cache, r->pc);
            if (!b || b->serial != r->serial || b->jit_tier != r->tier || (r->len && r->len < 8)) {
                q->dropped++; /* its block was retired (or compiled again) meanwhile */
                free(r);
                continue;
            }
            /* the code it read written since it was formed (vm_job_result.generation),
             * or now other than it read: a store the cache did not see went there
             * while the compiler read it (a page whose stores were fast again, as
             * data beside code, when the compile began) */
            const int stale = vm_cache_written_since(m->cache, r->generation, r->lo, r->hi)
                              || !still_read(m, r);
            if (stale && r->n_far)
                b->far_stale = 1; /* (not again: a guest that writes code keeps doing so) */
            if (!r->len || stale) {
                /* declined (or its other pages written since: compiled again), offered
                 * again after as many runs as the first time */
                b->jit_tried = 0;
                b->job_waiting = 0;
                b->exec_count = 0;
                q->declined++;
                free(r);
                continue;
            }
            if (vm_code_bind(r->code, r->len, b)) { /* (its own copy: install_for) */
                q->dropped++; /* (never: not a region's code) */
                free(r);
                continue;
            }
            res[n] = r;
            blk[n] = b;
            code[n] = r->code;
            len[n++] = r->len;
        }
        size_t fit = vm_code_install_batch(a, code, len, n, at, 1);
        q->batches += fit > 0;
        for (size_t k = 0; k < n; k++) {
            vm_block *b = blk[k];
            if (k < fit) {
                void *old = b->jit_code;
                vm_block_set_code(b, at[k], res[k]->covered, res[k]->mem_ops, res[k]->lo,
                                  res[k]->hi, res[k]->abi, res[k]->countdown);
                b->jit_tried = 1; /* (a probe's: not compiled at compile_threshold too) */
                vm_cache_set_far(m, b, res[k]->far, res[k]->n_far);
                q->installed++;
                if (q->perf_map >= 0)
                    vm_perf_map_add(q->perf_map, at[k], len[k], b->pc, res[k]->covered);
                if (old)
                    vm_cache_unchain(m->cache); /* a tier-up: nothing may enter the old code again */
            } else {
                q->dropped++;
            }
            free(res[k]);
        }
        if (fit < n) { /* full: drop every block and all code, then start again */
            vm_code_full(m, a);
            q->evictions++;
            flushed = 1; /* (the rest find no block now) */
        }
    }
    return flushed;
}
