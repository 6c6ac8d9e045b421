"""The guest process's address space: which pages are mapped, with which
permissions and what for, on top of a FlatMMU.

The FlatMMU knows page permissions only; the Linux layer needs more (free-range
search for mmap, partial munmap/mprotect, brk, /proc/self/maps), so it keeps its
own list of areas ("VMAs") and drives the MMU from it.
"""
from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, replace

PAGE_SIZE = 0x1000
PAGE_MASK = PAGE_SIZE - 1

PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4   # same bits as FlatMMU perms (r=1 w=2 x=4)


def page_down(x: int) -> int:
    return x & ~PAGE_MASK


def page_up(x: int) -> int:
    return (x + PAGE_MASK) & ~PAGE_MASK


def perm_str(prot: int) -> str:
    return ("r" if prot & 1 else "-") + ("w" if prot & 2 else "-") + ("x" if prot & 4 else "-")


class SharedFile:
    """The file a MAP_SHARED mapping writes back to (where Linux's page cache
    would take the writes at once): its own host fd, and the bytes it had when
    mapped, from file offset `base`, so that only pages the guest changed are
    written (others' changes to the rest stay)."""

    def __init__(self, fd: int, base: int, data: bytes, size: int):
        self.fd = os.dup(fd)
        self.base = base
        self.seen = bytearray(data) + bytes(max(0, size - len(data)))

    def __del__(self):
        try:
            os.close(self.fd)
        except OSError:
            pass

    def write_back(self, mmu, addr: int, offset: int, size: int) -> None:
        """Guest bytes [addr, addr+size), mapped from file `offset`, written to
        the file where they changed, page by page, within its size (as Linux:
        a mapping does not make the file longer). A write that fails (a full
        disk) is lost, as Linux's write-back of a page would be."""
        try:
            size = min(size, os.fstat(self.fd).st_size - offset)
            if size <= 0:
                return
            i = offset - self.base
            now = mmu.mem_read(addr, size)
            if now == self.seen[i:i + size]:
                return
            for k in range(0, size, PAGE_SIZE):
                page = now[k:k + PAGE_SIZE]
                if page != self.seen[i + k:i + k + len(page)]:
                    os.pwrite(self.fd, page, offset + k)
                    self.seen[i + k:i + k + len(page)] = page
        except OSError:
            pass


class LiveShare:
    """A MAP_SHARED mapping the host maps itself (FlatMMU.mem_share): its pages
    are the file's (or, anonymous, a memfd's that a fork's child shares), so
    nothing is written back. `file`: the file's (st_dev, st_ino), None for
    anonymous memory."""

    def __init__(self, file: tuple | None = None):
        self.file = file

    def write_back(self, mmu, addr: int, offset: int, size: int) -> None:
        pass


class ShmAttachment(LiveShare):
    """An attachment of System V segment `shmid` (shmat's; FlatMMU.mem_attach:
    its pages are the host segment's), `size` bytes long; its areas' offsets
    are into the segment. One object per shmat: the areas of one attachment
    (what munmap and mprotect leave of it) are those holding it."""

    def __init__(self, shmid: int, size: int, readonly: bool):
        super().__init__()
        self.shmid = shmid
        self.size = size
        self.readonly = readonly


@dataclass
class Vma:
    start: int
    end: int            # exclusive, page-aligned
    prot: int           # PROT_* bits
    name: str = ""      # "[stack]", "[heap]", a file path, or "" (anonymous)
    offset: int = 0     # file offset of `start` for file mappings (for /proc/self/maps)
    shared: SharedFile | LiveShare | None = None  # a MAP_SHARED mapping's file

    def piece(self, lo: int, hi: int, **changes) -> "Vma":
        """Its part [lo, hi), with `changes`."""
        return replace(self, start=lo, end=hi, offset=self.offset + (lo - self.start), **changes)

    def write_back(self, mmu, lo: int, hi: int) -> None:
        """Its part [lo, hi) to its file, if it is a shared file mapping."""
        if self.shared is not None:
            self.shared.write_back(mmu, lo, self.offset + (lo - self.start), hi - lo)

    def __repr__(self) -> str:
        return f"Vma({self.start:#x}-{self.end:#x} {perm_str(self.prot)} {self.name!r})"


