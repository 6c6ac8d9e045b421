"""FlatMMU, MMIO regions, user-written MMU objects, and decoded-code invalidation."""

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from vm_engine import (AccessType, ExecStatus, ExecutionError, FaultKind, FlatMMU,
                       GuestMemoryError, IRBlock, MMU, assemble)
from vm_engine._core import DATA_WRITES
from harness import make_engine

CODE = 0x10000


def test_map_read_write_regions():
    m = FlatMMU()
    m.mem_map(0x1000, 0x3000, "rw")
    m.mem_map(0x8000, 0x1000, "rx")
    assert m.mem_read(0x1000, 16) == bytes(16), "fresh memory is zero"
    m.mem_write(0x1FFE, b"abcd")  # across a page boundary
    assert m.mem_read(0x1FFE, 4) == b"abcd"
    assert m.mem_regions() == [(0x1000, 0x4000, "rw-"), (0x8000, 0x9000, "r-x")]
    m.mem_protect(0x2000, 0x1000, "r")
    assert m.mem_regions() == [(0x1000, 0x2000, "rw-"), (0x2000, 0x3000, "r--"),
                               (0x3000, 0x4000, "rw-"), (0x8000, 0x9000, "r-x")]
    m.mem_unmap(0x1000, 0x1000)
    assert not m.is_mapped(0x1000) and m.is_mapped(0x2000)
    with pytest.raises(GuestMemoryError):
        m.mem_read(0x1FFE, 4)
    m.mem_map(0x1000, 0x1000)
    assert m.mem_read(0x1000, 8) == bytes(8), "unmap drops the contents"


def test_memory_holds_one_file_descriptor_until_it_goes():
    """Guest memory is a memfd mapped twice (base and view); its descriptor is
    kept (a forked child copies the memory from it) and closed with the memory."""
    import gc
    import os
    gc.collect()  # (memories of earlier tests go first)
    gc.disable()
    try:
        before = len(os.listdir("/proc/self/fd"))
        ms = [FlatMMU() for _ in range(50)]
        assert all(m.host_view for m in ms)
        assert len(os.listdir("/proc/self/fd")) == before + 50
        del ms
        assert len(os.listdir("/proc/self/fd")) == before
    finally:
        gc.enable()


@pytest.mark.parametrize("engine", ["interpreter", "jit-L2", "jit-bg"])
def test_release_gives_the_memory_back_at_once(engine):
    """FlatMMU.release(): the arena (and its descriptor), the page table and
    the code compiled from it go then, the compiler thread first; the memory
    is empty afterwards (accesses fault, maps are refused), no run can use it,
    and a second release() (or the object's end) does nothing more."""
    import gc
    import os
    if engine != "interpreter":   # (the JIT's stubs, made once a process, in a code file)
        warm = FlatMMU()
        warm.mem_map(CODE, 0x1000, "rwx")
        warm.mem_write(CODE, assemble("ebreak"))
        make_engine(engine, warm).run(pc=CODE)
        warm.release()
    gc.collect()
    gc.disable()
    try:
        fds = len(os.listdir("/proc/self/fd"))
        m = FlatMMU()
        cpu = make_engine(engine, m)
        m.mem_map(CODE, 0x1000, "rwx")
        m.mem_write(CODE, assemble("addi a0, zero, 5\nebreak"))
        assert cpu.run(pc=CODE).status is ExecStatus.Ebreak and cpu.reg_read("a0") == 5
        base = m.host_address(CODE) - CODE
        thread = m._jobs.thread if m._jobs is not None else None

        def mapped() -> bool:
            with open("/proc/self/maps") as f:
                spans = [[int(x, 16) for x in line.split()[0].split("-")] for line in f]
            return any(start <= base < end for start, end in spans)
        assert mapped() and not m.released
        m.release()
        assert m.released and not mapped() and m.address_space == 0
        assert len(os.listdir("/proc/self/fd")) == fds
        assert thread is None or not thread.is_alive()
        assert not m.is_mapped(CODE) and m.host_address(CODE) is None and m.mem_regions() == []
        with pytest.raises(GuestMemoryError):
            m.mem_read(CODE, 4)
        with pytest.raises(GuestMemoryError):
            m.mem_write(CODE, b"x")
        with pytest.raises(GuestMemoryError):
            m.load(CODE, 4)
        with pytest.raises(ValueError):
            m.mem_map(CODE, 0x1000, "rw")
        with pytest.raises(RuntimeError, match="released"):
            cpu.run(pc=CODE)
        m.release()
        del cpu, m
    finally:
        gc.enable()


def in_forked_child(body) -> bytes:
    """What body() returns (bytes), run in a forked child that reports it
    through a pipe and never returns into pytest."""
    import os
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.write(w, body())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        report = f.read()
    os.waitpid(pid, 0)
    return report


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no os.fork here")
@pytest.mark.parametrize("engine", ["interpreter", "jit-L2"])
def test_a_forked_child_has_a_copy_of_guest_memory_of_its_own(engine):
    """A fork server (a fuzzer's): after os.fork() the child sees the guest
    memory as it was, with the same permissions, and what either process
    writes there the other does not see (the memfd both views map is shared
    across fork: the child copies it)."""
    from harness import CODE, DATA, load
    code = assemble("sd a1, 0(a0)\nebreak", CODE)
    m, cpu = load(engine, code, b"parent" + bytes(2))
    m.mem_map(DATA + 0x10000, 0x1000, "r")

    def child():
        seen = m.mem_read(DATA, 8)
        cpu.reg_write("a0", DATA)
        cpu.reg_write("a1", int.from_bytes(b"child!\0\0", "little"))
        cpu.run(pc=CODE)  # (compiled code writes through the view)
        try:
            cpu.reg_write("a0", DATA + 0x10000)
            cpu.run(pc=CODE)
            read_only = "writable"
        except ExecutionError as e:
            read_only = e.fault.kind.name
        return seen + m.mem_read(DATA, 8) + read_only.encode()

    report = in_forked_child(child)
    assert report[:16] == b"parent\0\0child!\0\0"
    assert report[16:] == FaultKind.PageFault.name.encode()  # (the store to the "r" page)
    assert m.mem_read(DATA, 8) == b"parent\0\0"


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no os.fork here")
@pytest.mark.parametrize("engine", ["interpreter", "jit-L2", "jit-bg"])
def test_a_forked_child_runs_changes_and_releases_the_code_it_inherited(engine):
    """A fork's child leaves the decoded blocks it inherited to its parent's
    pages at release (vm_cache_forked) and frees its own: in the child and in
    a grandchild, code is run (blocks of both kinds), rewritten (blocks retired
    and decoded again) and the memory released; each reports what it ran, and
    the parent's code is as it was."""
    from harness import CODE, load
    first = assemble("addi a0, a0, 1\nebreak")
    m, cpu = load(engine, first + assemble("addi a0, a0, 2\nebreak"), perms="rwx")
    second = CODE + len(first)

    def run(pc):
        cpu.reg_write("a0", 0)
        cpu.run(pc=pc)
        return cpu.reg_read("a0")

    assert run(CODE) == 1   # (the parent's block)

    def grandchild():
        m.mem_write(CODE, assemble("addi a0, a0, 5"))   # (an inherited block retired)
        seen = [run(CODE), run(second)]
        m.release()
        return bytes(seen)

    def child():
        seen = [run(CODE), run(second)]   # (inherited, then its own)
        m.mem_write(second, assemble("addi a0, a0, 7"))   # (its own block retired)
        seen.append(run(second))
        below = in_forked_child(grandchild)
        seen.append(run(CODE))
        m.release()
        return bytes(seen) + below

    assert list(in_forked_child(child)) == [1, 2, 7, 1, 5, 7]
    assert run(CODE) == 1 and run(second) == 2


