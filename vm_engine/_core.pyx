# cython: language_level=3, boundscheck=False, wraparound=False
"""The compiled core: guest memory (FlatMMU, adapters for user MMU objects),
the cpu state and the interpreter run loop (csrc/vm_interp.c, run without the GIL).

The public classes in vm_engine wrap these; nothing here is meant to be used directly.
"""
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING
from cpython.exc cimport PyErr_CheckSignals
from cpython.pythread cimport PyThread_get_thread_ident
import errno
import os
import struct
import threading
import time
import weakref
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int64_t, uintptr_t
from posix.time cimport CLOCK_MONOTONIC, clock_gettime, timespec

from array import array

from vm_engine.errors import GuestMemoryError

PAGE_SIZE = VM_PAGE_SIZE
MAX_BLOCK_INSNS = VM_MAX_BLOCK_INSNS
REG_SINK = VM_REG_SINK
FAR_PAGES = VM_FAR_PAGES  # (other pages a compiled region may cover)
DATA_WRITES = VM_DATA_WRITES  # (stores in a row beside code that make its page data's)

EXIT_BLOCK_END = VM_EXIT_BLOCK_END
EXIT_UNTIL = VM_EXIT_UNTIL
EXIT_BUDGET = VM_EXIT_BUDGET
EXIT_STOP = VM_EXIT_STOP
EXIT_ECALL = VM_EXIT_ECALL
EXIT_EBREAK = VM_EXIT_EBREAK
EXIT_FAULT = VM_EXIT_FAULT
EXIT_CALLBACK_ERROR = VM_EXIT_CALLBACK_ERROR
EXIT_NOMEM = VM_EXIT_NOMEM

FAULT_INVALID_OPCODE = VM_FAULT_INVALID_OPCODE
FAULT_ILLEGAL_INSTRUCTION = VM_FAULT_ILLEGAL_INSTRUCTION
FAULT_PAGE = VM_FAULT_PAGE
FAULT_ALIGNMENT = VM_FAULT_ALIGNMENT

cdef uint64_t U64_MAX = 0xFFFFFFFFFFFFFFFF


def op_names():
    """Opcode names in the compiled C table, index = VM_OP_* value."""
    return [vm_op_names[i].decode() for i in range(VM_OP_COUNT)]


def ir_layout():
    """(itemsize, {field: offset}) of the C struct vm_ir."""
    cdef vm_ir s
    cdef size_t b = <size_t>&s
    return sizeof(vm_ir), {
        "imm": <size_t>&s.imm - b, "raw": <size_t>&s.raw - b, "pc_off": <size_t>&s.pc_off - b,
        "op": <size_t>&s.op - b, "rd": <size_t>&s.rd - b, "rs1": <size_t>&s.rs1 - b,
        "rs2": <size_t>&s.rs2 - b, "rs3": <size_t>&s.rs3 - b, "rm": <size_t>&s.rm - b,
        "len": <size_t>&s.len - b, "aux": <size_t>&s.aux - b,
    }


def fence_orders_store_load(int64_t pred, uint16_t succ, uint8_t fm) -> bool:
    """Whether a fence (its IR imm, aux and rm) orders a store before later
    loads: the one order an x86-64 host does not keep by itself (vm_ir.h)."""
    return bool(vm_fence_orders_store_load(pred, succ, fm))


def decode_words(words, uint64_t start_pc):
    """IR bytes (vm_ir[n]) for instruction words laid out from start_pc.

    ``words`` is a sequence of (word, length) pairs. Returns bytes of n+0 entries
    (no closing entry: blocks add their own).
    """
    cdef Py_ssize_t n = len(words), i
    out = PyBytes_FromStringAndSize(NULL, n * sizeof(vm_ir))
    cdef vm_ir *ir = <vm_ir *>PyBytes_AS_STRING(out)
    cdef uint64_t pc = start_pc
    cdef int length
    for i in range(n):
        word, length = words[i]
        vm_decode(<uint32_t>word, pc, &ir[i])
        ir[i].pc_off = <uint16_t>(pc - start_pc)
        pc += length
    return out


def _check_range(uint64_t addr, uint64_t size):
    if addr % VM_PAGE_SIZE or size % VM_PAGE_SIZE or size == 0:
        raise ValueError(f"address {addr:#x} and size {size:#x} must be non-zero "
                         f"multiples of the page size ({VM_PAGE_SIZE:#x})")


cdef unsigned _perm_bits(perms) except? 0xffffffff:
    if isinstance(perms, int):
        if perms & ~7:
            raise ValueError(f"perms must be within 0..7 (r=1, w=2, x=4), got {perms}")
        return perms
    bits = 0
    for ch in str(perms).lower():
        if ch == "r":
            bits |= 1
        elif ch == "w":
            bits |= 2
        elif ch == "x":
            bits |= 4
        elif ch != "-":
            raise ValueError(f"perms must be made of 'r', 'w', 'x' (got {perms!r})")
    return bits


cdef str _perm_str(unsigned bits):
    return ("r" if bits & 1 else "-") + ("w" if bits & 2 else "-") + ("x" if bits & 4 else "-")


