"""Guest threads: clone(CLONE_THREAD) and the futexes they wait on.

The threads of a guest process take turns on the one cpu (the engine), like
green threads: each keeps its registers (CpuCore._context) while another runs.
A thread gives the cpu up when it waits (futex, nanosleep), yields, exits, or
has run a time slice (Machine's run loop asks for one when several can run).
Only one runs at a time, so the guest's memory is never raced over and its
atomics stay atomic; what threads buy a guest here is that programs written
with them (pthreads, Python's threading, xz and sort in parallel) run.
"""
from __future__ import annotations

import struct
import time
from errno import EAGAIN, EINTR

#: guest instructions a thread runs before the next one that can run gets the cpu
#: (a turn of ~0.5 ms compiled, 2-7 ms interpreted, as Linux's are some ms: each
#: turn's end costs ~10 us, the run left and its thread changed in Python, and
#: a thread waiting with a timeout counts as one that can run, so a busy thread
#: beside one waiting so ends its turns all along: xz's encoder, 200,000 a
#: turn, lost 10 % of its time to them)
TIME_SLICE = 1_000_000
#: A turn while the other threads can run only later (they wait with a timeout,
#: or for a file) goes on until the first of those waits may end, by the rate
#: the thread's runs went at (instructions per host second, measured): at least
#: TIME_SLICE instructions, at most LONE_TURN_MOST, and as if a wait for a file
#: were to end in LONE_TURN_SECONDS. (Each turn's end costs the more while the
#: JIT's compiler thread holds the GIL: it lets the run have it only after
#: 200 us of its own. xz's encoder, beside its main thread waiting with a
#: timeout, compiled afresh, ran 25 % slower with turns of TIME_SLICE.)
LONE_TURN_MOST = 20 * TIME_SLICE
LONE_TURN_SECONDS = 0.005
#: seconds of the host's a turn lasts at most, whatever instructions it ran: a
#: thread whose system calls or signals cost the host far more than its
#: instructions (one raising signals in a loop) would keep the cpu for good
TURN_SECONDS = 0.02
#: seconds between looks at the files threads wait for, when none can run
POLL_INTERVAL = 0.001
#: seconds between looks for a stop of the run (Machine.stop), when every thread
#: waits for a time
STOP_INTERVAL = 0.01

_A0 = 10 * 8  # (a0's offset in a cpu context: the result a waiting thread is woken with)
_PC = 512     # (pc's)
_ECALL = 4    # (an ecall's length: a thread makes its system call again from pc - 4)
_MASK64 = (1 << 64) - 1
_SS_DISABLE = 2

#: bits of a host pid: Linux never gives a process or thread an id above its
#: largest pid_max (PID_MAX_LIMIT, 2**22 on 64-bit hosts)
PID_BITS = 22
#: ids a process's other threads have first: pid | k << PID_BITS, k from 1 up
#: to this. They are not host threads, so their ids must be none the host can
#: give (a forked child's pid equal to a thread's would take its signals); the
#: pid in them keeps them apart from other processes' threads and names their
#: process; and they stay below 2**28, as glibc's per-thread cpu clock ids need
#: (pthread_getcpuclockid: ~tid << 3 | 6, an int).
THREAD_SLOTS = (1 << (28 - PID_BITS)) - 1


def _host_pid_max() -> int:
    try:
        with open("/proc/sys/kernel/pid_max") as f:
            return min(int(f.read()), 1 << PID_BITS)
    except (OSError, ValueError):
        return 1 << PID_BITS


#: The host's pid_max: past THREAD_SLOTS threads, a process's next ones take ids
#: whose low bits are at or above it, which no process has (so they name none).
#: A host at Linux's largest pid_max leaves none: the next thread is EAGAIN.
HOST_PID_MAX = _host_pid_max()


def process_of(tid: int) -> int:
    """The process whose thread `tid` is (a pid names itself)."""
    return tid & ((1 << PID_BITS) - 1) if tid > 0 else tid


