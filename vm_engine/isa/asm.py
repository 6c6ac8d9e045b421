"""A small two-pass assembler over the instruction table, for tests, benchmarks
and users who want to poke guest code without a cross toolchain.

Accepts one instruction per line in ``Instruction.from_asm`` syntax, ``label:``
definitions, labels as branch/jump targets, ``#`` comments, ``.word N`` and a few
common pseudo-instructions (nop, mv, not, neg, li, j, jr, ret, call-free ``beqz``/
``bnez``/``blez``/``bgez``/``bltz``/``bgtz``/``bgt``/``ble``/``bgtu``/``bleu``,
``seqz``/``snez``).
"""
from __future__ import annotations

import re

from .instruction import DecodeError, Instruction
from .table import BY_NAME, IMM_FIELDS


def _li(rd: str, value: int) -> list[str]:
    """li for any 64-bit constant: addi, lui+addiw, or built 12 bits at a time."""
    value = value & 0xFFFFFFFFFFFFFFFF
    if value >> 63:
        value -= 1 << 64
    if -2048 <= value < 2048:
        return [f"addi {rd}, zero, {value}"]
    if -(1 << 31) <= value < (1 << 31):
        lo = ((value & 0xFFF) ^ 0x800) - 0x800
        hi = ((value - lo) >> 12) & 0xFFFFF
        out = [f"lui {rd}, {hi:#x}"]
        if lo:
            out.append(f"addiw {rd}, {rd}, {lo}")
        return out
    lo = ((value & 0xFFF) ^ 0x800) - 0x800
    rest = (value - lo) >> 12
    shift = 12
    while rest % 2 == 0:  # fold trailing zeros into the shift
        rest >>= 1
        shift += 1
    out = _li(rd, rest) + [f"slli {rd}, {rd}, {shift}"]
    if lo:
        out.append(f"addi {rd}, {rd}, {lo}")
    return out


def _expand(mnemonic: str, ops: list[str]) -> list[str]:
    """Pseudo-instruction -> real instruction lines (a real one is returned as is)."""
    m, o = mnemonic, ops
    table = {
        "nop": lambda: ["addi zero, zero, 0"],
        "mv": lambda: [f"addi {o[0]}, {o[1]}, 0"],
        "not": lambda: [f"xori {o[0]}, {o[1]}, -1"],
        "neg": lambda: [f"sub {o[0]}, zero, {o[1]}"],
        "seqz": lambda: [f"sltiu {o[0]}, {o[1]}, 1"],
        "snez": lambda: [f"sltu {o[0]}, zero, {o[1]}"],
        "li": lambda: _li(o[0], int(o[1], 0)),
        "j": lambda: [f"jal zero, {o[0]}"],
        "jr": lambda: [f"jalr zero, 0({o[0]})"],
        "ret": lambda: ["jalr zero, 0(ra)"],
        "beqz": lambda: [f"beq {o[0]}, zero, {o[1]}"],
        "bnez": lambda: [f"bne {o[0]}, zero, {o[1]}"],
        "blez": lambda: [f"bge zero, {o[0]}, {o[1]}"],
        "bgez": lambda: [f"bge {o[0]}, zero, {o[1]}"],
        "bltz": lambda: [f"blt {o[0]}, zero, {o[1]}"],
        "bgtz": lambda: [f"blt zero, {o[0]}, {o[1]}"],
        "bgt": lambda: [f"blt {o[1]}, {o[0]}, {o[2]}"],
        "ble": lambda: [f"bge {o[1]}, {o[0]}, {o[2]}"],
        "bgtu": lambda: [f"bltu {o[1]}, {o[0]}, {o[2]}"],
        "bleu": lambda: [f"bgeu {o[1]}, {o[0]}, {o[2]}"],
    }
    if m in table and m not in BY_NAME:
        return table[m]()
    return [" ".join([m, ", ".join(o)]).strip()]


def assemble(text: str, base: int = 0) -> bytes:
    """Machine code for ``text`` placed at guest address ``base``."""
    lines: list[tuple[int, str]] = []  # (line number, instruction text)
    labels: dict[str, int] = {}
    pc = base
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        while (m := re.match(r"^([A-Za-z_.][\w.]*):\s*", line)):
            labels[m.group(1)] = pc
            line = line[m.end():]
        if not line:
            continue
        mnemonic, _, rest = line.partition(" ")
        if mnemonic == ".word":
            lines.append((lineno, line))
            pc += 4
            continue
        ops = [t.strip() for t in rest.split(",")] if rest.strip() else []
        try:
            for real in _expand(mnemonic.lower(), ops):
                lines.append((lineno, real))
                pc += BY_NAME[real.split()[0].split(".aq")[0].split(".rl")[0]].length
        except (KeyError, IndexError, ValueError) as e:
            raise DecodeError(f"line {lineno}: cannot assemble {raw.strip()!r}: {e}") from None
    out = bytearray()
    pc = base
    for lineno, line in lines:
        if line.startswith(".word"):
            out += (int(line.split()[1], 0) & 0xFFFFFFFF).to_bytes(4, "little")
            pc += 4
            continue
        # labels become pc-relative offsets where the operand is a branch/jump target
        mnemonic = line.split()[0]
        spec = BY_NAME.get(mnemonic.split(".aq")[0].split(".rl")[0])
        if spec is not None and any(IMM_FIELDS.get(n) and IMM_FIELDS[n].pcrel
                                    for n in spec.operands):
            head, _, target = line.rpartition(",") if "," in line else line.rpartition(" ")
            target = target.strip()
            if target in labels:
                line = f"{head}, {labels[target] - pc}" if "," in line else \
                    f"{head} {labels[target] - pc}"
        try:
            insn = Instruction.from_asm(line)
        except (DecodeError, ValueError) as e:
            raise DecodeError(f"line {lineno}: {e}") from None
        out += insn.to_bytes()
        pc += insn.length
    return bytes(out)
