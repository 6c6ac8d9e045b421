#!/usr/bin/env python3
"""Counts the host instructions a riscv64 program's compiled code runs, under
valgrind's callgrind: per region and by kind (jumps between regions, guest
registers moved to and from the cpu state, budget and bounds checks, the
rest). A count, unlike a time, is the same from run to run: a change to the
code generator of 1-2 %, lost in a shared machine's noise by the clock, shows.

usage: python tools/jit-icount/run.py [--level N] [--top N] [--sysroot DIR] PROGRAM [ARG ...]

PROGRAM is a bundled workload's name (vm-engine bench --list) or the path of a
riscv64 ELF (a dynamically linked one finds its libraries in --sysroot,
as with vm-engine run). The program runs twice under the JIT, compiling in the
foreground: once to keep its code in a store of its own, then under callgrind
from that store, so that what is counted is running, not compiling (Python's
start counts too, but outside the compiled code). Regions are formed as a
foreground compile forms them, each as its block first runs: compiling in
the background (vm-engine's default) takes the hottest first, whose regions
may differ (matmul's inner loop, compiled first, once took in its outer
loops there alone), so a change to how regions form needs timing there too.
Needs valgrind (Debian's
package) and an x86-64 host. Guest memory is 4 GiB (valgrind refuses the
default reservation).
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from vm_engine.bench.workloads import add_tool_arguments, tool_program

# run in a child process (under callgrind the second time): STORE LEVEL SYSROOT DUMP ARGV...
CHILD = """
import sys
from vm_engine.linux.machine import Machine
from vm_engine.types import JITConfig
store, level, sysroot, dump = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
argv = sys.argv[5:]
config = JITConfig(optimization_level=level, cache_dir=store, background_compile=False)
m = Machine.load_elf(argv[0], argv=argv, executor="jit", jit_config=config, stdin=b"",
                     stdout=bytearray(), stderr=bytearray(), address_space=1 << 32,
                     sysroot=sysroot or None)
if dump != "-":
    m.cpu.dump_file = open(dump, "w")
