"""Detects concurrent use of an object that must run in one thread at a time.

``claim(obj, what)`` marks ``obj`` as running in the calling thread and raises
ConcurrentUseError if another thread has it; ``release(obj)`` undoes one
claim. The same thread may claim an object again while it holds it (nested
use from a callback that thread runs, e.g. Machine.run -> cpu.run): claims
count, and the object is free when every claim is released.

The check-and-set is one ``dict.setdefault`` call, atomic under the GIL, so
two threads can never both believe they own an object. Objects are keyed by
id(); the caller keeps a claimed object alive until it releases it.
"""
from __future__ import annotations

import threading

from .errors import ConcurrentUseError

_owners: dict[int, list] = {}   # id(obj) -> [owning thread, claim count]


def claim(obj, what: str, advice: str = "use one instance per thread") -> None:
    """Claims ``obj`` for the calling thread. The error says "this {what} is
    already running in thread NAME; {advice}"."""
    me = threading.current_thread()
    entry = _owners.setdefault(id(obj), [me, 0])
    if entry[0] is not me:
        raise ConcurrentUseError(f"this {what} is already running in thread "
                                 f"{entry[0].name!r}; {advice}")
    entry[1] += 1


def release(obj) -> None:
    """Undoes the calling thread's latest claim of ``obj``."""
    key = id(obj)
    entry = _owners[key]
    entry[1] -= 1
    if not entry[1]:
        del _owners[key]


class owned:
    """``with owned(obj, what[, advice]):`` claims ``obj`` for the block."""

    __slots__ = ("obj",)

    def __init__(self, obj, what: str, advice: str = "use one instance per thread"):
        claim(obj, what, advice)
        self.obj = obj

    def __enter__(self):
        return self.obj

    def __exit__(self, *exc) -> None:
        release(self.obj)
