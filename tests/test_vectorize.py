"""Level 3's vectorised loops, fills (memset's shape: stores of one register
at p, p+size, ..., p += step, bne/bltu p, end), copies (memcpy's: loads
from src, stores of what they got at the same offsets from dst, both
pointers += step) and scans (strlen's, memchr's: lbu t, p += 1, until t is
or is not r): every outcome is the interpreter's, whether the loop ran as
vector moves or compares or, when it is not known good in advance, as
itself."""
import random

import pytest

from vm_engine import ExecStatus, ExecutionError, FlatMMU, JITConfig, assemble
from vm_engine.jit import JITCompiler, jit_available
from harness import CODE, make_engine

pytestmark = pytest.mark.skipif(not jit_available(), reason="needs the x86-64 JIT")

BUF = 0x40000          # four writable pages
SRC = 0x50000          # four pages of random bytes (copies)
PATTERN = 0x8899AABBCCDDEEFF
SOURCE = random.Random(5).randbytes(0x4000)


def fill_program(store: str, unroll: int, branch: str = "bne", value: str = "a4") -> str:
    """a3 = a5 + a2; then the loop filling [a5, a3); a6 counts the exits."""
    size = {"sb": 1, "sh": 2, "sw": 4, "sd": 8}[store]
    body = "\n".join(f"    {store} {value}, {k * size}(a5)" for k in range(unroll))
    cond = {"bne": "bne a5, a3, loop", "bne-swapped": "bne a3, a5, loop",
            "bltu": "bltu a5, a3, loop"}[branch]
    return f"""
    add a3, a5, a2
    beqz a2, done
loop:
{body}
    addi a5, a5, {unroll * size}
    {cond}
done:
    addi a6, a6, 1
    ebreak
"""


def run(engine: str, text: str, regs: dict, mmu_setup=None, max_instructions=None):
    """Everything guest-visible after the run, and the vector runs (JIT)."""
    mmu = FlatMMU()
    mmu.mem_map(CODE, 0x2000, "rwx")
    mmu.mem_write(CODE, assemble(text, CODE))
    if mmu_setup is None:
        mmu.mem_map(BUF, 0x4000, "rw")
        mmu.mem_map(SRC, 0x4000, "rw")
        mmu.mem_write(SRC, SOURCE)
    else:
        mmu_setup(mmu)
    cpu = make_engine(engine, mmu)
    for name, v in regs.items():
        cpu.reg_write(name, v)
    fault = None
    try:
        r = cpu.run(pc=CODE, max_instructions=max_instructions)
        status, n = r.status, r.stats.instructions
    except ExecutionError as e:
        f = e.fault
        status, n, fault = "fault", e.result.stats.instructions, (f.kind, f.pc, f.address)
    memory = [_page(mmu, BUF + k * 0x1000) for k in range(3)]
    state = (status, n, fault, cpu.pc, cpu.regs, cpu.memory_accesses, memory)
    return state, getattr(cpu, "stats", {}).get("vector_loop_runs", 0)


def _page(mmu, address):
    try:
        return bytes(mmu.mem_read(address, 0x1000))
    except Exception:  # (not mapped, or not readable)
        return None


def same_as_interpreter(text, regs, mmu_setup=None, max_instructions=None) -> int:
    ref, _ = run("interpreter", text, regs, mmu_setup, max_instructions)
    got, vector_runs = run("jit-L3", text, regs, mmu_setup, max_instructions)
    assert got[:6] == ref[:6]
    assert got[6] == ref[6]
    return vector_runs


SHAPES = [("sb", 1), ("sb", 8), ("sh", 4), ("sw", 2), ("sd", 1), ("sd", 3), ("sd", 8)]


@pytest.mark.parametrize("store,unroll", SHAPES)
@pytest.mark.parametrize("branch", ["bne", "bne-swapped", "bltu"])
@pytest.mark.parametrize("iterations", [1, 7, 33, 250])
@pytest.mark.parametrize("value", ["a4", "zero"])
def test_fill_loops_match_the_interpreter(store, unroll, branch, iterations, value):
    size = {"sb": 1, "sh": 2, "sw": 4, "sd": 8}[store]
    nbytes = iterations * unroll * size
    regs = {"a5": BUF + 16, "a2": nbytes, "a4": PATTERN}
    vector_runs = same_as_interpreter(fill_program(store, unroll, branch, value), regs)
    assert vector_runs == (1 if nbytes >= 128 else 0)  # short fills run as the loop


