"""JITCompiler: compiles IR blocks to x86-64 and runs guest code with them.

It is an engine like Interpreter (it owns guest registers, ``run`` executes
from guest memory) whose run loop compiles each block on first execution;
compiled code and the interpreter share the cpu state and memory, so every
instruction without an emitter simply runs interpreted.
"""
from __future__ import annotations

import os
import sys
import threading
import time
import weakref
from dataclasses import dataclass

from .. import _core
from ..errors import JITUnavailableError, VmError
from ..interpreter import Interpreter
from ..ir import IR_ITEMSIZE, IRBlock
from ..types import ExecResult, HybridConfig, JITConfig


#: runs of a block before a deferred compile is offered again: long enough that
#: asking again costs little, short enough that a program whose time is spread
#: over many blocks does not run them interpreted for long (16384 made strings
#: 29 % slower)
DEFERRAL = 1 << 11
#: seconds of compiling between two yields of the GIL to other threads
YIELD_INTERVAL = 0.001
#: Seconds the compiler thread takes no job for (CompileJobs.hold) when it starts
#: and the code generator is not loaded yet. Loading it (iced-x86 with it) holds
#: the GIL for ~18 ms, which the run's system calls wait for, and the first code
#: comes after it: a program done in a few milliseconds (most command-line
#: tools) ran 20 ms slower for the JIT. Measured on 41 Debian riscv64 commands
#: (coreutils, grep, sed, tar, perl, python3, jq, openssl, ...), Hybrid: 4 %
#: less time (geometric mean; tr, printf, expr 20 %), the longer ones (gzip,
#: bzip2, xz, sqlite3, lua, busybox) unchanged within 1 %; 5 ms gained less,
#: 20 ms cost gzip 8 %. A program the guest starts (a fork's child, an exec'd
#: image: JITCompiler.hold_first) holds off as long, the code generator loaded
#: or not: a compiler thread at work in a command that lives a few ms costs it
#: the GIL at its system calls, and both CPUs (a shell script forking and
#: exec'ing 100 commands: 22 % less time, with the wake-ups a held thread no
#: longer gets; git's init/add/commit/log/gc: 11 %).
FIRST_HOLD = 0.010
#: a run whose looks in the store (HybridConfig.store_probe_threshold) found at
#: most one in PROBE_HIT_RATIO of PROBE_TRIAL or more stops looking: its code is
#: not there (a program run for the first time), and each look costs the
#: compiler thread ~20 us
PROBE_TRIAL = 64
PROBE_HIT_RATIO = 8


#: held while the code generator loads, and across os.fork(): a child forked in
#: the middle of that import would inherit its module lock held by a thread it
#: does not have, and wait for it forever at its first compile (gcc forking its
#: cc1 just as the compiler thread began to load it hung)
_LOADING = threading.Lock()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_LOADING.acquire, after_in_parent=_LOADING.release,
                        after_in_child=_LOADING.release)


def load_code_generator() -> None:
    """Imports the code generator (x86, and iced-x86 with it), if not yet."""
    with _LOADING:
        from . import x86  # noqa: F401


def jit_available() -> bool:
    """True on x86-64 Linux with iced-x86 installed (the package depends on it there)."""
    import importlib.util
    return (os.uname().machine.lower() in ("x86_64", "amd64") and sys.platform.startswith("linux")
            and importlib.util.find_spec("iced_x86") is not None)


@dataclass
class CompiledBlock:
    """Host code for a block: ``covered`` of its instructions are compiled (the
    rest, if any, run interpreted)."""

    block: IRBlock
    start_pc: int
    code: bytes
    address: int
    covered: int
    n_mem: int
    compile_time: float
    data_size: int = 0  # bytes of data at the end of the code (what helpers read, block pointer)
    abi: int = 0        # its register convention (which entry stub runs it)

    def listing(self) -> str:
        """Guest instructions beside the host code."""
        lines = [f"; guest block at {self.start_pc:#x}: {len(self.block)} instructions, "
                 f"{self.covered} compiled, {len(self.code)} bytes of x86-64"]
        pc = self.start_pc
        for insn in self.block.instructions:
            lines.append(f";   {pc:#010x}  {insn.disassemble(pc=pc)}")
            pc += insn.length
        from . import x86
        lines += x86.disassemble(self.code, self.address, self.data_size)
        return "\n".join(lines)

    __str__ = listing


