"""Throughput of 1 vs N guest programs awaited at once through AsyncExecutionContext,
and how long the event loop stalls meanwhile.

    python bench/bench_async_scaling.py [--engines interpreter,hybrid] [--vms 1,2]
                                        [--repeat 3] [--program ELF] [--args "8000000 10"]
                                        [--cold] [--freeze-gc]

The default program is tests/guest/bin/work (tests/guest/src/work.c: hashing
through a table, N steps x ROUNDS, a line of output per round). For each engine
and each VM count N it loads N machines of the program (loading is not timed),
runs them with ``asyncio.gather(ctx.run_async(m) ...)`` and reports wall
seconds (best of --repeat), guest MIPS over all VMs, the scaling (throughput
relative to one VM: N x t1 / tN, ideally N on N free cores), and the largest
gap a 1 ms ticker coroutine saw (event-loop stall) over all repeats, and, for
the best run, how many cores this process kept busy and how many the rest of
the host did (from /proc/stat): other load on the cores shows up directly as
lost scaling, so run it on a quiet machine and read "others" to know whether
it was. Then how long a cancelled run takes to stop (a run cancelled once it
has run 50 ms). Every run's output and instruction count is checked against
the first.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from vm_engine import AsyncExecutionContext, ExecStatus  # noqa: E402
from vm_engine.async_context import LoopStallMonitor  # noqa: E402

WORK = os.path.join(os.path.dirname(HERE), "tests", "guest", "bin", "work")


def _busy_seconds() -> float | None:
    """CPU seconds the whole host has spent busy (all cores, /proc/stat), if known."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _process_seconds() -> float:
    t = os.times()
    return t.user + t.system


async def run_once(ctx: AsyncExecutionContext, argv: list[str], n: int) -> dict:
    """One run of ``n`` machines at once: wall seconds, guest instructions, the
    largest loop gap, the cores this process and the rest of the host kept busy,
    and each machine's (stdout, exit code, instructions)."""
    outs = [bytearray() for _ in range(n)]
    machines = [ctx.load_elf(argv[0], argv=argv, env={}, stdout=o) for o in outs]
    async with LoopStallMonitor() as monitor:
        busy0, ours0, t0 = _busy_seconds(), _process_seconds(), time.perf_counter()
        results = await asyncio.gather(*(ctx.run_async(m) for m in machines))
        wall = time.perf_counter() - t0
        busy1, ours1 = _busy_seconds(), _process_seconds()
    for r in results:
        if r.status is not ExecStatus.Exit:
            raise RuntimeError(f"{argv[0]}: ended with {r.status}")
    ours = (ours1 - ours0) / wall
    return {"wall": wall, "instructions": sum(r.stats.instructions for r in results),
            "gap": monitor.max_gap, "ours": ours,
            "others": None if busy0 is None else max(0.0, (busy1 - busy0) / wall - ours),
            "outcomes": [(bytes(o), r.exit_code, r.stats.instructions)
                         for o, r in zip(outs, results)]}


async def bench(engine: str, argv: list[str], counts: list[int], repeat: int,
                cold: bool = False, freeze_gc: bool = False) -> list[dict]:
    rows, reference, t1 = [], None, None
    with AsyncExecutionContext(engine, freeze_gc=freeze_gc) as ctx:
        for n in counts:
            best, stall = None, 0.0
            for _ in range(repeat):
                if cold and engine != "interpreter":
                    from vm_engine.jit import x86
                    x86.CODE_CACHE.clear()
                run = await run_once(ctx, argv, n)
                reference = reference or run["outcomes"][0]
                if any(o != reference for o in run["outcomes"]):
                    raise RuntimeError(f"{engine}: a result differs from the first run")
                best = run if best is None or run["wall"] < best["wall"] else best
                stall = max(stall, run["gap"])
            if n == counts[0]:
                t1 = best["wall"] / n   # seconds per VM
            rows.append({"engine": engine, "vms": n, "seconds": best["wall"],
                         "mips": best["instructions"] / best["wall"] / 1e6,
                         "scaling": n * t1 / best["wall"], "max_stall_ms": stall * 1e3,
                         "ours": best["ours"], "others": best["others"]})
        rows[-1]["cancel_ms"] = await cancel_latencies(ctx, argv, repeat)
    return rows


async def cancel_latencies(ctx: AsyncExecutionContext, argv: list[str], repeat: int) -> list:
    """Milliseconds from task.cancel() to the awaiting task's end, a run cancelled
    50 ms after it started, ``repeat`` times."""
    latencies = []
    for _ in range(repeat):
        m = ctx.load_elf(argv[0], argv=argv, env={}, stdout=bytearray())
        task = asyncio.create_task(ctx.run_async(m))
        await asyncio.sleep(0.05)
        t0 = time.perf_counter()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            latencies.append((time.perf_counter() - t0) * 1e3)
    return latencies


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default="interpreter,hybrid",
                    help="comma-separated: interpreter, jit, hybrid")
    ap.add_argument("--program", default=WORK, help="a static riscv64 Linux program")
    ap.add_argument("--args", default=None,
                    help='its arguments (default: "8000000 10" for work, none otherwise)')
    ap.add_argument("--vms", default="1,2", help="comma-separated VM counts; the first is the base")
    ap.add_argument("--freeze-gc", action="store_true",
                    help="AsyncExecutionContext(freeze_gc=True): gc.freeze() first, so that "
                         "full garbage collections do not stall the loop for long")
    ap.add_argument("--cold", action="store_true",
                    help="empty the process's cache of compiled code before every run, "
                         "so that each run compiles (JIT, Hybrid) as a fresh process would")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if args.args is None:
        args.args = "8000000 10" if args.program == WORK else ""
    argv = [args.program] + args.args.split()
    counts = [int(c) for c in args.vms.split(",")]
    print(f"{' '.join([os.path.basename(args.program)] + argv[1:])}: {os.cpu_count()} host cores, "
          f"best of {args.repeat}" + (", every run compiling from scratch" if args.cold else "")
          + (", gc frozen" if args.freeze_gc else ""))
    print(f"{'engine':<12} {'VMs':>3} {'seconds':>8} {'MIPS':>8} {'scaling':>8} "
          f"{'max loop stall':>15} {'cores: ours':>12} {'others':>7}")
    cancels = []
    for engine in args.engines.split(","):
        for row in asyncio.run(bench(engine, argv, counts, args.repeat, args.cold,
                                     args.freeze_gc)):
            others = "?" if row["others"] is None else f"{row['others']:.2f}"
            print(f"{row['engine']:<12} {row['vms']:>3} {row['seconds']:>8.3f} {row['mips']:>8.0f} "
                  f"{row['scaling']:>7.2f}x {row['max_stall_ms']:>12.1f} ms "
                  f"{row['ours']:>12.2f} {others:>7}")
        cancels.append(f"{engine} " + ", ".join(f"{ms:.2f}" for ms in row["cancel_ms"]))
    print("task.cancel() to the task's end (ms): " + "; ".join(cancels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