@pytest.mark.parametrize("store,unroll", [("sb", 1), ("sh", 1), ("sd", 3)])
def test_a_bltu_bound_short_of_a_whole_iteration_runs_the_loop(store, unroll):
    size = {"sb": 1, "sh": 2, "sw": 4, "sd": 8}[store]
    regs = {"a5": BUF, "a2": 1000 * size * unroll - 1, "a4": PATTERN}
    assert same_as_interpreter(fill_program(store, unroll, "bltu"), regs) == (size * unroll == 1)


def test_a_misaligned_pointer_runs_the_loop():
    regs = {"a5": BUF + 4, "a2": 4096, "a4": PATTERN}
    assert same_as_interpreter(fill_program("sd", 4), regs) == 0


def test_a_read_only_page_in_the_way_faults_at_the_same_store():
    def setup(mmu):
        mmu.mem_map(BUF, 0x2000, "rw")
        mmu.mem_map(BUF + 0x2000, 0x1000, "r")
    regs = {"a5": BUF + 0x100, "a2": 0x2800, "a4": PATTERN}
    assert same_as_interpreter(fill_program("sd", 4), regs, setup) == 0


@pytest.mark.parametrize("budget", [1, 3, 100, 1001, 1537, 1538, 1539, 3000])
def test_the_budget_decides_and_a_short_one_stops_at_the_same_instruction(budget):
    regs = {"a5": BUF, "a2": 0x2000, "a4": PATTERN}  # 256 iterations of 6 instructions
    vector_runs = same_as_interpreter(fill_program("sd", 4), regs, max_instructions=budget)
    assert vector_runs == (budget - 2 >= 256 * 6)  # (after add and beqz)


def test_a_fill_over_code_that_ran_changes_that_code():
    """A fill into a page holding compiled code (the code page bit) runs as the
    loop, whose first store retires that code (and with it the page's bit, so
    the rest of the fill may go as vector stores): the function called again
    runs the nops the fill wrote."""
    text = f"""
    li s2, {CODE + 0x1000}
    jalr ra, 0(s2)
    mv s1, a0
    li a5, {CODE + 0x1000}
    li a2, 0x200
    li a4, 0x13
    add a3, a5, a2
    beqz a2, done
loop:
    sw a4, 0(a5)
    sw a4, 4(a5)
    addi a5, a5, 8
    bne a5, a3, loop
done:
    jalr ra, 0(s2)
    ebreak
"""
    code = bytearray(assemble(text, CODE))
    code += bytes(0x1000 - len(code))
    code += assemble("li a0, 7\nret\n", CODE + 0x1000).ljust(0x200, b"\0")
    code += assemble("li a0, 9\nret\n", CODE + 0x1200)
    states = []
    for engine in ("interpreter", "jit-L3"):
        mmu = FlatMMU()
        mmu.mem_map(CODE, 0x2000, "rwx")
        mmu.mem_write(CODE, bytes(code))
        cpu = make_engine(engine, mmu)
        assert cpu.run(pc=CODE).status is ExecStatus.Ebreak
        states.append((cpu.regs, cpu.instret, cpu.memory_accesses))
        assert cpu.reg_read("s1") == 7 and cpu.reg_read("a0") == 9
    assert states[0] == states[1]


def test_vectorization_is_level_three_with_enable_vectorization_only():
    text = fill_program("sd", 8)
    runs = []
    for config in (JITConfig(optimization_level=3, enable_vectorization=True),
                   JITConfig(optimization_level=3), JITConfig(optimization_level=2,
                                                              enable_vectorization=True)):
        mmu = FlatMMU()
        mmu.mem_map(CODE, 0x1000, "rx")
        mmu.mem_write(CODE, assemble(text, CODE))
        mmu.mem_map(BUF, 0x4000, "rw")
        cpu = JITCompiler(config, mmu)
        for name, v in {"a5": BUF, "a2": 0x4000, "a4": PATTERN}.items():
            cpu.reg_write(name, v)
        assert cpu.run(pc=CODE).status is ExecStatus.Ebreak
        assert mmu.mem_read(BUF + 0x3FF8, 8) == PATTERN.to_bytes(8, "little")
        runs.append(cpu.stats["vector_loop_runs"])
    assert runs == [1, 0, 0]