@pytest.mark.parametrize("engine", ["interpreter", "jit-L2"])
def test_mem_load_reads_a_file_into_memory_and_drops_code_there(engine, tmp_path):
    """FlatMMU.mem_load (a private file mapping's contents, read in the kernel):
    the file's bytes at an offset, fewer at its end with the memory past them
    left as it was, over read-only pages too; decoded code there goes; unmapped
    memory is a GuestMemoryError, a bad descriptor an OSError."""
    import os
    from harness import CODE, DATA, load
    m, cpu = load(engine, assemble("addi a0, zero, 1\nebreak"))
    cpu.run(pc=CODE)
    assert cpu.reg_read("a0") == 1
    path = tmp_path / "file"
    path.write_bytes(bytes(range(256)) * 64 + assemble("addi a0, zero, 9\nebreak"))
    fd = os.open(path, os.O_RDONLY)
    try:
        assert m.mem_load(CODE, fd, 0x4000, 8) == 8    # (an r-x page)
        cpu.run(pc=CODE)
        assert cpu.reg_read("a0") == 9
        m.mem_write(DATA, b"\xee" * 0x4000)
        assert m.mem_load(DATA + 1, fd, 0x100, 0x3F0F) == 0x3F08   # (up to the file's end)
        assert m.mem_read(DATA + 1, 0x3F08) == (bytes(range(256)) * 64)[0x100:] + \
            assemble("addi a0, zero, 9\nebreak")
        assert m.mem_read(DATA, 1) == b"\xee" and m.mem_read(DATA + 0x3F09, 7) == b"\xee" * 7
        assert m.mem_load(DATA, fd, 1 << 20, 16) == 0   # (past the end: nothing)
        with pytest.raises(GuestMemoryError):
            m.mem_load(DATA + 0x3000, fd, 0, 0x2000)    # (runs past the data area)
        # pages another file's (mem_share): read through a buffer into that file
        (tmp_path / "shared").write_bytes(bytes(0x1000))
        with open(tmp_path / "shared", "r+b") as shared:
            assert m.mem_share(DATA + 0x1000, 0x1000, shared.fileno())
            assert m.mem_load(DATA + 0x1800, fd, 0, 0x10) == 0x10
            assert shared.read()[0x800:0x810] == bytes(range(16))
    finally:
        os.close(fd)
    with pytest.raises(OSError):
        m.mem_load(DATA, fd, 0, 16)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no os.fork here")
@pytest.mark.parametrize("engine", ["interpreter", "jit-L2"])
def test_a_forked_child_keeps_every_pages_permissions(engine):
    """The child's walk over the address space putting protections back goes a
    chunk of 4096 pages at a time past chunks never mapped and eight pages at a
    time past the rest of a run (vm_mem.c: same_flags): runs across a chunk's
    edge, of 1, 7, 9 and 17 pages, read-only among writable, alone in a chunk,
    keep their permissions, and unmapped pages next to them stay unmapped."""
    import os
    from harness import CODE, load
    chunk = 4096 * 4096
    layout = [(chunk - 0x3000, 6, "rw"), (2 * chunk + 0x1000, 1, "r"), (2 * chunk + 0x3000, 7, "rw"),
              (2 * chunk + 0xB000, 9, "r"), (2 * chunk + 0x15000, 17, "rw"),
              (5 * chunk - 0x1000, 1, "rw"), (7 * chunk + 0x80000, 1, "r")]
    code = assemble("ld t0, 0(a0)\nsd a1, 0(a0)\nebreak", CODE)
    m, cpu = load(engine, code)
    for addr, pages, perms in layout:
        m.mem_map(addr, pages * 0x1000, perms)

    def outcome(addr):   # (a load, then a store, by the engine)
        cpu.reg_write("a0", addr)
        cpu.reg_write("a1", addr)
        try:
            cpu.run(pc=CODE)
            return "rw"
        except ExecutionError as e:
            return "r" if e.fault.access.value == "write" else "-"
    probes = [(a + k * 0x1000, perms) for a, n, perms in layout for k in (0, n - 1)] + \
        [(a - 0x1000, "-") for a, _, _ in layout if not any(
            b <= a - 0x1000 < b + n * 0x1000 for b, n, _ in layout)] + \
        [(a + n * 0x1000, "-") for a, n, _ in layout if not any(
            b <= a + n * 0x1000 < b + k * 0x1000 for b, k, _ in layout)]
    assert [outcome(a) for a, _ in probes] == [p for _, p in probes]   # (the parent's)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.write(w, " ".join(outcome(a) for a, _ in probes).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        report = f.read().decode().split()
    os.waitpid(pid, 0)
    assert report == [p for _, p in probes]


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no os.fork here")
@pytest.mark.parametrize("engine", ["interpreter", "jit-L2"])
def test_shared_pages_are_the_files_and_stay_shared_across_fork(engine, tmp_path):
    """FlatMMU.mem_share: pages that are a host file's (MAP_SHARED). Guest
    stores (interpreted, compiled through the view, atomic) are the file's at
    once, the file's changes the guest sees; a forked child shares them with
    its parent while its other memory is its own; unmapping part of them gives
    that part back to plain memory and leaves the file as it is."""
    import os
    from harness import CODE, DATA, load
    code = assemble("sd a1, 0(a0)\namoadd.d a2, a1, (a3)\nebreak", CODE)
    m, cpu = load(engine, code, b"private!")
    shared = DATA + 0x10000
    m.mem_map(shared, 0x3000, "rw")
    path = tmp_path / "data"
    path.write_bytes(bytes(0x3000))
    fd = os.open(path, os.O_RDWR)
    try:
        if not m.mem_share(shared, 0x3000, fd, 0):
            pytest.skip("this memory has no host view")
        m.mem_write(shared + 8, b"host")
        assert os.pread(fd, 4, 8) == b"host"
        os.pwrite(fd, b"file", 0x2000)
        assert m.mem_read(shared + 0x2000, 4) == b"file"
        pid = os.fork()
        if pid == 0:  # (writes its shared page and its own, then ends)
            try:
                cpu.reg_write("a0", shared + 0x1000)
                cpu.reg_write("a1", 5)
                cpu.reg_write("a3", shared + 0x1008)
                cpu.run(pc=CODE)
                m.mem_write(DATA, b"child's!")
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        assert m.mem_read(shared + 0x1000, 16) == (5).to_bytes(8, "little") * 2
        assert m.mem_read(DATA, 8) == b"private!"
        m.mem_unmap(shared + 0x1000, 0x1000)  # (the middle: two shared parts are left)
        m.mem_map(shared + 0x1000, 0x1000, "rw")
        assert m.mem_read(shared + 0x1000, 8) == bytes(8)
        m.mem_write(shared + 0x2008, b"last")
        assert os.pread(fd, 4, 0x2008) == b"last" and os.pread(fd, 8, 0x1000) == \
            (5).to_bytes(8, "little")
        m.mem_unmap(shared, 0x3000)
        assert os.pread(fd, 4, 8) == b"host"  # (unmapped: the file keeps its data)
    finally:
        os.close(fd)
    with pytest.raises(ValueError):
        m.mem_share(shared, 0x1000, 0, 0)  # (not mapped)


def _segment(size: int):
    """A new System V segment (IPC_PRIVATE), its id, and its attach count (a function)."""
    from vm_engine.linux import sysv_ipc
    shmid = sysv_ipc.shmget(0, size, 0o1000 | 0o600)   # (IPC_PRIVATE, IPC_CREAT)

    def nattch():
        buf = sysv_ipc.libc.buffer(sysv_ipc.SHMID_DS.size)
        sysv_ipc.shmctl(shmid, sysv_ipc.IPC_STAT, buf)
        return sysv_ipc.SHMID_DS.unpack(buf.raw)[-3]
    return sysv_ipc, shmid, nattch


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no os.fork here")
@pytest.mark.parametrize("engine", ["interpreter", "jit-L2"])
def test_an_attached_segment_is_the_hosts_and_a_forked_child_keeps_it(engine):
    """FlatMMU.mem_attach: pages that are a host System V segment's, the host's
    attachment moved there (the host counts it once: the view does not map it,
    and compiled code checks its accesses meanwhile). Guest stores are the
    segment's, a forked child keeps the attachment (its copy of the memory
    leaves it be) after the segment is removed, and unmapping detaches."""
    import ctypes
    import os
    from harness import CODE, DATA, load
    sysv_ipc, shmid, nattch = _segment(0x3000)
    try:
        code = assemble("sd a1, 0(a0)\namoadd.d a2, a1, (a3)\nebreak", CODE)
        m, cpu = load(engine, code, b"private!")
        at = DATA + 0x10000
        m.mem_map(at, 0x3000, "rw")
        assert m.host_view
        assert m.mem_attach(at, 0x3000, sysv_ipc.shmat(shmid, 0), shmid)
        assert not m.host_view and nattch() == 1
        mine = sysv_ipc.shmat(shmid, 0)   # (the test's own attachment: the host's memory)
        seen = (ctypes.c_char * 0x3000).from_address(mine)

        def store(addr, value, amo):
            cpu.reg_write("a0", addr)
            cpu.reg_write("a1", value)
            cpu.reg_write("a3", amo)
            cpu.run(pc=CODE)
        store(at + 8, 7, at + 16)
        assert seen.raw[8:24] == (7).to_bytes(8, "little") * 2
        seen[0x1000:0x1004] = b"host"
        assert m.mem_read(at + 0x1000, 4) == b"host"
        sysv_ipc.shmctl(shmid, sysv_ipc.IPC_RMID)   # (it stays while attached)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # (reports its count, then stores through its own attachment)
            try:
                os.close(r)
                os.write(w, bytes([nattch()]))
                store(at + 0x2000, 5, at + 0x2008)
                m.mem_write(DATA, b"child's!")
            finally:
                os._exit(0)
        os.close(w)
        with os.fdopen(r, "rb") as f:
            assert f.read() == bytes([4])   # (the child's two and ours)
        os.waitpid(pid, 0)
        assert seen.raw[0x2000:0x2010] == (5).to_bytes(8, "little") * 2
        assert m.mem_read(DATA, 8) == b"private!" and nattch() == 2
        m.mem_unmap(at + 0x1000, 0x1000)   # (the middle: the host splits it in two)
        assert nattch() == 3 and m.mem_read(at + 0x2000, 1) == b"\5"
        m.mem_map(at + 0x1000, 0x1000, "rw")
        assert m.mem_read(at + 0x1000, 4) == bytes(4)
        m.mem_unmap(at, 0x3000)
        assert nattch() == 1 and m.host_view
        sysv_ipc.shmdt(mine)
    finally:
        try:
            sysv_ipc.shmctl(shmid, sysv_ipc.IPC_RMID)
        except OSError:
            pass   # (gone with its last attachment)