m.run()
print(m.stats.instructions, m.cpu.stats["code_from_store"], m.cpu.stats["blocks_compiled"])
"""

#: kinds of host instruction, by their text in the JIT's dump (first match)
KINDS = [
    ("chained jump", re.compile(r"mov rcx,[0-9A-F]+h$|jmp qword ptr \[rcx\]$")),
    ("indirect jump", re.compile(r"lea edx,\[rax\*8\]|and edx,0FFF0h|add rdx,\[rbx\+|"
                                 r"cmp rax,\[rdx\+|jmp qword ptr \[rdx\+")),
    ("budget check", re.compile(r"(sub|add) r14,")),
    ("bounds check", re.compile(r"cmp \w+,\[rbx\+280h\]")),
    ("guest register to/from cpu", re.compile(r"mov (qword ptr )?\[rbx(\+[0-9A-F]+h)?\],|"
                                              r"mov \w+,\[rbx(\+[0-9A-F]+h)?\]$")),
    ("guest memory access", re.compile(r".*\[r12\+")),
]


def self_costs(callgrind_out: Path) -> collections.Counter:
    """Instructions run at each host address (callgrind --dump-instr=yes; a
    call's line is the callee's inclusive cost, not counted)."""
    cost = collections.Counter()
    addr, call = 0, False
    with open(callgrind_out) as f:
        for line in f:
            c = line[0]
            if c.isdigit() or c in "+-*":
                a, *rest = line.split()
                if a.startswith("0x"):
                    addr = int(a, 16)
                elif a[0] in "+-":
                    addr += int(a)
                if not call and len(rest) >= 2:
                    cost[addr] += int(rest[1])
                call = False
            elif line.startswith("calls="):
                call = True
    return cost


def regions(perf_map: Path) -> list:
    """[(start, size, guest pc of the head)] of the code the JIT installed."""
    out = []
    for line in open(perf_map):
        start, size, name = line.split()
        m = re.match(r"guest_([0-9a-f]+)_", name)
        if m:
            out.append((int(start, 16), int(size, 16), int(m[1], 16)))
    return sorted(out)


def dump_code(dump: Path) -> dict:
    """head pc -> {offset: host instruction text} (the JIT's dump)."""
    code, cur = {}, None
    for line in open(dump):
        m = re.match(r"; block 0x([0-9a-f]+):", line)
        if m:
            cur = code.setdefault(int(m[1], 16), {})
            continue
        m = re.match(r"0x([0-9a-f]+)  (.*)", line)
        if m and cur is not None:
            cur[int(m[1], 16)] = m[2]
    return code


def function_names(elf: str):
    """pc -> "function+offset" from the ELF's symbol table (its own code; a
    stripped program, or a library's code, gives "")."""
    from elftools.elf.elffile import ELFFile
    with open(elf, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        funcs = sorted((s["st_value"], s.name) for s in symtab.iter_symbols()
                       if s["st_info"]["type"] == "STT_FUNC" and s["st_value"]) \
            if symtab is not None else []
    starts = [a for a, _ in funcs]

    def name(pc: int) -> str:
        k = bisect.bisect_right(starts, pc) - 1
        return f"{funcs[k][1]}+{pc - funcs[k][0]:#x}" if k >= 0 else ""
    return name


def kind_of(text: str, before: str) -> str:
    if text.startswith(("jb", "jae")) and before is not None:
        for name in ("budget check", "bounds check"):  # (the branch of a check: the check's)
            if kind_of(before, None) == name:
                return name
    if text.startswith(("mov eax,", "mov rax,")) and before is not None and \
            re.match(r"mov rcx,[0-9A-F]+h$", before):  # (the target pc, before the jump)
        return "chained jump"
    if text.startswith("jne") and before.startswith("cmp rax,[rdx+"):
        return "indirect jump"
    for name, pattern in KINDS:
        if pattern.match(text):
            return name
    return "other"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=15, help="regions listed (default 15)")
    add_tool_arguments(ap)
    args = ap.parse_args()
    argv, sysroot = tool_program(ap, args)
    with tempfile.TemporaryDirectory(prefix="vm-engine-icount-") as tmp:
        tmp = Path(tmp)
        store, dump, out = tmp / "store", tmp / "dump.txt", tmp / "callgrind.out"
        child = [sys.executable, "-c", CHILD, str(store), str(args.level), sysroot]
        subprocess.run(child + ["-"] + argv, check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, VM_ENGINE_PERF_MAP="1")
        run = subprocess.run(["valgrind", "--tool=callgrind", "--dump-instr=yes",
                              "--smc-check=all", f"--callgrind-out-file={out}"]
                             + child + [str(dump)] + argv,
                             env=env, capture_output=True, text=True)
        if run.returncode:
            sys.stderr.write(run.stderr[-3000:])
            return 1
        guest, stored, compiled = map(int, run.stdout.split()[-3:])
        pid = re.search(r"^pid: (\d+)", out.read_text(), re.M)[1]
        perf_map = Path(f"/tmp/perf-{pid}.map")
        try:
            spans = regions(perf_map)
        finally:
            perf_map.unlink(missing_ok=True)
        cost = self_costs(out)
        code = dump_code(dump)
    starts = [s for s, _, _ in spans]
    per_region, per_kind = collections.Counter(), collections.Counter()
    for addr, n in cost.items():
        k = bisect.bisect_right(starts, addr) - 1
        if k < 0 or addr >= spans[k][0] + spans[k][1]:
            continue
        start, _, head = spans[k]
        per_region[head] += n
        host = code.get(head, {})
        offsets = sorted(host)
        off = addr - start
        i = bisect.bisect_left(offsets, off)
        text = host.get(off)
        per_kind["(not in the dump)" if text is None else
                 kind_of(text, host[offsets[i - 1]] if i else None)] += n
    total = sum(per_region.values())
    print(f"{' '.join(argv)}: {guest:,} guest instructions; compiled code ran {total:,} host "
          f"instructions ({total / max(guest, 1):.2f} per guest instruction; "
          f"{stored} regions from the store, {compiled - stored} not found there and compiled)")
    for name, n in per_kind.most_common():
        print(f"  {name:28} {n:14,} {100 * n / max(total, 1):5.1f} %")
    name = function_names(argv[0])
    print(f"regions ({len(per_region)} ran), the most run first:")
    for head, n in per_region.most_common(args.top):
        print(f"  {head:#010x} {n:14,} {100 * n / max(total, 1):5.1f} %  {name(head)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
