"""Every RV64I/M instruction against Unicorn as the oracle, over corner values,
and random straight-line programs (hypothesis) compared register by register."""
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from harness import DATA, DATA_SIZE, ENGINES, asm, assert_same, run_ours, run_unicorn

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
VALUES = [0, 1, 2, 3, -1, -2, 7, -7, 31, 32, 63, 64, 0x7FFFFFFF, 0x80000000, -0x80000000,
          -0x80000001, 0xFFFFFFFF, 0x100000000, INT64_MAX, INT64_MIN, INT64_MIN + 1,
          0x123456789ABCDEF0, -0x123456789ABCDEF, 0x5555555555555555]
IMMEDIATES = [0, 1, -1, 2, 5, 31, 2047, -2048, 0x555, -0x555, 1000]
R_OPS = ("add sub sll slt sltu xor srl sra or and addw subw sllw srlw sraw "
         "mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw").split()
I_OPS = "addi slti sltiu xori ori andi addiw".split()
SHIFT_OPS = {"slli": [0, 1, 31, 32, 63], "srli": [0, 1, 31, 32, 63], "srai": [0, 1, 31, 32, 63],
             "slliw": [0, 1, 15, 31], "srliw": [0, 1, 15, 31], "sraiw": [0, 1, 15, 31]}
BRANCHES = "beq bne blt bge bltu bgeu".split()
LOADS = "lb lh lw ld lbu lhu lwu".split()
STORES = "sb sh sw sd".split()


def compare(text: str, regs=None, data=b"", engine="interpreter"):
    code = asm(text)
    regs = {8: DATA, **(regs or {})}  # s0 points at the data area
    assert_same(run_ours(engine, code, regs, data), run_unicorn(code, regs, data), text[:60])


def store_result(reg="a0"):
    return f"sd {reg}, 0(s0)\naddi s0, s0, 8\n"


@pytest.mark.parametrize("op", R_OPS)
def test_register_register_ops(op, engine):
    lines = []
    for a in VALUES:
        for b in VALUES:
            lines.append(f"li a1, {a}\nli a2, {b}\n{op} a0, a1, a2\n" + store_result())
    lines.append(f"{op} a3, a3, a3\n{op} zero, a1, a2\n")  # rd == rs1 == rs2; x0 stays 0
    compare("".join(lines), {13: 0x8000000000000001}, engine=engine)


@pytest.mark.parametrize("op", I_OPS)
def test_register_immediate_ops(op, engine):
    lines = [f"li a1, {a}\n{op} a0, a1, {imm}\n" + store_result()
             for a in VALUES for imm in IMMEDIATES]
    compare("".join(lines), engine=engine)


@pytest.mark.parametrize("op", sorted(SHIFT_OPS))
def test_shift_immediate_ops(op, engine):
    lines = [f"li a1, {a}\n{op} a0, a1, {sh}\n" + store_result()
             for a in VALUES for sh in SHIFT_OPS[op]]
    compare("".join(lines), engine=engine)


@pytest.mark.parametrize("op", ["lui", "auipc"])
def test_upper_immediates(op, engine):
    lines = [f"{op} a0, {imm:#x}\n" + store_result()
             for imm in (0, 1, 0x7FFFF, 0x80000, 0xFFFFF, 0x12345, 0xABCDE)]
    compare("".join(lines), engine=engine)


@pytest.mark.parametrize("op", BRANCHES)
def test_branches_both_ways(op, engine):
    lines = []
    for k, (a, b) in enumerate((a, b) for a in VALUES[::2] for b in VALUES[::3]):
        lines.append(f"li a1, {a}\nli a2, {b}\nli a0, 1\n{op} a1, a2, taken{k}\nli a0, 2\n"
                     f"taken{k}:\n" + store_result())
    # x0 on either side (bgtz, blez, bltz, bgez: compiled as one test)
    for k, a in enumerate(VALUES):
        for left, right in (("zero", "a1"), ("a1", "zero")):
            lines.append(f"li a1, {a}\nli a0, 1\n{op} {left}, {right}, z{k}{left}\nli a0, 2\n"
                         f"z{k}{left}:\n" + store_result())
    # a backward branch too: a loop of 5 iterations
    lines.append("li a3, 5\nback:\naddi a4, a4, 3\naddi a3, a3, -1\nbnez a3, back\n")
    compare("".join(lines), engine=engine)