def test_a_segment_attached_read_only_stays_so():
    """A segment attached SHM_RDONLY: its host pages are read-only, so the pages
    must be (EACCES), and stay so: mem_protect refuses write access, a host
    write (mem_write) faults as a guest store does. Refused attachments (the
    range not mapped, or shared already) are still the caller's."""
    import errno
    from harness import CODE, DATA, load
    sysv_ipc, shmid, nattch = _segment(0x1000)
    try:
        m, cpu = load("interpreter", assemble("sd a1, 0(a0)\nebreak", CODE))
        at = DATA + 0x10000
        m.mem_map(at, 0x2000, "rw")
        host = sysv_ipc.shmat(shmid, sysv_ipc.SHM_RDONLY)
        with pytest.raises(OSError) as info:
            m.mem_attach(at, 0x1000, host, shmid, readonly=True)
        assert info.value.errno == errno.EACCES
        with pytest.raises(ValueError, match="not entirely mapped"):
            m.mem_attach(at + 0x2000, 0x1000, host, shmid, readonly=True)
        m.mem_protect(at, 0x1000, "r")
        assert m.mem_attach(at, 0x1000, host, shmid, readonly=True) and nattch() == 1
        with pytest.raises(OSError) as info:
            m.mem_protect(at, 0x2000, "rw")
        assert info.value.errno == errno.EACCES
        with pytest.raises(GuestMemoryError):
            m.mem_write(at, b"x")
        cpu.reg_write("a0", at)
        with pytest.raises(ExecutionError) as fault:
            cpu.run(pc=CODE)
        assert fault.value.fault.kind is FaultKind.PageFault
        again = sysv_ipc.shmat(shmid, 0)
        with pytest.raises(OSError) as info:
            m.mem_attach(at, 0x1000, again, shmid)
        assert info.value.errno == errno.EEXIST
        sysv_ipc.shmdt(again)   # (still ours to detach)
        assert m.mem_read(at, 8) == bytes(8) and nattch() == 1
        m.mem_unmap(at, 0x2000)
        assert nattch() == 0
    finally:
        sysv_ipc.shmctl(shmid, sysv_ipc.IPC_RMID)


def test_bad_arguments_are_clear_errors():
    m = FlatMMU(address_space=1 << 24)
    with pytest.raises(ValueError, match="multiples of the page size"):
        m.mem_map(0x1001, 0x1000)
    with pytest.raises(ValueError, match="multiples"):
        m.mem_map(0x1000, 0)
    with pytest.raises(ValueError, match="outside"):
        m.mem_map(1 << 24, 0x1000)
    with pytest.raises(ValueError, match="outside"):
        m.mem_map((1 << 24) - 0x1000, 0x2000)
    with pytest.raises(ValueError, match="perms"):
        m.mem_map(0x1000, 0x1000, "rwz")
    m.mem_map(0x1000, 0x2000)
    with pytest.raises(ValueError, match="overlaps"):
        m.mem_map(0x2000, 0x1000)
    with pytest.raises(ValueError, match="not entirely mapped"):
        m.mem_unmap(0x2000, 0x2000)
    with pytest.raises(ValueError, match="not entirely mapped"):
        m.mem_protect(0x5000, 0x1000, "r")
    with pytest.raises(ValueError):
        FlatMMU(address_space=1000)
    with pytest.raises(GuestMemoryError):
        m.mem_write(0x2FFF, b"xy")
    with pytest.raises(GuestMemoryError):
        m.mem_read((1 << 64) - 4, 8)


@pytest.mark.parametrize("addr", [
    (1 << 24) - 4,            # last bytes of the arena: an 8-byte access runs past it
    1 << 24,                  # just past the arena
    (1 << 64) - 4,            # wraps around
    1 << 63,
    (1 << 64) - 1,
])
@pytest.mark.parametrize("op", ["ld", "sd", "lw", "sb"])
def test_guest_cannot_reach_past_the_arena(engine, addr, op):
    m = FlatMMU(address_space=1 << 24)
    m.mem_map(CODE, 0x1000, "rx")
    m.mem_map((1 << 24) - 0x1000, 0x1000, "rw")  # the last page is mapped
    reg = "a0" if op.startswith("l") else "a2"
    m.mem_write(CODE, assemble(f"li a1, {addr}\n{op} {reg}, 0(a1)\nebreak\n", CODE))
    cpu = make_engine(engine, m)
    if op in ("lw", "sb") and addr == (1 << 24) - 4:
        assert cpu.run(pc=CODE).status is ExecStatus.Ebreak  # fits in the last page
        return
    with pytest.raises(ExecutionError) as info:
        cpu.run(pc=CODE)
    assert info.value.fault.kind is FaultKind.PageFault


def test_regions_of_a_large_address_space():
    """mem_regions walks the address space run by run (a chunk of 4096 pages
    at a time past chunks never mapped): regions across a chunk's edge, next to
    each other with other permissions, unmapped again, MMIO, the last page."""
    chunk = 4096 * 4096
    m = FlatMMU(address_space=1 << 36)
    m.mem_map(chunk - 0x2000, 0x5000, "rw")
    m.mem_map(chunk + 0x3000, 0x1000, "r")      # (right after: its own region)
    m.mem_map(chunk + 0x4000, 0x1000, "rw")
    m.mem_map(3 * chunk, 9 * 0x1000, "rx")
    m.mem_unmap(3 * chunk + 0x4000, 0x1000)
    m.mmio_map(5 * chunk - 0x1000, 0x2000, lambda off, size: 0, lambda off, size, value: None)
    m.mem_map((1 << 36) - 0x1000, 0x1000, "r")
    assert m.mem_regions() == [
        (chunk - 0x2000, chunk + 0x3000, "rw-"), (chunk + 0x3000, chunk + 0x4000, "r--"),
        (chunk + 0x4000, chunk + 0x5000, "rw-"), (3 * chunk, 3 * chunk + 0x4000, "r-x"),
        (3 * chunk + 0x5000, 3 * chunk + 0x9000, "r-x"),
        (5 * chunk - 0x1000, 5 * chunk + 0x1000, "mmio"), ((1 << 36) - 0x1000, 1 << 36, "r--")]


def test_mmio_region_callbacks(engine):
    m = FlatMMU()
    log = []
    regs = {0: 0x11223344}
    m.mmio_map(0x90000, 0x1000, lambda off, size: regs.get(off, 0xAB),
               lambda off, size, value: log.append((off, size, value)))
    m.mem_map(CODE, 0x1000, "rx")
    m.mem_write(CODE, assemble("""
        li a1, 0x90000
        lw a0, 0(a1)
        lbu a2, 8(a1)
        li a3, 0x55
        sh a3, 6(a1)
        sd a0, 16(a1)
        ebreak
    """, CODE))
    cpu = make_engine(engine, m)
    assert cpu.run(pc=CODE).status is ExecStatus.Ebreak
    assert cpu.reg_read("a0") == 0x11223344 and cpu.reg_read("a2") == 0xAB
    assert log == [(6, 2, 0x55), (16, 8, 0x11223344)]
    assert m.mem_regions() == [(CODE, CODE + 0x1000, "r-x"), (0x90000, 0x91000, "mmio")]
    assert m.mem_read(0x90000, 4) == (0x11223344).to_bytes(4, "little")


