#!/usr/bin/env python3
"""Counts the host instructions the JIT's code generator takes to compile a
riscv64 program's code, under valgrind's callgrind: every region the program
compiles, compiled again from a recording (the same IR, the same blocks
decoded, in the same order), counted inside x86.compile_ir alone. A count,
unlike a time, is the same from run to run: a change to the code generator of
1-2 %, lost by the clock in a shared machine's noise, shows.

usage: python tools/jit-compile-cost/run.py [--level N] [--top N] [--sysroot DIR]
                                            [--time N] PROGRAM [ARG ...]

PROGRAM is a bundled workload's name (vm-engine bench --list) or the path of a
riscv64 ELF (a dynamically linked one finds its libraries in --sysroot, as
with vm-engine run). The program runs once under the JIT, compiling in the
foreground with no code store, while a wrapper of x86.compile_ir records each
call: the head's IR and what the region's forming asked of the memory (the
blocks it decoded, the targets indirect calls went to, which pages hold code).
The recording is then compiled again in a process of its own (the code
generator's caches empty, as in a fresh run), under callgrind, or with
--time N, N times by the process clock. It prints the instructions counted,
per guest instruction compiled, the code's size (a change that should not
change the code keeps it), and the code generator's functions taking the most
(inclusive). Needs valgrind (Debian's package) for the count and an x86-64
host, where the code generator is the built one (setup.py build_ext
--inplace: vm_engine/jit/x86.py unbuilt, or edited since, runs as Python).
"""
import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from vm_engine.bench.workloads import add_tool_arguments, tool_program

# run in a child process: RECORDING LEVEL SYSROOT ARGV...
RECORD = """
import pickle, sys
from vm_engine.jit import x86
from vm_engine.linux.machine import Machine
from vm_engine.types import JITConfig
out, level, sysroot, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
calls = []
compile_ir = x86.compile_ir

def recording(ir_bytes, pc, level=0, chained=False, fetch=None, countdown=False, vectorize=False,
              viewed=True, pause=None, store=None, heads=(), seen=None, far=None,
              stored_only=False):
    asked = {"fetch": {}, "seen": {}, "far": {}}

    def asking(ask, what):
        if ask is None:
            return None
        def answer(at):
            try:
                got = ask(at)
            except Exception:
                asked[what][at] = None  # (replayed as the LookupError of a block not there)
                raise
            asked[what][at] = bytes(got) if what == "fetch" else got
            return got
        return answer
    res = compile_ir(ir_bytes, pc, level, chained, asking(fetch, "fetch"), countdown, vectorize,
                     viewed, pause, store, heads, asking(seen, "seen"), asking(far, "far"),
                     stored_only)
    calls.append((bytes(ir_bytes), pc, (level, chained, countdown, vectorize, viewed), asked,
                  fetch is not None, seen is not None, far is not None))
    return res

x86.compile_ir = recording
config = JITConfig(optimization_level=level, cache_dir=None, background_compile=False)
m = Machine.load_elf(argv[0], argv=argv, executor="jit", jit_config=config, stdin=b"",
                     stdout=bytearray(), stderr=bytearray(), sysroot=sysroot or None)
m.run()
with open(out, "wb") as f:
    pickle.dump(calls, f)
"""

