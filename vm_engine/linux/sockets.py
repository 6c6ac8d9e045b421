"""Sockets: the host's, behind the guest's descriptors (as qemu-user has them).

Every family the host has works (AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, ...):
riscv64's socket structures and constants are x86-64's (asm-generic, LP64), so
addresses and option values pass as raw bytes. What is translated: a relative
AF_UNIX path (against the guest's working directory, which is not the host
process's), message headers (their pointers are guest addresses) and the
descriptors SCM_RIGHTS passes.
"""
from __future__ import annotations

import ctypes
import errno as E
import os
import select
import socket
import stat
import struct

from . import libc
from .syscalls import IOV_MAX, O_CLOEXEC, O_NONBLOCK, O_RDWR, Errno, HostFile

AF_UNIX = 1
SOCK_NONBLOCK, SOCK_CLOEXEC = O_NONBLOCK, O_CLOEXEC
MSG_DONTWAIT, MSG_NOSIGNAL, MSG_CMSG_CLOEXEC = 0x40, 0x4000, 0x40000000
SOL_SOCKET, SCM_RIGHTS = 1, 1
SOCKADDR_MAX = 128   # sizeof(struct sockaddr_storage)
#: the most control data one receive takes (SCM_RIGHTS's 253 descriptors are 1 KiB)
CONTROL_MAX = 1 << 16
#: the most one receive takes (a host buffer that size is made for it): a stream
#: returns the rest in the next, and no datagram is that long
RECEIVE_MAX = 4 << 20
#: struct msghdr: name, namelen, iov, iovlen, control, controllen, flags
MSGHDR = struct.Struct("<Qi4xQQQQi4x")
#: sendmsg's control data that Linux takes on its stack (a cmsghdr and 20 bytes):
#: a longer one is allocated, at most the socket's optmem_max (_optmem_max)
CONTROL_ON_STACK = 16 + 20
_INT_MAX = (1 << 31) - 1
CMSGHDR = struct.Struct("<QiI")   # cmsg_len, cmsg_level, cmsg_type
_INT = struct.Struct("<i")


def socket_file(host_fd: int, flags: int) -> HostFile:
    """The guest's file for a host socket."""
    return HostFile(host_fd, O_RDWR | (flags & O_NONBLOCK),
                    f"socket:[{os.fstat(host_fd).st_ino}]")


def host_address(kernel, raw: bytes) -> bytes:
    """A guest socket address for the host: a relative AF_UNIX path made
    absolute from the guest's working directory (abstract ones, starting
    with a NUL, are names, not paths)."""
    if len(raw) > 2 and struct.unpack_from("<H", raw)[0] == AF_UNIX and raw[2] not in (0, 47):
        path = raw[2:].split(b"\0", 1)[0]
        raw = raw[:2] + os.fsencode(os.path.join(kernel.getcwd(), os.fsdecode(path))) + b"\0"
    return raw


def _c_msghdr(name, iov, control, flags=0) -> ctypes.Array:
    """A host struct msghdr over ctypes buffers (each None or a buffer)."""
    iovec = struct.pack("<QQ", ctypes.addressof(iov), len(iov))
    iov_buf = libc.buffer(iovec)
    hdr = libc.buffer(MSGHDR.pack(
        ctypes.addressof(name) if name is not None else 0, len(name) if name is not None else 0,
        ctypes.addressof(iov_buf), 1,
        ctypes.addressof(control) if control is not None else 0,
        len(control) if control is not None else 0, flags))
    # (the buffers alive as long as the header is: a caller's temporary would be
    # freed before the call, and the allocator writes into freed memory: the
    # first bytes of a message sent became a pointer, and a netlink request so
    # went unanswered)
    hdr._keep = (iov_buf, name, iov, control)
    return hdr


def _header(kernel, msg: int, sending: bool) -> tuple:
    """The guest struct msghdr at `msg` as Linux's __copy_msghdr takes it:
    (name, namelen, the name's bytes if `sending`, iov, iovlen, control,
    controllen). A negative msg_namelen (an int) is EINVAL, a longer one than
    a struct sockaddr_storage is as long as that, both unless msg_name is
    NULL (then it is 0); more than IOV_MAX iovecs (a size_t) is EMSGSIZE."""
    name, namelen, iov, iovlen, control, controllen, _ = MSGHDR.unpack(
        kernel.read_mem(msg, MSGHDR.size))
    namelen = min(namelen, SOCKADDR_MAX) if name else 0
    if namelen < 0:
        raise Errno(E.EINVAL)
    raw = kernel.read_mem(name, namelen) if sending and namelen else None
    if iovlen > IOV_MAX:
        raise Errno(E.EMSGSIZE)
    return name, namelen, raw, iov, iovlen, control, controllen


def _optmem_max() -> int:
    """The most option memory a socket has (net.core.optmem_max: the host's,
    else Linux's default since 6.9)."""
    try:
        with open("/proc/sys/net/core/optmem_max", "rb") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 128 << 10


def _cmsgs(data: bytes):
    """(level, type, payload) of each control message in `data`."""
    at = 0
    while at + CMSGHDR.size <= len(data):
        length, level, kind = CMSGHDR.unpack_from(data, at)
        if length < CMSGHDR.size or at + length > len(data):
            break
        yield level, kind, data[at + CMSGHDR.size:at + length]
        at += (length + 7) & ~7


