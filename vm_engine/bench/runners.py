"""The ways ``vm-engine bench`` runs a program: vm_engine's engines (in this
process), the same C source built natively with the host's compiler,
qemu-riscv64 and Unicorn. Each runner reports the program's stdout, exit code
and wall time; engines add guest instruction counts and JIT statistics.

Timing: a native or qemu run is a child process, timed from its start to its
exit (process creation included); an engine run is timed from loading the ELF
to the program's exit, in this process, and a Unicorn run the same way inside
its Python child process (Python's own start-up excluded).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import VmError
from .workloads import Program, compile_flags, makefile_words

ENGINES = ("interpreter", "jit", "hybrid")        # what --engines accepts
COMPARE = ("native", "qemu", "unicorn")           # what --compare accepts


@dataclass
class RunOutput:
    """One run of one program."""
    stdout: bytes
    exit_code: int | None
    seconds: float
    error: str | None = None             # the run did not complete: why
    instructions: int | None = None      # guest instructions (engines)
    compile_s: float | None = None       # JIT: seconds spent compiling
    code_bytes: int | None = None        # JIT: host code generated
    blocks_compiled: int | None = None   # JIT: blocks compiled
    instructions_compiled: int | None = None  # JIT: guest instructions compiled (regions'
    #                                           blocks each time they are compiled)


class Unavailable(Exception):
    """The runner cannot run at all here (qemu not installed, no JIT, ...)."""


class Skip(Exception):
    """The runner cannot run this program (no C source for a native build, ...)."""


class Runner:
    name = "?"
    kind = "?"        # "engine", "native", "qemu", "unicorn"

    def check(self) -> None:
        """Raises Unavailable (with the reason) if this runner cannot run here."""

    def version(self) -> str | None:
        """What the runner is (compiler / emulator version), for the report."""
        return None

    def prepare(self, program: Program) -> None:
        """Gets ready to run ``program`` (a native build); raises Skip if it cannot."""

    def run(self, program: Program, timeout: float | None) -> RunOutput:
        raise NotImplementedError


# -- lookups (module level, so that tests can simulate a host without them) ----------------
def find_qemu() -> str | None:
    return shutil.which("qemu-riscv64")


def find_cc() -> str | None:
    cc = os.environ.get("CC")
    if cc:
        return shutil.which(cc)
    return shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


def import_unicorn():
    import unicorn
    return unicorn


def jit_available() -> bool:
    from ..jit import jit_available as available
    return available()


def first_line(cmd: list[str]) -> str | None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[0].strip() if lines else None


# -- vm_engine's engines --------------------------------------------------------------------
class EngineRunner(Runner):
    """An engine of this package: the interpreter, the JIT or Hybrid at an
    optimisation level, running the program in this process."""
    kind = "engine"

    def __init__(self, engine: str, level: int | None = None, background: bool = True,
                 stored: bool = False):
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}")
        self.engine = engine
        self.background = background  # JITConfig.background_compile
        self.level = None if engine == "interpreter" else (2 if level is None else level)
        self.name = engine if self.level is None else f"{engine}-L{self.level}"
        # stored: compiled code kept on disk from one run to the next (JITConfig.cache_dir),
        # in a directory of its own that its first run (the warm-up) fills
        self.store_dir = None
        if stored and self.level is not None:
            self.store_dir = tempfile.TemporaryDirectory(prefix="vm-engine-bench-")
            self.name += "+stored"

    def check(self) -> None:
        if self.level is not None and not jit_available():
            raise Unavailable("the JIT needs an x86-64 Linux host with iced-x86; "
                              "not available here")

    def version(self) -> str:
        from .. import __version__
        return f"vm_engine {__version__}"

    def run(self, program: Program, timeout: float | None) -> RunOutput:
        from ..linux.machine import Machine
        from ..types import ExecStatus, JITConfig
        out, err = bytearray(), bytearray()
        config = None if self.level is None else \
            JITConfig(optimization_level=self.level, enable_vectorization=self.level == 3,
                      background_compile=self.background,
                      cache_dir=self.store_dir.name if self.store_dir else None)
        if self.level is not None:  # every run compiles from scratch, as qemu's runs do
            from ..jit import x86    # (not from the process's cache of compiled code; a
            x86.CODE_CACHE.clear()   # +stored runner's from the disk, as a process run again)
        t0 = time.perf_counter()
        try:
            m = Machine.load_elf(program.elf, argv=program.argv, executor=self.engine,
                                 jit_config=config, stdin=b"", stdout=out, stderr=err,
                                 sysroot=program.sysroot)
        except VmError as e:
            return RunOutput(bytes(out), None, time.perf_counter() - t0, error=str(e))
        try:
            r = m.run(timeout=timeout)
            seconds = time.perf_counter() - t0
        except VmError as e:
            return RunOutput(bytes(out), None, time.perf_counter() - t0,
                             error=f"{type(e).__name__}: {e}",
                             instructions=m.stats.instructions)
        finally:
            m.close()
        result = RunOutput(bytes(out), m.exit_code, seconds, instructions=m.stats.instructions)
        if r.status is not ExecStatus.Exit:
            result.error = (f"did not finish within the {timeout:g} s time limit"
                            if timeout else f"stopped ({r.status.name})")
        stats = getattr(m.cpu, "stats", None)
        if isinstance(stats, dict):
            result.compile_s = stats.get("compile_time")
            result.code_bytes = stats.get("code_bytes")
            result.blocks_compiled = stats.get("blocks_compiled")
            result.instructions_compiled = stats.get("instructions_compiled")
        return result


# -- child processes: native builds and qemu -----------------------------------------------
def run_process(cmd: list[str], argv0: str | None, timeout: float | None) -> RunOutput:
    """Runs ``cmd`` (with argv[0] replaced by ``argv0``), timing it from
    process creation to exit."""
    executable = cmd[0]
    args = [argv0, *cmd[1:]] if argv0 else cmd
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(args, executable=executable, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return RunOutput(e.stdout or b"", None, time.perf_counter() - t0,
                         error=f"did not finish within the {timeout:g} s time limit")
    except OSError as e:
        return RunOutput(b"", None, time.perf_counter() - t0, error=f"cannot run: {e}")
    seconds = time.perf_counter() - t0
    code = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
    return RunOutput(proc.stdout, code, seconds)


def cache_dir() -> Path:
    """Where native builds are kept: $XDG_CACHE_HOME/vm_engine/native (default
    ~/.cache/vm_engine/native)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vm_engine" / "native"