class GuestThread:
    """One thread of the process: its registers while it does not run, and
    what it waits for."""

    def __init__(self, tid: int):
        self.tid = tid
        self.context: bytearray | None = None  # (None: it is the one running)
        self.clear_tid = 0      # CLONE_CHILD_CLEARTID / set_tid_address: zeroed and woken at exit
        self.robust_list = 0    # set_robust_list's head: its mutexes' owner dies with it
        self.futex = None       # (address, bitset) of the futex it waits on, if it does
        self.deadline = None    # time.monotonic() when its wait ends by itself
        self.timeout_result = 0  # a0 when it does (-ETIMEDOUT for a futex; 0 for a sleep)
        self.ready = None       # a wait for a file (or child): true when its call can go on
        self.on_wake = None     # called when such a wait ends (the time left written back)
        #: when the call it makes again (epoll_pwait's) stops waiting: the first one's
        #: deadline, kept by on_wake (its timeout is a register, not written back)
        self.restart_deadline = None
        #: (the call's key, bytes sent) of a blocking write to a pipe or socket
        #: waiting for room with part of its data gone (Kernel._stream_write)
        self.stream_sent = None
        self.waiting = False
        self.restarting = False  # woken from a wait for a file: its pc is at its ecall, to make it again
        self.sigmask = 0        # the signals it blocks (a new thread starts with its creator's)
        self.pending = 0        # signals sent to it alone (tgkill), as a bit set; the
        self.pending_code: dict = {}  # process's are the kernel's; their si_code or siginfo
        self.altstack = (0, _SS_DISABLE, 0)  # sigaltstack's (base, flags, size): its own
        self.cpu_ns = 0         # host cpu time it ran, up to its last turn's end
        self.sched = None       # [policy, priority, flags] (None: SCHED_OTHER, 0); its
                                # creator's sets it (the kernel's _inherited_sched)


