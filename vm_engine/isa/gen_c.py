"""Write ``csrc/generated/vm_insn_table.h`` from the instruction table.

Run ``python -m vm_engine.isa.gen_c`` after editing ``table.py``; a test fails
while the committed header is stale.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .table import INSNS, IMM_FIELDS, REG_FIELDS, ImmField

HEADER_PATH = Path(__file__).resolve().parents[2] / "csrc" / "generated" / "vm_insn_table.h"

FIRST_LINE = ("/* GENERATED FILE, do not edit: written by `python -m vm_engine.isa.gen_c` "
              "from vm_engine/isa/table.py. */")


def _bits(hi: int, lo: int) -> str:
    return f"((w >> {lo}) & 0x{(1 << (hi - lo + 1)) - 1:x}u)"


def _imm_expr(f: ImmField) -> str:
    parts = [f"((uint64_t){_bits(hi, lo)} << {imm_lo})" for hi, lo, imm_lo in f.slices]
    value = " | ".join(parts)
    if f.signed:
        return f"vm_sext({value}, {f.width})"
    return f"(int64_t)({value})"


def _field_assignments(spec) -> list[str]:
    out = []
    for name in spec.operands + spec.hidden:
        if name in REG_FIELDS:
            hi, lo, _cls, slot = REG_FIELDS[name]
            out.append(f"ir->{slot} = (uint8_t){_bits(hi, lo)};")
        else:
            f = IMM_FIELDS[name]
            cast = {"imm": "", "aux": "(uint16_t)", "rm": "(uint8_t)"}[f.ir_slot]
            out.append(f"ir->{f.ir_slot} = {cast}{_imm_expr(f)};")
    return out


def _flags(spec) -> str:
    flags = []
    if spec.ends_block:
        flags.append("VM_OPF_ENDS_BLOCK")
    if spec.accesses_memory:
        flags.append("VM_OPF_MEM")
    if any(n in IMM_FIELDS and IMM_FIELDS[n].pcrel for n in spec.operands):
        flags.append("VM_OPF_PCREL")
    if "rd" in spec.operands:
        flags.append("VM_OPF_XRD")
    return " | ".join(flags) or "0"


def generate() -> str:
    lines = [FIRST_LINE, "#ifndef VM_INSN_TABLE_H", "#define VM_INSN_TABLE_H", "",
             "/* X(NAME, mnemonic) for every table entry, in opcode order. */",
             "#define VM_OP_LIST(X) \\"]
    lines += [f"    X({s.c_name[6:]}, \"{s.name}\") \\" for s in INSNS]
    lines += ["", "enum vm_op {", "    VM_OP_INVALID = 0,"]
    lines += [f"    {s.c_name} = {s.index}," for s in INSNS]
    lines += [f"    VM_OP_COUNT = {len(INSNS) + 1}", "};", ""]
    lines += ["static const uint8_t vm_op_flags[VM_OP_COUNT] = {", "    0, /* invalid */"]
    lines += [f"    {_flags(s)}, /* {s.name} */" for s in INSNS]
    lines += ["};", ""]
    lines += ["static const char *const vm_op_names[VM_OP_COUNT] = {", '    "invalid",']
    lines += [f'    "{s.name}",' for s in INSNS]
    lines += ["};", ""]
    # decoder: first the major opcode, then match/mask within it
    lines += ["/* The table entry matching a 32-bit word, or VM_OP_INVALID. */",
              "static inline int vm_decode_op32(uint32_t w)", "{",
              "    switch (w & 0x7f) {"]
    majors: dict[int, list] = {}
    for s in INSNS:
        if s.length == 4:
            majors.setdefault(s.major_opcode, []).append(s)
    for major, specs in sorted(majors.items()):
        lines.append(f"    case 0x{major:02x}:")
        for s in specs:
            lines.append(f"        if ((w & 0x{s.mask:08x}u) == 0x{s.match:08x}u) return {s.c_name};")
        lines.append("        return VM_OP_INVALID;")
    lines += ["    default:", "        return VM_OP_INVALID;", "    }", "}", ""]
    lines += ["/* Operand fields of entry `op` from word `w`, as the table places them. */",
              "static inline void vm_decode_fields(int op, uint32_t w, vm_ir *ir)", "{",
              "    switch (op) {"]
    for s in INSNS:
        lines.append(f"    case {s.c_name}:")
        lines += [f"        {a}" for a in _field_assignments(s)]
        lines.append("        break;")
    lines += ["    default:", "        break;", "    }", "}", "", "#endif", ""]
    return "\n".join(lines)


def is_stale() -> bool:
    return not HEADER_PATH.exists() or HEADER_PATH.read_text() != generate()


def main() -> int:
    HEADER_PATH.parent.mkdir(parents=True, exist_ok=True)
    HEADER_PATH.write_text(generate())
    print(f"wrote {HEADER_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
