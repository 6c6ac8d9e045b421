"""Build of vm_engine's compiled core (metadata lives in pyproject.toml)."""
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

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

setup(ext_modules=cythonize(extensions, language_level=3,
                            compiler_directives={"boundscheck": False, "wraparound": False}))
