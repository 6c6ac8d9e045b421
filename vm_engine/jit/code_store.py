"""CodeStore: compiled regions kept on disk, so that a program run again (or
another sharing its libraries, its loader) finds its code compiled, as
Rosetta 2 and FEX-Emu keep their translations.

A region's code holds no host address (x86.py: shared code is reached
through cpu->jit_stubs). An entry is found by the region's head block (its
pc, IR and the compile's options) and holds, with the code, every guest byte
the region was compiled from, which x86.compile_ir checks against memory
before it takes the code: so it is right for any process whose code
generator is this one. The entries are kept under a
fingerprint of what decides the code (the generator's and the instruction
table's sources, the C core, iced-x86, the host CPU's features, the Python),
so an upgrade or another host starts afresh.

One file per entry, as ccache keeps its objects: written under a temporary
name and renamed, so processes (and a forked child, and the compiler thread)
share the store with no lock and no open handle; an entry read whole is
whole. Each of the 256 subdirectories keeps to its share of ``max_bytes`` of
disk, its least recently used entries removed past it.

The code is run as it comes from the files: the directory must be the
user's own (not writable by others), as it is made; one that is not is not
used. Any trouble with a file (a full disk, a damaged entry) costs only
that entry: compiling goes on as without it.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings

#: bytes of entries kept by default; each subdirectory keeps to 1/256 of it
MAX_BYTES = 256 << 20
#: entries of other fingerprints (other versions, hosts) unused this long are removed
STALE_SECONDS = 7 * 24 * 3600
_FANOUT = 256


def default_dir() -> str:
    """$VM_ENGINE_CACHE_DIR, else $XDG_CACHE_HOME/vm_engine, else .cache/vm_engine
    in the user's home directory, the password database's (not $HOME's: the
    guest gets the same environment, and a run with HOME set to a directory
    of its own should not find the cache there)."""
    d = os.environ.get("VM_ENGINE_CACHE_DIR")
    if d:
        return d
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            import pwd
            home = pwd.getpwuid(os.getuid()).pw_dir
        except (ImportError, KeyError):
            home = os.path.expanduser("~")
        base = os.path.join(home, ".cache")
    return os.path.join(base, "vm_engine")


_FINGERPRINT = None


def fingerprint() -> str:
    """What decides compiled code, hashed (once per process)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import importlib.util

        from .. import _core, ir
        from .host import HOST_FLAGS
        # (the instruction table's source, the table not built)
        table_source = importlib.util.find_spec("vm_engine.isa.table").origin
        h = hashlib.sha256()
        # (nothing imported that only compiling needs: a run that compiles in
        # the background starts 20 ms sooner, its compiler thread importing
        # them.) The generator's source decides its code, run as it is or built
        # by Cython from it (else the source is used: vm_engine.jit).
        for path in (os.path.join(os.path.dirname(__file__), "x86.py"), table_source,
                     ir.__file__):
            with open(path, "rb") as f:
                h.update(f.read())
        iced = importlib.util.find_spec("iced_x86").submodule_search_locations[0]
        builds = [_core.__file__] + [os.path.join(iced, name) for name in sorted(os.listdir(iced))
                                     if name.endswith(".so")]
        for path in builds:  # (builds: size and time are enough)
            st = os.stat(path)
            h.update(f"{os.path.basename(path)} {st.st_size} {st.st_mtime_ns}".encode())
        h.update(" ".join(sorted(HOST_FLAGS)).encode())
        h.update(f"{sys.version} {marshal.version}".encode())
        _FINGERPRINT = h.hexdigest()[:20]
    return _FINGERPRINT


