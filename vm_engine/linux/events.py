"""The files a guest waits for events with: epoll, eventfd, timerfd, signalfd.

eventfd and timerfd are the host's own (a host descriptor behind the guest's:
reads, writes, blocking and polling are Linux's). An epoll instance is a host
epoll for its members that have a host descriptor (pipes, sockets, eventfds,
timerfds, other epolls), so that edge-triggered and one-shot members behave
exactly as Linux's; members without one (a signalfd, an in-memory stdin or
stdout) are polled here, their EPOLLET and EPOLLONESHOT emulated. A signalfd
reads the process's pending signals (those in its mask) as signalfd_siginfo.
"""
from __future__ import annotations

import errno as E
import os
import select
import struct

from . import libc
from .syscalls import (O_NONBLOCK, O_RDWR, SI_TIMER, SIGCHLD, Errno, GuestFile, HostFile,
                       _synthetic_stat)

EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD = 1, 2, 3
EPOLLERR, EPOLLHUP = 0x008, 0x010
EPOLLEXCLUSIVE, EPOLLONESHOT, EPOLLET = 1 << 28, 1 << 30, 1 << 31
#: struct epoll_event on riscv64: u32 events, (padding), u64 data (packed only on x86-64)
EPOLL_EVENT = struct.Struct("<I4xQ")
EP_MAX_EVENTS = 0x7FFFFFFF // EPOLL_EVENT.size
EFD_SEMAPHORE = 1
SIGNALFD_SIGINFO_SIZE = 128
_ANON_INODE_MODE = 0o600   # (anon_inode files: no type bits)


class _Member:
    """One (fd, file) an epoll instance watches."""

    __slots__ = ("file", "events", "data", "host", "own_host", "fired")

    def __init__(self, file, events: int, data: int):
        self.file, self.events, self.data = file, events, data
        self.host = None       # the host descriptor registered in the host epoll, if any
        self.own_host = False  # (a dup of the file's, when that was registered already)
        self.fired = False     # (emulated members: reported and not since seen unready)


class AnonHostFile(HostFile):
    """A host descriptor that is no file in a file system (anon_inode:[...])."""

    def stat(self):
        return _synthetic_stat(_ANON_INODE_MODE)


class EpollFile(AnonHostFile):
    """An epoll instance (epoll_create1)."""

    def __init__(self):
        self.epoll = select.epoll()
        super().__init__(self.epoll.fileno(), O_RDWR, "anon_inode:[eventpoll]", owned=False)
        self.members: dict[tuple, _Member] = {}   # (guest fd, file) -> member
        self.by_host: dict[int, _Member] = {}     # registered host descriptor -> member

    def ctl(self, op: int, fd: int, file: GuestFile, events: int, data: int) -> None:
        """epoll_ctl's ADD, MOD and DEL of guest `fd` (open as `file`)."""
        self._forget_closed()
        key = (fd, file)
        m = self.members.get(key)
        if op == EPOLL_CTL_ADD:
            if m is not None:
                raise Errno(E.EEXIST)
            if isinstance(file, EpollFile) and file.watches(self):
                raise Errno(E.ELOOP)
            m = _Member(file, events, data)
            if file.host_fd is not None:
                self._register(m, file.host_fd)
            self.members[key] = m
        elif m is None:
            raise Errno(E.ENOENT) if op in (EPOLL_CTL_MOD, EPOLL_CTL_DEL) else Errno(E.EINVAL)
        elif op == EPOLL_CTL_MOD:
            if m.host is not None:
                self.epoll.modify(m.host, events)
            m.events, m.data, m.fired = events, data, False
        elif op == EPOLL_CTL_DEL:
            self._drop(key, unregister=True)
        else:
            raise Errno(E.EINVAL)

    def _register(self, m: _Member, host_fd: int) -> None:
        try:
            self.epoll.register(host_fd, m.events)
        except FileExistsError:   # (the same file under another guest fd: a dup of it)
            host_fd = os.dup(host_fd)
            try:
                self.epoll.register(host_fd, m.events)
            except OSError:
                os.close(host_fd)
                raise
            m.own_host = True
        m.host = host_fd
        self.by_host[host_fd] = m

    def _drop(self, key, unregister: bool = False) -> None:
        """Forgets a member; `unregister`: takes it out of the host instance too
        (EPOLL_CTL_DEL). Else the host does that when the member's host file is
        closed by every process: a forked child shares the instance, so its
        closing of a member or of the epoll must leave the parent's members be
        (Python's forkserver child closes its parent's selector); and while
        another process holds the file, its events still come, with the
        member's data, as Linux's do (by_host keeps it for them)."""
        m = self.members.pop(key)
        if m.host is None or self.by_host.get(m.host) is not m:
            return
        if unregister:
            del self.by_host[m.host]
            try:
                self.epoll.unregister(m.host)
            except OSError:
                pass
        if m.own_host:
            os.close(m.host)

    def _forget_closed(self) -> None:
        """Linux drops a member when its file is closed (by every descriptor;
        its host descriptor is closed already)."""
        for key in [k for k, m in self.members.items() if m.file.refs == 0]:
            self._drop(key)

    def watches(self, other: "EpollFile") -> bool:
        """Whether `other` is this instance or among those it watches (nested)."""
        return other is self or any(isinstance(m.file, EpollFile) and m.file.watches(other)
                                    for m in self.members.values())

    def _emulated(self, m: _Member) -> int:
        """An emulated member's ready events, or 0."""
        if not m.events & ~(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE) & 0xFFFF:
            return 0    # (EPOLLONESHOT fired: disabled until MOD)
        ready = m.file.poll((m.events & 0xFFFF) | EPOLLERR | EPOLLHUP)
        if not ready:
            m.fired = False
        return 0 if m.events & EPOLLET and m.fired else ready

    def collect(self, limit: int) -> list:
        """Up to `limit` ready (events, data): epoll_wait's, without waiting."""
        self._forget_closed()
        out = []
        for host, events in self.epoll.poll(0, limit):
            m = self.by_host.get(host)
            if m is not None:
                out.append((events, m.data))
        for m in self.members.values():
            if len(out) >= limit:
                break
            if m.host is None:
                ready = self._emulated(m)
                if ready:
                    out.append((ready, m.data))
                    m.fired = True
                    if m.events & EPOLLONESHOT:
                        m.events &= EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE
        return out

    def poll(self, events):
        """Readable when an epoll_wait would return events (none is taken)."""
        if not events & select.POLLIN:
            return 0
        self._forget_closed()
        if super().poll(select.POLLIN) or any(m.host is None and self._emulated(m)
                                               for m in self.members.values()):
            return select.POLLIN
        return 0

    def release(self):
        for key in list(self.members):
            self._drop(key)
        self.epoll.close()


