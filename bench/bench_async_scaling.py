"""Throughput of 1 vs N guest programs awaited at once through AsyncExecutionContext,
and how long the event loop stalls meanwhile.

    python bench/bench_async_scaling.py [--engines interpreter,hybrid] [--vms 1,2]
                                        [--repeat 3] [--program ELF] [--args "8000000 10"]

The default program is tests/guest/bin/work (tests/guest/src/work.c: hashing
through a table, N steps x ROUNDS, a line of output per round). For each engine
and each VM count N it loads N machines of the program (loading is not timed),
runs them with ``asyncio.gather(ctx.run_async(m) ...)`` and reports wall
seconds (best of --repeat), guest MIPS over all VMs, the scaling (throughput
relative to one VM: N x t1 / tN, ideally N on N free cores), and the largest
gap a 1 ms ticker coroutine saw (event-loop stall) over all repeats; then how
long a cancelled run takes to stop (a run cancelled while it has run 50 ms). Every
run's output and instruction count is checked against the first. Run it on a
quiet machine: other load on the cores shows up directly as lost scaling.
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


async def run_once(ctx: AsyncExecutionContext, argv: list[str], n: int):
    """(wall seconds, total guest instructions, max loop gap, [(stdout, exit code, insns)])"""
    outs = [bytearray() for _ in range(n)]
    machines = [ctx.load_elf(argv[0], argv=argv, env={}, stdout=o) for o in outs]
    async with LoopStallMonitor() as monitor:
        t0 = time.perf_counter()
        results = await asyncio.gather(*(ctx.run_async(m) for m in machines))
        wall = time.perf_counter() - t0
    for r in results:
        if r.status is not ExecStatus.Exit:
            raise RuntimeError(f"{argv[0]}: ended with {r.status}")
    return (wall, sum(r.stats.instructions for r in results), monitor.max_gap,
            [(bytes(o), r.exit_code, r.stats.instructions) for o, r in zip(outs, results)])


async def bench(engine: str, argv: list[str], counts: list[int], repeat: int) -> list[dict]:
    rows, reference, t1 = [], None, None
    with AsyncExecutionContext(engine) as ctx:
        for n in counts:
            best, stall = None, 0.0
            for _ in range(repeat):
                wall, insns, gap, outcomes = await run_once(ctx, argv, n)
                reference = reference or outcomes[0]
                if any(o != reference for o in outcomes):
                    raise RuntimeError(f"{engine}: a result differs from the first run")
                best = wall if best is None else min(best, wall)
                stall = max(stall, gap)
            if n == counts[0]:
                t1 = best / n   # seconds per VM
            rows.append({"engine": engine, "vms": n, "seconds": best,
                         "mips": insns / best / 1e6, "scaling": n * t1 / best,
                         "max_stall_ms": stall * 1e3})
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
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if args.args is None:
        args.args = "8000000 10" if args.program == WORK else ""
    argv = [args.program] + args.args.split()
    counts = [int(c) for c in args.vms.split(",")]
    print(f"{' '.join([os.path.basename(args.program)] + argv[1:])}: {os.cpu_count()} host cores, "
          f"best of {args.repeat}")
    print(f"{'engine':<12} {'VMs':>3} {'seconds':>8} {'MIPS':>8} {'scaling':>8} "
          f"{'max loop stall':>15}")
    cancels = []
    for engine in args.engines.split(","):
        for row in asyncio.run(bench(engine, argv, counts, args.repeat)):
            print(f"{row['engine']:<12} {row['vms']:>3} {row['seconds']:>8.3f} {row['mips']:>8.0f} "
                  f"{row['scaling']:>7.2f}x {row['max_stall_ms']:>12.1f} ms")
        cancels.append(f"{engine} " + ", ".join(f"{ms:.2f}" for ms in row["cancel_ms"]))
    print("task.cancel() to the task's end (ms): " + "; ".join(cancels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