class Threads:
    """The process's threads and whose turn it is (the kernel's part of clone,
    futex, exit, sched_yield and nanosleep while there is more than one)."""

    def __init__(self, cpu, pid: int, signal_came=None, stop_requested=None):
        self.cpu = cpu
        #: () -> None if no signal can come while every thread waits (no timer, no
        #: child, no other process's), else a thread that can take one that has
        #: come (False: none has): the kernel's, to interrupt that thread's wait with
        self.signal_came = signal_came
        #: () -> whether the run is asked to stop (the kernel's stop_requested): a
        #: wait of every thread ends for now then (_stop_waiting)
        self.stop_requested = stop_requested
        self.current = GuestThread(pid)
        self.all = {pid: self.current}   # tid -> thread, in creation order
        self._pid = pid
        self._next_slot = 1   # (the slot a new thread tries first: ids go round, as Linux's)
        self._spilled = 0     # (ids given past the slots)
        #: the current thread's turn: guest instructions left, when it began (a
        #: turn goes on across its runs and system calls)
        self.turn_left = self.turn_began = None
        #: instructions per host second of the runs so far (0: not yet measured),
        #: and when the run going on began (slice)
        self.rate, self._run_began = 0.0, None
        self._begin_turn()

    @property
    def several(self) -> bool:
        return len(self.all) > 1

    def _others_can_run(self) -> bool:
        """Whether another thread can run (or will, when its wait's time comes)."""
        return self._others_run_in() is not None

    def _others_run_in(self) -> float | None:
        """Seconds until another thread may run: 0 if one can now, until the
        first deadline of their waits (LONE_TURN_SECONDS at most for a wait
        for a file, looked at as often); None if none can (they all wait for
        good, or there is no other)."""
        soonest = now = None
        if len(self.all) > 1:
            for t in self.all.values():
                if t is self.current:
                    continue
                if not t.waiting:
                    return 0.0
                if t.ready is not None:
                    soonest = LONE_TURN_SECONDS if soonest is None else \
                        min(soonest, LONE_TURN_SECONDS)
                if t.deadline is not None:
                    now = now or time.monotonic()
                    left = max(0.0, t.deadline - now)
                    soonest = left if soonest is None else min(soonest, left)
        return soonest

    def slice(self, budget: int | None) -> int | None:
        """The budget of the current thread's next run: what is left of its
        turn when another thread can run; when the others can only later (they
        wait with a timeout, or for a file), the instructions it runs until
        then (by self.rate), TIME_SLICE to LONE_TURN_MOST of them."""
        if len(self.all) == 1:   # (alone: no turns, nothing to measure)
            return budget
        self._run_began = time.monotonic()
        left = max(1, self.turn_left)
        if budget is not None and budget <= left:
            return budget
        later = self._others_run_in()
        if later is None:
            return budget
        if later > 0:
            left = max(left, min(int(self.rate * later), LONE_TURN_MOST))
        return left if budget is None else min(budget, left)

    def ran(self, instructions: int) -> None:
        """The current thread ran that many instructions of its turn (in the run
        slice() gave the budget of: its rate measured)."""
        self.turn_left -= instructions
        if self._run_began is not None and instructions >= 10_000:
            seconds = time.monotonic() - self._run_began
            if seconds > 0:
                rate = instructions / seconds
                self.rate = rate if not self.rate else 0.75 * self.rate + 0.25 * rate
        self._run_began = None

    def turn_over(self) -> bool:
        """Whether the current thread's turn is over (its instructions, or its
        host time, with system calls: TURN_SECONDS) and another can run."""
        return len(self.all) > 1 and \
            (self.turn_left <= 0 or time.monotonic() - self.turn_began >= TURN_SECONDS) \
            and self._others_can_run()

    def spawn(self, stack: int, tls: int | None) -> GuestThread:
        """A new thread going on from where the current one is (past its ecall),
        with a0 = 0, sp = stack (unless 0) and tp = tls (unless None)."""
        thread = GuestThread(self._free_tid())
        thread.sigmask = self.current.sigmask
        ctx = bytearray(self.cpu._context())
        struct.pack_into("<Q", ctx, _A0, 0)
        if stack:
            struct.pack_into("<Q", ctx, 2 * 8, stack)
        if tls is not None:
            struct.pack_into("<Q", ctx, 4 * 8, tls)
        thread.context = ctx
        self.all[thread.tid] = thread
        return thread

    def _free_tid(self) -> int:
        """A new thread's id: a free slot's (THREAD_SLOTS), else one past them;
        OSError(EAGAIN) when the host leaves none of those (HOST_PID_MAX)."""
        for slot in range(THREAD_SLOTS):
            k = (self._next_slot - 1 + slot) % THREAD_SLOTS + 1
            if self._pid | k << PID_BITS not in self.all:
                self._next_slot = k % THREAD_SLOTS + 1
                return self._pid | k << PID_BITS
        span = (1 << PID_BITS) - HOST_PID_MAX
        for _ in range(min(span * THREAD_SLOTS, len(self.all) + 1)):
            n, self._spilled = self._spilled, self._spilled + 1
            tid = (n // span % THREAD_SLOTS + 1) << PID_BITS | (HOST_PID_MAX + (self._pid + n) % span)
            if tid not in self.all:
                return tid
        raise OSError(EAGAIN, f"this host leaves room for {THREAD_SLOTS} threads of a process "
                              f"besides its first")

    # -- waiting and waking --------------------------------------------------------------
    def block(self, futex=None, timeout: float | None = None, timeout_result: int = 0) -> None:
        """The current thread waits (on `futex`: (address, bitset); for at most
        `timeout` seconds, then woken with a0 = timeout_result) and another
        runs. (The kernel writes no result for it now: it gets one when woken.)"""
        me = self.current
        me.waiting, me.futex, me.timeout_result = True, futex, timeout_result
        me.deadline = None if timeout is None else time.monotonic() + timeout
        self.switch()

    def block_until(self, ready, deadline: float | None = None, on_wake=None) -> None:
        """The current thread waits until ready() (a file it reads has data, say)
        or time.monotonic() reaches `deadline`, and then (on_wake() called) makes
        its system call again: one thread's blocking call holds up no other."""
        me = self.current
        me.waiting, me.futex, me.ready, me.deadline = True, None, ready, deadline
        me.on_wake = on_wake
        self.switch(restart=True)

    def wake(self, address: int, count: int, bitset: int = 0xFFFFFFFF) -> int:
        """Wakes up to `count` threads waiting on the futex at `address` (whose
        bitsets meet `bitset`), with a0 = 0; returns how many."""
        woken = 0
        for thread in self.all.values():
            if woken >= count:
                break
            if thread.waiting and thread.futex is not None and thread.futex[0] == address \
                    and thread.futex[1] & bitset:
                self._resume(thread, 0)
                woken += 1
        return woken

    def wake_one(self, thread: GuestThread) -> None:
        """Wakes waiting `thread` with a0 = 0 (a priority-inheriting lock's
        heir, chosen by the kernel)."""
        self._resume(thread, 0)

    def requeue(self, address: int, to: int, count: int) -> int:
        """Moves up to `count` threads waiting on `address` to wait on `to`."""
        moved = 0
        for thread in self.all.values():
            if moved >= count:
                break
            if thread.waiting and thread.futex is not None and thread.futex[0] == address:
                thread.futex = (to, thread.futex[1])
                moved += 1
        return moved

    def interrupt(self, thread: GuestThread, restart: bool) -> None:
        """A signal `thread` does not block has come for it: a futex wait or a
        sleep it is in ends (EINTR; or, `restart`, its call is made again
        after the handler, SA_RESTART's way). A wait for a file or a signal
        ends by itself: its test sees the signal (Kernel._signal_came)."""
        if thread.waiting and thread.ready is None:
            if restart:
                pc = struct.unpack_from("<Q", thread.context, _PC)[0]
                struct.pack_into("<Q", thread.context, _PC, pc - _ECALL)
            self._resume(thread, None if restart else -EINTR)

    def _resume(self, thread: GuestThread, result: int | None) -> None:
        restarts, on_wake = thread.ready is not None, thread.on_wake
        thread.waiting, thread.futex, thread.deadline, thread.ready = False, None, None, None
        thread.on_wake, thread.restarting = None, restarts
        if on_wake is not None:
            on_wake()
        if not restarts and result is not None:   # (else it makes its call again, its
            struct.pack_into("<Q", thread.context, _A0, result & _MASK64)  # arguments as they were)

    def wake_due(self) -> None:
        """Ends the waits whose time has come, and those for files now ready."""
        now = None
        for thread in self.all.values():
            if thread.waiting and thread.ready is not None and thread.ready():
                self._resume(thread, None)
            elif thread.waiting and thread.deadline is not None:
                now = now or time.monotonic()
                if thread.deadline <= now:
                    self._resume(thread, thread.timeout_result)

    # -- turns -----------------------------------------------------------------------------
    def exit_current(self) -> bool:
        """The current thread ends (its clear_tid word zeroed and woken by the
        kernel first); True if another thread is left and now runs."""
        del self.all[self.current.tid]
        if not self.all:
            return False
        self.current = None
        self.switch()
        return True

    def yield_turn(self, result: int | None = None) -> None:
        """The current thread goes to the back of the queue, with a0 = result
        when it runs again (sched_yield's 0; None at the end of a time slice,
        which leaves its registers as they are)."""
        me = self.current
        self.all[me.tid] = self.all.pop(me.tid)   # (to the end of the round)
        self.switch(result)

    def switch(self, result: int | None = None, restart: bool = False) -> None:
        """Saves the current thread's registers (a0 = result, unless None; its
        pc back at its ecall if `restart`) and puts the next thread that can run
        on the cpu, waiting for a wait to end if every thread waits (a stop of
        the run ends that for now: _stop_waiting); a deadlock (all wait, none
        for a time or a file) is a LinuxError."""
        me = self.current
        if me is not None and me.context is None:
            me.cpu_ns = self.cpu_ns(me)
            me.context = bytearray(self.cpu._context())
            if result is not None:
                struct.pack_into("<Q", me.context, _A0, result & _MASK64)
            if restart:
                pc = struct.unpack_from("<Q", me.context, _PC)[0]
                struct.pack_into("<Q", me.context, _PC, pc - _ECALL)
        while True:
            self.wake_due()
            ready = [t for t in self.all.values() if not t.waiting]
            if ready:
                # round robin: the first ready thread after the current one in the order
                order = list(self.all.values())
                start = order.index(me) + 1 if me in order else 0
                nxt = next((t for t in order[start:] + order[:start] if not t.waiting))
                break
            deadlines = [t.deadline for t in self.all.values() if t.deadline is not None]
            polling = any(t.ready is not None for t in self.all.values())
            came = self.signal_came() if self.signal_came is not None else None
            if came:   # (a timer's, a child's: it interrupts the wait of a thread that
                self._resume(came, -EINTR)   # can take it, EINTR, as Linux's)
                continue
            polling = polling or came is not None
            if not deadlines and not polling:
                from .syscalls import LinuxError
                raise LinuxError("deadlock: every thread of the guest waits on a futex "
                                 "and none of them for a limited time")
            if self.stop_requested is not None and self.stop_requested():
                nxt = self._stop_waiting(me)
                break
            pause = min(deadlines) - time.monotonic() if deadlines else POLL_INTERVAL
            time.sleep(max(0.0, min(pause, POLL_INTERVAL if polling else STOP_INTERVAL)))
        self.current = nxt
        self.cpu._set_context(nxt.context)
        nxt.context = None
        self._begin_turn()

    def _begin_turn(self) -> None:
        self.turn_left, self.turn_began = TIME_SLICE, time.monotonic()
        self._cpu_since = time.thread_time_ns()

    def cpu_ns(self, thread: GuestThread) -> int:
        """The host cpu time `thread` has run (the host thread's while it was on
        the cpu: one host thread runs them all)."""
        if thread is self.current:
            return thread.cpu_ns + time.thread_time_ns() - self._cpu_since
        return thread.cpu_ns

    def _stop_waiting(self, me: GuestThread | None) -> GuestThread:
        """A stop of the run while every thread waits: one of them (`me`, the
        one that was running, if it waits still) stops waiting for now and
        goes on the cpu at its ecall, to make its call again when the run goes
        on: a futex wait or a sleep to the same deadline (restart_deadline, as
        Linux's restart of an interrupted call keeps it), a wait for a file as
        when it is woken (on_wake keeps its time). The others wait on."""
        thread = me if me is not None and self.all.get(me.tid) is me \
            else next(iter(self.all.values()))
        if thread.ready is None:   # (a wait for a file is back at its ecall already)
            deadline = thread.deadline
            pc = struct.unpack_from("<Q", thread.context, _PC)[0]
            struct.pack_into("<Q", thread.context, _PC, pc - _ECALL)
            self._resume(thread, None)
            thread.restart_deadline = deadline
        else:
            self._resume(thread, None)
        thread.restarting = True   # (no signal is delivered before its call is made again)
        return thread