# run in a child process (under callgrind): RECORDING TIMES
REPLAY = """
import gc, pickle, sys, time
from vm_engine.jit import x86
with open(sys.argv[1], "rb") as f:
    calls = pickle.load(f)
gc.collect()
gc.freeze()  # (the recording's objects: not walked by each collection compiling)

def replay():
    x86.CODE_CACHE.clear()
    x86._ENTRIES.clear()
    x86._MOVES.clear()
    heads = {}  # (as the compiler keeps them: the heads compiled before, by level)
    guest = size = 0
    for ir, pc, (level, chained, countdown, vectorize, viewed), asked, fetch, seen, far in calls:
        blocks = asked["fetch"]

        def decode(at):
            got = blocks.get(at)
            if got is None:
                raise LookupError(at)
            return got
        known = heads.setdefault(level, set())
        res = x86.compile_ir(ir, pc, level, chained, decode if fetch else None, countdown,
                             vectorize, viewed, heads=known,
                             seen=asked["seen"].get if seen else None,
                             far=(lambda at, pages=asked["far"]: pages.get(at, False))
                             if far else None)
        if res is not None:
            known.add(pc)
            guest += len(res.guest)
            size += len(res.code)
    return guest, size

x86._stubs()
for _ in range(int(sys.argv[2])):
    t0 = time.process_time()
    guest, size = replay()
    print(len(calls), guest, size, time.process_time() - t0, flush=True)
"""

COUNTED = "__pyx_pw_9vm_engine_3jit_3x86_*compile_ir"  # (the built module's wrapper)


def python_name(mangled: str) -> str:
    """x86.py's name of a function as Cython names it in C: "57compile_ir"
    (a counter, then the name), "_emit_insns", "4_Asm_17encode" (the length
    of the class's name, the class, a counter, the method)."""
    m = re.match(r"(\d+)(\w+)", mangled)
    if m is None:
        return mangled
    n, rest = int(m[1]), m[2]
    if n < len(rest) and rest[n] == "_":
        return rest[:n] + "." + re.sub(r"^_\d*", "", rest[n:])
    return rest


def functions(callgrind_out: Path, top: int) -> list:
    """[(inclusive count, name)] of the code generator's functions (callgrind_annotate)."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                           str(callgrind_out)], capture_output=True, text=True).stdout
    out, seen = [], set()
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(.*?\)\s+\S*:__pyx_(?:pw|f)_9vm_engine_3jit_3x86_(\w+?) ", line)
        if m and "'" not in line:
            name = python_name(m[2])
            if name not in seen:
                seen.add(name)
                out.append((int(m[1].replace(",", "")), name))
    return out[:top]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=25, help="functions listed (default 25)")
    ap.add_argument("--time", type=int, default=0, metavar="N",
                    help="compile the recording N times by the process clock instead")
    add_tool_arguments(ap)
    args = ap.parse_args()
    argv, sysroot = tool_program(ap, args)
    with tempfile.TemporaryDirectory(prefix="vm-engine-compile-cost-") as tmp:
        tmp = Path(tmp)
        recording, out = tmp / "calls.pickle", tmp / "callgrind.out"
        subprocess.run([sys.executable, "-c", RECORD, str(recording), str(args.level),
                        sysroot] + argv, check=True, stdout=subprocess.DEVNULL)
        replay = [sys.executable, "-c", REPLAY, str(recording)]
        if args.time:
            run = subprocess.run(replay + [str(args.time)], capture_output=True, text=True)
        else:
            run = subprocess.run(["valgrind", "--tool=callgrind", f"--toggle-collect={COUNTED}",
                                  f"--callgrind-out-file={out}"] + replay + ["1"],
                                 capture_output=True, text=True)
        if run.returncode:
            sys.stderr.write(run.stderr[-3000:])
            return 1
        rows = [line.split() for line in run.stdout.splitlines()]
        regions, guest, size = map(int, rows[-1][:3])
        print(f"{' '.join(argv)} (level {args.level}): {regions:,} regions compiled, "
              f"{guest:,} guest instructions in them, {size:,} bytes of code")
        if args.time:
            for row in rows:
                seconds = float(row[3])
                print(f"  {seconds:.3f} s: {1e6 * seconds / max(guest, 1):.2f} us "
                      f"per guest instruction")
            return 0
        total = int(re.search(r"^summary: (\d+)", out.read_text(), re.M)[1])
        print(f"  {total:,} host instructions compiling: {total / max(guest, 1):,.0f} per "
              f"guest instruction")
        for n, name in functions(out, args.top):
            print(f"  {n:14,} {100 * n / max(total, 1):5.1f} %  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