TEMPS = ["t0", "t1", "t2", "t3", "t4", "t5", "t6", "s2"]
SIZE = {"b": 1, "h": 2, "w": 4, "d": 8}


def copy_program(load: str, unroll: int, order: str = "loads-first", branch: str = "bne",
                 on: str = "a0") -> str:
    """a3 = (a0 or a1) + a2; then the loop copying from a1 to a0 (glibc's
    shapes: loads then stores, interleaved, or pointers moved on before the
    stores); a6 counts the exits."""
    size = SIZE[load[1]]
    step = size * unroll
    store = "s" + load[1]
    loads = [f"    {load} {TEMPS[k]}, {k * size}(a1)" for k in range(unroll)]
    bumps = [f"    addi a1, a1, {step}", f"    addi a0, a0, {step}"]
    if order == "loads-first":
        body = loads + [f"    {store} {TEMPS[k]}, {k * size}(a0)" for k in range(unroll)] + bumps
    elif order == "interleaved":
        body = [x for k in range(unroll)
                for x in (loads[k], f"    {store} {TEMPS[k]}, {k * size}(a0)")] + bumps
    else:  # "bumps-first": the stores' offsets from the moved pointer
        body = loads + bumps + [f"    {store} {TEMPS[k]}, {k * size - step}(a0)"
                                for k in range(unroll)]
    cond = {"bne": f"bne {on}, a3, loop", "bltu": f"bltu {on}, a3, loop"}[branch]
    return f"""
    add a3, {on}, a2
    beqz a2, done
loop:
""" + "\n".join(body) + f"""
    {cond}
done:
    addi a6, a6, 1
    ebreak
"""


@pytest.mark.parametrize("load,unroll", [("lbu", 1), ("lb", 2), ("lhu", 4), ("lh", 1),
                                         ("lw", 2), ("lwu", 3), ("ld", 1), ("ld", 4),
                                         ("ld", 5)])
@pytest.mark.parametrize("order", ["loads-first", "interleaved", "bumps-first"])
@pytest.mark.parametrize("branch,on", [("bne", "a0"), ("bne", "a1"), ("bltu", "a1")])
@pytest.mark.parametrize("iterations", [3, 40, 300])
def test_copy_loops_match_the_interpreter(load, unroll, order, branch, on, iterations):
    nbytes = iterations * unroll * SIZE[load[1]]
    regs = {"a0": BUF + 8, "a1": SRC + 24, "a2": nbytes}
    vector_runs = same_as_interpreter(copy_program(load, unroll, order, branch, on), regs)
    assert vector_runs == (1 if nbytes >= 128 else 0)


@pytest.mark.parametrize("gap", [-16, -8, 0, 8, 16, 256])
def test_overlapping_copies_run_the_loop(gap):
    """A forward copy onto itself smears what it copies: only apart is it a memmove."""
    def setup(mmu):
        mmu.mem_map(BUF, 0x4000, "rw")
        mmu.mem_write(BUF, SOURCE)
    regs = {"a1": BUF + 0x1000, "a0": BUF + 0x1000 + gap, "a2": 256}
    vector_runs = same_as_interpreter(copy_program("ld", 2), regs, setup)
    assert vector_runs == (abs(gap) >= 256)


def test_an_unreadable_source_page_faults_at_the_same_load():
    def setup(mmu):
        mmu.mem_map(BUF, 0x4000, "rw")
        mmu.mem_map(SRC, 0x1000, "rw")
        mmu.mem_write(SRC, SOURCE[:0x1000])
        mmu.mem_map(SRC + 0x1000, 0x1000, "w")
    regs = {"a0": BUF, "a1": SRC + 0x800, "a2": 0x1000}
    assert same_as_interpreter(copy_program("ld", 4), regs, setup) == 0


def test_a_store_of_the_previous_iterations_value_is_not_a_copy():
    text = """
    add a3, a0, a2
    beqz a2, done
loop:
    sd t0, 0(a0)
    ld t0, 0(a1)
    addi a1, a1, 8
    addi a0, a0, 8
    bne a0, a3, loop
done:
    ebreak
"""
    regs = {"a0": BUF, "a1": SRC, "a2": 0x800, "t0": PATTERN}
    assert same_as_interpreter(text, regs) == 0