class NativeRunner(Runner):
    """The bundled workload's C source compiled for the host with its C compiler
    (``cc``, or $CC) and the flags the riscv64 builds use; builds are cached,
    keyed by compiler, flags and source."""
    kind = "native"
    name = "native"

    def __init__(self):
        self.cc: str | None = None
        self._version: str | None = None
        self._exe: dict[str, str] = {}

    def check(self) -> None:
        self.cc = find_cc()
        if self.cc is None:
            raise Unavailable("no host C compiler (cc, or $CC) found")
        self._version = first_line([self.cc, "--version"]) or self.cc

    def version(self) -> str | None:
        return self._version

    def prepare(self, program: Program) -> None:
        if program.source is None:
            raise Skip("no C source (only the bundled workloads are built natively)")
        if program.source in self._exe:
            return
        flags, libs = compile_flags(), makefile_words("LDLIBS")
        source = Path(program.source).read_bytes()
        what = "\0".join([os.path.realpath(self.cc), self._version or "", *flags, *libs])
        key = hashlib.sha256(what.encode() + b"\0" + source).hexdigest()[:16]
        exe = cache_dir() / key / program.name
        if not exe.exists():
            exe.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=exe.parent, prefix=f".{program.name}.")
            os.close(fd)
            cmd = [self.cc, *flags, "-o", tmp, program.source, *libs]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                                      stdin=subprocess.DEVNULL)
            except (OSError, subprocess.SubprocessError) as e:
                os.unlink(tmp)
                raise Skip(f"native build failed: {e}") from None
            if proc.returncode != 0:
                os.unlink(tmp)
                msg = (proc.stderr.strip().splitlines() or ["(no message)"])[0]
                raise Skip(f"native build failed ({' '.join(cmd[:2])} ...): {msg}")
            os.replace(tmp, exe)
        self._exe[program.source] = str(exe)

    def run(self, program: Program, timeout: float | None) -> RunOutput:
        return run_process([self._exe[program.source], *program.args], program.name, timeout)


