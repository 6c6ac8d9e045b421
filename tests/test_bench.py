"""vm-engine bench: the harness's own logic (workload lookup, output checking,
unavailable runners, JSON, chart), with tiny sizes and no timing assertions."""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from vm_engine import cli
from vm_engine.bench import harness, report, runners, workloads
from vm_engine.bench.cli import parse_levels, parse_list
from vm_engine.bench.runners import RunOutput
from vm_engine.bench.workloads import BenchError, Program

GUEST = Path(__file__).parent / "guest" / "bin"
TINY = ["sieve 1000 1", "nbody 20"]       # one integer, one floating-point workload
FAST = ["--repeat", "1", "--warmup", "0", "--no-progress"]


@pytest.fixture(autouse=True)
def native_cache(tmp_path, monkeypatch):
    """Native builds go to a fresh cache per test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def bench(*argv) -> int:
    return cli.main(["bench", *argv])


# -- the bundled workloads ---------------------------------------------------------------------
def test_every_workload_ships_its_source_and_a_riscv64_elf():
    from vm_engine.linux.elf import read_elf
    d = workloads.programs_dir()
    assert len(workloads.WORKLOADS) >= 8
    assert {"integer", "float", "libc", "memory", "mixed"} <= {
        w.category for w in workloads.WORKLOADS.values()}
    for name in workloads.WORKLOADS:
        assert (d / f"{name}.c").is_file()
        elf = read_elf(str(d / "bin" / name))   # raises unless a riscv64 program
        assert elf.interp is None        # static: runs anywhere, no sysroot needed


def test_makefile_builds_exactly_the_workloads_with_the_flags_native_uses():
    text = (workloads.programs_dir() / "Makefile").read_text()
    listed = re.search(r"^PROGRAMS\s*=\s*(.*)$", text, re.M).group(1).split()
    assert listed == list(workloads.WORKLOADS)
    flags = workloads.compile_flags()
    assert "-O2" in flags and "-ffp-contract=off" in flags


def test_resolve_defaults_to_every_bundled_workload_at_the_chosen_size():
    quick = workloads.resolve([], quick=True)
    full = workloads.resolve([], quick=False)
    assert [p.name for p in quick] == list(workloads.WORKLOADS)
    for q, f, w in zip(quick, full, workloads.WORKLOADS.values()):
        assert q.args == w.quick and f.args == w.full and q.source.endswith(f"{w.name}.c")


def test_resolve_arguments_and_user_programs():
    sieve, user = workloads.resolve(["sieve 1000 1", f"{GUEST / 'args'} a 'b c'"], quick=True)
    assert sieve.args == ("1000", "1") and sieve.source is not None
    assert user.name == "args" and user.args == ("a", "b c") and user.source is None
    assert user.argv == ["args", "a", "b c"]


@pytest.mark.parametrize("spec,message", [
    ("no/such/program", "no such file"),
    (sys.executable, "not a RISC-V program"),
    (__file__, "not an ELF file"),
])
def test_resolve_rejects_what_is_not_a_riscv64_program(spec, message):
    with pytest.raises(BenchError, match=message):
        workloads.resolve([spec], quick=True)


def test_resolve_rejects_a_program_named_twice():
    with pytest.raises(BenchError, match="twice"):
        workloads.resolve(["sieve", "sieve"], quick=True)


# -- arguments -------------------------------------------------------------------------------
def test_parse_levels():
    assert parse_levels("2") == [2]
    assert parse_levels("0-3") == [0, 1, 2, 3]
    assert parse_levels("3,0-1") == [0, 1, 3]
    for bad, message in [("3-1", "above"), ("0-4", "out of range"), ("x", "expected"),
                         ("", "expected")]:
        with pytest.raises(BenchError, match=message):
            parse_levels(bad)


def test_parse_list():
    assert parse_list("jit,interpreter,jit", runners.ENGINES, "engine") == ["jit", "interpreter"]
    assert parse_list("none", runners.COMPARE, "comparison") == []
    with pytest.raises(BenchError, match="unknown engine 'turbo'"):
        parse_list("jit,turbo", runners.ENGINES, "engine")


@pytest.mark.parametrize("argv,message", [
    (["--engines", "turbo"], "unknown engine 'turbo'"),
    (["--compare", "bochs"], "unknown comparison 'bochs'"),
    (["--opt-levels", "1-7"], "out of range"),
    (["no/such/elf"], "no such file"),
    (["--sysroot", "/no/such/dir"], "not a directory"),
    ([sys.executable], "not a RISC-V program"),
])
def test_bad_requests_exit_2_with_a_message(argv, message, capsys):
    assert bench(*argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--repeat", "0"], ["--warmup", "-1"], ["--timeout", "0"]])
def test_bad_numbers_are_usage_errors(argv):
    with pytest.raises(SystemExit) as e:
        bench(*argv)
    assert e.value.code == 2


def test_list(capsys):
    assert bench("--list") == 0
    out = capsys.readouterr().out
    for name, w in workloads.WORKLOADS.items():
        assert name in out and " ".join(w.quick) in out


# -- the harness with fake runners: checking, reference, statistics ----------------------------
class FakeRunner(runners.Runner):
    """Returns canned outputs; counts its runs."""

    def __init__(self, name, kind="engine", stdout=b"42\n", exit_code=0, error=None,
                 skip=None, seconds=(0.2, 0.1, 0.3, 0.4)):
        self.name, self.kind = name, kind
        self.stdout, self.exit_code, self.error, self.skip = stdout, exit_code, error, skip
        self.seconds = list(seconds)
        self.calls = 0

    def prepare(self, program):
        if self.skip:
            raise runners.Skip(self.skip)

    def run(self, program, timeout):
        s = self.seconds[self.calls % len(self.seconds)]
        self.calls += 1
        return RunOutput(self.stdout, self.exit_code, s, error=self.error, instructions=1000)


PROG = Program("fake", "/nonexistent", ("1",))


def test_reference_is_native_even_when_listed_last_and_wrong_results_are_caught():
    good = FakeRunner("interpreter")
    wrong_out = FakeRunner("jit-L2", stdout=b"43\n")
    wrong_exit = FakeRunner("hybrid-L2", exit_code=3)
    native = FakeRunner("native", kind="native")
    [res] = harness.run_benchmark([PROG], [good, wrong_out, wrong_exit, native],
                                  repeat=3, warmup=1)
    assert res.reference == "native"
    ms = res.measurements
    assert ms["native"].ok and ms["interpreter"].ok
    assert ms["jit-L2"].status == harness.WRONG and "stdout differs" in ms["jit-L2"].detail
    assert "b'43\\n'" in ms["jit-L2"].detail and "b'42\\n'" in ms["jit-L2"].detail
    assert ms["hybrid-L2"].status == harness.WRONG
    assert "exit code 3, expected 0" in ms["hybrid-L2"].detail
    # a wrong runner is not run again; the others make warm-up + repeat runs
    assert wrong_out.calls == wrong_exit.calls == 1
    assert good.calls == native.calls == 4
    assert not report.all_ok([res])


def test_times_exclude_the_warmup_and_statistics_follow():
    r = FakeRunner("interpreter", seconds=(9.0, 0.2, 0.1, 0.4))
    [res] = harness.run_benchmark([PROG], [r], repeat=3, warmup=1)
    m = res.measurements["interpreter"]
    assert m.times == [0.2, 0.1, 0.4] and m.runs == 4
    assert m.min == 0.1 and m.median == 0.2
    assert m.noise == pytest.approx(1.0) and m.stdev == pytest.approx(0.15275, rel=1e-3)
    assert res.mips("interpreter") == pytest.approx(1000 / 0.2 / 1e6)


def test_ratios_use_the_medians():
    native = FakeRunner("native", kind="native", seconds=(0.1,))
    qemu = FakeRunner("qemu", kind="qemu", seconds=(0.4,))
    engine = FakeRunner("jit-L2", seconds=(0.2,))
    [res] = harness.run_benchmark([PROG], [native, qemu, engine], repeat=2, warmup=0)
    assert res.speed_vs("jit-L2", "native") == pytest.approx(0.5)
    assert res.speed_vs("jit-L2", "qemu") == pytest.approx(2.0)
    assert res.mips("native") is None      # native code runs no guest instructions
    [s_native, s_qemu, s_jit] = report.summary([res])
    assert s_jit["geomean_vs_native"] == pytest.approx(0.5)
    assert s_jit["geomean_vs_qemu"] == pytest.approx(2.0)


def test_compile_time_per_guest_instruction():
    class Compiling(FakeRunner):
        def run(self, program, timeout):
            out = super().run(program, timeout)
            out.compile_s, out.instructions_compiled = (0.002, 0.004)[self.calls % 2], 500
            return out

    jit = Compiling("jit-L2", seconds=(0.2,))
    other = Compiling("hybrid-L2", seconds=(0.2,))
    results = harness.run_benchmark([PROG, Program("fake2", "/nonexistent", ("2",))],
                                    [jit, other], repeat=3, warmup=0)
    m = results[0].measurements["jit-L2"]
    assert m.compile_times == [0.004, 0.002, 0.004] and m.instructions_compiled == 500
    assert m.compile_us_per_insn == pytest.approx(8.0)      # median 4 ms / 500
    [s_jit, _] = report.summary(results)
    m2 = results[1].measurements["jit-L2"]
    assert s_jit["compile_us_per_insn"] == pytest.approx(
        1e6 * (m.compile_s + m2.compile_s) / 1000)
    assert "us/insn" in report.results_table(results)
    assert " 8.0 " in report.results_table(results).splitlines()[2]


def test_a_failing_reference_hands_over_to_the_next_runner():
    native = FakeRunner("native", kind="native", error="did not finish")
    qemu = FakeRunner("qemu", kind="qemu")
    skipped = FakeRunner("unicorn", kind="unicorn", skip="not today")
    [res] = harness.run_benchmark([PROG], [native, qemu, skipped], repeat=1, warmup=1)
    assert res.reference == "qemu"
    assert res.measurements["native"].status == harness.FAILED
    assert res.measurements["unicorn"].status == harness.SKIPPED
    assert res.measurements["unicorn"].detail == "not today" and skipped.calls == 0
    assert report.notes([res]) == ["unicorn skipped for fake 1: not today"]


def test_progress_redraws_one_line_on_a_terminal():
    class Tty(list):
        def isatty(self):
            return True

        def write(self, s):
            self.append(s)

        def flush(self):
            pass

    stream = Tty()
    progress = harness.Progress(4, stream=stream)
    harness.run_benchmark([PROG], [FakeRunner("interpreter")], repeat=3, warmup=1,
                          progress=progress)
    text = "".join(stream)
    assert "\r\033[K" in text and "fake 1" in text and "run 3/3" in text and "warm-up" in text
    assert text.endswith("\r\033[K")          # cleared at the end


# -- real runs (tiny sizes) -------------------------------------------------------------------
@pytest.mark.skipif(not runners.jit_available(), reason="no JIT on this host")
def test_real_run_compiles_in_the_background_by_default(tmp_path, capsys):
    path = tmp_path / "bench.json"
    assert bench("--engines", "jit,hybrid", "--compare", "none", "--json", str(path),
                 *FAST, "sieve 20000 2") == 0
    doc = json.loads(path.read_text())
    assert doc["ok"] is True and doc["settings"]["background_compile"] is True
    assert "the JIT compiles in the background" in capsys.readouterr().out


def test_real_run_checks_every_engine_and_reference_json(tmp_path, capsys):
    path = tmp_path / "bench.json"
    # (compiling on the run's thread: such tiny runs may end before a background compile)
    assert bench("--engines", "interpreter,jit,hybrid", "--opt-levels", "0,2",
                 "--no-background-compile", "--json", str(path), *FAST, *TINY) == 0
    captured = capsys.readouterr()
    doc = json.loads(path.read_text())
    assert doc["schema"] == "vm_engine.bench/1" and doc["ok"] is True
    env = doc["environment"]
    assert {"cpu", "python", "numpy", "vm_engine", "machine", "platform", "runners"} <= env.keys()
    assert env["cpu"]["model"] and isinstance(env["cpu"]["flags"], list)
    assert doc["settings"]["opt_levels"] == [0, 2] and doc["settings"]["repeat"] == 1
    assert doc["settings"]["background_compile"] is False
    available = doc["settings"]["runners"]
    unavailable = {u["runner"] for u in doc["unavailable"]}
    assert set(available) | unavailable >= {"native", "qemu", "unicorn"}
    if runners.jit_available():
        assert {"interpreter", "jit-L0", "jit-L2", "hybrid-L0", "hybrid-L2"} <= set(available)
    assert [p["name"] for p in doc["programs"]] == ["sieve", "nbody"]
    reference = next(n for n in ("native", "qemu", "interpreter") if n in available)
    for p in doc["programs"]:
        assert p["reference"] == reference
        assert p["guest_instructions"] > 0 and p["reference_exit_code"] == 0
        assert p["reference_stdout"]
        assert [r["runner"] for r in p["results"]] == available
        for r in p["results"]:
            assert r["ok"] and r["status"] == "ok" and r["exit_code"] == 0
            assert len(r["times_s"]) == 1 and r["min_s"] == r["median_s"] > 0
            if r["kind"] == "engine" and r["runner"] != "interpreter":
                assert r["compile_s"] > 0 and r["code_bytes"] > 0
                assert r["instructions_compiled"] > 0
                assert r["compile_us_per_insn"] == pytest.approx(
                    1e6 * r["compile_s"] / r["instructions_compiled"])
    out = captured.out
    assert "sieve 1000 1" in out and "nbody 20" in out and "ok (ref)" in out
    assert "WRONG" not in out and "FAILED" not in out


def wrap_engine_run(monkeypatch, runner_name, change):
    original = runners.EngineRunner.run

    def run(self, program, timeout):
        out = original(self, program, timeout)
        if self.name == runner_name:
            change(out)
        return out
    monkeypatch.setattr(runners.EngineRunner, "run", run)


@pytest.mark.parametrize("change,message", [
    (lambda out: setattr(out, "stdout", out.stdout.replace(b"primes", b"prime")),
     "stdout differs"),
    (lambda out: setattr(out, "exit_code", 1), "exit code 1, expected 0"),
])
def test_a_wrong_result_fails_the_run(monkeypatch, tmp_path, capsys, change, message):
    wrap_engine_run(monkeypatch, "hybrid-L2", change)
    path = tmp_path / "bench.json"
    assert bench("--engines", "interpreter,hybrid", "--compare", "none", "--json", str(path),
                 *FAST, "sieve 1000 1") == 1
    captured = capsys.readouterr()
    assert "WRONG" in captured.out
    assert "WRONG: sieve 1000 1 under hybrid-L2" in captured.err and message in captured.err
    doc = json.loads(path.read_text())
    assert doc["ok"] is False
    [prog] = doc["programs"]
    assert prog["reference"] == "interpreter"
    status = {r["runner"]: r["status"] for r in prog["results"]}
    assert status == {"interpreter": "ok", "hybrid-L2": "WRONG"}


def test_missing_qemu_unicorn_and_cc_are_reported_and_skipped(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(runners, "find_qemu", lambda: None)
    monkeypatch.setattr(runners, "find_cc", lambda: None)

    def no_unicorn():
        raise ImportError("No module named 'unicorn'")
    monkeypatch.setattr(runners, "import_unicorn", no_unicorn)
    path = tmp_path / "bench.json"
    assert bench("--engines", "interpreter", "--json", str(path), *FAST, "sieve 1000 1") == 0
    captured = capsys.readouterr()
    assert "qemu: qemu-riscv64 not found on PATH; skipped" in captured.err
    assert "unicorn: Unicorn is not installed" in captured.err
    assert "native: no host C compiler" in captured.err
    assert "not run: qemu" in captured.out
    doc = json.loads(path.read_text())
    assert {u["runner"] for u in doc["unavailable"]} == {"native", "qemu", "unicorn"}
    [prog] = doc["programs"]
    assert prog["reference"] == "interpreter"
    assert [r["runner"] for r in prog["results"]] == ["interpreter"]
    assert prog["results"][0]["speed_vs_native"] is None


def test_without_the_jit_jit_and_hybrid_are_skipped(monkeypatch, capsys):
    monkeypatch.setattr(runners, "jit_available", lambda: False)
    assert bench("--engines", "interpreter,jit,hybrid", "--compare", "none", *FAST,
                 "sieve 1000 1") == 0
    captured = capsys.readouterr()
    assert "jit-L2: the JIT needs an x86-64 Linux host" in captured.err
    assert "hybrid-L2: the JIT needs" in captured.err
    assert "interpreter" in captured.out and "ok (ref)" in captured.out


def test_nothing_available_is_an_error(monkeypatch, capsys):
    monkeypatch.setattr(runners, "jit_available", lambda: False)
    assert bench("--engines", "jit", "--compare", "none", *FAST, "sieve 1000 1") == 2
    assert "nothing to run" in capsys.readouterr().err


def test_native_builds_are_cached(monkeypatch, tmp_path):
    if runners.find_cc() is None:
        pytest.skip("no host C compiler")
    prog = workloads.resolve(["sieve 1000 1"], quick=True)[0]
    first = runners.NativeRunner()
    first.check()
    first.prepare(prog)
    [exe] = list(runners.cache_dir().glob("*/sieve"))
    assert str(exe).startswith(str(tmp_path))
    out = first.run(prog, timeout=60)
    assert out.exit_code == 0 and out.stdout == b"primes below 1000: 168\n"

    calls = []
    real_run = runners.subprocess.run
    monkeypatch.setattr(runners.subprocess, "run",
                        lambda cmd, *a, **k: calls.append(cmd) or real_run(cmd, *a, **k))
    second = runners.NativeRunner()
    second.check()
    second.prepare(prog)
    assert not any("-o" in c for c in calls)    # version query only, no compile
    assert second.run(prog, timeout=60).stdout == out.stdout


def test_a_failed_native_build_is_reported_and_skipped(monkeypatch, capsys):
    false = runners.shutil.which("false")
    if false is None:
        pytest.skip("no false(1)")
    monkeypatch.setattr(runners, "find_cc", lambda: false)   # a "compiler" that fails
    assert bench("--engines", "interpreter", "--compare", "native", *FAST, "sieve 1000 1") == 0
    out = capsys.readouterr().out
    assert "native skipped for sieve 1000 1: native build failed" in out
    assert re.search(r"interpreter\s.*ok \(ref\)", out)
    assert not list(runners.cache_dir().glob("*/sieve"))    # nothing cached


def test_user_program_without_source_runs_everywhere_but_native(capsys):
    # asm_hello prints a line and exits with status 7: the exit code is compared too
    assert bench("--engines", "interpreter", "--compare", "native,unicorn", *FAST,
                 str(GUEST / "asm_hello")) == 0
    out = capsys.readouterr().out
    assert re.search(r"native skipped for asm_hello: no C source", out)
    if runners.find_cc() is not None:
        assert re.search(r"asm_hello\s+native\s.*skipped", out)


def test_unicorn_runs_a_floating_point_program_like_the_interpreter():
    pytest.importorskip("unicorn")
    prog = workloads.resolve(["nbody 50"], quick=True)[0]
    uni = runners.UnicornRunner()
    uni.check()
    a = uni.run(prog, timeout=60)
    b = runners.EngineRunner("interpreter").run(prog, timeout=60)
    assert a.error is None and a.exit_code == b.exit_code == 0
    assert a.stdout == b.stdout and a.stdout.count(b"\n") == 2


def test_a_dynamically_linked_program_loads_from_the_sysroot(tmp_path, capsys):
    from vm_engine.linux.cli_run import default_sysroot
    if default_sysroot() is None:
        pytest.skip("no riscv64 sysroot (Debian's libc6-riscv64-cross)")
    path = tmp_path / "bench.json"
    assert bench("--engines", "interpreter", "--compare", "qemu,unicorn", "--json", str(path),
                 *FAST, str(GUEST / "hello-dyn")) == 0
    [prog] = json.loads(path.read_text())["programs"]
    assert prog["reference_stdout"] == (GUEST.parent / "expected" / "hello-dyn.out").read_text()
    assert all(r["ok"] for r in prog["results"])


def rwx_mappings() -> list[str]:
    with open("/proc/self/maps") as f:
        return [line for line in f if line.split()[1].startswith("rwx")]


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc/self/maps")
def test_unicorn_leaves_no_executable_writable_memory_behind():
    pytest.importorskip("unicorn")
    before = rwx_mappings()
    prog = workloads.resolve(["sieve 1000 1"], quick=True)[0]
    uni = runners.UnicornRunner()
    uni.check()
    assert uni.run(prog, timeout=60).exit_code == 0
    assert rwx_mappings() == before      # Unicorn's code buffer is gone with the run


def test_unicorn_reports_a_fault():
    pytest.importorskip("unicorn")
    prog = workloads.resolve([str(GUEST / "asm_fault")], quick=True)[0]
    uni = runners.UnicornRunner()
    uni.check()
    out = uni.run(prog, timeout=60)
    assert out.exit_code is None and re.search(r"Unicorn stopped at pc 0x[0-9a-f]+", out.error)


def test_json_to_stdout_is_pure_json(capsys):
    assert bench("--engines", "interpreter", "--compare", "none", "--json", "-", *FAST,
                 "sieve 1000 1") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["programs"][0]["results"][0]["runner"] == "interpreter"


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "chart.png"
    assert bench("--engines", "interpreter", "--compare", "native", "--plot", str(path),
                 *FAST, "sieve 1000 1") == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_is_a_clear_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)     # import fails
    assert bench("--plot", str(tmp_path / "c.png"), *FAST, "sieve 1000 1") == 2
    assert "pip install 'vm-engine[bench]'" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "c.png")


def test_an_exception_in_a_runner_is_that_runners_failure():
    class Broken(FakeRunner):
        def run(self, program, timeout):
            raise AttributeError("no attribute 'perf_map'")
    good = FakeRunner("interpreter")
    [res] = harness.run_benchmark([PROG], [Broken("jit-L2"), good], repeat=2, warmup=0)
    m = res.measurements["jit-L2"]
    assert m.status == harness.FAILED
    assert m.detail == "internal error: AttributeError: no attribute 'perf_map'"
    assert res.measurements["interpreter"].ok and good.calls == 2


def test_a_program_runs_under_unicorn_with_vm_engines_kernel():
    """The Unicorn runner's machine: vm_engine's kernel serves Unicorn's system
    calls through the cpu interface the engines have (syscall_args and
    syscall_return, which the kernel's hot path uses)."""
    from vm_engine.bench.unicorn_linux import UnicornMachine
    guest = Path(__file__).parent / "guest"
    out = bytearray()
    m = UnicornMachine.load_elf(guest / "bin" / "hello", stdout=out, stderr=bytearray(), env=[])
    assert m.run(timeout=60) == 0
    assert bytes(out) == (guest / "expected" / "hello.out").read_bytes()
