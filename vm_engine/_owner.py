"""Detects concurrent use of an object that must run in one thread at a time.

``claim(obj)`` marks ``obj`` as running in the calling thread and raises
ConcurrentUseError if another thread has it; ``release(obj)`` undoes one
claim. The same thread may claim an object again while it holds it (nested
use from a callback that thread runs, e.g. Machine.run -> cpu.run): claims
count, and the object is free when every claim is released.

The check-and-set is one ``dict.setdefault`` call, atomic under the GIL, so
two threads can never both believe they own an object. Objects are keyed by
id(); the caller keeps a claimed object alive until it releases it. The
error message is only built when there is an error: a claim costs a few
hundred nanoseconds.
"""
from __future__ import annotations

import threading

from .errors import ConcurrentUseError

RUNNING = ("this {type} is already running in thread {thread!r}; use one instance per "
           "thread (or wait until it returns)")

_owners: dict[int, list] = {}   # id(obj) -> [owning thread's ident, claim count]
_get_ident = threading.get_ident


def claim(obj, message: str = RUNNING) -> None:
    """Claims ``obj`` for the calling thread, or raises ConcurrentUseError with
    ``message`` formatted with {type} (obj's type name) and {thread} (the
    owning thread's name)."""
    me = _get_ident()
    entry = _owners.setdefault(id(obj), [me, 0])
    if entry[0] != me:
        names = {t.ident: t.name for t in threading.enumerate()}
        raise ConcurrentUseError(message.format(type=type(obj).__name__,
                                                thread=names.get(entry[0], entry[0])))
    entry[1] += 1


def release(obj) -> None:
    """Undoes the calling thread's latest claim of ``obj``."""
    key = id(obj)
    entry = _owners[key]
    entry[1] -= 1
    if not entry[1]:
        del _owners[key]
