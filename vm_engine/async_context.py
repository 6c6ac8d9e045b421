"""AsyncExecutionContext: runs guest code from asyncio without blocking the loop.

The guest runs in a worker thread. The run loop releases the GIL while it
executes guest code (it takes it back only for system calls, hooks and JIT
compilation), so the event loop keeps running, and guests in different
threads run on different cores at once.

Threads: each context owns a ThreadPoolExecutor (not the loop's default
executor, which is small and shared with everything else that calls
``run_in_executor``). By default it is unbounded: every call gets a worker at
once (idle workers are reused), so N guests awaited together run on N
threads and the OS spreads them over the cores. ``max_workers=N`` caps the
guests running at once; further calls wait for a free worker (a ``timeout``
counts from the call, waiting included).

Stopping: when the awaiting task is cancelled or ``timeout`` passes, the
context asks the guest to stop (``Machine.stop()`` / ``request_stop()``,
repeated every STOP_POLL seconds until the worker returns: a request made while
a system call is being served would otherwise be lost), waits for the worker
to return without blocking the loop, then raises CancelledError /
asyncio.TimeoutError. The guest stops at its next block boundary (blocks
are at most 128 instructions), or, if it is blocked in a host system call
(a read from an empty pipe, nanosleep), once that call returns. The machine
is left consistent and resumable: a later ``run_async`` or ``run`` continues
where it stopped and ends exactly as an uninterrupted run would.

Garbage collection: CPython's full collections hold the GIL while they scan
every object in the process (~30k after importing this package and NumPy),
which stalled the event loop for 13-22 ms here, most often while JIT guests
compile (compiling allocates). ``freeze_gc=True`` calls ``gc.freeze()`` (after
a collection) once per process, so that full collections skip what exists by
then: the loop's longest stalls under the JIT with two guests went to 3-6 ms.
It is a choice for the application (frozen objects that later become cyclic
garbage are never freed), hence off by default.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import itertools
import sys
import time

from .ir import IRBlock
from .types import ExecResult, ExecStatus, ExecutorType, HybridConfig, JITConfig

#: seconds between stop requests while waiting for a stopped worker to return
STOP_POLL = 0.001

_context_ids = itertools.count(1)
_gc_frozen = False


def _freeze_gc() -> None:
    """gc.freeze() after a full collection, once per process (see the module
    docstring): later full collections scan only objects made since."""
    global _gc_frozen
    if not _gc_frozen:
        gc.collect()
        gc.freeze()
        _gc_frozen = True


class AsyncExecutionContext:
    """``AsyncExecutionContext(executor_type)``: an execution engine
    (``self.cpu``: an Interpreter, or a JITCompiler for JIT and Hybrid) whose
    runs are awaited from asyncio.

    - ``await ctx.execute_async(block, mmu)`` runs an IRBlock on the context's
      engine, like ``cpu.execute_block``; concurrent calls on one context run
      one after another (the engine holds one hart's registers).
    - ``await ctx.run_async(machine, max_instructions=None, timeout=None)``
      runs a Linux program (``vm_engine.linux.Machine``) like ``machine.run``.
      The machine runs on its own engine, chosen when it was loaded;
      ``ctx.load_elf(path, ...)`` loads one with the context's executor_type,
      jit_config and hybrid_config. Many machines can be awaited at once (``asyncio.gather``):
      each runs in its own worker thread.

    Guest faults raise ExecutionError in the awaiting coroutine. Cancelling
    the task, or ``timeout``, stops the guest within milliseconds and leaves it
    resumable (see the module docstring). ``freeze_gc=True``: gc.freeze() once
    per process, for shorter event-loop stalls (module docstring). Use ``close()`` (or ``with`` /
    ``async with``) to release the worker threads.
    """

    #: execute_async keeps at most this many blocks' compiled code (then starts again)
    MAX_CACHED_BLOCKS = 4096

    def __init__(self, executor_type: ExecutorType | str = ExecutorType.Hybrid,
                 jit_config: JITConfig | None = None, *, max_workers: int | None = None,
                 hybrid_config: HybridConfig | None = None, freeze_gc: bool = False):
        from .linux.machine import _executor, make_cpu
        if max_workers is not None and max_workers < 1:
            raise ValueError("max_workers must be >= 1 (or None: no limit)")
        if freeze_gc:
            _freeze_gc()
        self.executor_type = _executor(executor_type)
        self.jit_config = jit_config
        self.hybrid_config = hybrid_config
        self.cpu = make_cpu(self.executor_type, jit_config, None, hybrid_config)
        _load_code_generator(self.cpu)
        self.max_workers = max_workers
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=sys.maxsize if max_workers is None else max_workers,
            thread_name_prefix=f"vm_engine-async-{next(_context_ids)}")
        self._block_lock: asyncio.Lock | None = None
        self._block_lock_loop = None
        # execute_async's compiled blocks: (pc, IR bytes) -> [executions, CompiledBlock]
        self._blocks: dict[tuple, list] = {}
        self._evictions = 0
        #: execute_async's blocks: how many ran interpreted, were compiled, ran compiled
        self.block_stats = {"interpreted": 0, "compiled": 0, "executed_compiled": 0}

    # -- the reference API ----------------------------------------------------------------
    async def execute_async(self, block, mmu=None) -> ExecResult:
        """Runs ``block`` once (from its start_pc; None: the current pc) on the
        context's engine in a worker thread and returns its ExecResult, as
        ``cpu.execute_block`` does. Interpreter: interpreted. JIT: compiled on
        its first execution (``compile_block``), the compiled code reused while
        the same instructions run at the same pc. Hybrid: interpreted until it
        has run ``cpu.compile_threshold`` times, then compiled."""
        async with self._lock():
            return await self._call(lambda: self._execute_block(block, mmu),
                                    self.cpu.request_stop)

    async def run_async(self, machine, max_instructions: int | None = None,
                        timeout: float | None = None) -> ExecResult:
        """Runs ``machine`` (``machine.run(max_instructions)``) in a worker thread
        until the program exits (status Exit, ``exit_code``) or executes
        ``max_instructions`` more instructions (status Budget). After
        ``timeout`` seconds the guest is stopped and asyncio.TimeoutError
        raised; ``machine.run``/``run_async`` continue it later."""
        if timeout is not None and timeout < 0:
            raise ValueError("timeout must be >= 0")
        if max_instructions is not None and max_instructions < 0:
            raise ValueError("max_instructions must be >= 0")
        _load_code_generator(machine.cpu)
        return await self._call(lambda: machine.run(max_instructions), machine.stop, timeout)

    def load_elf(self, path, **kwargs):
        """``Machine.load_elf(path, **kwargs)`` with the context's executor_type,
        jit_config and hybrid_config."""
        from .linux.machine import Machine
        kwargs.setdefault("hybrid_config", self.hybrid_config)
        return Machine.load_elf(path, executor=self.executor_type, jit_config=self.jit_config,
                                **kwargs)

    # -- lifetime -------------------------------------------------------------------------
    def close(self) -> None:
        """Releases the worker threads (waits for running guests to return)."""
        self._pool.shutdown(wait=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> None:
        self._pool.shutdown(wait=False)   # every awaited call has returned by now

    # -- inside ---------------------------------------------------------------------------
    def _execute_block(self, block, mmu) -> ExecResult:
        cpu = self.cpu
        if not hasattr(cpu, "compile_block"):     # the interpreter (or no JIT on this host)
            self.block_stats["interpreted"] += 1
            return cpu.execute_block(block, mmu)
        pc = cpu.pc if block.start_pc is None else block.start_pc
        if cpu.stats["evictions"] != self._evictions:   # the code cache was reset: code is void
            self._blocks.clear()
            self._evictions = cpu.stats["evictions"]
        key = (pc, block.lower(pc).tobytes())
        entry = self._blocks.get(key)
        if entry is None:
            if len(self._blocks) >= self.MAX_CACHED_BLOCKS:
                self._blocks.clear()
            entry = self._blocks[key] = [0, None]
        entry[0] += 1
        if entry[1] is None and entry[0] > cpu.compile_threshold:
            entry[1] = cpu.compile_block(IRBlock(block.instructions, start_pc=pc))
            self.block_stats["compiled"] += 1
            self._evictions = cpu.stats["evictions"]   # compiling may have reset the cache
        if entry[1] is None or not entry[1].covered:
            self.block_stats["interpreted"] += 1
            return cpu.execute_block(block, mmu)
        self.block_stats["executed_compiled"] += 1
        return cpu.execute_compiled(entry[1], mmu)

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._block_lock_loop is not loop:   # an asyncio.Lock belongs to one loop
            self._block_lock, self._block_lock_loop = asyncio.Lock(), loop
        return self._block_lock

    async def _call(self, work, stop, timeout: float | None = None) -> ExecResult:
        """Runs ``work()`` in a worker; on cancellation or timeout calls ``stop()``
        until the worker returns, then raises."""
        job = self._pool.submit(work)
        fut = asyncio.wrap_future(job)
        try:
            done, _ = await asyncio.wait((fut,), timeout=timeout)
        except asyncio.CancelledError:
            await _halt(job, fut, stop)
            raise
        if done:
            return fut.result()
        if not await _halt(job, fut, stop):   # never started (all workers were busy)
            raise asyncio.TimeoutError(f"the guest did not start within {timeout} s")
        result = fut.result()          # a fault raised meanwhile propagates
        if result.status is ExecStatus.Stopped:
            raise asyncio.TimeoutError(f"the guest was stopped after {timeout} s")
        return result                  # it finished just as the time ran out


def _load_code_generator(cpu) -> None:
    """Imports the JIT's code generator if ``cpu`` compiles: imported on the
    first compile instead, in the worker, it would hold the GIL (and stall the
    event loop) for ~8 ms."""
    if hasattr(cpu, "compile_ir"):
        from .jit.compiler import load_code_generator
        load_code_generator()


async def _halt(job: concurrent.futures.Future, fut: asyncio.Future, stop) -> bool:
    """Stops the guest behind ``job`` and waits (without blocking the loop) until
    its worker has returned; False if it never started. A cancellation
    arriving meanwhile is held back and raised once the worker is done, so the
    guest is never left running."""
    if job.cancel():                   # still queued: nothing runs, nothing to stop
        return False
    cancelled = False
    while not fut.done():
        stop()
        try:
            await asyncio.wait((fut,), timeout=STOP_POLL)
        except asyncio.CancelledError:
            cancelled = True
    if not fut.cancelled():
        fut.exception()                # retrieved: the caller raises or reads it
    if cancelled:
        raise asyncio.CancelledError()
    return True


class LoopStallMonitor:
    """``async with LoopStallMonitor() as mon: ...`` measures how long the running
    event loop goes without getting to a task: a ticker task sleeps ``interval``
    seconds at a time and records the time between its wake-ups in ``mon.gaps``
    (seconds). ``mon.max_gap`` is the longest: ``interval`` plus the worst stall."""

    def __init__(self, interval: float = 0.001):
        self.interval = interval
        self.gaps: list[float] = []
        self._task: asyncio.Task | None = None
        self._done: asyncio.Event | None = None

    @property
    def max_gap(self) -> float:
        return max(self.gaps, default=0.0)

    async def _tick(self) -> None:
        last = time.perf_counter()
        while not self._done.is_set():
            await asyncio.sleep(self.interval)
            now = time.perf_counter()
            self.gaps.append(now - last)
            last = now

    async def __aenter__(self):
        self._done = asyncio.Event()
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(self.interval)    # ticking before the body starts
        return self

    async def __aexit__(self, *exc) -> None:
        self._done.set()
        await self._task
