"""Loading RISC-V RV64 ELF programs into a guest address space, like Linux's
binfmt_elf: PT_LOAD segments with their permissions, PIE programs at a base,
the dynamic loader named by PT_INTERP (looked up in a sysroot, like
``qemu-riscv64 -L``), and the initial stack (argc, argv, envp, auxv) per the
RISC-V psABI.
"""
from __future__ import annotations

import functools
import os
import stat
import struct
from dataclasses import dataclass, field

from ..errors import VmError
from .memory import PAGE_SIZE, PROT_EXEC, PROT_READ, AddressSpace, page_down, page_up

EM_RISCV = 243
ET_EXEC, ET_DYN = 2, 3
PT_LOAD, PT_INTERP, PT_PHDR, PT_GNU_STACK = 1, 3, 6, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4
SHT_DYNSYM = 11

#: ELF64's program header (p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz,
#: p_memsz, p_align), section header (sh_type, sh_offset, sh_size, sh_link,
#: sh_entsize of its ten fields) and symbol (st_name, st_info, st_other,
#: st_shndx, st_value, st_size)
_PHDR = struct.Struct("<IIQQQQQQ")
_SHDR = struct.Struct("<4xI16xQQI12xQ")
_SYM = struct.Struct("<IBBHQQ")

# auxiliary vector tags (include/uapi/linux/auxvec.h)
AT_NULL, AT_IGNORE, AT_EXECFD, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ = 0, 1, 2, 3, 4, 5, 6
AT_BASE, AT_FLAGS, AT_ENTRY, AT_NOTELF, AT_UID, AT_EUID, AT_GID, AT_EGID = 7, 8, 9, 10, 11, 12, 13, 14
AT_PLATFORM, AT_HWCAP, AT_CLKTCK, AT_SECURE, AT_BASE_PLATFORM, AT_RANDOM = 15, 16, 17, 23, 24, 25
AT_HWCAP2, AT_EXECFN, AT_SYSINFO_EHDR, AT_MINSIGSTKSZ = 26, 31, 33, 51

AUXV_NAMES = {v: k for k, v in globals().items() if k.startswith("AT_") and isinstance(v, int)}

#: RV64IMAFDC as the kernel reports it: bit (letter - 'A') per single-letter extension
HWCAP_RV64IMAFDC = sum(1 << (ord(c) - ord("A")) for c in "IMAFDC")
PLATFORM = b"riscv64"

_MACHINES = {0: "no machine", 3: "x86 (i386)", 8: "MIPS", 20: "PowerPC", 21: "PowerPC64",
             22: "s390", 40: "ARM", 50: "IA-64", 62: "x86-64", 183: "AArch64",
             243: "RISC-V", 258: "LoongArch"}
_TYPES = {0: "ET_NONE (no file type)", 1: "ET_REL (a relocatable object file, not a program)",
          4: "ET_CORE (a core dump)"}


