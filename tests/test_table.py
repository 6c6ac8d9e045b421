"""The one instruction table: generated C in sync, round trips for every entry,
the C decoder agreeing with the Python one, and the IR struct/dtype mirror."""
import random
from pathlib import Path

import numpy as np
import pytest

from vm_engine import IR_DTYPE, DecodeError, Instruction, IRBlock, _core
from vm_engine.ir import RD_SINK
from vm_engine.isa import gen_c
from vm_engine.isa.table import _TABLE, INSNS, RegField, _parse_table, check_table


HEADER = Path(__file__).resolve().parents[1] / "csrc" / "generated" / "vm_insn_table.h"


def test_the_table_is_consistent():
    check_table(INSNS)


@pytest.mark.parametrize("edit, message", [
    (lambda t: t + "\naddi alu rd, rs1, imm12 14..12=0 6..0=0x13\n", "duplicate instruction addi"),
    (lambda t: t + "\nzzz alu rd, rs1, imm12 14..12=0 6..0=0x13\n", "overlapping encodings"),
    (lambda t: t + "\nzzz alu rs1, imm12 14..12=7 6..0=0x0b\n", "are neither fixed nor operands"),
])
def test_an_inconsistent_table_is_refused(edit, message):
    with pytest.raises(ValueError, match=message):
        check_table(_parse_table(edit(_TABLE)))


def test_generated_header_is_current():
    text = HEADER.read_text()
    assert text.splitlines()[0] == gen_c.FIRST_LINE
    assert text == gen_c.generate(), "run `python -m vm_engine.isa.gen_c` and commit the header"


def test_compiled_opcodes_match_the_table():
    names = _core.op_names()
    assert names[0] == "invalid"
    assert names[1:] == [s.name for s in INSNS if s.length == 4]


def test_ir_dtype_mirrors_the_c_struct():
    itemsize, offsets = _core.ir_layout()
    assert IR_DTYPE.itemsize == itemsize
    assert {name: IR_DTYPE.fields[name][1] for name in IR_DTYPE.names} == offsets
    for name in IR_DTYPE.names:  # sizes: each field ends where the next starts or earlier
        assert IR_DTYPE.fields[name][0].itemsize <= itemsize - offsets[name]


def random_instruction(spec, rng):
    """A random valid instance of ``spec`` (reserved operand values avoided)."""
    while True:
        operands = []
        for name in spec.operands:
            f = spec.field(name)
            if isinstance(f, RegField):
                operands.append(f.base + rng.randrange(1 << (f.hi - f.lo + 1)))
                continue
            lo_bit = min(sl[2] for sl in f.slices)
            if f.shown_shift:
                operands.append(rng.randrange(1 << (f.width - f.shown_shift)))
            elif f.signed:
                operands.append(rng.randrange(-(1 << (f.width - 1)), 1 << (f.width - 1))
                                >> lo_bit << lo_bit)
            else:
                operands.append(rng.randrange(1 << f.width) >> lo_bit << lo_bit)
        try:
            return Instruction(spec.name, operands, spec.length)
        except ValueError:
            continue  # a nonzero rule was broken: draw again


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
    """The C decoder's IR equals the (expanded) instruction's fields."""
    rng = random.Random("c" + spec.name)
    for _ in range(50):
        insn = random_instruction(spec, rng)
        pc = rng.randrange(0, 1 << 40, 4)
        ir = np.frombuffer(_core.decode_words([(insn.encode(), insn.length)], pc), IR_DTYPE)[0]
        base = insn.expand()
        assert ir["op"] == base.spec.index
        assert ir["raw"] == insn.encode() and ir["len"] == spec.length
        for name, value in base.values.items():
            f = base.spec.field(name)
            if isinstance(f, RegField):
                sink = name == "rd" and value == 0 and "rd" in base.spec.operands
                assert ir[f.ir_slot] == (RD_SINK if sink else value), name
            else:
                expect = value
                if f.pcrel or base.name == "auipc":
                    expect = pc + value
                mask = (1 << 64) - 1
                assert int(ir[f.ir_slot]) & mask == expect & mask, name


def test_every_16_bit_word_decodes_the_same_in_c_and_python():
    for word in range(0x10000):
        if word & 3 == 3:
            continue
        ir = np.frombuffer(_core.decode_words([(word, 2)], 0x1000), IR_DTYPE)[0]
        try:
            insn = Instruction.decode(word)
        except DecodeError:
            assert ir["op"] == 0, f"{word:#06x}"
            continue
        assert ir["op"] == insn.expand().spec.index, f"{word:#06x} {insn}"


def test_reserved_compressed_encodings_are_invalid():
    for word in (0x0000,            # all zeros: c.addi4spn with imm 0
                 0x2001 & ~0x0F80,  # c.addiw with rd = 0
                 0x6101 & ~0x107C,  # c.addi16sp with imm 0
                 0x6081 & ~0x107C,  # c.lui with imm 0
                 0x4002,            # c.lwsp with rd = 0
                 0x6002,            # c.ldsp with rd = 0
                 0x8002,            # c.jr with rs1 = 0
                 0x9C41 | 0x40):    # c.subw/addw space, reserved funct
        with pytest.raises(DecodeError):
            Instruction.decode(word)


def test_compressed_expansion_examples():
    assert str(Instruction.decode(0x4501)) == "c.li a0, 0"
    assert str(Instruction.decode(0x4501).expand()) == "addi a0, zero, 0"
    assert str(Instruction.decode(0x8082)) == "c.jr ra"
    assert str(Instruction.decode(0x8082).expand()) == "jalr zero, 0(ra)"
    assert str(Instruction.decode(0x1141)) == "c.addi sp, -16"
    assert str(Instruction.decode(0xE406).expand()) == "sd ra, 8(sp)"
    assert Instruction.from_asm("c.sdsp ra, 8(sp)").encode() == 0xE406
    assert Instruction.decode(0x9002).name == "c.ebreak"


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


@pytest.mark.parametrize("pseudo,real", [
    ("beqz a0, l", "beq a0, zero, l"), ("bnez a0, l", "bne a0, zero, l"),
    ("blez a0, l", "bge zero, a0, l"), ("bgez a0, l", "bge a0, zero, l"),
    ("bltz a0, l", "blt a0, zero, l"), ("bgtz a0, l", "blt zero, a0, l"),
    ("bgt a0, a1, l", "blt a1, a0, l"), ("ble a0, a1, l", "bge a1, a0, l"),
    ("bgtu a0, a1, l", "bltu a1, a0, l"), ("bleu a0, a1, l", "bgeu a1, a0, l")])
def test_branch_pseudo_instructions(pseudo, real):
    from vm_engine import assemble
    assert assemble(f"l: nop\n{pseudo}", 0x1000) == assemble(f"l: nop\n{real}", 0x1000)


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
