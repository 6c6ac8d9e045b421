"""The MMU protocol: what a user-written guest memory must provide.

FlatMMU (the fast, native memory) satisfies it too. A user MMU runs through the
engine's slow path: every guest access becomes a Python call.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class MMU(Protocol):
    def mem_read(self, addr: int, size: int) -> bytes:
        """``size`` bytes at guest ``addr``; raise GuestMemoryError for a page fault."""

    def mem_write(self, addr: int, data: bytes) -> None:
        """Stores ``data`` at guest ``addr``; raise GuestMemoryError for a page fault."""
