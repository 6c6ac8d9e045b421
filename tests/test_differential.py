"""Random RV64GC programs with loops, memory accesses, floating point and
faults: every engine must agree with the interpreter on registers, memory,
fflags, instruction and memory access counts and the fault raised."""
from hypothesis import HealthCheck, given, settings, strategies as st

from vm_engine import ExecutionError, assemble
from harness import CODE, DATA, DATA_SIZE, ENGINES, load

INT_OPS = ("add sub xor or and sll srl sra slt sltu addw subw sllw srlw sraw mul mulh mulhu "
           "div divu rem remu divw remw").split()
IMM_OPS = "addi xori ori andi slti sltiu addiw slli srli srai".split()
ATOMIC_OPS = [f"{op}.{w}" for op in ("amoadd amoswap amoxor amoand amoor amomin amomax "
                                       "amominu amomaxu lr sc").split() for w in "wd"]
FP_OPS = "fadd.d fsub.d fmul.d fdiv.d fmin.d fmax.d fadd.s fmul.s".split()
REGS = ["a0", "a1", "a2", "a3", "a4", "a5", "t1", "t2", "s2", "s3"]  # s0 data, t0 loop counter
FREGS = ["fa0", "fa1", "fa2", "fa3", "ft0", "ft1"]


@st.composite
def bodies(draw, depth=0):
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["int"] * 4 + ["imm"] * 2 + ["li", "mem", "fp", "cvt", "skip",
                                                                "else"]
                                    + (["loop"] if depth == 0 else [])))
        r = lambda: draw(st.sampled_from(REGS))
        f = lambda: draw(st.sampled_from(FREGS))
        if kind == "int":
            lines.append(f"{draw(st.sampled_from(INT_OPS))} {r()}, {r()}, {r()}")
        elif kind == "imm":
            op = draw(st.sampled_from(IMM_OPS))
            imm = draw(st.integers(0, 63)) if op in ("slli", "srli", "srai") else \
                draw(st.integers(-2048, 2047))
            lines.append(f"{op} {r()}, {r()}, {imm}")
        elif kind == "li":  # a constant (folded into what uses it, known round loops)
            lines.append(f"li {r()}, {draw(st.one_of(st.integers(-40, 40), st.integers(0, (1 << 64) - 1)))}")
        elif kind == "mem":
            op = draw(st.sampled_from(["ld", "lw", "lbu", "sd", "sw", "sb", "fld", "fsd"]
                                      + ATOMIC_OPS))
            off = draw(st.integers(0, 255)) * 8
            if op in ATOMIC_OPS:  # (now and then only word-aligned, or not aligned: a fault)
                off += draw(st.sampled_from([0] * 6 + [4, 2]))
                operands = f"{r()}, (t2)" if op.startswith("lr") else f"{r()}, {r()}, (t2)"
                lines.append(f"addi t2, s0, {off}\n{op} {operands}")
            elif op.startswith("f"):
                lines.append(f"{op} {f()}, {off}(s0)")
            else:
                lines.append(f"{op} {r()}, {off}(s0)")
        elif kind == "fp":
            lines.append(f"{draw(st.sampled_from(FP_OPS))} {f()}, {f()}, {f()}")
        elif kind == "cvt":
            lines.append(draw(st.sampled_from([f"fcvt.d.l {f()}, {r()}", f"fcvt.l.d {r()}, {f()}, rtz",
                                               f"fmv.x.d {r()}, {f()}", f"feq.d {r()}, {f()}, {f()}"])))
        elif kind == "skip":  # an if: a branch forward over a few instructions
            op = draw(st.sampled_from(["beq", "bne", "blt", "bge", "bltu", "bgeu"]))
            inner = draw(bodies(depth=depth + 1)) if depth < 2 else f"addi {r()}, {r()}, 1"
            lines.append(f"{op} {r()}, {r()}, 2f\n{inner}\n2:")
        elif kind == "else":  # an if-else, the else laid out after the jump over it
            op = draw(st.sampled_from(["beq", "bne", "blt", "bge", "bltu", "bgeu"]))
            then = draw(bodies(depth=depth + 1)) if depth < 2 else f"addi {r()}, {r()}, 1"
            other = draw(bodies(depth=depth + 1)) if depth < 2 else f"xori {r()}, {r()}, 5"
            lines.append(f"{op} {r()}, {r()}, 3f\n{then}\nj 4f\n3:\n{other}\n4:")
        else:  # a counted loop around a nested body
            n = draw(st.integers(1, 30))
            inner = draw(bodies(depth=1))
            lines.append(f"li t0, {n}\n1:\n{inner}\naddi t0, t0, -1\nbnez t0, 1b")
    return "\n".join(lines)