@pytest.mark.parametrize("op", ["slt", "sltu"])
def test_set_less_than_with_x0_either_side(op, engine):
    """snez, sgtz, sltz: x0 against a register, either way round."""
    lines = [f"li a1, {a}\n{op} a0, zero, a1\n" + store_result() +
             f"{op} a0, a1, zero\n" + store_result() for a in VALUES]
    compare("".join(lines), engine=engine)


@pytest.mark.parametrize("op", LOADS)
def test_loads_sign_and_zero_extension(op, engine):
    rng = random.Random(op)
    data = bytes(rng.randrange(256) for _ in range(DATA_SIZE))
    data = data[:0x2000] + bytes([0x80, 0xFF, 0x7F, 0x00] * 8) + data[0x2020:]
    offsets = [0, 1, 2, 3, 4, 5, 7, 8, -1, -8, 2047, -2048, 9, 13]  # misaligned too
    lines = [f"{op} a0, {off}(a1)\n" + store_result() for off in offsets]
    compare("".join(lines), {11: DATA + 0x2000}, data, engine=engine)


@pytest.mark.parametrize("op", STORES)
def test_stores(op, engine):
    lines = [f"li a2, {v}\n{op} a2, {off}(a1)\n"
             for v in (0x1122334455667788, -1, 0x80, INT64_MIN)
             for off in (0, 1, 3, 8, 17, 2047, -2048, -5)]
    compare("".join(lines), {11: DATA + 0x2000}, engine=engine)


def test_jal_and_jalr_links_and_bit0(engine):
    compare("""
        jal ra, f1
        sd ra, 0(s0)
        auipc a1, 0
        addi a1, a1, 21     # odd target: jalr clears bit 0
        jalr t0, 0(a1)
        li a0, 111          # skipped
        sd t0, 8(s0)        # the odd target lands here (auipc+20)
        auipc a2, 0
        jalr a2, 12(a2)     # rd == rs1: target computed from the old value
        li a0, 222          # skipped
        sd a2, 16(s0)
        j end
    f1:
        addi a5, a5, 1
        jalr zero, 0(ra)
    end:
        nop
    """, engine=engine)


def test_writes_to_x0_are_discarded(engine):
    compare("li a0, 5\naddi zero, a0, 1\nlui zero, 0x12345\nadd a1, zero, a0\n"
            "ld zero, 0(s0)\njal zero, next\nnext:\nnop\n", engine=engine)


# ---- random straight-line programs ------------------------------------------

ALU = R_OPS + I_OPS + sorted(SHIFT_OPS) + ["lui", "auipc"]
WRITABLE = [r for r in range(1, 32) if r not in (8, 9)]  # s0, s1 point into the data area


@st.composite
def straight_line_programs(draw):
    lines = []
    for _ in range(draw(st.integers(1, 40))):
        kind = draw(st.sampled_from(["alu"] * 6 + ["load", "store"]))
        rd = f"x{draw(st.sampled_from(WRITABLE + [0]))}"
        rs1, rs2 = (f"x{draw(st.integers(0, 31))}" for _ in range(2))
        if kind == "load":
            op = draw(st.sampled_from(LOADS))
            lines.append(f"{op} {rd}, {draw(st.integers(-2048, 2047))}(s1)")
        elif kind == "store":
            op = draw(st.sampled_from(STORES))
            lines.append(f"{op} {rs2}, {draw(st.integers(-2048, 2040))}(s1)")
        else:
            op = draw(st.sampled_from(ALU))
            if op in R_OPS:
                lines.append(f"{op} {rd}, {rs1}, {rs2}")
            elif op in SHIFT_OPS:
                lines.append(f"{op} {rd}, {rs1}, {draw(st.sampled_from(SHIFT_OPS[op]))}")
            elif op in ("lui", "auipc"):
                lines.append(f"{op} {rd}, {draw(st.integers(0, 0xFFFFF)):#x}")
            else:
                lines.append(f"{op} {rd}, {rs1}, {draw(st.integers(-2048, 2047))}")
    regs = {r: draw(st.sampled_from(VALUES) | st.integers(0, (1 << 64) - 1)) for r in WRITABLE}
    regs[9] = DATA + 2048  # s1: base of loads and stores, which stay inside the data area
    data = draw(st.binary(min_size=64, max_size=64)) * (DATA_SIZE // 64)
    return "\n".join(lines), regs, data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(straight_line_programs())
def test_random_straight_line_programs_match_unicorn(program):
    text, regs, data = program
    for engine in ENGINES:
        compare(text, regs, data, engine=engine)
