/* The JIT's runtime side: executable memory (W^X) and the helpers compiled
 * code calls. Code generation itself is in Python (vm_engine/jit/), encoded
 * with iced-x86; it is position independent and installed here.
 *
 * A compiled block is a function
 *     uint64_t block(vm_cpu *cpu, vm_jit_rt *rt, uint8_t *base)
 * covering the first `jit_len` instructions of a vm_block. It returns the next
 * guest pc. Compiled code counts its memory accesses itself (in a host
 * register while it runs, added to cpu->mem_accesses when it returns)
 * and takes the instructions it runs from rt->budget; the dispatcher adds what
 * rt->budget lost to cpu->instret. From level 1 on, a block
 * that ends jumps straight into the next compiled block through a link slot
 * (vm_block.chain) that the dispatcher fills, so control stays in host code
 * until a block without code, the budget, a stop request or an exit. */
#ifndef VM_JIT_H
#define VM_JIT_H
#include <stddef.h>
#include <stdint.h>
#include "vm_cpu.h"
#include "vm_mem.h"

enum vm_jit_status {
    VM_JIT_OK = 0,             /* continue at the returned pc */
    VM_JIT_FAULT = 1,          /* the instruction at the returned pc faulted (cpu->fault_* set) */
    VM_JIT_CALLBACK_ERROR = 2, /* a Python callback raised at the returned pc */
    VM_JIT_LEAVE = 3,          /* (from a helper) go on at rt->exit_pc, after the instruction:
                                * a store hit translated code, frm changed, a stop was asked */
};

typedef struct vm_jit_rt {
    vm_cpu *cpu;         /* offset 0 */
    vm_mem *mem;         /* 8 */
    uint64_t budget;     /* 16: instructions compiled code may still run */
    int32_t status;      /* 24 */
    int32_t cur_rm;      /* 28: the host FPU's rounding mode (the guest's frm on entry) */
    vm_chain *exit_slot; /* 32: the link slot of the exit that returned, for the dispatcher */
    uint64_t epoch;      /* 40: cache epoch when the run entered compiled code */
    uint32_t exit_abi;   /* 48: register convention of the block that set exit_slot */
    uint64_t exit_pc;    /* 56: where to go on when a slow-path access makes the code leave */
    void *resume;        /* 64: set by a budget exit inside a region: the way back into the
                          * same code there (the dispatcher's to take: vm_run) */
    uint32_t resume_abi; /* 72: its register convention */
} vm_jit_rt;
/* (The bound, the page flags and the indirect-jump table compiled code reads
 * through the cpu: vm_cpu.jit.) */
/* (A run that must stop at its first block's end gets a budget of just that
 * block: linked code it goes on into stops at its own budget check.) */

/* What compiled code tells the slow path of one of its loads or stores, so that
 * a fault (or a change to code) can end the compiled run there: the slow path
 * gives back to the budget and the counts what will not run, records the
 * fault, sets exit_pc (and, after a completed load, writes its destination).
 * It lies in the code, just after the slow path's call: 24 bytes, the call
 * returning after them. */
typedef struct vm_jit_access {
    uint64_t pc;       /* 0 */
    uint32_t rest;     /* 8: instructions of its block from this one on */
    uint32_t mem_rest; /* 12: memory accesses among them */
    uint32_t raw;      /* 16: the instruction word (its length: the next pc) */
    uint8_t size;      /* 20: bytes */
    uint8_t kind;      /* 21: VM_JIT_STORE, VM_JIT_LOAD_S/_U (integer, sign/zero-extended), _F */
    uint8_t rd;        /* 22: a load's destination register */
    uint8_t viewed;    /* 23: its fast path goes to the view unchecked below cpu->jit.limit */
} vm_jit_access;
enum { VM_JIT_STORE = 0, VM_JIT_LOAD_S, VM_JIT_LOAD_U, VM_JIT_LOAD_F };

/* instructions compiled code may run before it returns to the dispatcher, which
 * then sees stop requests and signals (compiled code does not look: ~1 ms) */
#define VM_JIT_SLICE (1ull << 20)

/* Compiled code is entered through a stub per register convention (abi), which
 * saves the host's registers, sets up the fixed ones and jumps to `entry` (a
 * block's chain entry); it returns the guest pc to go on at. The stubs are
 * generated with the rest of the code (vm_engine/jit/x86.py) and registered once. */
typedef uint64_t (*vm_jit_enter_fn)(vm_cpu *cpu, vm_jit_rt *rt, uint8_t *base, void *entry);
extern vm_jit_enter_fn vm_jit_enter[2];
/* the shared code compiled code reaches through cpu->jit_stubs (registered once,
 * with the entry stubs) */
extern void *vm_jit_stubs[VM_JIT_STUBS];
/* per register convention, where an unlinked exit slot leads (vm_chain.code): the
 * shared way out to the dispatcher, with the target pc in rax and the slot in rcx
 * (a direct exit is `mov rcx, slot; mov eax, target; jmp [rcx]`, no test for NULL) */
extern void *vm_jit_unlinked[2];

/* Compiled code's accesses below cpu->jit.limit are one bounds check and the access
 * through the view (vm_mem.h):
 *     cmp reg, [rbx + offsetof(vm_cpu, jit.limit)]; jae slow; <the access>
 * reg being the base register (its offset, within 2 KiB, lands in the view's
 * guard) or the address. An access through a register another access checked
 * in the same straight-line code (not written since, or moved by a few bytes:
 * its address is then within the guard of an address that was accessible) has
 * no check: only its arena's marks (vm_code_mark) say where it goes when refused.
 * When the host MMU refuses the access, a SIGSEGV handler sends the thread on
 * to `slow`, as if the bounds check had failed. It knows such faults by the
 * faulting address (in the view of the memory this thread runs compiled code
 * on, or its guards: vm_jit_running) and by the check before the faulting
 * instruction or its mark; any other fault goes to the handler installed
 * before it. Code that skips checks never runs without a view: when the view
 * goes, vm_run flushes the code (vm_mem.view_changed). */
