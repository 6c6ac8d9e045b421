"""The vm-engine command line (vm-engine bench itself: tests/test_bench.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vm_engine import cli

from harness import fresh_python


# -- argument errors -------------------------------------------------------------------
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
    proc = subprocess.run([sys.executable, "-m", "vm_engine", "bench", "--engines", "interpreter",
                           "--compare", "none", "--repeat", "1", "sieve 1000 1"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "sieve 1000 1" in proc.stdout and "ok (ref)" in proc.stdout


@pytest.mark.parametrize("engine", ["interpreter", "jit", "hybrid"])
def test_the_run_command_ends_at_once_with_its_output_flushed(engine, tmp_path):
    # console_main (the vm-engine script, python -m vm_engine) ends the process as
    # soon as `run` returns (os._exit, without Python's exit: its collection over the
    # run's objects was 8-16 ms): the guest's exit status and output, the CLI's own
    # buffered output, but no exit handler; `bench` exits as usual (its handlers
    # remove its temporary code stores)
    guest = Path(__file__).parent / "guest" / "bin" / "asm_hello"
    def command(*argv):
        script = ("import atexit, sys\nfrom vm_engine import cli\n"
                  "atexit.register(print, 'exit handler')\n"
                  "print('buffered')\n"     # (a pipe: flushed only by an exit)
                  f"sys.argv = ['vm-engine', *{list(argv)!r}]\n"
                  "cli.console_main()\n")
        return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=120, cwd=tmp_path)
    proc = command("run", "--stats", "--engine", engine, str(guest))
    assert proc.returncode == 7, proc.stderr
    assert sorted(proc.stdout.splitlines()) == ["buffered", "hello from asm"]
    assert "instructions in" in proc.stderr   # (--stats)
    proc = command("bench", "--engines", "interpreter", "--compare", "none", "--repeat", "1",
                   "--no-progress", "sieve 100 1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.endswith("exit handler\n")


@pytest.mark.parametrize("engine", ["interpreter", "jit", "hybrid"])
def test_running_a_program_never_imports_numpy(engine, tmp_path):
    # numpy is 70 ms of start-up and starts OpenBLAS threads that spin for a while:
    # only IR_DTYPE and IRBlock.ir need it, and running a program uses neither; nor
    # does the interpreter need the instruction table (4 ms: Instruction, assemble;
    # the code generator imports it)
    guest = Path(__file__).parent / "guest" / "bin" / "hello"
    script = ("import sys\nfrom vm_engine import cli\n"
              f"code = cli.main(['run', '--engine', '{engine}', {str(guest)!r}])\n"
              "print('numpy' in sys.modules, code, 'vm_engine.isa.table' in sys.modules)\n")
    numpy, code, table = fresh_python(script, tmp_path).splitlines()[-1].split()
    assert (numpy, code) == ("False", "0")
    if engine == "interpreter":
        assert table == "False"


def test_a_run_compiling_in_the_background_starts_before_the_code_generator_loads(tmp_path):
    # the code generator (iced-x86 with it: 15-20 ms) is the compiler thread's to
    # import, at its first job, while the run goes on: neither the JIT's setup nor
    # the code store's fingerprint imports it on the run's thread
    script = ("import sys\n"
              "from vm_engine.jit import JITCompiler, code_store\n"
              "from vm_engine.types import JITConfig\n"
              f"cpu = JITCompiler(JITConfig(background_compile=True, cache_dir={str(tmp_path)!r}))\n"
              "print(len(code_store.fingerprint()), 'vm_engine.jit.x86' in sys.modules,"
              " 'iced_x86' in sys.modules)\n"
              "JITCompiler(JITConfig(background_compile=False))\n"
              "print('vm_engine.jit.x86' in sys.modules)\n")
    assert fresh_python(script, tmp_path).split() == ["20", "False", "False", "True"]