def eventfd(initval: int, flags: int) -> AnonHostFile:
    """An eventfd2: the host's (EFD_CLOEXEC is the guest fd table's business)."""
    host = os.EFD_CLOEXEC | (os.EFD_NONBLOCK if flags & O_NONBLOCK else 0) \
        | (os.EFD_SEMAPHORE if flags & EFD_SEMAPHORE else 0)
    return AnonHostFile(os.eventfd(initval, host), O_RDWR | (flags & O_NONBLOCK),
                        "anon_inode:[eventfd]")


def timerfd_settime(host_fd: int, flags: int, spec: bytes) -> bytes:
    """The host's timerfd_settime (Python has it only from 3.13): the old itimerspec."""
    new, old = libc.buffer(spec), libc.buffer(32)
    libc.call("timerfd_settime", host_fd, flags, new, old)
    return old.raw


def timerfd_gettime(host_fd: int) -> bytes:
    cur = libc.buffer(32)
    libc.call("timerfd_gettime", host_fd, cur)
    return cur.raw


class TimerFile(AnonHostFile):
    """A timerfd: the host's."""

    def __init__(self, clock: int, flags: int):
        host = libc.call("timerfd_create", clock,
                         os.O_CLOEXEC | (os.O_NONBLOCK if flags & O_NONBLOCK else 0))
        super().__init__(host, O_RDWR | (flags & O_NONBLOCK), "anon_inode:[timerfd]")


def signalfd_siginfo(info: bytes) -> bytes:
    """The struct signalfd_siginfo of a siginfo_t: the fields of its kind, as
    Linux's signalfd_copyinfo takes them (a timer's, a child's, a sender's)."""
    signo, code, a, b = struct.unpack_from("<i4xi4xiI", info)
    value = struct.unpack_from("<Q", info, 24)[0]
    pid = uid = tid = overrun = status = ptr = 0
    if code == SI_TIMER:
        tid, overrun, ptr = a, b, value
    elif signo == SIGCHLD and code > 0:   # (CLD_EXITED...: si_status)
        pid, uid, status = a, b, struct.unpack_from("<i", info, 24)[0]
    else:   # (kill's, the kernel's; sigqueue's, tgkill's with their value)
        pid, uid, ptr = a, b, value if code < 0 else 0
    return struct.pack("<IiiIIiIIIIiIQ", signo, 0, code, pid, uid, 0, tid, 0, overrun, 0,
                       status, ptr & 0xFFFFFFFF, ptr).ljust(SIGNALFD_SIGINFO_SIZE, b"\0")


class SignalFile(GuestFile):
    """A signalfd: reading takes the process's pending signals in its mask
    (which the guest has normally blocked) as signalfd_siginfo records."""

    waits_in_kernel = True   # (a blocking read waits for a signal: the kernel's wait)

    def __init__(self, kernel, mask: int, flags: int):
        super().__init__(O_RDWR | (flags & O_NONBLOCK), "anon_inode:[signalfd]")
        self.kernel = kernel
        self.mask = mask

    def stat(self):
        return _synthetic_stat(_ANON_INODE_MODE)

    def poll(self, events):
        self.kernel.look_for_signals()
        return events & select.POLLIN if self.kernel.pending_for() & self.mask else 0

    def read(self, n):
        if n < SIGNALFD_SIGINFO_SIZE:
            raise Errno(E.EINVAL)
        out = b""
        while len(out) + SIGNALFD_SIGINFO_SIZE <= n:
            sig = self.kernel.take_signal(self.mask)
            if sig is None:
                break
            out += signalfd_siginfo(self.kernel._siginfo(*sig))
        if not out:
            raise Errno(E.EAGAIN)
        return out
