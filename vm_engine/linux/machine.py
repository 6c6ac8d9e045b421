"""A Linux user-mode machine: one riscv64 program in its own guest address
space, its system calls served by the host (like qemu-riscv64)."""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
import warnings

from .. import _owner
from .._core import FlatMMU
from ..errors import ExecutionError, VmError
from ..interpreter import Interpreter
from ..types import ExecResult, ExecStats, ExecStatus, ExecutorType, HybridConfig, JITConfig
from .elf import LoadedProgram, load_program, read_elf
from .memory import AddressSpace, Layout
from .syscalls import SIGNAL_NAMES, SIGTRAP, Kernel, ProcessExec, ProcessExit, fault_signal

#: a Linux guest's address space: riscv64 Linux's on Sv39 hardware (TASK_SIZE, 256 GiB),
#: whose layout programs that place memory themselves expect: AddressSanitizer's
#: shadow lies at 53-91 GiB (in a 64 GiB space the mmap area, below the top, was
#: there: ASan aborted). Reserved, not committed: pages cost only once touched.
DEFAULT_ADDRESS_SPACE = 1 << 38
#: runs (one per system call) between two checks that the JIT's SIGSEGV handler is on top
RECHECK_HANDLER = 256


def _executor(executor) -> ExecutorType:
    if isinstance(executor, ExecutorType):
        return executor
    try:
        return ExecutorType(str(executor).lower())
    except ValueError:
        raise ValueError(f"unknown executor {executor!r}: expected one of "
                         f"{', '.join(e.value for e in ExecutorType)}") from None


def make_cpu(executor: ExecutorType, jit_config: JITConfig | None, mmu,
             hybrid_config: HybridConfig | None = None):
    """The execution engine for ``executor``: the interpreter; the JIT (every
    block compiled on first execution); or Hybrid (the default: blocks run
    interpreted until warm, then compiled in tiers: HybridConfig). Where the JIT
    cannot run (not x86-64 Linux), JIT and Hybrid fall back to the
    interpreter, JIT with a warning."""
    if jit_config is not None and not isinstance(jit_config, JITConfig):
        raise TypeError(f"jit_config must be a JITConfig, got {type(jit_config).__name__}")
    if jit_config is not None:
        jit_config.validate()
    if executor is ExecutorType.Interpreter:
        return Interpreter(mmu)
    from ..jit import JITCompiler, jit_available  # (not for the interpreter: 5-7 ms)
    if not jit_available():
        if executor is ExecutorType.JIT:
            warnings.warn("the JIT needs an x86-64 Linux host: running the program with the "
                          "interpreter", RuntimeWarning, stacklevel=3)
        return Interpreter(mmu)
    if hybrid_config is not None and not isinstance(hybrid_config, HybridConfig):
        raise TypeError(f"hybrid_config must be a HybridConfig, got {type(hybrid_config).__name__}")
    if executor is ExecutorType.JIT:
        return JITCompiler(jit_config, mmu)
    return JITCompiler(jit_config, mmu, hybrid=hybrid_config or HybridConfig())


def _env_list(env) -> list:
    if env is None:
        env = os.environ
    if isinstance(env, dict) or hasattr(env, "items"):
        out = []
        for k, v in env.items():
            k = k if isinstance(k, bytes) else os.fsencode(k)
            v = v if isinstance(v, bytes) else os.fsencode(v)
            out.append(k + b"=" + v)
        return out
    return list(env)


class _Watchdog(threading.Thread):
    """Stops the machine after ``timeout`` seconds: keeps asking the cpu to stop
    until the run loop notices (a request made while a syscall is served would
    otherwise be lost)."""

    def __init__(self, machine: "Machine", timeout: float):
        super().__init__(daemon=True, name="vm_engine-linux-timeout")
        self.machine = machine
        self.timeout = timeout
        self.done = threading.Event()

    def run(self):
        if self.done.wait(self.timeout):
            return
        while not self.done.is_set():
            self.machine.stop()
            self.done.wait(0.01)


