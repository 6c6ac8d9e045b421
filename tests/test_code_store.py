"""Compiled code kept on disk (JITConfig.cache_dir, vm_engine/jit/code_store.py):
the same code in every process, taken from the store by a second run with
the same results, and a store that is damaged, foreign or full costing
nothing but its entries."""
import hashlib
import marshal
import os
import subprocess
import sys
import warnings

import pytest

from vm_engine import ExecStatus, JITConfig
from vm_engine.jit import x86
from vm_engine.jit.code_store import CodeStore, store_for
from vm_engine.linux import Machine

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "guest"))
from cases import BIN, BY_NAME, expected  # noqa: E402

# Compiles a program's regions in a fresh process, its shared code first pushed
# to another address by `arenas` code arenas made before it, and prints the
# address of its return stub and a hash of every region's key and code.
_COMPILE_ALL = """
import hashlib, marshal, sys
from vm_engine import _core, JITConfig
arenas = [_core.CodeArena(1 << 16) for _ in range(int(sys.argv[2]))]
from vm_engine.jit import x86
from vm_engine.linux import Machine
m = Machine.load_elf(sys.argv[1], argv=["qsort"], executor="jit", stdout=bytearray(),
                     jit_config=JITConfig(optimization_level=int(sys.argv[3])))
m.run()
h = hashlib.sha256()
for key in sorted(x86.CODE_CACHE, key=marshal.dumps):
    h.update(marshal.dumps(key) + x86.CODE_CACHE[key].code)
print(x86._STUBS["ret"], len(x86.CODE_CACHE), h.hexdigest())
"""


@pytest.mark.parametrize("level", [1, 2, 3])
def test_compiled_code_is_the_same_in_every_process(level, tmp_path):
    """Regions hold no host address (their shared code is reached through
    cpu->jit_stubs): two processes whose shared code lies at different
    addresses compile the same bytes."""
    outs = [subprocess.run([sys.executable, "-c", _COMPILE_ALL, os.path.join(BIN, "qsort"),
                            str(arenas), str(level)], capture_output=True, text=True,
                           check=True, cwd=tmp_path).stdout.split() for arenas in (0, 5)]
    # (cwd: the package installed, not the source tree's, which CI does not build)
    (stub_a, n_a, code_a), (stub_b, n_b, code_b) = outs
    assert stub_a != stub_b and int(n_a) > 50
    assert (n_a, code_a) == (n_b, code_b)


def _run(name: str, engine: str, cache_dir, level: int = 2, background: bool = False):
    case = BY_NAME[name]
    x86.CODE_CACHE.clear()  # (as a new process: what is not on disk is compiled)
    out = bytearray()
    m = Machine.load_elf(case.path, argv=case.argv(), env=case.environ, stdout=out,
                         stderr=bytearray(), executor=engine,
                         jit_config=JITConfig(optimization_level=level, cache_dir=cache_dir,
                                              background_compile=background))
    r = m.run(timeout=120)
    assert r.status is ExecStatus.Exit
    assert (bytes(out), m.exit_code) == expected(case)[:2]
    stats = dict(m.cpu.stats, instructions=m.stats.instructions)
    m.close()
    return stats


def _entries(directory) -> list:
    return [os.path.join(d, f) for d, _, files in os.walk(directory) for f in files]


@pytest.mark.parametrize("name", ["qsort", "printf", "cxx", "memops"])
@pytest.mark.parametrize("level", [1, 2, 3])
def test_a_second_run_takes_its_code_from_the_store(tmp_path, name, level):
    """The JIT compiling on the run thread compiles the same regions in both
    runs: the second finds every one on disk, and counts exactly as the first."""
    first = _run(name, "jit", tmp_path, level)
    assert first["code_from_store"] == 0 and first["blocks_compiled"] > 0
    assert len(_entries(tmp_path)) == first["blocks_compiled"]
    second = _run(name, "jit", tmp_path, level)
    assert second["code_from_store"] == second["blocks_compiled"] == first["blocks_compiled"]
    assert second["instructions"] == first["instructions"]
    assert second["instructions_in_compiled"] == first["instructions_in_compiled"]


@pytest.mark.parametrize("engine, background", [("jit", True), ("hybrid", True),
                                                ("hybrid", False)])
def test_background_and_hybrid_compiles_use_the_store(tmp_path, engine, background):
    _run("qsort", engine, tmp_path, background=background)
    second = _run("qsort", engine, tmp_path, background=background)
    assert second["code_from_store"] > 0