cdef class MemoryBase:
    """Common part of FlatMMU and UserMMU: the vm_mem and callback error capture."""

    def __dealloc__(self):
        if self._jobs is not None:
            self._jobs.close()  # (its compiler thread ends)
        vm_mem_destroy(&self.mem)

    @property
    def host_view(self):
        """Whether compiled code reaches this memory through a second mapping
        whose host protections are the guest's (its accesses then cost one
        bounds check, or none near an access just made). False when the host
        cannot give it (no memfd, no room for a second mapping of the address
        space, too many mappings; a UserMMU), and while System V segments are
        attached (FlatMMU.mem_attach): compiled accesses then check page
        permissions themselves."""
        return bool(vm_mem_view_usable(&self.mem))

    def release(self):
        """Gives the host back what this memory holds, now: its arena (every
        page, and the files mapped there), its page table, its decoded and
        compiled code; the compiler thread of its background compiles ends
        first (it may be reading it). From then on the memory is empty (every
        access faults) and no run can use it (RuntimeError). For the owner of
        a memory no one runs (Machine.close()): otherwise it all goes when the
        object does, which a reference cycle can put off until a collection."""
        jobs = self._jobs
        if jobs is not None:
            jobs.close()
            if jobs.thread is not None and jobs.thread is not threading.current_thread():
                jobs.thread.join()
            self._jobs = None
        vm_mem_destroy(&self.mem)
        _FLAT_MEMORIES.discard(self)

    @property
    def released(self):
        """Whether release() gave the memory back."""
        return self.mem.cache == NULL

    cdef vm_mem *raw(self) except NULL:
        if self.mem.cache == NULL:
            raise RuntimeError("memory is not initialised, or was released (release())")
        if self._fork_error is not None:
            raise GuestMemoryError(f"this forked process could not copy the guest memory it "
                                   f"shares with its parent: {self._fork_error}")
        return &self.mem

    cdef object take_pending(self):
        exc = self._pending
        self._pending = None
        return exc

    def flush_code_cache(self):
        """Drops every decoded block and its compiled code."""
        vm_cache_flush(self.raw())

    def fence_i(self):
        """What fence.i does: later fetches see every store before it. Code
        changed by stores through this memory was retired as they were made;
        code decoded from memory written otherwise (MMIO callbacks, a user
        MMU's) is dropped here."""
        vm_cache_fence_i(self.raw())

    @property
    def code_cache_stats(self):
        cdef vm_block_cache *c = self.raw().cache
        return {"blocks": c.n_blocks, "bytes": c.bytes, "blocks_built": c.blocks_built,
                "invalidations": c.invalidations}

    def decode_block(self, uint64_t pc):
        """IR bytes of the basic block at guest pc, decoded from this memory
        (the closing entry is not included). Raises GuestMemoryError if pc cannot
        be fetched."""
        cdef vm_ir buf[129]
        cdef int fetch
        cdef uint32_t n = vm_decode_block(self.raw(), pc, buf, VM_MAX_BLOCK_INSNS, &fetch)
        if n == 0:
            exc = self.take_pending()
            if exc is not None:
                raise exc
            raise GuestMemoryError(self.mem.fault_addr, "fetch")
        return PyBytes_FromStringAndSize(<char *>buf, n * sizeof(vm_ir))

    @property
    def code_generation(self):
        """How many writes reached pages of code so far. Read by a compile on
        another thread before it reads any code (on pages is_code_page says are
        code), it tells its install whether the code it read was written
        meanwhile (vm_cache_written_since)."""
        return self.mem.cache.code_writes if self.mem.cache else 0  # (an aligned word)

    def is_code_page(self, uint64_t addr):
        """Whether blocks were decoded from the page of guest address addr (or a
        compiled region covers it): a write there retires them (safe to ask
        from any thread)."""
        cdef uint64_t pg = addr >> VM_PAGE_BITS
        return pg < self.mem.npages and (self.mem.perm[pg] & VM_PAGE_CODE) != 0

    def call_seen(self, uint64_t pc):
        """Where the indirect call (a jalr that links) at guest pc went when
        last interpreted, and before that if elsewhere: a tuple of one or two
        pcs, the last first; None if not seen. A hint for the JIT, which may
        inline them behind checks (safe to ask from any thread)."""
        cdef uint64_t targets[2]
        cdef int n = vm_cache_call_seen(self.mem.cache, pc, targets) if self.mem.cache else 0
        if n == 0:
            return None
        if n == 1:
            return (targets[0],)
        return (targets[0], targets[1])

    def peek_block(self, uint64_t pc):
        """decode_block for a thread other than the run's (background compiles):
        only from plain executable memory, changing nothing. Raises
        GuestMemoryError where that ends before the first instruction."""
        cdef vm_ir buf[129]
        cdef uint32_t n = vm_peek_block(self.raw(), pc, buf, VM_MAX_BLOCK_INSNS)
        if n == 0:
            raise GuestMemoryError(pc, "fetch")
        return PyBytes_FromStringAndSize(<char *>buf, n * sizeof(vm_ir))


