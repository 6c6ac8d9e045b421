"""The vm-engine command line and the bundled workloads (vm_engine.workloads)."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from vm_engine import ExecStatus, Interpreter, cli, workloads
from vm_engine.workloads import reference

NAMES = workloads.names()


# -- the workloads themselves -----------------------------------------------------------
def test_at_least_the_three_kernels():
    assert {"loop", "sieve", "sort"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_sources_ship_with_the_package(name):
    w = workloads.get(name)
    assert resources.files("vm_engine.workloads").joinpath(w.source_file).is_file()
    text = w.source(w.sizes["quick"])
    assert "$" not in text  # every parameter substituted
    assert "ebreak" in text


@pytest.mark.parametrize("name", NAMES)
def test_quick_size_matches_python_model(name):
    prog = workloads.get(name).program("quick")
    interp = Interpreter()
    result, a0 = prog.run(interp)
    assert result.status is ExecStatus.Ebreak
    assert a0 == prog.expected == workloads.get(name).expected(prog.n)
    assert 0 < result.stats.instructions <= prog.max_instructions


@pytest.mark.parametrize("name,n", [("loop", 1), ("loop", 7), ("sieve", 2), ("sieve", 3),
                                    ("sieve", 4096 + 17), ("sort", 1), ("sort", 2),
                                    ("sort", 257)])
def test_edge_sizes_match_python_model(name, n):
    prog = workloads.get(name).program(n)
    _, a0 = prog.run()
    assert a0 == prog.expected


def test_loop_closed_form_matches_step_by_step_model():
    for n in list(range(1, 40)) + [1000, 4097]:
        assert reference.loop_expected(n) == reference.loop_bruteforce(n), n


def test_sieve_model_counts_primes():
    assert [reference.sieve_expected(n) for n in (2, 3, 4, 10, 100, 1000, 10**6)] == \
        [0, 1, 2, 4, 25, 168, 78498]


def test_sort_model():
    # the first xorshift64 (13, 7, 17) state from seed 1, and the hash order-dependence
    assert reference.xorshift64(1, 1) == [0x40822041]
    words = reference.xorshift64(reference.SORT_SEED, 10)
    assert reference.sort_expected(10) == reference.fnv1a64_words(sorted(words))
    assert reference.fnv1a64_words(words) != reference.fnv1a64_words(sorted(words))


def test_measure_reports_counts_and_times():
    m = workloads.measure(workloads.get("sieve").program(10_000), repeat=2)
    assert m.ok and len(m.times) == 2 and m.instructions > 10_000
    assert m.best <= m.median and m.mips > 0
    d = m.as_dict()
    assert d["workload"] == "sieve" and d["a0"] == d["expected"] == 1229


# -- vm-engine bench ---------------------------------------------------------------------
def test_bench_quick(capsys):
    assert cli.main(["bench", "--quick", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out
    assert "MIPS" in out and "WRONG" not in out


def test_bench_selected_workload(capsys):
    assert cli.main(["bench", "--quick", "--repeat", "1", "sieve"]) == 0
    out = capsys.readouterr().out
    assert "sieve" in out and "sort" not in out


def test_bench_json(tmp_path, capsys):
    path = tmp_path / "bench.json"
    assert cli.main(["bench", "--quick", "--repeat", "2", "--json", str(path)]) == 0
    doc = json.loads(path.read_text())
    assert doc["ok"] is True and doc["size"] == "quick" and doc["repeat"] == 2
    assert [r["workload"] for r in doc["results"]] == NAMES
    for r in doc["results"]:
        assert {"workload", "n", "instructions", "times_s", "best_s", "median_s", "mips",
                "a0", "expected", "ok"} <= r.keys()
        assert r["ok"] and r["a0"] == r["expected"] and len(r["times_s"]) == 2
        assert r["instructions"] > 0 and r["mips"] > 0


def test_bench_json_to_stdout(capsys):
    assert cli.main(["bench", "--quick", "--repeat", "1", "--json", "-", "loop"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["results"][0]["workload"] == "loop"


def test_bench_detects_wrong_result(monkeypatch, tmp_path, capsys):
    w = workloads.get("sieve")
    monkeypatch.setitem(workloads.WORKLOADS, "sieve",
                        dataclasses.replace(w, expected=lambda n: w.expected(n) + 1))
    path = tmp_path / "bench.json"
    assert cli.main(["bench", "--quick", "--repeat", "1", "--json", str(path)]) == 1
    captured = capsys.readouterr()
    assert "WRONG" in captured.out
    assert "sieve" in captured.err and "wrong result" in captured.err
    doc = json.loads(path.read_text())
    assert doc["ok"] is False
    assert [r["ok"] for r in doc["results"]] == [r["workload"] != "sieve" for r in doc["results"]]


def test_bench_detects_runaway_guest(monkeypatch, capsys):
    w = workloads.get("loop")
    monkeypatch.setitem(workloads.WORKLOADS, "loop",
                        dataclasses.replace(w, max_instructions=lambda n: 100))
    assert cli.main(["bench", "--quick", "--repeat", "1", "loop"]) == 1
    err = capsys.readouterr().err
    assert "loop" in err and "budget" in err


def test_bench_unknown_workload(capsys):
    assert cli.main(["bench", "--quick", "nosuch"]) == 2
    assert "nosuch" in capsys.readouterr().err


def test_bench_list(capsys):
    assert cli.main(["bench", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in NAMES)


@pytest.mark.parametrize("argv", [["bench", "--repeat", "0"], ["bench", "--bogus"], ["nosuch"]])
def test_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2


# -- other subcommands -------------------------------------------------------------------
def test_no_command_prints_help(capsys):
    assert cli.main([]) == 2
    assert "bench" in capsys.readouterr().err


def test_run_runs_a_guest_program():
    guest = Path(__file__).parent / "guest" / "bin" / "asm_hello"
    assert cli.main(["run", str(guest)]) == 7


def test_asm(tmp_path, capsys):
    src = tmp_path / "t.S"
    src.write_text("start:\n  addi a0, zero, 5\n  j start\n")
    out = tmp_path / "t.bin"
    assert cli.main(["asm", str(src), "-o", str(out), "--base", "0x1000"]) == 0
    from vm_engine import assemble
    assert out.read_bytes() == assemble(src.read_text(), 0x1000)
    assert cli.main(["asm", str(src)]) == 0
    assert "00500513" in capsys.readouterr().out  # addi a0, zero, 5


def test_asm_error(tmp_path, capsys):
    src = tmp_path / "bad.S"
    src.write_text("frobnicate a0\n")
    assert cli.main(["asm", str(src)]) == 1
    assert "line 1" in capsys.readouterr().err


def test_python_dash_m(tmp_path):
    # outside the source tree, so that the installed package is the one imported
    proc = subprocess.run([sys.executable, "-m", "vm_engine", "bench", "--quick", "--repeat",
                           "1", "sieve"], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "sieve" in proc.stdout
