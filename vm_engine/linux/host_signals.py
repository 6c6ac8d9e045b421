"""Signals other host processes send, for the guest.

In a host process that is the guest program's own (a guest fork's child;
``vm-engine run``'s, through Machine.own_host_signals), the guest's signal
dispositions are the process's: a signal the guest ignores is ignored by the
host, one it leaves at its default action (and does not block: that one waits
as pending in the guest, as in Linux) gets the host's (terminate, stop,
ignore: the same as Linux would apply to the guest; in vm-engine run's process,
what the process had: Python's KeyboardInterrupt for SIGINT), and one it
handles gets a host handler that queues it for the guest. The kernel raises the queued
ones (Kernel.look_for_signals) where it looks for signals: before each run of
the guest and in its waits, so a handler runs as on Linux, with its sender's
siginfo.

A C handler in front of Python's records each signal's siginfo (its sender's
pid and uid, sigqueue's value: csrc/vm_hostsig.h), which the guest's handler
gets. Python's own C handler writes each signal's number to a wakeup pipe, which
two readers take signals from:
- the Python handler, run in the main thread between bytecodes: a signal that
  comes while the kernel emulates a system call is queued before the call
  returns, so it is delivered as the call returns, as Linux does (were it
  queued later, a `while (!flag) pause();` would lose it far more often than
  on Linux);
- a thread, for a guest computing in compiled code, where Python does not run
  for long: it queues the signal and stops the cpu until the kernel has taken it."""
from __future__ import annotations

import os
import select
import signal
import struct
import threading
import time

from .._core import hostsig_clear, hostsig_take, hostsig_wrap

SIG_DFL, SIG_IGN = 0, 1   # the guest's (sigaction's sa_handler)
#: follow()'s handler for a signal held for the guest (its default action, blocked)
HELD = -1

#: signals left as the host has them: those no process can catch, the ones host
#: faults raise (compiled code's accesses take SIGSEGV and SIGBUS), and the ones
#: the kernel makes for the guest itself (a child's end, a write to a closed pipe)
_KEPT = frozenset((signal.SIGKILL, signal.SIGSTOP, signal.SIGSEGV, signal.SIGBUS,
                   signal.SIGILL, signal.SIGFPE, signal.SIGTRAP, signal.SIGCHLD,
                   signal.SIGPIPE))
#: the signals passed on: the standard ones but those, and the real-time ones
#: from the host C library's SIGRTMIN (glibc keeps 32 and 33 for itself)
PASSED = frozenset(int(s) for s in signal.valid_signals() if int(s) < 65 and s not in _KEPT
                   and (int(s) < 32 or int(s) >= signal.SIGRTMIN))
#: seconds between the wake thread's stop requests until the kernel takes a signal
#: (a request made while the kernel serves a system call is not seen)
_RETRY = 0.005


_UNTOUCHED = object()

SI_USER, SI_KERNEL = 0, 0x80   # siginfo's si_code: kill's, the kernel's


#: si_code of the host kernel's signal-driven I/O signals (fcntl F_SETSIG,
#: O_ASYNC and dnotify): POLL_IN .. POLL_HUP; si_band, si_fd follow
_POLL_CODES = range(1, 7)


def guest_siginfo(sig: int, guest_fd=None) -> bytes:
    """The guest's siginfo_t of a signal `sig` come from another process (its
    layout is the host's): the sender's si_code, pid and uid, and sigqueue's
    value; or, from the host kernel's signal-driven I/O, its band and file,
    the guest's descriptor of it (guest_fd(host fd), None: not the guest's);
    none recorded: SI_USER from nobody known."""
    info = hostsig_take(sig)
    code, pid, uid, value = (SI_USER, 0, 0, 0) if info is None else \
        struct.unpack_from("<8xi4xiIQ", info)
    if code in _POLL_CODES and guest_fd is not None:
        band, fd = struct.unpack_from("<qi", info, 16)
        fd = guest_fd(fd)
        if fd is not None:
            return struct.pack("<iii4xqi", sig, 0, code, band, fd).ljust(128, b"\0")
    if code > 0 and code != SI_KERNEL:   # (a kind of the host kernel's own: its fields
        code, value = SI_USER, 0         # may name host things, a host fd)
    return struct.pack("<iii4xiIQ", sig, 0, code, pid, uid,
                       value if code < 0 else 0).ljust(128, b"\0")


