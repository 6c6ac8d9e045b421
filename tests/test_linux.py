"""Linux user mode: the ELF loader, the initial stack, system calls one by one,
and real riscv64 programs (tests/guest) against their recorded output and,
where qemu-riscv64 is installed, against qemu live."""
from __future__ import annotations

import collections
import ctypes
import errno
import gc
import io
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import threading
import time

import pytest

import vm_engine
from vm_engine import ExecStatus, ExecutionError, FaultKind, HybridConfig, JITConfig, assemble
from vm_engine.linux import ElfError, Kernel, LinuxError, Machine, read_elf, read_stack
from vm_engine.linux import elf as elfmod
from vm_engine.linux import syscalls as sc
from vm_engine.linux.memory import AddressSpace, Layout
from vm_engine.linux.threads import THREAD_SLOTS, process_of

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "guest"))
from cases import BIN, BY_NAME, CASES, DEFAULT_SYSROOT, expected  # noqa: E402

HAVE_SYSROOT = os.path.isfile(os.path.join(DEFAULT_SYSROOT, "lib", "ld-linux-riscv64-lp64d.so.1"))
QEMU = shutil.which("qemu-riscv64")
needs_sysroot = pytest.mark.skipif(not HAVE_SYSROOT, reason=f"no riscv64 sysroot at {DEFAULT_SYSROOT}")


def binpath(name: str) -> str:
    return os.path.join(BIN, name)


def load(name: str, **kw) -> Machine:
    kw.setdefault("stdout", bytearray())
    kw.setdefault("stderr", bytearray())
    kw.setdefault("env", {"VMTEST": "1"})
    kw.setdefault("executor", "interpreter")
    return Machine.load_elf(binpath(name), **kw)


# == the loader ==================================================================================
def _patched(tmp_path, name: str, offset: int, data: bytes) -> str:
    raw = bytearray(open(binpath("asm_hello"), "rb").read())
    raw[offset:offset + len(data)] = data
    p = tmp_path / name
    p.write_bytes(bytes(raw))
    return str(p)


@pytest.mark.parametrize("what, offset, data, message", [
    ("x86-64", 18, struct.pack("<H", 62), "not a RISC-V program (e_machine is x86-64)"),
    ("aarch64", 18, struct.pack("<H", 183), "not a RISC-V program (e_machine is AArch64)"),
    ("elf32", 4, b"\x01", "32-bit"),
    ("big-endian", 5, b"\x02", "big-endian"),
    ("relocatable", 16, struct.pack("<H", 1), "not an executable"),
    ("core", 16, struct.pack("<H", 4), "core dump"),
    ("no-phdrs", 56, struct.pack("<H", 0), "no program headers"),
])
def test_loader_rejects_bad_headers(tmp_path, what, offset, data, message):
    path = _patched(tmp_path, what, offset, data)
    with pytest.raises(ElfError) as info:
        read_elf(path)
    assert message in str(info.value)
    assert isinstance(info.value, vm_engine.VmError)
    with pytest.raises(ElfError):
        Machine.load_elf(path)


@pytest.mark.parametrize("content", [b"", b"#!/bin/sh\necho hi\n", b"\x7fEL", b"MZ\x90\x00" * 40])
def test_loader_rejects_non_elf(tmp_path, content):
    p = tmp_path / "notelf"
    p.write_bytes(content)
    with pytest.raises(ElfError, match="not an ELF file"):
        Machine.load_elf(str(p))


@pytest.mark.parametrize("size", [5, 40, 63, 100, 300])
def test_loader_rejects_truncated(tmp_path, size):
    raw = open(binpath("asm_hello"), "rb").read()
    assert len(raw) > 300
    p = tmp_path / "short"
    p.write_bytes(raw[:size])
    with pytest.raises(ElfError, match="truncated"):
        read_elf(str(p))


