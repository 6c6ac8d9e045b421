"""Build of vm_engine's compiled core (metadata lives in pyproject.toml)."""
import hashlib
import platform
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

CSRC = sorted(str(p) for p in Path("csrc").glob("*.c"))

extensions = [
    Extension(
        "vm_engine._core",
        sources=["vm_engine/_core.pyx", *CSRC],
        include_dirs=["csrc", numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        # the guest FPU runs on the host one: keep rounding-mode changes and every
        # operation (no contraction into FMA, no assumptions about rounding)
        extra_compile_args=["-O2", "-std=gnu11", "-fno-strict-aliasing", "-frounding-math",
                            "-ffp-contract=off", "-fno-fast-math"],
        libraries=["m"],
    ),
]

ext_modules = cythonize(extensions, language_level=3,
                        compiler_directives={"boundscheck": False, "wraparound": False})

# The JIT's code generator (plain Python) compiled by Cython as it is: the same
# module, its per-instruction work ~25 % faster (cold runs are compile-bound);
# x86.pxd, beside it, makes its assembler and region state extension types and
# its per-instruction emitters C functions (20 % fewer instructions compiling).
# Python's semantics: negative indices wrap, annotations are not C types
# (annotation_typing off: a `float` one would be a C double). -O1: -O2/-O3
# build 2-4x longer for no measurable gain. Only where the JIT runs.
PY_MODULES = {"vm_engine.jit.x86": "vm_engine/jit/x86.py"}
if platform.machine().lower() in ("x86_64", "amd64"):
    ext_modules += cythonize(
        [Extension(name, sources=[source], extra_compile_args=["-O1", "-g0"])
         for name, source in PY_MODULES.items()],
        language_level=3, compiler_directives={"annotation_typing": False})


class BuildExt(build_ext):
    """build_ext that also writes, beside each module built from a .py source,
    the SHA-256 of that source (NAME.py.sha256): vm_engine.jit imports the
    source in the built module's place when they differ (an edit not built yet)."""

    def run(self):
        super().run()
        built = {ext.name for ext in self.extensions}
        for name, source in PY_MODULES.items():
            if name not in built:
                continue
            record = f"{Path(source).name}.sha256"
            digest = hashlib.sha256(Path(source).read_bytes()).hexdigest() + "\n"
            # (in the build tree, for wheels; in the source tree too for --inplace)
            for where in [Path(self.build_lib)] + ([Path(".")] if self.inplace else []):
                (where / Path(source).parent / record).write_text(digest)


setup(ext_modules=ext_modules, cmdclass={"build_ext": BuildExt})