struct vm_code_arena;
typedef struct vm_jit_running {
    const uint8_t *view_lo, *view_hi; /* the view and its guards */
    vm_cpu *cpu;                     /* counts the faults handled (cpu->jit_host_faults) */
    const struct vm_code_arena *code; /* where the code runs from: its marks */
} vm_jit_running;
extern __thread vm_jit_running vm_jit_now;
/* installs the handler, or puts it back on top of handlers installed since */
void vm_jit_fault_handler(void);

/* slow paths for compiled loads and stores (fast paths are inline) */
uint64_t vm_jit_load(vm_jit_rt *rt, uint64_t addr, const vm_jit_access *d);
void vm_jit_store(vm_jit_rt *rt, uint64_t addr, const vm_jit_access *d, uint64_t value);
/* an F/D computation without an x86 template, through the interpreter's definition */
void vm_jit_fp(vm_jit_rt *rt, const vm_ir *ir);
/* the M extension's high products and divisions (csrc/vm_m_ops.h) */
/* a CSR instruction on fflags, frm or fcsr (folds the host's flags; follows frm) */
void vm_jit_fcsr(vm_jit_rt *rt, const vm_ir *ir);
/* The one function compiled code calls (so that it needs no register for the
 * callee): `how` is VM_JIT_CALL_FP or _FCSR (then `a` is the IR entry), or the
 * vm_jit_access of a load or store (then `a` is the address, `value` what a
 * store writes); returns what a load loaded. */
enum { VM_JIT_CALL_FP = 1, VM_JIT_CALL_FCSR = 2 };
uint64_t vm_jit_call(vm_jit_rt *rt, uint64_t a, uintptr_t how, uint64_t value);

/* An access without a check of its own, and where it goes when the host MMU
 * refuses it: offsets in the arena. A compiled region lists its marks at its
 * end, before the 8-byte pointer to its vm_block, as pairs of 7-byte
 * `nop dword [rip + x]` (never executed: position-independent references, x the
 * access, then its slow path), and a uint32 count after them. */
typedef struct vm_code_mark {
    uint32_t access, slow;
} vm_code_mark;

/* A compiled region refers to its vm_block through the 8-byte pointer at its
 * end, and its direct exits through `mov rcx, imm64` whose imm64 is the offset
 * of their link slot in the vm_block (the slot is read straight away, not
 * after a load of the pointer). Before the marks, the region lists those
 * imm64s as 7-byte `nop dword [rip + x]`, x the end of one, and a uint32
 * count after them. vm_code_bind fills both in for the vm_block at `block`
 * (the pointer; block's address added to each imm64) in code not yet
 * installed; 0, or -1 if the trailer is not a region's (nothing changed then). */
int vm_code_bind(uint8_t *code, size_t len, const void *block);

/* Executable memory, never writable: a memfd (the code file) mapped RX only,
 * which code goes into by pwrite. Where the host cannot map one executable (no
 * memfd, vm.memfd_noexec, a security policy), private memory made RW while
 * written, then RX again. */
typedef struct vm_code_arena {
    uint8_t *base;
    size_t size;
    size_t used;
    uint64_t installs;
    uint64_t resets;
    vm_code_mark *marks; /* in address order (code is installed upwards) */
    size_t n_marks;      /* (atomic: a fault handler on another thread reads them) */
    size_t max_marks;
    int fd;              /* the code file, or -1: private memory */
    int shared;          /* a fork's child's code file is its parent's still: copied
                            into one of its own before it installs (code_unshare) */
    struct vm_code_arena *next, *prev; /* every arena, for a fork's child */
} vm_code_arena;

int vm_code_arena_init(vm_code_arena *a, size_t size); /* 0 or -errno */
void vm_code_arena_destroy(vm_code_arena *a);
/* copies code in and returns its executable address; NULL when the arena is full.
 * `marked`: the code is a compiled region, ending with its marks */
void *vm_code_install(vm_code_arena *a, const void *code, size_t len, int marked);
/* copies n pieces of code in, one after another (in private memory, with one
 * pair of protection changes: each is a TLB shootdown on every core running a
 * thread of this process); at[k] gets each one's address. Returns how many fit
 * (in order). */
size_t vm_code_install_batch(vm_code_arena *a, const void *const *code, const size_t *len,
                             size_t n, void **at, int marked);
/* where the access at host address `rip` goes when refused, if it has a mark; else NULL */
const uint8_t *vm_code_marked(const vm_code_arena *a, const uint8_t *rip);
void vm_code_arena_reset(vm_code_arena *a);
/* the arena is full: every block of m and all code go (vm_cache_flush, then the
 * arena reset), counted in m's cache (full_flushes) */
void vm_code_full(vm_mem *m, vm_code_arena *a);
/* adds a region's code, installed at `code`, to perf(1)'s map open at fd
 * (/tmp/perf-PID.map, VM_ENGINE_PERF_MAP), named by its guest block: one
 * write, which O_APPEND keeps whole among others' */
void vm_perf_map_add(int fd, const void *code, size_t len, uint64_t pc, uint32_t covered);

#endif
