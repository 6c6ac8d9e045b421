"""The reference API: the seed example, blocks, budgets, counters, status values,
JITConfig validation, and running without the GIL."""
import threading
import time

import pytest

from vm_engine import (ExecStatus, ExecutorType, FlatMMU, Instruction, Interpreter, IRBlock,
                       JITConfig, assemble)
from harness import make_engine

CODE = 0x10000


def machine(engine, text):
    m = FlatMMU()
    m.mem_map(CODE, 0x4000, "rwx")
    m.mem_write(CODE, assemble(text, CODE))
    return m, make_engine(engine, m)


def test_seed_example():
    interpreter = Interpreter()
    insn = Instruction(opcode=0x13, operands=[1, 0, 0x10], length=4)
    assert interpreter.execute_instruction(insn) is None
    assert interpreter.reg_read(1) == 16 and interpreter.reg_read("ra") == 16
    block = IRBlock(instructions=[insn])
    result = interpreter.execute_block(block, FlatMMU())
    assert result.status is ExecStatus.Ok and result.next_pc == 4
    assert result.stats.instructions == 1


def test_registers_by_name():
    cpu = Interpreter()
    cpu.reg_write("a0", -1)
    assert cpu.reg_read("x10") == cpu.reg_read(10) == (1 << 64) - 1
    cpu.reg_write("zero", 5)
    assert cpu.reg_read(0) == 0
    cpu.reg_write("fa0", 0x3FF0000000000000)
    assert cpu.reg_read("f10") == 0x3FF0000000000000
    cpu.reg_write("fp", 3)
    assert cpu.reg_read("s0") == 3
    cpu.reg_write("pc", 0x1234)
    assert cpu.pc == 0x1234
    with pytest.raises(ValueError):
        cpu.reg_read("q7")
    with pytest.raises(ValueError):
        cpu.reg_read(32)


def test_execute_block_stops_at_a_taken_branch(engine):
    cpu = make_engine(engine)
    block = IRBlock([Instruction.from_asm(t) for t in
                     ("addi a0, zero, 1", "beq zero, zero, 64", "addi a0, zero, 2")],
                    start_pc=0x2000)
    r = cpu.execute_block(block, FlatMMU())
    assert r.next_pc == 0x2044 and cpu.reg_read("a0") == 1
    assert r.stats.instructions == 2
    block = IRBlock([Instruction.from_asm(t) for t in
                     ("addi a0, zero, 1", "bne zero, zero, 64", "addi a0, zero, 2")],
                    start_pc=0x2000)
    r = cpu.execute_block(block, FlatMMU())
    assert r.next_pc == 0x200C and cpu.reg_read("a0") == 2 and r.stats.instructions == 3


def test_budget_counts_exactly(engine):
    m, cpu = machine(engine, "loop:\naddi a0, a0, 1\naddi a1, a1, 2\nj loop\n")
    for budget in (0, 1, 2, 3, 4, 1000, 1001, 12345):
        cpu.reg_write("a0", 0)
        cpu.reg_write("a1", 0)
        r = cpu.run(pc=CODE, max_instructions=budget)
        assert r.status is ExecStatus.Budget and r.stats.instructions == budget
        full, rest = divmod(budget, 3)
        assert cpu.reg_read("a0") == full + (rest >= 1)
        assert cpu.reg_read("a1") == 2 * (full + (rest >= 2))
        assert cpu.pc == CODE + 4 * rest


def test_until_inside_a_block(engine):
    m, cpu = machine(engine, "addi a0, a0, 1\naddi a0, a0, 1\naddi a0, a0, 1\nebreak\n")
    r = cpu.run(pc=CODE, until=CODE + 8)
    assert r.status is ExecStatus.Ok and cpu.pc == CODE + 8 and cpu.reg_read("a0") == 2
    assert r.stats.instructions == 2
    r = cpu.run()
    assert r.status is ExecStatus.Ebreak and cpu.reg_read("a0") == 3 and cpu.pc == CODE + 12