class Machine:
    """A riscv64 Linux program loaded into a FlatMMU, ready to run.

    Build one with ``Machine.load_elf(path, ...)``; ``run()`` executes it until
    it exits (status ExecStatus.Exit, ``exit_code`` set) or a limit is reached
    (Budget / Stopped: call ``run()`` again to continue). A program killed by
    a signal (abort(), a signal it sent itself with the default action) also
    ends with status Exit: ``exit_code`` is 128 + the signal number, as a shell
    reports it, and ``term_signal`` is the signal. A guest fault raises
    ExecutionError (its signal handlers are not called). ``strace = True``
    prints each system call to stderr (or to ``strace_file``).

    Guest threads take turns on the engine (linux/threads.py); a guest fork
    runs its child in a fork of the host process, which exits when the child
    does; execve replaces the program in this Machine.

    Executors: ExecutorType.Interpreter; ExecutorType.JIT (every block compiled
    on first execution); ExecutorType.Hybrid, the default (hot code compiled in
    tiers: HybridConfig). Off x86-64 Linux, JIT (with a RuntimeWarning) and
    Hybrid interpret.
    """

    def __init__(self, mmu, aspace: AddressSpace, cpu, kernel: Kernel, program: LoadedProgram,
                 path: str, executor: ExecutorType, jit_config: JITConfig | None,
                 hybrid_config: HybridConfig | None = None,
                 address_space: int = DEFAULT_ADDRESS_SPACE):
        self.mmu = mmu
        self.aspace = aspace
        self.cpu = cpu
        self.kernel = kernel
        self.program = program
        self.path = path
        self.executor = executor
        self.jit_config = jit_config
        self.hybrid_config = hybrid_config
        self.address_space = address_space
        kernel.exec_loader = self._load_image
        kernel.stop_requested = lambda: self._stop   # (a blocking wait ends for now)
        self.exit_code: int | None = None
        self.term_signal: int | None = None    # the signal that ended the program, if any
        self.stats = ExecStats()               # totals over every run() call
        self._stop = False
        self.closed = False

    @classmethod
    def load_elf(cls, path, argv=None, env=None, sysroot=None,
                 executor=ExecutorType.Hybrid, jit_config: JITConfig | None = None,
                 stdin=None, stdout=None, stderr=None, *, cwd=None,
                 hybrid_config: HybridConfig | None = None,
                 address_space: int = DEFAULT_ADDRESS_SPACE,
                 random_bytes: bytes | None = None) -> "Machine":
        """Loads the riscv64 ELF program at ``path``.

        argv: the program's arguments including argv[0] (default: [path]).
        env: a dict or a list of "NAME=value" strings (default: the host's environment).
        sysroot: where the dynamic loader and shared libraries come from, for
          dynamically linked programs (like qemu-riscv64 -L), e.g.
          "/usr/riscv64-linux-gnu"; absolute paths the guest opens are looked
          up there first.
        stdin: None (the host's), bytes, a host fd, or a file object.
        stdout, stderr: None (the host's), a bytearray (collects the output),
          a host fd, or an object with write(bytes).
        cwd: the guest's initial working directory (default: the host's).
        hybrid_config: the Hybrid executor's tiering thresholds (default: HybridConfig()).
        random_bytes: the 16 AT_RANDOM bytes (default: os.urandom).
        Raises ElfError if the file cannot be loaded.
        """
        path = os.fspath(path)
        executor = _executor(executor)
        elf = read_elf(path)
        mmu = FlatMMU(address_space=address_space)
        aspace = AddressSpace(mmu, Layout(address_space))
        cpu = make_cpu(executor, jit_config, mmu, hybrid_config)
        argv = [path] if argv is None else list(argv)
        program = load_program(aspace, path, argv, _env_list(env), sysroot=sysroot,
                               random_bytes=random_bytes, elf=elf)
        kernel = Kernel(mmu, aspace, cpu, exe_path=path, argv=argv, sysroot=sysroot, cwd=cwd,
                        stdin=stdin, stdout=stdout, stderr=stderr)
        cpu.reg_write("sp", program.sp)
        cpu.pc = program.entry
        return cls(mmu, aspace, cpu, kernel, program, path, executor, jit_config, hybrid_config,
                   address_space)

    def _load_image(self, path: str, argv: list, env: list, elf) -> tuple:
        """execve's new program (the ELF at host `path`, parsed) loaded into an
        address space of its own, with an engine like this one's: (mmu, aspace,
        cpu, program, path, argv). Raises ElfError."""
        mmu = FlatMMU(address_space=self.address_space)
        aspace = AddressSpace(mmu, Layout(self.address_space))
        program = load_program(aspace, path, argv, env, sysroot=self.kernel.sysroot, elf=elf)
        cpu = make_cpu(self.executor, self.jit_config, mmu, self.hybrid_config)
        if hasattr(cpu, "hold_first"):   # (a program started: it may well end in a few ms)
            cpu.hold_first = True
        cpu.reg_write("sp", program.sp)
        cpu.pc = program.entry
        return mmu, aspace, cpu, program, path, argv

    def _exec(self, image: tuple) -> None:
        """The process goes on as execve's new program (_load_image's)."""
        mmu, aspace, cpu, program, path, argv = image
        old = self.mmu
        self.kernel.exec_reset(mmu, aspace, cpu, path, argv)
        self.mmu, self.aspace, self.cpu, self.program, self.path = mmu, aspace, cpu, program, path
        old.release()   # (the old program's memory goes now, as Linux's exec drops its mm)

    # -- state ----------------------------------------------------------------------------
    @property
    def exited(self) -> bool:
        return self.exit_code is not None

    @property
    def strace(self) -> bool:
        return self.kernel.strace

    @strace.setter
    def strace(self, on: bool) -> None:
        self.kernel.strace = bool(on)

    @property
    def strace_file(self):
        return self.kernel.strace_file

    @strace_file.setter
    def strace_file(self, f) -> None:
        self.kernel.strace_file = f

    def own_host_signals(self) -> None:
        """Makes this host process the guest program's, as ``vm-engine run``'s
        is (call it from the main thread): signals other processes send it go
        to the guest's handlers, and those the guest ignores or leaves at their
        default action are ignored or act on the process (linux/host_signals.py).
        ``close()`` gives the process its own handlers back. A guest fork's
        child is the guest's in any case. Raises VmError off the main thread
        (where Python sets no signal handlers)."""
        from .host_signals import HostSignals
        if threading.current_thread() is not threading.main_thread():
            raise VmError("own_host_signals() must be called from the main thread")
        if self.kernel.host_signals is None:
            self.kernel.host_signals = HostSignals(self.kernel, own=False)
            self.kernel.host_dispositions()
            self.kernel.family = self.kernel.pid   # (its forks' processes are the guest's)

    def stop(self) -> None:
        """Asks a running ``run()`` (in another thread) to return (status Stopped)
        at the next block boundary or after the system call being served; the
        machine stays consistent and a later run() continues it."""
        self._stop = True
        self.cpu.request_stop()

    def close(self) -> None:
        """Closes the host files the guest has open, gives the process its
        signal handlers back (own_host_signals) and the host the guest's
        memory (FlatMMU.release: its pages, the files mapped there, the code
        compiled from it), now: the machine is in reference cycles, which
        would keep them until a collection. A machine closed before its
        program exited cannot run again (VmError); closing it again does
        nothing. Raises ConcurrentUseError while it runs in another thread."""
        _owner.claim(self)
        try:
            if self.closed:
                return
            try:
                self.kernel.close_all()
                if self.kernel.host_signals is not None and not self.kernel.forked:
                    self.kernel.host_signals.release()
                    self.kernel.host_signals = None
                self.closed = True
            finally:   # (the memory goes whatever else failed: close() again for the rest)
                self.mmu.release()
        finally:
            _owner.release(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- running --------------------------------------------------------------------------
    def run(self, max_instructions: int | None = None, timeout: float | None = None) -> ExecResult:
        """Runs the program until it exits, executes ``max_instructions`` more
        instructions (status Budget), ``timeout`` seconds pass or stop() is
        called (status Stopped). Raises ExecutionError on a guest fault that no
        handler of the program's takes (one that does gets its signal, as in
        Linux: Kernel.take_fault).

        One thread at a time: calling run() while the machine runs in another
        thread raises ConcurrentUseError (stop() is meant for other threads).
        ``AsyncExecutionContext.run_async`` runs it from asyncio."""
        _owner.claim(self)
        try:
            if self.closed and not self.exited:
                raise VmError("the machine is closed: its program cannot go on")
            result = self._run(max_instructions, timeout)
        except BaseException as e:
            if self.kernel.forked:
                self._end_forked(e)
            raise
        finally:
            _owner.release(self)
        if self.kernel.forked:
            self._end_forked(None)
        return result

    def _end_forked(self, error: BaseException | None) -> None:
        """Ends the host process of a guest fork's child, with the guest's exit
        status or its signal (what the parent's wait4 reads); never returns
        into the host program that called run() (that is the parent's)."""
        code, death = (self.exit_code if self.exit_code is not None else 1), self.term_signal
        try:
            if isinstance(error, ExecutionError):  # (a guest fault kills it as Linux
                code, death = 1, fault_signal(error.fault.kind)   # would: its signal,
                if self.kernel.strace:                            # quietly)
                    self.kernel.trace(f"+++ killed by {SIGNAL_NAMES[death]} +++")
            elif error is not None:
                sys.stderr.write(f"vm_engine: guest process {self.kernel.pid} "
                                 f"(forked): {type(error).__name__}: {error}\n")
                code, death = 1, None
            self.kernel.close_all()
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            if death is not None:   # (dies of it, as the parent's wait4 should see)
                signal.signal(death, signal.SIG_DFL)
                os.kill(os.getpid(), death)
        finally:
            os._exit(code & 0xFF)

    def _run(self, max_instructions: int | None, timeout: float | None) -> ExecResult:
        if max_instructions is not None and max_instructions < 0:
            raise ValueError("max_instructions must be >= 0")
        if timeout is not None and timeout < 0:
            raise ValueError("timeout must be >= 0")
        stats = ExecStats()
        if self.exited:
            return ExecResult(ExecStatus.Exit, stats, self.cpu.pc, self.exit_code)
        for stream in (sys.stdout, sys.stderr):   # keep the host's and the guest's output in order
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        cpu, kernel = self.cpu, self.kernel
        memory = cpu._memory(None)
        cpu._claim(memory)  # (once for all the runs: one per system call)
        self._stop = False
        watchdog = None
        # instructions are counted by the cpu's counters, read at the end (and
        # after each run only when they are limited): a run per system call
        counted = (cpu.instret, cpu.memory_accesses)
        ran = 0  # instructions, of those limited to max_instructions
        # the JIT's SIGSEGV handler is put back on top (should another thread
        # have installed one since) by the first run and every RECHECK_HANDLER
        # runs: asking the kernel cost a run a tenth of its time
        steps = 0
        t0 = time.perf_counter()
        status = None
        try:
            if timeout is not None:
                watchdog = _Watchdog(self, timeout)
                watchdog.start()
            while True:
                if self._stop:
                    status = ExecStatus.Stopped
                    break
                if (kernel.itimers and kernel.itimer_due()) or \
                        (kernel.host_signals is not None and kernel.host_signals.queued):
                    kernel.look_for_signals()   # (a timer's, or another process's)
                    kernel.deliver_signals()
                remaining = None if max_instructions is None else max_instructions - ran
                budget = kernel.threads.slice(remaining)
                sliced = budget != remaining
                keep_handler = steps % RECHECK_HANDLER != 0
                steps += 1
                try:
                    before = cpu.instret
                    try:
                        run = cpu._step(memory, budget, keep_handler)
                    finally:
                        executed = cpu.instret - before
                        ran += executed
                        kernel.threads.ran(executed)
                except ExecutionError as e:
                    if not kernel.take_fault(e.fault):   # (a handler of the guest's
                        raise                            # takes it, or it dies of it)
                    continue
                if run is ExecStatus.Ecall:
                    try:
                        kernel.syscall()
                    except ProcessExec as e:
                        self._tally(stats, cpu, counted)
                        cpu._release(memory)
                        self._exec(e.image)
                        cpu = self.cpu
                        counted = (cpu.instret, cpu.memory_accesses)
                        steps = 0
                        memory = cpu._memory(None)
                        cpu._claim(memory)
                    if kernel.forked:
                        max_instructions = None   # (a fork's child runs to its end: _end_forked)
                    if kernel.threads.turn_over():   # (its turn's host time is up: calls
                        kernel.threads.yield_turn()   # that cost the host far more than
                        kernel.deliver_signals()      # their instructions)
                elif run is ExecStatus.Ebreak:
                    kernel.raise_signal(SIGTRAP)
                    kernel.deliver_signals()
                elif run is ExecStatus.Stopped and not self._stop and \
                        (kernel.itimer_used or kernel.host_signals is not None):
                    continue  # (stopped for a timer or a host signal: served above)
                elif run is ExecStatus.Budget and sliced:
                    kernel.threads.yield_turn()  # (its time slice is over)
                    kernel.deliver_signals()     # (sent to the next while it waited its turn)
                elif run in (ExecStatus.Budget, ExecStatus.Stopped):
                    status = ExecStatus.Stopped if self._stop else run
                    break
        except ExecutionError as e:
            if e.result is not None:
                e.result.stats = stats  # (the whole run's: counted below)
            raise
        except ProcessExit as e:
            self.exit_code = e.status
            self.term_signal = e.signal
            if kernel.strace:
                kernel.trace(f"+++ killed by {SIGNAL_NAMES.get(e.signal, e.signal)} +++"
                             if e.signal is not None else f"+++ exited with {e.status} +++")
            kernel.close_all()
            status = ExecStatus.Exit
        finally:
            cpu._release(memory)
            if watchdog is not None:
                watchdog.done.set()
            self._tally(stats, cpu, counted)
            stats.time = time.perf_counter() - t0
            self._add(self.stats, stats)
            self.stats.time += stats.time
        return ExecResult(status, stats, cpu.pc, self.exit_code)

    @staticmethod
    def _tally(stats: ExecStats, cpu, counted: tuple) -> None:
        """Adds to stats what cpu's counters counted since `counted`."""
        stats.instructions += cpu.instret - counted[0]
        stats.memory_accesses += cpu.memory_accesses - counted[1]

    @staticmethod
    def _add(total: ExecStats, part: ExecStats) -> None:
        total.instructions += part.instructions
        total.memory_accesses += part.memory_accesses

    def describe_exit(self) -> str:
        """'exit code N' or 'killed by SIGNAME'."""
        if self.term_signal is not None:
            return f"killed by {SIGNAL_NAMES.get(self.term_signal, self.term_signal)}"
        return f"exit code {self.exit_code}"
