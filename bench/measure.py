"""Helpers the benchmark modules share (bench/benchmarks/*.py).

- :func:`measure_interleaved`: time two variants of the same work alternately, so that the load
  of a busy machine weighs on both alike, and record one row comparing them.
- :func:`run_standalone`: run one benchmark module's ``run(ctx)`` on a database of your own,
  without the bench runner (same context, same table).
"""

import argparse
import os
import statistics
import sys
import time


def _time_once(env, fn, setup):
    """One run as the runner times it: setup (untimed), then fn, in a transaction rolled back
    afterwards."""
    env.cr.rollback()
    env.invalidate_all(flush=False)
    try:
        state = setup() if setup else None
        env.flush_all()
        started = time.perf_counter()
        fn(state) if setup else fn()
        env.flush_all()
        return time.perf_counter() - started
    finally:
        env.cr.rollback()
        env.invalidate_all(flush=False)


def measure_interleaved(
    ctx,
    name,
    fn,
    baseline_fn,
    *,
    size,
    setup=None,
    baseline_setup=None,
    runs=None,
    max_ratio=None,
    note="",
):
    """Time ``fn`` and ``baseline_fn`` alternately (A B, B A, A B, ...), each run after its own
    untimed setup and in its own rolled back transaction; record the medians as one row whose
    target is ``max_ratio`` times the baseline's median."""
    runs = runs or ctx.runs
    if hasattr(ctx, "profile"):
        ctx.profile(name, fn, setup)
    times, baseline_times = [], []
    for index in range(runs):
        order = [(fn, setup, times), (baseline_fn, baseline_setup, baseline_times)]
        for function, prepare, into in order[:: -1 if index % 2 else 1]:
            into.append(_time_once(ctx.env, function, prepare))
    baseline = statistics.median(baseline_times)
    row = ctx.record(
        name,
        statistics.median(times),
        size=size,
        baseline=baseline,
        target=baseline * max_ratio if max_ratio else None,
        note=note,
    )
    row.runs = runs
    row.times_s = [round(t, 4) for t in times]
    row.baseline_times_s = [round(t, 4) for t in baseline_times]
    getattr(ctx, "say", print)(
        f"    {name}: median {row.median_s:.3f} s, baseline {baseline:.3f} s over {runs} runs"
    )
    return row


def run_standalone(run, argv=None, *, description=None, runs=3):
    """Run ``run(ctx)`` on an existing database (``-c odoo.conf -d dbname [--runs N]``), roll
    everything back and print the rows as the runner's table."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--runs", type=int, default=runs)
    options = parser.parse_args(argv)
    try:
        import odoo
    except ImportError:
        sys.path.insert(0, os.environ.get("ODOO_PATH", "/opt/odoo18"))
        import odoo
    from odoo.tools import config

    from bench.runner import Context, format_table

    config.parse_config(["-c", options.config, "-d", options.database])
    registry = odoo.modules.registry.Registry(options.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        ctx = Context(env, size=None, runs=options.runs)
        run(ctx)
        cr.rollback()
    print(format_table(ctx.rows))
    return 0
