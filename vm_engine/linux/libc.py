"""Calls of the host's C library that Python's os module lacks (timerfd before
Python 3.13, sockets with raw addresses and messages, statfs, futex), through ctypes:
riscv64's structures for them are x86-64's byte for byte, so raw buffers pass."""
from __future__ import annotations

import ctypes
import os

_RESTYPES = {"sendto": ctypes.c_ssize_t, "recvfrom": ctypes.c_ssize_t,
             "sendmsg": ctypes.c_ssize_t, "recvmsg": ctypes.c_ssize_t, "syscall": ctypes.c_long,
             "tee": ctypes.c_ssize_t, "readahead": ctypes.c_ssize_t, "msgrcv": ctypes.c_ssize_t,
             "mq_timedreceive": ctypes.c_ssize_t,
             "shmat": ctypes.c_ssize_t}   # ((void *)-1 on failure: below 0 as an ssize_t)
_libc = None


def call(name: str, *args) -> int:
    """libc's `name`(*args): its result, or OSError with its errno."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    fn = getattr(_libc, name)
    fn.restype = _RESTYPES.get(name, ctypes.c_int)
    ret = fn(*args)
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return ret


def buffer(data: bytes | int) -> ctypes.Array:
    """A C buffer holding `data` (or that many zero bytes)."""
    return ctypes.create_string_buffer(data) if isinstance(data, int) else \
        ctypes.create_string_buffer(data, len(data))
