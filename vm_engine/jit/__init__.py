"""The x86-64 JIT: code generation over IR blocks (x86.py) and the JITCompiler engine."""
from .compiler import CompiledBlock, JITCompiler, jit_available

__all__ = ["CompiledBlock", "JITCompiler", "jit_available"]