def test_ecall_and_ebreak_status(engine):
    m, cpu = machine(engine, "li a7, 93\necall\nebreak\n")
    r = cpu.run(pc=CODE)
    assert r.status is ExecStatus.Ecall and r.next_pc == CODE + 8 and cpu.pc == CODE + 8
    assert r.stats.instructions == 2
    r = cpu.run()
    assert r.status is ExecStatus.Ebreak and cpu.pc == CODE + 8 and r.stats.instructions == 0


def test_counters_and_fp_csrs(engine):
    m, cpu = machine(engine, """
        csrrs a0, instret, zero
        nop
        nop
        csrrs a1, instret, zero
        csrrs a2, cycle, zero
        csrrs a3, time, zero
        li t0, 0x7f
        csrrw zero, fcsr, t0
        csrrs a4, frm, zero
        csrrs a5, fflags, zero
        csrrci zero, fflags, 0x3
        csrrwi a6, frm, 2
        csrrs a7, fcsr, zero
        ebreak
    """)
    before = cpu.instret
    cpu.run(pc=CODE)
    assert cpu.reg_read("a1") - cpu.reg_read("a0") == 3
    assert cpu.reg_read("a0") == before
    assert cpu.reg_read("a2") >= cpu.reg_read("a1")
    assert cpu.reg_read("a3") > 0
    assert (cpu.reg_read("a4"), cpu.reg_read("a5"), cpu.reg_read("a6")) == (3, 0x1F, 3)
    assert cpu.reg_read("a7") == (2 << 5) | 0x1C
    assert cpu.reg_read("fcsr") == cpu.reg_read("a7")


def test_memory_access_stats(engine):
    m, cpu = machine(engine, "li a1, 0x11000\nsd a1, 0(a1)\nld a2, 0(a1)\nlb a3, 1(a1)\nebreak\n")
    r = cpu.run(pc=CODE)
    assert r.stats.memory_accesses == 3 and r.stats.instructions == 4


def test_timeout_and_stop_release_the_gil(engine):
    m, cpu = machine(engine, "loop:\naddi a0, a0, 1\nj loop\n")
    ticks = []
    stop = threading.Event()

    def ticker():  # runs Python code while the guest loop runs
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)
    t = threading.Thread(target=ticker)
    t.start()
    try:
        t0 = time.perf_counter()
        r = cpu.run(pc=CODE, timeout=0.3)
        elapsed = time.perf_counter() - t0
    finally:
        stop.set()
        t.join()
    assert r.status is ExecStatus.Stopped
    assert 0.25 < elapsed < 5
    assert len(ticks) > 10, "the run loop must not hold the GIL"
    assert r.stats.instructions == cpu.reg_read("a0") * 2 or \
        r.stats.instructions == cpu.reg_read("a0") * 2 - 1


def test_jitconfig_defaults_and_validation():
    c = JITConfig()
    assert (c.optimization_level, c.code_cache_size, c.enable_inlining,
            c.enable_vectorization) == (2, 64 * 1024 * 1024, True, False)
    for bad in (-1, 4, 2.0, "2", True):
        with pytest.raises(ValueError, match="optimization_level"):
            JITConfig(optimization_level=bad)
    with pytest.raises(ValueError, match="code_cache_size"):
        JITConfig(code_cache_size=10)
    with pytest.raises(ValueError, match="enable_inlining"):
        JITConfig(enable_inlining="yes")
    assert {e.name for e in ExecutorType} == {"Interpreter", "JIT", "Hybrid"}


def test_bad_run_arguments():
    cpu = Interpreter()
    with pytest.raises(ValueError):
        cpu.run(FlatMMU(), 0, max_instructions=-1)
    with pytest.raises(TypeError):
        IRBlock(["addi a0, a0, 1"])