class CodeStore:
    """``get(key)`` / ``put(key, value)`` for x86.compile_ir, over the files
    under ``directory`` (made if missing). ``hits``, ``puts``: entries used
    and written by this process; ``problem``: why the store is not used, if
    it is not (it was said once, as a RuntimeWarning)."""

    def __init__(self, directory, max_bytes: int = MAX_BYTES):
        self.directory = os.fspath(directory)
        self.max_bytes = max_bytes
        self.hits = self.puts = 0
        self.problem = None
        self._root = None   # directory/code-<fingerprint>, once checked
        self._written = [0] * _FANOUT  # bytes put in each subdirectory since it was trimmed

    def __repr__(self):
        return f"CodeStore({self.directory!r})"

    @property
    def root(self) -> str | None:
        """The directory of this code generator's entries, or None (problem)."""
        if self._root is None and self.problem is None:
            try:
                self._root = self._open()
            except OSError as e:
                self.problem = str(e)
                warnings.warn(f"vm_engine: compiled code is not kept in {self.directory}: {e}",
                              RuntimeWarning, stacklevel=3)
        return self._root

    def get(self, key):
        """What was put under key, or None (also for an entry damaged, cut or
        another key's). The caller counts `hits`: what it can use of it."""
        root = self.root
        if root is None:
            return None
        blob, path = self._path(root, key)
        try:
            with open(path, "rb") as f:
                stored_key, value = marshal.loads(f.read())
        except (OSError, ValueError, EOFError, TypeError):
            return None  # (missing, or damaged: written over when compiled again)
        if stored_key != blob:
            return None
        try:
            os.utime(path)  # (recently used: kept when the subdirectory is trimmed)
        except OSError:
            pass
        return value

    def put(self, key, value) -> None:
        """Keeps value (what marshal takes) under key, a tuple of the same."""
        root = self.root
        if root is None:
            return
        blob, path = self._path(root, key)
        sub = os.path.dirname(path)
        data = marshal.dumps((blob, value))
        try:
            os.makedirs(sub, mode=0o700, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=sub, prefix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            return  # (a full disk, say: this entry is not kept)
        self.puts += 1
        n = int(os.path.basename(sub), 16)
        self._written[n] += _disk_bytes(len(data))
        if self._written[n] > self.max_bytes // _FANOUT // 4:  # (may be over: look)
            self._written[n] = 0
            _trim(sub, self.max_bytes // _FANOUT)

    def _path(self, root: str, key) -> tuple:
        blob = marshal.dumps(key)
        name = hashlib.blake2b(blob, digest_size=20).hexdigest()
        return blob, os.path.join(root, name[:2], name[2:])

    def _open(self) -> str:
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        st = os.stat(self.directory)
        if st.st_uid != os.getuid() or st.st_mode & 0o022:
            raise OSError(f"{self.directory} is not the user's own directory "
                          f"(writable by others: the code kept there would run as this user)")
        root = os.path.join(self.directory, f"code-{fingerprint()}")
        os.makedirs(root, mode=0o700, exist_ok=True)
        os.utime(root)  # (in use: not stale)
        _remove_stale(self.directory, root)
        return root


def _disk_bytes(size: int) -> int:
    """What a file of `size` bytes takes on disk (whole 4 KiB blocks: an entry
    is 1 KiB on average, and the disk is what the limit is for)."""
    return (size + 4095) & ~4095


def _trim(sub: str, limit: int) -> None:
    """The subdirectory's oldest entries removed until they take at most 3/4 of
    `limit` bytes of disk, when they take more than `limit`."""
    try:
        entries = []
        for e in os.scandir(sub):
            st = e.stat()
            entries.append((st.st_mtime, _disk_bytes(st.st_size), e.path))
    except OSError:
        return
    total = sum(size for _, size, _ in entries)
    if total <= limit:
        return
    for _, size, path in sorted(entries):
        try:
            os.unlink(path)
        except OSError:
            pass
        total -= size
        if total <= limit * 3 // 4:
            return


def _remove_stale(directory: str, keep: str) -> None:
    """Entries of other fingerprints not used for STALE_SECONDS."""
    now = time.time()
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        path = os.path.join(directory, name)
        if name.startswith("code-") and path != keep:
            try:
                if now - os.stat(path).st_mtime > STALE_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass


_STORES: dict = {}
_STORES_LOCK = threading.Lock()


def store_for(directory) -> CodeStore:
    """The process's CodeStore for a directory (one per directory)."""
    key = os.path.abspath(os.fspath(directory))
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = _STORES[key] = CodeStore(key)
        return store