def test_mmio_callback_exception_is_reraised_with_state_consistent(engine):
    m = FlatMMU()

    def bad_read(off, size):
        raise RuntimeError("device exploded")
    m.mmio_map(0x90000, 0x1000, bad_read, None)
    m.mem_map(CODE, 0x1000, "rx")
    m.mem_write(CODE, assemble("li a0, 1\nli a1, 0x90000\nld a0, 0(a1)\nsd a0, 0(a1)\n", CODE))
    cpu = make_engine(engine, m)
    with pytest.raises(RuntimeError, match="device exploded"):
        cpu.run(pc=CODE)
    assert cpu.pc == CODE + 8 and cpu.reg_read("a0") == 1
    # a region without a write callback faults on writes
    cpu.pc = CODE + 12
    with pytest.raises(ExecutionError) as info:
        cpu.run()
    assert info.value.fault.access is AccessType.Write


def test_no_fetch_from_mmio(engine):
    m = FlatMMU()
    m.mmio_map(0x90000, 0x1000, lambda off, size: 0x13, None)
    cpu = make_engine(engine, m)
    with pytest.raises(ExecutionError) as info:
        cpu.run(pc=0x90000)
    assert info.value.fault.access is AccessType.Fetch


class DictMMU:
    """A user-written MMU: sparse bytes in a dict, pages must be 'mapped'."""

    def __init__(self):
        self.bytes = {}
        self.pages = set()
        self.reads = 0

    def map(self, addr, size):
        self.pages.update(range(addr >> 12, (addr + size + 0xFFF) >> 12))

    def mem_read(self, addr, size):
        self.reads += 1
        if any((a >> 12) not in self.pages for a in range(addr, addr + size)):
            raise GuestMemoryError(addr, "read")
        return bytes(self.bytes.get(a, 0) for a in range(addr, addr + size))

    def mem_write(self, addr, data):
        if any((a >> 12) not in self.pages for a in range(addr, addr + len(data))):
            raise GuestMemoryError(addr, "write")
        for i, b in enumerate(data):
            self.bytes[addr + i] = b


def test_user_mmu_object_runs_code(engine):
    mmu = DictMMU()
    assert isinstance(mmu, MMU)
    mmu.map(CODE, 0x1000)
    mmu.map(0x20000, 0x1000)
    mmu.mem_write(CODE, assemble("""
        li a1, 0x20000
        li a0, 10
    loop:
        sd a0, 0(a1)
        addi a1, a1, 8
        addi a0, a0, -1
        bnez a0, loop
        ld a2, -8(a1)
        ebreak
    """, CODE))
    cpu = make_engine(engine)
    r = cpu.run(mmu, CODE)
    assert r.status is ExecStatus.Ebreak and cpu.reg_read("a2") == 1
    assert mmu.mem_read(0x20000, 8) == (10).to_bytes(8, "little")
    assert r.stats.memory_accesses == 11
    cpu.pc = CODE
    cpu.reg_write("a1", 0x30000)
    with pytest.raises(ExecutionError) as info:
        cpu.run(mmu, CODE + 8)
    assert info.value.fault.address == 0x30000 and info.value.fault.access is AccessType.Write


def test_user_mmu_for_execute_block(engine):
    mmu = DictMMU()
    mmu.map(0x20000, 0x1000)
    cpu = make_engine(engine)
    cpu.reg_write("a1", 0x20000)
    block = IRBlock([__import__("vm_engine").Instruction.from_asm(t) for t in
                     ("addi a0, zero, 77", "sw a0, 4(a1)", "lhu a2, 4(a1)")], start_pc=0x1000)
    r = cpu.execute_block(block, mmu)
    assert r.status is ExecStatus.Ok and r.next_pc == 0x100C
    assert cpu.reg_read("a2") == 77 and r.stats.memory_accesses == 2


def test_user_mmu_exception_propagates(engine):
    class Broken(DictMMU):
        def mem_read(self, addr, size):
            raise KeyError("boom")
    cpu = make_engine(engine)
    with pytest.raises(KeyError):
        cpu.run(Broken(), 0x1000)


def test_not_an_mmu_is_a_type_error(engine):
    cpu = make_engine(engine)
    with pytest.raises(TypeError, match="not an MMU"):
        cpu.run(object(), 0)


# ---- decoded code follows memory writes ---------------------------------------

def test_self_modifying_store_takes_effect(engine):
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rwx")
    new_insn = int.from_bytes(assemble("addi a0, a0, 100"), "little")
    m.mem_write(CODE, assemble(f"""
        li a3, 3
    again:
        jal ra, target
        li a2, {new_insn}
        auipc a1, 0
        sw a2, 20(a1)           # rewrites the addi at 'target'
        addi a3, a3, -1
        bnez a3, again
        ebreak
    target:
        addi a0, a0, 1
        ret
    """, CODE))
    cpu = make_engine(engine, m)
    assert cpu.run(pc=CODE, max_instructions=10_000).status is ExecStatus.Ebreak
    assert cpu.reg_read("a0") == 1 + 100 + 100, "the rewritten instruction must run"
    assert m.code_cache_stats["invalidations"] >= 1


def test_store_into_the_running_block(engine):
    # the store rewrites the very next instruction of its own block
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rwx")
    new_insn = int.from_bytes(assemble("addi a0, zero, 42"), "little")
    m.mem_write(CODE, assemble(f"""
        li a2, {new_insn}
        auipc a1, 0
        sw a2, 8(a1)
        addi a0, zero, 1
        ebreak
    """, CODE))
    cpu = make_engine(engine, m)
    cpu.run(pc=CODE)
    assert cpu.reg_read("a0") == 42


def _stores_beside_code(n):
    """A loop on one page storing n times to a word 2 KB past its code (a1)."""
    return assemble(f"""
        li a3, {n}
        auipc a1, 0
    again:
        sd a3, 0x7f8(a1)
        addi a0, a0, 1
        addi a3, a3, -1
        bnez a3, again
        ebreak
    """, CODE)


def test_a_store_beside_code_retires_none_of_it(engine):
    """Stores to a page of code that reach none of its instructions (HotSpot
    patches call targets and constants kept beside its compiled code) retire
    no block: only code holding a byte written goes."""
    n = DATA_WRITES // 2
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rwx")
    m.mem_write(CODE, _stores_beside_code(n))
    cpu = make_engine(engine, m)
    assert cpu.run(pc=CODE, max_instructions=10_000).status is ExecStatus.Ebreak
    assert cpu.reg_read("a0") == n and m.mem_read(CODE + 4 + 0x7f8, 8) == bytes([1]) + bytes(7)
    assert m.code_cache_stats["invalidations"] == 0