class JITCompiler(Interpreter):
    """``JITCompiler(config)``: compile_block / execute_compiled as the reference
    has them, and ``run`` like Interpreter.run with blocks compiled as they are
    first executed (compile threshold 0; once the code cache has been flushed
    for being full, after more runs: csrc/vm_interp.c's compile_at).

    With a HybridConfig it is the Hybrid engine: blocks run interpreted until
    they are warm, are compiled at the HybridConfig's first level, and, if that
    is below the config's level, are compiled again once hot
    (``stats["tier_ups"]``). ``stats`` also says where the instructions ran:
    instructions_interpreted, instructions_in_compiled (each compiled block
    counts what it retires), blocks_interpreted; and vector_loop_runs, how many
    times a loop ran as vector moves or compares (level 3 with
    enable_vectorization). Regions taken ready-made instead of compiled:
    code_reused (from this process's cache), code_from_store (from the disk,
    config.cache_dir)."""

    def __init__(self, config: JITConfig | None = None, mmu=None, compile_threshold: int = 0,
                 hybrid: HybridConfig | None = None):
        if not jit_available():
            raise JITUnavailableError(
                f"the JIT emits x86-64 code for Linux and needs iced-x86; this host is "
                f"{os.uname().machine} {sys.platform}: use ExecutorType.Interpreter")
        super().__init__(mmu)
        self.config = config if config is not None else JITConfig()
        self.config.validate()
        if not self.config.background_compile:
            # (here, not at the first compile of a run, which it would stall for
            # ~40 ms: iced-x86 loads then; compiling in the background, the compiler
            # thread imports it while the run goes on: 15-20 ms less before it starts)
            load_code_generator()
        if hybrid is not None:
            hybrid.validate()
            compile_threshold = hybrid.compile_threshold
        self.hybrid = hybrid
        self.compile_threshold = compile_threshold
        self._stats = {"blocks_compiled": 0, "instructions_compiled": 0, "compile_time": 0.0,
                       "code_bytes": 0, "evictions": 0, "tier_ups": 0, "compiles_deferred": 0,
                       "code_reused": 0, "code_from_store": 0,
                       "instructions_interpreted": 0, "instructions_in_compiled": 0,
                       "blocks_interpreted": 0, "vector_loop_runs": 0, "host_faults": 0,
                       "store_probes": 0, "store_probe_hits": 0}
        self._arena = None  # for compile_block's code (the run loop uses the memory's)
        self._ref = weakref.ref(self)  # (background compile jobs hold their compiler so)
        # level -> pcs of the blocks compiled as a region's head: later regions stop
        # before them (x86.compile_ir's heads). Stale entries (code evicted or
        # retired since) only make a region shorter; cleared at an eviction.
        self._heads: dict = {}
        # where compiled code is kept across runs (config.cache_dir), or None
        self.store = None
        if self.config.cache_dir is not None:
            from .code_store import store_for
            self.store = store_for(self.config.cache_dir)
            # opened now, by the user starting the run: a guest that drops to
            # another user (a forked child of it too) then goes on without
            # it, quietly, as where a file cannot be written
            self.store.root
        #: runs before a block's code is looked for in the store (HybridConfig's
        #: store_probe_threshold), or 0: where there is a store and a compiler
        #: thread, until the looks find too little (PROBE_TRIAL)
        self.probe_threshold = hybrid.store_probe_threshold \
            if hybrid is not None and self.store is not None and self.config.background_compile \
            else 0
        self._yielded = time.perf_counter()  # when compiling last let other threads in
        #: its next compiler thread holds off FIRST_HOLD (a program the guest starts)
        self.hold_first = False
        self.dump_file = None  # a text file: every compiled block is listed there
        # perf(1)'s map of JIT code, when VM_ENGINE_PERF_MAP is set (the perf_map property)
        self._perf_map = None
        if os.environ.get("VM_ENGINE_PERF_MAP"):
            self._perf_map = self._open_perf_map()

    @property
    def perf_map(self):
        """perf(1)'s map of JIT code (/tmp/perf-PID.map) when VM_ENGINE_PERF_MAP
        is set, else None: `perf report` then names host code by guest block
        (the installers write it: vm_perf_map_add). A forked child has a map of
        its own, as perf reads a process's by its pid."""
        f = self._perf_map
        if f is not None and f.name != f"/tmp/perf-{os.getpid()}.map":
            f.close()   # (the parent's, inherited)
            f = self._perf_map = self._open_perf_map()
        return f

    def _open_perf_map(self):
        """This process's perf map, opened to append; closed when the compiler
        goes (left to the collector, an open file warns: a ResourceWarning on
        the stderr of whatever runs then)."""
        f = open(f"/tmp/perf-{os.getpid()}.map", "ab", buffering=0)
        weakref.finalize(self, f.close)
        return f

    # -- the run loop's hook -------------------------------------------------------
    def compile_ir(self, ir_bytes: bytes, pc: int, block_addr: int, memory=None, tier: int = 0,
                   deferred: int = 0, checked: bool = False, background: bool = False,
                   pause=None, near: bool = False, probe: bool = False):
        """Code for the block at pc, whose vm_block is at block_addr (the run
        loop's hook); with inlining on, the region goes on into blocks decoded
        from ``memory``. ``tier``: times the block was
        compiled before; ``deferred``: this block's compile was deferred before
        and it has run DEFERRAL more times since: hot enough to pay for its
        compile. ``checked``: its accesses check permissions themselves (its
        code reached MMIO: x86.compile_ir's ``viewed``).
        Returns (x86.Compiled, the countdown's start (0: none)), or
        ("later", runs) (Hybrid, over its compile-time budget: the block stays
        as it is and is offered again after that many more runs; then it is
        compiled whatever the budget). ``background``: on the compiler
        thread (_compile_jobs), while the run goes on: no budget, and the region
        is decoded with memory.peek_block; ``pause``: x86.compile_ir's;
        ``near``: the region keeps to the block's pages (else it may take in
        blocks from up to 3 other pages: x86.compile_ir's ``far``).
        ``probe``: only code kept in the store is wanted (None if there is
        none): a look before the block is hot enough to compile."""
        from . import x86
        level, start = self.config.optimization_level, 0
        h = self.hybrid
        if h is not None:
            ran = self.run_seconds  # (Hybrid's compile budget grows with the time run)
            if not deferred and not background and \
                    self._stats["compile_time"] >= h.compile_budget * ran + h.compile_allowance:
                self._stats["compiles_deferred"] += 1
                return "later", DEFERRAL
            if tier == 0 and h.first_level < level:
                level, start = h.first_level, h.tier_up_threshold
        if tier > 0:
            self._stats["tier_ups"] += 1
        fetch = seen = far = None
        if memory is not None and self.config.enable_inlining:
            fetch = memory.peek_block if background else memory.decode_block
            seen = getattr(memory, "call_seen", None)  # (a FlatMMU's: csrc's call_seen)
            if not near:  # (other pages: on this thread any, as nothing runs before the
                # code is installed and marks them; on the compiler thread only pages
                # of code already, whose writes retire blocks: vm_jobs_install)
                far = memory.is_code_page if background else _any_page
        t0 = time.perf_counter()
        hits, stored = x86.CODE_CACHE.hits, self.store.hits if self.store is not None else 0
        # (this level's set, held: an eviction on the run's thread may clear them meanwhile)
        heads = self._heads.setdefault(level, set())
        res = x86.compile_ir(ir_bytes, pc, level, True, fetch, bool(start),
                             self.config.enable_vectorization, viewed=not checked, pause=pause,
                             store=self.store, heads=heads, seen=seen, far=far, stored_only=probe)
        self._stats["compile_time"] += time.perf_counter() - t0
        if probe:
            self._probed(res is not None)
        self._stats["code_reused"] += x86.CODE_CACHE.hits - hits  # compiled before, by any engine
        if self.store is not None:  # (compiled by an earlier run, kept on disk)
            self._stats["code_from_store"] += self.store.hits - stored
        if res is None:
            return None
        heads.add(pc)
        self._stats["blocks_compiled"] += 1
        self._stats["instructions_compiled"] += len(res.guest)
        self._stats["code_bytes"] += len(res.code)
        if self.dump_file is not None:
            self._dump(ir_bytes, pc, res, x86, level)
        res = res._replace(code=x86.install_for(res.code, block_addr))  # its pointer to its block
        # compiling holds the GIL: let other threads (an event loop, other guests) in
        # between compiles, or a burst of them starves everyone else (event-loop
        # stalls of 60-100 ms); but only when there are other threads, and at most
        # every YIELD_INTERVAL, as a yield costs ~90 us (the kernel's timer slack)
        if not background and threading.active_count() > 1 and \
                time.perf_counter() - self._yielded >= YIELD_INTERVAL:
            time.sleep(0)
            self._yielded = time.perf_counter()
        return res, start

    def _probed(self, found: bool) -> None:
        """A look in the store found the code or not: too few found, and the
        runs look no more (PROBE_TRIAL)."""
        s = self._stats
        s["store_probes"] += 1
        s["store_probe_hits"] += found
        if s["store_probes"] >= PROBE_TRIAL and \
                s["store_probe_hits"] * PROBE_HIT_RATIO <= s["store_probes"]:
            self.probe_threshold = 0

    def _background(self, memory):
        """The memory's CompileJobs, with a compiler thread taking them, when this
        compiler compiles there in the background (config.background_compile;
        a FlatMMU); else None."""
        if not self.config.background_compile or not isinstance(memory, _core.FlatMMU):
            return None
        jobs = memory._jobs
        if jobs is not None and jobs.compiler is self._ref and jobs.thread is not None:
            return jobs  # (as this compiler's last run left them: every run asks)
        if jobs is None:
            jobs = memory._jobs = _core.CompileJobs()
        if jobs.thread is None:
            if "vm_engine.jit.x86" not in sys.modules or self.hold_first:  # (a first run
                jobs.hold(FIRST_HOLD)                                           # of a process)
            self.hold_first = False
            jobs.thread = threading.Thread(target=_compile_jobs, args=(jobs, weakref.ref(memory)),
                                           name="vm-engine compiler", daemon=True)
            jobs.thread.start()
        if self.perf_map is not None:  # (the installer lists what it installs there)
            jobs.set_perf_map(self.perf_map.name)
        jobs.compiler = self._ref  # (the next jobs use its settings and stats)
        # (Hybrid compiles what runs hot; the JIT, every block that runs)
        jobs.decline_cold = self.hybrid is not None and self.compile_threshold > 0
        return jobs

    def wait_for_compiles(self, timeout: float | None = None) -> bool:
        """With background_compile: compiles what runs on this compiler's memory
        have queued, waiting until that is done (True) or timeout seconds have
        passed (False); the code is installed when a run next begins. (A warm-up
        before timing, or a test of compiled code.) True at once without it."""
        jobs = self.mmu._jobs if isinstance(self.mmu, _core.MemoryBase) else None
        if jobs is None:
            return True
        self._background(self.mmu)  # (a thread to take them: a forked child has none yet)
        return jobs.wait_idle(timeout)

    def _dump(self, ir_bytes: bytes, pc: int, res, x86, level: int) -> None:
        code, covered, data_size, guest = res.code, res.covered, res.data_size, res.guest
        n = len(ir_bytes) // IR_ITEMSIZE - 1
        lines = [f"; block {pc:#x}: {covered} of {n} instructions compiled"
                 + (f", {len(guest)} with the blocks it runs into" if len(guest) > covered else "")
                 + f" (level {level}), {len(code)} bytes"]
        lines += _guest_lines(guest)
        lines += x86.disassemble(code, 0, data_size)
        self.dump_file.write("\n".join(lines) + "\n\n")

    def _evicted(self, times: int = 1):
        """Installing found the code cache full `times` times (and flushed it)."""
        self._stats["evictions"] += times
        self._heads.clear()

    def _execute_owned(self, memory, **kwargs) -> ExecResult:
        if "ir" not in kwargs:
            kwargs.update(compiler=self, compile_threshold=self.compile_threshold)
        return super()._execute_owned(memory, **kwargs)

    def _run_hooked(self, memory, budget: int | None, keep_handler: bool) -> int:
        return self._run(memory, budget, None, None, 0, self, self.compile_threshold, None,
                         keep_handler)

    @property
    def stats(self) -> dict:
        """What it compiled (blocks, guest instructions, seconds, bytes, evictions,
        tier-ups, ...) and where the instructions run so far ran: compiled or
        interpreted (up to date when read)."""
        self._stats.update(instructions_in_compiled=self.jit_instret,
                           instructions_interpreted=self.instret - self.jit_instret,
                           blocks_interpreted=self.interp_blocks,
                           vector_loop_runs=self.jit_vector_runs,
                           host_faults=self.jit_host_faults)
        return self._stats

    # -- the reference API ----------------------------------------------------------
    def compile_block(self, block: IRBlock) -> CompiledBlock:
        """Compiles ``block`` (at its start_pc, 0 if None) into executable memory."""
        return self._compile_block(block, viewed=True)

    def _compile_block(self, block: IRBlock, viewed: bool) -> CompiledBlock:
        pc = block.start_pc or 0
        from . import x86
        ir = block.lower(pc).tobytes()
        t0 = time.perf_counter()
        res = x86.compile_ir(ir + x86.closing_entry(ir), pc, self.config.optimization_level,
                             viewed=viewed)
        elapsed = time.perf_counter() - t0
        if res is None:
            return CompiledBlock(block, pc, b"", 0, 0, 0, elapsed)
        code, covered, n_mem, abi, data_size = res.code, res.covered, res.mem_ops, res.abi, \
            res.data_size
        if self._arena is None:
            self._arena = _core.CodeArena(self.config.code_cache_size)
        address = self._arena.install(code)
        if address is None:  # full: start the arena again (older CompiledBlocks are void)
            self._arena.reset()
            self._stats["evictions"] += 1
            address = self._arena.install(code)
            if address is None:
                raise VmError(f"a {len(code)}-byte block does not fit in code_cache_size")
        return CompiledBlock(block, pc, code, address, covered, n_mem, elapsed, data_size, abi)

    def execute_compiled(self, compiled: CompiledBlock, mmu=None) -> ExecResult:
        """Runs a compiled block once from its start pc (a taken branch ends it;
        instructions past the compiled part, if any, run interpreted)."""
        memory = self._memory(mmu)
        if compiled.covered and not memory.host_view:
            # (compiled for a view, whose host MMU makes checks its code skips:
            # here it is compiled again to check permissions itself)
            compiled = self._compile_block(compiled.block, viewed=False)
        jit = (compiled.address, compiled.covered, compiled.n_mem, compiled.abi, self._arena) \
            if compiled.covered else None
        return self._execute(memory, ir=compiled.block.lower(compiled.start_pc),
                             block_pc=compiled.start_pc, jit=jit)


