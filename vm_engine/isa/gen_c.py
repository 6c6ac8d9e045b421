"""Write ``csrc/generated/vm_insn_table.h`` from the instruction table.

Run ``python -m vm_engine.isa.gen_c [HEADER]`` from the repository after editing
``table.py``; a test fails while the committed header is stale.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .table import COMPRESSED, IMM_FIELDS, INSNS, M_OUT_OF_LINE, REG_FIELDS, ImmField, RegField

HEADER_PATH = Path("csrc") / "generated" / "vm_insn_table.h"  # from the repository root
EXECUTABLE = [s for s in INSNS if s.length == 4]

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


def _field_expr(f) -> str:
    if isinstance(f, RegField):
        return f"{_bits(f.hi, f.lo)} + {f.base}" if f.base else _bits(f.hi, f.lo)
    return _imm_expr(f)


_CAST = {"imm": "", "aux": "(uint16_t)", "rm": "(uint8_t)", "rd": "(uint8_t)",
         "rs1": "(uint8_t)", "rs2": "(uint8_t)", "rs3": "(uint8_t)"}


def _assign(base_field: str, expr: str) -> str:
    slot = (REG_FIELDS.get(base_field) or IMM_FIELDS[base_field]).ir_slot
    return f"ir->{slot} = {_CAST[slot]}({expr});"


def _field_assignments(spec) -> list[str]:
    if spec.expansion:  # compressed: fill the base instruction's IR slots
        out = [f"ir->op = {spec.base.c_name};"]
        for base_field, src in spec.expansion[1]:
            out.append(_assign(base_field, str(src) if isinstance(src, int)
                               else _field_expr(spec.field(src))))
        return out
    return [_assign(name, _field_expr(spec.field(name))) for name in spec.operands + spec.hidden]


def _match_expr(spec) -> str:
    cond = f"(w & 0x{spec.mask:08x}u) == 0x{spec.match:08x}u"
    for name in spec.nonzero:
        cond += f" && ({_field_expr(spec.field(name))}) != 0"
    return cond


def _decoder(name: str, specs, select: str, result_type: str, invalid: str) -> list[str]:
    lines = [f"static inline int {name}(uint32_t w)", "{", f"    switch ({select}) {{"]
    majors: dict[int, list] = {}
    for s in specs:
        majors.setdefault(s.major_opcode, []).append(s)
    for major, group in sorted(majors.items()):
        lines.append(f"    case 0x{major:02x}:")
        for s in group:  # first match wins: the table orders specific entries first
            lines.append(f"        if ({_match_expr(s)}) return {s.c_name};")
        lines.append(f"        return {invalid};")
    lines += ["    default:", f"        return {invalid};", "    }", "}", ""]
    return lines


def _flags(spec) -> str:
    flags = []
    if spec.ends_block:
        flags.append("VM_OPF_ENDS_BLOCK")
    if spec.accesses_memory:
        flags.append("VM_OPF_MEM")
    if any(n in IMM_FIELDS and IMM_FIELDS[n].pcrel for n in spec.operands):
        flags.append("VM_OPF_PCREL")
    if "rd" in spec.operands:  # an integer destination: x0 becomes the sink
        flags.append("VM_OPF_XRD")
    return " | ".join(flags) or "0"


def generate() -> str:
    lines = [FIRST_LINE, "#ifndef VM_INSN_TABLE_H", "#define VM_INSN_TABLE_H", "",
             "/* X(NAME, mnemonic) for every executable entry, in opcode order. */",
             "#define VM_OP_LIST(X) \\"]
    lines += [f"    X({s.c_name[6:]}, \"{s.name}\") \\" for s in EXECUTABLE]
    lines += ["", "/* X(NAME, mnemonic) for the floating-point computation entries (class fp). */",
              "#define VM_FP_OP_LIST(X) \\"]
    lines += [f"    X({s.c_name[6:]}, \"{s.name}\") \\" for s in EXECUTABLE if s.cls == "fp"]
    lines += ["", "/* X(NAME, mnemonic) for the M entries computed out of line (csrc/vm_m_ops.h). */",
              "#define VM_M_OP_LIST(X) \\"]
    lines += [f"    X({s.c_name[6:]}, \"{s.name}\") \\" for s in EXECUTABLE
              if s.name in M_OUT_OF_LINE]
    lines += ["", "enum vm_op {", "    VM_OP_INVALID = 0,"]
    lines += [f"    {s.c_name} = {s.index}," for s in EXECUTABLE]
    lines += [f"    VM_OP_COUNT = {len(EXECUTABLE) + 1}", "};", ""]
    lines += ["/* compressed entries: decode-only, each expands to a VM_OP_ */",
              "enum vm_c_op {", "    VM_C_INVALID = 0,"]
    lines += [f"    {s.c_name} = {s.index}," for s in COMPRESSED]
    lines += [f"    VM_C_COUNT = {len(COMPRESSED) + 1}", "};", ""]
    lines += ["static const uint8_t vm_op_flags[VM_OP_COUNT] = {", "    0, /* invalid */"]
    lines += [f"    {_flags(s)}, /* {s.name} */" for s in EXECUTABLE]
    lines += ["};", ""]
    lines += ["static const char *const vm_op_names[VM_OP_COUNT] = {", '    "invalid",']
    lines += [f'    "{s.name}",' for s in EXECUTABLE]
    lines += ["};", ""]
    lines += ["/* The entry matching a 32-bit word, or VM_OP_INVALID. */"]
    lines += _decoder("vm_decode_op32", EXECUTABLE, "w & 0x7f", "int", "VM_OP_INVALID")
    lines += ["/* The compressed entry matching a 16-bit word, or VM_C_INVALID. */"]
    lines += _decoder("vm_decode_op16", COMPRESSED, "w & 0x3", "int", "VM_C_INVALID")
    lines += _field_decoder("vm_decode_fields", "op", EXECUTABLE,
                            "Operand fields of entry `op` from word `w`, as the table places them.")
    lines += _field_decoder("vm_decode_compressed", "c", COMPRESSED,
                            "Expands compressed entry `c` of word `w` into the IR of its base "
                            "instruction.")
    lines += ["#endif", ""]
    return "\n".join(lines)


def _field_decoder(name: str, arg: str, specs, comment: str) -> list[str]:
    lines = [f"/* {comment} */", f"static inline void {name}(int {arg}, uint32_t w, vm_ir *ir)",
             "{", f"    switch ({arg}) {{"]
    for s in specs:
        lines.append(f"    case {s.c_name}:")
        lines += [f"        {a}" for a in _field_assignments(s)]
        lines.append("        break;")
    return lines + ["    default:", "        break;", "    }", "}", ""]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else HEADER_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(generate())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
