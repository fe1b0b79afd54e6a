"""Exception queue detectors on the big tenant (issue 4).

Targets: the detectors' first run over the whole tenant under 15 s; a second run with nothing
changed creates nothing and takes under 5 s. The baseline is the detectors' SQL alone (the floor
the ORM side adds to).

The generated tenant has no negative stock and no reordering rules, so each run first plants,
untimed and rolled back afterwards, a known set of anomalies: ``NEGATIVE`` internal quants turned
negative and ``ORDERPOINTS`` reordering rules whose minimum is above the stock on hand. Dead stock
is whatever the generated history holds (no outgoing move for the company's dead-stock days).

Also runs without the bench runner, on any database holding the module::

    python bench/benchmarks/exceptions.py -c odoo.conf -d dbname [--runs 3]
"""

import statistics
import sys
import time

NEGATIVE = 500
ORDERPOINTS = 1000


def _size(cr):
    cr.execute(
        "SELECT (SELECT count(*) FROM stock_quant),"
        " (SELECT count(*) FROM stock_move_line WHERE state = 'done'),"
        " (SELECT count(*) FROM stock_move WHERE state = 'done')"
    )
    quants, lines, moves = cr.fetchone()
    return f"{quants} quants, {moves} done moves, {lines} done lines"


def plant_anomalies(env, negative=NEGATIVE, orderpoints=ORDERPOINTS):
    """Turn ``negative`` internal quants negative and add ``orderpoints`` reordering rules above
    the stock on hand, in the current transaction."""
    cr = env.cr
    cr.execute(
        """
        UPDATE stock_quant SET quantity = -quantity - 1
         WHERE id IN (SELECT q.id FROM stock_quant q
                        JOIN stock_location l ON l.id = q.location_id
                       WHERE l.usage = 'internal' AND q.quantity > 0
                       ORDER BY q.id LIMIT %s)
        """,
        [negative],
    )
    cr.execute(
        """
        SELECT w.id, w.lot_stock_id, q.product_id, SUM(q.quantity)
          FROM stock_quant q
          JOIN stock_location l ON l.id = q.location_id
          JOIN stock_warehouse w ON w.id = l.warehouse_id
         WHERE l.usage = 'internal'
         GROUP BY w.id, w.lot_stock_id, q.product_id
        HAVING SUM(q.quantity) > 0
         ORDER BY q.product_id DESC, w.id LIMIT %s
        """,
        [orderpoints],
    )
    env["stock.warehouse.orderpoint"].with_context(mail_create_nolog=True).create(
        [
            {
                "warehouse_id": warehouse_id,
                "location_id": location_id,
                "product_id": product_id,
                "product_min_qty": float(on_hand) + 10,
                "product_max_qty": float(on_hand) + 20,
                "trigger": "manual",
            }
            for warehouse_id, location_id, product_id, on_hand in cr.fetchall()
        ]
    )
    env.flush_all()


def run(ctx):
    env = ctx.env
    Detector = env["stock.accuracy.exception.detector"]
    companies = env["res.company"].search([])
    size = _size(ctx.cr)
    seen = {}

    def plant():
        plant_anomalies(env)

    def first(_state):
        seen["first"] = Detector._run_all(companies)

    def sql_only(_state):
        for detector in Detector._detectors().values():
            env.cr.execute(detector(companies))
            env.cr.fetchall()

    def plant_and_detect():
        plant_anomalies(env)
        seen["setup"] = Detector._run_all(companies)

    def second(_state):
        counts = Detector._run_all(companies)
        seen["second"] = counts
        if counts["created"] or counts["resolved"]:
            raise AssertionError(f"a second run with nothing changed changed the queue: {counts}")

    ctx.measure(
        "exceptions: detectors, first run",
        first,
        size=size,
        setup=plant,
        baseline_fn=sql_only,
        target=15.0,
        note="",
    )
    ctx.rows[-1].note = "created {created}, resolved {resolved}".format(**seen["first"])
    ctx.measure(
        "exceptions: detectors, second run, nothing changed",
        second,
        size=size,
        setup=plant_and_detect,
        baseline_fn=sql_only,
        target=5.0,
    )
    ctx.rows[-1].note = "created {created}, refreshed {refreshed}".format(**seen["second"])


class _StandaloneContext:
    """The part of the bench runner's context run(ctx) uses, for a database of your own."""

    def __init__(self, env, runs):
        self.env = env
        self.runs = runs
        self.rows = []

    @property
    def cr(self):
        return self.env.cr

    def _time(self, fn, setup, runs):
        times = []
        for _run in range(runs):
            self.env.cr.rollback()
            self.env.invalidate_all(flush=False)
            state = setup() if setup else None
            self.env.flush_all()
            started = time.perf_counter()
            fn(state) if setup else fn()
            self.env.flush_all()
            times.append(time.perf_counter() - started)
            self.env.cr.rollback()
            self.env.invalidate_all(flush=False)
        return times

    def measure(
        self, name, fn, *, size, baseline_fn=None, target=None, setup=None, runs=None, note=""
    ):
        runs = runs or self.runs
        median = statistics.median(self._time(fn, setup, runs))
        baseline = statistics.median(self._time(baseline_fn, setup, runs)) if baseline_fn else None
        row = type("Row", (), {})()
        row.name, row.size, row.median, row.baseline, row.target, row.note = (
            name,
            size,
            median,
            baseline,
            target,
            note,
        )
        self.rows.append(row)
        return row


def main(argv=None):
    import argparse

    import odoo
    from odoo.tools import config

    parser = argparse.ArgumentParser(description="exception queue detectors benchmark")
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args(argv)
    config.parse_config(["-c", options.config, "-d", options.database])
    registry = odoo.modules.registry.Registry(options.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        ctx = _StandaloneContext(env, options.runs)
        run(ctx)
        cr.rollback()
    for row in ctx.rows:
        baseline = f"{row.baseline:.2f} s" if row.baseline is not None else "-"
        verdict = "ok" if row.target is None or row.median <= row.target else "MISS"
        print(
            f"{row.name} [{row.size}]: median {row.median:.2f} s, SQL only {baseline}, "
            f"target <= {row.target} s {verdict} ({row.note})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