def test_a_page_written_beside_its_code_again_and_again_is_taken_for_data(engine):
    """DATA_WRITES stores in a row to a page of code that reach none of it: the
    page is taken for data, its blocks retired and its stores fast again (until
    its code is decoded again: here at once, as the loop is on it). Neither
    every store retiring its blocks nor none ever doing so."""
    n = 4 * DATA_WRITES
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rwx")
    m.mem_write(CODE, _stores_beside_code(n))
    cpu = make_engine(engine, m)
    assert cpu.run(pc=CODE, max_instructions=10_000).status is ExecStatus.Ebreak
    assert cpu.reg_read("a0") == n
    assert 1 <= m.code_cache_stats["invalidations"] <= 3 * (n // DATA_WRITES)


@pytest.mark.parametrize("load", ["lw", "lbu", "lh", "ld", "flw", "fld"])
def test_device_read_that_rewrites_code_completes_the_load(engine, load):
    """An MMIO read whose callback rewrites the code right after the load: the
    load's value lands in its register (sign-extended, zero-extended or
    NaN-boxed as the instruction says) and the new instruction runs."""
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rwx")
    rd = "fa0" if load.startswith("f") else "a0"
    text = f"""
        li a1, 0x90000
        {load} {rd}, 0(a1)
        addi a2, zero, 1
        ebreak
    """
    m.mem_write(CODE, assemble(text, CODE))
    new = assemble("addi a2, zero, 2")
    target = CODE + len(assemble("li a1, 0x90000", CODE)) + 4

    def read(off, size):
        m.mem_write(target, new)  # the instruction after the load changes
        return 0x80F0E0D0C0B0A090 & ((1 << 8 * size) - 1)
    m.mmio_map(0x90000, 0x1000, read, None)
    cpu = make_engine(engine, m)
    for _ in range(3):  # (compiled only once it is warm, for some engines)
        m.mem_write(CODE, assemble(text, CODE))
        assert cpu.run(pc=CODE).status is ExecStatus.Ebreak
        assert cpu.reg_read("a2") == 2
    raw = {"lw": 0xFFFFFFFFC0B0A090, "lbu": 0x90, "lh": 0xFFFFFFFFFFFFA090,
           "ld": 0x80F0E0D0C0B0A090, "flw": 0xFFFFFFFFC0B0A090, "fld": 0x80F0E0D0C0B0A090}
    assert cpu.reg_read(rd) == raw[load]


def test_host_write_invalidates_decoded_code(engine):
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rwx")
    m.mem_write(CODE, assemble("addi a0, zero, 1\nebreak"))
    cpu = make_engine(engine, m)
    cpu.run(pc=CODE)
    assert cpu.reg_read("a0") == 1
    m.mem_write(CODE, assemble("addi a0, zero, 2"))
    cpu.run(pc=CODE)
    assert cpu.reg_read("a0") == 2


def test_a_large_write_or_unmap_retires_the_code_in_it_alone(engine):
    """A host write or an unmap of more than 4096 pages (a read into a big
    buffer, the munmap of a heap: V8's are hundreds of MB) retires the code in
    its range, not every block and all compiled code, as it used to."""
    m = FlatMMU(address_space=1 << 36)
    m.mem_map(CODE, 0x1000, "rwx")
    m.mem_write(CODE, assemble("addi a0, a0, 1\nebreak"))
    big, size = 1 << 30, 24 << 20   # (6144 pages)
    m.mem_map(big, size, "rwx")
    cpu = make_engine(engine, m)
    cpu.run(pc=CODE)
    m.mem_write(big, bytes(size))
    m.mem_unmap(big, size)
    assert m.code_cache_stats["invalidations"] == 0
    cpu.run(pc=CODE)
    assert cpu.reg_read("a0") == 2
    m.mem_map(big, size, "rwx")   # (code in the middle of a large range: retired)
    at = big + (20 << 20)
    m.mem_write(at, assemble("addi a0, zero, 7\nebreak"))
    cpu.run(pc=at)
    m.mem_write(big, bytes(20 << 20) + assemble("addi a0, zero, 9\nebreak"))
    cpu.run(pc=at)
    assert cpu.reg_read("a0") == 9 and m.code_cache_stats["invalidations"] >= 1
    m.mem_unmap(big, size)
    with pytest.raises(ExecutionError) as info:
        cpu.run(pc=at)
    assert info.value.fault.access is AccessType.Fetch
    cpu.run(pc=CODE)
    assert cpu.reg_read("a0") == 10


def _by_pc_bucket(pc):
    """The bucket of pc in the decoded-block cache's by-pc hash (csrc/vm_block.c: pc_hash)."""
    return ((pc >> 1) ^ (pc >> 17)) & 0xFFFF


def test_blocks_sharing_a_hash_chain_are_found_in_any_order(engine):
    """Four blocks whose pcs share a bucket of the by-pc hash: a lookup moves the
    block it finds to the front of the chain. Each is found, run in any order,
    and after one is retired the others still are; interpreted, none is ever
    decoded again (a block lost from its chain would be)."""
    funcs = [pc for pc in range(CODE, CODE + 0x70000, 2) if _by_pc_bucket(pc) == _by_pc_bucket(CODE)]
    assert len(funcs) == 4
    m = FlatMMU()
    m.mem_map(CODE, 0x70000, "rwx")
    for k, pc in enumerate(funcs):
        m.mem_write(pc, assemble(f"addi a0, a0, {k + 1}\nebreak", pc))
    cpu = make_engine(engine, m)

    def run_all(order, changed=None):
        for pc in order:
            cpu.reg_write("a0", 0)
            assert cpu.run(pc=pc).status is ExecStatus.Ebreak
            assert cpu.reg_read("a0") == (100 if pc == changed else funcs.index(pc) + 1)
    for rep in range(12):
        run_all(funcs[rep % 4:] + funcs[:rep % 4])
    m.mem_write(funcs[2], assemble("addi a0, a0, 100\nebreak", funcs[2]))
    run_all(funcs[::-1] * 3, changed=funcs[2])
    if engine == "interpreter":   # (compiling decodes blocks of its own)
        assert m.code_cache_stats["blocks"] == 4 and m.code_cache_stats["blocks_built"] == 5


def test_protect_drops_code_and_enforces_exec(engine):
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rx")
    m.mem_write(CODE, assemble("addi a0, a0, 1\nebreak"))
    cpu = make_engine(engine, m)
    cpu.run(pc=CODE)
    m.mem_protect(CODE, 0x1000, "r")
    with pytest.raises(ExecutionError) as info:
        cpu.run(pc=CODE)
    assert info.value.fault.access is AccessType.Fetch


def test_fence_i_keeps_code_whose_stores_were_seen(engine):
    """Stores through guest memory retire the code they change as they are
    made: fence.i then has nothing to drop (a JIT in the guest, V8's, calls
    riscv_flush_icache after every function it writes)."""
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rwx")
    m.mem_write(CODE, assemble("addi a0, a0, 1\nfence.i\nebreak"))
    cpu = make_engine(engine, m)
    cpu.run(pc=CODE)
    assert m.code_cache_stats["invalidations"] == 0 and cpu.reg_read("a0") == 1


class _DictMMU:
    """A user MMU over a dict of 4 KiB pages; reading `trigger` rewrites the
    instruction at `target` in the page itself, as a device or another agent
    would: behind the back of the cache of decoded code."""

    def __init__(self, trigger, target, word):
        self.pages, self.trigger, self.target, self.word = {}, trigger, target, word

    def mem_read(self, addr, size):
        if addr == self.trigger:
            self.mem_write(self.target, self.word)
        page = self.pages.setdefault(addr >> 12, bytearray(0x1000))
        return bytes(page[addr & 0xFFF:(addr & 0xFFF) + size])

    def mem_write(self, addr, data):
        page = self.pages.setdefault(addr >> 12, bytearray(0x1000))
        page[addr & 0xFFF:(addr & 0xFFF) + len(data)] = data


def test_fence_i_makes_code_written_behind_the_cache_seen(engine):
    """Through a user MMU (whose memory may change without a guest store),
    fence.i drops decoded code: the second time round runs the new instruction."""
    text = """
        addi a0, zero, 1
        ld a1, 0(s0)
        fence.i
        addi t0, t0, 1
        li t1, 2
        blt t0, t1, -20
        ebreak
    """
    mmu = _DictMMU(0x40000, CODE, assemble("addi a0, zero, 2"))
    mmu.mem_write(CODE, assemble(text, CODE))
    cpu = make_engine(engine, mmu)  # (any object with mem_read and mem_write)
    cpu.reg_write("s0", 0x40000)
    assert cpu.run(pc=CODE).status is ExecStatus.Ebreak
    assert (cpu.reg_read("t0"), cpu.reg_read("a0")) == (2, 2)


def test_decode_block_from_memory():
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rx")
    m.mem_write(CODE, assemble("addi a0, a0, 1\nslli a1, a0, 3\nbeq a0, a1, -8\nnop"))
    block = IRBlock.from_memory(m, CODE)
    assert [i.name for i in block] == ["addi", "slli", "beq"]
    assert block.start_pc == CODE


# -- compiled accesses: a bounds check, then the view, whose host protections are the guest's --
DATA = 0x40000
ACCESSES = """
    ld a0, 0(s0)
    lw a1, 8(s0)
    sd a0, 16(s0)
    lbu a2, 24(s0)
    sh a1, 30(s0)
    ld a3, 32(s0)
    ebreak
"""


def _access_run(engine, base, setup, text=ACCESSES, address_space=None):
    """Everything guest-visible after running `text` with s0 = base (a2 set too)."""
    m = FlatMMU() if address_space is None else FlatMMU(address_space=address_space)
    m.mem_map(CODE, 0x1000, "rx")
    m.mem_write(CODE, assemble(text, CODE))
    setup(m)
    cpu = make_engine(engine, m)
    cpu.reg_write("s0", base)
    cpu.reg_write("a2", 0x0123456789ABCDEF)
    try:
        cpu.run(pc=CODE)
        fault = None
    except ExecutionError as e:
        fault = (e.fault.kind, e.fault.pc, e.fault.address)
    mem = []
    for page in (DATA, DATA + 0x1000, m.address_space - 0x1000):
        try:
            mem.append(bytes(m.mem_read(page, 0x1000)))
        except GuestMemoryError:
            mem.append(None)
    if hasattr(cpu, "wait_for_compiles"):
        # (the compiler thread holds the memory during a job: done, the memory goes
        # with this call, and a caller's next 64 TiB of address space fits)
        cpu.wait_for_compiles()
    return cpu.regs, cpu.instret, cpu.memory_accesses, cpu.pc, fault, mem


def _rw_pages(m):
    m.mem_map(DATA, 0x2000, "rw")
    m.mem_write(DATA, bytes(range(256)) * 32)


def _store_page_read_only(m):
    _rw_pages(m)
    m.mem_protect(DATA, 0x1000, "r")


def _second_page_write_only(m):
    _rw_pages(m)
    m.mem_protect(DATA + 0x1000, 0x1000, "w")


def _second_page_code(m):  # (stores there retire what was decoded from it)
    _rw_pages(m)
    m.mem_protect(DATA + 0x1000, 0x1000, "rwx")
    m.mem_write(DATA + 0x1000, assemble("ebreak"))
    IRBlock.from_memory(m, DATA + 0x1000)


@pytest.mark.parametrize("where,setup", [
    ("aligned", _rw_pages), ("misaligned base", _rw_pages), ("across pages", _rw_pages),
    ("read-only page", _store_page_read_only), ("into a write-only page", _second_page_write_only),
    ("into a code page", _second_page_code)])
def test_accesses_near_page_bounds_match_the_interpreter(engine, where, setup):
    """Loads and stores the host MMU lets through (aligned or not, across two
    pages) and ones it refuses, whose slow path then decides: a store to a
    read-only page faults at that very store; a load reaching into a
    write-only page faults; a store reaching into a page holding decoded code
    is done, and retires that code."""
    base = {"aligned": DATA + 0x100, "misaligned base": DATA + 0x104,
            "across pages": DATA + 0x1000 - 16, "read-only page": DATA + 0x100,
            "into a write-only page": DATA + 0x1000 - 12,
            "into a code page": DATA + 0x1000 - 20}[where]
    assert _access_run(engine, base, setup) == _access_run("interpreter", base, setup)


@pytest.mark.parametrize("offset", [-16, -8, -4, -1])
def test_accesses_at_the_end_of_the_address_space_fault_as_interpreted(engine, offset):
    """The view ends in a guard: an access that starts in the last page and
    runs past the end faults like the interpreter's."""
    space = 1 << 24
    setup = lambda m: m.mem_map(space - 0x1000, 0x1000, "rw")  # noqa: E731
    base = space + offset
    assert _access_run(engine, base, setup, address_space=space) == \
        _access_run("interpreter", base, setup, address_space=space)


COMPILED = ["jit-L0", "jit-L1", "jit-L2", "jit-L3"]


def _cpu_operand(name):
    """How the listing shows compiled code's operand cpu->jit_<name> (at rbx)."""
    from vm_engine.jit import x86
    return f"[rbx+{x86._L['cpu_' + name]:X}h]"


@pytest.mark.parametrize("base", [0, 8, 0x800, 1 << 63])
def test_accesses_below_address_zero_fault_as_interpreted(engine, base):
    """A base register checked against the bound with a negative offset
    reaches below the view, into its lower guard: the guest address wraps
    round, and faults like the interpreter's."""
    setup = lambda m: m.mem_map(0, 0x1000, "rw")  # noqa: E731
    text = "ld a0, -8(s0)\nsd a2, -16(s0)\nld a1, -2048(s0)\nsd a2, 0(s0)\nebreak"
    assert _access_run(engine, base, setup, text) == \
        _access_run("interpreter", base, setup, text)


@pytest.mark.parametrize("engine", COMPILED)
def test_an_access_near_one_made_before_is_unchecked_and_faults_precisely(engine):
    """After `sd a2, 0(s0)` (checked), the accesses through s0 and what was
    moved from it by addi or mv, within 2 KiB, have no check (a marker for the
    fault handler instead); the one that crosses into an unmapped page is
    one host fault and a precise guest fault, after the stores before it."""
    from vm_engine.jit import x86
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rx")
    text = """
        sd a2, 0(s0)
        sd a2, 8(s0)
        addi s0, s0, 16
        mv s1, s0
        sd a2, 0(s1)
        addi a0, s1, 1000
        ld a1, 1000(s1)
        sd a1, 1024(s0)
        ld a3, 0(a0)
        ebreak
    """
    m.mem_write(CODE, assemble(text, CODE))
    level, ir = int(engine[-1]), m.decode_block(CODE)
    code = "\n".join(x86.compile_ir(ir + x86.closing_entry(ir), CODE, level,
                                    level >= 1).disassemble())
    assert code.count(_cpu_operand("limit")) == 1 and code.count("; unchecked") == 5
    m.mem_map(DATA, 0x1000, "rw")
    cpu = make_engine(engine, m)
    cpu.reg_write("s0", DATA + 0x1000 - 1040)
    cpu.reg_write("a2", 0x0123456789ABCDEF)
    with pytest.raises(ExecutionError) as info:
        cpu.run(pc=CODE)
    f = info.value.fault
    assert (f.pc, f.address, f.access) == (CODE + 28, DATA + 0x1000, AccessType.Write)
    assert cpu.instret == 7 and cpu.reg_read("a1") == 0 and cpu.reg_read("a0") == DATA + 0xFE8
    assert m.mem_read(DATA + 0x1000 - 1040, 24) == (0x0123456789ABCDEF).to_bytes(8, "little") * 3
    assert cpu.stats["host_faults"] == 1


def _loop_run(engine, text, s0, s1, address_space=None):
    """_access_run's view of a loop (t0 = 12 times round), s0 and s1 set."""
    def setup(m):
        _rw_pages(m)
        m.mem_map(m.address_space - 0x1000, 0x1000, "rw")
    text = f"li t0, 12\nli t3, 5\nli s1, {s1}\nloop:\n{text}\naddi t0, t0, -1\nbnez t0, loop\n" \
        "out:\nebreak"
    return _access_run(engine, s0, setup, text, address_space)


@pytest.mark.parametrize("s0,s1", [
    (DATA + 0x100, DATA + 0x800), (DATA + 0x100, DATA + 0x2000), (DATA + 0x1F80, DATA),
    (DATA + 0x100, (1 << 64) - 8), (DATA, 1 << 24), (DATA, (1 << 24) - 0x100)])
@pytest.mark.parametrize("split", [False, True])
def test_a_loop_counts_on_the_addresses_checked_before_it(engine, s0, s1, split):
    """A loop of one block checks before it is entered the first address each
    base register reaches (and goes round with what its accesses left
    known): accesses that go out of bounds, at entry or after some times
    round, fault as interpreted; a base register beyond the end whose
    offset wraps round reaches address 8. Split by a side exit, the same.
    (From level 2 the loop of one block is emitted as two turns, both unchecked.)"""
    text = """
        ld a1, 0(s0)
        sd a1, 16(s1)
        addi s0, s0, 16
        lw a2, -8(s0)
        addi s1, s1, 8
        add a0, a0, a2
    """.replace("addi s0", "beq t0, t3, out\naddi s0" if split else "addi s0")
    level = int(engine[-1]) if engine.startswith("jit-L") else 0
    if level >= 1 + split:  # (loops are host code from level 1; two blocks, a region: 2)
        from vm_engine.jit import x86
        m = FlatMMU()
        m.mem_map(CODE, 0x1000, "rx")
        m.mem_write(CODE, assemble(f"loop:\n{text}\nbnez t0, loop\nout:\nebreak", CODE))
        ir = m.decode_block(CODE)
        code = x86.compile_ir(ir + x86.closing_entry(ir), CODE, level, True,
                              fetch=m.decode_block).disassemble()
        top = next(k for k, line in enumerate(code) if "sub r14," in line)  # (the budget's)
        assert sum(_cpu_operand("limit") in line for line in code[:top]) == 2
        assert sum(_cpu_operand("limit") in line for line in code[top:]) == 0
        turns = 2 if level >= 2 and not split else 1   # (a loop of one block: _twice)
        assert sum("; unchecked" in line for line in code) == 3 * turns
    space = 1 << 24
    assert _loop_run(engine, text, s0, s1, space) == _loop_run("interpreter", text, s0, s1, space)


_LOOP_LINES = ["ld a1, {k}(s0)", "sw a2, {k}(s0)", "lbu a3, {k}(s1)", "sh a1, {k}(s1)",
               "addi s0, s0, {k}", "addi s1, s1, {k}", "mv s1, s0", "ld s1, {k}(s0)",
               "add a0, a0, a1", "addi s1, s0, {k}", "beq t0, t3, out"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_LOOP_LINES), st.sampled_from([-16, -8, 0, 8, 24, 64])),
                min_size=2, max_size=8),
       st.sampled_from([DATA + 0x100, DATA + 0x1000 - 64, DATA + 0x2000 - 40, DATA - 8]),
       st.sampled_from([DATA + 0x800, DATA + 0x1FF0, DATA + 0x3000, 16]))