def test_libc_memset_memcpy_memmove_run_as_vector_moves():
    """tests/guest/src/memops.c: glibc's memset and memcpy loops (and loops GCC
    leaves as loops: a fill, a copy, a strlen) run as vector moves and scans at
    level 3 with vectorization on, with the output qemu-riscv64 gave and the
    interpreter's instruction count."""
    import os
    from vm_engine.linux import Machine
    guest = os.path.join(os.path.dirname(__file__), "guest")
    with open(os.path.join(guest, "expected", "memops.out"), "rb") as f:
        want = f.read()
    counts, runs = [], []
    for engine, config in (("interpreter", None),
                           ("jit", JITConfig(optimization_level=3, enable_vectorization=True)),
                           ("jit", JITConfig(optimization_level=2))):
        out = bytearray()
        m = Machine.load_elf(os.path.join(guest, "bin", "memops"), argv=["memops"], env={},
                             executor=engine, jit_config=config, stdout=out)
        assert m.run().status is ExecStatus.Exit and m.exit_code == 0 and bytes(out) == want
        counts.append(m.stats.instructions)
        runs.append(m.cpu.stats["vector_loop_runs"] if config else 0)
    assert counts[0] == counts[1] == counts[2]
    assert runs[1] >= 200 and runs[2] == 0  # 48 rounds: memsets, fill64, copy32, length


def scan_program(order: str = "load-first", cond: str = "bnez", off: int = 0) -> str:
    """Scans bytes from a0 (strlen's loop with bnez, memchr's with bne t, a2,
    a skip over a run with beq t, a2); a6 counts the exits."""
    steps = [f"    lbu t0, {off}(a0)", "    addi a0, a0, 1"]
    if order != "load-first":
        steps = [steps[1], f"    lbu t0, {off - 1}(a0)"]
    branch = {"bnez": "bnez t0, loop", "bne": "bne t0, a2, loop", "beq": "beq a2, t0, loop"}[cond]
    return "\n    mv a1, a0\n    j loop\nloop:\n" + "\n".join(steps) + f"\n    {branch}\n    addi a6, a6, 1\n" \
        "    sub a1, a0, a1\n    ebreak\n"


def scan_memory(text: bytes, at: int):
    def setup(mmu):
        mmu.mem_map(BUF, 0x4000, "rw")
        mmu.mem_write(BUF, bytes(range(1, 256)) * 64)
        mmu.mem_write(at, text)
    return setup


@pytest.fixture(params=[16, 32, 64])
def vector_width(request, monkeypatch):
    """Every width this host has (AVX-512, AVX2, SSE2), each with code compiled for it."""
    from vm_engine.jit import x86
    if request.param > x86.HOST_VECTOR:
        pytest.skip(f"the host has no {request.param}-byte vectors")
    monkeypatch.setattr(x86, "HOST_VECTOR", request.param)
    x86.CODE_CACHE.clear()
    yield request.param
    x86.CODE_CACHE.clear()


@pytest.mark.parametrize("order", ["load-first", "bump-first"])
@pytest.mark.parametrize("start,length", [(0, 0), (3, 200), (31, 5000), (0x1000 - 7, 100),
                                          (17, 0x2100)])
def test_strlen_loops_match_the_interpreter(order, start, length, vector_width):
    at = BUF + start
    setup = scan_memory(b"\x07" * length + b"\0", at)
    runs = same_as_interpreter(scan_program(order), {"a0": at}, setup)
    assert runs == 1


@pytest.mark.parametrize("cond,value,want", [("bne", ord("x"), 1), ("beq", ord(" "), 1),
                                             ("bne", 0x178, 0), ("beq", 0x120, 0)])
def test_memchr_and_skip_loops_match_the_interpreter(cond, value, want, vector_width):
    at = BUF + 5
    setup = scan_memory(b" " * 300 + b"abc x", at)
    assert same_as_interpreter(scan_program(cond=cond), {"a0": at, "a2": value}, setup) == want


