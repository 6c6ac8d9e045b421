/* Guest hart state, shared by the interpreter and the JIT. */
#ifndef VM_CPU_H
#define VM_CPU_H
#include <stdint.h>

/* why vm_run returned */
enum vm_exit {
    VM_EXIT_BLOCK_END = 0, /* execute-one-block mode finished its block */
    VM_EXIT_UNTIL,         /* reached the `until` address */
    VM_EXIT_BUDGET,        /* instruction budget used up */
    VM_EXIT_STOP,          /* stop requested */
    VM_EXIT_ECALL,         /* ecall executed; pc is past it */
    VM_EXIT_EBREAK,        /* ebreak reached; pc is at it, not counted */
    VM_EXIT_FAULT,         /* a guest fault; pc is at the faulting instruction */
    VM_EXIT_CALLBACK_ERROR,/* a Python callback (MMU, MMIO) raised; pc at the instruction */
    VM_EXIT_NOMEM,         /* the host ran out of memory */
};

enum vm_fault {
    VM_FAULT_NONE = 0,
    VM_FAULT_INVALID_OPCODE,      /* the word decodes to no instruction */
    VM_FAULT_ILLEGAL_INSTRUCTION, /* decodes, but is illegal here (e.g. unknown CSR) */
    VM_FAULT_PAGE,                /* unmapped or permission denied */
    VM_FAULT_ALIGNMENT,           /* misaligned where the ISA forbids it */
};

enum vm_access { VM_ACCESS_READ = 0, VM_ACCESS_WRITE = 1, VM_ACCESS_FETCH = 2 };

/* What compiled code reads of the run it is in, at rbx (the cpu), which keeps
 * r15 for a guest register; vm_run sets it as it enters the code, and puts an
 * outer run's back on its way out (a callback may run the same cpu again) */
typedef struct vm_cpu_jit {
    void *rt;             /* the run's vm_jit_rt (exits and slow paths write it) */
    uint64_t limit;       /* accesses below this guest address go to the view unchecked
                             (the host MMU checks them: vm_jit_fault_handler); 0 without a view */
    void *tc;             /* the cache's indirect-jump table (vm_block_cache.jit_tc) */
    uint64_t npages;      /* pages of guest memory (the page checks of code checking itself) */
    const uint8_t *perm;  /* the permission byte of each guest page (vm_mem.perm) */
} vm_cpu_jit;

#define VM_JIT_STUBS 8

typedef struct vm_cpu {
    uint64_t x[33];          /* x[32]: sink for writes to x0 */
    uint64_t f[32];          /* NaN-boxed floating-point registers */
    uint64_t pc;
    uint32_t fcsr;           /* frm << 5 | fflags */
    uint32_t res_valid;      /* LR/SC reservation */
    uint64_t res_addr;
    uint64_t res_value;      /* what the LR read (an SC stores if the word still holds it) */
    uint64_t instret;        /* retired instructions, exact */
    uint64_t mem_accesses;   /* loads + stores executed */
    volatile int32_t stop_request;
    /* filled when vm_run returns */
    int32_t  exit_reason;    /* enum vm_exit */
    int32_t  fault_kind;     /* enum vm_fault */
    int32_t  fault_access;   /* enum vm_access */
    uint64_t fault_addr;
    uint32_t fault_insn;     /* the raw instruction word at pc, if known */
    /* where the instructions ran (JIT and Hybrid): instret - jit_instret were interpreted */
    uint64_t jit_instret;    /* instructions retired in compiled code */
    uint64_t interp_blocks;  /* blocks (or their uncompiled rests) interpreted */
    uint64_t jit_vector_runs; /* loops compiled code ran as one vector operation (level 3) */
    uint64_t jit_host_faults; /* compiled accesses the host MMU sent to their slow path */
    vm_cpu_jit jit;
    /* the process's shared code that compiled code jumps to or calls (epilogues,
     * link exits, the way into C), as `jmp [rbx + offsetof(vm_cpu, jit_stubs[k])]`:
     * so compiled code holds no host address and is the same in every process
     * (vm_engine/jit/code_store.py keeps it on disk). vm_run copies them in. */
    void *jit_stubs[VM_JIT_STUBS];
} vm_cpu;

#endif
