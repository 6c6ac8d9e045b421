"""The RISC-V registers' names: what running a program needs of the ISA's
description (Interpreter.reg_read and friends), without the instruction
table (vm_engine.isa.table, 3.5 ms of every start-up to build)."""
from __future__ import annotations

X_ABI_NAMES = ("zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 "
               "s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 t4 t5 t6").split()
F_ABI_NAMES = ("ft0 ft1 ft2 ft3 ft4 ft5 ft6 ft7 fs0 fs1 fa0 fa1 fa2 fa3 fa4 fa5 fa6 fa7 "
               "fs2 fs3 fs4 fs5 fs6 fs7 fs8 fs9 fs10 fs11 ft8 ft9 ft10 ft11").split()


def reg_index(name: str | int, cls: str = "x") -> int:
    """Register number from an ABI name (a0, fa0), xN/fN, or an int."""
    if isinstance(name, int):
        if not 0 <= name < 32:
            raise ValueError(f"register number {name} out of range 0..31")
        return name
    n = name.strip().lower()
    names = X_ABI_NAMES if cls == "x" else F_ABI_NAMES
    if n in names:
        return names.index(n)
    if cls == "x" and n == "fp":
        return 8
    if n[:1] == cls and n[1:].isdigit() and int(n[1:]) < 32:
        return int(n[1:])
    raise ValueError(f"unknown {'integer' if cls == 'x' else 'floating-point'} register {name!r}")
