"""Running the benchmark: every program under every runner, warm-up runs first,
then the timed repeats interleaved across runners (round after round, so that a
slow spell of a shared machine spreads over all of them), each run's stdout and
exit code checked against the reference run's.

The reference is the first runner, in the order native, qemu, interpreter, then
the rest, whose first run completes: an independent build or emulator when
there is one.
"""
from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass, field

from .runners import Runner, RunOutput, Skip
from .workloads import Program

REFERENCE_ORDER = ("native", "qemu", "interpreter")

OK, WRONG, FAILED, SKIPPED = "ok", "WRONG", "FAILED", "skipped"


@dataclass
class Measurement:
    """One program under one runner."""
    runner: str
    kind: str
    status: str = OK
    detail: str = ""                      # why WRONG / FAILED / skipped
    times: list[float] = field(default_factory=list)   # timed runs, warm-up excluded
    runs: int = 0                         # runs made, warm-up included
    exit_code: int | None = None
    instructions: int | None = None
    compile_times: list[float] = field(default_factory=list)   # JIT: per timed run
    code_bytes: int | None = None
    blocks_compiled: int | None = None
    instructions_compiled: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def min(self) -> float | None:
        return min(self.times) if self.times else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def stdev(self) -> float | None:
        return statistics.stdev(self.times) if len(self.times) > 1 else None

    @property
    def compile_s(self) -> float | None:
        """JIT: median seconds compiling per timed run."""
        return statistics.median(self.compile_times) if self.compile_times else None

    @property
    def compile_us_per_insn(self) -> float | None:
        """JIT: microseconds compiling per guest instruction compiled."""
        if self.compile_s is None or not self.instructions_compiled:
            return None
        return 1e6 * self.compile_s / self.instructions_compiled

    @property
    def noise(self) -> float | None:
        """(median - min) / min: how far a typical run is from the best one."""
        if not self.times or self.min <= 0:
            return None
        return (self.median - self.min) / self.min


@dataclass
class ProgramResult:
    program: Program
    measurements: dict[str, Measurement]
    reference: str | None = None          # the runner whose output the others must match
    reference_stdout: bytes | None = None
    reference_exit: int | None = None

    @property
    def instructions(self) -> int | None:
        """Guest instructions of one run, as an engine of this package counted them."""
        for m in self.measurements.values():
            if m.instructions is not None and m.ok:
                return m.instructions
        return None

    def speed_vs(self, runner: str, base: str) -> float | None:
        """How fast ``runner`` ran the program relative to ``base`` (base's
        median time / runner's): 0.5 = half as fast. None unless both are ok."""
        a, b = self.measurements.get(runner), self.measurements.get(base)
        if not (a and b and a.ok and b.ok and a.times and b.times) or a.median <= 0:
            return None
        return b.median / a.median

    def mips(self, runner: str) -> float | None:
        """Guest instructions per microsecond of the median run (the count from
        this package's engines: native code has no guest instructions)."""
        m = self.measurements.get(runner)
        n = self.instructions
        if m is None or not m.ok or not m.times or n is None or m.kind == "native":
            return None
        return n / m.median / 1e6


def reference_order(runners: list[Runner]) -> list[Runner]:
    def rank(r: Runner) -> int:
        for i, name in enumerate(REFERENCE_ORDER):
            if r.name == name or r.kind == name:
                return i
        return len(REFERENCE_ORDER)
    return sorted(runners, key=rank)   # stable: the given order otherwise


def describe_difference(got: RunOutput, want_stdout: bytes, want_exit: int | None) -> str | None:
    """None if the run's exit code and stdout match the reference's, else what differs."""
    problems = []
    if got.exit_code != want_exit:
        problems.append(f"exit code {got.exit_code}, expected {want_exit}")
    if got.stdout != want_stdout:
        a, b = got.stdout, want_stdout
        i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        lo = max(0, i - 20)
        problems.append(f"stdout differs at byte {i}: {a[lo:i + 40]!r}, expected "
                        f"{b[lo:i + 40]!r} ({len(a)} vs {len(b)} bytes)")
    return "; ".join(problems) or None