cdef class CompileJobs:
    """Background compilation's queues for one memory (csrc/vm_jobs.h): runs
    queue the blocks due for compiling, a compiler thread takes them and posts
    their code back, the runs install it between blocks."""
    cdef vm_jobs *q
    cdef public object compiler  # weakref to the JITCompiler whose settings the jobs use
    cdef public object thread    # the compiler thread (None: none yet, or gone with a fork)
    cdef object error            # what the compiler thread raised (the run re-raises it)

    def __cinit__(self):
        self.q = vm_jobs_new()
        if self.q == NULL:
            raise MemoryError()

    def __dealloc__(self):
        vm_jobs_free(self.q)

    # Every call that takes the queue's lock is made without the GIL: a thread
    # forking holds that lock across os.fork() and needs the GIL afterwards to
    # let it go (_after_fork_in_parent), so a thread waiting for the lock with
    # the GIL would deadlock it.

    def close(self):
        """Ends take(): the compiler thread finishes."""
        with nogil:
            vm_jobs_close(self.q)

    def set_perf_map(self, path: str):
        """The code installed from now on is also listed in perf(1)'s map at
        `path`, as the JIT lists what it installs itself (VM_ENGINE_PERF_MAP)."""
        r = vm_jobs_set_perf_map(self.q, os.fsencode(path))
        if r:
            raise OSError(-r, os.strerror(-r), path)

    def hold(self, double seconds):
        """No job is taken for `seconds` from now (0: none held from now on),
        unless a wait for the compiles begins (wait_for_compiles) or the jobs
        close: they queue, and warm, meanwhile."""
        with nogil:
            vm_jobs_hold(self.q, seconds)

    def _fork_prepare(self):
        vm_jobs_fork_prepare(self.q)

    def _fork_parent(self):
        vm_jobs_fork_parent(self.q)

    def _fork_child(self):
        """(in a forked child) The compiler thread is gone: the next run starts one."""
        vm_jobs_fork_child(self.q)
        self.thread = None

    def take(self):
        """The next job, (pc, serial, tier, checked, near, probe, IR bytes with
        the closing entry), waiting for one without the GIL; None once closed.
        (near: its region keeps to its block's pages; probe: only its code kept
        in a store is wanted, vm_jobs_submit's.)"""
        cdef vm_job *j
        with nogil:
            j = vm_jobs_take(self.q)
        vm_jobs_gil_back(self.q)
        if j == NULL:
            return None
        try:
            return (j.pc, j.serial, j.tier, bool(j.checked), bool(j.near), bool(j.probe),
                    PyBytes_FromStringAndSize(<char *>&j.ir[0], j.n * sizeof(vm_ir)))
        finally:
            free(j)

    def post(self, uint64_t pc, uint64_t serial, uint32_t tier, compiled, int32_t countdown,
             uint64_t generation):
        """Hands back job (pc, serial, tier)'s code: an x86.Compiled, formed when
        the memory's code_generation was `generation`."""
        code = compiled.code
        far = _far_pages(compiled)
        # (the guest instructions it read, checked again when it is installed)
        guest = b"".join([_JOB_INSN.pack(pc, raw, 0) for pc, raw in compiled.guest])
        cdef size_t guest_at = (len(code) + 7) & ~7
        cdef vm_job_result *r = <vm_job_result *>malloc(sizeof(vm_job_result) + guest_at
                                                        + len(guest))
        if r == NULL:
            raise MemoryError()
        r.n_guest, r.guest_at = len(compiled.guest), guest_at
        memcpy(&r.code[guest_at], PyBytes_AS_STRING(guest), len(guest))
        r.pc, r.serial, r.tier = pc, serial, tier
        r.covered, r.mem_ops, r.abi = compiled.covered, compiled.mem_ops, compiled.abi
        r.lo, r.hi = compiled.span()
        r.countdown = countdown
        r.n_far = len(far)
        for k, page in enumerate(far):
            r.far[k] = page
        r.generation = generation
        r.len = len(code)
        memcpy(&r.code[0], PyBytes_AS_STRING(code), len(code))
        with nogil:
            vm_jobs_post(self.q, r)

    def finished(self):
        """The job last taken is done with (its code posted, or none made)."""
        with nogil:
            vm_jobs_finished(self.q)

    def wait_idle(self, timeout=None):
        """Lets the compiler thread work, as if a run went on, until no job is
        queued or in hand (True), or timeout seconds have passed (False). The
        code is installed when a run next begins."""
        deadline = None if timeout is None else time.monotonic() + timeout
        cdef int idle
        with nogil:
            vm_jobs_running(self.q, 1, 1)
        try:
            while True:
                with nogil:
                    idle = vm_jobs_idle(self.q)
                if idle:
                    return True
                if deadline is not None and time.monotonic() >= deadline:
                    return False
                time.sleep(0.0005)
        finally:
            with nogil:
                vm_jobs_running(self.q, -1, 1)

    @property
    def held(self):
        """The compiler thread takes no job yet (hold's time has not come)."""
        cdef int h
        with nogil:
            h = vm_jobs_held(self.q)
        return bool(h)

    @property
    def busy(self):
        """The compiler thread has a job: it holds the GIL (or is about to), from
        when take() returns one until it is called again (runs do not poll for
        signals then: the poll would wait for the GIL, up to Python's switch
        interval of 5 ms each time)."""
        return bool(self.q.busy)

    @property
    def gil_wanted(self):
        """A run waits for the GIL (it has ended, or it calls into Python: a
        poll for signals, an MMIO callback): the compiler thread lets it in at
        its next pause (let_run_in)."""
        return bool(self.q.gil_wanted)

    def let_run_in(self):
        """(compiler thread, between jobs and between the blocks of one) Lets a
        run that waits for the GIL have it, if one does and this thread has
        had it for its slice, waiting without the GIL until the run has it and
        while runs keep coming back for it (vm_jobs_let_run_in)."""
        if vm_jobs_should_yield(self.q):
            with nogil:
                vm_jobs_let_run_in(self.q)
            vm_jobs_gil_back(self.q)

    def fail(self, exc):
        """The compiler thread raised exc: runs stop and raise it."""
        self.error = exc
        self.q.failed = 1

    def take_error(self):
        exc, self.error = self.error, None
        self.q.failed = 0
        return exc

    def queued(self):
        """The pcs of the blocks whose jobs wait, the next to be compiled first."""
        cdef size_t n, room
        with nogil:
            n = vm_jobs_queued(self.q, NULL, 0)
        cdef uint64_t[::1] pcs = array("Q", bytes(8 * (n + 64)))  # (room for a few more)
        room = pcs.shape[0]
        with nogil:
            n = min(vm_jobs_queued(self.q, &pcs[0], room), room)
        return [int(pc) for pc in pcs[:n]]

    def take_evictions(self):
        """Times installing found the code cache full (and flushed it) since last asked."""
        n, self.q.evictions = self.q.evictions, 0
        return n

    @property
    def stats(self):
        return {"queued": self.q.n_todo, "installed": self.q.installed,
                "install_batches": self.q.batches, "dropped": self.q.dropped,
                "evictions": self.q.evictions, "declined": self.q.declined,
                "wakes": self.q.wakes}

    @property
    def decline_cold(self):
        """Jobs gone cold are declined (Hybrid: vm_jobs_take)."""
        return bool(self.q.decline_cold)

    @decline_cold.setter
    def decline_cold(self, bint on):
        self.q.decline_cold = on


# -- callbacks from the C slow path (the run loop holds no GIL) -------------

cdef int _user_load(void *owner, uint64_t addr, unsigned size, int access,
                    uint64_t *out) noexcept with gil:
    cdef UserMMU self = <UserMMU>owner
    try:
        data = self.target.mem_read(addr, size)
        if len(data) != size:
            raise ValueError(f"{type(self.target).__name__}.mem_read({addr:#x}, {size}) "
                             f"returned {len(data)} bytes")
        out[0] = int.from_bytes(data, "little")
        return VM_MEM_OK
    except GuestMemoryError as e:
        self.mem.fault_addr = e.address if e.address is not None else addr
        self.mem.fault_access = access
        return VM_MEM_FAULT
    except BaseException as e:
        self._pending = e
        return VM_MEM_CALLBACK_ERROR


cdef int _user_store(void *owner, uint64_t addr, unsigned size, uint64_t value) noexcept with gil:
    cdef UserMMU self = <UserMMU>owner
    try:
        self.target.mem_write(addr, value.to_bytes(size, "little"))
        return VM_MEM_OK
    except GuestMemoryError as e:
        self.mem.fault_addr = e.address if e.address is not None else addr
        self.mem.fault_access = VM_ACCESS_WRITE
        return VM_MEM_FAULT
    except BaseException as e:
        self._pending = e
        return VM_MEM_CALLBACK_ERROR


cdef object _size_mask(unsigned size):
    """All ones in the low `size` bytes, as a Python int."""
    return (1 << (8 * <object>size)) - 1


cdef object _find_mmio(FlatMMU self, uint64_t addr, unsigned size):
    for region in self._mmio:
        base, length = region[0], region[1]
        if base <= addr and addr + size <= base + length:
            return region
    return None


cdef int _mmio_load(void *owner, uint64_t addr, unsigned size, int access,
                    uint64_t *out) noexcept with gil:
    cdef FlatMMU self = <FlatMMU>owner
    try:
        region = _find_mmio(self, addr, size)
        if region is None or access == VM_ACCESS_FETCH or region[2] is None:
            self.mem.fault_addr = addr
            self.mem.fault_access = access
            return VM_MEM_FAULT
        out[0] = <uint64_t>(int(region[2](addr - region[0], size)) & _size_mask(size))
        return VM_MEM_OK
    except BaseException as e:
        self._pending = e
        return VM_MEM_CALLBACK_ERROR