class ElfError(VmError):
    """The file is not a RISC-V RV64 program this loader can run."""

    def __init__(self, path, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.reason = message


@dataclass
class Segment:
    vaddr: int
    memsz: int
    offset: int
    filesz: int
    flags: int

    @property
    def prot(self) -> int:  # PF_* to the FlatMMU's r=1 w=2 x=4
        return ((1 if self.flags & PF_R else 0) | (2 if self.flags & PF_W else 0)
                | (4 if self.flags & PF_X else 0))


@dataclass
class ElfFile:
    """A validated ELF program: what loading needs."""

    path: str
    data: bytes   # the file's first bytes (HEAD_BYTES, or all it has: its headers)
    type: int
    entry: int
    phoff: int
    phentsize: int
    phnum: int
    flags: int
    segments: list[Segment]
    interp: str | None = None
    phdr_vaddr: int | None = None
    exec_stack: bool = False

    @property
    def is_pie(self) -> bool:
        return self.type == ET_DYN


@dataclass
class LoadedImage:
    """An ELF file mapped in guest memory at ``bias`` (0 for ET_EXEC)."""

    elf: ElfFile
    bias: int
    entry: int
    phdr: int
    low: int         # lowest mapped address (page-aligned)
    high: int        # end of the highest segment, bss included (not rounded)

    @property
    def base(self) -> int:
        return self.low


#: vm_engine's vDSO (vdso/vdso.c: clock_gettime and gettimeofday without a system
#: call, and the signal handlers' way back), mapped into every program as Linux maps its own
VDSO_PATH = os.path.join(os.path.dirname(__file__), "vdso", "vdso.so")


@functools.cache
def vdso_image() -> tuple[bytes, int]:
    """The vDSO's bytes and the offset of its __vdso_rt_sigreturn (read once)."""
    with open(VDSO_PATH, "rb") as f:
        data = f.read()
    return data, dynamic_symbol(data, b"__vdso_rt_sigreturn")


def dynamic_symbol(data: bytes, name: bytes) -> int:
    """The value of symbol `name` in the .dynsym of the ELF64 image `data`
    (KeyError: none). (The ELF structures are read with struct: pyelftools
    costs 20-40 ms to import, a tenth of a short program's run.)"""
    shoff, = struct.unpack_from("<Q", data, 40)
    shentsize, shnum = struct.unpack_from("<HH", data, 58)
    sections = [_SHDR.unpack_from(data, shoff + k * shentsize) for k in range(shnum)]
    for sh_type, offset, size, link, entsize in sections:
        if sh_type != SHT_DYNSYM:
            continue
        strtab = sections[link][1]
        for at in range(offset, offset + size, entsize):
            st_name, _, _, _, value, _ = _SYM.unpack_from(data, at)
            end = data.index(b"\0", strtab + st_name)
            if data[strtab + st_name:end] == name:
                return value
    raise KeyError(name)


def map_vdso(aspace: AddressSpace) -> int:
    """Maps the vDSO (read and execute, named [vdso]) at the top of the mmap
    area, as Linux does; returns its address (aspace.vdso)."""
    data, _ = vdso_image()
    base = aspace.find_free(len(data))
    if base is None:
        raise ElfError("[vdso]", "no room for the vDSO in the address space")
    aspace.map(base, len(data), PROT_READ | PROT_EXEC, "[vdso]")
    aspace.mmu.mem_write(base, data)
    aspace.vdso = base
    return base


@dataclass
class LoadedProgram:
    exe: LoadedImage
    interp: LoadedImage | None
    entry: int                 # where execution starts: the interpreter's entry if any
    sp: int = 0
    auxv: list[tuple[int, int]] = field(default_factory=list)
    random_addr: int = 0


#: bytes of a file read_elf reads: its ELF header, program headers and dynamic
#: loader's name lie there (else it reads the whole file). map_image has the
#: kernel read the segments' bytes into guest memory where it can (git's 3.7 MB,
#: read whole and copied through Python at each exec, took 5 ms of 6.5 to load)
HEAD_BYTES = 64 << 10


def _read(path: str, size: int | None) -> tuple[bytes, int]:
    """The first `size` bytes of file `path` (None: all) and the file's size."""
    try:
        with open(path, "rb") as f:
            return f.read() if size is None else f.read(size), os.fstat(f.fileno()).st_size
    except OSError as e:
        raise ElfError(path, f"cannot read: {e.strerror or e}") from e


def read_elf(path, data: bytes | None = None) -> ElfFile:
    """Reads and validates ``path`` (or ``data``, the whole file), raising
    ElfError with the reason."""
    path = os.fspath(path)
    if data is None:
        data, size = _read(path, HEAD_BYTES)
    else:
        size = len(data)
    if len(data) < 4 or data[:4] != b"\x7fELF":
        raise ElfError(path, "not an ELF file (bad magic number)")
    if len(data) < 6:
        raise ElfError(path, "truncated ELF file (the ELF header is incomplete)")
    if data[4] == 1:
        raise ElfError(path, "a 32-bit ELF file (ELFCLASS32): only 64-bit (RV64) programs "
                             "are supported")
    if data[4] != 2:
        raise ElfError(path, f"invalid ELF class {data[4]}")
    if data[5] != 1:
        raise ElfError(path, "a big-endian ELF file: RISC-V programs are little-endian")
    if len(data) < 64:
        raise ElfError(path, "truncated ELF file (the ELF header is incomplete)")
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    if e_machine != EM_RISCV:
        what = _MACHINES.get(e_machine, f"machine {e_machine}")
        raise ElfError(path, f"not a RISC-V program (e_machine is {what})")
    if e_type not in (ET_EXEC, ET_DYN):
        raise ElfError(path, "not an executable: the ELF type is "
                       + _TYPES.get(e_type, f"{e_type:#x}"))
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    if phnum == 0:
        raise ElfError(path, "no program headers: nothing to load")
    if phentsize != 56:
        raise ElfError(path, f"unexpected program header size {phentsize} (expected 56)")
    if phoff + phnum * phentsize > size:
        raise ElfError(path, f"truncated ELF file (program headers end at "
                             f"{phoff + phnum * phentsize:#x}, the file has {size:#x} bytes)")
    if phoff + phnum * phentsize > len(data):   # (past the first bytes read: all of it)
        return read_elf(path, _read(path, None)[0])

    segments, interp, phdr_vaddr, exec_stack = [], None, None, False
    for k in range(phnum):
        ptype, pflags, offset, vaddr, _, filesz, memsz, _ = \
            _PHDR.unpack_from(data, phoff + k * phentsize)
        if ptype in (PT_LOAD, PT_INTERP) and offset + filesz > size:
            raise ElfError(path, f"truncated ELF file (a segment's data ends at "
                                 f"{offset + filesz:#x}, the file has {size:#x} bytes)")
        if ptype == PT_LOAD:
            if filesz > memsz:
                raise ElfError(path, "invalid PT_LOAD segment (p_filesz > p_memsz)")
            if memsz:
                segments.append(Segment(vaddr, memsz, offset, filesz, pflags))
        elif ptype == PT_INTERP:
            if offset + filesz > len(data):
                return read_elf(path, _read(path, None)[0])
            interp = os.fsdecode(data[offset:offset + filesz].split(b"\0", 1)[0])
            if not interp:
                raise ElfError(path, "empty PT_INTERP")
        elif ptype == PT_PHDR:
            phdr_vaddr = vaddr
        elif ptype == PT_GNU_STACK:
            exec_stack = bool(pflags & PF_X)
    if not segments:
        raise ElfError(path, "no PT_LOAD segments: nothing to load")
    segments.sort(key=lambda s: s.vaddr)
    entry, = struct.unpack_from("<Q", data, 24)
    e_flags, = struct.unpack_from("<I", data, 48)
    return ElfFile(path, data, e_type, entry, phoff, phentsize, phnum,
                   e_flags, segments, interp, phdr_vaddr, exec_stack)


def map_image(aspace: AddressSpace, elf: ElfFile, base: int | None = None) -> LoadedImage:
    """Maps ``elf``'s PT_LOAD segments. ET_DYN files go at ``base`` (default:
    wherever the mmap area has room); ET_EXEC files where they say."""
    low = page_down(elf.segments[0].vaddr)
    high = max(s.vaddr + s.memsz for s in elf.segments)
    span = page_up(high) - low
    if elf.is_pie:
        if base is None:
            base = aspace.find_free(span)
            if base is None:
                raise ElfError(elf.path, f"no room for {span:#x} bytes in the guest address space")
        bias = base - low
    else:
        bias = 0
    if low + bias < aspace.layout.mmap_min or page_up(high) + bias > aspace.layout.size:
        raise ElfError(elf.path, f"segments [{low + bias:#x}, {high + bias:#x}) fall outside the "
                                 f"guest address space [{aspace.layout.mmap_min:#x}, "
                                 f"{aspace.layout.size:#x})")
    if not aspace.is_free(low + bias, span):
        raise ElfError(elf.path, f"segments [{low + bias:#x}, {high + bias:#x}) overlap memory "
                                 f"already in use")
    name = os.path.abspath(elf.path)
    file = None
    try:
        for s in elf.segments:
            start = s.vaddr + bias
            pstart = page_down(start)
            aspace.add_prot(pstart, page_up(start + s.memsz) - pstart, s.prot, name)
            if s.filesz and s.offset + s.filesz <= len(elf.data):
                aspace.mmu.mem_write(start, elf.data[s.offset:s.offset + s.filesz])
            elif s.filesz:
                file = file or open(elf.path, "rb")
                _load_segment(aspace.mmu, start, file.fileno(), s, elf.path)
    except OSError as e:
        raise ElfError(elf.path, f"cannot read: {e.strerror or e}") from e
    finally:
        if file is not None:
            file.close()
    if elf.phdr_vaddr is not None:
        phdr = elf.phdr_vaddr + bias
    else:
        for s in elf.segments:
            if s.offset <= elf.phoff < s.offset + s.filesz:
                phdr = s.vaddr + (elf.phoff - s.offset) + bias
                break
        else:
            phdr = low + bias + elf.phoff
    return LoadedImage(elf, bias, elf.entry + bias, phdr, low + bias, high + bias)


def _load_segment(mmu, addr: int, fd: int, s: Segment, path: str) -> None:
    """Segment s's bytes, from the file open at fd, into guest memory at addr:
    read in the kernel where the memory can (mem_load), not through Python."""
    if hasattr(mmu, "mem_load"):
        done = mmu.mem_load(addr, fd, s.offset, s.filesz)
    else:
        data = os.pread(fd, s.filesz, s.offset)
        mmu.mem_write(addr, data)
        done = len(data)
    if done != s.filesz:
        raise ElfError(path, "truncated ELF file (it changed while it was loaded)")


#: how much of a file execve reads for its #! line (Linux's BINPRM_BUF_SIZE)
BINPRM_BUF = 256


def script_interpreter(head: bytes) -> tuple[bytes, bytes] | None:
    """The interpreter a script's #! line names and its one optional argument
    (b"": none), as Linux's binfmt_script reads them from the file's first
    BINPRM_BUF bytes (``head``); None if it does not start with #!. An empty
    interpreter means the line names none."""
    if not head.startswith(b"#!"):
        return None
    line = head[2:].split(b"\n", 1)[0].replace(b"\t", b" ").strip()
    interp, _, arg = line.partition(b" ")
    return interp, arg.strip()


def in_sysroot(name: str, sysroot: str) -> str | None:
    """The host path of a guest's absolute path ``name`` in ``sysroot``, its
    symbolic links followed there as in a chroot: an absolute target from the
    sysroot's root (Debian's /usr/bin/awk -> /etc/alternatives/awk ->
    /usr/bin/gawk, which on the host lead to the host's own awk); None when it
    is not there (or a link loops)."""
    todo = [part for part in name.split("/") if part]
    done: list[str] = []
    links = 0
    while todo:
        part = todo.pop(0)
        if part == ".":
            continue
        if part == "..":
            if done:
                done.pop()
            continue
        here = os.path.join(sysroot, *done, part)
        try:
            is_link = stat.S_ISLNK(os.lstat(here).st_mode)
        except OSError:
            return None
        if not is_link:
            done.append(part)
            continue
        links += 1
        if links > 40:   # (Linux's limit: ELOOP)
            return None
        target = os.readlink(here)
        if target.startswith("/"):
            done = []
        todo[:0] = [part for part in target.split("/") if part]
    return os.path.join(sysroot, *done)


def _candidates(name: str, sysroot: str | None) -> list[str]:
    """Where a guest's absolute path ``name`` may be on the host: in ``sysroot``
    first (in_sysroot), then on the host itself (like qemu-riscv64 -L)."""
    found = in_sysroot(name, sysroot) if sysroot else None
    return ([found] if found is not None else []) + [name]


def sysroot_program(path: str, sysroot: str | None) -> str:
    """A program's host path as the guest's execve finds it: one in the sysroot
    with its links followed there (in_sysroot), else itself."""
    if sysroot and path.startswith(sysroot.rstrip("/") + "/"):
        found = in_sysroot(path[len(sysroot.rstrip("/")):], sysroot)
        if found is not None:
            return found
    return path


def run_target(path: str, argv: list, sysroot: str | None) -> tuple[str, list]:
    """The host path of what running ``path`` (a host path, sysroot_program's)
    with ``argv`` (argv[0] naming it as given) runs, and its argv: ``path``
    itself, or for a script the interpreter its #! line names (in ``sysroot``
    first, as a dynamic loader) with the script's name among its arguments, as
    execve runs one (``vm-engine run script``)."""
    name = argv[0]   # (the file's name as the guest knows it, not its host path)
    for follows in range(5):   # (Linux follows 4 #! lines, as the guest's execve does)
        named = script_interpreter(_read(path, BINPRM_BUF)[0])
        if named is None:
            return path, argv
        if follows == 4:
            break
        interp, arg = named
        found = [c for c in _candidates(os.fsdecode(interp), sysroot) if os.path.isfile(c)]
        if not interp or not found:
            raise ElfError(path, f"a script whose #! interpreter "
                                 f"{os.fsdecode(interp)!r} is not found")
        argv = [os.fsdecode(interp)] + ([os.fsdecode(arg)] if arg else []) + [name] + argv[1:]
        name, path = os.fsdecode(interp), found[0]
    raise ElfError(path, "too many levels of #! interpreters")


def find_interpreter(name: str, sysroot: str | None, program: str) -> str:
    """The host path of the dynamic loader ``name`` (PT_INTERP), looked up in
    ``sysroot`` first, then on the host (like qemu-riscv64 -L)."""
    tried = _candidates(name, sysroot)
    for cand in tried:
        if os.path.exists(cand):
            return cand
    hint = "" if sysroot else (" (a dynamically linked program needs a sysroot with the "
                               "riscv64 libraries, e.g. sysroot='/usr/riscv64-linux-gnu' from "
                               "Debian's libc6-riscv64-cross)")
    raise ElfError(program, f"dynamic loader {name} not found (tried {', '.join(tried)}){hint}")


def _to_bytes(s) -> bytes:
    if isinstance(s, (bytes, bytearray)):
        b = bytes(s)
    else:
        b = os.fsencode(s)
    if b"\0" in b:
        raise ValueError(f"argument or environment string contains a NUL byte: {s!r}")
    return b


def build_stack(aspace: AddressSpace, argv, envp, auxv: list[tuple[int, int]], *,
                execfn, random_bytes: bytes | None = None,
                platform: bytes = PLATFORM) -> tuple[int, int]:
    """Maps the stack and writes the initial process stack, as Linux does:
    from the top, a NULL word, the execfn string, the env strings, the argv
    strings, the platform string, 16 random bytes (AT_RANDOM); then, at a
    16-byte aligned sp: argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.

    ``auxv`` lacks AT_RANDOM, AT_EXECFN, AT_PLATFORM: they are added here.
    Returns (sp, address of the random bytes)."""
    lay = aspace.layout
    mmu = aspace.mmu
    aspace.map(lay.stack_bottom, lay.stack_top - lay.stack_bottom, 3, "[stack]")
    argv = [_to_bytes(a) for a in argv]
    envp = [_to_bytes(e) for e in envp]
    execfn = _to_bytes(execfn)
    if random_bytes is None:
        random_bytes = os.urandom(16)
    if len(random_bytes) != 16:
        raise ValueError(f"random_bytes must be 16 bytes, got {len(random_bytes)}")

    p = lay.stack_top - 8          # the NULL word at the very top
    p -= len(execfn) + 1
    execfn_addr = p
    env_addrs, arg_addrs = [], []
    # the argv then envp strings end just below execfn
    blob = b"".join(a + b"\0" for a in argv) + b"".join(e + b"\0" for e in envp)
    p -= len(blob)
    blob_addr = p
    q = blob_addr
    for a in argv:
        arg_addrs.append(q)
        q += len(a) + 1
    for e in envp:
        env_addrs.append(q)
        q += len(e) + 1
    if lay.stack_top - p > lay.STACK_SIZE // 4:
        raise ValueError("argument list and environment too long (E2BIG)")
    mmu.mem_write(blob_addr, blob)
    mmu.mem_write(execfn_addr, execfn + b"\0")
    p &= ~15
    p -= len(platform) + 1
    platform_addr = p
    mmu.mem_write(platform_addr, platform + b"\0")
    p &= ~15
    p -= 16
    random_addr = p
    mmu.mem_write(random_addr, random_bytes)

    aux = list(auxv) + [(AT_RANDOM, random_addr), (AT_EXECFN, execfn_addr),
                        (AT_PLATFORM, platform_addr), (AT_NULL, 0)]
    words = [len(argv)] + arg_addrs + [0] + env_addrs + [0]
    for k, v in aux:
        words += [k, v]
    sp = (p - 8 * len(words)) & ~15
    mmu.mem_write(sp, struct.pack(f"<{len(words)}Q", *[w & (2**64 - 1) for w in words]))
    return sp, random_addr


def load_program(aspace: AddressSpace, path, argv=None, envp=None, *, sysroot=None,
                 execfn=None, random_bytes: bytes | None = None,
                 elf: ElfFile | None = None) -> LoadedProgram:
    """Loads the program at ``path`` (and its dynamic loader), sets up brk and
    the initial stack. Returns where to start and the stack pointer."""
    path = os.fspath(path)
    elf = elf or read_elf(path)
    exe = map_image(aspace, elf, aspace.layout.pie_base if elf.is_pie else None)
    aspace.set_brk_start(exe.high)
    interp = None
    if elf.interp is not None:
        ipath = find_interpreter(elf.interp, sysroot, path)
        ielf = read_elf(ipath)
        if ielf.interp is not None:
            raise ElfError(ipath, "the dynamic loader itself names an interpreter")
        interp = map_image(aspace, ielf)
    uid, gid = os.getuid(), os.getgid()
    auxv = [
        (AT_SYSINFO_EHDR, map_vdso(aspace)),
        (AT_HWCAP, HWCAP_RV64IMAFDC),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_CLKTCK, 100),
        (AT_PHDR, exe.phdr),
        (AT_PHENT, elf.phentsize),
        (AT_PHNUM, elf.phnum),
        (AT_BASE, interp.bias if interp else 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, exe.entry),
        (AT_UID, uid), (AT_EUID, os.geteuid()),
        (AT_GID, gid), (AT_EGID, os.getegid()),
        (AT_SECURE, 0),
    ]
    argv = [path] if argv is None else list(argv)
    envp = [] if envp is None else list(envp)
    sp, rnd = build_stack(aspace, argv, envp, auxv,
                          execfn=path if execfn is None else execfn, random_bytes=random_bytes)
    if elf.exec_stack:   # PT_GNU_STACK asks for an executable stack
        lay = aspace.layout
        aspace.protect(lay.stack_bottom, lay.stack_top - lay.stack_bottom, 7)
    entry = interp.entry if interp else exe.entry
    return LoadedProgram(exe, interp, entry, sp, auxv, rnd)


def read_stack(mmu, sp: int) -> dict:
    """Decodes an initial process stack at ``sp`` (for tests and debugging):
    {"argc", "argv", "envp", "auxv": {tag: value}}."""
    def u64(a):
        return struct.unpack("<Q", mmu.mem_read(a, 8))[0]

    def cstr(a):
        out = bytearray()
        while True:
            chunk = mmu.mem_read(a, 1)
            if chunk == b"\0":
                return bytes(out)
            out += chunk
            a += 1

    argc = u64(sp)
    argv = [cstr(u64(sp + 8 * (1 + i))) for i in range(argc)]
    p = sp + 8 * (argc + 2)
    envp = []
    while (a := u64(p)) != 0:
        envp.append(cstr(a))
        p += 8
    p += 8
    auxv = {}
    while True:
        k, v = u64(p), u64(p + 8)
        p += 16
        if k == AT_NULL:
            break
        auxv[k] = v
    return {"argc": argc, "argv": argv, "envp": envp, "auxv": auxv}
