/* Background compilation's queues (vm_jobs.h). */
#include "vm_jobs.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__thread vm_jobs *vm_jobs_of_run;

/* (the queue is doubly linked, so that a job moves to the front in O(1)) */
static void push_front(vm_jobs *q, vm_job *j)
{
    j->prev = NULL;
    j->next = q->todo;
    if (q->todo)
        q->todo->prev = j;
    q->todo = j;
}

static void unlink_job(vm_jobs *q, vm_job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        q->todo = j->next;
    if (j->next)
        j->next->prev = j->prev;
}

vm_jobs *vm_jobs_new(void)
{
    vm_jobs *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->wake, NULL);
    return q;
}

void vm_jobs_free(vm_jobs *q)
{
    for (vm_job *j = q->todo, *next; j; j = next) {
        next = j->next;
        free(j);
    }
    for (vm_job_result *r = q->done, *next; r; r = next) {
        next = r->next;
        free(r);
    }
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

int vm_jobs_submit(vm_jobs *q, vm_mem *m, const vm_block *b)
{
    uint32_t n = b->n_insns + 1;
    vm_job *j = malloc(sizeof *j + n * sizeof(vm_ir));
    if (!j)
        return -1;
    j->pc = b->pc;
    j->serial = b->serial;
    j->tier = b->jit_tier;
    j->checked = (uint32_t)vm_code_checked(m, b);
    j->n = n;
    j->heat = j->age = 0;
    memcpy(j->ir, b->ir, n * sizeof(vm_ir));
    pthread_mutex_lock(&q->lock);
    push_front(q, j);
    vm_job **slot = &q->by_serial[j->serial & (VM_JOBS_HASH - 1)];
    j->hnext = *slot;
    *slot = j;
    q->n_todo++;
    pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

int vm_jobs_bump(vm_jobs *q, uint64_t serial)
{
    pthread_mutex_lock(&q->lock);
    vm_job *j = q->by_serial[serial & (VM_JOBS_HASH - 1)];
    while (j && j->serial != serial)
        j = j->hnext;
    if (j) {
        if (j->heat < UINT32_MAX / 2) /* (the instructions it ran interpreted) */
            j->heat += j->n - 1;
        if (j != q->todo) {
            unlink_job(q, j);
            push_front(q, j);
        }
    }
    pthread_mutex_unlock(&q->lock);
    return j != NULL;
}

/* the job to take next: the hottest, the one nearest the front of equals */
static vm_job *hottest(const vm_jobs *q)
{
    vm_job *best = q->todo;
    for (vm_job *j = q->todo; j; j = j->next)
        if (j->heat > best->heat)
            best = j;
    return best;
}

size_t vm_jobs_queued(vm_jobs *q, uint64_t *pcs, size_t max)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->n_todo, k = 0, listed = 0;
    /* in the order they would be taken: by heat, then from the front (a stable sort) */
    vm_job **order = malloc((n ? n : 1) * sizeof *order);
    if (order) {
        for (vm_job *j = q->todo; j; j = j->next) {
            size_t at = k++;
            for (; at > 0 && order[at - 1]->heat < j->heat; at--)
                order[at] = order[at - 1];
            order[at] = j;
        }
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
    pthread_mutex_lock(&q->lock);
    q->running += delta;
    q->draining += drain ? delta : 0;
    if (q->running)
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
    pthread_cond_init(&q->wake, NULL);
    q->in_hand = 0;
    q->busy = q->gil_wanted = 0;
}

/* takes j off the queue (the lock held) */
static void dequeue(vm_jobs *q, vm_job *j)
{
    unlink_job(q, j);
    vm_job **at = &q->by_serial[j->serial & (VM_JOBS_HASH - 1)];
    while (*at != j)
        at = &(*at)->hnext;
    *at = j->hnext;
    q->n_todo--;
}

/* whether j has not run since the last take nor since it was queued (a first
 * compile: a tier-up's block runs compiled meanwhile, so its job never warms) */
static int gone_cold(const vm_job *j)
{
    return !j->heat && j->age && !j->tier;
}

/* declines the jobs gone cold (the lock held): a result without code for each,
 * for the installer (its block is offered again) */
static void decline_cold(vm_jobs *q)
{
    for (vm_job *j = q->todo, *next; j; j = next) {
        next = j->next;
        if (!gone_cold(j))
            continue;
        vm_job_result *r = calloc(1, sizeof *r);
        if (!r)
            return; /* (out of memory: compiled after all) */
        r->pc = j->pc;
        r->serial = j->serial;
        r->tier = j->tier;
        r->len = 0; /* (declined) */
        dequeue(q, j);
        free(j);
        r->next = q->done;
        q->done = r;
        __atomic_add_fetch(&q->n_done, 1, __ATOMIC_RELEASE);
    }
}

vm_job *vm_jobs_take(vm_jobs *q)
{
    __atomic_store_n(&q->busy, 0, __ATOMIC_RELEASE); /* (called without the GIL) */
    pthread_mutex_lock(&q->lock);
    vm_job *j;
    for (;;) {
        while ((!q->todo || !q->running) && !q->closed)
            pthread_cond_wait(&q->wake, &q->lock);
        j = q->closed ? NULL : hottest(q);
        if (!j || !q->decline_cold || q->draining || !gone_cold(j))
            break;
        uint32_t before = q->n_todo;
        decline_cold(q); /* (none runs now: those queued before the last take go) */
        if (q->n_todo == before)
            break; /* (out of memory) */
    }
    if (j) {
        dequeue(q, j);
        for (vm_job *i = q->todo; i; i = i->next) {
            i->heat /= 2; /* (what ran before counts less and less) */
            i->age++;
        }
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

int vm_jobs_idle(vm_jobs *q)
{
    pthread_mutex_lock(&q->lock);
    int idle = !q->n_todo && !q->in_hand;
    pthread_mutex_unlock(&q->lock);
    return idle;
}

void vm_jobs_wait_gil_taken(vm_jobs *q, unsigned max_us)
{
    for (unsigned waited = 0; waited < max_us && __atomic_load_n(&q->gil_wanted, __ATOMIC_ACQUIRE);
         waited += 20)
        usleep(20);
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
            if (!r->len) { /* declined: offered again after as many runs as the first time */
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
                q->installed++;
                if (old)
                    vm_cache_unchain(m->cache); /* a tier-up: nothing may enter the old code again */
            } else {
                q->dropped++;
            }
            free(res[k]);
        }
        if (fit < n) { /* full: drop every block and all code, then start again */
            vm_cache_flush(m);
            vm_code_arena_reset(a);
            q->evictions++;
            flushed = 1; /* (the rest find no block now) */
        }
    }
    return flushed;
}
