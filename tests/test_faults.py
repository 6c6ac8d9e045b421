"""Guest faults: the right kind, pc and address, and state as before the faulting
instruction (registers, memory, pc, instruction count)."""
import pytest

from vm_engine import (AccessType, ExecStatus, ExecutionError, FaultKind, FlatMMU, Instruction,
                       assemble)
from harness import make_engine

CODE = 0x10000


def setup(engine, text, *, data_perms="rw"):
    mmu = FlatMMU()
    code = assemble(text, CODE)
    mmu.mem_map(CODE, 0x1000, "rx")
    mmu.mem_write(CODE, code)
    mmu.mem_map(0x20000, 0x1000, data_perms)
    cpu = make_engine(engine, mmu)
    return mmu, cpu


def run_to_fault(cpu):
    with pytest.raises(ExecutionError) as info:
        cpu.run(pc=CODE)
    return info.value


def test_invalid_opcode(engine):
    mmu, cpu = setup(engine, "li a0, 7\naddi a1, a0, 1\n.word 0xffffffff\nli a0, 9\n")
    err = run_to_fault(cpu)
    assert err.fault.kind is FaultKind.InvalidOpcode
    assert err.fault.pc == CODE + 8 and cpu.pc == CODE + 8
    assert err.fault.insn == 0xFFFFFFFF
    assert cpu.reg_read("a0") == 7 and cpu.reg_read("a1") == 8
    assert err.result.status is ExecStatus.Fault and err.result.stats.instructions == 2


def test_unmapped_load(engine):
    mmu, cpu = setup(engine, "li a0, 5\nli a1, 0x30000\nld a0, 8(a1)\nli a0, 9\n")
    err = run_to_fault(cpu)
    f = err.fault
    assert (f.kind, f.pc, f.address, f.access) == (FaultKind.PageFault, CODE + 8, 0x30008,
                                                   AccessType.Read)
    assert cpu.reg_read("a0") == 5, "rd must not be written by a faulting load"
    assert err.result.stats.instructions == 2 and err.result.stats.memory_accesses == 0


def test_unmapped_store(engine):
    mmu, cpu = setup(engine, "li a1, 0x5000\nli a2, 3\nsd a2, -8(a1)\n")
    f = run_to_fault(cpu).fault
    assert (f.kind, f.pc, f.address, f.access) == (FaultKind.PageFault, CODE + 8, 0x4FF8,
                                                   AccessType.Write)


def test_write_to_read_only_page(engine):
    mmu, cpu = setup(engine, "li a1, 0x20000\nli a2, 3\nsw a2, 16(a1)\n", data_perms="r")
    mmu.mem_write(0x20010, b"\xaa\xbb\xcc\xdd")  # the host may write read-only pages
    f = run_to_fault(cpu).fault
    assert (f.kind, f.address, f.access) == (FaultKind.PageFault, 0x20010, AccessType.Write)
    assert mmu.mem_read(0x20010, 4) == b"\xaa\xbb\xcc\xdd", "memory must be unchanged"


def test_fetch_from_non_executable_page(engine):
    mmu, cpu = setup(engine, "li a1, 0x20000\njalr ra, 0(a1)\n")
    mmu.mem_write(0x20000, assemble("nop"))
    err = run_to_fault(cpu)
    f = err.fault
    assert (f.kind, f.pc, f.address, f.access) == (FaultKind.PageFault, 0x20000, 0x20000,
                                                   AccessType.Fetch)
    assert cpu.reg_read("ra") == CODE + 8  # the jalr (after a one-instruction li) completed
    assert err.result.stats.instructions == 2


def test_fetch_from_unmapped_memory_mid_block(engine):
    # code runs to the end of its page: the next page is not mapped
    mmu = FlatMMU()
    mmu.mem_map(CODE, 0x1000, "rx")
    mmu.mem_write(CODE + 0xFF8, assemble("addi a0, a0, 1\naddi a0, a0, 1"))
    cpu = make_engine(engine, mmu)
    with pytest.raises(ExecutionError) as info:
        cpu.run(pc=CODE + 0xFF8)
    f = info.value.fault
    assert (f.kind, f.pc, f.address, f.access) == (FaultKind.PageFault, CODE + 0x1000,
                                                   CODE + 0x1000, AccessType.Fetch)
    assert cpu.reg_read("a0") == 2 and info.value.result.stats.instructions == 2


def test_misaligned_access_across_a_page_into_unmapped(engine):
    mmu, cpu = setup(engine, "li a1, 0x20ffc\nld a0, 0(a1)\n")
    f = run_to_fault(cpu).fault
    assert f.kind is FaultKind.PageFault and f.access is AccessType.Read
    assert 0x20FFC <= f.address <= 0x21000


def test_misaligned_access_within_mapped_memory_works(engine):
    mmu, cpu = setup(engine, "li a1, 0x20ffd\nli a2, -1\nsd a2, 0(a1)\nld a0, -1(a1)\nebreak\n")
    mmu.mem_unmap(0x20000, 0x1000)
    mmu.mem_map(0x20000, 0x2000, "rw")
    r = cpu.run(pc=CODE)
    assert r.status is ExecStatus.Ebreak
    assert cpu.reg_read("a0") == 0xFFFFFFFFFFFFFF00
    assert mmu.mem_read(0x20FFD, 8) == b"\xff" * 8


def test_illegal_csr(engine):
    mmu, cpu = setup(engine, "li a0, 1\ncsrrs a0, 0x7c0, zero\n")
    err = run_to_fault(cpu)
    assert err.fault.kind is FaultKind.IllegalInstruction and err.fault.pc == CODE + 4
    assert cpu.reg_read("a0") == 1


def test_write_to_read_only_csr_is_illegal(engine):
    mmu, cpu = setup(engine, "li a0, 1\ncsrrw a1, instret, a0\n")
    assert run_to_fault(cpu).fault.kind is FaultKind.IllegalInstruction


def test_execution_resumes_after_a_fault_is_handled(engine):
    mmu, cpu = setup(engine, "li a1, 0x30000\nld a0, 0(a1)\naddi a0, a0, 1\nebreak\n")
    run_to_fault(cpu)
    mmu.mem_map(0x30000, 0x1000, "r")
    mmu.mem_write(0x30000, (41).to_bytes(8, "little"))
    r = cpu.run()
    assert r.status is ExecStatus.Ebreak and cpu.reg_read("a0") == 42


def test_execute_instruction_faults_without_memory():
    from vm_engine import Interpreter
    cpu = Interpreter()
    cpu.reg_write("a1", 0x1000)
    with pytest.raises(ExecutionError) as info:
        cpu.execute_instruction(Instruction.from_asm("ld a0, 0(a1)"))
    assert info.value.fault.kind is FaultKind.PageFault and info.value.fault.address == 0x1000
    assert cpu.pc == 0