def test_loader_rejects_truncated_segment_data(tmp_path):
    raw = open(binpath("hello"), "rb").read()
    p = tmp_path / "short"
    p.write_bytes(raw[:len(raw) // 2])
    with pytest.raises(ElfError, match="truncated"):
        read_elf(str(p))


def _elf_files():
    """Every ELF file at hand: the guest programs, the bundled workloads, the
    vDSO and the sysroot's libraries."""
    from vm_engine.bench.workloads import programs_dir
    dirs = [BIN, str(programs_dir() / "bin"), os.path.dirname(elfmod.VDSO_PATH),
            os.path.join(DEFAULT_SYSROOT, "lib")]
    for d in dirs:
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else ():
            path = os.path.join(d, name)
            if os.path.isfile(path) and open(path, "rb").read(4) == b"\x7fELF":
                yield path


def test_the_loader_reads_what_pyelftools_reads():
    """read_elf (struct over the ELF64 structures) against pyelftools, an
    independent reader: entry, flags, each PT_LOAD segment, the interpreter,
    the program headers' address and the stack's executability."""
    from elftools.elf.elffile import ELFFile
    seen = 0
    for path in _elf_files():
        raw = open(path, "rb").read()
        ref = ELFFile(io.BytesIO(raw))
        if ref.header["e_machine"] != "EM_RISCV" or ref.header["e_type"] not in ("ET_EXEC", "ET_DYN"):
            continue
        mine = read_elf(path)
        assert (mine.entry, mine.flags, mine.phnum) == \
            (ref.header["e_entry"], ref.header["e_flags"], ref.num_segments()), path
        loads = sorted((h["p_vaddr"], h["p_memsz"], h["p_offset"], h["p_filesz"], h["p_flags"])
                       for h in (seg.header for seg in ref.iter_segments())
                       if h["p_type"] == "PT_LOAD" and h["p_memsz"])
        assert [(s.vaddr, s.memsz, s.offset, s.filesz, s.flags) for s in mine.segments] == loads
        interp = [seg.get_interp_name() for seg in ref.iter_segments()
                  if seg.header["p_type"] == "PT_INTERP"]
        assert mine.interp == (interp[0] if interp else None), path
        phdr = [seg.header["p_vaddr"] for seg in ref.iter_segments()
                if seg.header["p_type"] == "PT_PHDR"]
        assert mine.phdr_vaddr == (phdr[0] if phdr else None), path
        stack = [seg.header["p_flags"] & elfmod.PF_X for seg in ref.iter_segments()
                 if seg.header["p_type"] == "PT_GNU_STACK"]
        assert mine.exec_stack == bool(stack and stack[0]), path
        dynsym = ref.get_section_by_name(".dynsym")
        if dynsym is not None:   # (some 20 of its symbols, first to last, each named once)
            defined = [sym for sym in dynsym.iter_symbols() if sym.name]
            once = {n for n, k in collections.Counter(sym.name for sym in defined).items()
                    if k == 1}
            for sym in defined[::max(1, len(defined) // 20)]:
                if sym.name in once:
                    assert elfmod.dynamic_symbol(raw, sym.name.encode()) == sym["st_value"]
        seen += 1
    assert seen >= 40
    with pytest.raises(KeyError):
        elfmod.dynamic_symbol(elfmod.vdso_image()[0], b"__vdso_nothing")


def test_loader_missing_file():
    with pytest.raises(ElfError, match="cannot read"):
        read_elf("/nonexistent/program")


def test_loader_missing_interpreter(tmp_path):
    with pytest.raises(ElfError, match="dynamic loader .* not found"):
        Machine.load_elf(binpath("hello-dyn"), sysroot=str(tmp_path))


def test_segments_mapped_with_their_permissions():
    m = load("hello")
    elf = m.program.exe.elf
    raw = open(binpath("hello"), "rb").read()
    assert len(raw) > len(elf.data) == elfmod.HEAD_BYTES   # (the rest read into memory)
    assert not elf.is_pie and elf.interp is None
    for s in elf.segments:
        v = m.aspace.find(s.vaddr)
        assert v is not None and v.prot == s.prot, (s, v)
        # file bytes are there, the bss after them is zero
        data = m.mmu.mem_read(s.vaddr, s.memsz)
        assert data[:s.filesz] == raw[s.offset:s.offset + s.filesz]
        assert data[s.filesz:] == bytes(s.memsz - s.filesz)
    text = m.aspace.find(elf.entry)
    assert text.prot == 5   # r-x
    assert m.aspace.brk_start >= max(s.vaddr + s.memsz for s in elf.segments)
    assert m.aspace.brk_start % 4096 == 0


@pytest.mark.parametrize("head", [64, 400, 0x290, 4096, None])
@pytest.mark.parametrize("name", ["hello", "hello-dyn"])
def test_loader_reads_what_it_needs_of_the_file(name, head, monkeypatch):
    """read_elf reads a file's first HEAD_BYTES, and the whole file when its
    program headers or loader's name lie past them; map_image reads the
    segments' bytes from the file: the same program either way."""
    if head is not None:
        monkeypatch.setattr(elfmod, "HEAD_BYTES", head)
    raw = open(binpath(name), "rb").read()
    whole = read_elf(binpath(name), raw)
    elf = read_elf(binpath(name))
    assert elf.data == raw[:len(elf.data)] and len(elf.data) in (len(raw), elfmod.HEAD_BYTES)
    assert (elf.entry, elf.segments, elf.interp, elf.phdr_vaddr) == \
        (whole.entry, whole.segments, whole.interp, whole.phdr_vaddr)
    if name == "hello":   # (hello-dyn's loader would need a sysroot)
        out = bytearray()
        m = load(name, stdout=out)
        assert m.run(timeout=60).status is ExecStatus.Exit and m.exit_code == 0
        assert out.startswith(b"Hello")
        m.close()


def test_partial_page_segments_share_a_page(tmp_path):
    """Two PT_LOAD segments on one page: the page gets both permissions and
    both segments' bytes."""
    mmu = vm_engine.FlatMMU(address_space=1 << 36)
    aspace = AddressSpace(mmu)
    data = bytes(range(256)) * 16
    fake = elfmod.ElfFile("fake", data, elfmod.ET_EXEC, 0x10000, 64, 56, 2, 0, [
        elfmod.Segment(0x10000, 0x800, 0, 0x800, elfmod.PF_R | elfmod.PF_X),
        elfmod.Segment(0x10800, 0x1000, 0x800, 0x100, elfmod.PF_R | elfmod.PF_W),
    ])
    img = elfmod.map_image(aspace, fake)
    assert img.low == 0x10000 and img.high == 0x11800
    assert aspace.find(0x10000).prot == 7
    assert aspace.find(0x11000).prot == 3
    assert mmu.mem_read(0x10000, 0x900) == data[:0x900]
    assert mmu.mem_read(0x10900, 0xF00) == bytes(0xF00)


def test_initial_stack_layout():
    rnd = bytes(range(100, 116))
    m = load("asm_hello", argv=["prog", "a", "", "b c"], env={"X": "1", "YY": "two"},
             random_bytes=rnd)
    sp = m.program.sp
    assert sp % 16 == 0
    assert m.cpu.reg_read("sp") == sp
    assert m.cpu.pc == m.program.entry == m.program.exe.entry
    st = read_stack(m.mmu, sp)
    assert st["argc"] == 4
    assert st["argv"] == [b"prog", b"a", b"", b"b c"]
    assert st["envp"] == [b"X=1", b"YY=two"]
    aux = st["auxv"]
    elf = m.program.exe.elf
    assert aux[elfmod.AT_PAGESZ] == 4096
    assert aux[elfmod.AT_PHENT] == 56
    assert aux[elfmod.AT_PHNUM] == elf.phnum
    assert m.mmu.mem_read(aux[elfmod.AT_PHDR], 56 * elf.phnum) == \
        elf.data[elf.phoff:elf.phoff + 56 * elf.phnum]
    assert aux[elfmod.AT_BASE] == 0
    assert aux[elfmod.AT_FLAGS] == 0
    assert aux[elfmod.AT_ENTRY] == elf.entry
    assert aux[elfmod.AT_UID] == os.getuid() and aux[elfmod.AT_EUID] == os.geteuid()
    assert aux[elfmod.AT_GID] == os.getgid() and aux[elfmod.AT_EGID] == os.getegid()
    hwcap = aux[elfmod.AT_HWCAP]
    assert hwcap == 0x112D
    assert {chr(ord("A") + i) for i in range(26) if hwcap >> i & 1} == set("IMAFDC")
    assert aux[elfmod.AT_CLKTCK] == 100
    assert aux[elfmod.AT_SECURE] == 0
    assert m.mmu.mem_read(aux[elfmod.AT_RANDOM], 16) == rnd
    assert m.mmu.mem_read(aux[elfmod.AT_EXECFN], len(binpath("asm_hello")) + 1) == \
        binpath("asm_hello").encode() + b"\0"
    assert m.mmu.mem_read(aux[elfmod.AT_PLATFORM], 8) == b"riscv64\0"
    # the strings sit above the table, inside the stack mapping
    lay = m.aspace.layout
    assert lay.stack_bottom < sp < lay.stack_top
    assert m.aspace.find(sp).name == "[stack]"
    # the NULL word at the very top, execfn right below it
    assert m.mmu.mem_read(lay.stack_top - 8, 8) == bytes(8)
    assert aux[elfmod.AT_EXECFN] + len(binpath("asm_hello")) + 1 == lay.stack_top - 8


@pytest.mark.parametrize("executor", ["interpreter", "jit", "hybrid"])
def test_the_vdso_reads_the_clocks_without_a_system_call(executor):
    """Every program gets vm_engine's vDSO (AT_SYSINFO_EHDR: an ELF image in a
    read-and-execute [vdso] mapping, with the kernel's symbols and version):
    the C library's clock_gettime (of every clock but the CPU-time ones),
    gettimeofday and time read the host's clocks through it (custom CSRs)
    with no system call; the CPU-time clocks make one, as a time zone asked
    for does. A signal handler returns through its __vdso_rt_sigreturn."""
    from elftools.elf.elffile import ELFFile
    out = bytearray()
    m = load("clocks", argv=["clocks", "3000"], stdout=out, executor=executor)
    aux = read_stack(m.mmu, m.program.sp)["auxv"]
    vdso = aux[elfmod.AT_SYSINFO_EHDR]
    image, sigreturn = elfmod.vdso_image()
    assert vdso == m.aspace.vdso and vdso % 4096 == 0
    vma = m.aspace.find(vdso)
    assert (vma.name, vma.prot) == ("[vdso]", 5)
    assert m.mmu.mem_read(vdso, len(image)) == image
    assert m.mmu.mem_read(vdso + sigreturn, 8) == \
        assemble("li a7, 139\necall", vdso + sigreturn)  # (rt_sigreturn)
    elf = ELFFile(io.BytesIO(image))
    names = {s.name for s in elf.get_section_by_name(".dynsym").iter_symbols()}
    assert {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_rt_sigreturn"} <= names
    assert [next(names).name for _, names in
            elf.get_section_by_name(".gnu.version_d").iter_versions()] == \
        ["linux-vdso.so.1", "LINUX_4.15"]
    assert m.run().exit_code == 0
    lines = out.decode().splitlines()
    assert len(lines) == 11 and all("0 bad, 0 backwards, between the kernel's: yes" in line
                                    for line in lines[:7]), lines
    # the process's CPU time read 3000 times through the system call, two calls
    # per clock from the program itself, a time zone's and a bad clock's; the
    # other clocks none
    assert 3000 + 7 * 2 + 2 <= m.kernel.syscall_count < 3000 + 7 * 2 + 2 + 20


#: custom CSR -> the host clock it reads (Linux clock ids: CSR 0xCC0 + the id)
_CLOCK_CSRS = {0xCC0: time.CLOCK_REALTIME, 0xCC1: time.CLOCK_MONOTONIC,
               0xCC4: time.CLOCK_MONOTONIC_RAW, 0xCC5: 5, 0xCC6: 6, 0xCC7: time.CLOCK_BOOTTIME}


def test_the_custom_clock_csrs_read_the_host_clocks():
    """csrr of 0xCC0 + a Linux clock id (REALTIME, MONOTONIC, MONOTONIC_RAW,
    the coarse ones, BOOTTIME: what the vDSO reads) gives the host's clock in
    nanoseconds, in every engine; they cannot be written, and the CPU-time
    ids (2, 3) are no CSR."""
    from harness import CODE, ENGINES, load as load_code
    regs = ["a0", "a1", "a2", "a3", "a4", "a5"]
    text = "\n".join(f"csrrs {r}, {csr:#x}, zero" for r, csr in zip(regs, _CLOCK_CSRS))
    for engine in ENGINES:
        code = assemble(text + "\nebreak", CODE)
        m, cpu = load_code(engine, code, b"")
        before = [time.clock_gettime_ns(c) for c in _CLOCK_CSRS.values()]
        cpu.run(pc=CODE, until=CODE + len(code) - 4)
        after = [time.clock_gettime_ns(c) for c in _CLOCK_CSRS.values()]
        for reg, lo, hi, csr in zip(regs, before, after, _CLOCK_CSRS):
            assert lo <= cpu.reg_read(reg) <= hi, (engine, hex(csr))
        for bad in ("csrrw zero, 0xcc0, a0", "csrrs a0, 0xcc2, zero", "csrrs a0, 0xcc3, zero"):
            m, cpu = load_code(engine, assemble(bad, CODE), b"")
            with pytest.raises(ExecutionError) as info:
                cpu.run(pc=CODE, max_instructions=1)
            assert info.value.fault.kind is FaultKind.IllegalInstruction, (engine, bad)


def test_the_address_space_is_sv39_linuxs():
    """A Linux guest's address space is riscv64 Linux's on Sv39 hardware (256 GiB):
    the stack below its top, PIE programs at 2/3, the mmap area under the stack,
    and what programs that place memory themselves count on left free, such as
    AddressSanitizer's shadow at 53-91 GiB (in a 64 GiB space the mmap area lay
    there and ASan aborted)."""
    from vm_engine.linux.machine import DEFAULT_ADDRESS_SPACE
    assert DEFAULT_ADDRESS_SPACE == 1 << 38
    m = load("hello")
    lay = m.aspace.layout
    assert lay.size == 1 << 38 and (1 << 38) - (1 << 20) < lay.stack_top < 1 << 38
    assert lay.pie_base == 0x2AAAAAA000
    m.run()
    assert m.exit_code == 0
    shadow = (0xD5554F000, 0x155554FFFF + 1)   # (asan_mapping.h: riscv64, 39-bit VMA)
    assert all(v.end <= shadow[0] or v.start >= shadow[1] for v in m.aspace.vmas)
    assert lay.mmap_top > shadow[1]
    m.close()


@needs_sysroot
def test_dynamic_program_layout():
    m = load("hello-dyn", sysroot=DEFAULT_SYSROOT)
    exe, interp = m.program.exe, m.program.interp
    assert exe.elf.is_pie and exe.elf.interp == "/lib/ld-linux-riscv64-lp64d.so.1"
    assert interp is not None and interp.bias != 0
    assert exe.bias == m.aspace.layout.pie_base
    aux = read_stack(m.mmu, m.program.sp)["auxv"]
    assert aux[elfmod.AT_BASE] == interp.bias
    assert aux[elfmod.AT_ENTRY] == exe.entry == exe.elf.entry + exe.bias
    assert exe.low <= aux[elfmod.AT_PHDR] < exe.high
    assert m.cpu.pc == interp.entry
    # nothing overlaps: the interpreter, the program, the stack
    vmas = m.aspace.vmas
    assert all(a.end <= b.start for a, b in zip(vmas, vmas[1:]))


def test_env_and_argv_defaults(monkeypatch):
    monkeypatch.setenv("VM_ENGINE_TEST_VAR", "yes")
    m = Machine.load_elf(binpath("asm_hello"), stdout=bytearray())
    st = read_stack(m.mmu, m.program.sp)
    assert st["argv"] == [binpath("asm_hello").encode()]
    assert b"VM_ENGINE_TEST_VAR=yes" in st["envp"]


# == the address space ==========================================================================
def test_address_space_map_unmap_protect():
    mmu = vm_engine.FlatMMU(address_space=1 << 36)
    a = AddressSpace(mmu)
    a.map(0x100000, 0x10000, 3, "x")
    assert a.is_fully_mapped(0x100000, 0x10000) and not a.is_free(0x10F000, 0x2000)
    a.unmap(0x104000, 0x2000)   # a hole in the middle
    assert [(v.start, v.end) for v in a.vmas] == [(0x100000, 0x104000), (0x106000, 0x110000)]
    assert not mmu.is_mapped(0x104000) and mmu.is_mapped(0x103000)
    a.protect(0x102000, 0x1000, 1)
    assert [(v.start, v.end, v.prot) for v in a.vmas] == [
        (0x100000, 0x102000, 3), (0x102000, 0x103000, 1), (0x103000, 0x104000, 3),
        (0x106000, 0x110000, 3)]
    a.protect(0x102000, 0x1000, 3)   # merges back
    assert [(v.start, v.end) for v in a.vmas] == [(0x100000, 0x104000), (0x106000, 0x110000)]
    assert a.check_access(0x100000, 0x4000, 2) and not a.check_access(0x100000, 0x5000, 1)
    a.unmap(0x0, 1 << 36)
    assert a.vmas == [] and not mmu.is_mapped(0x100000)


def test_address_space_find_free_top_down():
    mmu = vm_engine.FlatMMU(address_space=1 << 36)
    a = AddressSpace(mmu)
    top = a.layout.mmap_top
    x = a.find_free(0x3000)
    assert x == top - 0x3000
    a.map(x, 0x3000, 3)
    y = a.find_free(0x1000)
    assert y == x - 0x1000
    a.map(y, 0x1000, 3)
    a.unmap(x, 0x1000)   # a one-page hole above y
    assert a.find_free(0x1000) == x      # the hole fits one page
    assert a.find_free(0x2000) < y
    assert a.find_free(1 << 40) is None


# == system calls, one at a time ================================================================
class Env:
    """A Kernel over a bare address space with a scratch area, to drive syscalls directly."""

    SCRATCH = 0x200000

    def __init__(self, tmp_path=None, stdin=b"", **kw):
        self.mmu = vm_engine.FlatMMU(address_space=1 << 36)
        self.aspace = AddressSpace(self.mmu, Layout(1 << 36))
        self.aspace.map(self.SCRATCH, 0x10000, 3, "scratch")
        self.aspace.set_brk_start(0x1000000)
        self.cpu = vm_engine.Interpreter(self.mmu)
        self.cpu.reg_write("sp", self.SCRATCH + 0x10000)
        self.out, self.err = bytearray(), bytearray()
        self.k = Kernel(self.mmu, self.aspace, self.cpu, exe_path=binpath("asm_hello"),
                        argv=["prog", "x"], cwd=str(tmp_path) if tmp_path else None,
                        stdin=stdin, stdout=self.out, stderr=self.err, **kw)
        self.strings = self.SCRATCH + 0x8000

    def __call__(self, name: str, *args) -> int:
        nr = sc.NR[name]
        self.cpu.reg_write("a7", nr)
        regs = list(args) + [0] * (6 - len(args))
        for i, v in enumerate(regs):
            self.cpu.reg_write(10 + i, v)
        self.k.syscall()
        return sc.s64(self.cpu.reg_read("a0"))

    def put(self, data: bytes, at: int | None = None) -> int:
        at = self.strings if at is None else at
        self.mmu.mem_write(at, data)
        if at == self.strings:
            self.strings += (len(data) + 15) & ~15
        return at

    def s(self, text) -> int:
        return self.put(os.fsencode(text) + b"\0")

    def mem(self, addr: int, n: int) -> bytes:
        return self.mmu.mem_read(addr, n)


BUF = Env.SCRATCH
AT_FDCWD = -100 & sc.MASK64


def test_syscall_numbers_match_the_riscv64_table():
    """The table against the kernel headers, when the cross toolchain is installed."""
    n = sc.NR
    assert (n["read"], n["write"], n["openat"], n["close"], n["exit"], n["exit_group"]) == \
        (63, 64, 56, 57, 93, 94)
    assert (n["brk"], n["mmap"], n["munmap"], n["mprotect"], n["mremap"]) == (214, 222, 215, 226, 216)
    assert (n["newfstatat"], n["fstat"], n["statx"], n["getdents64"], n["readlinkat"]) == \
        (79, 80, 291, 61, 78)
    assert (n["riscv_hwprobe"], n["riscv_flush_icache"], n["rseq"], n["prlimit64"]) == \
        (258, 259, 293, 261)
    gcc = shutil.which("riscv64-linux-gnu-gcc")
    if not gcc:
        pytest.skip("riscv64-linux-gnu-gcc not installed")
    names = [nm for nm in n if nm not in ("riscv_hwprobe", "renameat") and n[nm] < 451]
    src = "#include <asm/unistd.h>\n" + "".join(f"long nr_{nm} = __NR_{nm};\n" for nm in names)
    p = subprocess.run([gcc, "-E", "-P", "-x", "c", "-"], input=src, capture_output=True,
                       text=True)
    if p.returncode:
        pytest.skip("cannot preprocess the kernel headers")
    found = {m.group(1): eval(m.group(2)) for m in
             re.finditer(r"long nr_(\w+) = ([^;]*);", p.stdout) if "__NR" not in m.group(2)}
    assert found and all(found[nm] == n[nm] for nm in found), \
        {nm: (found[nm], n[nm]) for nm in found if found[nm] != n[nm]}


def test_struct_sizes():
    st = os.stat(binpath("hello"))
    raw = sc.pack_stat(st)
    assert len(raw) == 128
    dev, ino, mode, nlink, uid, gid = struct.unpack_from("<QQIIII", raw)
    assert (ino, mode, nlink, uid, gid) == (st.st_ino, st.st_mode, st.st_nlink, st.st_uid, st.st_gid)
    assert struct.unpack_from("<q", raw, 48)[0] == st.st_size
    assert struct.unpack_from("<qQ", raw, 88) == divmod(st.st_mtime_ns, 10**9)
    x = sc.pack_statx(st)
    assert len(x) == 256
    assert struct.unpack_from("<I", x, 0)[0] == 0x7FF
    assert struct.unpack_from("<H", x, 28)[0] == st.st_mode
    assert struct.unpack_from("<QQ", x, 32) == (st.st_ino, st.st_size)
    assert struct.unpack_from("<qI", x, 112) == divmod(st.st_mtime_ns, 10**9)
    assert struct.unpack_from("<II", x, 136) == (os.major(st.st_dev), os.minor(st.st_dev))
    d = sc.pack_dirent64(5, 1, 8, b"abc")
    assert len(d) == 24 and struct.unpack_from("<QqHB", d) == (5, 1, 24, 8) and d[19:23] == b"abc\0"
    assert len(sc.pack_dirent64(5, 1, 8, b"abcde")) == 32


def test_write_and_read_stdio():
    e = Env(stdin=b"line one\nline two\n")
    msg = e.s("hello")
    assert e("write", 1, msg, 5) == 5
    assert e("write", 2, msg, 2) == 2
    assert bytes(e.out) == b"hello" and bytes(e.err) == b"he"
    assert e("read", 0, BUF, 4) == 4
    assert e.mem(BUF, 4) == b"line"
    assert e("read", 0, BUF, 100) == 14
    assert e("read", 0, BUF, 100) == 0
    assert e("write", 7, msg, 5) == -errno.EBADF
    assert e("write", 1, 0x10, 5) == -errno.EFAULT
    assert e("read", 0, 0x10, 5) == -errno.EFAULT
    assert e("write", 1, msg, 0) == 0
    assert e("read", 1, BUF, 4) == -errno.EBADF   # stdout is write-only


def test_writev_readv(tmp_path):
    e = Env(tmp_path)
    a, b = e.s("abc"), e.s("defgh")
    iov = e.put(struct.pack("<QQQQ", a, 3, b, 5))
    assert e("writev", 1, iov, 2) == 8
    assert bytes(e.out) == b"abcdefgh"
    assert e("writev", 1, iov, 5000) == -errno.EINVAL
    p = tmp_path / "f"
    p.write_bytes(b"0123456789")
    fd = e("openat", AT_FDCWD, e.s(str(p)), 0, 0)
    iov2 = e.put(struct.pack("<QQQQ", BUF, 4, BUF + 100, 10))
    assert e("readv", fd, iov2, 2) == 10
    assert e.mem(BUF, 4) == b"0123" and e.mem(BUF + 100, 6) == b"456789"
    assert e("pread64", fd, BUF, 3, 7) == 3 and e.mem(BUF, 3) == b"789"


@pytest.mark.parametrize("executor", ["interpreter", "jit", "hybrid"])
def test_shared_file_mappings_write_back(executor, tmp_path):
    """fileio maps a file shared: its writes reach the file at msync and munmap
    (its output, checked against qemu's in CASES), and at the process's end,
    checked here; a private mapping's do not, nor does a shared one make the
    file longer."""
    m = load("fileio", argv=["fileio", str(tmp_path)], executor=executor)
    assert m.run(timeout=60).status is ExecStatus.Exit and m.exit_code == 0
    data = (tmp_path / "mapped").read_bytes()
    assert (len(data), data[10:11], data[20:21], data[4999:5000], data[4196:4197]) == \
        (5000, b"S", b".", b"E", b"L")


def test_open_read_lseek_fstat_close(tmp_path):
    e = Env(tmp_path)
    p = tmp_path / "data.bin"
    p.write_bytes(b"x" * 5000)
    path = e.s(str(p))
    fd = e("openat", AT_FDCWD, path, sc.O_RDONLY | sc.O_CLOEXEC, 0)
    assert fd == 3
    assert e("fstat", fd, BUF) == 0
    st = os.stat(p)
    raw = e.mem(BUF, 128)
    assert struct.unpack_from("<Q", raw, 8)[0] == st.st_ino
    assert struct.unpack_from("<I", raw, 16)[0] == st.st_mode
    assert struct.unpack_from("<q", raw, 48)[0] == 5000
    assert e("lseek", fd, 4990, 0) == 4990
    assert e("read", fd, BUF, 100) == 10
    assert e("lseek", fd, -1 & sc.MASK64, 2) == 4999
    assert e("lseek", fd, 0, 9) == -errno.EINVAL
    assert e("fcntl", fd, sc.F_GETFD, 0) == sc.FD_CLOEXEC
    assert e("fcntl", fd, sc.F_GETFL, 0) & sc.O_ACCMODE == sc.O_RDONLY
    assert e("write", fd, BUF, 1) == -errno.EBADF
    assert e("close", fd) == 0
    assert e("close", fd) == -errno.EBADF
    assert e("openat", AT_FDCWD, e.s(str(tmp_path / "missing")), 0, 0) == -errno.ENOENT
    assert e("openat", AT_FDCWD, e.s("data.bin"), 0, 0) == 3   # relative to the guest cwd
    # create with a mode, subject to the guest's umask
    assert e("umask", 0o077) == 0o022
    fd = e("openat", AT_FDCWD, e.s("new"), sc.O_WRONLY | sc.O_CREAT | sc.O_EXCL, 0o666)
    assert fd == 4 and os.stat(tmp_path / "new").st_mode & 0o777 == 0o600
    assert e("openat", AT_FDCWD, e.s("new"), sc.O_WRONLY | sc.O_CREAT | sc.O_EXCL, 0o666) \
        == -errno.EEXIST
    assert e("write", fd, e.s("content"), 7) == 7
    assert e("ftruncate", fd, 3) == 0
    assert (tmp_path / "new").read_bytes() == b"con"


def test_stat_family(tmp_path):
    e = Env(tmp_path)
    (tmp_path / "f").write_bytes(b"12345")
    os.symlink("f", tmp_path / "link")
    assert e("newfstatat", AT_FDCWD, e.s("f"), BUF, 0) == 0
    assert struct.unpack_from("<q", e.mem(BUF, 128), 48)[0] == 5
    assert e("newfstatat", AT_FDCWD, e.s("link"), BUF, sc.AT_SYMLINK_NOFOLLOW) == 0
    assert struct.unpack_from("<I", e.mem(BUF, 128), 16)[0] & 0o170000 == 0o120000
    assert e("newfstatat", AT_FDCWD, e.s("nope"), BUF, 0) == -errno.ENOENT
    assert e("newfstatat", AT_FDCWD, e.s(""), BUF, 0) == -errno.ENOENT
    assert e("newfstatat", AT_FDCWD, e.s("f"), BUF, 0x8000000) == -errno.EINVAL
    assert e("newfstatat", 1, e.s(""), BUF, sc.AT_EMPTY_PATH) == 0   # stdout: a pipe-like buffer
    assert struct.unpack_from("<I", e.mem(BUF, 128), 16)[0] & 0o170000 == 0o010000
    assert e("statx", AT_FDCWD, e.s("f"), 0, 0x7FF, BUF) == 0
    x = e.mem(BUF, 256)
    assert struct.unpack_from("<I", x, 0)[0] == 0x7FF
    assert struct.unpack_from("<Q", x, 40)[0] == 5
    dfd = e("openat", AT_FDCWD, e.s(str(tmp_path)), sc.O_RDONLY | sc.O_DIRECTORY, 0)
    assert e("newfstatat", dfd, e.s("f"), BUF, 0) == 0   # relative to a directory fd
    assert e("readlinkat", dfd, e.s("link"), BUF, 100) == 1 and e.mem(BUF, 1) == b"f"
    assert e("faccessat", AT_FDCWD, e.s("f"), 4) == 0
    assert e("faccessat", AT_FDCWD, e.s("nope"), 0) == -errno.ENOENT
    assert e("faccessat2", AT_FDCWD, e.s("f"), 0, 0) == 0


def test_proc_self(tmp_path):
    e = Env(tmp_path)
    n = e("readlinkat", AT_FDCWD, e.s("/proc/self/exe"), BUF, 4096)
    assert e.mem(BUF, n) == os.path.realpath(binpath("asm_hello")).encode()
    assert e("readlinkat", AT_FDCWD, e.s("/proc/self/exe"), BUF, 4) == 4
    fd = e("openat", AT_FDCWD, e.s("/proc/self/maps"), 0, 0)
    assert fd >= 0
    n = e("read", fd, BUF, 4096)
    text = e.mem(BUF, n).decode()
    assert "00200000-00210000 rw-p" in text and "scratch" in text
    fd = e("openat", AT_FDCWD, e.s("/proc/self/exe"), 0, 0)
    assert e("read", fd, BUF, 4) == 4 and e.mem(BUF, 4) == b"\x7fELF"

    def proc(name):
        fd = e("openat", AT_FDCWD, e.s(f"/proc/self/{name}"), 0, 0)
        return e.mem(BUF, e("read", fd, BUF, 4096)).decode()
    # stat and status are the host's, but with the guest's name and threads (not the host
    # process's: the compiler's thread and others, which Python's fork() warns of)
    threading.Thread(target=time.sleep, args=(0.5,)).start()   # (a host thread more)
    e.k.threads.spawn(0, None)
    stat = proc("stat")
    assert stat.startswith(f"{os.getpid()} (asm_hello) ") and stat.split(") ")[1].split()[17] == "2"
    status = proc("status")
    assert "Name:\tasm_hello\n" in status and "Threads:\t2\n" in status
    assert f"Pid:\t{os.getpid()}\n" in status
    # the guest's cpu, not the host's: one hart, RV64IMAFDC
    fd = e("openat", AT_FDCWD, e.s("/proc/cpuinfo"), 0, 0)
    cpuinfo = e.mem(BUF, e("read", fd, BUF, 4096)).decode()
    assert cpuinfo.count("processor\t: ") == 1 and "isa\t\t: rv64imafdc_" in cpuinfo
    assert "hart\t\t: 0\n" in cpuinfo and "vendor_id" not in cpuinfo
    assert e("openat", AT_FDCWD, e.s("/proc/cpuinfo"), os.O_WRONLY, 0) == -errno.EACCES
    # and sysfs's lists of cpus, which glibc's get_nprocs (os.cpu_count) reads: that hart
    for name in ("online", "possible", "present"):
        fd = e("openat", AT_FDCWD, e.s(f"/sys/devices/system/cpu/{name}"), 0, 0)
        assert e.mem(BUF, e("read", fd, BUF, 4096)) == b"0\n"
    how = e.put(struct.pack("<QQQ", os.O_RDONLY, 0, 0))
    fd = e("openat2", AT_FDCWD, e.s("/sys/devices/system/cpu/online"), how, 24)
    assert e.mem(BUF, e("read", fd, BUF, 4096)) == b"0\n"


def test_output_a_child_wrote_first_comes_first(monkeypatch):
    """A guest fork's child sends its output through a pipe its parent's relay
    thread collects; the parent's own output comes after what the children
    wrote before it, as on a pipe they share, however late the relay: an
    orphaned grandchild's line, which no wait settles, came after its
    grandparent's next one (hostsig, now and then). Here no relay runs at all."""
    monkeypatch.setattr(sc.BufferOutput, "_relay", lambda self, r: None)
    out = sc.BufferOutput(bytearray())
    ends = out.fork_pipe()
    child = os.dup(ends[1])   # (the child's end, which forked() closes in the parent)
    out.forked(ends, child=False)
    try:
        os.write(child, b"the child's line\n")
        out.write(b"the parent's line\n")
        assert out.sink == b"the child's line\nthe parent's line\n"
    finally:
        os.close(child)
    out.settle()
    assert out.sink == b"the child's line\nthe parent's line\n"


def test_prctl_attributes_qemu_does_not_pass_on(tmp_path):
    """prctl's options that qemu-user answers for itself (so prctl.c, checked
    against qemu, leaves them out), as Linux answers them."""
    e = Env(tmp_path)
    PR_GET_SECCOMP, PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER = 21, 36, 37
    PR_SET_THP_DISABLE, PR_GET_THP_DISABLE, PR_GET_TID_ADDRESS = 41, 42, 40
    assert e("prctl", PR_GET_SECCOMP) == 0
    e.put(struct.pack("<i", -1), BUF)
    assert e("prctl", PR_GET_CHILD_SUBREAPER, BUF) == 0 and e.mem(BUF, 4) == bytes(4)
    assert e("prctl", PR_SET_CHILD_SUBREAPER, 1) == 0
    assert e("prctl", PR_GET_CHILD_SUBREAPER, BUF) == 0 and e.mem(BUF, 4) == b"\1\0\0\0"
    assert e("prctl", PR_GET_THP_DISABLE, 0, 0, 0, 0) == 0
    assert e("prctl", PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0
    assert e("prctl", PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1
    assert e("prctl", PR_SET_THP_DISABLE, 0, 0, 1, 0) == -errno.EINVAL   # (stray arguments)
    assert e("prctl", PR_GET_THP_DISABLE, 1, 0, 0, 0) == -errno.EINVAL
    assert e("prctl", 3) == 1 and e("prctl", 4, 0) == 0 and e("prctl", 3) == 0   # dumpable
    assert e("prctl", 4, 2) == -errno.EINVAL and e("prctl", 4, 1) == 0 and e("prctl", 3) == 1
    assert e("set_tid_address", BUF + 64) == os.getpid()
    assert e("prctl", PR_GET_TID_ADDRESS, BUF) == 0
    assert struct.unpack("<Q", e.mem(BUF, 8))[0] == BUF + 64


def test_extended_attributes(tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"")
    try:
        os.setxattr(f, "user.probe", b"1")
    except OSError as e:
        pytest.skip(f"the host's file system here keeps no user xattrs: {e}")
    os.removexattr(f, "user.probe")
    e = Env(tmp_path)
    path, name = e.s(str(f)), e.s("user.colour")
    value = e.put(b"blue")
    assert e("setxattr", path, name, value, 4, 0) == 0
    assert e("setxattr", path, name, value, 4, 1) == -errno.EEXIST   # XATTR_CREATE
    assert e("getxattr", path, name, 0, 0) == 4                      # (the size it needs)
    assert e("getxattr", path, name, BUF, 2) == -errno.ERANGE
    assert e("getxattr", path, name, BUF, 64) == 4 and e.mem(BUF, 4) == b"blue"
    assert e("getxattr", path, e.s("user.none"), BUF, 64) == -errno.ENODATA
    fd = e("openat", AT_FDCWD, path, 0, 0)
    assert e("fsetxattr", fd, e.s("user.n"), e.put(b"7"), 1, 0) == 0
    n = e("flistxattr", fd, BUF, 256)
    assert sorted(e.mem(BUF, n).split(b"\0")[:-1]) == [b"user.colour", b"user.n"]
    assert e("listxattr", path, 0, 0) == n and e("listxattr", path, BUF, 3) == -errno.ERANGE
    assert e("lremovexattr", path, name) == 0 and e("fremovexattr", fd, e.s("user.n")) == 0
    assert e("llistxattr", path, BUF, 256) == 0 and os.listxattr(f) == []
    assert e("setxattr", path, name, value, 4, 8) == -errno.EINVAL


def test_preadv2_mincore_fchmodat2_mlock2(tmp_path):
    e = Env(tmp_path)
    p = tmp_path / "f"
    p.write_bytes(b"0123456789")
    fd = e("openat", AT_FDCWD, e.s(str(p)), 0, 0)
    iov = e.put(struct.pack("<QQ", BUF, 4))
    assert e("preadv2", fd, iov, 1, 6, 0, 0) == 4 and e.mem(BUF, 4) == b"6789"
    assert e("preadv2", fd, iov, 1, (1 << 64) - 1, 0, 0) == 4 and e.mem(BUF, 4) == b"0123"
    assert e("preadv2", fd, iov, 1, (1 << 64) - 1, 0, 0) == 4 and e.mem(BUF, 4) == b"4567"
    assert e("preadv2", fd, iov, 1, 0, 0, 0x100) == -errno.EOPNOTSUPP
    scratch = Env.SCRATCH
    assert e("mincore", scratch, 3 * 4096, BUF) == 0 and e.mem(BUF, 3) == b"\1\1\1"
    assert e("mincore", scratch + 0x10000, 4096, BUF) == -errno.ENOMEM   # (past its end)
    assert e("mincore", scratch + 1, 4096, BUF) == -errno.EINVAL
    assert e("mlock2", scratch, 4096, 1) == 0 and e("mlock2", scratch, 4096, 2) == -errno.EINVAL
    os.symlink("f", tmp_path / "link")
    assert e("fchmodat2", AT_FDCWD, e.s(str(p)), 0o600, 0) == 0
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    assert e("fchmodat2", AT_FDCWD, e.s(str(tmp_path / "link")), 0o644,
             sc.AT_SYMLINK_NOFOLLOW) == -errno.EOPNOTSUPP
    assert e("fchmodat2", fd, e.s(""), 0o640, sc.AT_EMPTY_PATH) == 0
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o640


def test_inotify(tmp_path):
    """inotify is the host's: events read as Linux writes them (tail -f, fs.watch)."""
    e = Env(tmp_path)
    IN_CREATE, IN_DELETE = 0x100, 0x200
    fd = e("inotify_init1", sc.O_NONBLOCK)
    wd = e("inotify_add_watch", fd, e.s(str(tmp_path)), IN_CREATE | IN_DELETE)
    assert fd >= 0 and wd >= 1
    assert e("inotify_add_watch", 1, e.s(str(tmp_path)), IN_CREATE) == -errno.EINVAL
    (tmp_path / "new.txt").write_bytes(b"")
    (tmp_path / "new.txt").unlink()
    n = e("read", fd, BUF, 4096)
    events, raw, at = [], e.mem(BUF, n), 0
    while at < n:
        w, mask, _, size = struct.unpack_from("<iIII", raw, at)
        events.append((w, mask, raw[at + 16:at + 16 + size].rstrip(b"\0")))
        at += 16 + size
    assert events == [(wd, IN_CREATE, b"new.txt"), (wd, IN_DELETE, b"new.txt")]
    assert e("read", fd, BUF, 4096) == -errno.EAGAIN
    assert e("inotify_rm_watch", fd, wd) == 0 and e("inotify_rm_watch", fd, wd) == -errno.EINVAL


def test_getdents64(tmp_path):
    e = Env(tmp_path)
    for name in ("a", "bb", "c" * 40):
        (tmp_path / name).write_bytes(b"")
    os.mkdir(tmp_path / "dir")
    fd = e("openat", AT_FDCWD, e.s("."), sc.O_RDONLY | sc.O_DIRECTORY, 0)
    names, types = [], {}
    while True:
        n = e("getdents64", fd, BUF, 64)   # small buffer: several calls
        assert n >= 0
        if n == 0:
            break
        raw, off = e.mem(BUF, n), 0
        while off < n:
            ino, doff, reclen, dtype = struct.unpack_from("<QqHB", raw, off)
            assert reclen % 8 == 0
            name = raw[off + 19:off + reclen].split(b"\0")[0].decode()
            names.append(name)
            types[name] = dtype
            off += reclen
    assert sorted(names) == sorted([".", "..", "a", "bb", "c" * 40, "dir"])
    assert types["dir"] == 4 and types["a"] == 8
    assert e("getdents64", fd, BUF, 10) == 0    # at the end
    assert e("lseek", fd, 0, 0) == 0
    assert e("getdents64", fd, BUF, 10) == -errno.EINVAL   # too small for one entry
    assert e("getdents64", 1, BUF, 4096) == -errno.ENOTDIR


def test_ioctl_tty_and_not_tty():
    e = Env()
    assert e("ioctl", 1, sc.TCGETS, BUF) == -errno.ENOTTY
    assert e("ioctl", 0, sc.TIOCGWINSZ, BUF) == -errno.ENOTTY
    assert e("ioctl", 9, sc.TCGETS, BUF) == -errno.EBADF
    try:
        master, slave = os.openpty()
    except OSError:
        pytest.skip("no pty")
    try:
        e2 = Env(stdin=slave)
        assert e2("ioctl", 0, sc.TCGETS, BUF) == 0
        import termios
        iflag, oflag, cflag, lflag = termios.tcgetattr(slave)[:4]
        assert struct.unpack_from("<IIII", e2.mem(BUF, 16)) == (iflag, oflag, cflag, lflag)
        assert e2("ioctl", 0, sc.TIOCGWINSZ, BUF) == 0
        # requests whose argument is a number get the guest's whole (2**31 and up
        # raised OverflowError in the engine: Python's test_termios)
        TCXONC, TCFLSH, TCOON = 0x540A, 0x540B, 1
        for bad in (1 << 31, (1 << 32) - 1, 1 << 40, sc.MASK64):
            assert e2("ioctl", 0, TCXONC, bad) == -errno.EINVAL
            assert e2("ioctl", 0, TCFLSH, bad) == -errno.EINVAL
        assert e2("ioctl", 0, TCXONC, TCOON) == 0
    finally:
        os.close(master)
        os.close(slave)


def test_set_ids_are_the_host_process_calls():
    """setuid and friends change the host process's ids, as under qemu-user
    (prctl.c drops root in a child); here only to what they are (this is the
    test process), with -1 for unchanged where Linux takes it."""
    e = Env()
    uid, gid, groups = os.getuid(), os.getgid(), os.getgroups()
    assert e("setuid", uid) == 0 and e("setgid", gid) == 0
    assert e("setuid", 0xFFFFFFFF) == -errno.EINVAL and e("setgid", -1) == -errno.EINVAL
    assert e("setreuid", -1, uid) == 0 and e("setregid", gid, -1) == 0
    assert e("setresuid", -1, -1, -1) == 0 and e("setresgid", -1, gid, -1) == 0
    assert e("setfsuid", -1) == uid and e("setfsgid", -1) == gid  # (the current one)
    assert e("setgroups", len(groups), e.put(struct.pack(f"<{len(groups)}I", *groups))) == 0
    assert e("setgroups", 1 << 20, BUF) == -errno.EINVAL
    assert (os.getuid(), os.getgid(), os.getgroups()) == (uid, gid, groups)
    if uid != 0:
        assert e("setuid", 0) == -errno.EPERM


def test_personality_is_kept():
    """personality() returns the persona before; 0xffffffff only asks (setarch
    -R sets ADDR_NO_RANDOMIZE, a later query sees it)."""
    e = Env()
    ADDR_NO_RANDOMIZE = 0x0040000
    assert e("personality", 0xFFFFFFFF) == 0
    assert e("personality", ADDR_NO_RANDOMIZE) == 0
    assert e("personality", 0xFFFFFFFF) == ADDR_NO_RANDOMIZE
    assert e("personality", 0) == ADDR_NO_RANDOMIZE and e("personality", 0xFFFFFFFF) == 0


def test_fionbio_and_fioasync_set_any_files_flags():
    """FIONBIO and FIOASYNC are every file's ioctls (Linux's do_vfs_ioctl), as
    F_SETFL's O_NONBLOCK and O_ASYNC: libuv sets a pipe non-blocking with
    FIONBIO, so node failed (ENOTTY) writing to a Machine's stdout buffer."""
    e = Env()
    fds = e.put(bytes(8))
    assert e("pipe2", fds, 0) == 0
    pipe_r = struct.unpack("<i", e.mem(fds, 4))[0]
    for fd in (1, pipe_r):
        for req, flag in ((sc.FIONBIO, sc.O_NONBLOCK), (sc.FIOASYNC, sc.O_ASYNC)):
            assert e("ioctl", fd, req, e.put(struct.pack("<i", 1))) == 0
            assert e("fcntl", fd, sc.F_GETFL, 0) & flag
            assert e("ioctl", fd, req, e.put(struct.pack("<i", 0))) == 0
            assert not e("fcntl", fd, sc.F_GETFL, 0) & flag
    assert e("ioctl", pipe_r, sc.FIONBIO, e.put(struct.pack("<i", 1))) == 0
    assert e("read", pipe_r, BUF, 1) == -errno.EAGAIN  # (the host's pipe too)
    assert e("ioctl", 9, sc.FIONBIO, e.put(struct.pack("<i", 1))) == -errno.EBADF


def test_dup_fcntl_pipe():
    e = Env()
    assert e("dup", 1) == 3
    assert e("write", 3, e.s("via dup"), 7) == 7 and bytes(e.out) == b"via dup"
    assert e("dup3", 1, 10, sc.O_CLOEXEC) == 10
    assert e("fcntl", 10, sc.F_GETFD, 0) == 1
    assert e("dup3", 1, 1, 0) == -errno.EINVAL
    assert e("fcntl", 1, sc.F_DUPFD, 20) == 20
    assert e("fcntl", 1, sc.F_DUPFD_CLOEXEC, 20) == 21
    assert e("fcntl", 1, 12345, 0) == -errno.EINVAL
    assert e("pipe2", BUF, sc.O_CLOEXEC) == 0
    r, w = struct.unpack("<ii", e.mem(BUF, 8))
    assert (r, w) == (4, 5)
    assert e("write", w, e.s("through the pipe"), 16) == 16
    assert e("read", r, BUF + 64, 100) == 16 and e.mem(BUF + 64, 16) == b"through the pipe"
    assert e("fsync", w) == -errno.EINVAL and e("syncfs", w) == 0   # (a pipe's file system)
    # a program embedded in another's process gets no signals of the host kernel's
    # about files (its signals would be the host program's): sigio's case has them
    assert e.k.host_signals is None
    assert e("fcntl", r, sc.F_SETOWN, os.getpid()) == 0 and e("fcntl", r, sc.F_GETOWN, 0) == 0
    assert e("fcntl", r, sc.F_SETSIG, 34) == -errno.EINVAL
    assert e("fcntl", r, sc.F_NOTIFY, 1) == -errno.EINVAL
    assert e("close", w) == 0
    assert e("read", r, BUF + 64, 100) == 0   # EOF
    assert e("pipe2", BUF, 0x1) == -errno.EINVAL
    e("close", 3)
    assert e("write", 10, e.s("!"), 1) == 1 and bytes(e.out).endswith(b"!")   # still open


def test_pselect6_ppoll_and_fifos(tmp_path):
    e = Env(tmp_path)
    assert e("pipe2", BUF, 0) == 0
    r, w = struct.unpack("<ii", e.mem(BUF, 8))
    zero = e.put(struct.pack("<qq", 0, 0))
    sets = BUF + 64   # read, write, except sets: 8 bytes each

    def select(read=0, write=0, timeout=zero, sigarg=0):
        e.put(struct.pack("<QQQ", read, write, 0), sets)
        n = e("pselect6", 16, sets, sets + 8, sets + 16, timeout, sigarg)
        return n, struct.unpack("<QQQ", e.mem(sets, 24))
    assert select(read=1 << r, write=1 << w) == (1, (0, 1 << w, 0))   # empty: writable only
    assert e("write", w, e.s("x"), 1) == 1
    assert select(read=1 << r) == (1, (1 << r, 0, 0))
    e.put(struct.pack("<QQQ", 1 << 13, 0, 0), sets)
    assert e("pselect6", 16, sets, 0, 0, zero, 0) == -errno.EBADF
    # ppoll with a mask that lets a pending signal through: EINTR, its handler runs
    act = e.put(struct.pack("<QQQ", 0x12340, 0, 0))
    assert e("rt_sigaction", sc.SIGUSR1, act, 0, 8) == 0
    e.put(struct.pack("<Q", 1 << (sc.SIGUSR1 - 1)), BUF + 128)
    assert e("rt_sigprocmask", 0, BUF + 128, 0, 8) == 0        # blocked,
    assert e("kill", os.getpid(), sc.SIGUSR1) == 0 and e.k.pending  # pending
    e.put(struct.pack("<ih", r, 0x4), BUF + 160)               # POLLOUT on the read end: never
    assert e("ppoll", BUF + 160, 1, zero, 0, 8) == 0           # (blocked: a timeout)
    e.put(struct.pack("<Q", 0), BUF + 136)
    assert e("ppoll", BUF + 160, 1, 0, BUF + 136, 8) == sc.SIGUSR1   # the handler's a0
    assert e.cpu.pc == 0x12340 and not e.k.pending
    # mknodat: a FIFO, a plain file; no devices
    assert e("mknodat", AT_FDCWD, e.s("fifo"), 0o10600, 0) == 0
    assert os.path.exists(tmp_path / "fifo") and stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode)
    assert e("mknodat", AT_FDCWD, e.s("plain"), 0o100644, 0) == 0
    assert e("mknodat", AT_FDCWD, e.s("dev"), 0o20600, 0x0103) == -errno.EPERM


def test_brk():
    e = Env()
    start = e("brk", 0)
    assert start == 0x1000000
    assert e("brk", start + 0x100) == start + 0x100
    e.mmu.mem_write(start + 0xFF, b"x")
    assert e.aspace.find(start).name == "[heap]"
    assert e("brk", start + 0x5000) == start + 0x5000
    assert e.mmu.is_mapped(start + 0x4FFF)
    assert e("brk", start) == start
    assert not e.mmu.is_mapped(start)
    assert e("brk", start - 0x1000) == start   # below the start: unchanged
    assert e("brk", 1 << 40) == start          # too far: unchanged


def test_mmap_anonymous_fixed_and_hints():
    e = Env()
    RW, PRIV_ANON = 3, sc.MAP_PRIVATE | sc.MAP_ANONYMOUS
    a = e("mmap", 0, 10000, RW, PRIV_ANON, -1 & sc.MASK64, 0)
    assert a > 0 and a % 4096 == 0
    assert e.aspace.find(a).end == a + 12288
    assert e.mem(a, 12288) == bytes(12288)
    b = e("mmap", 0, 4096, RW, PRIV_ANON, -1 & sc.MASK64, 0)
    assert b == a - 4096   # top-down
    hint = 0x5000000
    assert e("mmap", hint, 4096, RW, PRIV_ANON, -1 & sc.MASK64, 0) == hint
    # the hint is taken now: elsewhere
    other = e("mmap", hint, 4096, RW, PRIV_ANON, -1 & sc.MASK64, 0)
    assert other != hint
    e.mmu.mem_write(hint, b"old")
    assert e("mmap", hint, 4096, 1, PRIV_ANON | sc.MAP_FIXED, -1 & sc.MASK64, 0) == hint
    assert e.mem(hint, 3) == bytes(3) and e.aspace.find(hint).prot == 1
    assert e("mmap", hint, 4096, RW, PRIV_ANON | sc.MAP_FIXED_NOREPLACE, -1 & sc.MASK64, 0) \
        == -errno.EEXIST
    assert e("mmap", hint + 1, 4096, RW, PRIV_ANON | sc.MAP_FIXED, -1 & sc.MASK64, 0) \
        == -errno.EINVAL
    assert e("mmap", 0, 0, RW, PRIV_ANON, -1 & sc.MASK64, 0) == -errno.EINVAL
    assert e("mmap", 0, 4096, RW, sc.MAP_ANONYMOUS, -1 & sc.MASK64, 0) == -errno.EINVAL
    assert e("mmap", 0, 4096, RW, sc.MAP_PRIVATE, 55, 0) == -errno.EBADF
    assert e("mmap", 0, 1 << 40, RW, PRIV_ANON, -1 & sc.MASK64, 0) == -errno.ENOMEM
    # PROT_NONE reservations, then mprotect inside them (glibc's malloc arenas do this)
    r = e("mmap", 0, 0x10000, 0, PRIV_ANON | 0x4000, -1 & sc.MASK64, 0)
    assert e.aspace.find(r).prot == 0
    assert e("mprotect", r, 0x2000, RW) == 0
    assert [v.prot for v in e.aspace.vmas if r <= v.start < r + 0x10000] == [3, 0]


def test_mmap_file_backed(tmp_path):
    e = Env(tmp_path)
    data = bytes(range(256)) * 40   # 10240 bytes
    (tmp_path / "f").write_bytes(data)
    fd = e("openat", AT_FDCWD, e.s("f"), 0, 0)
    a = e("mmap", 0, len(data), 1, sc.MAP_PRIVATE, fd, 0)
    assert a > 0
    assert e.mem(a, len(data)) == data
    assert e.mem(a + len(data), 12288 - len(data)) == bytes(12288 - len(data))  # past EOF
    b = e("mmap", 0, 4096, 3, sc.MAP_PRIVATE, fd, 8192)
    assert e.mem(b, 2048) == data[8192:]
    assert e("mmap", 0, 4096, 1, sc.MAP_PRIVATE, fd, 100) == -errno.EINVAL   # offset alignment
    assert e.aspace.find(a).name.endswith("/f")
    wfd = e("openat", AT_FDCWD, e.s("f"), sc.O_WRONLY, 0)
    assert e("mmap", 0, 4096, 1, sc.MAP_PRIVATE, wfd, 0) == -errno.EACCES
    dfd = e("openat", AT_FDCWD, e.s("."), sc.O_DIRECTORY, 0)
    assert e("mmap", 0, 4096, 1, sc.MAP_PRIVATE, dfd, 0) == -errno.ENODEV


def test_munmap_mprotect_mremap_madvise():
    e = Env()
    a = e("mmap", 0, 0x4000, 3, 0x22, -1 & sc.MASK64, 0)
    e.mmu.mem_write(a, b"A" * 0x4000)
    assert e("munmap", a + 0x1000, 0x1000) == 0
    assert not e.mmu.is_mapped(a + 0x1000) and e.mmu.is_mapped(a + 0x2000)
    assert e("munmap", a + 1, 0x1000) == -errno.EINVAL
    assert e("munmap", a, 0) == -errno.EINVAL
    assert e("munmap", 0x7000000, 0x1000) == 0   # nothing there: fine
    assert e("mprotect", a, 0x3000, 1) == -errno.ENOMEM  # a hole in the range
    assert e("mprotect", a + 0x2000, 0x2000, 1) == 0
    assert e.aspace.find(a + 0x3000).prot == 1
    assert e("mprotect", a + 3, 0x1000, 1) == -errno.EINVAL
    # mremap: grow in place when there is room, else move (MAYMOVE) keeping the data
    b = e("mmap", 0, 0x2000, 3, 0x22, -1 & sc.MASK64, 0)
    e.mmu.mem_write(b, b"B" * 0x2000)
    assert e("mremap", b, 0x2000, 0x1000, 0, 0) == b
    assert not e.mmu.is_mapped(b + 0x1000)
    grown = e("mremap", b, 0x1000, 0x2000, 0, 0)
    assert grown == b and e.mem(b + 0x1000, 8) == bytes(8)
    c = e("mmap", b + 0x2000, 0x1000, 3, 0x22 | sc.MAP_FIXED, -1 & sc.MASK64, 0)
    assert c == b + 0x2000
    assert e("mremap", b, 0x2000, 0x8000, 0, 0) == -errno.ENOMEM   # blocked, may not move
    moved = e("mremap", b, 0x2000, 0x8000, sc.MREMAP_MAYMOVE, 0)
    assert moved not in (b, -errno.ENOMEM) and moved > 0
    assert e.mem(moved, 0x1000) == b"B" * 0x1000 and not e.mmu.is_mapped(b)
    assert e("mremap", 0x7000000, 0x1000, 0x2000, 1, 0) == -errno.EFAULT
    # madvise(DONTNEED) drops the contents of anonymous memory
    assert e("madvise", moved, 0x1000, sc.MADV_DONTNEED) == 0
    assert e.mem(moved, 16) == bytes(16)


def test_network_interfaces_are_the_hosts_and_its_name_is_never_set():
    """A socket's interface ioctls give the host's answers (if_nametoindex's
    SIOCGIFINDEX, if_indextoname's SIOCGIFNAME, an address, SIOCGIFCONF's list,
    its buffer a guest pointer); sethostname and setdomainname get EPERM (EINVAL
    past 64 bytes), as an unprivileged process's would, even under root."""
    import fcntl
    import socket
    e = Env()
    fd = e("socket", socket.AF_INET, socket.SOCK_DGRAM, 0)
    assert fd >= 0
    e.put(struct.pack("16s24x", b"lo"), BUF)
    assert e("ioctl", fd, 0x8933, BUF) == 0   # SIOCGIFINDEX
    index = struct.unpack_from("<i", e.mem(BUF + 16, 4))[0]
    assert index == socket.if_nametoindex("lo")
    e.put(struct.pack("16xi20x", index), BUF)
    assert e("ioctl", fd, 0x8910, BUF) == 0   # SIOCGIFNAME
    assert e.mem(BUF, 16).rstrip(b"\0") == b"lo"
    assert e("ioctl", fd, 0x8915, BUF) == 0   # SIOCGIFADDR
    assert socket.inet_ntoa(e.mem(BUF + 20, 4)) == "127.0.0.1"
    host = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for size in (0, 40, 4000):   # SIOCGIFCONF: no buffer (the length it takes), one
        buf = BUF + 64 if size else 0   # entry's, room for all
        e.put(struct.pack("<i4xQ", size, buf), BUF)
        assert e("ioctl", fd, sc.SIOCGIFCONF, BUF) == 0
        got = struct.unpack("<i", e.mem(BUF, 4))[0]
        import array
        into = array.array("B", bytes(max(size, 1)))
        addr, _ = into.buffer_info()
        conf = bytearray(struct.pack("<i4xQ", size, addr if size else 0))
        fcntl.ioctl(host.fileno(), sc.SIOCGIFCONF, conf)
        assert got == struct.unpack_from("<i", conf)[0]
        if size:
            assert e.mem(buf, got) == into.tobytes()[:got]
            assert e.mem(buf, 16).rstrip(b"\0") == b"lo"
    host.close()
    e.put(b"guest", BUF)
    assert e("sethostname", BUF, 5) == -errno.EPERM
    assert e("setdomainname", BUF, 5) == -errno.EPERM
    assert e("sethostname", BUF, 65) == -errno.EINVAL
    e.k.close_all()


def test_the_host_clock_is_read_and_never_set():
    """adjtimex and clock_adjtime read the host clock's discipline (a read-only
    mode: 0, adjtime(NULL, &old)'s ADJ_OFFSET_SS_READ) as the host has it; a
    change of it, settimeofday and clock_settime get EPERM as an unprivileged
    process's would, after Linux's own checks (EINVAL, EFAULT), even when the
    tests run as root."""
    import ctypes
    e = Env()
    e.put(bytes(sc.TIMEX_SIZE), BUF)
    state = e("adjtimex", BUF)
    host = ctypes.create_string_buffer(sc.TIMEX_SIZE)
    assert state == ctypes.CDLL(None).adjtimex(host) and 0 <= state <= 5   # (TIME_OK..ERROR)
    guest = e.mem(BUF, sc.TIMEX_SIZE)
    # freq, status, constant, precision, tolerance, tick as the host's; time now
    for at, fmt in ((16, "<q"), (40, "<i"), (48, "<q"), (56, "<q"), (64, "<q"), (88, "<q")):
        assert struct.unpack_from(fmt, guest, at) == struct.unpack_from(fmt, host.raw, at)
    import time
    assert abs(struct.unpack_from("<q", guest, 72)[0] - time.time()) < 5
    e.put(struct.pack("<I", sc.ADJ_OFFSET_SS_READ), BUF)
    assert e("adjtimex", BUF) == state
    assert e("clock_adjtime", 0, BUF) == state
    e.put(struct.pack("<I", 1), BUF)   # (ADJ_OFFSET: a change)
    assert e("adjtimex", BUF) == -errno.EPERM
    assert e("clock_adjtime", 0, BUF) == -errno.EPERM
    assert e("clock_adjtime", 99, BUF) == -errno.EINVAL
    assert e("adjtimex", 0) == -errno.EFAULT
    e.put(struct.pack("<qq", 1, 0), BUF)
    assert e("settimeofday", BUF, 0) == -errno.EPERM
    assert e("clock_settime", 0, BUF) == -errno.EPERM
    assert e("clock_settime", 1, BUF) == -errno.EINVAL   # (CLOCK_MONOTONIC: never set)
    assert e("settimeofday", 0, BUF) == -errno.EPERM     # (the time zone)
    e.put(struct.pack("<qq", 1, 10**6), BUF)
    assert e("settimeofday", BUF, 0) == -errno.EINVAL
    e.put(struct.pack("<qq", 1, 10**9), BUF)
    assert e("clock_settime", 0, BUF) == -errno.EINVAL
    assert e("settimeofday", 0x7000000, 0) == -errno.EFAULT


def test_identity_time_and_misc():
    e = Env()
    assert e("getpid") == os.getpid() == e("gettid")
    assert e("getppid") == os.getppid()
    assert (e("getuid"), e("geteuid"), e("getgid"), e("getegid")) == \
        (os.getuid(), os.geteuid(), os.getgid(), os.getegid())
    assert e("set_tid_address", BUF) == os.getpid()
    assert e("set_robust_list", BUF, 24) == 0
    assert e("rseq", BUF, 32, 0, 0) == -errno.ENOSYS
    assert e("uname", BUF) == 0
    u = e.mem(BUF, 6 * 65)
    fields = [u[i * 65:(i + 1) * 65].split(b"\0")[0] for i in range(6)]
    assert fields[0] == b"Linux" and fields[4] == b"riscv64"
    import time
    assert e("clock_gettime", 1, BUF) == 0
    sec, nsec = struct.unpack("<qq", e.mem(BUF, 16))
    assert abs(sec + nsec / 1e9 - time.monotonic()) < 5 and 0 <= nsec < 10**9
    assert e("clock_gettime", 0, BUF) == 0
    assert abs(struct.unpack("<q", e.mem(BUF, 8))[0] - time.time()) < 5
    assert e("clock_gettime", 99, BUF) == -errno.EINVAL
    assert e("clock_getres", 1, BUF) == 0 and struct.unpack("<qq", e.mem(BUF, 16))[1] >= 1
    assert e("gettimeofday", BUF, 0) == 0
    sec, usec = struct.unpack("<qq", e.mem(BUF, 16))
    assert abs(sec - time.time()) < 5 and 0 <= usec < 10**6
    e.put(struct.pack("<qq", 0, 1000), BUF)
    assert e("nanosleep", BUF, 0) == 0
    e.put(struct.pack("<qq", 0, 10**9), BUF)
    assert e("nanosleep", BUF, 0) == -errno.EINVAL
    e.put(struct.pack("<qq", 0, 1000), BUF)
    assert e("clock_nanosleep", 1, 0, BUF, 0) == 0
    assert e("getrandom", BUF, 64, 0) == 64 and e.mem(BUF, 64) != bytes(64)
    assert e("getrandom", BUF, 8, 0x100) == -errno.EINVAL
    assert e("prlimit64", 0, 3, 0, BUF) == 0
    assert struct.unpack("<QQ", e.mem(BUF, 16)) == (8 << 20, sc.RLIM_INFINITY)
    assert e("getrlimit", 7, BUF) == 0 and struct.unpack("<Q", e.mem(BUF, 8))[0] > 3
    e.put(struct.pack("<QQ", 4 << 20, sc.RLIM_INFINITY), BUF)
    assert e("setrlimit", 3, BUF) == 0
    assert e("prlimit64", 0, 3, 0, BUF + 32) == 0 and e.mem(BUF + 32, 8) == struct.pack("<Q", 4 << 20)
    assert e("prlimit64", 0, 99, 0, BUF) == -errno.EINVAL
    assert e("sysinfo", BUF) == 0
    si = e.mem(BUF, 112)
    assert struct.unpack_from("<Q", si, 32)[0] > 0 and struct.unpack_from("<I", si, 104)[0] == 1
    assert e("sched_getaffinity", 0, 128, BUF) == 8 and e.mem(BUF, 8) == struct.pack("<Q", 1)
    assert e("sched_getaffinity", 0, 4, BUF) == -errno.EINVAL
    assert e("sched_yield") == 0
    assert e("getpriority", 0, 0) == 20 - os.getpriority(os.PRIO_PROCESS, 0)
    assert e("setpriority", 0, 0, os.getpriority(os.PRIO_PROCESS, 0)) == 0
    assert e("getpriority", 7, 0) == -errno.EINVAL
    assert e("getrusage", 0, BUF) == 0
    assert e("getrusage", 5, BUF) == -errno.EINVAL
    assert e("times", BUF) > 0
    assert e("umask", 0o027) == 0o022 and e("umask", 0o022) == 0o027
    assert e("riscv_flush_icache", 0, 0, 0) == 0
    assert e("riscv_flush_icache", 0, 0, 2) == -errno.EINVAL
    assert e("prctl", 15, e.s("newname")) == 0
    assert e("prctl", 16, BUF) == 0 and e.mem(BUF, 8) == b"newname\0"


def test_riscv_hwprobe():
    e = Env()
    pairs = e.put(struct.pack("<qQqQqQqQ", 3, 0, 4, 0, 0, 7, 12345, 9))
    assert e("riscv_hwprobe", pairs, 4, 0, 0, 0) == 0
    got = struct.unpack("<qQqQqQqQ", e.mem(pairs, 64))
    assert got[0:2] == (3, 1)          # BASE_BEHAVIOR: IMA
    assert got[2:4] == (4, 3)          # IMA_EXT_0: FD | C
    assert got[4:6] == (0, 0)          # mvendorid
    assert got[6:8] == (-1, 0)         # unknown key
    assert e("riscv_hwprobe", pairs, 1, 0, 0, 1) == -errno.EINVAL


def test_cwd_and_directories(tmp_path):
    e = Env(tmp_path)
    host_cwd = os.getcwd()
    assert e("getcwd", BUF, 4096) == len(str(tmp_path)) + 1
    assert e.mem(BUF, len(str(tmp_path)) + 1) == str(tmp_path).encode() + b"\0"
    assert e("getcwd", BUF, 3) == -errno.ERANGE
    assert e("mkdirat", AT_FDCWD, e.s("sub"), 0o755) == 0
    assert e("mkdirat", AT_FDCWD, e.s("sub"), 0o755) == -errno.EEXIST
    assert e("chdir", e.s("sub")) == 0
    assert os.getcwd() == host_cwd   # the guest's cwd is its own
    assert e("getcwd", BUF, 4096) > 0
    assert e.mem(BUF, len(str(tmp_path)) + 4) == str(tmp_path).encode() + b"/sub"
    assert e("openat", AT_FDCWD, e.s("x"), sc.O_CREAT | sc.O_WRONLY, 0o644) >= 0
    assert (tmp_path / "sub" / "x").exists()
    assert e("chdir", e.s("x")) == -errno.ENOTDIR
    assert e("chdir", e.s("..")) == 0
    assert e("renameat2", AT_FDCWD, e.s("sub/x"), AT_FDCWD, e.s("y"), 0) == 0
    assert (tmp_path / "y").exists() and not (tmp_path / "sub" / "x").exists()
    (tmp_path / "z").write_bytes(b"")
    assert e("renameat2", AT_FDCWD, e.s("y"), AT_FDCWD, e.s("z"), 1) == -errno.EEXIST
    assert e("renameat", AT_FDCWD, e.s("y"), AT_FDCWD, e.s("z")) == 0
    assert e("unlinkat", AT_FDCWD, e.s("sub"), 0) in (-errno.EISDIR, -errno.EPERM)
    assert e("unlinkat", AT_FDCWD, e.s("sub"), sc.AT_REMOVEDIR) == 0
    assert e("unlinkat", AT_FDCWD, e.s("z"), 0) == 0
    assert e("unlinkat", AT_FDCWD, e.s("z"), 0) == -errno.ENOENT
    assert sorted(os.listdir(tmp_path)) == []


def test_the_cwd_is_a_directory_not_a_name(tmp_path):
    """Paths relative to the working directory are looked up from the directory
    itself, as Linux does: `..` is its physical parent (not the name's, through
    a symbolic link), and it stays the working directory once renamed or
    deleted (rm -rf of the directory one is in, then of ../x: both go)."""
    e = Env(tmp_path)
    (tmp_path / "real" / "inner").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real" / "inner")

    def cwd() -> str:
        n = e("getcwd", BUF, 4096)
        return e.mem(BUF, n - 1).decode() if n > 0 else n

    assert e("chdir", e.s("link")) == 0
    assert cwd() == str(tmp_path / "real" / "inner")   # (getcwd's path is the physical one)
    assert e("chdir", e.s("..")) == 0
    assert cwd() == str(tmp_path / "real")              # (not tmp_path: the link's parent)
    assert e("openat", AT_FDCWD, e.s("made"), sc.O_CREAT | sc.O_WRONLY, 0o644) >= 0
    assert (tmp_path / "real" / "made").exists()

    (tmp_path / "real").rename(tmp_path / "moved")      # renamed by someone else
    assert cwd() == str(tmp_path / "moved")
    assert e("unlinkat", AT_FDCWD, e.s("made"), 0) == 0
    assert not (tmp_path / "moved" / "made").exists()

    (tmp_path / "x").mkdir()
    assert e("chdir", e.s("inner")) == 0
    assert e("unlinkat", AT_FDCWD, e.s(str(tmp_path / "moved" / "inner")), sc.AT_REMOVEDIR) == 0
    assert cwd() == -errno.ENOENT                        # deleted: getcwd says so
    assert e("unlinkat", AT_FDCWD, e.s("../../x"), sc.AT_REMOVEDIR) == 0   # .. still leads up
    assert not (tmp_path / "x").exists()
    assert e("openat", AT_FDCWD, e.s("new"), sc.O_CREAT | sc.O_WRONLY, 0o644) == -errno.ENOENT
    assert e("chdir", e.s("..")) == 0 and cwd() == str(tmp_path / "moved")

    fd = e("openat", AT_FDCWD, e.s(str(tmp_path)), sc.O_RDONLY | sc.O_DIRECTORY, 0)
    assert fd >= 0 and e("fchdir", fd) == 0 and cwd() == str(tmp_path)
    (tmp_path / "moved" / "deep").mkdir()
    (tmp_path / "link2").symlink_to(tmp_path / "moved" / "deep")
    assert e("chdir", e.s("link2/..")) == 0 and cwd() == str(tmp_path / "moved")
    (tmp_path / "f").write_bytes(b"")
    assert e("chdir", e.s(str(tmp_path / "f"))) == -errno.ENOTDIR
    assert e("chdir", e.s("nowhere")) == -errno.ENOENT and cwd() == str(tmp_path / "moved")


def test_futex_single_threaded():
    e = Env()
    e.put(struct.pack("<I", 5), BUF)
    assert e("futex", BUF, 0 | 128, 6, 0, 0, 0) == -errno.EAGAIN     # value differs
    assert e("futex", BUF, 1 | 128, 1, 0, 0, 0) == 0                 # wake: nobody
    e.put(struct.pack("<qq", 0, 1000), BUF + 64)
    assert e("futex", BUF, 0, 5, BUF + 64, 0, 0) == -errno.ETIMEDOUT
    with pytest.raises(LinuxError, match="deadlock"):
        e("futex", BUF, 0, 5, 0, 0, 0)


THREAD_FLAGS = (sc.CLONE_VM | sc.CLONE_THREAD | sc.CLONE_SETTLS | sc.CLONE_PARENT_SETTID
                | sc.CLONE_CHILD_CLEARTID)


def _enter(e, name: str, *args) -> None:
    """Makes system call `name` where its result may go to another thread (it
    waits, yields or ends): the next thread runs, with its registers, after it."""
    e.cpu.reg_write("a7", sc.NR[name])
    for i, v in enumerate(list(args) + [0] * (6 - len(args))):
        e.cpu.reg_write(10 + i, v)
    e.k.syscall()


def test_threads_take_turns_at_futexes():
    """clone makes a thread that waits its turn; a futex wait hands the cpu on, a
    wake (and requeue, wake_op) makes waiters ready with a0 = 0; exit zeroes and
    wakes the clear-tid word; the last thread's exit ends the process."""
    e = Env()
    main, ptid, ctid, word, other = e.k.pid, BUF, BUF + 8, BUF + 16, BUF + 32
    e.cpu.reg_write("tp", 0x1111)
    e.cpu.pc = 0x7000
    tid = e("clone", THREAD_FLAGS, e.SCRATCH + 0x4000, ptid, 0x2222, ctid)
    assert tid != main and struct.unpack("<i", e.mem(ptid, 4))[0] == tid
    assert e("gettid") == main and e("clone", sc.CLONE_VM, 0, 0, 0, 0) == -errno.ENOSYS
    e.put(struct.pack("<I", 0), word)
    _enter(e, "futex", word, 0 | 128, 0)       # main waits on word: the thread runs,
    assert e("gettid") == tid                  # from where clone left it
    assert (e.cpu.reg_read("tp"), e.cpu.reg_read("sp"), e.cpu.pc) == \
        (0x2222, e.SCRATCH + 0x4000, 0x7000)
    assert e("futex", word, 1 | 128, 5) == 1   # wakes main (the one waiter)
    assert e("futex", word, 1 | 128, 5) == 0
    _enter(e, "sched_yield")
    assert e.k.threads.current.tid == main and e.cpu.reg_read("a0") == 0
    # main waits on word again; the thread requeues it onto `other`, wakes it there
    _enter(e, "futex", word, 0, 0)
    assert e.k.threads.current.tid == tid
    assert e("futex", word, sc.FUTEX_CMP_REQUEUE, 0, 1, other, 1) == -errno.EAGAIN
    assert e("futex", word, sc.FUTEX_CMP_REQUEUE, 0, 1, other, 0) == 1  # 0 woken, 1 moved
    assert e("futex", word, 1, 1) == 0
    e.put(struct.pack("<I", 3), other)
    # wake_op: *other += 2, and as the old value 3 > 2, other's waiters wake too
    assert e("futex", word, sc.FUTEX_WAKE_OP, 1, 1, other,
             (1 << 28) | (4 << 24) | (2 << 12) | 2) == 1
    assert struct.unpack("<I", e.mem(other, 4))[0] == 5
    # the thread exits: its clear-tid word is zeroed and main runs on
    e.put(struct.pack("<i", tid), ctid)
    _enter(e, "exit", 0)
    assert e.k.threads.current.tid == main and not e.k.threads.several
    assert e.mem(ctid, 4) == bytes(4) and e.cpu.reg_read("a0") == 0
    assert e("tgkill", main, tid, 0) == -errno.ESRCH
    with pytest.raises(sc.ProcessExit):
        e("exit", 3)


def test_thread_ids_are_none_the_host_gives_and_name_their_process(monkeypatch):
    """A thread's id is above every host pid (2**22, Linux's largest pid_max):
    its threads are not the host's, and a forked child whose pid was a thread's
    took what was meant for it (stress-ng's sysfs stressor killed itself: its
    kill of a child it had waited for reached a thread of its own). The pid in
    the id names its process (kill of another process's thread reaches that
    process); ids go round as threads come and go; past the slots, ids whose
    low bits are no pid's (at or above the host's pid_max), or EAGAIN where the
    host leaves none. All stay below 2**28 (glibc's thread cpu clock ids)."""
    from vm_engine.linux import threads as th
    e = Env()
    main = e.k.pid
    tids = [e("clone", THREAD_FLAGS, e.SCRATCH + 0x4000, 0, 0, 0) for _ in range(3)]
    assert len(set(tids)) == 3 and main not in tids
    assert all(1 << 22 < tid < 1 << 28 and process_of(tid) == main for tid in tids)
    assert e("kill", tids[1], 0) == 0 and e("tgkill", main, tids[1], 0) == 0
    assert e("kill", tids[1] + (1 << 22) * 200, 0) == -errno.EPERM   # (nobody's)
    child = subprocess.Popen(["sleep", "30"])
    try:
        e.k.children.add(child.pid)
        assert e("kill", child.pid | 7 << 22, signal.SIGTERM) == 0   # (one of its threads)
        assert child.wait(5) == -signal.SIGTERM
    finally:
        child.kill()
    more = [e("clone", THREAD_FLAGS, e.SCRATCH + 0x4000, 0, 0, 0) for _ in range(THREAD_SLOTS - 3)]
    assert len(set(tids + more)) == THREAD_SLOTS and all(process_of(t) == main for t in more)
    monkeypatch.setattr(th, "HOST_PID_MAX", 1 << 22)   # (a host that leaves no room past them)
    assert e("clone", THREAD_FLAGS, e.SCRATCH + 0x4000, 0, 0, 0) == -errno.EAGAIN
    monkeypatch.setattr(th, "HOST_PID_MAX", (1 << 22) - 2)   # (one that leaves 2 * 63 ids)
    past = [e("clone", THREAD_FLAGS, e.SCRATCH + 0x4000, 0, 0, 0) for _ in range(2 * THREAD_SLOTS)]
    assert len(set(past) | set(tids + more)) == 3 * THREAD_SLOTS
    assert all(1 << 22 < t < 1 << 28 and process_of(t) >= (1 << 22) - 2 for t in past)
    assert e("clone", THREAD_FLAGS, e.SCRATCH + 0x4000, 0, 0, 0) == -errno.EAGAIN
    _enter(e, "exit", 0)   # main ends (its id is no slot), then the first thread
    _enter(e, "exit", 0)
    assert e.k.threads.current.tid == tids[1]
    assert e("clone", THREAD_FLAGS, e.SCRATCH + 0x4000, 0, 0, 0) == tids[0]   # (its slot free)

def test_cpu_clocks_of_threads_and_processes():
    """clock_gettime of a cpu-time clock (pthread_getcpuclockid's, a thread's:
    ~tid << 3 | 4 | 2; clock_getcpuclockid's, a process's: ~pid << 3 | 2; they
    were EINVAL, Python's test_pthread_getcpuclockid failed): a guest thread's
    is the host cpu time it ran (one host thread runs them all), counted while
    it is on the cpu, as CLOCK_THREAD_CPUTIME_ID's; the process's is the
    host's. A thread that is not there, or clock type 3: EINVAL."""
    e = Env()
    main = e.k.pid

    def now(clk) -> int:
        assert e("clock_gettime", clk, BUF) == 0
        sec, nsec = struct.unpack("<qq", e.mem(BUF, 16))
        return sec * 10**9 + nsec

    def thread_clock(tid):
        return (~tid << 3) | 4 | 2

    def spin(seconds=0.02):
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass

    e.cpu.pc = 0x7000
    tid = e("clone", THREAD_FLAGS, e.SCRATCH + 0x4000, 0, 0, 0)
    spin()
    mine, own, theirs = now(thread_clock(main)), now(3), now(thread_clock(tid))
    assert theirs == 0 and 0.02e9 <= mine <= own
    assert now(thread_clock(0)) >= own and now(2) >= own and now((~0 << 3) | 2) >= own
    assert now((~main << 3) | 2) >= own
    _enter(e, "sched_yield")   # the thread runs: its clock goes on, main's stops
    assert e.k.threads.current.tid == tid
    spin()
    assert now(thread_clock(main)) - mine < 0.01e9 and now(thread_clock(tid)) >= 0.02e9
    assert now(3) == pytest.approx(now(thread_clock(tid)), abs=0.005e9)
    assert e("clock_getres", thread_clock(main), BUF) == 0
    assert struct.unpack("<qq", e.mem(BUF, 16))[1] >= 1
    for bad in (thread_clock(tid + 1), (~main << 3) | 4 | 3, (~1 << 3) | 2):
        assert e("clock_gettime", bad, BUF) == -errno.EINVAL   # (pid 1: no process of the guest's)


def test_threads_sleep_and_time_out_while_others_run():
    e = Env()
    tid = e("clone", THREAD_FLAGS, e.SCRATCH + 0x4000, BUF, 0, BUF + 8)
    e.put(struct.pack("<qq", 0, 20_000_000), BUF + 64)    # 20 ms
    e.put(struct.pack("<qq", 0, 50_000_000), BUF + 80)    # 50 ms
    e.put(struct.pack("<I", 9), BUF + 16)
    t0 = time.monotonic()
    _enter(e, "nanosleep", BUF + 64, 0)       # main sleeps: the thread runs at once
    assert e.k.threads.current.tid == tid and time.monotonic() - t0 < 0.015
    _enter(e, "futex", BUF + 16, 0, 9, BUF + 80)   # it waits 50 ms for a wake: nobody
    assert e.k.threads.current.tid == e.k.pid     # can run until main's sleep ends
    assert e.cpu.reg_read("a0") == 0 and time.monotonic() - t0 >= 0.02
    _enter(e, "nanosleep", BUF + 80, 0)       # main sleeps 50 ms more: the thread's
    assert e.k.threads.current.tid == tid     # wait times out first
    assert sc.s64(e.cpu.reg_read("a0")) == -errno.ETIMEDOUT
    assert time.monotonic() - t0 >= 0.05


def test_a_timer_interrupts_threads_that_all_wait():
    """Every thread waits on a futex for good, but a timer is set: its signal
    interrupts one wait (EINTR) and its handler runs there."""
    e = Env()
    tid = e("clone", THREAD_FLAGS, e.SCRATCH + 0x4000, BUF, 0, BUF + 8)
    act = e.put(struct.pack("<QQQ", 0x12340, 0, 0))
    assert e("rt_sigaction", sc.SIGALRM, act, 0, 8) == 0
    e.put(struct.pack("<I", 0), BUF + 16)
    _enter(e, "futex", BUF + 16, 0, 0)          # main waits: the thread runs
    assert e.k.threads.current.tid == tid
    e.put(struct.pack("<4q", 0, 0, 0, 20_000), BUF + 64)   # 20 ms, once
    assert e("setitimer", 0, BUF + 64, 0) == 0
    t0 = time.monotonic()
    _enter(e, "futex", BUF + 16, 0, 0)          # the thread waits too
    assert time.monotonic() - t0 >= 0.015
    assert e.k.threads.current.tid == e.k.pid and e.cpu.pc == 0x12340
    assert e.cpu.reg_read("a0") == sc.SIGALRM   # (the handler's argument)


def test_a_stop_ends_the_wait_of_threads_that_all_wait_for_a_time():
    """Every thread waits for a time (a sleep, a futex's time limit): a stop of
    the run ends that for now (the scheduler slept until the first deadline,
    deaf to it): the thread that was running goes back to its ecall, to make
    its call again when the run goes on, to the same deadline."""
    e = Env()
    tid = e("clone", THREAD_FLAGS, e.SCRATCH + 0x4000, BUF, 0, BUF + 8)
    e.put(struct.pack("<qq", 0, 300_000_000), BUF + 64)   # 0.3 s
    e.put(struct.pack("<qq", 5, 0), BUF + 80)             # 5 s
    e.put(struct.pack("<I", 9), BUF + 16)
    t0 = time.monotonic()
    _enter(e, "nanosleep", BUF + 64, 0)       # main sleeps: the thread runs
    assert e.k.threads.current.tid == tid
    e.cpu.pc = 0x10004
    e.k.stop_requested = lambda: True
    _enter(e, "futex", BUF + 16, 0, 9, BUF + 80)   # it waits too: every thread does
    assert time.monotonic() - t0 < 0.2
    assert e.k.threads.current.tid == tid and e.cpu.pc == 0x10000   # (at its ecall again)
    deadline = e.k.threads.current.restart_deadline
    assert 4.5 < deadline - t0 <= 5.01
    e.k.stop_requested = lambda: False
    e.cpu.pc = 0x10004
    _enter(e, "futex", BUF + 16, 0, 9, BUF + 80)   # made again: main's sleep ends first
    assert e.k.threads.current.tid == e.k.pid and e.cpu.reg_read("a0") == 0
    assert 0.3 <= time.monotonic() - t0 < 4
    assert abs(e.k.threads.all[tid].deadline - deadline) < 0.01   # (the first call's)


@pytest.mark.parametrize("executor", ["interpreter", "hybrid"])
def test_machine_stop_ends_the_wait_of_threads_that_all_wait_for_a_time(executor):
    """A program whose threads all wait for a time (a condition's timed wait,
    a sleep): Machine.stop() from another thread ends the run at once; the
    next run goes on to the waits' first ends."""
    out = bytearray()
    m = Machine.load_elf(os.path.join(BIN, "threads_end"), argv=["threads_end", "wait", "2"],
                         executor=executor, stdout=out, stderr=bytearray())
    t0 = time.monotonic()
    timer = threading.Timer(0.3, m.stop)
    timer.start()
    r = m.run(timeout=60)
    timer.join()
    assert r.status is ExecStatus.Stopped and time.monotonic() - t0 < 1.5 and out == b""
    r = m.run(timeout=60)
    assert r.status is ExecStatus.Exit and r.exit_code == 0
    assert bytes(out) == b"worker's wait: Connection timed out\nmain slept\n"
    assert 1.9 < time.monotonic() - t0 < 10
    m.close()


def test_threads_that_all_wait_for_good_are_a_deadlock():
    path = os.path.join(BIN, "threads_end")
    for engine in ("interpreter", "jit"):
        m = Machine.load_elf(path, argv=["threads_end", "deadlock"], executor=engine,
                             stdout=bytearray(), stderr=bytearray())
        with pytest.raises(LinuxError, match="deadlock: every thread"):
            m.run(timeout=60)
        m.close()


def test_signals_actions_masks_and_death():
    e = Env()
    act = e.put(struct.pack("<QQQ", 0x12340, sc.SA_SIGINFO, 1 << 1))
    assert e("rt_sigaction", sc.SIGUSR1, act, 0, 8) == 0
    assert e("rt_sigaction", sc.SIGUSR1, 0, BUF, 8) == 0
    assert struct.unpack("<QQQ", e.mem(BUF, 24)) == (0x12340, sc.SA_SIGINFO, 2)
    assert e("rt_sigaction", sc.SIGKILL, act, 0, 8) == -errno.EINVAL
    assert e("rt_sigaction", sc.SIGUSR1, act, 0, 16) == -errno.EINVAL
    e.put(struct.pack("<Q", 1 << (sc.SIGUSR2 - 1) | 1 << (sc.SIGKILL - 1)), BUF)
    assert e("rt_sigprocmask", 0, BUF, BUF + 8, 8) == 0
    assert e.k.sigmask == 1 << (sc.SIGUSR2 - 1)   # SIGKILL cannot be blocked
    assert e("rt_sigprocmask", 9, BUF, 0, 8) == -errno.EINVAL
    # a blocked signal stays pending until unblocked; ignored ones vanish
    assert e("kill", os.getpid(), sc.SIGUSR2) == 0
    assert e.k.pending == 1 << (sc.SIGUSR2 - 1)
    assert e("kill", os.getpid(), sc.SIGCHLD) == 0 and e.k.pending == 1 << (sc.SIGUSR2 - 1)
    assert e("kill", 1, sc.SIGTERM) == -errno.EPERM
    assert e("kill", os.getpid(), 0) == 0
    assert e("tgkill", os.getpid(), 12345, sc.SIGABRT) == -errno.ESRCH
    with pytest.raises(sc.ProcessExit) as info:
        e("rt_sigprocmask", 1, BUF, 0, 8)   # unblock: SIGUSR2's default action kills
    assert (info.value.status, info.value.signal) == (128 + sc.SIGUSR2, sc.SIGUSR2)
    e2 = Env()
    with pytest.raises(sc.ProcessExit) as info:
        e2("tgkill", os.getpid(), os.getpid(), sc.SIGABRT)
    assert (info.value.status, info.value.signal) == (134, 6)
    e3 = Env()
    e3.put(struct.pack("<QQQ", sc.SIG_IGN, 0, 0), BUF)
    assert e3("rt_sigaction", sc.SIGABRT, BUF, 0, 8) == 0
    assert e3("tkill", os.getpid(), sc.SIGABRT) == 0    # ignored
    assert e3("sigaltstack", 0, BUF) == 0
    assert struct.unpack("<Qi4xQ", e3.mem(BUF, 24))[1] == sc.SS_DISABLE
    e3.put(struct.pack("<Qi4xQ", 0x300000, 0, 100), BUF)
    assert e3("sigaltstack", BUF, 0) == -errno.ENOMEM


def test_exit_and_unknown_syscall_and_strace():
    e = Env()
    log = io.StringIO()
    e.k.strace = True
    e.k.strace_file = log
    assert e("write", 1, e.s("hi\n"), 3) == 3
    e.cpu.reg_write("a7", 4000)
    e.k.syscall()
    assert sc.s64(e.cpu.reg_read("a0")) == -errno.ENOSYS
    assert e("openat", AT_FDCWD, e.s("/nonexistent"), sc.O_RDONLY | sc.O_CLOEXEC, 0) == -errno.ENOENT
    with pytest.raises(sc.ProcessExit) as info:
        e("exit_group", 300)
    assert info.value.status == 300 & 0xFF and info.value.signal is None
    lines = log.getvalue().splitlines()
    assert lines[0] == 'write(1, "hi\\n", 3) = 3'
    assert "syscall_4000" in lines[1] and "ENOSYS" in lines[1]
    assert lines[2].startswith('openat(AT_FDCWD, "/nonexistent", O_RDONLY|O_CLOEXEC') and \
        lines[2].endswith("= -1 ENOENT (No such file or directory)")
    assert lines[3] == "exit_group(300) = ?"


def test_sysroot_paths(tmp_path):
    root = tmp_path / "root"
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "only-in-sysroot.so").write_bytes(b"sysroot copy")
    e = Env(sysroot=str(root))
    fd = e("openat", AT_FDCWD, e.s("/lib/only-in-sysroot.so"), 0, 0)
    assert fd >= 0 and e("read", fd, BUF, 100) == 12 and e.mem(BUF, 12) == b"sysroot copy"
    # paths the sysroot lacks come from the host
    assert e("faccessat", AT_FDCWD, e.s("/etc/passwd" if os.path.exists("/etc/passwd") else "/"), 0) == 0
    # the root's ".." is the root, not the sysroot's parent (Python's
    # os.path.ismount("/") compares them; qemu-riscv64 -L says False)
    st = BUF + 0x100
    for path in ("/..", "//../.", "/./../"):
        assert e("newfstatat", AT_FDCWD, e.s(path), st, 0) == 0
        assert struct.unpack_from("<QQ", e.mem(st, 16)) == (os.stat("/").st_dev, os.stat("/").st_ino)
    assert e("faccessat", AT_FDCWD, e.s("/../lib/only-in-sysroot.so"), 0) == 0


# == what the system-call fuzzer found (tests/syscall_fuzz.py), one call each ==================
def test_priority_which_is_an_int_checked_first():
    """getpriority/setpriority's `which` is an int, EINVAL unless PRIO_PROCESS,
    PRIO_PGRP or PRIO_USER (it was passed whole: OverflowError)."""
    e = Env()
    assert e("getpriority", sc.MASK64, 0) == -errno.EINVAL
    assert e("getpriority", 0xFFFFFFFF8, 0) == -errno.EINVAL
    assert e("getpriority", 3, 0) == -errno.EINVAL
    assert e("getpriority", 1 << 32, 0) == 20 - os.getpriority(os.PRIO_PROCESS, 0)  # (which 0)
    assert e("setpriority", 3, 0, 0) == -errno.EINVAL
    assert e("setpriority", sc.MASK64, 0, 0) == -errno.EINVAL


def test_chown_ids_are_unsigned(tmp_path):
    """fchown/fchownat's ids are uid_t/gid_t (u32): 0xfffffff8 is an id (root
    may give it), only 0xffffffff leaves one as it is (a negative int reached
    os.chown: OverflowError)."""
    (tmp_path / "f").write_bytes(b"")
    e = Env(tmp_path)
    fd = e("openat", AT_FDCWD, e.s("f"), sc.O_RDWR, 0)
    want = 0 if os.geteuid() == 0 else -errno.EPERM
    assert e("fchown", fd, -1, 0xFFFFFFF8) == want
    assert e("fchownat", AT_FDCWD, e.s("f"), 0xFFFFFFF8, 0xFFFFFFFFFFFFFFF7, 0) == want
    if want == 0:
        st = os.stat(tmp_path / "f")
        assert (st.st_uid, st.st_gid) == (0xFFFFFFF8, 0xFFFFFFF7)
    assert e("fchown", fd, -1, -1) == 0 and e("fchown", fd, sc.MASK64, sc.MASK64) == 0


def test_readv_of_nothing_and_a_signalfds_wait():
    """readv of no bytes returns 0 at once (Linux's vfs_readv), never waits for
    the file; a blocking readv of a signalfd waits as read does (it raised
    TypeError: no descriptor to wait on); a write to a signalfd is EINVAL."""
    e = Env()
    e.cpu.pc = 0x10004
    assert e("pipe2", BUF, 0) == 0
    r = struct.unpack("<i", e.mem(BUF, 4))[0]
    assert e("readv", r, BUF + 64, 0) == 0   # (an empty pipe)
    iov = e.put(struct.pack("<QQ", BUF + 256, 128))
    mask = e.put(struct.pack("<Q", 1 << (sc.SIGUSR1 - 1)))
    sfd = e("signalfd4", -1, mask, 8, 0)
    assert e("readv", sfd, iov, 0) == 0
    e.k.stop_requested = lambda: True   # (a stop ends the wait for now: made again later)
    e("readv", sfd, iov, 1)
    assert e.cpu.pc == 0x10000
    e.k.stop_requested = lambda: False
    assert e("write", sfd, BUF, 8) == -errno.EINVAL and e("writev", sfd, iov, 1) == -errno.EINVAL
    assert e("rt_sigprocmask", 0, mask, 0, 8) == 0
    e.k.raise_signal(sc.SIGUSR1)
    assert e("readv", sfd, iov, 1) == 128 and struct.unpack_from("<I", e.mem(BUF + 256, 4)) == (
        sc.SIGUSR1,)


def test_sendfile_reads_what_linux_reads_from(tmp_path):
    """sendfile's source is a file, or a socket into a pipe: from a pipe, an
    eventfd or a directory Linux refuses (EINVAL; ESPIPE with an offset where
    it cannot seek). An empty pipe's read waited for ever, unstoppable."""
    (tmp_path / "f").write_bytes(b"0123456789")
    e = Env(tmp_path)
    f = e("openat", AT_FDCWD, e.s("f"), sc.O_RDWR, 0)
    assert e("pipe2", BUF, 0) == 0
    r, w = struct.unpack("<ii", e.mem(BUF, 8))
    efd, d = e("eventfd2", 1, 0), e("openat", AT_FDCWD, e.s("."), sc.O_DIRECTORY, 0)
    off = e.put(bytes(8))
    for src in (r, efd, d, 0):   # (0: the Machine's stdin, bytes: a pipe)
        assert e("sendfile", f, src, 0, 1) == -errno.EINVAL
        assert e("sendfile", w, src, 0, 1) == -errno.EINVAL
    assert e("sendfile", f, r, off, 1) == -errno.ESPIPE
    assert e("sendfile", f, efd, off, 1) == -errno.ESPIPE
    assert e("sendfile", f, d, off, 1) == -errno.EINVAL
    assert e("socketpair", 1, 1, 0, BUF) == 0
    a, b = struct.unpack("<ii", e.mem(BUF, 8))
    assert e("write", b, e.s("socket"), 6) == 6
    assert e("sendfile", f, a, 0, 6) == -errno.EINVAL
    assert e("sendfile", w, a, 0, 100) == 6
    assert e("read", r, BUF, 100) == 6 and e.mem(BUF, 6) == b"socket"
    assert e("sendfile", w, f, off, 4) == 4 and e("read", r, BUF, 100) == 4
    assert e.mem(BUF, 4) == b"0123" and e("sendfile", 1, f, 0, 100) == 10
    assert bytes(e.out) == b"0123456789"


def test_memfd_create_flags_and_seals():
    """memfd_create takes Linux's flags (unknown ones, or MFD_EXEC with
    MFD_NOEXEC_SEAL: EINVAL; a name over 249 bytes: EINVAL) and passes them on:
    MFD_ALLOW_SEALING's memfd takes seals (F_ADD_SEALS, F_GET_SEALS)."""
    e = Env()
    F_SEAL_SEAL, F_SEAL_GROW = 1, 4
    fd = e("memfd_create", e.s("sealed"), sc.MFD_ALLOW_SEALING | sc.MFD_CLOEXEC)
    assert fd >= 0 and e("fcntl", fd, sc.F_GETFD, 0) == sc.FD_CLOEXEC
    assert e("fcntl", fd, sc.F_GET_SEALS, 0) == 0
    assert e("write", fd, e.s("abc"), 3) == 3
    assert e("fcntl", fd, sc.F_ADD_SEALS, F_SEAL_GROW) == 0
    assert e("fcntl", fd, sc.F_GET_SEALS, 0) == F_SEAL_GROW
    assert e("write", fd, e.s("more"), 4) == -errno.EPERM
    other = e("memfd_create", e.s("plain"), 0)
    assert e("fcntl", other, sc.F_GET_SEALS, 0) == F_SEAL_SEAL
    assert e("fcntl", other, sc.F_ADD_SEALS, F_SEAL_GROW) == -errno.EPERM
    assert e("fcntl", 1, sc.F_GET_SEALS, 0) == -errno.EINVAL   # (not the host's)
    assert e("memfd_create", e.s("x"), 0x100) == -errno.EINVAL
    assert e("memfd_create", e.s("x"), sc.MFD_EXEC | sc.MFD_NOEXEC_SEAL) == -errno.EINVAL
    assert e("memfd_create", e.s("x" * 250), 0) == -errno.EINVAL
    assert e("memfd_create", e.s("x" * 249), 0) >= 0


def test_tid_words_and_robust_lists_in_unmapped_memory(tmp_path):
    """The words clone and exit write (CLONE_PARENT_SETTID's, CLONE_CHILD_SETTID's,
    the clear-tid word) are put as Linux puts them, a fault ignored: clone made
    its thread but returned EFAULT, a thread's exit returned EFAULT and it ran
    on. A robust list that runs into unmapped memory is walked as far as it
    goes, as Linux's exit_robust_list: the process's end raised Errno
    (Machine.close() too, its files left open)."""
    e = Env(tmp_path)
    main, nowhere = e.k.pid, 0x7000000
    e.cpu.pc = 0x7000
    tid = e("clone", THREAD_FLAGS | sc.CLONE_CHILD_SETTID, e.SCRATCH + 0x4000, nowhere, 0,
            nowhere)
    assert tid > 0 and tid in e.k.threads.all
    _enter(e, "sched_yield")
    assert e("gettid") == tid
    _enter(e, "exit", 0)   # (its clear-tid word is unmapped)
    assert e.k.threads.current.tid == main and not e.k.threads.several
    head = e.put(struct.pack("<QqQ", nowhere, 0, 0))   # (its first entry unmapped)
    assert e("set_robust_list", head, 24) == 0
    fd = e("openat", AT_FDCWD, e.s("f"), sc.O_CREAT | sc.O_RDWR, 0o600)
    e.k.close_all()
    assert fd not in e.k.fds
    ro = 0x300000
    e.aspace.map(ro, 0x1000, sc.PROT_READ, "ro")
    e.mmu.mem_write(ro, struct.pack("<I", main))   # (a mutex it holds, read-only)
    e.put(struct.pack("<QqQ", head, 0, ro), head)   # (list empty, ro pending)
    e.k.threads.current.robust_list = head
    e.k.close_all()


def test_message_queue_lengths_are_the_queues():
    """mq_timedreceive's buffer is as long as the queue's messages can be (a
    length of 2**64-1 made one of 2 GiB: seconds, and its memory); a message
    longer than the queue's mq_msgsize is EMSGSIZE before it is read, as Linux
    has it (it was read whole first: EFAULT for such a length)."""
    e = Env()
    name = f"vm_engine-test-{os.getpid()}".encode()
    attr = e.put(struct.pack("<qqqq", 0, 4, 64, 0))
    q = e("mq_open", e.put(name + b"\0"), sc.O_CREAT | sc.O_EXCL | sc.O_RDWR | sc.O_NONBLOCK,
          0o600, attr)
    assert q >= 0
    try:
        assert e("mq_timedsend", q, BUF, 65, 0, 0) == -errno.EMSGSIZE
        assert e("mq_timedsend", q, BUF, sc.MASK64, 0, 0) == -errno.EMSGSIZE
        t0 = time.monotonic()
        assert e("mq_timedreceive", q, BUF, sc.MASK64, 0, 0) == -errno.EAGAIN
        assert time.monotonic() - t0 < 0.5
        assert e("mq_timedsend", q, e.s("message"), 7, 3, 0) == 0
        prio = e.put(bytes(4))
        assert e("mq_timedreceive", q, BUF + 64, 63, prio, 0) == -errno.EMSGSIZE
        assert e("mq_timedreceive", q, BUF + 64, sc.MASK64, prio, 0) == 7
        assert e.mem(BUF + 64, 7) == b"message" and e.mem(prio, 4) == struct.pack("<I", 3)
    finally:
        assert e("mq_unlink", e.put(name + b"\0")) == 0


def test_message_queue_time_limits_are_checked_first():
    """mq_timedsend's and mq_timedreceive's time limit is read and checked
    before the queue is looked at, as Linux's prepare_timeout: EINVAL for a
    tv_nsec out of range or a negative tv_sec, EFAULT for one not there, even
    where the call would not wait (it was checked only where it would)."""
    e = Env()
    name = f"vm_engine-test-{os.getpid()}".encode()
    attr = e.put(struct.pack("<qqqq", 0, 4, 64, 0))
    q = e("mq_open", e.put(name + b"\0"), sc.O_CREAT | sc.O_EXCL | sc.O_RDWR, 0o600, attr)
    assert q >= 0
    try:
        msg = e.s("message")
        for bad in ((0, 10**9), (0, -1), (-1, 0)):
            tmo = e.put(struct.pack("<qq", *bad))
            assert e("mq_timedsend", q, msg, 7, 0, tmo) == -errno.EINVAL   # (room: no wait)
            assert e("mq_timedsend", 99, msg, 7, 0, tmo) == -errno.EINVAL  # (no queue)
            assert e("mq_timedsend", q, msg, 65, 0, tmo) == -errno.EINVAL  # (too long)
        assert e("mq_timedsend", q, msg, 7, 0, 0x10) == -errno.EFAULT
        assert e("mq_timedsend", q, msg, 7, 3, e.put(struct.pack("<qq", 0, 0))) == 0
        assert e("mq_timedreceive", q, BUF + 64, 64, 0, tmo) == -errno.EINVAL   # (a message:
        assert e("mq_timedreceive", q, BUF + 64, 64, 0, 0x10) == -errno.EFAULT  # none taken)
        assert e("mq_timedreceive", q, BUF + 64, 64, 0, e.put(bytes(16))) == 7
        assert e.mem(BUF + 64, 7) == b"message"
    finally:
        assert e("mq_unlink", e.put(name + b"\0")) == 0


def test_mmap_offsets_past_the_largest_file(tmp_path):
    """A file mapping's offset past what a file can hold (2**63 - 1 bytes, less
    the mapping) is EOVERFLOW, Linux's file_mmap_ok (an offset of 2**63 or
    more reached os.pread: OverflowError); an anonymous one's is not looked at."""
    (tmp_path / "f").write_bytes(b"x" * 100)
    e = Env(tmp_path)
    fd = e("openat", AT_FDCWD, e.s("f"), sc.O_RDWR, 0)
    prot, private = sc.PROT_READ, sc.MAP_PRIVATE
    for offset in (0xFFFFFFFFFFFFF000, 1 << 63, 0x7FFFFFFFFFFFF000):
        assert e("mmap", 0, 1, prot, private, fd, offset) == -errno.EOVERFLOW
        assert e("mmap", 0, 1, prot, sc.MAP_SHARED, fd, offset) == -errno.EOVERFLOW
    assert e("mmap", 0, 0x2000, prot, private, fd, 0x7FFFFFFFFFFFE000) == -errno.EOVERFLOW
    at = e("mmap", 0, 1, prot, private, fd, 0x7FFFFFFFFFFFE000)
    assert at > 0 and e.mem(at, 8) == bytes(8)
    assert e("mmap", 0, 1, prot, private | sc.MAP_ANONYMOUS, -1, 0xFFFFFFFFFFFFF000) > 0


def test_the_one_threads_futex_wait_ends_for_a_signal_or_a_stop():
    """A futex wait of the only thread (nothing else can wake it) ends at its
    time limit, for a signal (a timer's: EINTR, the handler runs; without a
    time limit too, no deadlock while a timer is armed) and for a stop of the
    run (made again when it goes on): it slept its whole time limit."""
    e = Env()
    e.put(bytes(4), BUF)
    tmo = e.put(struct.pack("<qq", 5, 0))
    e.cpu.pc = 0x10004
    e.k.stop_requested = lambda: True
    t0 = time.monotonic()
    e("futex", BUF, sc.FUTEX_WAIT | sc.FUTEX_PRIVATE_FLAG, 0, tmo, 0, 0)
    assert e.cpu.pc == 0x10000 and time.monotonic() - t0 < 2
    e.k.stop_requested = lambda: False
    assert e("rt_sigaction", sc.SIGALRM, e.put(struct.pack("<QQQ", 0x12340, 0, 0)), 0, 8) == 0
    for timeout in (tmo, 0):
        assert e("rt_sigprocmask", 2, e.put(bytes(8)), 0, 8) == 0   # (as the handler's end)
        e.put(struct.pack("<qqqq", 0, 0, 0, 50_000), BUF + 64)   # in 50 ms, once
        assert e("setitimer", 0, BUF + 64, 0) == 0
        t0 = time.monotonic()
        assert e("futex", BUF, sc.FUTEX_WAIT, 0, timeout, 0, 0) == sc.SIGALRM   # (EINTR, then
        assert time.monotonic() - t0 < 3 and e.cpu.pc == 0x12340               # the handler)
    e.put(struct.pack("<qq", 0, 20_000_000), tmo)
    assert e("futex", BUF, sc.FUTEX_WAIT, 0, tmo, 0, 0) == -errno.ETIMEDOUT


def test_the_largest_times(monkeypatch):
    """Timers and waits of the largest time_t (2**63 - 1 s): what is written back
    (a wait's time left, a timer's value) is at most that, as Linux's saturating
    time arithmetic keeps it (struct.pack raised: out of range), and the timer
    thread waits for it in parts (a wait past threading.TIMEOUT_MAX raised in
    that thread: OverflowError)."""
    raised, TIME_T_MAX = [], (1 << 63) - 1
    monkeypatch.setattr(threading, "excepthook", raised.append)
    e = Env()
    largest = struct.pack("<qq", TIME_T_MAX, 999_999_999)
    tmo = e.put(largest)
    e.cpu.pc = 0x10004
    e.k.stop_requested = lambda: True   # (the wait ends for now, the time left written)

    def huge(at) -> bool:   # (the time left: now less, in a float's steps)
        sec, nsec = struct.unpack("<qq", e.mem(at, 16))
        return TIME_T_MAX - 10**6 < sec and 0 <= nsec < 10**9
    for call in (("pselect6", 0, 0, 0, 0, tmo, 0), ("ppoll", 0, 0, tmo, 0, 8)):
        e(*call)
        assert e.cpu.pc == 0x10000 and huge(tmo)
        e.cpu.pc = 0x10004
        e.put(largest, tmo)
    e.k.stop_requested = lambda: False
    tv = struct.pack("<qq", TIME_T_MAX, 999_999)   # (a timeval's largest)
    assert e("setitimer", 0, e.put(tv * 2), 0) == 0   # (interval, value: the largest,
    cur = e.put(bytes(32))                            # KTIME_MAX ns as Linux keeps them)
    assert e("getitimer", 0, cur) == 0
    assert struct.unpack("<qq", e.mem(cur, 16)) == (9223372036, 854775)
    assert e("timer_create", 1, 0, cur) == 0
    timer = struct.unpack("<i", e.mem(cur, 4))[0]
    assert e("timer_settime", timer, 0, e.put(largest * 2), 0) == 0
    assert e("timer_gettime", timer, cur) == 0
    assert struct.unpack("<qq", e.mem(cur, 16)) == (9223372036, 854775807)
    assert e("timer_settime", timer, 0, e.put(bytes(32)), 0) == 0
    assert e("rt_sigaction", sc.SIGALRM, e.put(struct.pack("<QQQ", 0x12340, 0, 0)), 0, 8) == 0
    assert e("setitimer", 0, e.put(struct.pack("<qqqq", 0, 0, 0, 50_000)), 0) == 0
    rem = e.put(bytes(16))
    assert e("nanosleep", tmo, rem) == sc.SIGALRM   # (EINTR, then the handler)
    assert huge(rem)
    time.sleep(0.1)
    e.k.close_all()
    assert raised == []


def test_timers_are_at_most_ktime_max():
    """A timer's times are Linux's ktime_t nanoseconds: KTIME_MAX (2**63 - 1
    ns) from KTIME_SEC_MAX seconds on, and an expiry at most KTIME_MAX on the
    timer's clock (a relative CLOCK_REALTIME timer's on CLOCK_MONOTONIC), so
    that what is read back is KTIME_MAX less the clock's time; a CPU-time
    timer's expiry is not bounded (as the host's own timers give it)."""
    KTIME_MAX, TIME_T_MAX = (1 << 63) - 1, (1 << 63) - 1
    e = Env()

    def ns(at) -> int:
        sec, sub = struct.unpack("<qq", e.mem(at, 16))
        return sec * 10**9 + sub

    def near(got: int, want: int) -> bool:   # (the clock moved on meanwhile)
        return abs(want - got) < 10**9
    cur = e.put(bytes(32))
    for sec, nsec in ((TIME_T_MAX, 999_999_999), (9223372036, 854775808), (9223372036, 0)):
        spec = e.put(struct.pack("<qq", sec, nsec) * 2)
        for clock, flags, base in ((1, 0, 1), (0, 0, 1), (1, 1, 1), (0, 1, 0), (2, 0, None)):
            assert e("timer_create", clock, 0, cur) == 0
            timer = struct.unpack("<i", e.mem(cur, 4))[0]
            assert e("timer_settime", timer, flags, spec, 0) == 0
            assert e("timer_gettime", timer, cur) == 0
            assert struct.unpack("<qq", e.mem(cur, 16)) == (9223372036, 854775807)
            left = ns(cur + 16)
            assert near(left, KTIME_MAX if base is None else
                        KTIME_MAX - time.clock_gettime_ns(base)), (clock, flags, left)
            assert e("timer_delete", timer) == 0
        tv = e.put(struct.pack("<qq", sec, nsec // 1000) * 2)
        for which, bounded in ((0, True), (1, False), (2, False)):
            assert e("setitimer", which, tv, 0) == 0
            assert e("getitimer", which, cur) == 0
            assert struct.unpack("<qq", e.mem(cur, 16)) == (9223372036, 854775)
            left = struct.unpack("<qq", e.mem(cur + 16, 16))
            left = left[0] * 10**9 + left[1] * 1000
            assert near(left, KTIME_MAX - time.monotonic_ns() if bounded else KTIME_MAX)
            assert e("setitimer", which, e.put(bytes(32)), 0) == 0
    # below KTIME_SEC_MAX seconds: the time itself, to the nanosecond
    spec = e.put(struct.pack("<qqqq", 9223372035, 123456789, 3600, 0))
    assert e("timer_create", 1, 0, cur) == 0
    timer = struct.unpack("<i", e.mem(cur, 4))[0]
    assert e("timer_settime", timer, 0, spec, 0) == 0
    assert e("timer_gettime", timer, cur) == 0
    assert struct.unpack("<qq", e.mem(cur, 16)) == (9223372035, 123456789)
    assert near(ns(cur + 16), 3600 * 10**9)
    e.k.close_all()


def test_recvmsg_control_length_is_the_guests_bound_only():
    """recvmsg's msg_controllen bounds what is written, no more: a length of
    2**64-1 asked the host for a buffer that long (MemoryError), one of 2 GiB
    for one of 2 GiB, zeroed."""
    e = Env()
    assert e("socketpair", 1, 1, 0, BUF) == 0
    a, b = struct.unpack("<ii", e.mem(BUF, 8))
    rights = struct.pack("<QiIi4x", 20, 1, 1, a)   # (SOL_SOCKET, SCM_RIGHTS: a itself)
    iov = e.put(struct.pack("<QQ", e.s("hi"), 2))
    assert e("sendmsg", a, e.put(struct.pack("<QI4xQQQQi4x", 0, 0, iov, 1, e.put(rights), 24,
                                             0)), 0) == 2
    control, data = e.put(bytes(64)), e.put(bytes(16))
    msg = e.put(struct.pack("<QI4xQQQQi4x", 0, 0, e.put(struct.pack("<QQ", data, 16)), 1,
                            control, sc.MASK64, 0))
    assert e("recvmsg", b, msg, 0) == 2 and e.mem(data, 2) == b"hi"
    length, level, kind, fd = struct.unpack("<QiIi", e.mem(control, 20))
    assert (length, level, kind) == (20, 1, 1) and fd in e.k.fds
    assert struct.unpack("<Q", e.mem(msg + 40, 8))[0] == 24   # (msg_controllen: what came)


def test_sendmsg_sends_what_the_guest_gave():
    """What sendmsg sends is the guest's data byte for byte, whatever its length:
    the host header pointed at a buffer freed before the call, whose first 8
    bytes the allocator then overwrote (a message of 17-512 bytes arrived
    with a pointer or zeros in front; ss's netlink request got no answer)."""
    e = Env()
    assert e("socketpair", 1, 2, 0, BUF) == 0   # (AF_UNIX, SOCK_DGRAM: one message each)
    a, b = struct.unpack("<ii", e.mem(BUF, 8))
    for size in (1, 17, 72, 500, 4000):
        payload = bytes((k * 7 + size) & 0xFF or 1 for k in range(size))
        iov = e.put(struct.pack("<QQ", e.put(payload), size))
        assert e("sendmsg", a, e.put(struct.pack("<QI4xQQQQi4x", 0, 0, iov, 1, 0, 0, 0)),
                 0) == size
        data = e.put(bytes(size))
        msg = e.put(struct.pack("<QI4xQQQQi4x", 0, 0, e.put(struct.pack("<QQ", data, size)),
                                1, 0, 0, 0))
        assert e("recvmsg", b, msg, 0) == size and e.mem(data, size) == payload, size
    e.k.close_all()


def test_message_headers_are_taken_as_linux_takes_them():
    """sendmsg's and recvmsg's struct msghdr as Linux's __copy_msghdr and
    ____sys_sendmsg take it: a negative msg_namelen (an int) is EINVAL (not
    looked at without a msg_name), a longer one than a sockaddr_storage is
    that long; more than IOV_MAX iovecs is EMSGSIZE; sendmsg's msg_controllen
    over INT_MAX (or over the socket's optmem_max) is ENOBUFS before the
    control data or the data is read (it was read: EFAULT), a NULL
    msg_control with a length EFAULT. recvmsg writes the address's whole
    length back, and no length without a msg_name."""
    e = Env()
    assert e("socketpair", 1, 2, 0, BUF) == 0   # (AF_UNIX, SOCK_DGRAM)
    a, b = struct.unpack("<ii", e.mem(BUF, 8))
    address = b"\0vm_engine-test-%d" % os.getpid()   # (abstract: a name, not a path)
    assert e("bind", a, e.put(struct.pack("<H", 1) + address), 2 + len(address)) == 0
    iov = e.put(struct.pack("<QQ", e.s("hi"), 2))
    name, control, unmapped = e.put(bytes(256)), e.put(bytes(64)), e.put(struct.pack("<QQ", 8, 2))

    def msg(name=0, namelen=0, iov=iov, iovlen=1, control=0, controllen=0) -> int:
        return e.put(struct.pack("<QI4xQQQQi4x", name, namelen & 0xFFFFFFFF, iov, iovlen,
                                 control, controllen, 0))
    for length in (1 << 31, 1 << 63, sc.MASK64, 1 << 30):
        assert e("sendmsg", a, msg(control=control, controllen=length), 0) == -errno.ENOBUFS
    assert e("sendmsg", a, msg(iov=unmapped, controllen=sc.MASK64), 0) == -errno.ENOBUFS
    assert e("sendmsg", a, msg(controllen=24), 0) == -errno.EFAULT
    for namelen in (-1, -(1 << 31)):
        assert e("sendmsg", a, msg(name, namelen, controllen=sc.MASK64), 0) == -errno.EINVAL
        assert e("recvmsg", b, msg(name, namelen), 0x40) == -errno.EINVAL
    assert e("sendmsg", a, msg(iovlen=1025, controllen=sc.MASK64), 0) == -errno.EMSGSIZE
    assert e("recvmsg", b, msg(iovlen=1025), 0x40) == -errno.EMSGSIZE
    assert e("sendmsg", a, msg(0, -1), 0) == 2
    assert e("sendmsg", a, msg(0, 77), 0) == 2
    assert e("sendmsg", a, msg(0, 0), 0) == 2
    data = e.put(bytes(8))
    into = e.put(struct.pack("<QQ", data, 8))
    m = msg(name, 1000, into)   # (as long as a sockaddr_storage)
    assert e("recvmsg", b, m, 0) == 2
    assert struct.unpack("<i", e.mem(m + 8, 4))[0] == 2 + len(address)
    assert e.mem(name, 2 + len(address)) == struct.pack("<H", 1) + address
    m = msg(name + 128, 0, into)   # (a name with no room: its length still)
    assert e("recvmsg", b, m, 0) == 2
    assert struct.unpack("<i", e.mem(m + 8, 4))[0] == 2 + len(address)
    assert e.mem(name + 128, 8) == bytes(8)
    m = msg(0, 77, into)   # (no name: its length is left)
    assert e("recvmsg", b, m, 0) == 2 and struct.unpack("<i", e.mem(m + 8, 4))[0] == 77


# == whole programs ==============================================================================
def run_case(case, tmp_path, executor="interpreter", **kw) -> tuple[Machine, object, bytes, bytes]:
    out, err = bytearray(), bytearray()
    d = tmp_path / "work"
    d.mkdir(exist_ok=True)
    m = Machine.load_elf(case.path, argv=case.argv(str(d)), env=case.environ,
                         sysroot=DEFAULT_SYSROOT if case.dynamic else None,
                         stdin=case.stdin or b"", stdout=out, stderr=err,
                         executor=executor, **kw)
    r = m.run(timeout=300)
    if r.status is not ExecStatus.Exit:
        _end_children(m)
    return m, r, bytes(out), bytes(err)


def _end_children(m: Machine) -> None:
    """Kills the host processes a program that did not end left (its forks), so
    that a later test's wait for any child is not theirs."""
    for pid in m.kernel.children:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def _skip_unrunnable(case):
    if case.dynamic and not HAVE_SYSROOT:
        pytest.skip(f"{case.name} is dynamically linked: needs the riscv64 sysroot")
    missing = case.missing_libraries()
    if missing:
        pytest.skip(f"{case.name} needs {', '.join(missing)}, not in {DEFAULT_SYSROOT}/lib")


#: Hybrid with tiny thresholds: short test programs go through every tier
#: (interpreted, first-tier code, tier-ups) instead of staying interpreted
EAGER_HYBRID = HybridConfig(compile_threshold=2, first_level=1, tier_up_threshold=8)


@pytest.mark.parametrize("executor", ["interpreter", "jit", "jit-L3", "hybrid", "hybrid-eager"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_program_matches_recorded_output(case, executor, tmp_path):
    _skip_unrunnable(case)
    want_out, want_code, want_err = expected(case)
    kw = {}
    if executor == "hybrid-eager":
        executor, kw = "hybrid", {"hybrid_config": EAGER_HYBRID}
    elif executor == "jit-L3":  # regions of 16 blocks, loops as vector moves
        executor, kw = "jit", {"jit_config": JITConfig(optimization_level=3,
                                                       enable_vectorization=True)}
    m, r, out, err = run_case(case, tmp_path, executor, **kw)
    assert r.status is ExecStatus.Exit
    assert out == want_out
    assert r.exit_code == want_code == m.exit_code
    if want_err is not None:
        assert err == want_err
    if want_code > 128 and case.name in ("signal", "asm_signal"):
        assert m.term_signal == want_code - 128


@pytest.mark.parametrize("engine", ["interpreter", "jit"])
def test_processes_spinning_on_shared_memory_take_turns_on_one_host_cpu(engine, tmp_path):
    """sched_yield of a process with one thread gives the host's cpu up: the
    process it waits for can be another of the guest's. The two processes of
    `fences` meet at each round spinning with sched_yield; on one host cpu a
    run of 5,000 rounds took minutes (each wait lasted a host time slice)."""
    cpu = min(os.sched_getaffinity(0))
    proc = subprocess.run([sys.executable, "-m", "vm_engine", "run", "--no-cache-dir", "--engine",
                           engine, binpath("fences"), "5000"], capture_output=True, timeout=30,
                          cwd=tmp_path,   # (not the source tree's vm_engine: the installed one)
                          preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
    assert proc.returncode == 0 and proc.stdout == \
        b"fence rw,rw: 5000 rounds, neither saw the other's store in 0\n"


PROCS_OUTPUT = """fork: exit 7
kill: killed by signal 15
fault: killed by signal 11
parent's global still 1
WNOHANG while it runs: 0
waitid: signal 17, code 1, status 5, pid right
pipe: child 1 to parent 1
exec'd: via execve, PROCS_VAR=set, fd 5 closed
execve: exit 42
execve of a missing file: ENOENT
exec'd: via posix_spawn, PROCS_VAR=inherited, fd 5 closed
posix_spawn: exit 42
script script.sh run with an argument
script: exit 3
exec'd: via fexecve, PROCS_VAR=fd, fd 5 closed
fexecve: exit 42
exec'd: via execveat, PROCS_VAR=dir, fd 5 closed
execveat: exit 42
execveat of a symbolic link, not followed: -1 Too many levels of symbolic links
execveat with a bad flag: -1 Invalid argument
execveat of an empty path: -1 No such file or directory
SIGCHLD handled: 1
alarm while the child runs: child ended 0
killed child: killed by signal 15
setsid in a child: exit 0
child's group: its own, its session: ours
paused child: killed by signal 9
wait with no children: ECHILD
"""


@pytest.mark.parametrize("executor", ["interpreter", "jit", "jit-L3", "hybrid", "hybrid-eager"])
def test_fork_exec_and_wait(executor, tmp_path):
    """procs forks (a host process per child), waits, pipes, execs itself, spawns
    and runs a #! script whose interpreter it is, execveat's. (Not against
    qemu-riscv64, whose execve of a riscv64 program needs binfmt_misc: the
    output is the native build's of the same source.) Its stdout is a file,
    which parent and children share."""
    kw = {}
    if executor == "hybrid-eager":
        executor, kw = "hybrid", {"hybrid_config": EAGER_HYBRID}
    elif executor == "jit-L3":
        executor, kw = "jit", {"jit_config": JITConfig(optimization_level=3)}
    with open(tmp_path / "out", "w+b") as out:
        m = Machine.load_elf(os.path.join(BIN, "procs"), argv=["procs", str(tmp_path)],
                             stdout=out.fileno(), executor=executor, **kw)
        r = m.run(timeout=120)
        out.seek(0)
        assert out.read().decode() == PROCS_OUTPUT
    assert r.status is ExecStatus.Exit and m.exit_code == 0 and os.getpid() == m.kernel.pid
    m.close()


@pytest.mark.parametrize("executor", ["interpreter", "hybrid"])
def test_forked_children_write_into_a_bytearray_stdout(executor, tmp_path):
    """A bytearray stdout is the parent process's memory: a fork's child (a
    host process) sends its output there through a pipe, all of it in by
    the time the parent has waited for it, in the order a shared file has."""
    out = bytearray()
    m = Machine.load_elf(os.path.join(BIN, "procs"), argv=["procs", str(tmp_path)],
                         stdout=out, executor=executor)
    r = m.run(timeout=120)
    assert r.status is ExecStatus.Exit and m.exit_code == 0
    assert out.decode() == PROCS_OUTPUT
    m.close()


GO_OUTPUT = """\
sums [0 299995 599994 899997 1199997 1499994 1799995 2100000]
nil dereference: runtime error: invalid memory address or nil pointer dereference
timer waited long enough: true
ticks 5
tcp [echo CLIENT 0 echo CLIENT 1 echo CLIENT 2]
refused: true
signal user defined signal 1
child said "child here [child]\\n", error <nil>
missing program: true
total 40000
"""


@pytest.mark.parametrize("executor", ["interpreter", "jit", "jit-L3", "hybrid"])
def test_go_runtime(executor, tmp_path):
    """A program of Go's own toolchain (src/gort): goroutines on several threads,
    timers, TCP through the netpoller (epoll, eventfd), os/signal, a child
    process and a contended mutex. (Its expected output is written out here:
    under qemu-riscv64 the child's exec fails, for want of binfmt_misc.)"""
    kw = {"jit_config": JITConfig(optimization_level=3)} if executor == "jit-L3" else {}
    with open(tmp_path / "out", "w+b") as out:
        m = Machine.load_elf(os.path.join(BIN, "gort"), argv=[os.path.join(BIN, "gort")],
                             stdout=out.fileno(), executor=executor.split("-")[0], **kw)
        r = m.run(timeout=120)
        out.seek(0)
        assert out.read().decode() == GO_OUTPUT
    assert r.status is ExecStatus.Exit and m.exit_code == 0
    m.close()


@pytest.mark.parametrize("executor", ["interpreter", "jit", "hybrid"])
def test_execve_in_place(executor):
    """execve without a fork: the same Machine (and host process) goes on as the
    new program, in a new address space (the old one given back to the host
    then), with the fds not closed on exec."""
    out = bytearray()
    m = Machine.load_elf(os.path.join(BIN, "procs"), argv=["procs", "exec"], stdout=out,
                         executor=executor)
    first = m.mmu
    r = m.run(timeout=60)
    assert (r.status, m.exit_code) == (ExecStatus.Exit, 42)
    assert bytes(out) == b"exec'd: in place, PROCS_VAR=own, fd 5 closed\n"
    assert m.mmu is not first and m.kernel.mmu is m.mmu and m.kernel.cpu is m.cpu
    assert first.released and not m.mmu.released   # (the old program's memory went then)
    m.close()


@pytest.mark.parametrize("executor", ["jit", "hybrid"])
def test_a_program_the_guest_starts_holds_its_compiler_thread(executor, monkeypatch):
    """A program the guest starts, an exec'd image (here) or a fork's child
    (next test), holds its compiler thread FIRST_HOLD seconds, as a process's
    first run does, the code generator loaded or not (JITCompiler.hold_first):
    most are commands done in a few ms, to which a compiler thread at work
    costs the GIL at their system calls and the other CPU (a shell script
    running 100 commands took 28 % longer). Its blocks queue meanwhile; a wait
    for the compiles takes them all the same. The program the Machine loaded
    does not hold, the code generator loaded."""
    from vm_engine.jit import compiler
    compiler.load_code_generator()
    monkeypatch.setattr(compiler, "FIRST_HOLD", 600)
    out = bytearray()
    m = Machine.load_elf(binpath("procs"), argv=["procs", "exec"], stdout=out, executor=executor,
                         jit_config=JITConfig(background_compile=True),
                         hybrid_config=HybridConfig(compile_threshold=1))
    try:
        first = m.mmu
        m.run(max_instructions=2000)
        assert m.mmu is first and first._jobs is not None and not first._jobs.held
        assert m.run(timeout=60).status is ExecStatus.Exit and m.mmu is not first
        assert bytes(out) == b"exec'd: in place, PROCS_VAR=own, fd 5 closed\n"
        jobs = m.mmu._jobs
        assert jobs.held and jobs.stats["queued"] > 0 and jobs.stats["installed"] == 0
        assert m.cpu.wait_for_compiles(timeout=60) and jobs.stats["queued"] == 0
    finally:
        m.close()


def test_a_forks_child_holds_its_compiler_thread():
    """(The test before) a fork's child: the process the guest's fork made
    holds the compiler thread it starts."""
    m = load("hello", executor="jit", jit_config=JITConfig(background_compile=True))
    try:
        m.run(max_instructions=1000)
        assert not m.cpu.hold_first
        r, w = os.pipe()
        pid = m.kernel._fork(signal.SIGCHLD, 0, 0, 0, 0)
        if pid == 0:   # (the child: says, and ends at once)
            os.write(w, b"%d" % m.cpu.hold_first)
            os._exit(0)
        os.close(w)
        said = os.read(r, 16)
        os.close(r)
        assert os.waitpid(pid, 0)[1] == 0 and said == b"1"
        assert not m.cpu.hold_first
    finally:
        m.close()


@pytest.mark.parametrize("executor", ["interpreter", "jit", "hybrid"])
def test_system_v_attachments_end_with_the_program(executor):
    """A guest's System V attachments go at execve (in place: the new program
    sees none of its own) and when its process ends, as Linux's do, though
    the Machine, and its memory, live on."""
    from vm_engine.linux import sysv_ipc
    shmid = sysv_ipc.shmget(0, 0x1000, 0o1000 | 0o600)   # (IPC_PRIVATE, IPC_CREAT)

    def nattch():
        buf = bytearray(sysv_ipc.SHMID_DS.size)
        sysv_ipc.shmctl(shmid, sysv_ipc.IPC_STAT, (ctypes.c_char * len(buf)).from_buffer(buf))
        return sysv_ipc.SHMID_DS.unpack(buf)[-3]
    try:
        for how, said in [("exec", "after execve: nattch 0\n"), ("stay", "")]:
            out = bytearray()
            m = load("sysvshm", argv=["sysvshm", how, str(shmid)], stdout=out, executor=executor)
            r = m.run(timeout=60)
            assert (r.status, m.exit_code) == (ExecStatus.Exit, 0)
            assert out.decode() == "attached: attached, nattch 1\n" + said
            assert nattch() == 0
            assert m.mmu.host_view   # (none attached: compiled code may use the view again)
    finally:
        sysv_ipc.shmctl(shmid, sysv_ipc.IPC_RMID)


@pytest.mark.skipif(QEMU is None, reason="qemu-riscv64 not installed")
@pytest.mark.parametrize("case", [c for c in CASES if c.reference == "qemu"],
                         ids=lambda c: c.name)
def test_program_matches_qemu_live(case, tmp_path):
    _skip_unrunnable(case)
    qdir = tmp_path / "qemu"
    qdir.mkdir()
    argv = case.argv(str(qdir / "work"))
    (qdir / "work").mkdir()
    cmd = [QEMU, "-L", DEFAULT_SYSROOT, "-0", argv[0], case.path] + argv[1:]
    p = subprocess.run(cmd, input=case.stdin or b"", capture_output=True, env=case.environ,
                       timeout=300)
    qcode = p.returncode if p.returncode >= 0 else 128 - p.returncode
    m, r, out, err = run_case(case, tmp_path)
    assert out == p.stdout
    assert r.exit_code == qcode
    if case.stderr:
        assert err == p.stderr


def _host_mapped(address: int) -> bool:
    """Whether host address `address` is in a mapping of this process."""
    with open("/proc/self/maps") as f:
        for line in f:
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            if start <= address < end:
                return True
    return False


@pytest.mark.parametrize("executor", ["interpreter", "jit"])
def test_close_gives_the_guest_memory_back_at_once(executor):
    """Machine.close() gives the host the guest's memory then (the arena,
    the code compiled from it; the compiler thread ends first), not when a
    collection finds the machine's reference cycles; a closed machine cannot
    run on (its memory is gone), closing it again does nothing, and one whose
    program exited still tells how."""
    gc_was = gc.isenabled()
    gc.disable()   # (nothing collected meanwhile: close() alone does it)
    try:
        m = load("asm_spin", executor=executor,
                 jit_config=JITConfig(background_compile=True) if executor == "jit" else None)
        page = m.program.entry & ~0xFFF
        base = m.mmu.host_address(page) - page
        assert m.run(max_instructions=50_000).status is ExecStatus.Budget
        jobs = m.mmu._jobs
        assert _host_mapped(base) and not m.mmu.released
        m.close()
        assert m.mmu.released and not _host_mapped(base)
        assert jobs is None or jobs.thread is None or not jobs.thread.is_alive()
        with pytest.raises(vm_engine.VmError, match="closed"):
            m.run()
        m.close()
        m = load("asm_hello", executor=executor)
        r = m.run()
        assert r.status is ExecStatus.Exit
        m.close()
        assert m.mmu.released and m.run().exit_code == r.exit_code == m.exit_code
    finally:
        if gc_was:
            gc.enable()


def test_fault_raises_execution_error():
    m = load("asm_fault")
    with pytest.raises(ExecutionError) as info:
        m.run()
    f = info.value.fault
    assert f.kind is FaultKind.PageFault and f.address == 0x10
    assert bytes(m.kernel.file(1).sink) == b"about to die\n"
    assert info.value.result.stats.instructions > 0
    assert not m.exited


def test_budget_then_continue():
    out = bytearray()
    m = load("asm_mem", stdout=out)
    r = m.run(max_instructions=10)
    assert r.status is ExecStatus.Budget and r.stats.instructions == 10 and r.exit_code is None
    r = m.run(max_instructions=10)
    assert r.status is ExecStatus.Budget
    r = m.run()
    assert r.status is ExecStatus.Exit and r.exit_code == 0
    assert bytes(out) == b"mem ok\n"
    assert m.stats.instructions == 86   # exact: as in one run
    r2 = m.run()
    assert r2.status is ExecStatus.Exit and r2.exit_code == 0 and r2.stats.instructions == 0


def test_timeout_and_stop():
    out = bytearray()
    m = load("asm_spin", stdout=out)
    r = m.run(timeout=0.3)
    assert r.status is ExecStatus.Stopped and out == b"spinning\n"
    assert 0.2 < r.stats.time < 10
    timer = threading.Timer(0.2, m.stop)
    timer.start()
    r = m.run()
    timer.join()
    assert r.status is ExecStatus.Stopped
    assert not m.exited


@pytest.mark.parametrize("executor", ["interpreter", "hybrid"])
def test_a_stop_ends_a_blocking_wait_for_now(executor):
    """A time limit or stop() ends a wait in a system call (a read of a pipe
    with nothing in it, a sleep) for now: the run returns Stopped, and the
    next run makes the call again, to the same end."""
    r, w = os.pipe()
    try:
        out = bytearray()
        m = Machine.load_elf(binpath("stdin"), stdin=r, stdout=out, executor=executor)
        t0 = time.monotonic()
        assert m.run(timeout=0.3).status is ExecStatus.Stopped
        assert time.monotonic() - t0 < 5 and out == b""
        os.write(w, b"late\n")
        os.close(w)
        w = None
        assert m.run(timeout=60).status is ExecStatus.Exit and bytes(out) == b"LATE\n1 lines\n"
    finally:
        os.close(r)
        if w is not None:
            os.close(w)


def test_a_signal_ends_a_sleep_with_the_time_left(tmp_path):
    e = Env(tmp_path)
    act = e.put(struct.pack("<QQQ", 0x12340, 0, 0))
    assert e("rt_sigaction", sc.SIGALRM, act, 0, 8) == 0
    e.put(struct.pack("<qqqq", 0, 0, 0, 50_000), BUF)            # in 50 ms, once
    assert e("setitimer", 0, BUF, 0) == 0
    req = e.put(struct.pack("<qq", 5, 0))
    t0 = time.monotonic()
    assert e("nanosleep", req, BUF + 64) == sc.SIGALRM           # (the handler's a0: EINTR,
    assert time.monotonic() - t0 < 3 and e.cpu.pc == 0x12340     # then the handler runs)
    sec, nsec = struct.unpack("<qq", e.mem(BUF + 64, 16))
    assert 2 <= sec + nsec / 1e9 < 5                               # the time left


def test_a_wait_for_a_child_ends_for_a_signal_or_a_stop(tmp_path):
    """wait4 for a child (a host process) that has not ended: a stop of the run
    ends the wait for now (the call made again later), a signal ends it with
    EINTR (its handler then runs); then the child's end is taken."""
    e = Env(tmp_path)
    child = os.fork()
    if child == 0:
        time.sleep(1.5)
        os._exit(3)
    e.k.children.add(child)
    e.cpu.pc = 0x1004
    e.k.stop_requested = lambda: True
    t0 = time.monotonic()
    e("wait4", child, BUF, 0, 0)
    assert e.cpu.pc == 0x1000 and time.monotonic() - t0 < 1   # (at its ecall again)
    e.k.stop_requested = lambda: False
    act = e.put(struct.pack("<QQQ", 0x12340, 0, 0))
    assert e("rt_sigaction", sc.SIGALRM, act, 0, 8) == 0
    e.put(struct.pack("<qqqq", 0, 0, 0, 50_000), BUF + 64)          # SIGALRM in 50 ms
    assert e("setitimer", 0, BUF + 64, 0) == 0
    assert e("wait4", child, BUF, 0, 0) == sc.SIGALRM and e.cpu.pc == 0x12340   # EINTR
    assert time.monotonic() - t0 < 1.4
    assert e("wait4", child, BUF, 0, 0) == child
    assert os.WEXITSTATUS(struct.unpack("<i", e.mem(BUF, 4))[0]) == 3


def test_file_system_requests_are_the_hosts(tmp_path):
    """FS_IOC_FIEMAP (a file's extents: filefrag, cp), FS_IOC_GETFLAGS (lsattr)
    and FIGETBSZ give what the host's give for the same file, its refusal too
    (a file system without extents); more extents asked for than taken: as
    many as that, the count asked left as it was."""
    import fcntl
    path = tmp_path / "data"
    path.write_bytes(os.urandom(3 * 4096))
    e = Env(tmp_path)
    fd = e("openat", AT_FDCWD, e.s(str(path)), 0, 0)
    host = os.open(path, os.O_RDONLY)
    try:
        for count in (8, 1 << 20):
            request = struct.pack("<QQIII4x", 0, 1 << 62, 1, 0, count)
            e.put(request + bytes(56 * 8), BUF)
            got = e("ioctl", fd, sc.FS_IOC_FIEMAP, BUF)
            try:
                fcntl.ioctl(host, sc.FS_IOC_FIEMAP, bytearray(request + bytes(56 * 8)), True)
                want = 0
            except OSError as err:
                want = -err.errno
            assert got == want
            if got == 0:
                mapped, asked = struct.unpack_from("<II", e.mem(BUF + 20, 8))
                assert asked == count and 1 <= mapped <= 8
        flags = fcntl.ioctl(host, 0x80086601, bytes(4))
        assert e("ioctl", fd, 0x80086601, BUF) == 0 and e.mem(BUF, 4) == flags
        assert e("ioctl", fd, 0x2, BUF) == 0 and \
            e.mem(BUF, 4) == fcntl.ioctl(host, 0x2, bytes(4))
    finally:
        os.close(host)


def test_the_file_size_limit_is_kept(tmp_path):
    """RLIMIT_FSIZE (the guest's) limits regular files: a write is cut at it,
    one at or past it gets SIGXFSZ (ignored here) and EFBIG, as do ftruncate,
    truncate and fallocate growing a file past it; shrinking, and pipes, are
    not limited."""
    e = Env(tmp_path)
    SIG_IGN = 1
    assert e("rt_sigaction", sc.SIGXFSZ, e.put(struct.pack("<QQQ", SIG_IGN, 0, 0)), 0, 8) == 0
    assert e("prlimit64", 0, sc.RLIMIT_FSIZE, e.put(struct.pack("<QQ", 100, 1000)), 0) == 0
    path = e.s(str(tmp_path / "limited"))
    fd = e("openat", AT_FDCWD, path, sc.O_CREAT | 2, 0o600)
    data = e.put(bytes(range(256)))
    assert e("write", fd, data, 60) == 60
    assert e("write", fd, data, 60) == 40          # (cut at the limit)
    assert e("write", fd, data, 1) == -errno.EFBIG
    assert e("pwrite64", fd, data, 10, 95) == 5
    assert e("pwrite64", fd, data, 10, 100) == -errno.EFBIG
    assert e("ftruncate", fd, 101) == -errno.EFBIG and e("ftruncate", fd, 50) == 0
    assert e("truncate", path, 200) == -errno.EFBIG and e("truncate", path, 100) == 0
    assert e("fallocate", fd, 0, 90, 20) == -errno.EFBIG and e("fallocate", fd, 0, 0, 10) == 0
    assert (tmp_path / "limited").stat().st_size == 100
    assert e("pipe2", BUF, 0) == 0
    w = struct.unpack("<ii", e.mem(BUF, 8))[1]
    assert e("write", w, data, 200) == 200        # (a pipe: no limit)
    assert not e.k.pending & 1 << (sc.SIGXFSZ - 1)   # (ignored)


def test_membarrier_capget_and_fallocate_modes(tmp_path):
    """membarrier: the commands Linux has but RSEQ's, a private expedited one
    only once registered (EPERM before), registrations read back; capget of
    another process: its capabilities as the host has them; fallocate's modes
    (a hole punched, keeping the size): the host's."""
    e = Env(tmp_path)
    supported = e("membarrier", 0, 0)
    assert supported & 0x7F == 0x7F and not supported & 0x180   # (RSEQ's: none)
    assert e("membarrier", 8, 0) == -errno.EPERM        # PRIVATE_EXPEDITED, unregistered
    assert e("membarrier", 16, 0) == 0 and e("membarrier", 8, 0) == 0
    assert e("membarrier", 1, 0) == 0 and e("membarrier", 512, 0) == 16
    assert e("membarrier", 1, 1) == -errno.EINVAL and e("membarrier", 3, 0) == -errno.EINVAL
    assert e("membarrier", 128, 0) == -errno.EINVAL
    e.put(struct.pack("<Ii", 0x20080522, 1), BUF)        # (version 3, pid 1)
    assert e("capget", BUF, BUF + 64) == 0
    want = {}
    for line in open("/proc/1/status"):
        key, _, value = line.partition(":")
        want[key] = int(value, 16) if key.startswith("Cap") else None
    eff, prm, inh = struct.unpack("<III", e.mem(BUF + 64, 12))
    assert (eff, prm, inh) == (want["CapEff"] & 0xFFFFFFFF, want["CapPrm"] & 0xFFFFFFFF,
                               want["CapInh"] & 0xFFFFFFFF)
    e.put(struct.pack("<Ii", 0x20080522, 0x7FFFFFF0), BUF)
    assert e("capget", BUF, BUF + 64) == -errno.ESRCH
    path = tmp_path / "holes"
    path.write_bytes(b"x" * 3 * 4096)
    fd = e("openat", AT_FDCWD, e.s(str(path)), 2, 0)
    host = os.open(path, os.O_RDWR)
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        copy = tmp_path / "copy"
        copy.write_bytes(b"x" * 3 * 4096)
        probe = os.open(copy, os.O_RDWR)
        want = libc.fallocate(probe, 3, ctypes.c_int64(4096), ctypes.c_int64(4096))
        want = -ctypes.get_errno() if want else 0
        os.close(probe)
        assert e("fallocate", fd, 3, 4096, 4096) == want   # PUNCH_HOLE | KEEP_SIZE
        if want == 0:
            data = path.read_bytes()
            assert len(data) == 3 * 4096 and data[4096:8192] == bytes(4096) and \
                data[:4096] == data[8192:] == b"x" * 4096
        assert e("fallocate", fd, 2, 0, 4096) == -errno.EOPNOTSUPP   # (a hole keeps the size)
    finally:
        os.close(host)


def test_a_turn_ends_by_instructions_or_by_the_hosts_time():
    """A thread's turn goes on across its runs and system calls: it is over
    after TIME_SLICE instructions, or after TURN_SECONDS of the host's however
    few instructions it ran (a thread whose calls or signals cost the host far
    more than their instructions kept the cpu for minutes: Python's
    test_signal), and only when another thread can run; a switch begins a
    new one."""
    from vm_engine.linux import threads as th
    e = Env()
    t = e.k.threads
    assert not t.turn_over() and t.slice(None) is None   # (alone: no turns)
    other = th.GuestThread(e.k.pid + 1)
    other.context = bytearray(e.cpu._context())
    t.all[other.tid] = other
    assert not t.turn_over() and t.slice(None) == th.TIME_SLICE
    t.ran(th.TIME_SLICE - 10)
    assert not t.turn_over() and t.slice(None) == 10 and t.slice(5) == 5
    t.ran(10)
    assert t.turn_over()
    t.turn_left, t.turn_began = th.TIME_SLICE, time.monotonic() - th.TURN_SECONDS
    assert t.turn_over()                                   # (its host time is up)
    t.yield_turn()
    assert t.current is other and not t.turn_over() and t.turn_left == th.TIME_SLICE
    t.turn_left = 0
    assert t.turn_over()
    t.all[e.k.pid].waiting = True                          # (the other waits for good:
    assert not t.turn_over()                               # no one to hand the cpu to)


def test_a_turn_beside_threads_waiting_with_a_timeout_lasts_until_their_time():
    """When the other threads can run only later (a wait with a timeout, for a
    file), the current thread's turn goes on until the first of those waits
    may end, by the rate its runs went at: TIME_SLICE instructions at least
    (also while the rate is not yet known), LONE_TURN_MOST at most; a wait for
    a file is looked at after LONE_TURN_SECONDS. One that can run now gets the
    cpu after TIME_SLICE, as before."""
    from vm_engine.linux import threads as th
    e = Env()
    t = e.k.threads
    other = th.GuestThread(e.k.pid + 1)
    other.context = bytearray(e.cpu._context())
    t.all[other.tid] = other
    other.waiting, other.deadline = True, time.monotonic() + 0.004
    assert t.rate == 0 and t.slice(None) == th.TIME_SLICE  # (the rate not yet known)
    time.sleep(0.001)
    t.ran(20_000)                                          # (a run of 1 ms at least:
    assert 0 < t.rate <= 20_000 / 0.001                    # the rate measured)
    t.turn_left = th.TIME_SLICE
    t.rate = 1e9
    assert 2_000_000 < t.slice(None) <= 4_000_000          # (until the deadline, ~4 ms)
    assert t.slice(5) == 5 and t.slice(10**12) <= 4_000_000
    other.deadline = time.monotonic() + 60
    assert t.slice(None) == th.LONE_TURN_MOST
    other.deadline = time.monotonic() - 1                  # (its time has come)
    assert t.slice(None) == th.TIME_SLICE
    other.deadline, other.ready = None, lambda: False      # (a wait for a file)
    assert t.slice(None) == int(1e9 * th.LONE_TURN_SECONDS)
    third = th.GuestThread(e.k.pid + 2)                    # (and one whose time has
    third.waiting, third.deadline = True, time.monotonic() - 1   # come: as soon as one
    t.all[third.tid] = third                               # may, its turn ends)
    assert t.slice(None) == th.TIME_SLICE
    del t.all[third.tid]
    other.ready = None                                     # (for good: no turns)
    assert t.slice(None) is None
    other.waiting = False                                  # (it can run now)
    assert t.slice(None) == th.TIME_SLICE


def test_pipe_sizes_and_other_processes_scheduling():
    """F_SETPIPE_SZ and F_GETPIPE_SZ on a host pipe are the host's (a size set
    is read back); another process's scheduling policy and priority are read
    as the host has them (Python's test_posix reads its parent's)."""
    e = Env()
    assert e("pipe2", BUF, 0) == 0
    r, w = struct.unpack("<ii", e.mem(BUF, 8))
    assert e("fcntl", w, sc.F_GETPIPE_SZ, 0) == 65536
    assert e("fcntl", w, sc.F_SETPIPE_SZ, 32768) == 32768
    assert e("fcntl", r, sc.F_GETPIPE_SZ, 0) == 32768
    assert e("fcntl", w, sc.F_SETPIPE_SZ, 5000) == 8192   # (whole pages, a power of two)
    parent = os.getppid()
    assert e("sched_getscheduler", parent) == os.sched_getscheduler(parent)
    assert e("sched_getparam", parent, BUF) == 0 and \
        struct.unpack("<i", e.mem(BUF, 4))[0] == os.sched_getparam(parent).sched_priority
    assert e("sched_getscheduler", 0x7FFFFFF0) == -errno.ESRCH
    assert e("sched_setscheduler", parent, 0, e.put(bytes(4))) == -errno.ESRCH   # (not set)


def test_file_handles_are_the_hosts(tmp_path):
    """name_to_handle_at gives the host's handle and mount id for a file (the
    size it needs, EOVERFLOW, when its buffer is short); open_by_handle_at
    opens it again as the host does (root: CAP_DAC_READ_SEARCH; else EPERM)."""
    import ctypes
    path = tmp_path / "named"
    path.write_bytes(b"by its handle")
    e = Env(tmp_path)
    name = e.s(str(path))
    e.put(struct.pack("<Ii", 0, 0), BUF)
    assert e("name_to_handle_at", AT_FDCWD, name, BUF, BUF + 256, 0) == -errno.EOVERFLOW
    size = struct.unpack("<I", e.mem(BUF, 4))[0]
    assert 0 < size <= sc.MAX_HANDLE_SZ
    assert e("name_to_handle_at", AT_FDCWD, name, BUF, BUF + 256, 0) == 0
    libc = ctypes.CDLL(None, use_errno=True)
    host, mount = ctypes.create_string_buffer(struct.pack("<I", size) + bytes(4 + size)), \
        ctypes.c_int()
    assert libc.name_to_handle_at(-100, str(path).encode(), host, ctypes.byref(mount), 0) == 0
    assert e.mem(BUF, 8 + size) == host.raw[:8 + size]
    assert struct.unpack("<i", e.mem(BUF + 256, 4))[0] == mount.value
    assert e("name_to_handle_at", AT_FDCWD, name, BUF, BUF + 256, 0x8) == -errno.EINVAL
    e.put(struct.pack("<I", 4096), BUF + 512)
    assert e("name_to_handle_at", AT_FDCWD, name, BUF + 512, BUF + 256, 0) == -errno.EINVAL
    want = libc.open_by_handle_at(-100, host, os.O_RDONLY)
    want = -ctypes.get_errno() if want < 0 else os.close(want)
    fd = e("open_by_handle_at", AT_FDCWD, BUF, 0)
    if want is None:   # (opened)
        assert fd >= 3 and e("read", fd, BUF + 1024, 64) == 13
        assert e.mem(BUF + 1024, 13) == b"by its handle"
    else:
        assert fd == want


def test_pidfds(tmp_path):
    """pidfd_open, pidfd_send_signal and waitid(P_PIDFD): the host's, for a
    child (a host process); this process's own signal is raised as kill's."""
    e = Env(tmp_path)
    P_PIDFD, WEXITED, CLD_EXITED, CLD_KILLED = 3, 4, 1, 2
    children = []
    go, told = os.pipe()   # (the first child ends when told: not before the poll below)
    for code in (5, None):
        pid = os.fork()
        if pid == 0:
            if code:
                os.read(go, 1)
            else:
                time.sleep(30)
            os._exit(code or 0)
        e.k.children.add(pid)
        children.append(pid)
    os.close(go)
    fds = [e("pidfd_open", pid, 0) for pid in children]
    assert all(fd >= 3 for fd in fds)
    e.put(struct.pack("<ihh", fds[0], 1, 0), BUF)                   # POLLIN: not ended yet
    zero = e.put(struct.pack("<qq", 0, 0))
    assert e("ppoll", BUF, 1, zero, 0, 8) == 0
    os.write(told, b"x")
    os.close(told)
    assert e("waitid", P_PIDFD, fds[0], BUF + 64, WEXITED, 0) == 0   # (waits for it)
    signo, _, code, _, pid, _, status = struct.unpack("<iiiiiii", e.mem(BUF + 64, 28))
    assert (signo, code, pid, status) == (sc.SIGCHLD, CLD_EXITED, children[0], 5)
    assert e("pidfd_send_signal", fds[1], sc.SIGTERM, 0, 0) == 0
    assert e("waitid", P_PIDFD, fds[1], BUF + 64, WEXITED, 0) == 0
    _, _, code, _, pid, _, status = struct.unpack("<iiiiiii", e.mem(BUF + 64, 28))
    assert (code, pid, status) == (CLD_KILLED, children[1], sc.SIGTERM)
    act = e.put(struct.pack("<QQQ", 0x12340, 0, 0))
    assert e("rt_sigaction", sc.SIGUSR1, act, 0, 8) == 0
    mine = e("pidfd_open", os.getpid(), 0)
    assert e("pidfd_send_signal", mine, sc.SIGUSR1, 0, 0) == sc.SIGUSR1 and e.cpu.pc == 0x12340
    assert e("pidfd_open", 0, 0) == -errno.EINVAL
    assert e("pidfd_send_signal", 1, sc.SIGUSR1, 0, 0) == -errno.EBADF   # (not a pidfd)
    assert e("pidfd_open", 0x7FFFFFF0, 0) == -errno.ESRCH
    # an open /proc/PID directory is one too (as Linux takes it); not the
    # program's processes are out of reach (kill's EPERM)
    proc = e("openat", AT_FDCWD, e.s(f"/proc/{os.getpid()}"), sc.O_DIRECTORY, 0)
    assert e("pidfd_send_signal", proc, sc.SIGUSR1, 0, 0) == 0   # (pending: its handler runs)
    assert e.k.pending & 1 << (sc.SIGUSR1 - 1)
    init = e("pidfd_open", 1, 0)
    assert e("pidfd_send_signal", init, 0, 0, 0) == -errno.EPERM
    init_dir = e("openat", AT_FDCWD, e.s("/proc/1"), sc.O_DIRECTORY, 0)
    assert e("pidfd_send_signal", init_dir, 0, 0, 0) == -errno.EPERM


def test_output_targets(capfd):
    bio = io.BytesIO()
    m = Machine.load_elf(binpath("asm_hello"), stdout=bio, executor="interpreter")
    assert m.run().exit_code == 7 and bio.getvalue() == b"hello from asm\n"
    m = Machine.load_elf(binpath("asm_hello"), executor="interpreter")   # the host's stdout
    assert m.run().exit_code == 7
    assert capfd.readouterr().out == "hello from asm\n"


def test_stdin_from_file_object(tmp_path):
    p = tmp_path / "in.txt"
    p.write_bytes(b"abc\ndef\n")
    out = bytearray()
    with open(p, "rb") as f:
        m = Machine.load_elf(binpath("stdin"), stdin=f, stdout=out, executor="interpreter")
        assert m.run().exit_code == 0
    assert bytes(out) == b"ABC\nDEF\n2 lines\n"
    out2 = bytearray()
    m = Machine.load_elf(binpath("stdin"), stdin=io.BytesIO(b"x\n"), stdout=out2,
                         executor="interpreter")
    assert m.run().exit_code == 0 and bytes(out2) == b"X\n1 lines\n"


def test_executor_choices():
    from vm_engine.jit import JITCompiler
    m = Machine.load_elf(binpath("asm_hello"), stdout=bytearray(), executor="jit")
    assert isinstance(m.cpu, JITCompiler) and m.cpu.compile_threshold == 0
    assert m.run().exit_code == 7
    m = Machine.load_elf(binpath("asm_hello"), stdout=bytearray(), executor="interpreter")
    assert not isinstance(m.cpu, JITCompiler)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = Machine.load_elf(binpath("asm_hello"), stdout=bytearray())   # Hybrid: silent
        assert m.run().exit_code == 7
    with pytest.raises(ValueError, match="unknown executor"):
        Machine.load_elf(binpath("asm_hello"), executor="turbo")


def test_machine_strace(capsys):
    m = load("asm_hello")
    m.strace = True
    m.run()
    err = capsys.readouterr().err
    assert 'write(1, "hello from asm\\n", 15) = 15' in err and "exit(7) = ?" in err
    assert err.rstrip().endswith("+++ exited with 7 +++")
    m = load("asm_signal")
    m.strace = True
    m.run()
    err = capsys.readouterr().err
    assert "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER" in err
    assert "rt_sigreturn() = ?" in err
    assert err.rstrip().endswith("+++ killed by SIGABRT +++")


def test_strace_of_sockets_and_events(capsys, tmp_path):
    """Socket and event calls are traced like the others; a recv's buffer shows
    what was written to it, even when MSG_TRUNC returns a longer datagram."""
    m = Machine.load_elf(os.path.join(BIN, "sockets"), argv=["sockets", str(tmp_path)],
                         stdout=bytearray())
    m.strace = True
    m.run(timeout=60)
    err = capsys.readouterr().err
    assert 'recvfrom(4, "trun", 4, 0x20, NULL, NULL) = 9' in err
    assert 'sendto(3, "first", 5, 0x0, NULL, 0) = 5' in err
    assert "socketpair(1, 524289, 0, " in err and "accept4(" in err
    m = Machine.load_elf(os.path.join(BIN, "events"), argv=["events"], stdout=bytearray())
    m.strace = True
    m.run(timeout=60)
    err = capsys.readouterr().err
    assert "eventfd2(5, 0x800) = 3" in err and "epoll_create1(0x80000) = " in err
    assert "epoll_pwait(" in err and "timerfd_create(1, 0x0) = " in err


# == the command line ===========================================================================
def cli(*argv) -> int:
    from vm_engine.linux.cli_run import main
    return main(list(argv))


def test_cli_exit_codes(capfd, tmp_path):
    assert cli(binpath("asm_hello")) == 7
    assert capfd.readouterr().out == "hello from asm\n"
    assert cli(binpath("asm_args"), "x", "-y", "--z") == 4
    assert capfd.readouterr().out.splitlines()[:4] == [binpath("asm_args"), "x", "-y", "--z"]
    assert cli(binpath("asm_fault")) == 128 + 11
    cap = capfd.readouterr()
    assert cap.out == "about to die\n"
    assert "page fault" in cap.err and "pc=0x" in cap.err and "address 0x10" in cap.err \
        and "SIGSEGV" in cap.err and len(cap.err.strip().splitlines()) == 1
    assert cli(binpath("asm_signal")) == 128 + 6
    assert "SIGABRT" in capfd.readouterr().err
    (tmp_path / "text").write_text("not a program\n")
    assert cli(str(tmp_path / "text")) == 126
    assert "not an ELF file" in capfd.readouterr().err
    assert cli(str(tmp_path / "missing")) == 127
    assert cli("--max-instructions", "5", binpath("asm_hello")) == 124
    assert "--max-instructions" in capfd.readouterr().err
    assert cli("--timeout", "0.2", binpath("asm_spin")) == 124
    capfd.readouterr()


def test_cli_dump_jit(tmp_path):
    out = tmp_path / "jit.txt"
    assert cli("--engine", "jit", "--dump-jit", str(out), binpath("asm_hello")) == 7
    text = out.read_text()
    assert "; block 0x" in text and "instructions compiled" in text
    assert "jmp qword ptr [" in text and "sub r14," in text  # the host code is listed too


@pytest.mark.parametrize("engine,background", [("jit", False), ("jit", True), ("hybrid", True)])
def test_perf_map_names_the_code_installed(engine, background, monkeypatch):
    """VM_ENGINE_PERF_MAP: perf(1)'s map lists every region of code as it is
    installed, named by its guest block: by the run's thread, or (compiling in
    the background) by the installer between blocks."""
    from vm_engine.bench.workloads import programs_dir
    path = f"/tmp/perf-{os.getpid()}.map"
    if os.path.exists(path):
        os.unlink(path)
    monkeypatch.setenv("VM_ENGINE_PERF_MAP", "1")
    out = bytearray()
    m = Machine.load_elf(str(programs_dir() / "bin" / "sieve"), argv=["sieve", "200000", "2"],
                         executor=engine, jit_config=JITConfig(background_compile=background),
                         stdout=out, stderr=bytearray())
    try:
        m.run()
        jobs = m.cpu.mmu._jobs
        installed = jobs.stats["installed"] if background else m.cpu.stats["blocks_compiled"]
        lines = open(path).read().splitlines()
    finally:
        m.close()
        if os.path.exists(path):
            os.unlink(path)
    assert out == b"primes below 200000: 17984\n"
    assert (jobs is not None) == background
    assert len(lines) == installed > 0
    _assert_perf_map_lines(lines)


def test_a_perf_map_is_closed_with_its_compiler(monkeypatch):
    """The JIT's perf map goes with its compiler, closed: left to the
    collector it warned (ResourceWarning), on the stderr of whatever ran then
    (once a test of a program's stderr)."""
    import gc
    import warnings
    path = f"/tmp/perf-{os.getpid()}.map"
    monkeypatch.setenv("VM_ENGINE_PERF_MAP", "1")
    m = Machine.load_elf(binpath("asm_hello"), executor="jit", stdout=bytearray())
    try:
        m.run()
        perf_map = m.cpu.perf_map
        assert not perf_map.closed
    finally:
        m.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        del m
        gc.collect()
    assert perf_map.closed
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    if os.path.exists(path):
        os.unlink(path)


def _assert_perf_map_lines(lines):
    """Each line of a perf map names one region, each where it was installed."""
    assert all(re.fullmatch(r"[0-9a-f]+ [0-9a-f]+ guest_[0-9a-f]+_[0-9]+", line)
               for line in lines), lines[:5]
    starts = [int(line.split()[0], 16) for line in lines]
    assert len(set(starts)) == len(starts)


@pytest.mark.parametrize("background", [False, True])
def test_a_forked_child_has_a_perf_map_of_its_own(background, monkeypatch, tmp_path):
    """perf(1) finds a process's map by its pid: a fork's child lists the code
    it compiles in its own /tmp/perf-PID.map, not in its parent's."""
    import glob
    monkeypatch.setenv("VM_ENGINE_PERF_MAP", "1")
    path = f"/tmp/perf-{os.getpid()}.map"
    before = set(glob.glob("/tmp/perf-*.map")) - {path}
    if os.path.exists(path):
        os.unlink(path)
    out = bytearray()
    m = Machine.load_elf(os.path.join(BIN, "procs"), argv=["procs", str(tmp_path)],
                         stdout=out, executor="jit",
                         jit_config=JITConfig(background_compile=background))
    try:
        m.run(timeout=120)
        jobs = m.cpu.mmu._jobs
        installed = jobs.stats["installed"] if background else m.cpu.stats["blocks_compiled"]
        lines = open(path).read().splitlines()
    finally:
        m.close()
        children = sorted(set(glob.glob("/tmp/perf-*.map")) - before - {path})
        child_lines = [open(f).read().splitlines() for f in children]
        for f in children + [path]:
            if os.path.exists(f):
                os.unlink(f)
    assert out.decode() == PROCS_OUTPUT
    assert len(lines) == installed > 0   # (the parent's code alone)
    assert len(children) >= 5            # (procs forks a child for each of its tests)
    for child in child_lines:
        _assert_perf_map_lines(child)
    if not background:                   # (a child compiling in the background may
        assert all(child_lines)          # end before it installs anything)


def test_a_sysroots_absolute_links_lead_within_it(capfd, tmp_path):
    """A symbolic link in the sysroot with an absolute target leads within the
    sysroot, as in a chroot, when a program is run from there: Debian's
    /usr/bin/awk -> /etc/alternatives/awk -> /usr/bin/gawk (on the host the
    first link leads to the host's own awk, an x86-64 program: ENOEXEC). For
    vm-engine run's PROGRAM, a #! line's interpreter and the guest's execve."""
    import shutil
    root = tmp_path / "root"
    for d in ("usr/bin", "etc/alternatives", "lib"):
        (root / d).mkdir(parents=True)
    (root / "bin").symlink_to("usr/bin")
    shutil.copy(binpath("args"), root / "usr" / "bin" / "interp-real")
    (root / "etc" / "alternatives" / "interp").symlink_to("/usr/bin/interp-real")
    (root / "usr" / "bin" / "interp").symlink_to("/etc/alternatives/interp")
    (root / "loop").symlink_to("/loop")
    real = str(root / "usr" / "bin" / "interp-real")
    assert not os.path.exists(root / "usr" / "bin" / "interp")   # (the host's /etc: no such)
    for name in ("/usr/bin/interp", "/bin/interp", "/bin/../bin/./interp", "/../../bin/interp"):
        assert elfmod.in_sysroot(name, str(root)) == real
    assert elfmod.in_sysroot("/usr/bin/missing", str(root)) is None
    assert elfmod.in_sysroot("/loop", str(root)) is None          # (ELOOP)
    assert elfmod.in_sysroot("/lib", str(root)) == str(root / "lib")

    assert cli("--sysroot", str(root), str(root / "usr" / "bin" / "interp"), "7") == 7  # (atoi)
    assert capfd.readouterr().out.startswith("argc=2\n")
    script = tmp_path / "s"
    script.write_text("#!/usr/bin/interp -q\n")
    script.chmod(0o755)
    assert cli("--sysroot", str(root), str(script)) == 0
    assert capfd.readouterr().out.startswith(f"argc=3\nargv[1]=-q\nargv[2]={script}\n")
    e = Env(sysroot=str(root))
    # as the kernel's path lookups: a link at the end followed there by the calls that
    # follow one (opening a data file through alternatives), not by those that do not
    (root / "usr" / "share").mkdir()
    (root / "usr" / "share" / "real-data").write_bytes(b"sysroot data")
    (root / "etc" / "alternatives" / "data").symlink_to("/usr/share/real-data")
    (root / "usr" / "share" / "data").symlink_to("/etc/alternatives/data")
    fd = e("openat", AT_FDCWD, e.s("/usr/share/data"), 0, 0)
    assert fd >= 0 and e("read", fd, BUF, 100) == 12 and e.mem(BUF, 12) == b"sysroot data"
    assert e("openat", AT_FDCWD, e.s("/usr/share/data"), sc.O_NOFOLLOW, 0) == -errno.ELOOP
    n = e("readlinkat", AT_FDCWD, e.s("/usr/bin/interp"), BUF, 100)
    assert e.mem(BUF, n) == b"/etc/alternatives/interp"
    assert e("newfstatat", AT_FDCWD, e.s("/usr/share/data"), BUF, 0) == 0
    assert struct.unpack_from("<Q", e.mem(BUF + 48, 8))[0] == 12          # st_size: the data's
    assert e("newfstatat", AT_FDCWD, e.s("/usr/share/data"), BUF, sc.AT_SYMLINK_NOFOLLOW) == 0
    assert stat.S_ISLNK(struct.unpack_from("<I", e.mem(BUF + 16, 4))[0])   # st_mode: a link
    host, argv, _ = e.k._exec_target(b"/bin/interp", [b"interp", b"x"])
    assert host == real and argv == [b"interp", b"x"]
    host, argv, _ = e.k._exec_target(os.fsencode(script), [os.fsencode(script)])
    assert host == real and argv == [b"/usr/bin/interp", b"-q", os.fsencode(script)]


def test_cli_runs_a_script_by_its_interpreter(capfd, tmp_path):
    """vm-engine run of a #! script runs its interpreter (looked up in the
    sysroot first, as a dynamic loader), as execve does: the interpreter's path
    as written, its one argument, the script's path, then the script's own
    arguments; a script of a script too; an interpreter not found is said."""
    import shutil
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    shutil.copy(binpath("args"), root / "bin" / "interp")
    script, outer = tmp_path / "s", tmp_path / "t"
    script.write_text("#!/bin/interp  -x y \necho not sh\n")   # (one argument: "-x y")
    outer.write_text(f"#!{script}\n")
    assert cli("--sysroot", str(root), str(script), "5") == 0   # (atoi("-x y"))
    assert capfd.readouterr().out.startswith(
        f"argc=4\nargv[1]=-x y\nargv[2]={script}\nargv[3]=5\n")
    assert cli("--sysroot", str(root), str(outer), "6") == 0
    assert capfd.readouterr().out.startswith(
        f"argc=5\nargv[1]=-x y\nargv[2]={script}\nargv[3]={outer}\nargv[4]=6\n")
    chain = [outer]   # (Linux follows 4 #! lines: a fifth script is refused)
    for k in range(2):
        chain.append(tmp_path / f"c{k}")
        chain[-1].write_text(f"#!{chain[-2]}\n")
    assert cli("--sysroot", str(root), str(chain[-1])) == 0   # (4 scripts, then args)
    capfd.readouterr()
    top = tmp_path / "c2"
    top.write_text(f"#!{chain[-1]}\n")
    assert cli("--sysroot", str(root), str(top)) == 126
    assert "too many levels of #! interpreters" in capfd.readouterr().err
    assert cli(str(script)) == 126   # (no sysroot: /bin/interp is not the host's)
    assert "#! interpreter '/bin/interp' is not found" in capfd.readouterr().err


def test_cli_stats_strace_env(capfd):
    assert cli("--stats", "--strace", "-E", "VMTEST=cli", "--engine", "interpreter",
               binpath("asm_hello")) == 7
    err = capfd.readouterr().err
    assert "instructions" in err and "MIPS" in err
    assert 'write(1, "hello from asm\\n", 15) = 15' in err
    assert cli("--engine", "jit", "--opt-level", "0", "--stats", binpath("asm_hello")) == 7
    assert "(jit)" in capfd.readouterr().err


def test_children_killed_by_a_fault_die_quietly(capfd):
    """A fork's child a fault kills writes nothing to the terminal: Linux does
    not, the parent sees the signal in its wait status."""
    assert cli(binpath("faults")) == 0
    out, err = capfd.readouterr()
    assert out.count("killed by Segmentation fault") == 3 and err == ""


def test_strace_shows_a_fault_given_to_the_programs_handler(capfd):
    """strace's form for a fault's signal: its si_code by name and si_addr."""
    assert cli("--strace", binpath("faults")) == 0
    err = capfd.readouterr().err
    assert re.search(r"--- SIGSEGV \{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10\} ---", err)
    assert "si_code=SEGV_ACCERR, si_addr=0x" in err
    assert "--- SIGILL {si_signo=SIGILL, si_code=ILL_ILLOPC, si_addr=0x" in err
    assert "--- SIGBUS {si_signo=SIGBUS, si_code=BUS_ADRALN, si_addr=0x" in err


def test_cli_static_c_program(capfd):
    assert cli("-E", "VMTEST=from cli", binpath("args"), "5", "z") == 5
    out = capfd.readouterr().out
    assert "argv[2]=z" in out and "VMTEST=from cli" in out


@needs_sysroot
def test_cli_dynamic_program(capfd):
    assert cli("--sysroot", DEFAULT_SYSROOT, binpath("hello-dyn")) == 0
    assert capfd.readouterr().out == "Hello, world!\nfrom a riscv64 guest\n"


def test_cli_signals_from_other_processes_reach_the_guest(tmp_path):
    """vm-engine run's process is the program's (Machine.own_host_signals), as
    qemu-riscv64's is: a fork's child signals its parent, and a signal sent to
    the command from outside runs the guest's handler (SIGINT, SIGTERM) or is
    ignored as the guest asked (SIGHUP)."""
    import signal
    run = [sys.executable, "-m", "vm_engine", "run", "--no-cache-dir", binpath("hostsig")]
    p = subprocess.run(run + ["parent"], cwd=tmp_path, capture_output=True, timeout=120)
    assert p.stdout == expected(BY_NAME["hostsig"])[0] + \
        b"to parent: exit 6\nparent: got 10 from its child\n" and p.returncode == 0, p.stderr
    for sig in (signal.SIGINT, signal.SIGTERM):
        p = subprocess.Popen(run + ["wait"], cwd=tmp_path, stdout=subprocess.PIPE)
        try:
            assert p.stdout.readline() == b"waiting\n"
            p.send_signal(signal.SIGHUP)
            time.sleep(0.2)
            p.send_signal(sig)
            out, _ = p.communicate(timeout=60)
        finally:
            p.kill()
        assert out == f"got {int(sig)}\n".encode() and p.returncode == 0


FAMILY_OUTPUT = b"""a sibling's kill: exit 0
the sibling it killed: killed by signal 15
a grandchild's kill: exit 0
its parent's other child: killed by signal 10
getpgid: the group's first 1, its second 1
kill of the group: 0
the group's first: killed by signal 1
the group's second: killed by signal 1
kill of a group no longer there: -1 No such process
"""


@pytest.mark.parametrize("engine", ["interpreter", "jit", "hybrid"])
def test_cli_signals_reach_every_process_of_the_program(engine, tmp_path):
    """Under vm-engine run, whose process is the program's, a process signals
    the program's others that are not its parent or child, as shells do: a
    sibling (a subshell killing a background job), its parent's other child
    from a grandchild, a process group (job control's kill %1). (The native
    build's output; in a session of its own, as a group kill may reach the
    caller's group under Linux.)"""
    p = subprocess.run([sys.executable, "-m", "vm_engine", "run", "--no-cache-dir", "--engine",
                        engine, binpath("family")], cwd=tmp_path, capture_output=True,
                       timeout=120, start_new_session=True)
    assert p.stdout == FAMILY_OUTPUT and p.returncode == 0, p.stderr


def test_an_embedded_program_signals_its_own_processes_only():
    """A program run in another's process (no own_host_signals) reaches no
    process but its children and itself: the host program's others are not
    its own (EPERM, as another user's). One that is not there is ESRCH (a
    child already waited for: Python's subprocess ignores that error only)."""
    e = Env()
    assert e.k.family is None
    assert e("kill", 1, 0) == -errno.EPERM and e("kill", os.getppid(), 0) == -errno.EPERM
    assert e("kill", -os.getpgid(0) & sc.MASK64, 0) == -errno.EPERM
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert e("kill", gone.pid, sc.SIGTERM) == -errno.ESRCH
    assert e("kill", -gone.pid & sc.MASK64, 0) == -errno.ESRCH   # (its group: none now)


def test_own_host_signals_are_given_back_at_close():
    """Machine.own_host_signals() takes the process's signals for the guest
    until close(); off the main thread it says it cannot."""
    import signal
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    out = bytearray()
    m = Machine.load_elf(binpath("hostsig"), argv=["hostsig", "wait"], stdout=out)
    m.own_host_signals()
    seen = {}

    def send():   # once the guest waits, its handlers set: SIGTERM, to its handler
        deadline = time.monotonic() + 30
        while b"waiting" not in out and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.update(hup=signal.getsignal(signal.SIGHUP), term=signal.getsignal(signal.SIGTERM))
        os.kill(os.getpid(), signal.SIGTERM)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert m.run(timeout=30).status is ExecStatus.Exit and m.exit_code == 0
    finally:
        sender.join()
        m.close()
    assert bytes(out) == b"waiting\ngot 15\n"
    assert seen["hup"] == signal.SIG_IGN
    assert seen["term"] not in (signal.SIG_DFL, signal.SIG_IGN, None)
    assert {sig: signal.getsignal(sig) for sig in before} == before
    m = Machine.load_elf(binpath("hostsig"), argv=["hostsig", "wait"], stdout=bytearray())
    said = []
    t = threading.Thread(target=lambda: said.append(pytest.raises(vm_engine.VmError,
                                                                  m.own_host_signals)))
    t.start()
    t.join()
    assert said and "main thread" in str(said[0].value)


@pytest.mark.parametrize("engine", ["interpreter", "jit"])
def test_a_shared_file_made_shorter_does_not_fault_the_host(engine, tmp_path):
    """A MAP_SHARED file mapping whose file the guest makes shorter: the pages
    left are the file's; past its end, where Linux would raise SIGBUS in the
    guest, the pages are plain zeroed memory (the host's access there would
    have faulted the host process: a bus error killed it)."""
    out = bytearray()
    m = Machine.load_elf(binpath("shmem"), argv=["shmem", str(tmp_path), "shrunk"],
                         stdout=out, executor=engine)
    assert m.run(timeout=60).status is ExecStatus.Exit and m.exit_code == 0
    assert bytes(out) == b"shrunk: the first page is the file's: x; past the end: y\n"


def test_cli_argument_parsing():
    import argparse
    from vm_engine.linux.cli_run import add_run_arguments
    p = argparse.ArgumentParser()
    add_run_arguments(p)
    a = p.parse_args(["--stats", "prog", "--stats", "-x"])
    assert a.stats and a.program == "prog" and a.args == ["--stats", "-x"]
    assert a.engine == "hybrid" and a.opt_level is None
    with pytest.raises(SystemExit):
        p.parse_args(["--opt-level", "7", "prog"])
    with pytest.raises(SystemExit):
        p.parse_args(["--max-instructions", "-1", "prog"])
