"""The system-call fuzzer (syscall_fuzz.py): every handler not denied, called
with generated arguments in child processes (sandboxed: namespaces of their
own, read-only mounts), must give a result or an errno, never an exception,
nor a crash of the host process, nor a wait a stop of the run cannot end.
What it found is tested one call at a time in test_linux.py (the section
"what the system-call fuzzer found")."""
from __future__ import annotations

import time

import struct

import pytest

import syscall_fuzz as fz

#: examples per syscall in the suite's run (derandomized: the same ones each
#: time); `python tests/syscall_fuzz.py --examples 2000 --seed N` runs longer
EXAMPLES = 25


def test_syscalls_survive_fuzzed_arguments():
    t0 = time.monotonic()
    failures, outcomes = fz.run_in_subprocess(None, EXAMPLES, jobs=2, timeout=900)
    assert not failures, f"{len(failures)} failure(s):\n\n" + "\n\n".join(failures)
    # (every syscall ran its examples, and many got further than an error)
    assert len(outcomes) > 150, sorted(outcomes)
    assert sum(1 for o in outcomes.values() if "ok" in o) > 100
    print(f"fuzzed {len(outcomes)} syscalls in {time.monotonic() - t0:.1f} s")


def _ptr(content: bytes) -> tuple:
    return ("ptr", "scratch", 0, content)


@pytest.mark.parametrize("name, args", [
    ("openat", [fz.AT_FDCWD, _ptr(b"/etc/passwd\0"), 0o1000 | 1, 0]),
    ("openat", [fz.AT_FDCWD, _ptr(b"../escape\0"), 0o100 | 1, 0o600]),
    ("fchmodat", [fz.fd("dir"), _ptr(b"sub/../../x\0"), 0o777, 0]),
    ("openat2", [fz.AT_FDCWD, _ptr(b"dir/../../x\0"), _ptr(struct.pack("<QQQ", 0o101, 0o600, 0)),
                 24]),
    ("inotify_add_watch", [fz.fd("inotify"), _ptr(b"/\0"), 0xFFF]),
    ("statfs", [_ptr(b"/tmp/\0"), _ptr(b"")]),
    ("connect", [fz.fd("sock_a"), _ptr(b"\1\0/run/x.sock\0"), 16]),
])
def test_the_fuzzer_keeps_to_its_directory(tmp_path, name, args):
    """A path or AF_UNIX address outside the example's directory is never used
    (the example is dropped), namespaces or not."""
    args = [a if isinstance(a, tuple) else ("int", a) for a in args]
    with pytest.raises(fz.Unsafe):
        fz.run_example(name, (0, None, tuple(args)), str(tmp_path), sandboxed=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