def _labels(text: str) -> str:
    """Numeric local labels (1: with 1b, 2f with 2:, 3f with 3: and 4f with 4:)
    made unique for the assembler."""
    out, k = [], 0
    made, open_ = {"skip": 0, "else": 0}, {"skip": [], "else": [], "end": []}

    def opened(name: str) -> str:  # a new label, referred to before it is placed
        made[name] += 1
        open_[name].append(made[name])
        return f"{name}{made[name]}"
    for line in text.splitlines():
        if line == "1:":
            k += 1
            out.append(f"loop{k}:")
        elif line.endswith(", 2f"):
            out.append(line.replace("2f", opened("skip")))
        elif line == "2:":
            out.append(f"skip{open_['skip'].pop()}:")
        elif line.endswith(", 3f"):
            out.append(line.replace("3f", opened("else")))
        elif line == "j 4f":
            out.append(f"j end{open_['else'][-1]}")
        elif line == "3:":
            open_["end"].append(open_["else"].pop())
            out.append(f"else{open_['end'][-1]}:")
        elif line == "4:":
            out.append(f"end{open_['end'].pop()}:")
        else:
            out.append(line.replace("bnez t0, 1b", f"bnez t0, loop{k}"))
    return "\n".join(out)


def _run(engine, code, regs, budget=200_000):
    data = bytes(range(256)) * (DATA_SIZE // 256)
    m, cpu = load(engine, code, data)
    # jit-bg runs the program twice: the second time with the code its first run
    # queued compiled (so with installed code, not only interpreted)
    for k in range(2 if engine == "jit-bg" else 1):
        if k:
            assert cpu.wait_for_compiles(timeout=60)
            m.mem_write(DATA, data)
        for i in range(1, 32):
            cpu.reg_write(i, 0)
        for i in range(32):
            cpu.reg_write(f"f{i}", 0)
        cpu.reg_write("fcsr", 0)
        for name, value in regs.items():
            cpu.reg_write(name, value)
        start, accesses, fault = cpu.instret, cpu.memory_accesses, None
        try:
            cpu.run(pc=CODE, until=CODE + len(code), max_instructions=budget)
        except ExecutionError as e:
            fault = (e.fault.kind, e.fault.pc, e.fault.address)
    return ([cpu.reg_read(i) for i in range(32)], [cpu.reg_read(f"f{i}") for i in range(32)],
            cpu.reg_read("fcsr"), m.mem_read(DATA, DATA_SIZE), cpu.instret - start, cpu.pc,
            fault, cpu.memory_accesses - accesses)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies(), st.lists(st.integers(0, (1 << 64) - 1), min_size=len(REGS), max_size=len(REGS)),
       st.booleans(), st.one_of(st.just(200_000), st.integers(1, 400)))
def test_engines_agree_on_random_programs(body, values, fault_at_end, budget):
    """Every engine ends where the interpreter does, a budget stopping the program
    anywhere (inside a region, a loop, an accounting unit) included."""
    text = _labels(body)
    if fault_at_end:  # a load from unmapped memory: the same precise fault everywhere
        text += "\nli t2, 0x7000000\nld a0, 8(t2)"
    code = assemble(text, CODE)
    regs = dict(zip(REGS, values), s0=DATA)
    for i, f in enumerate(FREGS):
        regs[f] = values[i] ^ 0x3FF0000000000000
    reference = _run("interpreter", code, regs, budget)
    for engine in ENGINES[1:]:
        assert _run(engine, code, regs, budget) == reference, engine