class Progress:
    """Progress on stderr: one line redrawn in place on a terminal, a line per
    program otherwise (logs)."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.stream = sys.stderr if stream is None else stream
        self.total = max(1, total)
        self.done = 0
        self.enabled = enabled
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.t0 = time.perf_counter()

    def program(self, index: int, count: int, program: Program) -> None:
        if self.enabled and not self.tty:
            print(f"bench: [{index}/{count}] {program.label}", file=self.stream, flush=True)

    def step(self, program: Program, runner: str, what: str) -> None:
        if self.tty:
            pct = 100 * self.done / self.total
            text = (f"bench: {pct:3.0f}% {time.perf_counter() - self.t0:6.1f}s  "
                    f"{program.label[:30]:30}  {runner:12} {what}")
            self.stream.write("\r\033[K" + text)
            self.stream.flush()

    def advance(self, n: int = 1) -> None:
        self.done += n

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()


def run_benchmark(programs: list[Program], runners: list[Runner], *, repeat: int = 3,
                  warmup: int = 1, timeout: float | None = None,
                  progress: Progress | None = None) -> list[ProgramResult]:
    """Runs every program under every runner: ``warmup`` untimed runs, then
    ``repeat`` timed ones. Every run is checked; a runner that fails or gives a
    wrong result for a program is not run again for that program."""
    if repeat < 1 or warmup < 0:
        raise ValueError("repeat must be >= 1 and warmup >= 0")
    order = reference_order(runners)
    progress = progress or Progress(len(programs) * len(runners) * (warmup + repeat),
                                    enabled=False)
    results = []
    for index, program in enumerate(programs, 1):
        progress.program(index, len(programs), program)
        result = ProgramResult(program, {r.name: Measurement(r.name, r.kind) for r in runners})
        active = []
        for r in order:
            m = result.measurements[r.name]
            progress.step(program, r.name, "preparing")
            try:
                r.prepare(program)
            except Skip as e:
                m.status, m.detail = SKIPPED, str(e)
                progress.advance(warmup + repeat)
                continue
            active.append(r)
        for round_ in range(warmup + repeat):
            timed = round_ >= warmup
            what = f"run {round_ - warmup + 1}/{repeat}" if timed else "warm-up"
            for r in active:
                m = result.measurements[r.name]
                progress.advance()
                if m.status != OK:
                    continue
                progress.step(program, r.name, what)
                _record(result, m, run_once(r, program, timeout), timed)
        results.append(result)
    progress.finish()
    return results


def run_once(runner: Runner, program: Program, timeout: float | None) -> RunOutput:
    """One run; an exception escaping the runner (a bug in an engine, say) is
    reported as that run's failure instead of ending the whole benchmark."""
    t0 = time.perf_counter()
    try:
        return runner.run(program, timeout)
    except Exception as e:  # noqa: BLE001 - reported, with its type, in the results
        return RunOutput(b"", None, time.perf_counter() - t0,
                         error=f"internal error: {type(e).__name__}: {e}")


def _record(result: ProgramResult, m: Measurement, out: RunOutput, timed: bool) -> None:
    m.runs += 1
    if out.error is not None:
        m.status, m.detail = FAILED, out.error
        return
    if result.reference is None:
        result.reference = m.runner
        result.reference_stdout, result.reference_exit = out.stdout, out.exit_code
    else:
        diff = describe_difference(out, result.reference_stdout, result.reference_exit)
        if diff is not None:
            m.status, m.detail = WRONG, f"{diff} (reference: {result.reference})"
            m.exit_code = out.exit_code
            return
    m.exit_code = out.exit_code
    for attr in ("instructions", "code_bytes", "blocks_compiled", "instructions_compiled"):
        if getattr(out, attr) is not None:
            setattr(m, attr, getattr(out, attr))
    if timed:
        m.times.append(out.seconds)
        if out.compile_s is not None:
            m.compile_times.append(out.compile_s)
