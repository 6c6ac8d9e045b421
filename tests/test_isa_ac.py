"""The A and C extensions against Unicorn, plus the rules Unicorn does not model
(alignment faults of AMOs, LR/SC reservation rules)."""
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from vm_engine import AccessType, ExecStatus, ExecutionError, FaultKind, FlatMMU
from vm_engine.isa.table import COMPRESSED
from harness import CODE, DATA, ENGINES, MASK64, asm, load, make_engine, run_ours
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


# Compiled code runs an atomic in line only where a plain store may write its page
# directly; any other it leaves to the interpreter (so every engine agrees).
RO, UNMAPPED = 0x50000, 0x60000


@pytest.mark.parametrize("text, at, pc, access", [
    ("amoadd.d a0, a2, (a1)", RO, CODE + 4, AccessType.Write),        # faults as a store
    ("amoswap.w a0, a2, (a1)", UNMAPPED, CODE + 4, AccessType.Write),
    ("lr.d a0, (a1)", UNMAPPED, CODE + 4, AccessType.Read),
    ("lr.d a3, (a1)\nsc.d a0, a2, (a1)", RO, CODE + 8, AccessType.Write),  # reservation held
])
def test_atomics_fault_on_pages_they_may_not_access(engine, text, at, pc, access):
    code = asm(f"li a0, 9\n{text}\n")
    mmu, cpu = load(engine, code)
    mmu.mem_map(RO, 0x1000, "r")
    mmu.mem_write(RO, (5).to_bytes(8, "little"))
    cpu.reg_write("a1", at)
    cpu.reg_write("a2", 7)
    with pytest.raises(ExecutionError) as info:
        cpu.run(pc=CODE, until=CODE + len(code))
    f = info.value.fault
    assert (f.kind, f.address, f.pc, f.access) == (FaultKind.PageFault, at, pc, access)
    assert cpu.reg_read("a0") == 9 and mmu.mem_read(RO, 8) == (5).to_bytes(8, "little")


def test_atomics_on_a_read_only_page_and_failed_sc_on_unmapped_memory(engine):
    """lr on a page it may read; an sc whose reservation does not hold fails
    (1) without touching memory, even memory that is not there."""
    code = asm("lr.w a0, (a1)\nsc.d a3, a2, (a4)\n")
    mmu, cpu = load(engine, code)
    mmu.mem_map(RO, 0x1000, "r")
    mmu.mem_write(RO, (-3 & 0xFFFFFFFF).to_bytes(4, "little"))
    for reg, value in (("a1", RO), ("a2", 7), ("a4", UNMAPPED)):
        cpu.reg_write(reg, value)
    cpu.run(pc=CODE, until=CODE + len(code))
    assert cpu.reg_read("a0") == (-3 & MASK64) and cpu.reg_read("a3") == 1


def test_atomics_on_callback_memory_call_back(engine):
    """An AMO on MMIO reads, then writes, through the callbacks; lr/sc too."""
    seen = []
    value = {"v": 40}

    def read(offset, size):
        seen.append(("r", offset, size))
        return value["v"]

    def write(offset, size, v):
        seen.append(("w", offset, size, v))
        value["v"] = v

    code = asm("amoadd.w a0, a2, (a1)\nlr.d a3, (a1)\nsc.d a4, a2, (a1)\n")
    mmu, cpu = load(engine, code)
    mmu.mmio_map(UNMAPPED, 0x1000, read, write)
    cpu.reg_write("a1", UNMAPPED + 8)
    cpu.reg_write("a2", 2)
    cpu.run(pc=CODE, until=CODE + len(code))
    assert (cpu.reg_read("a0"), cpu.reg_read("a3"), cpu.reg_read("a4")) == (40, 42, 0)
    assert seen == [("r", 8, 4), ("w", 8, 4, 42), ("r", 8, 8), ("w", 8, 8, 2)]


def test_an_amo_that_writes_code_changes_what_runs(engine):
    """amoswap of an instruction word into code that runs next (after fence.i)."""
    code = asm("amoswap.w a0, a2, (a1)\nfence.i\nli a3, 1\n")
    mmu = FlatMMU()
    mmu.mem_map(CODE, 0x1000, "rwx")
    mmu.mem_write(CODE, code)
    cpu = make_engine(engine, mmu)
    cpu.reg_write("a1", CODE + 8)
    cpu.reg_write("a2", int.from_bytes(asm("li a3, 5")[:4], "little"))
    for _ in range(2):  # (the second time compiled, where an engine compiles it)
        mmu.mem_write(CODE, code)
        cpu.run(pc=CODE, until=CODE + len(code))
        assert cpu.reg_read("a3") == 5
        assert cpu.reg_read("a0") == int.from_bytes(asm("li a3, 1")[:4], "little")


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
