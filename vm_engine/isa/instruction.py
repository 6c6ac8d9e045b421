"""``Instruction``: one RISC-V instruction as a Python value, driven by the table.

``Instruction(opcode=0x13, operands=[1, 0, 0x10], length=4)`` is ``addi ra, zero, 16``:
*opcode* is the 7-bit major opcode (``funct3``/``funct7`` keywords pick among the
instructions sharing it, both default 0) or a mnemonic (``Instruction("addi", [1, 0, 16])``);
*operands* are the assembly operands in the order they are written (for
``ld a0, 8(sp)``: ``[10, 8, 2]``; branch and jump targets are byte offsets from the
instruction; ``lui``/``auipc`` take the 20-bit number as written).
"""
from __future__ import annotations

import re

from ..errors import VmError
from .regs import F_ABI_NAMES, X_ABI_NAMES, reg_index  # noqa: F401 (reg_index: here too)
from .table import (BY_NAME, CSR_BY_NAME, CSRS, IMM_FIELDS, INSNS, LITERAL_REGS, REG_FIELDS,
                    ROUNDING_MODES, ImmField, InsnSpec, lookup)


class DecodeError(VmError, ValueError):
    """Bytes or text that are not a known instruction."""


_FENCE_BITS = "iorw"


def _shown(f: ImmField, value: int) -> int:
    """Field value -> the number written in assembly."""
    if f.shown_shift:
        return (value >> f.shown_shift) & ((1 << (f.width - f.shown_shift)) - 1)
    return value


def _unshown(f: ImmField, value: int) -> int:
    """Number written in assembly -> field value."""
    if f.shown_shift:
        bits = f.width - f.shown_shift
        if not -(1 << (bits - 1)) <= value < (1 << bits):
            raise ValueError(f"{f.name}: {value:#x} does not fit in {bits} bits")
        value &= (1 << bits) - 1
        if value >> (bits - 1):
            value -= 1 << bits
        return value << f.shown_shift
    return value