class QemuRunner(Runner):
    """qemu-riscv64 (QEMU's Linux user mode) running the riscv64 ELF."""
    kind = "qemu"
    name = "qemu"

    def __init__(self):
        self.path: str | None = None
        self._version: str | None = None

    def check(self) -> None:
        self.path = find_qemu()
        if self.path is None:
            raise Unavailable("qemu-riscv64 not found on PATH")
        self._version = first_line([self.path, "--version"])

    def version(self) -> str | None:
        return self._version

    def run(self, program: Program, timeout: float | None) -> RunOutput:
        # -0: the same argv[0] the other runners give the program
        sysroot = ["-L", program.sysroot] if program.sysroot else []
        return run_process([self.path, *sysroot, "-0", program.name, program.elf,
                            *program.args], None, timeout)


class UnicornRunner(Runner):
    """Unicorn (QEMU's CPU emulator as a library) running the ELF, its system
    calls served by vm_engine's Linux layer, in a Python child process
    (:func:`vm_engine.bench.unicorn_linux.main`) that times the run itself
    from loading the ELF to the exit, as the engines' runs are timed: Unicorn's
    read-write-execute code buffer stays out of this process, and a crash in
    it fails one run, not the benchmark."""
    kind = "unicorn"
    name = "unicorn"

    def __init__(self):
        self._version: str | None = None

    def check(self) -> None:
        try:
            self._version = f"unicorn {import_unicorn().__version__}"
        except ImportError as e:
            raise Unavailable(f"Unicorn is not installed (pip install unicorn): {e}") from None

    def version(self) -> str | None:
        return self._version

    def run(self, program: Program, timeout: float | None) -> RunOutput:
        import json
        import sys
        # this very vm_engine first on the child's path (before its working
        # directory, which may hold another checkout), the working directory kept
        package_root = str(Path(__file__).resolve().parents[2])
        code = (f"import sys; sys.path.insert(0, {package_root!r}); "
                "from vm_engine.bench.unicorn_linux import main; sys.exit(main(sys.argv[1:]))")
        with tempfile.TemporaryDirectory(prefix="vm_engine-unicorn-") as tmp:
            report = os.path.join(tmp, "report.json")
            cmd = [sys.executable, "-c", code, "--report", report, "--argv0", program.name]
            cmd += ["--sysroot", program.sysroot] if program.sysroot else []
            cmd += ["--timeout", str(timeout)] if timeout else []
            t0 = time.perf_counter()
            try:
                proc = subprocess.run([*cmd, program.elf, *program.args],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE,
                                      timeout=None if timeout is None else timeout + 60)
            except subprocess.TimeoutExpired:
                return RunOutput(b"", None, time.perf_counter() - t0,
                                 error=f"did not finish within the {timeout:g} s time limit")
            try:
                with open(report, encoding="utf-8") as f:
                    outcome = json.load(f)
            except (OSError, ValueError):
                tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
                return RunOutput(proc.stdout, None, time.perf_counter() - t0,
                                 error=f"the Unicorn process ended with status "
                                       f"{proc.returncode} without a result"
                                       + (f": {tail[0]}" if tail else ""))
        return RunOutput(proc.stdout, outcome["exit_code"], outcome["seconds"],
                         error=outcome["error"])


def make_runners(engines: list[str], levels: list[int], compare: list[str],
                 background: bool = True, stored: bool = False):
    """The runners for a benchmark, in reporting order (native, qemu, unicorn,
    then the engines; jit and hybrid once per optimisation level, compiling in
    the background or not, and with `stored` once more keeping their code on
    disk between runs), and the ones that cannot run here as [(name, reason)]."""
    wanted: list[Runner] = []
    factories = {"native": NativeRunner, "qemu": QemuRunner, "unicorn": UnicornRunner}
    wanted += [factories[c]() for c in COMPARE if c in compare]
    for engine in ENGINES:
        if engine not in engines:
            continue
        if engine == "interpreter":
            wanted.append(EngineRunner(engine))
        else:
            wanted += [EngineRunner(engine, level, background) for level in levels]
            if stored:
                wanted += [EngineRunner(engine, level, background, stored=True)
                           for level in levels]
    runners, unavailable = [], []
    for r in wanted:
        try:
            r.check()
        except Unavailable as e:
            unavailable.append((r.name, str(e)))
        else:
            runners.append(r)
    return runners, unavailable
