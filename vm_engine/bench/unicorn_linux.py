"""riscv64 Linux programs under Unicorn, for comparison runs.

Unicorn emulates the CPU only: it has no ELF loader and no system calls. This
module gives vm_engine's own Linux layer (the ELF loader and initial stack of
:mod:`vm_engine.linux.elf`, the address-space bookkeeping of
:mod:`vm_engine.linux.memory` and the system calls of
:mod:`vm_engine.linux.syscalls`) an adapter over Unicorn's memory and
registers, so a program sees the same process set-up under Unicorn as under
vm_engine's engines. Each ``ecall`` (a CPU exception Unicorn reports through
``UC_HOOK_INTR``, with the pc already past the instruction) is served by the
kernel in the hook.

    >>> m = UnicornMachine.load_elf("prog", argv=["prog", "100"], stdout=bytearray())
    >>> m.run(timeout=10)   # the exit code
    0
"""
from __future__ import annotations

import os
import struct

from ..errors import GuestMemoryError, VmError
from ..linux.elf import load_program, read_elf
from ..linux.memory import AddressSpace, Layout
from ..linux.syscalls import Kernel, ProcessExit

#: the guest address space (as vm_engine.linux.machine lays one out by default)
ADDRESS_SPACE = 1 << 36
#: Unicorn's interrupt numbers for an ecall (RISC-V exception causes 8, 9, 11:
#: from U, S or M mode; Unicorn runs guest code in M mode)
ECALL_CAUSES = (8, 9, 11)
MSTATUS_FS_DIRTY = 0x6000   # the FPU on (mstatus.FS), or F/D instructions trap
MASK64 = (1 << 64) - 1

ABI_NAMES = ("zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 "
             "s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6").split()
EXCEPTION_NAMES = {0: "instruction address misaligned", 1: "instruction access fault",
                   2: "illegal instruction", 3: "breakpoint", 4: "load address misaligned",
                   5: "load access fault", 6: "store address misaligned",
                   7: "store access fault", 12: "instruction page fault",
                   13: "load page fault", 15: "store page fault"}


class UnicornError(VmError):
    """The program stopped under Unicorn for a reason other than exiting (a fault,
    an instruction Unicorn rejects, the time limit)."""


def unicorn_version() -> str:
    """The installed Unicorn's version; ImportError if there is none."""
    import unicorn
    return unicorn.__version__


class UnicornMemory:
    """The MMU interface vm_engine's Linux layer drives (mem_map / mem_unmap /
    mem_protect with r=1 w=2 x=4 permissions, mem_read / mem_write), over a
    Unicorn instance's memory. Unicorn's UC_PROT_* bits are the same."""

    def __init__(self, uc, address_space: int):
        from unicorn import UcError
        self.uc = uc
        self.address_space = address_space
        self._error = UcError

    def mem_map(self, addr: int, size: int, perms: int) -> None:
        self.uc.mem_map(addr, size, perms & 7)

    def mem_unmap(self, addr: int, size: int) -> None:
        self.uc.mem_unmap(addr, size)

    def mem_protect(self, addr: int, size: int, perms: int) -> None:
        self.uc.mem_protect(addr, size, perms & 7)

    def mem_read(self, addr: int, size: int) -> bytes:
        if size == 0:
            return b""
        try:
            return bytes(self.uc.mem_read(addr, size))
        except self._error:
            raise GuestMemoryError(addr, "read") from None

    def mem_write(self, addr: int, data) -> None:
        if not data:
            return
        try:
            self.uc.mem_write(addr, bytes(data))
        except self._error:
            raise GuestMemoryError(addr, "write") from None

    def flush_code_cache(self) -> None:
        """Code was changed or made executable (fence.i, mprotect): Unicorn
        notices writes to translated code itself; drop its blocks anyway."""
        self.uc.ctl_remove_cache(0, self.address_space)