cdef int _mmio_store(void *owner, uint64_t addr, unsigned size, uint64_t value) noexcept with gil:
    cdef FlatMMU self = <FlatMMU>owner
    try:
        region = _find_mmio(self, addr, size)
        if region is None or region[3] is None:
            self.mem.fault_addr = addr
            self.mem.fault_access = VM_ACCESS_WRITE
            return VM_MEM_FAULT
        region[3](addr - region[0], size, value)
        return VM_MEM_OK
    except BaseException as e:
        self._pending = e
        return VM_MEM_CALLBACK_ERROR


#: every FlatMMU, for os.fork(): a forked child copies their memory
#: (vm_mem_fork_child), which it would otherwise share with its parent; their
#: background queues' locks are held across the fork (so that the child's copies
#: are never left locked) and, in the child, whose compiler threads are gone,
#: the next run starts new ones
_FLAT_MEMORIES = weakref.WeakSet()


#: a pipe across a fork: the parent waits until the child has copied the memories
#: it shared (else the parent, going on, changes them while the child copies)
_fork_copied = None
#: the memory the next fork's child keeps sharing with its parent (share_next_fork)
_vfork_memory = None
#: in a vfork's child: the pipe's end whose closing lets the parent go on (vfork_done)
_vfork_told = None


def share_next_fork(FlatMMU memory):
    """The next os.fork() is a vfork's (CLONE_VM | CLONE_VFORK: posix_spawn,
    vfork): its child keeps `memory` as it is, its parent's, and the parent
    waits in os.fork() until the child calls vfork_done() (its exec) or ends.
    What the child writes there before, the parent sees (posix_spawn's child
    reports a failed exec so)."""
    global _vfork_memory
    _vfork_memory = memory


def vfork_done():
    """In a vfork's child, at its exec: it no longer uses its parent's memory,
    and the parent goes on. (Nothing elsewhere.)"""
    global _vfork_told
    if _vfork_told is not None:
        os.close(_vfork_told)
        _vfork_told = None


def _before_fork():
    global _fork_copied
    _fork_copied = os.pipe() if len(_FLAT_MEMORIES) else None
    for memory in list(_FLAT_MEMORIES):
        if memory._jobs is not None:
            memory._jobs._fork_prepare()


def _after_fork_in_parent():
    global _fork_copied, _vfork_memory
    _vfork_memory = None
    for memory in list(_FLAT_MEMORIES):
        if memory._jobs is not None:
            memory._jobs._fork_parent()
    if _fork_copied is not None:
        done, told = _fork_copied
        _fork_copied = None
        os.close(told)
        try:
            os.read(done, 1)   # (a byte when the child has copied; nothing if it died first,
                               # or, a vfork's, when it has exec'd or ended)
        finally:
            os.close(done)


def hostsig_wrap(int sig):
    """Records the siginfo of each signal `sig` Python's handler takes (csrc/vm_hostsig.h)."""
    vm_hostsig_wrap(sig)


def hostsig_take(int sig):
    """The oldest siginfo (128 bytes) recorded for `sig` not yet taken, or None."""
    cdef uint8_t info[128]
    return PyBytes_FromStringAndSize(<char *>info, 128) if vm_hostsig_take(sig, info) else None


def hostsig_clear():
    """Forgets the siginfos recorded (a fork's child's are its parent's)."""
    vm_hostsig_clear()


#: the thread Python runs its signal handlers in (threading.main_thread(): a fork's
#: child's is the thread that forked), which a run polls for signals (_poll_signals)
cdef unsigned long _main_ident = threading.main_thread().ident


def _after_fork_in_child():
    global _fork_copied, _main_ident, _vfork_memory, _vfork_told
    _main_ident = threading.main_thread().ident  # (threading's own after-fork hook ran first)
    shared, _vfork_memory = _vfork_memory, None
    try:
        for memory in list(_FLAT_MEMORIES):
            memory._fork_child(memory is shared)
            if memory._jobs is not None:
                memory._jobs._fork_child()
    finally:
        if _fork_copied is not None:
            done, told = _fork_copied
            _fork_copied = None
            os.close(done)
            if shared is not None:
                _vfork_told = told   # (the parent waits on until vfork_done, or the end)
            else:
                os.write(told, b"1")
                os.close(told)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                        after_in_child=_after_fork_in_child)



def _shared(int err, uint64_t addr, uint64_t size, str doing):
    """mem_share's and mem_attach's result from vm_mem_share's or vm_mem_attach's:
    True, False where the memory cannot (no host view: -ENOTSUP), or an error."""
    if err == -errno.ENOTSUP:
        return False
    if err == -errno.ENOENT:
        raise ValueError(f"[{addr:#x}, {addr + size:#x}) is not entirely mapped")
    if err:
        raise OSError(-err, f"cannot {doing} [{addr:#x}, {addr + size:#x}): {os.strerror(-err)}")
    return True