class Layout:
    """Where things go in a guest address space of ``size`` bytes (default 256 GiB),
    modelled on Linux's riscv64 layout scaled to the space: the stack at the
    top, mmap() areas growing down below it, PIE programs at 2/3 of the space
    (ELF_ET_DYN_BASE), fixed-address programs where they ask to be."""

    STACK_SIZE = 8 << 20        # what RLIMIT_STACK reports; mapped up front
    STACK_GAP = 256 << 20       # between the stack's bottom and the mmap area

    def __init__(self, size: int):
        if size < (1 << 32):
            raise ValueError("a Linux guest needs an address space of at least 4 GiB")
        self.size = size
        self.stack_top = size - 16 * PAGE_SIZE          # a few guard pages above it
        self.stack_bottom = self.stack_top - self.STACK_SIZE
        self.mmap_top = page_down(self.stack_bottom - self.STACK_GAP)
        self.mmap_min = 0x10000                         # vm.mmap_min_addr
        self.pie_base = page_down(size // 3 * 2)


class AddressSpace:
    """Mapped areas of the guest, kept sorted and non-overlapping, mirrored
    into ``mmu`` (a FlatMMU)."""

    def __init__(self, mmu, layout: Layout | None = None):
        self.mmu = mmu
        self.layout = layout or Layout(mmu.address_space)
        self.vmas: list[Vma] = []
        self._starts: list[int] = []
        self.brk_start = 0
        self.brk = 0
        self.vdso = 0  # where the vDSO is mapped (elf.map_vdso), if it is

    # -- queries -----------------------------------------------------------------
    def _overlapping(self, start: int, end: int) -> list[int]:
        """Indices of areas overlapping [start, end)."""
        i = bisect.bisect_right(self._starts, start) - 1
        if i < 0 or self.vmas[i].end <= start:
            i += 1
        out = []
        while i < len(self.vmas) and self.vmas[i].start < end:
            out.append(i)
            i += 1
        return out

    def find(self, addr: int) -> Vma | None:
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0 and addr < self.vmas[i].end:
            return self.vmas[i]
        return None

    def is_free(self, start: int, size: int) -> bool:
        end = start + size
        if start < 0 or end > self.layout.size or size <= 0:
            return False
        return not self._overlapping(start, end)

    def is_fully_mapped(self, start: int, size: int) -> bool:
        pos, end = start, start + size
        for i in self._overlapping(start, end):
            v = self.vmas[i]
            if v.start > pos:
                return False
            pos = v.end
        return pos >= end

    def check_access(self, addr: int, size: int, prot: int) -> bool:
        """Whether the guest may access [addr, addr+size) with ``prot``."""
        if size <= 0:
            return True
        pos, end = addr, addr + size
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0 and end <= self.vmas[i].end:   # (within one area: a system call's buffer)
            return self.vmas[i].prot & prot == prot
        for i in self._overlapping(addr, end):
            v = self.vmas[i]
            if v.start > pos or (v.prot & prot) != prot:
                return False
            pos = v.end
        return pos >= end

    def find_free(self, size: int, top: int | None = None, bottom: int | None = None) -> int | None:
        """The highest page-aligned start of a free range of ``size`` bytes
        between bottom and top (default: the mmap area)."""
        top = self.layout.mmap_top if top is None else top
        bottom = self.layout.mmap_min if bottom is None else bottom
        size = page_up(size)
        end = page_down(top)
        for v in reversed(self.vmas):
            if v.start >= end:
                continue
            if v.end <= end and end - max(v.end, bottom) >= size:
                return end - size
            end = v.start
            if end - bottom < size:
                return None
        return end - size if end - bottom >= size else None

    # -- changes -----------------------------------------------------------------
    def _insert(self, vma: Vma) -> None:
        i = bisect.bisect_left(self._starts, vma.start)
        self.vmas.insert(i, vma)
        self._starts.insert(i, vma.start)

    def _remove_at(self, i: int) -> Vma:
        del self._starts[i]
        return self.vmas.pop(i)

    def map(self, start: int, size: int, prot: int, name: str = "", offset: int = 0,
            replace: bool = False, shared: SharedFile | LiveShare | None = None) -> None:
        """Maps zeroed pages [start, start+size) (page-aligned). ``replace``:
        unmap whatever is there first (MAP_FIXED); otherwise it must be free.
        ``shared``: the file its changes go back to."""
        size = page_up(size)
        if replace:
            self.unmap(start, size)
        elif not self.is_free(start, size):
            raise ValueError(f"[{start:#x}, {start + size:#x}) is not free")
        self.mmu.mem_map(start, size, prot & 7)
        self._insert(Vma(start, start + size, prot & 7, name, offset, shared))

    def unmap(self, start: int, size: int) -> None:
        """Unmaps every mapped page in [start, start+size); holes are fine."""
        end = start + page_up(size)
        for i in reversed(self._overlapping(start, end)):
            v = self._remove_at(i)
            lo, hi = max(v.start, start), min(v.end, end)
            v.write_back(self.mmu, lo, hi)
            self.mmu.mem_unmap(lo, hi - lo)
            if v.start < lo:
                self._insert(v.piece(v.start, lo))
            if hi < v.end:
                self._insert(v.piece(hi, v.end))

    def file_shrunk(self, file: tuple, size: int) -> None:
        """File `file` ((st_dev, st_ino)) is now `size` bytes long: the pages of
        shared mappings of it past its end become plain zeroed memory (a host
        access there would fault; Linux would raise SIGBUS in the guest)."""
        end = page_up(size)
        for v in self.vmas:
            if isinstance(v.shared, LiveShare) and v.shared.file == file:
                lo = v.start + max(0, end - v.offset)
                if lo < v.end:
                    self.mmu.mem_unmap(lo, v.end - lo)
                    self.mmu.mem_map(lo, v.end - lo, v.prot)

    def attachment_at(self, addr: int) -> list[tuple[int, int]]:
        """The ranges shmdt(addr) detaches, found as Linux finds them: the first
        area from addr on that is part of an attachment and lies where it
        would if the attachment began at addr, then the other areas of that
        attachment lying so, within its size. ([]: none.)"""
        later = self.vmas[bisect.bisect_left(self._starts, addr):]
        at = [k for k, v in enumerate(later)
              if isinstance(v.shared, ShmAttachment) and v.start - addr == v.offset]
        if not at:
            return []
        att = later[at[0]].shared
        return [(later[k].start, later[k].end) for k in at if later[k].shared is att
                and later[k].end - addr <= page_up(att.size)]

    def detach_all(self) -> None:
        """Every System V attachment detached: the process's end, execve (the
        host's own end would, but a Machine's memory may outlive its program)."""
        for v in [v for v in self.vmas if isinstance(v.shared, ShmAttachment)]:
            self.unmap(v.start, v.end - v.start)

    def write_back(self, start: int = 0, end: int | None = None) -> None:
        """Shared file mappings' changes in [start, end) (all: every one) written
        to their files: msync, and the process's end or execve."""
        end = self.layout.size if end is None else end
        for i in self._overlapping(start, end):
            v = self.vmas[i]
            v.write_back(self.mmu, max(v.start, start), min(v.end, end))

    def protect(self, start: int, size: int, prot: int) -> None:
        """Changes the permissions of [start, start+size), which must be mapped."""
        end = start + page_up(size)
        for i in reversed(self._overlapping(start, end)):
            v = self._remove_at(i)
            lo, hi = max(v.start, start), min(v.end, end)
            self.mmu.mem_protect(lo, hi - lo, prot & 7)
            if v.start < lo:
                self._insert(v.piece(v.start, lo))
            self._insert(v.piece(lo, hi, prot=prot & 7))
            if hi < v.end:
                self._insert(v.piece(hi, v.end))
        self._merge()

    def _merge(self) -> None:
        out: list[Vma] = []
        for v in self.vmas:
            p = out[-1] if out else None
            if (p is not None and p.end == v.start and p.prot == v.prot and p.name == v.name
                    and p.shared is v.shared
                    and (not v.name or v.offset == p.offset + (p.end - p.start))):
                p.end = v.end
            else:
                out.append(v)
        self.vmas = out
        self._starts = [v.start for v in out]

    def add_prot(self, start: int, size: int, prot: int, name: str = "") -> None:
        """Maps [start, start+size) with at least ``prot``: pages already mapped
        (an ELF segment sharing a page with the previous one) get the union."""
        end = start + page_up(size)
        pos = start
        for i in self._overlapping(start, end):
            v = self.vmas[i]
            if v.start > pos:
                self.map(pos, v.start - pos, prot, name)
            pos = v.end
        if pos < end:
            self.map(pos, end - pos, prot, name)
        for i in self._overlapping(start, end):
            v = self.vmas[i]
            if v.prot | prot != v.prot:
                lo, hi = max(v.start, start), min(v.end, end)
                self.protect(lo, hi - lo, v.prot | prot)

    # -- brk -----------------------------------------------------------------------
    def set_brk_start(self, addr: int) -> None:
        self.brk_start = self.brk = page_up(addr)

    def set_brk(self, new: int) -> int:
        """The brk syscall: returns the (possibly unchanged) break."""
        if new < self.brk_start:
            return self.brk
        old_top, new_top = page_up(self.brk), page_up(new)
        if new_top > old_top:
            if new_top > self.layout.mmap_top or not self.is_free(old_top, new_top - old_top):
                return self.brk
            self.map(old_top, new_top - old_top, PROT_READ | PROT_WRITE, "[heap]")
            self._merge()
        elif new_top < old_top:
            self.unmap(new_top, old_top - new_top)
        self.brk = new
        return new

    # -- /proc/self/maps ------------------------------------------------------------
    def maps_text(self) -> str:
        lines = []
        for v in self.vmas:
            perms = perm_str(v.prot) + ("p" if v.shared is None else "s")
            name = v.name
            lines.append(f"{v.start:08x}-{v.end:08x} {perms} {v.offset if name and not name.startswith('[') else 0:08x} "
                         f"00:00 0" + (" " * 10 + name if name else ""))
        return "\n".join(lines) + "\n"
