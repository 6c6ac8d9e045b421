"""JITCompiler: compiles IR blocks to x86-64 and runs guest code with them.

It is an engine like Interpreter (it owns guest registers, ``run`` executes
from guest memory) whose run loop compiles each block on first execution;
compiled code and the interpreter share the cpu state and memory, so every
instruction without an emitter simply runs interpreted.
"""
from __future__ import annotations

import platform
import sys
import time
from dataclasses import dataclass

import numpy as np

from .. import _core
from ..errors import JITUnavailableError, VmError
from ..interpreter import Interpreter
from ..ir import IR_DTYPE, IRBlock
from ..types import ExecResult, JITConfig


def jit_available() -> bool:
    """True on x86-64 Linux with iced-x86 installed (the package depends on it there)."""
    import importlib.util
    return (platform.machine().lower() in ("x86_64", "amd64") and sys.platform.startswith("linux")
            and importlib.util.find_spec("iced_x86") is not None)


@dataclass
class CompiledBlock:
    """Host code for a block: ``covered`` of its instructions are compiled (the
    rest, if any, run interpreted)."""

    block: IRBlock
    start_pc: int
    code: bytes
    address: int
    covered: int
    n_mem: int
    compile_time: float
    ir: np.ndarray = None  # the IR the code was compiled from (helpers read it)

    def listing(self) -> str:
        """Guest instructions beside the host code."""
        lines = [f"; guest block at {self.start_pc:#x}: {len(self.block)} instructions, "
                 f"{self.covered} compiled, {len(self.code)} bytes of x86-64"]
        pc = self.start_pc
        for insn in self.block.instructions:
            lines.append(f";   {pc:#010x}  {insn.disassemble(pc=pc)}")
            pc += insn.length
        from . import x86
        lines += x86.disassemble(self.code, self.address)
        return "\n".join(lines)

    __str__ = listing


class JITCompiler(Interpreter):
    """``JITCompiler(config)``: compile_block / execute_compiled as the reference
    has them, and ``run`` like Interpreter.run with blocks compiled as they are
    first executed (compile threshold 0)."""

    def __init__(self, config: JITConfig | None = None, mmu=None, compile_threshold: int = 0):
        if not jit_available():
            raise JITUnavailableError(
                f"the JIT emits x86-64 code for Linux and needs iced-x86; this host is "
                f"{platform.machine()} {sys.platform}: use ExecutorType.Interpreter")
        super().__init__(mmu)
        self.config = config if config is not None else JITConfig()
        self.config.validate()
        self.compile_threshold = compile_threshold
        self.stats = {"blocks_compiled": 0, "instructions_compiled": 0, "compile_time": 0.0,
                      "code_bytes": 0, "evictions": 0}
        self._arena = None  # for compile_block's code (the run loop uses the memory's)
        self.dump_file = None  # a text file: every compiled block is listed there

    # -- the run loop's hook -------------------------------------------------------
    def compile_ir(self, ir_bytes: bytes, pc: int, chain_addr: int = 0, ir_addr: int = 0):
        from . import x86
        t0 = time.perf_counter()
        res = x86.compile_ir(ir_bytes, pc, self.config.optimization_level, chain_addr, ir_addr)
        self.stats["compile_time"] += time.perf_counter() - t0
        if res is not None:
            self.stats["blocks_compiled"] += 1
            self.stats["instructions_compiled"] += res[1]
            self.stats["code_bytes"] += len(res[0])
            if self.dump_file is not None:
                self._dump(ir_bytes, pc, res, x86)
        return res

    def _dump(self, ir_bytes: bytes, pc: int, res, x86) -> None:
        from ..isa.instruction import Instruction
        code, covered = res[0], res[1]
        ir = np.frombuffer(ir_bytes, dtype=IR_DTYPE)
        lines = [f"; block {pc:#x}: {covered} of {len(ir) - 1} instructions compiled "
                 f"(level {self.config.optimization_level}), {len(code)} bytes"]
        for e in ir[:covered]:
            insn_pc = pc + int(e["pc_off"])
            text = Instruction.decode(int(e["raw"])).disassemble(pc=insn_pc)
            lines.append(f";   {insn_pc:#010x}  {text}")
        lines += x86.disassemble(code, 0)
        self.dump_file.write("\n".join(lines) + "\n\n")

    def _evicted(self):
        self.stats["evictions"] += 1

    def _execute(self, memory, **kwargs) -> ExecResult:
        if "ir" not in kwargs:
            kwargs.update(compiler=self, compile_threshold=self.compile_threshold)
        return super()._execute(memory, **kwargs)

    # -- the reference API ----------------------------------------------------------
    def compile_block(self, block: IRBlock) -> CompiledBlock:
        """Compiles ``block`` (at its start_pc, 0 if None) into executable memory."""
        pc = block.start_pc or 0
        lowered = block.lower(pc)
        # the IR stays alive with the CompiledBlock: helper calls point into it
        ir = np.frombuffer(lowered.tobytes() + _closing_entry(lowered), dtype=IR_DTYPE)
        from . import x86
        t0 = time.perf_counter()
        res = x86.compile_ir(ir.tobytes(), pc, self.config.optimization_level, 0,
                             ir.ctypes.data)
        elapsed = time.perf_counter() - t0
        if res is None:
            return CompiledBlock(block, pc, b"", 0, 0, 0, elapsed, ir)
        code, covered, n_mem, _, _ = res
        if self._arena is None:
            self._arena = _core.CodeArena(self.config.code_cache_size)
        address = self._arena.install(code)
        if address is None:  # full: start the arena again (older CompiledBlocks are void)
            self._arena.reset()
            self.stats["evictions"] += 1
            address = self._arena.install(code)
            if address is None:
                raise VmError(f"a {len(code)}-byte block does not fit in code_cache_size")
        return CompiledBlock(block, pc, code, address, covered, n_mem, elapsed, ir)

    def execute_compiled(self, compiled: CompiledBlock, mmu=None) -> ExecResult:
        """Runs a compiled block once from its start pc (a taken branch ends it;
        instructions past the compiled part, if any, run interpreted)."""
        memory = self._memory(mmu)
        jit = (compiled.address, compiled.covered, compiled.n_mem) if compiled.covered else None
        return self._execute(memory, ir=compiled.block.lower(compiled.start_pc),
                             block_pc=compiled.start_pc, jit=jit)


def _closing_entry(ir) -> bytes:
    """The VM_OP_BLOCK_END entry the C decoder puts after a block's IR."""
    end = np.zeros(1, dtype=IR_DTYPE)
    end[0]["op"] = len(_core.op_names())
    end[0]["pc_off"] = int(ir[-1]["pc_off"]) + int(ir[-1]["len"]) if len(ir) else 0
    return end.tobytes()