cdef class FlatMMU(MemoryBase):
    """Guest memory as one reserved host region, bounds- and permission-checked.

    ``FlatMMU(address_space=1 << 36)`` reserves (but does not commit) that much
    host address space; guest addresses 0 .. address_space-1 can be mapped, in
    4 KiB pages. Host memory is used only for pages the guest touches.
    """

    def __cinit__(self, uint64_t address_space=1 << 36):
        if address_space == 0 or address_space % VM_PAGE_SIZE or address_space > (1 << 46):
            raise ValueError("address_space must be a multiple of 4096 between 4 KiB and 64 TiB")
        err = vm_mem_init(&self.mem, address_space)
        if err:
            raise OSError(-err, f"cannot reserve {address_space:#x} bytes of guest address space")
        self.mem.owner = <void *>self
        self.mem.cb_load = _mmio_load
        self.mem.cb_store = _mmio_store
        self._mmio = []
        _FLAT_MEMORIES.add(self)

    def _fork_child(self, bint shared=False):
        err = vm_mem_fork_child(&self.mem, shared)
        if err:
            self._fork_error = OSError(-err, os.strerror(-err))

    @property
    def address_space(self):
        return self.mem.size

    def mem_map(self, uint64_t addr, uint64_t size, perms="rwx"):
        """Maps zero-filled pages with perms ("rwx" letters, or bits r=1 w=2 x=4)."""
        _check_range(addr, size)
        bits = _perm_bits(perms)
        err = vm_mem_map(&self.mem, addr, size, bits, 0)
        self._map_error(err, addr, size)

    def mmio_map(self, uint64_t addr, uint64_t size, read_cb, write_cb):
        """Maps a region served by callbacks: ``read_cb(offset, size) -> int`` and
        ``write_cb(offset, size, value)`` (either may be None: that access faults).
        Instructions cannot be fetched from it."""
        _check_range(addr, size)
        if (read_cb is not None and not callable(read_cb)) or \
                (write_cb is not None and not callable(write_cb)):
            raise TypeError("read_cb and write_cb must be callable or None")
        err = vm_mem_map(&self.mem, addr, size, 0, 1)
        self._map_error(err, addr, size)
        self._mmio.append((addr, size, read_cb, write_cb))

    def _map_error(self, int err, uint64_t addr, uint64_t size):
        if err == 0:
            return
        if err == -17:  # EEXIST
            raise ValueError(f"[{addr:#x}, {addr + size:#x}) overlaps mapped memory")
        if err == -22:  # EINVAL
            raise ValueError(f"[{addr:#x}, {addr + size:#x}) is outside the guest address "
                             f"space (size {self.mem.size:#x})")
        raise OSError(-err, "mapping guest memory failed")

    def mem_unmap(self, uint64_t addr, uint64_t size):
        _check_range(addr, size)
        err = vm_mem_unmap(&self.mem, addr, size)
        if err == -2:
            raise ValueError(f"[{addr:#x}, {addr + size:#x}) is not entirely mapped")
        self._map_error(err, addr, size)
        self._mmio = [r for r in self._mmio if not (addr <= r[0] < addr + size)]

    def mem_share(self, uint64_t addr, uint64_t size, int fd, uint64_t offset=0):
        """Mapped pages [addr, addr+size) become host file ``fd``'s from ``offset``
        (MAP_SHARED: guest writes are the file's at once, other processes' the
        guest sees; a fork's child shares them with its parent), until unmapped.
        False when this memory cannot (it has no host view: its pages are
        private); OSError if the host refuses. The file must hold the whole
        range (past its end the host would fault)."""
        _check_range(addr, size)
        return _shared(vm_mem_share(&self.mem, addr, size, fd, offset), addr, size, "share")

    def shared_file(self, uint64_t addr):
        """(a descriptor of its own, the offset) of the file whose pages guest page
        `addr` is, made so by mem_share; None if it is not such a page."""
        cdef uint64_t offset = 0
        fd = vm_mem_share_fd(&self.mem, addr, &offset)
        return None if fd < 0 else (os.dup(fd), offset)

    def mem_attach(self, uint64_t addr, uint64_t size, uintptr_t attached, int shmid,
                   bint readonly=False):
        """Mapped pages [addr, addr+size) become System V segment ``shmid``'s:
        ``attached`` is the host's attachment of it (shmat's address; ``size``
        bytes), moved there: other processes' writes the guest sees and its
        own they do, the host counts it once, and it is detached when the
        pages are unmapped (a part of it: that part); a fork's child keeps it.
        ``readonly``: attached SHM_RDONLY, so the pages must not be writable
        (nor can they become so). While segments are attached, compiled code
        checks its accesses itself (host_view is False: the view does not map
        them, as the host would count that as another attachment). False when
        this memory cannot (no host view); OSError if the host refuses; in
        both cases ``attached`` is still the caller's."""
        _check_range(addr, size)
        return _shared(vm_mem_attach(&self.mem, addr, size, <void *>attached, shmid, readonly),
                       addr, size, f"attach segment {shmid} at")

    def host_address(self, uint64_t addr):
        """The host address of guest address ``addr`` (a futex in shared memory
        is the host's there); None if it is not mapped memory."""
        if addr >= self.mem.size or not vm_mem_is_mapped(&self.mem, addr & ~<uint64_t>4095, 4096):
            return None
        return <uintptr_t>(self.mem.base + addr)

    def mem_protect(self, uint64_t addr, uint64_t size, perms):
        _check_range(addr, size)
        bits = _perm_bits(perms)
        err = vm_mem_protect(&self.mem, addr, size, bits)
        if err == -2:
            raise ValueError(f"[{addr:#x}, {addr + size:#x}) is not entirely mapped")
        self._map_error(err, addr, size)

    def mem_regions(self):
        """[(start, end_exclusive, perms)] of mapped memory, merged where equal;
        MMIO regions show perms "mmio"."""
        cdef uint64_t pg = 0, start = 0, end
        cdef uint8_t f, cur = 0
        cdef uint8_t keep = VM_PAGE_MAPPED | VM_PAGE_CALLBACK | 7
        out = []
        while pg <= self.mem.npages:  # (run by run: vm_mem_run_end)
            if pg < self.mem.npages:
                f = vm_mem_flags_at(&self.mem, pg) & keep
                end = vm_mem_run_end(&self.mem, pg)
            else:
                f, end = 0, pg + 1
            if f != cur:
                if cur:
                    out.append((start * VM_PAGE_SIZE, pg * VM_PAGE_SIZE,
                                "mmio" if cur & VM_PAGE_CALLBACK else _perm_str(cur & 7)))
                start = pg
                cur = f
            pg = end
        return out

    def mem_read(self, uint64_t addr, uint64_t size):
        """Guest bytes (ignores page permissions, like a debugger)."""
        if size > self.mem.size:
            raise GuestMemoryError(addr, "read")
        out = PyBytes_FromStringAndSize(NULL, size)
        if vm_mem_host_read(&self.mem, addr, PyBytes_AS_STRING(out), size):
            fault_addr = self.mem.fault_addr
            out = self._host_mmio(addr, size, None)
            if out is None:
                raise GuestMemoryError(fault_addr, "read")
        return out

    def mem_write(self, uint64_t addr, data):
        """Writes guest bytes (ignores page permissions; drops decoded code there)."""
        data = bytes(data)
        cdef const uint8_t[::1] view = data
        if view.shape[0] == 0:
            return
        if vm_mem_host_write(&self.mem, addr, &view[0], view.shape[0]):
            fault_addr = self.mem.fault_addr
            if self._host_mmio(addr, view.shape[0], data) is None:
                raise GuestMemoryError(fault_addr, "write")

    def mem_load(self, uint64_t addr, int fd, uint64_t offset, uint64_t size):
        """Reads up to ``size`` bytes of host file descriptor ``fd`` from
        ``offset`` into guest memory at ``addr`` as mem_write writes them (a
        private file mapping's contents), in the kernel where it can (no copy
        through Python). Returns the bytes read (fewer at the file's end; the
        memory past them is left as it is). Raises GuestMemoryError where
        mem_write would, OSError if the read fails."""
        cdef uint64_t done = 0
        cdef int err
        err = vm_mem_load_file(&self.mem, addr, fd, offset, size, &done)
        if err == VM_MEM_FAULT:
            raise GuestMemoryError(self.mem.fault_addr, "write")
        if err < 0:
            raise OSError(-err, os.strerror(-err))
        return done

    def _host_mmio(self, uint64_t addr, uint64_t size, data):
        """Host access that falls entirely in one MMIO region goes to its callbacks."""
        region = _find_mmio(self, addr, size) if size <= 8 else None
        if region is None:
            return None
        if data is None:
            if region[2] is None:
                return None
            return (int(region[2](addr - region[0], size)) & _size_mask(size)).to_bytes(
                size, "little")
        if region[3] is None:
            return None
        region[3](addr - region[0], size, int.from_bytes(data, "little"))
        return True

    def is_mapped(self, uint64_t addr, uint64_t size=1):
        return bool(vm_mem_is_mapped(&self.mem, addr, size))

    def load(self, uint64_t addr, unsigned size, int access=VM_ACCESS_READ):
        """A guest-view load (permissions checked, MMIO called) of 1/2/4/8 bytes."""
        cdef uint64_t v
        if size not in (1, 2, 4, 8):
            raise ValueError("size must be 1, 2, 4 or 8")
        r = vm_mem_slow_load(&self.mem, addr, size, access, &v)
        if r == VM_MEM_CALLBACK_ERROR:
            raise self.take_pending()
        if r != VM_MEM_OK:
            raise GuestMemoryError(self.mem.fault_addr, ("read", "write", "fetch")[access])
        return v

    def store(self, uint64_t addr, unsigned size, uint64_t value):
        """A guest-view store (permissions checked, MMIO called) of 1/2/4/8 bytes."""
        if size not in (1, 2, 4, 8):
            raise ValueError("size must be 1, 2, 4 or 8")
        r = vm_mem_slow_store(&self.mem, addr, size, value)
        if r == VM_MEM_CALLBACK_ERROR:
            raise self.take_pending()
        if r != VM_MEM_OK:
            raise GuestMemoryError(self.mem.fault_addr, "write")


