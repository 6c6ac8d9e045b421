# C declarations shared by the Cython modules (the structs live in csrc/).
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int32_t, int64_t, uintptr_t

cdef extern from "vm_ir.h":
    ctypedef struct vm_ir:
        int64_t imm
        uint32_t raw
        uint16_t pc_off
        uint16_t op
        uint8_t rd, rs1, rs2, rs3, rm, len
        uint16_t aux
    int VM_OP_COUNT
    int VM_REG_SINK
    int vm_fence_orders_store_load(int64_t pred, uint16_t succ, uint8_t fm)
    const char *const vm_op_names[]
    const uint8_t vm_op_flags[]
    int vm_decode(uint32_t word, uint64_t pc, vm_ir *ir) nogil

cdef extern from "vm_cpu.h":
    ctypedef struct vm_cpu_jit:
        void *rt
        uint64_t limit
        void *tc
        uint64_t npages
        const uint8_t *perm
    ctypedef struct vm_cpu:
        uint64_t x[33]
        uint64_t f[32]
        uint64_t pc
        uint32_t fcsr
        uint32_t res_valid
        uint64_t res_addr
        uint64_t res_value
        uint64_t instret
        uint64_t jit_instret
        uint64_t interp_blocks
        uint64_t jit_vector_runs
        uint64_t jit_host_faults
        vm_cpu_jit jit
        void *jit_stubs[8]
        uint64_t mem_accesses
        int32_t stop_request
        int32_t exit_reason
        int32_t fault_kind
        int32_t fault_access
        uint64_t fault_addr
        uint32_t fault_insn
    enum: VM_JIT_STUBS
    enum:
        VM_EXIT_BLOCK_END, VM_EXIT_UNTIL, VM_EXIT_BUDGET, VM_EXIT_STOP, VM_EXIT_ECALL,
        VM_EXIT_EBREAK, VM_EXIT_FAULT, VM_EXIT_CALLBACK_ERROR, VM_EXIT_NOMEM
    enum:
        VM_FAULT_NONE, VM_FAULT_INVALID_OPCODE, VM_FAULT_ILLEGAL_INSTRUCTION,
        VM_FAULT_PAGE, VM_FAULT_ALIGNMENT
    enum:
        VM_ACCESS_READ, VM_ACCESS_WRITE, VM_ACCESS_FETCH

cdef extern from "vm_jit.h":
    enum: VM_JIT_SLICE
    ctypedef struct vm_code_arena:
        uint8_t *base
        size_t size
        size_t used
        uint64_t installs
        uint64_t resets
        size_t n_marks
    ctypedef struct vm_jit_access:
        uint32_t size
    ctypedef struct vm_jit_rt:
        vm_cpu *cpu
        uint64_t budget
        int32_t status
        void *exit_slot
        uint32_t exit_abi
        uint64_t exit_pc
        void *resume
        uint32_t resume_abi
    int vm_code_arena_init(vm_code_arena *a, size_t size)
    void vm_code_arena_destroy(vm_code_arena *a)
    void *vm_code_install(vm_code_arena *a, const void *code, size_t len, int marked)
    void vm_code_arena_reset(vm_code_arena *a)
    void vm_code_full(vm_mem *m, vm_code_arena *a)
    void vm_perf_map_add(int fd, const void *code, size_t len, uint64_t pc, uint32_t covered)
    int vm_code_bind(uint8_t *code, size_t len, const void *block)
    uint64_t vm_jit_call(vm_jit_rt *rt, uint64_t a, uintptr_t how, uint64_t value)
    enum: VM_JIT_CALL_FP
    enum: VM_JIT_CALL_FCSR
    ctypedef uint64_t (*vm_jit_enter_fn)(vm_cpu *cpu, vm_jit_rt *rt, uint8_t *base, void *entry)
    vm_jit_enter_fn vm_jit_enter[2]
    void *vm_jit_stubs[8]
    void *vm_jit_unlinked[2]

