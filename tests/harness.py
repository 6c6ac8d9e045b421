"""Running guest code under our engines and under Unicorn, side by side."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field

import vm_engine
from vm_engine import FlatMMU, assemble

#: every engine the execution tests run under ("jit-L3": with vectorization on;
#: "hybrid": tiny thresholds, so that short tests run interpreted, first-tier
#: and tiered-up code; "jit-bg": level 2 compiling in the background, so that
#: blocks run interpreted until their code is installed, whenever that is)
ENGINES = ["interpreter", "jit-L0", "jit-L1", "jit-L2", "jit-L3", "hybrid", "jit-bg"]

CODE = 0x10000
DATA = 0x40000
DATA_SIZE = 0x4000
MASK64 = (1 << 64) - 1


def fresh_python(script: str, cwd=None, timeout: float = 120) -> str:
    """What `script` prints, run by a new Python process (imports, module state
    and threads of its own), which must end well."""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def make_engine(name: str, mmu=None):
    if name == "interpreter":
        return vm_engine.Interpreter(mmu)
    if name.startswith("jit-L"):
        from vm_engine.jit import JITCompiler
        level = int(name[5:])
        return JITCompiler(vm_engine.JITConfig(optimization_level=level,
                                               enable_vectorization=level == 3), mmu)
    if name == "jit-bg":
        from vm_engine.jit import JITCompiler
        return JITCompiler(vm_engine.JITConfig(background_compile=True), mmu)
    if name == "hybrid":
        from vm_engine.jit import JITCompiler
        return JITCompiler(None, mmu, hybrid=vm_engine.HybridConfig(compile_threshold=1,
                                                                     first_level=1,
                                                                     tier_up_threshold=2))
    raise ValueError(f"unknown engine {name}")


@dataclass
class Outcome:
    regs: list
    data: bytes
    pc: int
    extra: dict = field(default_factory=dict)


def load(engine: str, code: bytes, data: bytes = b"", perms: str = "rx"):
    """(mmu, cpu): code mapped `perms` (r-x) at CODE, a zeroed r/w data area at DATA."""
    mmu = FlatMMU()
    mmu.mem_map(CODE, (len(code) + 0xFFF) & ~0xFFF, perms)
    mmu.mem_write(CODE, code)
    mmu.mem_map(DATA, DATA_SIZE, "rw")
    mmu.mem_write(DATA, data)
    return mmu, make_engine(engine, mmu)


def run_ours(engine: str, code: bytes, regs=None, data: bytes = b"", max_instructions=None):
    mmu, cpu = load(engine, code, data)
    for i, v in (regs or {}).items():
        cpu.reg_write(i, v)
    result = cpu.run(pc=CODE, until=CODE + len(code), max_instructions=max_instructions)
    return Outcome([cpu.reg_read(i) for i in range(32)], mmu.mem_read(DATA, DATA_SIZE),
                   cpu.pc, {"result": result, "cpu": cpu})


def run_unicorn(code: bytes, regs=None, data: bytes = b""):
    from unicorn import Uc, UC_ARCH_RISCV, UC_MODE_RISCV64
    from unicorn import riscv_const as rc
    uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV64)
    uc.mem_map(CODE, (len(code) + 0xFFF) & ~0xFFF)
    uc.mem_write(CODE, code)
    uc.mem_map(DATA, DATA_SIZE)
    uc.mem_write(DATA, data)
    uc.reg_write(rc.UC_RISCV_REG_MSTATUS, 0x6000)  # FS on, or FP traps
    xregs = [getattr(rc, f"UC_RISCV_REG_X{i}") for i in range(32)]
    for i, v in (regs or {}).items():
        uc.reg_write(xregs[i], v & MASK64)
    uc.emu_start(CODE, CODE + len(code))
    return Outcome([uc.reg_read(r) & MASK64 for r in xregs], bytes(uc.mem_read(DATA, DATA_SIZE)),
                   uc.reg_read(rc.UC_RISCV_REG_PC))


def asm(text: str) -> bytes:
    return assemble(text, CODE)


def assert_same(ours: Outcome, ref: Outcome, what: str = ""):
    for i in range(32):
        assert ours.regs[i] == ref.regs[i], (
            f"{what}: x{i} = {ours.regs[i]:#x}, oracle says {ref.regs[i]:#x}")
    if ours.data != ref.data:
        first = next(i for i in range(len(ours.data)) if ours.data[i] != ref.data[i])
        raise AssertionError(f"{what}: memory differs first at {DATA + first:#x}: "
                             f"{ours.data[first:first + 8].hex()} vs {ref.data[first:first + 8].hex()}")