def _any_page(address: int) -> bool:
    """x86.compile_ir's `far` for a compile on the run's thread: any page."""
    return True


def _compile_jobs(jobs, memory_ref) -> None:
    """The compiler thread of a memory's CompileJobs: compiles what its runs
    queue, hottest first (vm_jobs_take), and posts the code back, until the
    memory is gone. It holds the memory and compiler only during a job, so
    both go away as usual."""
    while True:
        job = jobs.take()  # (waits without the GIL)
        if job is None:
            return
        memory, compiler = memory_ref(), jobs.compiler()
        pc, serial, tier, checked, near, probe, ir = job
        try:
            load_code_generator()
            if memory is not None and compiler is not None:
                # (before anything is read: code_generation's promise)
                generation = memory.code_generation
                res = compiler.compile_ir(ir, pc, 0, memory, tier, 0, checked, background=True,
                                          pause=jobs.let_run_in, near=near, probe=probe)
                if res is not None:
                    jobs.post(pc, serial, tier, res[0], res[1], generation)
        except BaseException as e:  # a bug in the code generator: the run raises it
            jobs.fail(e)
        finally:
            # let go of them before saying the job is done: whoever waits for that
            # (wait_for_compiles) may drop the memory and reserve its space again
            memory = compiler = None
            jobs.finished()
        jobs.let_run_in()  # a run waits to go back to Python (a system call): let it


def _guest_lines(guest) -> list[str]:
    from ..isa.instruction import Instruction
    return [f";   {pc:#010x}  {Instruction.decode(raw).disassemble(pc=pc)}" for pc, raw in guest]
