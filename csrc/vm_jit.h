/* The JIT's runtime side: executable memory (W^X) and the helpers compiled
 * code calls. Code generation itself is in Python (vm_engine/jit/), encoded
 * with iced-x86; it is position independent and installed here.
 *
 * A compiled block is a function
 *     uint64_t block(vm_cpu *cpu, vm_jit_rt *rt, uint8_t *base, const uint8_t *perm,
 *                    uint64_t npages)
 * covering the first `jit_len` instructions of a vm_block. It returns the next
 * guest pc and always sets rt->done (instructions completed) and rt->status. */
#ifndef VM_JIT_H
#define VM_JIT_H
#include <stddef.h>
#include <stdint.h>
#include "vm_cpu.h"
#include "vm_mem.h"

enum vm_jit_status {
    VM_JIT_OK = 0,             /* done instructions ran; continue at the returned pc */
    VM_JIT_FAULT = 1,          /* instruction `done` faulted (cpu->fault_* set) */
    VM_JIT_CALLBACK_ERROR = 2, /* a Python callback raised at instruction `done` */
    VM_JIT_CODE_CHANGED = 3,   /* (from the store helper) a store hit translated code */
};

typedef struct vm_jit_rt {
    vm_cpu *cpu;      /* offset 0 */
    vm_mem *mem;      /* 8 */
    uint32_t done;    /* 16 */
    int32_t status;   /* 20 */
    uint64_t epoch;   /* 24: cache epoch when the block started */
} vm_jit_rt;

typedef uint64_t (*vm_jit_fn)(vm_cpu *cpu, vm_jit_rt *rt, uint8_t *base, const uint8_t *perm,
                              uint64_t npages);

/* slow paths for compiled loads and stores (fast paths are inline) */
uint64_t vm_jit_load(vm_jit_rt *rt, uint64_t addr, uint32_t size);
void vm_jit_store(vm_jit_rt *rt, uint64_t addr, uint32_t size, uint64_t value);

/* executable memory: written while RW, then RX; never both */
typedef struct vm_code_arena {
    uint8_t *base;
    size_t size;
    size_t used;
    uint64_t installs;
    uint64_t resets;
} vm_code_arena;

int vm_code_arena_init(vm_code_arena *a, size_t size); /* 0 or -errno */
void vm_code_arena_destroy(vm_code_arena *a);
/* copies code in and returns its executable address; NULL when the arena is full */
void *vm_code_install(vm_code_arena *a, const void *code, size_t len);
void vm_code_arena_reset(vm_code_arena *a);

#endif