def test_a_scan_into_an_unreadable_page_faults_at_the_same_load():
    def setup(mmu):
        mmu.mem_map(BUF, 0x1000, "rw")
        mmu.mem_write(BUF, b"\x01" * 0x1000)
        mmu.mem_map(BUF + 0x1000, 0x1000, "w")
    assert same_as_interpreter(scan_program(off=2), {"a0": BUF + 0x10}, setup) == 0


@pytest.mark.parametrize("budget", [2, 50, 3 * 900 + 1, 3 * 900 + 2, 3 * 5000])
def test_a_scan_longer_than_the_budget_stops_at_the_same_instruction(budget):
    setup = scan_memory(b"\x05" * 899 + b"\0", BUF + 100)
    runs = same_as_interpreter(scan_program(), {"a0": BUF + 100}, setup, max_instructions=budget)
    assert runs == (budget - 2 >= 3 * 900)  # (after mv and j)


@pytest.mark.parametrize("store,unroll", [("sb", 1), ("sd", 8)])
def test_fills_and_copies_at_every_vector_width(store, unroll, vector_width):
    regs = {"a5": BUF + 8, "a2": 0x1F00 if store == "sd" else 0x1F0F, "a4": PATTERN}
    assert same_as_interpreter(fill_program(store, unroll, "bltu" if store == "sb" else "bne"),
                               regs) == 1
    regs = {"a0": BUF + 8, "a1": SRC + 16, "a2": 0x1F08}
    assert same_as_interpreter(copy_program("ld", 1), regs) == 1


# -- random loops of the three shapes, random memory and bounds ------------------------------
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


@st.composite
def vector_loops(draw):
    """(program, registers, memory setup): a fill, copy or scan loop with a random
    shape, pointers anywhere in (or just outside) a buffer whose pages have
    random permissions, random bounds (whole iterations or not) and values."""
    kind = draw(st.sampled_from(["fill", "copy", "scan"]))
    perms = draw(st.lists(st.sampled_from(["rw", "rw", "rw", "r", "w"]), min_size=4, max_size=4))
    data = draw(st.binary(min_size=64, max_size=64)) * 256
    pointer = st.builds(lambda words, misaligned: BUF + 8 * words + misaligned,
                        st.integers(-8, 0x7E0), st.sampled_from([0, 0, 0, 0, 1, 2, 4, 6]))
    base, other = draw(pointer), draw(pointer)
    length = draw(st.one_of(st.integers(0, 300), st.integers(0, 0x4000)))
    if kind == "fill":
        store = draw(st.sampled_from(["sb", "sh", "sw", "sd"]))
        text = fill_program(store, draw(st.integers(1, 8)),
                            draw(st.sampled_from(["bltu", "bne"])))
        regs = {"a5": base, "a2": length, "a4": draw(st.integers(0, (1 << 64) - 1))}
        if "bne" in text:  # (a bound short of a whole iteration makes bne go round forever)
            size = {"sb": 1, "sh": 2, "sw": 4, "sd": 8}[store]
            regs["a2"] = length - length % (size * text.count(f"{store} a4"))
    elif kind == "copy":
        load, unroll = draw(st.sampled_from(["lbu", "lh", "lw", "ld"])), draw(st.integers(1, 5))
        text = copy_program(load, unroll,
                            draw(st.sampled_from(["loads-first", "interleaved", "bumps-first"])),
                            "bltu", draw(st.sampled_from(["a0", "a1"])))
        if draw(st.booleans()):  # whole iterations
            length -= length % (SIZE[load[1]] * unroll)
        regs = {"a0": base, "a1": other, "a2": length}
    else:
        text = scan_program(draw(st.sampled_from(["load-first", "bump-first"])),
                            draw(st.sampled_from(["bnez", "bne", "beq"])),
                            draw(st.integers(-4, 4)))
        regs = {"a0": base, "a2": draw(st.sampled_from([0, 1, data[5], 0x100 + data[6]]))}

    def setup(mmu):
        for k, perm in enumerate(perms):
            mmu.mem_map(BUF + k * 0x1000, 0x1000, "rw")
            mmu.mem_write(BUF + k * 0x1000, data[:0x1000])
            if perm != "rw":
                mmu.mem_protect(BUF + k * 0x1000, 0x1000, perm)
    return text, regs, setup


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vector_loops())
def test_random_vectorisable_loops_match_the_interpreter(loop):
    text, regs, setup = loop
    same_as_interpreter(text, regs, setup, max_instructions=200_000)