cdef class UserMMU(MemoryBase):
    """Runs guest memory accesses through a Python object with
    ``mem_read(addr, size) -> bytes`` and ``mem_write(addr, data)``. Those may
    raise GuestMemoryError to signal a page fault. Decoded code is dropped at
    the start of every run, since writes made outside the guest are not seen."""

    def __cinit__(self, target):
        if not (callable(getattr(target, "mem_read", None))
                and callable(getattr(target, "mem_write", None))):
            raise TypeError(f"{type(target).__name__} is not an MMU: it needs "
                            f"mem_read(addr, size) and mem_write(addr, data)")
        memset(&self.mem, 0, sizeof(vm_mem))
        self.mem.cache = vm_cache_new()
        if self.mem.cache == NULL:
            raise MemoryError()
        self.mem.all_callback = 1
        self.mem.owner = <void *>self
        self.mem.cb_load = _user_load
        self.mem.cb_store = _user_store
        self.target = target


# -- JIT support --------------------------------------------------------------

def jit_layout():
    """Offsets compiled code relies on: cpu registers, vm_jit_rt fields, helpers."""
    cdef vm_cpu c
    cdef vm_jit_rt rt
    cdef vm_block blk
    cdef size_t cb = <size_t>&c, rb = <size_t>&rt, bb = <size_t>&blk
    return {
        "cpu_x": <size_t>&c.x[0] - cb, "cpu_f": <size_t>&c.f[0] - cb,
        "cpu_instret": <size_t>&c.instret - cb, "cpu_mem": <size_t>&c.mem_accesses - cb,
        "cpu_stop": <size_t>&c.stop_request - cb, "cpu_fault_insn": <size_t>&c.fault_insn - cb,
        "cpu_fcsr": <size_t>&c.fcsr - cb, "cpu_vector_runs": <size_t>&c.jit_vector_runs - cb,
        "cpu_rt": <size_t>&c.jit.rt - cb, "cpu_limit": <size_t>&c.jit.limit - cb,
        "cpu_tc": <size_t>&c.jit.tc - cb, "cpu_npages": <size_t>&c.jit.npages - cb,
        "cpu_perm": <size_t>&c.jit.perm - cb, "cpu_stubs": <size_t>&c.jit_stubs[0] - cb,
        "stubs": VM_JIT_STUBS,
        "cpu_res_valid": <size_t>&c.res_valid - cb, "cpu_res_addr": <size_t>&c.res_addr - cb,
        "cpu_res_value": <size_t>&c.res_value - cb,
        "rt_budget": <size_t>&rt.budget - rb, "rt_status": <size_t>&rt.status - rb,
        "rt_exit_slot": <size_t>&rt.exit_slot - rb,
        "rt_exit_abi": <size_t>&rt.exit_abi - rb, "tc_size": VM_TC_SIZE,
        "jit_slice": VM_JIT_SLICE, "rt_exit_pc": <size_t>&rt.exit_pc - rb,
        "rt_resume": <size_t>&rt.resume - rb, "rt_resume_abi": <size_t>&rt.resume_abi - rb,
        "access_size": sizeof(vm_jit_access),
        "call_helper": <size_t>vm_jit_call, "call_fp": VM_JIT_CALL_FP,
        "call_fcsr": VM_JIT_CALL_FCSR, "chain_slots": VM_CHAIN_SLOTS,
        "page_read": VM_PERM_R, "page_store": VM_PAGE_STORE,
        "block_chain": <size_t>&blk.chain[0] - bb,
        "block_countdown": <size_t>&blk.tier_countdown - bb,
        "block_tried": <size_t>&blk.jit_tried - bb,
        "chain_slot_size": sizeof(vm_chain),
    }


def bind_code(bytes code, size_t block_address):
    """A compiled region's code bound to its vm_block at block_address, not yet
    installed: the pointer at its end and its exits' slot addresses filled in
    (vm_code_bind)."""
    out = bytearray(code)
    cdef uint8_t[::1] view = out
    if len(out) < 16 or vm_code_bind(&view[0], len(out), <const void *>block_address):
        raise ValueError("not a compiled region's code")
    return bytes(out)


def set_jit_stub(int k, size_t address):
    """Registers shared code compiled code reaches through cpu->jit_stubs[k]."""
    if not 0 <= k < VM_JIT_STUBS or address == 0:
        raise ValueError("bad compiled-code stub")
    vm_jit_stubs[k] = <void *>address


def set_jit_unlinked(int abi, size_t address):
    """Registers where an unlinked exit slot of code of register convention abi
    leads: the shared way out to the dispatcher (vm_jit_unlinked)."""
    if abi not in (0, 1) or address == 0:
        raise ValueError("bad compiled-code stub")
    vm_jit_unlinked[abi] = <void *>address


def set_jit_enter(int abi, size_t address):
    """Registers the stub that enters compiled code of register convention abi."""
    if abi not in (0, 1) or address == 0:
        raise ValueError("bad compiled-code entry stub")
    vm_jit_enter[abi] = <vm_jit_enter_fn>address


