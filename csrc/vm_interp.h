/* The interpreter: runs IR blocks over a vm_cpu and a vm_mem. */
#ifndef VM_INTERP_H
#define VM_INTERP_H
#include "vm_cpu.h"
#include "vm_mem.h"
#include "vm_jobs.h"

typedef struct vm_run_opts {
    uint64_t budget;      /* instructions at most; UINT64_MAX for no limit */
    uint64_t until;       /* stop before executing this address, if has_until */
    int has_until;
    vm_block *one_block;  /* execute just this block (not from the cache), from its pc */
    /* called every VM_POLL_BLOCKS blocks when set (e.g. to see Ctrl-C); nonzero
     * stops the run with VM_EXIT_CALLBACK_ERROR */
    int (*poll)(void *ctx);
    void *poll_ctx;
    /* JIT: called (with the block) once a block has run compile_threshold
     * times; it may set b->jit_code. Nonzero stops the run with
     * VM_EXIT_CALLBACK_ERROR. */
    int (*compile)(void *ctx, vm_block *b);
    void *compile_ctx;
    uint64_t compile_threshold;
    /* background compiles with a code store of earlier runs' code: a block that
     * has run this many times (fewer than compile_threshold) is queued for a
     * look there, which compiles nothing (vm_jobs_submit's probe); its code, if
     * kept, is taken then, else it is compiled at compile_threshold. 0: none (set
     * only with `jobs`) */
    uint64_t probe_threshold;
    /* background compilation (vm_jobs.h): blocks due for compiling are queued
     * here instead of compiled by `compile`, and the code posted back is
     * installed into `arena` between blocks */
    vm_jobs *jobs;
    vm_code_arena *arena; /* where the run's compiled code is (its marks: vm_code_mark) */
    /* the JIT's SIGSEGV handler is left as it is: a run just before put it on
     * top (vm_jit_fault_handler asks the kernel: a system call a run) */
    int keep_handler;
} vm_run_opts;

#define VM_POLL_BLOCKS (1u << 16)

/* Runs from cpu->pc. Returns (and stores in cpu->exit_reason) an enum vm_exit.
 * Needs no GIL; Python is entered only through the memory callbacks. */
int vm_run(vm_cpu *cpu, vm_mem *mem, const vm_run_opts *opts);

/* CSR access for csrrw/csrrs/csrrc and their immediate forms. Returns 0, or
 * VM_FAULT_ILLEGAL_INSTRUCTION. */
int vm_csr_access(vm_cpu *cpu, unsigned csr, int op, uint64_t src, int write,
                  uint64_t instret_now, uint64_t *old);
/* A CSR instruction (ir): the access, and rd = the old value. Returns 0, or
 * VM_FAULT_ILLEGAL_INSTRUCTION (rd untouched). */
int vm_csr_exec(vm_cpu *cpu, const vm_ir *ir, uint64_t instret_now);

#endif