def test_random_loops_of_accesses_match_the_interpreter(lines, s0, s1):
    """Loops (of one block, or of several with a side exit) whose accesses
    count on checks made before the loop and on what they left known the time
    before; base registers stepped, moved, loaded: as interpreted, on every
    engine."""
    text = "\n".join(line.format(k=k) for line, k in lines)
    want = _loop_run("interpreter", text, s0, s1)
    for engine in COMPILED + ["hybrid"]:
        assert _loop_run(engine, text, s0, s1) == want, engine


_VIEW_DROP = """
import sys
sys.path.insert(0, {tests!r})
from vm_engine import FlatMMU, ExecutionError, assemble
from harness import make_engine
CODE, DATA, SPREAD = 0x10000, 0x20000, 0x1000000
for engine in ("jit-L0", "jit-L1", "jit-L2", "jit-L3"):
    m = FlatMMU(address_space=1 << 32)
    m.mem_map(CODE, 0x1000, "rx")
    m.mem_write(CODE, assemble("sd a2, 0(s0)\\nsd a2, 8(s0)\\nebreak", CODE))
    m.mem_map(DATA, 0x2000, "rw")
    cpu = make_engine(engine, m)

    def run(value):
        cpu.reg_write("s0", DATA + 0x1000 - 8)
        cpu.reg_write("a2", value)
        try:
            cpu.run(pc=CODE)
        except ExecutionError as e:
            return hex(e.fault.pc), hex(e.fault.address)
    first = run(5)
    m.mem_protect(DATA + 0x1000, 0x1000, "r")
    m.mem_map(SPREAD, 80000 * 0x2000, "rw")
    n = 0
    while m.host_view and n < 80000:  # (a mapping per page, till mprotect fails)
        m.mem_protect(SPREAD + n * 0x2000, 0x1000, "r")
        n += 1
    print(engine, first, m.host_view, run(7), m.mem_read(DATA + 0xFF8, 16).hex(), flush=True)
    del cpu, m
"""


