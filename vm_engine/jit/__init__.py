"""The x86-64 JIT: code generation over IR blocks (x86.py) and the JITCompiler engine."""
import hashlib
import importlib.machinery
import importlib.util
import os
import sys


def _built_from(source: str, record: str) -> bool:
    """Whether `record` (setup.py's BuildExt writes it beside a module it builds
    from a .py source) holds the SHA-256 of `source` as it is now."""
    try:
        with open(source, "rb") as f, open(record) as r:
            return hashlib.sha256(f.read()).hexdigest() == r.read().strip()
    except OSError:
        return False


def _source_when_stale(name: str) -> None:
    """x86.py is also built by Cython into an extension module of the same name
    (setup.py), which Python imports in its place. When that build is not of
    the source as it is now (edited since), the source is what ``import`` gives
    instead (run when first used, as the extension module would be: it imports
    iced-x86, which only the JIT needs)."""
    here = os.path.dirname(__file__)
    source = os.path.join(here, f"{name}.py")
    built = any(os.path.exists(os.path.join(here, name + suffix))
                for suffix in importlib.machinery.EXTENSION_SUFFIXES)
    if not built or _built_from(source, f"{source}.sha256"):
        return
    spec = importlib.util.spec_from_file_location(f"{__name__}.{name}", source)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)


_source_when_stale("x86")

from .compiler import CompiledBlock, JITCompiler, jit_available  # noqa: E402

__all__ = ["CompiledBlock", "JITCompiler", "jit_available"]
