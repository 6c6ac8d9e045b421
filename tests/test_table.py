"""The one instruction table: generated C in sync, round trips for every entry,
the C decoder agreeing with the Python one, and the IR struct/dtype mirror."""
import random

import numpy as np
import pytest

from vm_engine import IR_DTYPE, DecodeError, Instruction, IRBlock, _core
from vm_engine.ir import RD_SINK
from vm_engine.isa import gen_c
from vm_engine.isa.table import IMM_FIELDS, INSNS, REG_FIELDS


def test_generated_header_is_current():
    assert not gen_c.is_stale(), "run `python -m vm_engine.isa.gen_c` and commit the header"
    assert gen_c.HEADER_PATH.read_text().splitlines()[0] == gen_c.FIRST_LINE


def test_compiled_opcodes_match_the_table():
    names = _core.op_names()
    assert names[0] == "invalid"
    assert names[1:] == [s.name for s in INSNS]


def test_ir_dtype_mirrors_the_c_struct():
    itemsize, offsets = _core.ir_layout()
    assert IR_DTYPE.itemsize == itemsize
    assert {name: IR_DTYPE.fields[name][1] for name in IR_DTYPE.names} == offsets
    for name in IR_DTYPE.names:  # sizes: each field ends where the next starts or earlier
        assert IR_DTYPE.fields[name][0].itemsize <= itemsize - offsets[name]


def random_instruction(spec, rng):
    operands = []
    for name in spec.operands:
        if name in REG_FIELDS:
            operands.append(rng.randrange(32))
            continue
        f = IMM_FIELDS[name]
        lo_bit = min(s[2] for s in f.slices)
        if f.shown_shift:
            operands.append(rng.randrange(1 << (f.width - f.shown_shift)))
        elif f.signed:
            operands.append(rng.randrange(-(1 << (f.width - 1)), 1 << (f.width - 1)) >> lo_bit << lo_bit)
        else:
            operands.append(rng.randrange(1 << f.width) >> lo_bit << lo_bit)
    return Instruction(spec.name, operands, spec.length)


@pytest.mark.parametrize("spec", INSNS, ids=lambda s: s.name)
def test_round_trips(spec):
    rng = random.Random(spec.name)
    for _ in range(50):
        insn = random_instruction(spec, rng)
        word = insn.encode()
        assert word & spec.mask == spec.match
        again = Instruction.decode(word)
        assert again == insn and again.encode() == word
        assert Instruction.decode(insn.to_bytes()) == insn
        text = str(insn)
        assert Instruction.from_asm(text) == insn, text
        assert Instruction.from_asm(insn.disassemble(abi=False)) == insn
        pc = rng.randrange(0, 1 << 40, 2)
        assert Instruction.from_asm(insn.disassemble(pc=pc), pc=pc) == insn


@pytest.mark.parametrize("spec", INSNS, ids=lambda s: s.name)
def test_c_decoder_agrees_with_python(spec):
    rng = random.Random("c" + spec.name)
    for _ in range(50):
        insn = random_instruction(spec, rng)
        pc = rng.randrange(0, 1 << 40, 4)
        ir = np.frombuffer(_core.decode_words([(insn.encode(), insn.length)], pc), IR_DTYPE)[0]
        assert ir["op"] == spec.index
        assert ir["raw"] == insn.encode() and ir["len"] == spec.length
        v = insn.values
        for name, value in v.items():
            if name in REG_FIELDS:
                slot = REG_FIELDS[name][3]
                expect = RD_SINK if (name == "rd" and value == 0 and "rd" in spec.operands) else value
                assert ir[slot] == expect, name
            else:
                f = IMM_FIELDS[name]
                expect = value
                if f.pcrel:
                    expect = (pc + value) & ((1 << 64) - 1)
                if spec.name == "auipc":
                    expect = (pc + value) & ((1 << 64) - 1)
                assert int(ir[f.ir_slot]) & ((1 << 64) - 1) == expect & ((1 << 64) - 1), name


def test_seed_example_is_addi():
    insn = Instruction(opcode=0x13, operands=[1, 0, 0x10], length=4)
    assert insn.name == "addi" and insn.opcode == 0x13 and insn.operands == [1, 0, 16]
    assert str(insn) == "addi ra, zero, 16"
    assert insn.disassemble(abi=False) == "addi x1, x0, 16"
    assert insn.encode() == 0x01000093


def test_standard_syntax_examples():
    assert str(Instruction.decode(0x00813503)) == "ld a0, 8(sp)"
    assert str(Instruction.decode(0xFE010113)) == "addi sp, sp, -32"
    assert str(Instruction.decode(0x00B50463)) == "beq a0, a1, 8"
    assert Instruction.decode(0x00B50463).disassemble(pc=0x1000) == "beq a0, a1, 0x1008"
    assert str(Instruction.decode(0x123452B7)) == "lui t0, 0x12345"
    assert str(Instruction.decode(0xC0202573)) == "csrrs a0, instret, zero"
    assert str(Instruction.decode(0x0FF0000F)) == "fence iorw, iorw"
    assert str(Instruction.decode(0x00000073)) == "ecall"
    assert Instruction("sub", [10, 11, 12]).encode() == 0x40C58533
    assert Instruction(0x33, [10, 11, 12], funct7=0x20).name == "sub"
    assert Instruction(0x33, [10, 11, 12], funct3=4, funct7=1).name == "div"


def test_bad_input_gets_clear_errors():
    with pytest.raises(DecodeError):
        Instruction.decode(0xFFFFFFFF)
    with pytest.raises(DecodeError):
        Instruction.decode(b"\x13")
    with pytest.raises(DecodeError):
        Instruction("nosuch", [])
    with pytest.raises(ValueError, match="operands"):
        Instruction("addi", [1, 2])
    with pytest.raises(ValueError, match="imm12"):
        Instruction("addi", [1, 2, 4096])
    with pytest.raises(ValueError, match="register"):
        Instruction("add", [1, 2, 32])
    with pytest.raises(ValueError, match="multiple"):
        Instruction("beq", [1, 2, 3])
    with pytest.raises(DecodeError):
        Instruction.from_asm("addi a0, a1")


def test_irblock_lowering_and_listing():
    block = IRBlock([Instruction.from_asm("addi a0, zero, 5"), Instruction.from_asm("beq a0, a1, -4")],
                    start_pc=0x1000)
    ir = block.ir
    assert ir.dtype == IR_DTYPE and len(ir) == 2
    assert list(ir["pc_off"]) == [0, 4]
    assert ir[1]["imm"] == 0x1000  # branch targets are absolute in the IR
    assert "0x00001004: " in str(block) and "beq a0, a1, 0x1000" in str(block)
