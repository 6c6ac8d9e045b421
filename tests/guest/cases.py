"""The guest programs the Linux tests run, and how: arguments, environment,
stdin. Shared by tests/test_linux.py and make_expected.py (which records the
expected output by running each case under qemu-riscv64)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "bin")
EXPECTED = os.path.join(HERE, "expected")
DEFAULT_SYSROOT = "/usr/riscv64-linux-gnu"

#: the environment every case runs with (argv[0] is the case name)
ENV = {"VMTEST": "hello world", "VMOTHER": "1", "PATH": "/usr/bin:/bin", "LC_ALL": "C"}


@dataclass
class Case:
    name: str                      # expected/NAME.out, expected/NAME.exit
    binary: str = ""               # bin/BINARY (default: name)
    args: list = field(default_factory=list)   # "{dir}" becomes a fresh temporary directory
    stdin: bytes | None = None
    dynamic: bool = False          # needs the riscv64 sysroot
    libc: bool = True              # False: RV64IM assembly, no libc (runs on the base ISA)
    stderr: bool = False           # also compare stderr (expected/NAME.err)
    env: dict | None = None        # default: ENV
    #: what records the expected output: "qemu" (qemu-riscv64), or "native": the
    #: source (src/BINARY.c) built with the host's cc and run, where qemu-user
    #: does not do what Linux does
    reference: str = "qemu"

    @property
    def environ(self) -> dict:
        return ENV if self.env is None else self.env

    @property
    def path(self) -> str:
        return os.path.join(BIN, self.binary or self.name)

    def argv(self, tmpdir: str | None = None) -> list[str]:
        return [self.name] + [a.replace("{dir}", tmpdir or "") for a in self.args]

    @property
    def needs_dir(self) -> bool:
        return any("{dir}" in a for a in self.args)

    def missing_libraries(self, sysroot: str = DEFAULT_SYSROOT) -> list[str]:
        """The shared libraries the program needs (DT_NEEDED) that are not in
        the sysroot's lib/ (libstdc++ comes with Debian's g++-riscv64-linux-gnu,
        not with gcc-riscv64-linux-gnu): [] for a static program."""
        if not self.dynamic:
            return []
        from elftools.elf.dynamic import DynamicSection
        from elftools.elf.elffile import ELFFile
        with open(self.path, "rb") as f:
            needed = [tag.needed for section in ELFFile(f).iter_sections()
                      if isinstance(section, DynamicSection)
                      for tag in section.iter_tags("DT_NEEDED")]
        return [name for name in needed
                if not os.path.exists(os.path.join(sysroot, "lib", name))]


CASES = [
    # no libc: these run on the RV64IM base
    Case("asm_hello", libc=False),
    # (one variable: qemu-riscv64 passes the environment in reverse order)
    Case("asm_args", args=["one", "two words", ""], libc=False, env={"VMTEST": "x y"}),
    Case("asm_mem", libc=False),
    Case("asm_signal", libc=False),
    Case("asm_file", args=["{dir}/asm_file.txt"], libc=False),
    # C and C++ programs (RV64GC)
    Case("hello"),
    Case("hello-dyn", dynamic=True),
    Case("printf"),
    Case("malloc"),
    Case("qsort"),
    Case("setjmp"),
    Case("fileio", args=["{dir}"]),
    Case("args", args=["3", "b c", "-x"]),
    Case("args-exit", binary="args", args=["201", "exit"]),
    Case("stdin", stdin=b"first line\nsecond\n\nlast, no newline"),
    Case("fenv"),
    Case("smc"),
    Case("memops"),
    Case("signal"),
    Case("faults", stderr=True),   # (nothing: the children die quietly, as in Linux)
    Case("timers", args=["{dir}"]),
    Case("ptimers"),
    Case("clocks", args=["2000"]),
    Case("prctl"),
    Case("hostsig"),
    Case("hostsig-repeat", binary="hostsig", args=["repeat"]),
    Case("shmem", args=["{dir}"]),
    Case("sched"),
    # (qemu-user passes no robust list to the kernel)
    Case("robust", reference="native"),
    Case("pimutex", reference="native"),   # (as robust's: its robust list)
    Case("sysv"),
    # (qemu-user has no mq_notify)
    Case("mqueue", reference="native"),
    # (qemu-user 7.2 has no openat2)
    Case("openat2", args=["{dir}"], reference="native"),
    # (qemu-user 7.2 attaches with SHM_REMAP and no address, where Linux says
    # EINVAL, has no SHM_STAT_ANY, and runs no SHM_EXEC code)
    Case("sysvshm", args=["{dir}"], reference="native"),
    # (qemu-user 7.2 gets System V's TCGETA wrong, and a child's TIOCSCTTY does
    # not make it the terminal's foreground group there)
    Case("terminals", reference="native"),
    Case("sigio", args=["{dir}"]),
    Case("fences"),
    # (qemu-user makes vfork and posix_spawn forks: their children's writes and
    # failed execs are not the parent's there)
    Case("vfork", reference="native"),
    Case("threads"),
    Case("threads-io", binary="threads_io"),
    Case("threads-sig", binary="threads_sig"),
    Case("futex-restart", binary="futex_restart"),
    Case("threads-calls", binary="threads_calls"),
    Case("threads-write", binary="threads_write"),
    Case("threads-exit", binary="threads_end", args=["exit"]),
    Case("threads-last", binary="threads_end", args=["last"]),
    Case("events"),
    Case("sockets", args=["{dir}"]),
    Case("cxx", stderr=True),
    Case("cxx-dyn", dynamic=True, stderr=True),
]
BY_NAME = {c.name: c for c in CASES}


def expected(case: Case) -> tuple[bytes, int, bytes | None]:
    """(stdout, exit status, stderr or None) recorded for ``case``; a signal
    death is recorded as 128 + the signal number."""
    with open(os.path.join(EXPECTED, case.name + ".out"), "rb") as f:
        out = f.read()
    with open(os.path.join(EXPECTED, case.name + ".exit")) as f:
        code = int(f.read().strip())
    err = None
    if case.stderr:
        with open(os.path.join(EXPECTED, case.name + ".err"), "rb") as f:
            err = f.read()
    return out, code, err