def test_code_compiled_for_the_view_goes_when_the_view_does(tmp_path):
    """When the host cannot follow the guest's protections any longer (mprotect
    fails: too many mappings), the view goes; code compiled for it, which
    skips checks an access before made, is flushed and compiled again to check
    permissions itself: the unchecked store to a page made read-only faults.
    (In a process of its own: it uses up the process's mappings.)"""
    import os
    import subprocess
    import sys
    script = tmp_path / "drop.py"
    script.write_text(_VIEW_DROP.format(tests=os.path.dirname(__file__)))
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       cwd=tmp_path, timeout=300)
    assert p.returncode == 0, p.stderr
    want = "None False ('0x10004', '0x21000') 07000000000000000500000000000000"
    assert p.stdout.splitlines() == [f"{e} {want}" for e in COMPILED]


_VIEW_DROP_IN_CALLBACK = """
import sys
sys.path.insert(0, {tests!r})
from vm_engine import FlatMMU, assemble
from harness import make_engine
CODE, DATA, MMIO, SPREAD = 0x10000, 0x20000, 0x90000, 0x1000000
for engine in ("jit-L0", "jit-L1", "jit-L2", "jit-L3"):
    m = FlatMMU(address_space=1 << 32)
    m.mem_map(CODE, 0x1000, "rx")
    m.mem_write(CODE, assemble(\"\"\"
    loop:
        lw a1, 0(s1)
        ld a3, 0(s0)
        add a0, a0, a3
        add a0, a0, a1
        addi t0, t0, -1
        bnez t0, loop
        ebreak
    \"\"\", CODE))
    m.mem_map(DATA, 0x1000, "rw")
    m.mem_write(DATA, (1000).to_bytes(8, "little"))
    drop = []

    def read(off, size):
        if drop:  # (a mapping per page, till mprotect fails)
            drop.clear()
            m.mem_map(SPREAD, 80000 * 0x2000, "rw")
            n = 0
            while m.host_view and n < 80000:
                m.mem_protect(SPREAD + n * 0x2000, 0x1000, "r")
                n += 1
        return 3
    m.mmio_map(MMIO, 0x1000, read, None)
    cpu = make_engine(engine, m)

    def run(n):
        for r, v in (("s0", DATA), ("s1", MMIO), ("t0", n), ("a0", 0)):
            cpu.reg_write(r, v)
        cpu.run(pc=CODE)
        return cpu.reg_read("a0")
    first = run(3), run(3)
    drop.append(1)
    print(engine, first, run(5), m.host_view, flush=True)
    del cpu, m
"""


def test_the_view_going_in_a_callback_of_a_compiled_run_is_survived(tmp_path):
    """The view goes in an MMIO callback (a loop that reached MMIO, so compiled
    again to check permissions itself); the run goes on in that code, its
    next access refused by the view: the fault handler knows its page check
    and sends it to its slow path (this crashed the host)."""
    import os
    import subprocess
    import sys
    script = tmp_path / "drop.py"
    script.write_text(_VIEW_DROP_IN_CALLBACK.format(tests=os.path.dirname(__file__)))
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       cwd=tmp_path, timeout=300)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == [f"{e} (3009, 3009) 5015 False" for e in COMPILED]


@pytest.mark.parametrize("where,setup", [
    ("across pages", _rw_pages), ("read-only page", _store_page_read_only)])
def test_memory_without_a_view_is_checked_by_compiled_code(engine, where, setup):
    """64 TiB of address space leaves no room for a second mapping: compiled
    code then checks permissions itself, with the same results."""
    space = 1 << 46
    assert not FlatMMU(address_space=space).host_view and FlatMMU().host_view
    base = {"across pages": DATA + 0x1000 - 16, "read-only page": DATA + 0x100}[where]
    assert _access_run(engine, base, setup, address_space=space) == \
        _access_run("interpreter", base, setup, address_space=space)


def test_a_callback_may_run_the_same_cpu_again(engine):
    """An MMIO read runs the very cpu whose compiled code made it, elsewhere;
    the outer run then goes on in its compiled code, which finds its own run's
    state again (vm_run puts back cpu->jit_rt and the rest on its way out)."""
    m = FlatMMU()
    m.mem_map(CODE, 0x2000, "rx")
    m.mem_write(CODE, assemble("""
        li t0, 3
    loop:
        lw a1, 0(s1)
        add a0, a0, a1
        ld a2, 0(s0)
        add a0, a0, a2
        addi t0, t0, -1
        bnez t0, loop
        ld a3, 8(s0)
        ebreak
    """, CODE))
    m.mem_write(CODE + 0x1000, assemble("li a0, 100\nsd a0, 0(s0)\nebreak", CODE + 0x1000))
    m.mem_map(DATA, 0x1000, "rw")
    m.mem_write(DATA + 8, (77).to_bytes(8, "little"))
    cpu = make_engine(engine, m)
    inside = []

    def read(off, size):
        if not inside:
            inside.append(1)
            saved = {r: cpu.reg_read(r) for r in ("a0", "t0", "a1", "a2")}
            cpu.run(pc=CODE + 0x1000)
            for r, v in saved.items():
                cpu.reg_write(r, v)
            inside.clear()
        return 5
    m.mmio_map(0x90000, 0x1000, read, None)
    cpu.reg_write("s0", DATA)
    cpu.reg_write("s1", 0x90000)
    cpu.run(pc=CODE)
    assert (cpu.reg_read("a0"), cpu.reg_read("a3")) == (3 * (5 + 100), 77)