cdef extern from "vm_mem.h":
    enum: VM_CHAIN_SLOTS
    enum: VM_TC_SIZE
    ctypedef struct vm_chain:
        void *code
        uint64_t pc
    int VM_PAGE_SIZE, VM_PAGE_BITS
    int VM_PERM_R, VM_PERM_W, VM_PERM_X, VM_PAGE_CODE, VM_PAGE_CALLBACK, VM_PAGE_MAPPED
    int VM_PAGE_STORE, VM_PAGE_SOFT
    int VM_MEM_OK, VM_MEM_FAULT, VM_MEM_CALLBACK_ERROR, VM_MEM_NOMEM
    int VM_MAX_BLOCK_INSNS
    int VM_FAR_PAGES
    int VM_DATA_WRITES
    ctypedef struct vm_block:
        uint64_t pc
        uint64_t end_pc
        uint32_t n_insns
        uint32_t n_mem
        uint64_t exec_count
        void *jit_code
        vm_chain chain[VM_CHAIN_SLOTS]
        uint32_t jit_len
        uint32_t jit_mem
        uint64_t jit_lo, jit_hi
        uint32_t jit_tried
        uint32_t jit_abi
        uint32_t jit_tier
        int32_t tier_countdown
        uint32_t jit_deferred
        uint64_t serial
        vm_ir ir[1]
    ctypedef struct vm_block_cache:
        uint64_t n_blocks
        uint64_t bytes
        uint64_t byte_limit
        uint64_t blocks_built
        uint64_t invalidations
        uint64_t code_writes
        vm_code_arena *code
    ctypedef int (*vm_cb_load_fn)(void *owner, uint64_t addr, unsigned size, int access,
                                  uint64_t *out) noexcept
    ctypedef int (*vm_cb_store_fn)(void *owner, uint64_t addr, unsigned size,
                                   uint64_t value) noexcept
    ctypedef struct vm_mem:
        uint8_t *base
        uint8_t *view
        int view_ok
        uint8_t *perm
        uint64_t npages
        uint64_t size
        int all_callback
        void *owner
        vm_cb_load_fn cb_load
        vm_cb_store_fn cb_store
        vm_block_cache *cache
        uint64_t fault_addr
        int fault_access
    int vm_mem_init(vm_mem *m, uint64_t size)
    void vm_mem_destroy(vm_mem *m)
    int vm_mem_fork_child(vm_mem *m, int shared)
    int vm_mem_map(vm_mem *m, uint64_t addr, uint64_t size, unsigned perms, int callback)
    int vm_mem_unmap(vm_mem *m, uint64_t addr, uint64_t size)
    int vm_mem_protect(vm_mem *m, uint64_t addr, uint64_t size, unsigned perms)
    int vm_mem_share(vm_mem *m, uint64_t addr, uint64_t size, int fd, uint64_t offset)
    int vm_mem_share_fd(const vm_mem *m, uint64_t addr, uint64_t *offset)
    int vm_mem_attach(vm_mem *m, uint64_t addr, uint64_t size, void *attached, int shmid,
                      int readonly)
    int vm_mem_view_usable(const vm_mem *m)
    int vm_mem_is_mapped(const vm_mem *m, uint64_t addr, uint64_t size)
    uint8_t vm_mem_flags_at(const vm_mem *m, uint64_t pg)
    uint64_t vm_mem_run_end(const vm_mem *m, uint64_t pg)
    int vm_mem_slow_load(vm_mem *m, uint64_t addr, unsigned size, int access, uint64_t *out) nogil
    int vm_mem_slow_store(vm_mem *m, uint64_t addr, unsigned size, uint64_t value) nogil
    int vm_mem_host_read(vm_mem *m, uint64_t addr, void *dst, uint64_t size)
    int vm_mem_host_write(vm_mem *m, uint64_t addr, const void *src, uint64_t size)
    int vm_mem_load_file(vm_mem *m, uint64_t addr, int fd, uint64_t offset, uint64_t size,
                         uint64_t *done)
    vm_block_cache *vm_cache_new()
    void vm_cache_free(vm_block_cache *c)
    void vm_cache_flush(vm_mem *m)
    void vm_cache_free_retired(vm_block_cache *c)
    void vm_cache_fence_i(vm_mem *m)
    void vm_cache_invalidate_range(vm_mem *m, uint64_t addr, uint64_t size)
    int vm_cache_call_seen(const vm_block_cache *c, uint64_t pc, uint64_t targets[2])
    void vm_cache_set_far(vm_mem *m, vm_block *b, const uint64_t *pages, uint32_t n)
    void vm_block_set_code(vm_block *b, void *code, uint32_t covered, uint32_t mem_ops,
                           uint64_t lo, uint64_t hi, uint32_t abi, int32_t countdown)
    int vm_code_checked(const vm_mem *m, const vm_block *b)
    vm_block *vm_block_from_ir(const vm_ir *ir, uint32_t n, uint64_t pc, const char **why)
    uint32_t vm_decode_block(vm_mem *m, uint64_t pc, vm_ir *out, uint32_t max,
                             int *fetch_result) nogil
    uint32_t vm_peek_block(vm_mem *m, uint64_t pc, vm_ir *out, uint32_t max)