class UnicornCPU:
    """The register interface of vm_engine's engines (reg_read / reg_write by
    number, "xN", "fN", ABI name or "fcsr"; pc), over Unicorn's registers."""

    def __init__(self, uc):
        from unicorn import riscv_const as rc
        self.uc = uc
        self._pc = rc.UC_RISCV_REG_PC
        self._regs = {"fcsr": rc.UC_RISCV_REG_FCSR}
        for i in range(32):
            self._regs[i] = self._regs[f"x{i}"] = self._regs[ABI_NAMES[i]] = \
                getattr(rc, f"UC_RISCV_REG_X{i}")
            self._regs[f"f{i}"] = getattr(rc, f"UC_RISCV_REG_F{i}")
        self._regs["fp"] = self._regs["s0"]

    def _reg(self, reg) -> int:
        try:
            return self._regs[reg.lower() if isinstance(reg, str) else reg]
        except KeyError:
            raise ValueError(f"unknown register {reg!r}") from None

    def reg_read(self, reg) -> int:
        return self.uc.reg_read(self._reg(reg)) & MASK64

    def reg_write(self, reg, value: int) -> None:
        self.uc.reg_write(self._reg(reg), value & MASK64)

    def syscall_args(self) -> tuple:
        """(a7, a0-a5): what the kernel reads at a system call (CpuCore's too)."""
        return tuple(self.uc.reg_read(self._regs[r]) & MASK64
                     for r in (17, 10, 11, 12, 13, 14, 15))

    def syscall_return(self, value: int) -> None:
        self.uc.reg_write(self._regs[10], value & MASK64)

    def _context(self) -> bytes:
        """All registers, pc and fcsr, laid out as CpuCore._context's (a guest
        thread's while another runs: linux/threads.py)."""
        x = [self.reg_read(i) for i in range(32)]
        f = [self.reg_read(f"f{i}") for i in range(32)]
        return struct.pack("<64QQQ", *x, *f, self.pc, self.reg_read("fcsr"))

    def _set_context(self, ctx) -> None:
        values = struct.unpack("<64QQQ", bytes(ctx))
        for i in range(1, 32):
            self.reg_write(i, values[i])
        for i in range(32):
            self.reg_write(f"f{i}", values[32 + i])
        self.pc = values[64]
        self.reg_write("fcsr", values[65] & 0xFF)

    @property
    def pc(self) -> int:
        return self.uc.reg_read(self._pc)

    @pc.setter
    def pc(self, value: int) -> None:
        self.uc.reg_write(self._pc, value & MASK64)

    def request_stop(self) -> None:
        self.uc.emu_stop()