class HostSignals:
    """The host side of a guest process's signals (module docstring). Made in
    the host's main thread, which alone may set signal handlers."""

    def __init__(self, kernel, own: bool):
        """own: the process was made for the guest (a fork's child): a signal the
        guest leaves at its default gets the host's default; else (vm-engine
        run's process) the handler the process has."""
        self.kernel = kernel
        #: signals come, not yet raised, with their siginfo (list.append is atomic)
        self.queued: list[tuple[int, bytes]] = []
        self.own = own
        self.before: dict[int, object] = {}   # signal -> the process's handler the guest's replaced
        self._read, self._write = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        self._released = False
        self._handler = self._on_signal   # (one object: signal.getsignal() gives it back)
        hostsig_clear()   # (a fork's child: they were its parent's)
        self._old_wakeup = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        self.chosen: dict[int, int] = {}   # signal -> what follow() made the host's
        threading.Thread(target=self._wake, daemon=True, name="vm_engine-linux-signals").start()

    def follow(self, sig: int, handler: int) -> None:
        """The host's disposition of `sig` made the guest's new one (its handler
        address, SIG_DFL, SIG_IGN or HELD: queued for the guest, whose kernel
        takes the default action when the signal is no longer blocked), by
        Kernel.host_dispositions. In a process not made for the guest, a
        signal the guest leaves at its default is left as the process has it
        (or given back what it had: a handler set in C cannot be, its place
        takes the default action)."""
        if sig not in PASSED or self.chosen.get(sig, _UNTOUCHED) == handler:
            return
        self.chosen[sig] = handler
        if handler == SIG_DFL and not self.own:
            before = self.before.pop(sig, _UNTOUCHED)
            if before is not _UNTOUCHED:
                signal.signal(sig, before if before is not None else signal.SIG_DFL)
            return
        if not self.own and sig not in self.before:
            self.before[sig] = signal.getsignal(sig)
        signal.signal(sig, signal.SIG_IGN if handler == SIG_IGN else
                      signal.SIG_DFL if handler == SIG_DFL else self._handler)
        hostsig_wrap(sig)

    def take(self) -> list[tuple[int, bytes]]:
        """The signals come since the last take, in the order they came, with
        their siginfo."""
        taken = []
        while self.queued:
            taken.append(self.queued.pop(0))
        return taken

    def _from_pipe(self) -> bool:
        """Queues the signals in the wakeup pipe that the guest handles: False
        when the pipe is closed (released)."""
        if self._released:
            return False
        try:
            data = os.read(self._read, 256)
        except BlockingIOError:   # (the other reader took them)
            return True
        except OSError:
            return False
        self.queued += [(sig, guest_siginfo(sig, self._guest_fd)) for sig in data
                        if sig in PASSED and signal.getsignal(sig) is self._handler]
        return bool(data)

    def _guest_fd(self, host_fd: int):
        """The guest's descriptor of host descriptor `host_fd` (which a signal of
        signal-driven I/O names), or None."""
        for fd, (f, _) in list(self.kernel.fds.items()):
            if getattr(f, "host_fd", None) == host_fd:
                return fd
        return None

    def _on_signal(self, signum, frame) -> None:
        """The Python handler of a signal the guest handles (module docstring)."""
        self._from_pipe()
        if self.queued:   # (run between a run's blocks: Python's signal check)
            self.kernel.cpu.request_stop()

    def _wake(self) -> None:
        """Reads the wakeup pipe: each signal the guest handles is queued, and
        the cpu asked to stop until the kernel has taken them."""
        while True:
            try:
                select.select([self._read], [], [])
            except (OSError, ValueError):
                return
            if not self._from_pipe():   # (released)
                os.close(self._read)
                return
            while self.queued:
                self.kernel.cpu.request_stop()
                time.sleep(_RETRY)

    def release(self) -> None:
        """The process's handlers and wakeup pipe as they were before (the guest is done)."""
        for sig in list(self.before):
            self.follow(sig, SIG_DFL)
        signal.set_wakeup_fd(self._old_wakeup)
        self._released = True
        os.close(self._write)   # (its thread reads the end of the pipe and ends)

    def forked(self, kernel) -> "HostSignals":
        """In a fork's child: this one's pipe closed (its thread is the parent's),
        and one of the child's own (a process made for the guest)."""
        self._released = True   # (its handler may run until the new one's replace it)
        for fd in (self._read, self._write):
            os.close(fd)
        return HostSignals(kernel, own=True)