def test_without_a_cache_dir_nothing_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("VM_ENGINE_CACHE_DIR", str(tmp_path))
    assert _run("qsort", "jit", None)["code_from_store"] == 0
    assert _entries(tmp_path) == []


def test_damaged_entries_are_compiled_again(tmp_path):
    first = _run("qsort", "jit", tmp_path)
    paths = sorted(_entries(tmp_path))
    whole = [open(path, "rb").read() for path in paths]
    for k, path in enumerate(paths):  # garbage, a cut entry, another region's entry
        with open(path, "r+b") as f:
            if k % 3 == 0:
                f.write(b"\xff" * 64)
            elif k % 3 == 1:
                f.truncate(len(whole[k]) // 2)
            else:
                f.truncate(0)
                f.write(whole[k - 1])  # (whole, but for a key that is not its own)
    second = _run("qsort", "jit", tmp_path)
    assert second["code_from_store"] == 0 and second["instructions"] == first["instructions"]
    third = _run("qsort", "jit", tmp_path)  # (written again by the second)
    assert third["code_from_store"] == third["blocks_compiled"]


def test_entries_of_the_wrong_shape_are_compiled_again(tmp_path):
    """Entries that unmarshal but are not what put wrote (a field of another
    type, another level's key) are not taken."""
    first = _run("qsort", "jit", tmp_path)
    for k, path in enumerate(sorted(_entries(tmp_path))):
        with open(path, "rb") as f:
            blob, (key, fields, unguessed) = marshal.load(f)
        if k % 2:
            fields = (fields[0], str(fields[1])) + tuple(fields[2:])
        else:
            key = (key[0] ^ 1,) + tuple(key[1:])
        with open(path, "wb") as f:
            marshal.dump((blob, (key, fields, unguessed)), f)
    second = _run("qsort", "jit", tmp_path)
    assert second["code_from_store"] == 0 and second["instructions"] == first["instructions"]


def test_a_directory_others_may_write_is_not_used(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.warns(RuntimeWarning, match="not the user's own directory"):
        stats = _run("qsort", "jit", shared)
    assert stats["code_from_store"] == 0 and _entries(shared) == []


def test_a_directory_that_cannot_be_made_is_not_used(tmp_path):
    (tmp_path / "file").write_bytes(b"")
    with pytest.warns(RuntimeWarning, match="not kept"):
        assert _run("qsort", "jit", tmp_path / "file" / "store")["code_from_store"] == 0


def test_the_store_keeps_to_its_size(tmp_path):
    store = CodeStore(tmp_path, max_bytes=256 * 4096)
    value = (b"\xcc" * 3000, 1, 0, 0, 0, ((0x1000, 0x13),))
    for k in range(4000):
        store.put((2, True, 0x1000 + 4 * k, b"key"), value)
    disk = sum(os.stat(p).st_blocks * 512 for p in _entries(tmp_path))
    assert store.puts == 4000 and disk <= 256 * 4096 * 1.1
    assert store.get((2, True, 0x1000 + 4 * 3999, b"key")) == value
    assert store.get((2, True, 0x1000, b"other")) is None


def test_entries_of_another_code_generator_are_removed_when_stale(tmp_path):
    old, recent = tmp_path / "code-0123456789abcdef0123", tmp_path / "code-fedcba9876543210fedc"
    for d in (old, recent):
        (d / "ab").mkdir(parents=True)
        (d / "ab" / "entry").write_bytes(b"x")
    os.utime(old, (0, 0))
    os.chmod(tmp_path, 0o700)
    assert store_for(tmp_path).root is not None
    assert not old.exists() and recent.exists()


def test_a_forking_program_shares_the_store_with_its_children(tmp_path):
    """procs forks, execs and runs threads: its children (host processes)
    compile and keep code too, with no lock or handle crossing the fork."""
    from test_linux import PROCS_OUTPUT
    store = tmp_path / "store"
    for run in range(2):
        x86.CODE_CACHE.clear()
        with open(tmp_path / "out", "w+b") as out:
            m = Machine.load_elf(os.path.join(BIN, "procs"), argv=["procs", str(tmp_path)],
                                 stdout=out.fileno(), executor="jit",
                                 jit_config=JITConfig(cache_dir=store, background_compile=True))
            assert m.run(timeout=120).status is ExecStatus.Exit and m.exit_code == 0
            out.seek(0)
            assert out.read().decode() == PROCS_OUTPUT
        if run:
            assert m.cpu.stats["code_from_store"] > 0
        m.close()


def test_cache_dir_is_checked():
    for bad in (5, "", b"/tmp"):
        with pytest.raises(ValueError, match="cache_dir"):
            JITConfig(cache_dir=bad)


def test_the_command_line_keeps_code_unless_told_not_to(tmp_path):
    env = dict(os.environ, VM_ENGINE_CACHE_DIR=str(tmp_path / "default"))
    prog = os.path.join(BIN, "qsort")

    def run(*options):
        proc = subprocess.run([sys.executable, "-m", "vm_engine", "run", *options, prog],
                              env=env, capture_output=True, cwd=tmp_path)
        assert (proc.stdout, proc.returncode) == expected(BY_NAME["qsort"])[:2]

    run("--engine", "jit", "--no-cache-dir")
    assert not (tmp_path / "default").exists()
    run("--engine", "interpreter")
    assert not (tmp_path / "default").exists()
    # (compiling on the run's thread: in the background, a short run may end
    # before a compile does, on a busy machine)
    run("--engine", "jit", "--no-background-compile")
    assert _entries(tmp_path / "default")
    run("--engine", "hybrid", "--no-background-compile", "--cache-dir", str(tmp_path / "given"))
    # (hybrid compiles only what runs hot: qsort has some)
    assert _entries(tmp_path / "given")


def test_a_region_whose_later_blocks_changed_is_compiled_again(tmp_path):
    """An entry is found by its head block: the blocks the region runs into are
    checked against memory, and one that changed makes it compiled afresh."""
    from vm_engine import FlatMMU, assemble
    from vm_engine.jit import JITCompiler

    def run(tail: str):
        x86.CODE_CACHE.clear()
        m = FlatMMU()
        m.mem_map(0x10000, 0x1000, "rx")
        m.mem_write(0x10000, assemble("addi a0, zero, 1\nj 0x7fc", 0x10000))  # (to 0x10800)
        m.mem_write(0x10800, assemble(tail, 0x10800))
        jit = JITCompiler(JITConfig(cache_dir=tmp_path), m)
        jit.run(pc=0x10000)
        return jit.reg_read("a0"), jit.stats["code_from_store"]

    assert run("addi a0, a0, 10\naddi a0, a0, 100\nebreak") == (111, 0)
    assert run("addi a0, a0, 10\naddi a0, a0, 100\nebreak") == (111, 1)
    assert run("addi a0, a0, 20\naddi a0, a0, 100\nebreak") == (121, 0)


def test_the_default_directory_is_not_in_the_guests_home(monkeypatch, tmp_path):
    """$HOME is the guest's too (a test sets it to a scratch directory): the
    code is kept under the user's home from the password database."""
    import pwd
    from vm_engine.jit.code_store import default_dir
    monkeypatch.delenv("VM_ENGINE_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_dir() == os.path.join(pwd.getpwuid(os.getuid()).pw_dir, ".cache", "vm_engine")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_dir() == str(tmp_path / "xdg" / "vm_engine")
    monkeypatch.setenv("VM_ENGINE_CACHE_DIR", str(tmp_path / "mine"))
    assert default_dir() == str(tmp_path / "mine")


# a loop whose body runs `n` times: between Hybrid's store_probe_threshold and its
# compile_threshold, when n is 200
_PROBED_LOOP = """
    li t0, {n}
loop:
    addi a0, a0, 3
    xor a1, a1, a0
    addi t0, t0, -1
    bnez t0, loop
    ebreak
"""


def _probing_hybrid(store, n: int = 200):
    """(mmu, Hybrid compiling in the background with `store`): the loop of
    _PROBED_LOOP at CODE, not yet run."""
    from harness import CODE, load
    from vm_engine import HybridConfig, assemble
    from vm_engine.jit import JITCompiler
    mmu, _ = load("interpreter", assemble(_PROBED_LOOP.format(n=n), CODE))
    return mmu, JITCompiler(JITConfig(background_compile=True, cache_dir=store), mmu,
                            hybrid=HybridConfig(compile_threshold=1000, store_probe_threshold=32))


def _run_queueing(monkeypatch, cpu, **run):
    """cpu.run from CODE with its compile jobs queued and none taken (the next
    wait_for_compiles takes them)."""
    from harness import CODE
    from vm_engine.jit import compiler
    with monkeypatch.context() as patch:
        patch.setattr(compiler, "_compile_jobs", lambda jobs, memory_ref: None)
        assert cpu.run(pc=CODE, **run).status is ExecStatus.Ebreak
    cpu.mmu._jobs.thread = None


def test_hybrid_takes_stored_code_before_its_compile_threshold(tmp_path, monkeypatch):
    """A block that has run store_probe_threshold times is looked for in the
    store: kept there by an earlier run, its code runs from then on, though
    the block never gets hot enough to compile (a rerun of a program runs
    compiled where the first interpreted)."""
    from harness import CODE, load
    from vm_engine import HybridConfig, assemble
    from vm_engine.jit import JITCompiler
    x86.CODE_CACHE.clear()
    mmu, _ = load("interpreter", assemble(_PROBED_LOOP.format(n=200), CODE))
    # (the loop compiled as a region of its own, as a Hybrid run compiles it)
    earlier = JITCompiler(JITConfig(cache_dir=tmp_path), mmu,
                          hybrid=HybridConfig(compile_threshold=1))
    assert earlier.run(pc=CODE).status is ExecStatus.Ebreak
    assert earlier.stats["blocks_compiled"] == 1
    for stored in (True, False):
        x86.CODE_CACHE.clear()  # (as a new process)
        mmu, hybrid = _probing_hybrid(tmp_path if stored else tmp_path / "empty")
        _run_queueing(monkeypatch, hybrid)  # (each block has run 1 or 200 times)
        assert hybrid.wait_for_compiles(timeout=60)
        s = hybrid.stats
        assert (s["store_probes"], s["store_probe_hits"]) == ((1, 1) if stored else (1, 0))
        assert s["blocks_compiled"] == stored and s["code_from_store"] == stored
        for r in ("t0", "a0", "a1"):
            hybrid.reg_write(r, 0)
        assert hybrid.run(pc=CODE).status is ExecStatus.Ebreak  # (the loop's code installed)
        assert hybrid.reg_read("a0") == 600
        assert (hybrid.stats["instructions_in_compiled"] > 0) == stored


def test_a_probe_still_queued_becomes_the_compile(tmp_path, monkeypatch):
    """A block that reaches compile_threshold while its look in the store is
    still queued has one job, a compile (no second job, no look)."""
    x86.CODE_CACHE.clear()
    mmu, hybrid = _probing_hybrid(tmp_path, n=5000)
    _run_queueing(monkeypatch, hybrid)
    assert mmu._jobs.stats["queued"] == 1  # (the loop's; the block before it ran once)
    assert hybrid.wait_for_compiles(timeout=60)
    s = hybrid.stats
    assert s["store_probes"] == 0 and s["blocks_compiled"] == 1 and s["code_from_store"] == 0


def test_looking_in_the_store_stops_when_it_finds_too_little(tmp_path):
    from vm_engine.jit import compiler
    _, hybrid = _probing_hybrid(tmp_path)
    assert hybrid.probe_threshold == 32
    assert (compiler.PROBE_TRIAL, compiler.PROBE_HIT_RATIO) == (64, 8)
    for k in range(64):  # one in 4 found: it looks on
        hybrid._probed(k % 4 == 0)
    assert hybrid.probe_threshold == 32
    for _ in range(63):  # 16 of 127: more than one in 8
        hybrid._probed(False)
    assert hybrid.probe_threshold == 32
    hybrid._probed(False)  # 16 of 128
    assert hybrid.probe_threshold == 0
    assert (hybrid.stats["store_probes"], hybrid.stats["store_probe_hits"]) == (128, 16)


def test_no_store_no_early_look(tmp_path):
    from vm_engine import HybridConfig
    from vm_engine.jit import JITCompiler
    assert JITCompiler(JITConfig(background_compile=True), hybrid=HybridConfig()).probe_threshold == 0
    assert JITCompiler(JITConfig(cache_dir=tmp_path), hybrid=HybridConfig()).probe_threshold == 0
    assert JITCompiler(JITConfig(background_compile=True, cache_dir=tmp_path),
                       hybrid=HybridConfig(store_probe_threshold=0)).probe_threshold == 0
    with pytest.raises(ValueError, match="store_probe_threshold"):
        HybridConfig(store_probe_threshold=-1)