class UnicornMachine:
    """A riscv64 Linux program loaded into Unicorn, its system calls served by
    vm_engine's kernel. Build with :meth:`load_elf`; :meth:`run` returns the
    exit code (128 + signal for a signal death) or raises UnicornError."""

    def __init__(self, uc, mmu: UnicornMemory, cpu: UnicornCPU, kernel: Kernel, entry: int):
        self.uc, self.mmu, self.cpu, self.kernel, self.entry = uc, mmu, cpu, kernel, entry
        self.exit_code: int | None = None
        self._failure: BaseException | None = None
        self._hook = None

    @classmethod
    def load_elf(cls, path, argv=None, env=None, stdin=b"", stdout=None, stderr=None,
                 sysroot: str | None = None) -> "UnicornMachine":
        """Loads the riscv64 ELF at ``path``; arguments as Machine.load_elf's
        (env: a list of b"NAME=value", default the host's environment)."""
        from unicorn import UC_ARCH_RISCV, UC_HOOK_INTR, UC_MODE_RISCV64, Uc
        from unicorn import riscv_const as rc
        path = os.fspath(path)
        elf = read_elf(path)
        uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV64)
        mmu = UnicornMemory(uc, ADDRESS_SPACE)
        aspace = AddressSpace(mmu, Layout(ADDRESS_SPACE))
        cpu = UnicornCPU(uc)
        argv = [path] if argv is None else list(argv)
        if env is None:
            env = [os.fsencode(k) + b"=" + os.fsencode(v) for k, v in os.environ.items()]
        program = load_program(aspace, path, argv, env, sysroot=sysroot, elf=elf)
        kernel = Kernel(mmu, aspace, cpu, exe_path=path, argv=argv, sysroot=sysroot,
                        stdin=stdin, stdout=stdout, stderr=stderr)
        uc.reg_write(rc.UC_RISCV_REG_MSTATUS,
                     uc.reg_read(rc.UC_RISCV_REG_MSTATUS) | MSTATUS_FS_DIRTY)
        cpu.reg_write("sp", program.sp)
        machine = cls(uc, mmu, cpu, kernel, program.entry)
        machine._hook = uc.hook_add(UC_HOOK_INTR, machine._on_interrupt)
        return machine

    def _on_interrupt(self, uc, intno: int, user_data) -> None:
        try:
            if intno in ECALL_CAUSES:
                self.kernel.syscall()
                return
            what = EXCEPTION_NAMES.get(intno, f"exception {intno}")
            self._failure = UnicornError(f"{what} at pc {self.cpu.pc:#x}")
        except ProcessExit as e:
            self.exit_code = e.status
        except BaseException as e:  # raised again by run(), outside Unicorn's C frames
            self._failure = e
        uc.emu_stop()

    def run(self, timeout: float | None = None) -> int:
        """Runs the program to its end; returns the exit code. Raises UnicornError
        on a fault or when ``timeout`` seconds pass first."""
        from unicorn import UcError
        if self.uc is None:
            raise UnicornError("the machine is closed")
        try:
            # until=0: no program jumps there on purpose (a null call stops it too)
            self.uc.emu_start(self.entry, 0, timeout=int(timeout * 1e6) if timeout else 0)
        except UcError as e:
            raise UnicornError(f"Unicorn stopped at pc {self.cpu.pc:#x}: {e}") from None
        finally:
            if self.exit_code is not None:
                self.kernel.close_all()
        if self._failure is not None:
            raise self._failure
        if self.exit_code is None:
            where = self.cpu.pc
            if timeout and where != 0:
                raise UnicornError(f"time limit of {timeout:g} s reached (pc {where:#x})")
            raise UnicornError(f"the program jumped to address {where:#x}")
        return self.exit_code

    def close(self) -> None:
        """Closes the guest's files and lets go of the Unicorn instance."""
        self.kernel.close_all()
        if self.uc is not None:
            self.uc.hook_del(self._hook)
            self.uc = self.mmu.uc = self.cpu.uc = None


def main(argv: list[str] | None = None) -> int:
    """One timed run in a process of its own (how ``vm-engine bench`` runs
    Unicorn: its translation buffer and ctypes hooks are read-write-execute
    memory, and a crash in it must not end the benchmark). The guest's
    stdout and stderr are this process's; the outcome (exit code, seconds from
    loading the ELF to the exit, or the error) goes to ``--report`` as JSON."""
    import argparse
    import json
    import time
    ap = argparse.ArgumentParser(prog="python -m vm_engine.bench.unicorn_linux",
                                 description=main.__doc__.splitlines()[0])
    ap.add_argument("--report", required=True, metavar="FILE")
    ap.add_argument("--argv0", metavar="NAME")
    ap.add_argument("--sysroot", metavar="DIR")
    ap.add_argument("--timeout", type=float, metavar="S")
    ap.add_argument("elf")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    opts = ap.parse_args(argv)
    outcome = {"exit_code": None, "error": None}
    t0 = time.perf_counter()
    try:
        m = UnicornMachine.load_elf(opts.elf, argv=[opts.argv0 or opts.elf, *opts.args],
                                    sysroot=opts.sysroot)
        try:
            outcome["exit_code"] = m.run(timeout=opts.timeout)
        finally:
            outcome["seconds"] = time.perf_counter() - t0
            m.close()
    except VmError as e:
        outcome["error"] = str(e)
    outcome.setdefault("seconds", time.perf_counter() - t0)
    with open(opts.report, "w", encoding="utf-8") as f:
        json.dump(outcome, f)
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main())