cdef class CodeArena:
    """Executable memory for compiled blocks, never writable (csrc/vm_jit.h:
    a code file mapped RX, written by pwrite; else RW while written, then RX)."""
    cdef vm_code_arena arena

    def __cinit__(self, size_t size):
        err = vm_code_arena_init(&self.arena, size)
        if err:
            raise OSError(-err, "cannot map executable memory for the JIT")

    def __dealloc__(self):
        vm_code_arena_destroy(&self.arena)

    def install(self, bytes code, bint marked=True):
        """Copies code in; returns its address, or None when the arena is full.
        ``marked``: the code is a compiled region, ending with its marks (the
        stubs are not)."""
        cdef void *p = vm_code_install(&self.arena, <const char *>code, len(code), marked)
        return None if p == NULL else <size_t>p

    def reset(self):
        vm_code_arena_reset(&self.arena)

    @property
    def stats(self):
        return {"size": self.arena.size, "used": self.arena.used,
                "installs": self.arena.installs, "resets": self.arena.resets,
                "marks": self.arena.n_marks,
                "base": <size_t>self.arena.base}


cdef vm_code_arena *_memory_arena(MemoryBase memory, size_t size) except NULL:
    """The memory's arena for code compiled from its blocks (made on first use)."""
    cdef vm_block_cache *c = memory.raw().cache
    cdef vm_code_arena *a
    if c.code == NULL:
        a = <vm_code_arena *>calloc(1, sizeof(vm_code_arena))
        if a == NULL:
            raise MemoryError()
        err = vm_code_arena_init(a, size)
        if err:
            free(a)
            raise OSError(-err, "cannot map executable memory for the JIT")
        c.code = a
    return c.code


cdef inline uint64_t _now_ns() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <uint64_t>ts.tv_sec * 1000000000 + <uint64_t>ts.tv_nsec


cdef class _CompileHook:
    cdef MemoryBase memory
    cdef object compiler


_JOB_INSN = struct.Struct("<QII")   # (vm_job_insn)


def _far_pages(compiled) -> list:
    """compiled.far_pages(), which the region former keeps within FAR_PAGES."""
    far = compiled.far_pages()
    if len(far) > VM_FAR_PAGES or VM_FAR_PAGES > 8:
        raise AssertionError(f"a region covers {len(far)} other pages (at most {VM_FAR_PAGES})")
    return far


cdef int _compile_block(void *ctx, vm_block *b) noexcept with gil:
    """Asks the Python code generator for b's code and installs it."""
    cdef _CompileHook hook = <_CompileHook>ctx
    cdef vm_code_arena *arena
    cdef void *p
    cdef int64_t wait
    cdef uint64_t far_pages[8]  # (VM_FAR_PAGES, at most: _far_pages)
    try:
        ir = PyBytes_FromStringAndSize(<char *>&b.ir[0], (b.n_insns + 1) * sizeof(vm_ir))
        res = hook.compiler.compile_ir(ir, b.pc, <size_t>b, hook.memory, b.jit_tier,
                                       b.jit_deferred, vm_code_checked(&hook.memory.mem, b))
        b.jit_deferred = 0
        if res is None:
            return 0
        if isinstance(res, tuple) and res[0] == "later":  # deferred: offer it again after
            b.jit_deferred = 1                             # res[1] more runs
            if b.jit_code != NULL:
                b.jit_tried = 1
                b.tier_countdown = res[1]
            else:
                b.jit_tried = 0
                wait = res[1]
                b.exec_count = <uint64_t>(<int64_t>hook.compiler.compile_threshold - wait)
            return 0
        compiled, countdown = res  # (x86.Compiled, where first-tier code counts down from)
        code = compiled.code
        arena = _memory_arena(hook.memory, hook.compiler.config.code_cache_size)
        p = vm_code_install(arena, <const char *>code, len(code), 1)
        if p == NULL:  # full: drop every block and all code, then start again
            vm_code_full(&hook.memory.mem, arena)
            hook.compiler._evicted()
            return 0
        lo, hi = compiled.span()
        vm_block_set_code(b, p, compiled.covered, compiled.mem_ops, lo, hi, compiled.abi,
                          countdown)  # (countdown: to its tier-up)
        far = _far_pages(compiled)
        for k, page in enumerate(far):
            far_pages[k] = page
        vm_cache_set_far(&hook.memory.mem, b, far_pages, len(far))
        if hook.compiler.perf_map is not None:
            vm_perf_map_add(hook.compiler.perf_map.fileno(), p, len(code), b.pc,
                            compiled.covered)
        return 0
    except BaseException as e:
        hook.memory._pending = e
        return 1


cdef int _poll_signals(void *ctx) noexcept with gil:
    """Lets Ctrl-C (any Python signal handler) stop a long run in the main thread."""
    cdef MemoryBase memory = <MemoryBase>ctx
    try:
        PyErr_CheckSignals()
        return 0
    except BaseException as e:
        memory._pending = e
        return 1


#: bytes of a cpu context (CpuCore._context): x0-x31, f0-f31, pc, fcsr (and padding)
cdef enum:
    CONTEXT_SIZE = 528


