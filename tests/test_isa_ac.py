"""The A and C extensions against Unicorn, plus the rules Unicorn does not model
(alignment faults of AMOs, LR/SC reservation rules)."""
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from vm_engine import ExecStatus, ExecutionError, FaultKind, FlatMMU
from vm_engine.isa.table import COMPRESSED
from harness import CODE, DATA, ENGINES, asm, load, make_engine, run_ours
from test_isa_oracle import VALUES, compare, store_result

AMOS = "amoswap amoadd amoxor amoand amoor amomin amomax amominu amomaxu".split()


@pytest.mark.parametrize("width", ["w", "d"])
@pytest.mark.parametrize("op", AMOS)
def test_amos(op, width, engine):
    lines = []
    values = VALUES[::2]
    for a in values:
        for b in values:
            lines.append(f"li a2, {a}\nsd a2, 0(a1)\nli a3, {b}\n{op}.{width} a0, a3, (a1)\n"
                         + store_result() + "ld a4, 0(a1)\n" + store_result("a4"))
    lines.append(f"{op}.{width}.aqrl zero, a3, (a1)\n")
    compare("".join(lines), {11: DATA + 0x3000}, engine=engine)


@pytest.mark.parametrize("width", ["w", "d"])
def test_lr_sc(width, engine):
    compare(f"""
        li a2, -5
        sd a2, 0(a1)
        lr.{width} a0, (a1)          # sign-extended load, reservation set
        {store_result()}
        li a3, 77
        sc.{width} a4, a3, (a1)      # succeeds: 0
        {store_result("a4")}
        sc.{width} a4, a3, (a1)      # reservation gone: 1, no store
        {store_result("a4")}
        ld a5, 0(a1)
        {store_result("a5")}
        lr.{width}.aq a0, (a1)
        sc.{width}.rl a4, a3, (a6)   # another address: fails
        {store_result("a4")}
    """, {11: DATA + 0x3000, 16: DATA + 0x3008}, engine=engine)


@pytest.mark.parametrize("text", ["amoadd.w a0, a2, (a1)", "amoswap.d a0, a2, (a1)",
                                  "lr.d a0, (a1)", "sc.w a0, a2, (a1)", "lr.w a0, (a1)"])
def test_misaligned_atomics_raise_alignment_faults(engine, text):
    code = asm(f"li a0, 9\n{text}\n")
    with pytest.raises(ExecutionError) as info:
        run_ours(engine, code, {11: DATA + 2})
    f = info.value.fault
    assert (f.kind, f.address, f.pc) == (FaultKind.AlignmentFault, DATA + 2, CODE + 4)


def test_reservation_is_cleared_by_a_trap(engine):
    code = asm("lr.d a0, (a1)\necall\nsc.d a4, a3, (a1)\n")
    m, cpu = load(engine, code)
    cpu.reg_write("a1", DATA)
    assert cpu.run(pc=CODE).status is ExecStatus.Ecall
    cpu.run(until=CODE + len(code))
    assert cpu.reg_read("a4") == 1


# ---- C -------------------------------------------------------------------------

def test_compressed_control_flow(engine):
    compare("""
        c.li a0, 3
    loop:
        c.addi a1, 2
        c.addi a0, -1
        c.bnez a0, loop
        c.beqz a0, skip
        c.li a2, 9
    skip:
        auipc a3, 0
        c.addi a3, 14
        c.jalr a3            # to 'func', ra = next
        c.j end
        c.nop
    func:
        c.addi a4, 5
        c.jr ra
    end:
        c.mv a5, ra
        c.add a5, a1
    """, engine=engine)


SIMPLE_C = [s for s in COMPRESSED if s.cls == "alu"]
MEM_C = [s for s in COMPRESSED if s.cls in ("load", "store") and "f" not in s.operands[0][:2]]


def _random_compressed(spec, rng):
    from test_table import random_instruction
    return random_instruction(spec, rng)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.lists(st.sampled_from(VALUES), min_size=31,
                                                   max_size=31))
def test_random_compressed_alu_sequences(rnd, values):
    rng = random.Random(rnd.random())
    insns = []
    for _ in range(30):
        insn = _random_compressed(rng.choice(SIMPLE_C), rng)
        if insn.expand().values.get("rd") == 2 and insn.name != "c.addi16sp":
            continue  # keep sp sane for the oracle
        insns.append(str(insn))
    regs = {i + 1: v for i, v in enumerate(values)}
    for engine in ENGINES:
        compare("\n".join(insns), regs, engine=engine)


@pytest.mark.parametrize("spec", MEM_C, ids=lambda s: s.name)
def test_compressed_loads_and_stores(spec, engine):
    rng = random.Random(spec.name)
    lines = []
    for _ in range(40):
        insn = _random_compressed(spec, rng)
        base = insn.expand().values["rs1"]
        dest = insn.expand().values.get("rd")
        if dest == base:
            continue
        lines.append(f"li x{base}, {DATA + 0x100}\n{insn}\n")
    data = bytes(rng.randrange(256) for _ in range(0x4000))
    regs = {r: rng.randrange(1 << 64) for r in range(1, 32) if r != 8}
    compare("".join(lines), regs, data, engine=engine)


def test_compressed_floating_point_loads_and_stores(engine):
    code = asm("c.fld fa0, 8(s0)\nc.fsd fa0, 16(s0)\nc.fldsp fa1, 24(sp)\nc.fsdsp fa1, 32(sp)\n")
    m, cpu = load(engine, code)
    m.mem_write(DATA + 8, (0x400921FB54442D18).to_bytes(8, "little"))
    m.mem_write(DATA + 24, (0x4005BF0A8B145769).to_bytes(8, "little"))
    cpu.reg_write("s0", DATA)
    cpu.reg_write("sp", DATA)
    cpu.run(pc=CODE, until=CODE + len(code))
    assert cpu.reg_read("fa0") == 0x400921FB54442D18
    assert m.mem_read(DATA + 16, 8) == m.mem_read(DATA + 8, 8)
    assert m.mem_read(DATA + 32, 8) == m.mem_read(DATA + 24, 8)


def test_four_byte_instruction_straddling_a_page(engine):
    m = FlatMMU()
    m.mem_map(CODE, 0x2000, "rwx")
    start = CODE + 0x1000 - 4
    m.mem_write(start, asm("c.li a0, 1\naddi a0, a0, 41\nebreak"))  # addi straddles
    cpu = make_engine(engine, m)
    assert cpu.run(pc=start).status is ExecStatus.Ebreak and cpu.reg_read("a0") == 42
    m.mem_protect(CODE + 0x1000, 0x1000, "r")  # second half no longer executable
    with pytest.raises(ExecutionError) as info:
        cpu.run(pc=start)
    assert info.value.fault.address == CODE + 0x1000 and info.value.fault.pc == start + 2
    assert cpu.reg_read("a0") == 1


def test_reserved_compressed_raises_invalid_opcode(engine):
    m, cpu = load(engine, asm("c.li a0, 1") + b"\x00\x00")  # 0x0000 is reserved
    with pytest.raises(ExecutionError) as info:
        cpu.run(pc=CODE)
    assert info.value.fault.kind is FaultKind.InvalidOpcode and info.value.fault.pc == CODE + 2
