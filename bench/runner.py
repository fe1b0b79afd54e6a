"""The benchmark context handed to every bench/benchmarks/<topic>.py, and the results table."""

import cProfile
import io
import json
import os
import pstats
import re
import statistics
import time
from dataclasses import asdict, dataclass, field


@dataclass
class Row:
    benchmark: str
    size: str
    runs: int
    median_s: float
    baseline_s: float | None = None
    target_s: float | None = None
    note: str = ""
    times_s: list = field(default_factory=list)
    baseline_times_s: list = field(default_factory=list)

    @property
    def ratio(self):
        if self.baseline_s:
            return self.median_s / self.baseline_s
        return None

    @property
    def verdict(self):
        if self.target_s is None:
            return ""
        return "ok" if self.median_s <= self.target_s else "MISS"


class Context:
    """What a benchmark module's run(ctx) gets.

    ctx.env     an Odoo Environment (superuser) on the bench database; never committed
    ctx.size    the dataset parameters (bench.generate.Size: products, warehouses, moves)
    ctx.runs    how many times measure() runs each function by default
    ctx.smoke   True for the tiny CI run: benchmarks may shrink their own work
    ctx.dataset facts about the dataset (build and restore times, database size, check results)
    ctx.measure(...) time a function, ctx.record(...) add a row measured elsewhere
    """

    def __init__(self, env, size, runs, smoke=False, dataset=None, say=print):
        self.env = env
        self.size = size
        self.runs = runs
        self.smoke = smoke
        self.dataset = dataset or {}
        self.rows = []
        self.say = say

    @property
    def cr(self):
        return self.env.cr

    def _rollback(self):
        self.env.cr.rollback()
        self.env.invalidate_all(flush=False)

    def profile(self, name, fn, setup=None):
        """With ``BENCH_PROFILE=<dir>`` in the environment: one more run of ``fn``, untimed and
        rolled back, under cProfile; the 60 costliest calls (cumulative) go to
        ``<dir>/<benchmark>.txt``. Without it, nothing."""
        folder = os.environ.get("BENCH_PROFILE")
        if not folder:
            return
        self._rollback()
        try:
            state = setup() if setup else None
            self.env.flush_all()
            profiler = cProfile.Profile()
            profiler.enable()
            fn(state) if setup else fn()
            self.env.flush_all()
            profiler.disable()
        finally:
            self._rollback()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
        os.makedirs(folder, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
        with open(os.path.join(folder, f"{slug}.txt"), "w", encoding="utf-8") as handle:
            handle.write(out.getvalue())
        profiler.dump_stats(os.path.join(folder, f"{slug}.prof"))

    def _time(self, fn, setup, runs):
        times = []
        for _run in range(runs):
            self._rollback()
            try:
                state = setup() if setup else None
                self.env.flush_all()
                started = time.perf_counter()
                fn(state) if setup else fn()
                self.env.flush_all()
                times.append(time.perf_counter() - started)
            finally:
                self._rollback()
        return times

    def measure(
        self, name, fn, *, size, baseline_fn=None, target=None, setup=None, runs=None, note=""
    ):
        """Run fn `runs` times (default ctx.runs), each in its own transaction that is rolled
        back afterwards, and record the median. setup(), when given, runs before each timed
        call, untimed, and its return value is passed to fn (and to baseline_fn). baseline_fn
        (native Odoo or plain SQL doing the same job) is measured the same way in the same run.
        target is the median to stay under, in seconds."""
        runs = runs or self.runs
        self.profile(name, fn, setup)
        times = self._time(fn, setup, runs)
        baseline_times = self._time(baseline_fn, setup, runs) if baseline_fn else []
        row = Row(
            benchmark=name,
            size=str(size),
            runs=runs,
            median_s=statistics.median(times),
            baseline_s=statistics.median(baseline_times) if baseline_times else None,
            target_s=target,
            note=note,
            times_s=[round(t, 4) for t in times],
            baseline_times_s=[round(t, 4) for t in baseline_times],
        )
        self.rows.append(row)
        self.say(f"    {name}: median {_seconds(row.median_s)} over {runs} runs")
        return row

    def record(self, name, seconds, *, size, baseline=None, target=None, note=""):
        """Add a row measured outside measure() (e.g. building the dataset)."""
        row = Row(
            benchmark=name,
            size=str(size),
            runs=1,
            median_s=seconds,
            baseline_s=baseline,
            target_s=target,
            note=note,
            times_s=[round(seconds, 4)],
        )
        self.rows.append(row)
        return row


def _seconds(value):
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.1f} ms"


COLUMNS = ["benchmark", "size", "runs", "median", "baseline", "ratio", "target", "", "note"]


def _cells(row):
    return [
        row.benchmark,
        row.size,
        str(row.runs),
        _seconds(row.median_s),
        _seconds(row.baseline_s),
        f"{row.ratio:.2f}x" if row.ratio is not None else "-",
        f"<= {_seconds(row.target_s)}" if row.target_s is not None else "-",
        row.verdict,
        row.note,
    ]


def format_table(rows):
    table = [COLUMNS] + [_cells(row) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = []
    for index, line in enumerate(table):
        cells = zip(line, widths, strict=True)
        lines.append("  ".join(cell.ljust(width) for cell, width in cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def format_markdown(rows, header):
    out = [header, ""]
    out.append("| " + " | ".join(c or "ok?" for c in COLUMNS) + " |")
    out.append("|" + "---|" * len(COLUMNS))
    for row in rows:
        out.append("| " + " | ".join(c.replace("|", "/") for c in _cells(row)) + " |")
    out += ["", "```json", json.dumps([_as_json(row) for row in rows], indent=2), "```", ""]
    return "\n".join(out)


def _as_json(row):
    data = asdict(row)
    data["ratio"] = row.ratio
    data["verdict"] = row.verdict
    return data