def test_a_callback_can_unmap_the_page_compiled_code_goes_on_to_access(engine):
    """An MMIO read in the middle of a block unmaps the page the block goes on
    to access: the accesses after it fault as in the interpreter."""
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rx")
    m.mem_write(CODE, assemble("""
        ld a0, 0(s0)
        ld a1, 8(s0)
        lw a2, 0(s1)
        ld a3, 16(s0)
        ld a4, 24(s0)
        ld a5, 32(s0)
        ebreak
    """, CODE))
    m.mem_map(DATA, 0x1000, "rw")

    def read(off, size):
        m.mem_unmap(DATA, 0x1000)
        return 7
    m.mmio_map(0x90000, 0x1000, read, None)
    cpu = make_engine(engine, m)
    cpu.reg_write("s0", DATA)
    cpu.reg_write("s1", 0x90000)
    with pytest.raises(ExecutionError) as info:
        cpu.run(pc=CODE)
    assert (info.value.fault.pc, info.value.fault.address) == (CODE + 12, DATA + 16)
    assert cpu.reg_read("a2") == 7 and cpu.instret == 3


def test_compiled_accesses_are_a_bounds_check_through_the_view():
    """Through the view (r12) a load is its address, one compare with the
    limit and the access; code that reached MMIO (viewed=False) checks the
    page's permission byte itself."""
    from vm_engine.jit import x86
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rx")
    m.mem_write(CODE, assemble("ld a0, 8(s0)\nebreak", CODE))
    block = m.decode_block(CODE)
    viewed = x86.compile_ir(block, CODE, 1, True).disassemble()
    limit, perm = _cpu_operand("limit"), _cpu_operand("perm")  # (the bound, the page flags)
    k = next(n for n, line in enumerate(viewed) if f"cmp rax,{limit}" in line)
    assert "jae" in viewed[k + 1] and "[r12+rax]" in viewed[k + 2]
    assert not any(perm in line for line in viewed)
    checked = "\n".join(x86.compile_ir(block, CODE, 1, True, viewed=False).disassemble())
    assert re.search(rf"add rdx,{re.escape(perm)}\n\S+\s+test byte ptr \[rdx\],1", checked)
    assert limit not in checked


@pytest.mark.parametrize("engine", COMPILED)
def test_a_refused_access_is_one_host_fault_and_a_precise_guest_fault(engine):
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rx")
    m.mem_write(CODE, assemble("addi a0, a0, 1\nld a1, 0(s0)\nebreak", CODE))
    cpu = make_engine(engine, m)
    cpu.reg_write("s0", DATA)
    with pytest.raises(ExecutionError) as info:
        cpu.run(pc=CODE)
    assert (info.value.fault.pc, info.value.fault.address) == (CODE + 4, DATA)
    assert cpu.reg_read("a0") == 1 and cpu.instret == 1
    assert cpu.stats["host_faults"] == 1


@pytest.mark.parametrize("engine", COMPILED + ["hybrid"])
def test_code_that_reaches_mmio_is_compiled_again_to_check_itself(engine):
    """An MMIO access through the view faults every time; the first one marks
    the code's page and retires its code, compiled again with its own checks
    (a loop of 1000 MMIO reads costs one host fault, not 1000)."""
    m = FlatMMU()
    m.mem_map(CODE, 0x1000, "rx")
    m.mem_write(CODE, assemble("""
        li t0, 1000
    loop:
        lw a1, 0(s1)
        add a0, a0, a1
        sw a0, 0(s0)
        addi t0, t0, -1
        bnez t0, loop
        ld a2, 8(s1)
        ebreak
    """, CODE))
    m.mem_map(DATA, 0x1000, "rw")
    m.mmio_map(0x90000, 0x1000, lambda off, size: 3 if off == 0 else off, None)
    cpu = make_engine(engine, m)
    cpu.reg_write("s0", DATA)
    cpu.reg_write("s1", 0x90000)
    cpu.run(pc=CODE)
    assert (cpu.reg_read("a0"), cpu.reg_read("a2")) == (3000, 8)
    assert m.mem_read(DATA, 4) == (3000).to_bytes(4, "little")
    assert cpu.stats["host_faults"] <= 1
    assert cpu.stats["instructions_in_compiled"] > 3000


_HANDLER_CHAIN = """
import faulthandler, sys, ctypes
sys.path.insert(0, {tests!r})
from vm_engine import FlatMMU, ExecutionError, assemble
from harness import make_engine
if {late!r}:
    pass
else:
    faulthandler.enable()
m = FlatMMU()
m.mem_map(0x10000, 0x1000, "rx")
m.mem_write(0x10000, assemble("ld a1, 0(s0)\\nebreak", 0x10000))
for n in range(2):
    cpu = make_engine("jit-L1", m)
    cpu.reg_write("s0", 0x40000)
    try:
        cpu.run(pc=0x10000)
    except ExecutionError as e:
        print("guest fault", hex(e.fault.address), cpu.stats["host_faults"], flush=True)
    if {late!r}:
        faulthandler.enable()  # (installed after the JIT's handler: the next run puts it back on top)
ctypes.string_at(1)  # a host bug: the handler before the JIT's gets it
print("not reached")
"""


@pytest.mark.parametrize("late", [False, True])
def test_faults_outside_compiled_code_reach_the_handler_installed_before(tmp_path, late):
    """The JIT's SIGSEGV handler takes only refused accesses of compiled code;
    a host crash still reaches Python's faulthandler (and kills the process),
    whether faulthandler came before it or after."""
    import os
    import subprocess
    import sys
    script = tmp_path / "chain.py"
    script.write_text(_HANDLER_CHAIN.format(tests=os.path.dirname(__file__), late=late))
    p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       cwd=tmp_path, timeout=120)
    assert p.stdout.splitlines() == ["guest fault 0x40000 1"] * 2
    assert "Fatal Python error: Segmentation fault" in p.stderr
    assert p.returncode != 0


_ACCESSES = ["ld", "lw", "lwu", "lh", "lhu", "lb", "lbu", "sd", "sw", "sh", "sb"]


@st.composite
def access_blocks(draw):
    """A block of 5-10 loads and stores through s0 or s1 (offsets aligned or
    not, an ALU step, a write to s0 or a copy of it to s1 now and then: so
    accesses whose checks an access before them made, vm_jit.h), s0 anywhere
    near two pages whose permissions vary."""
    lines = ["mv s1, s0"]
    for _ in range(draw(st.integers(5, 10))):
        op = draw(st.sampled_from(_ACCESSES))
        size = {"d": 8, "w": 4, "h": 2, "b": 1}[op[1]]
        off = draw(st.one_of(st.integers(-8, 40).map(lambda k: k * size),
                             st.integers(-64, 320)))
        reg = draw(st.sampled_from(["a0", "a1", "a2", "a3"]))
        base = draw(st.sampled_from(["s0", "s0", "s0", "s1"]))
        lines.append(f"{op} {reg}, {off}(s0)".replace("s0", base))
        extra = draw(st.sampled_from([None, None, None, "add a1, a1, a2", "addi s0, s0, 8",
                                      "mv s1, s0", "addi s1, s0, -24", "addi s0, s0, 2000",
                                      "addi s0, s0, -1000", "ld s1, 0(s0)"]))
        if extra:
            lines.append(extra)
    lines.append("ebreak")
    base = DATA + draw(st.sampled_from([0x100, 0x1000 - 64, 0x1000 - 8, 0x800])) \
        + draw(st.sampled_from([0, 0, 1, 2, 4]))
    perms = draw(st.sampled_from([("rw", "rw"), ("rw", "r"), ("r", "rw"), ("rw", "w"),
                                  ("rw", "x"), ("rw", None)]))
    return "\n".join(lines), base, perms


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(access_blocks())
def test_random_accesses_near_page_bounds_match_the_interpreter(block):
    text, base, perms = block

    def setup(m):
        _rw_pages(m)
        for k, p in enumerate(perms):
            if p is None:
                m.mem_unmap(DATA + k * 0x1000, 0x1000)
            elif p != "rw":
                m.mem_protect(DATA + k * 0x1000, 0x1000, p)
    want = _access_run("interpreter", base, setup, text)
    for engine in COMPILED + ["hybrid"]:
        assert _access_run(engine, base, setup, text) == want, engine