class Instruction:
    """A decoded RISC-V instruction; see the module docstring."""

    __slots__ = ("spec", "values")

    def __init__(self, opcode, operands=(), length: int = 4, *, funct3: int | None = None,
                 funct7: int | None = None, hidden: dict | None = None):
        operands = list(operands)
        if isinstance(opcode, InsnSpec):
            spec = opcode
        elif isinstance(opcode, str):
            spec = BY_NAME.get(opcode.lower())
            if spec is None:
                raise DecodeError(f"unknown instruction {opcode!r}")
        else:
            spec = self._select(int(opcode), len(operands), length, funct3, funct7)
        if length != spec.length:
            raise ValueError(f"{spec.name} is {spec.length} bytes long, not {length}")
        if len(operands) != len(spec.operands):
            raise ValueError(f"{spec.name} takes {len(spec.operands)} operands "
                             f"({spec.syntax or 'none'}), got {len(operands)}")
        values = {}
        for name, value in zip(spec.operands, operands):
            if name in REG_FIELDS:
                values[name] = reg_index(value, REG_FIELDS[name].cls)
            else:
                values[name] = _unshown(IMM_FIELDS[name], int(value))
        for name in spec.hidden:
            values[name] = (hidden or {}).get(name, 0)
        self.spec = spec
        self.values = values
        self.encode()  # validates every field's range

    @staticmethod
    def _select(opcode, n_operands, length, funct3, funct7) -> InsnSpec:
        f3 = 0 if funct3 is None else funct3
        f7 = 0 if funct7 is None else funct7
        for spec in INSNS:
            if spec.length != length or spec.major_opcode != (opcode & (0x7F if length == 4 else 3)):
                continue
            if len(spec.operands) != n_operands:
                continue
            if spec.mask & (7 << 12) and (spec.match >> 12) & 7 != f3:
                continue
            if spec.mask & (0x7F << 25) == 0x7F << 25 and (spec.match >> 25) != f7:
                continue
            return spec
        raise DecodeError(f"no instruction with opcode {opcode:#x}, funct3={f3}, funct7={f7} "
                          f"and {n_operands} operands")

    # -- decoding and encoding -------------------------------------------------
    @classmethod
    def decode(cls, raw) -> "Instruction":
        """From an instruction word (int) or its little-endian bytes."""
        if isinstance(raw, (bytes, bytearray, memoryview)):
            data = bytes(raw)
            if len(data) < 2 or (data[0] & 3 == 3 and len(data) < 4):
                raise DecodeError(f"{data.hex()}: too short for an instruction")
            raw = int.from_bytes(data[:4] if data[0] & 3 == 3 else data[:2], "little")
        word = raw & 0xFFFFFFFF if raw & 3 == 3 else raw & 0xFFFF
        if word != raw:
            raise DecodeError(f"{raw:#x} has bits beyond its {4 if raw & 3 == 3 else 2}-byte length")
        spec = lookup(word)
        if spec is None:
            raise DecodeError(f"{word:#0{10 if word & 3 == 3 else 6}x} is not a known instruction")
        return cls._from_values(spec, {name: spec.field(name).extract(word)
                                       for name in spec.operands + spec.hidden})

    @classmethod
    def _from_values(cls, spec: InsnSpec, values: dict) -> "Instruction":
        self = cls.__new__(cls)
        self.spec = spec
        self.values = values
        return self

    def encode(self) -> int:
        word = self.spec.match
        for name, value in self.values.items():
            try:
                word |= self.spec.field(name).insert(value)
            except ValueError as e:
                raise ValueError(f"{self.spec.name}: {e}") from None
        if not self.spec.matches(word):
            zero = [n for n in self.spec.nonzero if not self.values[n]]
            raise ValueError(f"{self.spec.name}: {', '.join(zero)} must not be 0")
        if lookup(word) is not self.spec:  # e.g. c.lui sp, ... is c.addi16sp's encoding
            raise ValueError(f"{self.spec.name} with these operands encodes {lookup(word).name}")
        return word

    def expand(self) -> "Instruction":
        """The base instruction a compressed one executes as (itself otherwise)."""
        if not self.spec.expansion:
            return self
        base_name, assigns = self.spec.expansion
        values = {f: src if isinstance(src, int) else self.values[src] for f, src in assigns}
        return Instruction._from_values(BY_NAME[base_name], values)

    def to_bytes(self) -> bytes:
        return self.encode().to_bytes(self.length, "little")

    # -- the reference's fields ------------------------------------------------
    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def opcode(self) -> int:
        """The major opcode (bits 6..0; for compressed instructions bits 1..0)."""
        return self.spec.major_opcode

    @property
    def length(self) -> int:
        return self.spec.length

    @property
    def operands(self) -> list[int]:
        out = []
        for name in self.spec.operands:
            v = self.values[name]
            out.append(_shown(IMM_FIELDS[name], v) if name in IMM_FIELDS else v)
        return out

    # -- text ------------------------------------------------------------------
    def disassemble(self, pc: int | None = None, abi: bool = True) -> str:
        """Standard syntax; with ``pc``, branch/jump targets are absolute addresses."""
        mnemonic = self.spec.name
        text = self.spec.syntax
        out = []
        pos = 0
        for m in re.finditer(r"[a-z0-9]+", text):
            out.append(text[pos:m.start()])
            literal = m.group() in LITERAL_REGS
            out.append(m.group() if literal else self._format_field(m.group(), pc, abi))
            pos = m.end()
        out.append(text[pos:])
        ops = "".join(out)
        if "aqrl" in self.values:
            mnemonic += ("", ".rl", ".aq", ".aqrl")[self.values["aqrl"]]
        if "rm" in self.spec.operands and ROUNDING_MODES[self.values["rm"]] == "dyn":
            ops = ops.rsplit(", ", 1)[0]
        return f"{mnemonic} {ops}".strip()

    def _format_field(self, name: str, pc, abi: bool) -> str:
        v = self.values[name]
        if name in REG_FIELDS:
            cls = REG_FIELDS[name].cls
            if abi:
                return (X_ABI_NAMES if cls == "x" else F_ABI_NAMES)[v]
            return f"{cls}{v}"
        f = IMM_FIELDS[name]
        if f.pcrel:
            return f"{(pc + v) & 0xFFFFFFFFFFFFFFFF:#x}" if pc is not None else str(v)
        if f.shown_shift:  # lui, c.lui: the upper bits, as written in assembly
            return f"{_shown(f, v):#x}"
        if name == "csr":
            return CSRS.get(v, f"{v:#x}")
        if name in ("pred", "succ"):
            return "".join(c for i, c in enumerate(_FENCE_BITS) if v & (8 >> i)) or "0"
        if name == "rm":
            return ROUNDING_MODES[v] or f"rm{v}"
        return str(v)

    def __str__(self) -> str:
        return self.disassemble()

    def __repr__(self) -> str:
        return f"<Instruction {self.disassemble()} ({self.encode():#0{2 + 2 * self.length}x})>"

    def __eq__(self, other):
        return isinstance(other, Instruction) and self.spec is other.spec \
            and self.values == other.values

    def __hash__(self):
        return hash((self.spec.name, tuple(sorted(self.values.items()))))

    # -- parsing ---------------------------------------------------------------
    @classmethod
    def from_asm(cls, text: str, pc: int | None = None) -> "Instruction":
        """Parses one instruction in the syntax ``disassemble`` writes. With ``pc``,
        a numeric branch/jump target is an absolute address, else an offset."""
        text = text.split("#", 1)[0].strip()
        mnemonic, _, rest = text.partition(" ")
        mnemonic = mnemonic.lower()
        hidden = {}
        for suffix, bits in ((".aqrl", 3), (".aq", 2), (".rl", 1)):
            if mnemonic.endswith(suffix) and mnemonic[:-len(suffix)] in BY_NAME \
                    and "aqrl" in BY_NAME[mnemonic[:-len(suffix)]].hidden:
                mnemonic, hidden["aqrl"] = mnemonic[:-len(suffix)], bits
        spec = BY_NAME.get(mnemonic)
        if spec is None:
            raise DecodeError(f"unknown instruction {mnemonic!r} in {text!r}")
        tokens = [t for t in re.split(r"[\s,()]+", rest.strip()) if t]
        syntax = [t for t in re.split(r"[\s,()]+", spec.syntax) if t]
        optional_rm = "rm" in syntax and len(tokens) == len(syntax) - 1
        if optional_rm:
            syntax.remove("rm")
        if len(tokens) != len(syntax):
            raise DecodeError(f"{mnemonic} takes operands '{spec.syntax}', got {rest!r}")
        values = {"rm": "dyn"} if optional_rm else {}
        for name, token in zip(syntax, tokens):
            if name in LITERAL_REGS:
                if reg_index(token) != LITERAL_REGS[name]:
                    raise DecodeError(f"{mnemonic}: operand must be {name}, got {token!r}")
            else:
                values[name] = token
        operands = [cls._parse_operand(spec, n, values[n], pc) for n in spec.operands]
        return cls(spec, operands, spec.length, hidden=hidden)

    @staticmethod
    def _parse_operand(spec: InsnSpec, name: str, token, pc):
        if name in REG_FIELDS:
            return reg_index(token, REG_FIELDS[name].cls)
        if isinstance(token, int):
            return token
        f = IMM_FIELDS[name]
        t = token.lower()
        if name == "csr" and t in CSR_BY_NAME:
            return CSR_BY_NAME[t]
        if name in ("pred", "succ") and re.fullmatch(r"[iorw]+", t):
            return sum(8 >> _FENCE_BITS.index(c) for c in t)
        if name == "rm" and t in ROUNDING_MODES:
            return ROUNDING_MODES.index(t)
        if name == "rm" and re.fullmatch(r"rm[0-7]", t):  # reserved modes, as disassembled
            return int(t[2])
        try:
            value = int(t, 0)
        except ValueError:
            raise DecodeError(f"{spec.name}: bad {name} operand {token!r}") from None
        if f.pcrel and pc is not None:
            value -= pc
        return value