cdef class CpuCore:
    """The guest hart's state (csrc/vm_cpu.h) and the run loop over it."""

    def __cinit__(self):
        memset(&self.cpu, 0, sizeof(vm_cpu))

    def _xget(self, int i):
        return self.cpu.x[i]

    def _xset(self, int i, uint64_t v):
        if i != 0:
            self.cpu.x[i] = v

    @property
    def run_seconds(self) -> float:
        """Seconds spent in runs (the run loop, from entry to exit), the one
        going on too."""
        cdef uint64_t ns = self._run_ns
        if self._run_start:
            ns += _now_ns() - self._run_start
        return ns / 1e9

    # what the Linux kernel (vm_engine.linux.syscalls) reads and writes of a cpu
    # at each system call, in one call each: a system call returns from the run
    # loop to Python, and this is its hot path
    def syscall_args(self):
        """(a7, a0, a1, a2, a3, a4, a5): an ecall's number and arguments."""
        cdef uint64_t *x = self.cpu.x
        return (x[17], x[10], x[11], x[12], x[13], x[14], x[15])

    def syscall_return(self, uint64_t value):
        """a0 = a system call's result."""
        self.cpu.x[10] = value

    def _context(self):
        """The hart's x and f registers, pc and fcsr, as bytes (CONTEXT_SIZE):
        a guest thread's, kept while another runs on this cpu."""
        cdef char buf[CONTEXT_SIZE]
        memcpy(buf, self.cpu.x, 32 * 8)
        memcpy(buf + 256, self.cpu.f, 32 * 8)
        memcpy(buf + 512, &self.cpu.pc, 8)
        memcpy(buf + 520, &self.cpu.fcsr, 4)
        return PyBytes_FromStringAndSize(buf, CONTEXT_SIZE)

    def _set_context(self, const uint8_t[::1] ctx not None):
        """Puts back what _context returned (another thread's, say); the LR/SC
        reservation, which was the thread's that ran, is gone."""
        if ctx.shape[0] != CONTEXT_SIZE:
            raise ValueError(f"a cpu context is {CONTEXT_SIZE} bytes")
        memcpy(self.cpu.x, &ctx[0], 32 * 8)
        memcpy(self.cpu.f, &ctx[256], 32 * 8)
        memcpy(&self.cpu.pc, &ctx[512], 8)
        memcpy(&self.cpu.fcsr, &ctx[520], 4)
        self.cpu.x[0] = 0
        self.cpu.fcsr &= 0xff
        self.cpu.res_valid = 0

    def _fget(self, int i):
        return self.cpu.f[i]

    def _fset(self, int i, uint64_t v):
        self.cpu.f[i] = v

    @property
    def pc(self):
        return self.cpu.pc

    @pc.setter
    def pc(self, uint64_t v):
        self.cpu.pc = v

    @property
    def fcsr(self):
        return self.cpu.fcsr

    @fcsr.setter
    def fcsr(self, uint64_t v):
        self.cpu.fcsr = v & 0xff

    @property
    def instret(self):
        return self.cpu.instret

    @property
    def jit_instret(self):
        """Instructions retired in compiled code (the rest of instret was interpreted)."""
        return self.cpu.jit_instret

    @property
    def interp_blocks(self):
        """Blocks (or uncompiled rests of blocks) the interpreter ran."""
        return self.cpu.interp_blocks

    @property
    def jit_vector_runs(self):
        """Loops compiled code ran as one vector operation (level 3, vectorization on)."""
        return self.cpu.jit_vector_runs

    @property
    def jit_host_faults(self):
        """Compiled accesses the host MMU refused and sent to their slow path
        (guest faults, MMIO, stores to code: vm_jit.h)."""
        return self.cpu.jit_host_faults

    @property
    def memory_accesses(self):
        return self.cpu.mem_accesses

    def request_stop(self):
        """Asks a running loop (in another thread) to stop at the next block boundary."""
        self.cpu.stop_request = 1

    def _fault_info(self):
        return (self.cpu.fault_kind, self.cpu.fault_addr, self.cpu.fault_access,
                self.cpu.fault_insn)

    def _run(self, MemoryBase memory, budget=None, until=None, ir=None, uint64_t block_pc=0,
             compiler=None, uint64_t compile_threshold=0, jit=None, bint keep_handler=False):
        """Runs the loop; returns the exit reason. ``ir``: bytes/array of vm_ir
        entries to execute once as a block at block_pc instead of cached code.
        ``keep_handler``: a run just before put the JIT's SIGSEGV handler on
        top (vm_run_opts). A callback's exception is re-raised here, after
        the loop stopped."""
        cdef vm_run_opts opts
        cdef vm_mem *m = memory.raw()
        cdef vm_block *blk = NULL
        cdef const char *why = NULL
        cdef const uint8_t[::1] view
        cdef int reason
        opts.budget = U64_MAX if budget is None else <uint64_t>budget
        opts.has_until = until is not None
        opts.until = <uint64_t>until if until is not None else 0
        opts.one_block = NULL
        opts.poll = NULL
        opts.poll_ctx = <void *>memory
        opts.compile = NULL
        opts.compile_ctx = NULL
        opts.compile_threshold = compile_threshold
        opts.probe_threshold = 0
        opts.jobs = NULL
        opts.arena = NULL
        opts.keep_handler = keep_handler
        cdef _CompileHook hook = None
        cdef CompileJobs jobs = None
        cdef CodeArena held = None
        if compiler is not None:
            hook = self._hook
            if hook is None or hook.compiler is not None:  # (none yet, or in use)
                hook = self._hook = _CompileHook()
            opts.compile = _compile_block
            opts.compile_ctx = <void *>hook
            jobs = compiler._background(memory)
            opts.arena = memory.raw().cache.code
            if opts.arena == NULL:
                opts.arena = _memory_arena(memory, compiler.config.code_cache_size)
            if jobs is not None:
                opts.jobs = jobs.q
                opts.probe_threshold = compiler.probe_threshold
        if PyThread_get_thread_ident() == _main_ident:
            opts.poll = _poll_signals
        if ir is not None:
            raw = memoryview(ir)  # (any buffer: bytes, a numpy IR array)
            view = raw.cast("B") if raw.c_contiguous else memoryview(raw.tobytes()).cast("B")
            if view.shape[0] % sizeof(vm_ir):
                raise ValueError("IR buffer size is not a multiple of the IR entry size")
            blk = vm_block_from_ir(<const vm_ir *>&view[0] if view.shape[0] else NULL,
                                   view.shape[0] // sizeof(vm_ir), block_pc, &why)
            if blk == NULL:
                raise ValueError(f"bad IR block: {why.decode()}")
            if jit is not None:  # (entry address, instructions covered, memory ops, abi,
                blk.jit_code = <void *><size_t>jit[0]  # the CodeArena holding the code)
                blk.jit_len = jit[1]
                blk.jit_mem = jit[2]
                blk.jit_abi = jit[3]
                held = jit[4]
                opts.arena = &held.arena
            opts.one_block = blk
            self.cpu.pc = block_pc
        if memory.mem.all_callback:
            vm_cache_flush(m)
        self.cpu.stop_request = 0
        if hook is not None:  # (from here on nothing raises before the run)
            hook.memory = memory
            hook.compiler = compiler
        cdef uint64_t outer_start = self._run_start  # (a run from a callback: its own time)
        self._run_start = _now_ns()
        with nogil:  # (the queue's lock taken without the GIL: CompileJobs)
            if opts.jobs != NULL:
                vm_jobs_running(opts.jobs, 1, 0)
            reason = vm_run(&self.cpu, m, &opts)
            if opts.jobs != NULL:
                vm_jobs_running(opts.jobs, -1, 0)
                opts.jobs.gil_wanted = 1
        if opts.jobs != NULL:
            opts.jobs.gil_wanted = 0
        self._run_ns += _now_ns() - self._run_start
        self._run_start = outer_start
        if hook is not None:
            hook.memory = hook.compiler = None  # (held for no longer than the run)
        if blk != NULL:
            free(blk)
        vm_cache_free_retired(m.cache)
        if jobs is not None and jobs.q.evictions:  # (installing found the code cache full)
            compiler._evicted(jobs.take_evictions())
        if reason == VM_EXIT_CALLBACK_ERROR:
            exc = memory.take_pending()
            if exc is None and jobs is not None:
                exc = jobs.take_error()
            if exc is not None:
                raise exc
        if reason == VM_EXIT_NOMEM:
            raise MemoryError("out of host memory while decoding guest code")
        return reason