cdef extern from "vm_jobs.h":
    ctypedef struct vm_job:
        uint64_t pc, serial
        uint32_t tier, checked, near, probe, n
        vm_ir ir[1]
    ctypedef struct vm_job_result:
        uint64_t pc, serial
        uint32_t tier, covered, mem_ops, abi
        uint64_t lo, hi
        uint64_t far[4]  # (VM_FAR_PAGES entries: _far_pages keeps within it)
        uint32_t n_far
        uint64_t generation
        int32_t countdown
        uint32_t len
        uint32_t n_guest, guest_at
        uint8_t code[1]
    ctypedef struct vm_jobs:
        int busy
        int failed
        int gil_wanted
        uint32_t n_todo
        int decline_cold
        uint64_t installed, dropped, evictions, declined, wakes
        uint64_t batches
    vm_jobs *vm_jobs_new()
    void vm_jobs_free(vm_jobs *q)
    void vm_jobs_close(vm_jobs *q) nogil
    int vm_jobs_set_perf_map(vm_jobs *q, const char *path)
    void vm_jobs_running(vm_jobs *q, int delta, int drain) nogil
    vm_job *vm_jobs_take(vm_jobs *q) nogil
    void vm_jobs_hold(vm_jobs *q, double seconds) nogil
    void vm_jobs_post(vm_jobs *q, vm_job_result *r) nogil
    void vm_jobs_finished(vm_jobs *q) nogil
    int vm_jobs_idle(vm_jobs *q) nogil
    int vm_jobs_held(vm_jobs *q) nogil
    int vm_jobs_should_yield(vm_jobs *q) nogil
    void vm_jobs_let_run_in(vm_jobs *q) nogil
    void vm_jobs_gil_back(vm_jobs *q) nogil
    size_t vm_jobs_queued(vm_jobs *q, uint64_t *pcs, size_t max) nogil
    void vm_jobs_fork_prepare(vm_jobs *q)
    void vm_jobs_fork_parent(vm_jobs *q)
    void vm_jobs_fork_child(vm_jobs *q)

cdef extern from "vm_interp.h":
    ctypedef struct vm_run_opts:
        uint64_t budget
        uint64_t until
        int has_until
        vm_block *one_block
        int (*poll)(void *ctx) noexcept
        void *poll_ctx
        int (*compile)(void *ctx, vm_block *b) noexcept
        void *compile_ctx
        uint64_t compile_threshold
        uint64_t probe_threshold
        vm_jobs *jobs
        vm_code_arena *arena
        int keep_handler
    int vm_run(vm_cpu *cpu, vm_mem *mem, const vm_run_opts *opts) nogil


cdef class MemoryBase:
    """Anything the engines run against: holds a vm_mem."""
    cdef vm_mem mem
    cdef object _pending          # exception raised by a callback during a run
    cdef public object _jobs      # CompileJobs of background compilation, once asked for
    cdef object _fork_error       # (a forked child) its copy of the memory could not be made
    cdef object __weakref__
    cdef vm_mem *raw(self) except NULL
    cdef object take_pending(self)


cdef class FlatMMU(MemoryBase):
    cdef list _mmio               # [(addr, size, read_cb, write_cb)]


cdef class UserMMU(MemoryBase):
    cdef readonly object target   # the user's object with mem_read/mem_write


cdef class CpuCore:
    cdef vm_cpu cpu
    cdef uint64_t _run_ns, _run_start  # time in runs before this one; when it began (0: none)
    cdef object _hook                  # the _CompileHook runs with a compiler use again

cdef extern from "vm_hostsig.h":
    void vm_hostsig_wrap(int sig)
    int vm_hostsig_take(int sig, uint8_t *out)
    void vm_hostsig_clear()