def _cmsg(level: int, kind: int, payload: bytes) -> bytes:
    msg = CMSGHDR.pack(CMSGHDR.size + len(payload), level, kind) + payload
    return msg.ljust((len(msg) + 7) & ~7, b"\0")


def message_data(kernel, msg: int):
    """The data of the guest struct msghdr at `msg`, if it has no control data
    (else None), its header's errors as send_message's."""
    _, _, _, iov, iovlen, _, controllen = _header(kernel, msg, True)
    vecs = kernel._iovecs(iov, iovlen)
    return None if controllen else b"".join(kernel.read_mem(base, n) for base, n in vecs)


def send_message(kernel, f, msg: int, flags: int, data: bytes | None = None) -> int:
    """sendmsg(2) of the guest struct msghdr at `msg` on host socket `f` (`data`:
    that in place of its own, message_data's part), its errors in Linux's order
    (____sys_sendmsg): the header's (_header), the iovecs', then a
    msg_controllen over INT_MAX, or over what the socket may allocate, is
    ENOBUFS, before the control data or the data is read."""
    _, _, raw_name, iov, iovlen, control, controllen = _header(kernel, msg, True)
    vecs = kernel._iovecs(iov, iovlen)
    if controllen > _INT_MAX or (controllen > CONTROL_ON_STACK and
                                 controllen >= _optmem_max()):
        raise Errno(E.ENOBUFS)
    c_name = libc.buffer(host_address(kernel, raw_name)) if raw_name is not None else None
    c_control = None
    if controllen:   # (from msg_control NULL too: EFAULT, as Linux's copy_from_user)
        out = b""
        for level, kind, payload in _cmsgs(kernel.read_mem(control, controllen)):
            if level == SOL_SOCKET and kind == SCM_RIGHTS:   # guest fds -> host fds
                fds = [v for (v,) in _INT.iter_unpack(payload[:len(payload) & ~3])]
                payload = b"".join(_INT.pack(kernel.host_fd(fd)) for fd in fds)
            out += _cmsg(level, kind, payload)
        c_control = libc.buffer(out)
    if data is None:
        data = b"".join(kernel.read_mem(base, n) for base, n in vecs)
    return libc.call("sendmsg", f.host_fd, _c_msghdr(c_name, libc.buffer(data), c_control),
                     flags)


def receive_message(kernel, f, msg: int, flags: int) -> int:
    """recvmsg(2) into the guest struct msghdr at `msg` from host socket `f`;
    descriptors that come with SCM_RIGHTS become guest descriptors."""
    name, namelen, _, iov, iovlen, control, controllen = _header(kernel, msg, False)
    vecs = kernel._iovecs(iov, iovlen)
    for base, n in vecs:
        kernel.check_writable(base, n)
    c_data = libc.buffer(min(sum(n for _, n in vecs), RECEIVE_MAX))
    c_name = libc.buffer(namelen) if name else None   # (its length the host writes, as Linux)
    # (the guest's control length can be anything: no more control data comes)
    c_control = libc.buffer(min(controllen, CONTROL_MAX)) if control and controllen else None
    hdr = _c_msghdr(c_name, c_data, c_control)
    got = libc.call("recvmsg", f.host_fd, hdr, flags)
    _, h_namelen, _, _, _, h_controllen, h_flags = MSGHDR.unpack(hdr.raw)
    data, at = c_data.raw[:got], 0
    for base, n in vecs:
        if at >= got:
            break
        kernel.write_mem(base, data[at:at + n])
        at += n
    out = b""
    if c_control is not None:
        for level, kind, payload in _cmsgs(c_control.raw[:h_controllen]):
            if level == SOL_SOCKET and kind == SCM_RIGHTS:   # host fds -> guest fds
                payload = b"".join(
                    _INT.pack(kernel.install(socket_file(fd, 0) if _is_socket(fd)
                                             else HostFile(fd), bool(flags & MSG_CMSG_CLOEXEC)))
                    for (fd,) in _INT.iter_unpack(payload))
            out += _cmsg(level, kind, payload)
        kernel.write_mem(control, out[:controllen])
    if c_name is not None:   # (msg_namelen is left as it is without a msg_name)
        kernel.write_mem(name, c_name.raw[:min(h_namelen, namelen)])
        kernel.write_mem(msg + 8, struct.pack("<i", h_namelen))
    kernel.write_mem(msg + 40, struct.pack("<Q", len(out)))
    kernel.write_mem(msg + 48, struct.pack("<i", h_flags))
    return got


def socket_timeout(host_fd: int, events: int) -> float | None:
    """How long a call on host socket `host_fd` that would wait may wait before
    it fails with EAGAIN, in seconds: its SO_RCVTIMEO for a read (`events`
    POLLIN), else its SO_SNDTIMEO (which the guest's setsockopt set on it);
    None for as long as it takes (none set, or not a socket)."""
    value, size = libc.buffer(16), libc.buffer(_INT.pack(16))
    name = socket.SO_RCVTIMEO if events & select.POLLIN else socket.SO_SNDTIMEO
    try:
        libc.call("getsockopt", host_fd, socket.SOL_SOCKET, name, value, size)
    except OSError:
        return None
    seconds, micro = struct.unpack("<qq", value.raw)  # (struct timeval)
    return seconds + micro / 1e6 or None


def _is_socket(fd: int) -> bool:
    return stat.S_ISSOCK(os.fstat(fd).st_mode)
