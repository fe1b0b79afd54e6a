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

import sys
from pathlib import Path

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
        SELECT w.id, w.company_id, w.lot_stock_id, q.product_id, SUM(q.quantity)
          FROM stock_quant q
          JOIN stock_location l ON l.id = q.location_id
          JOIN stock_warehouse w ON w.id = l.warehouse_id
         WHERE l.usage = 'internal'
         GROUP BY w.id, w.company_id, w.lot_stock_id, q.product_id
        HAVING SUM(q.quantity) > 0
         ORDER BY q.product_id DESC, w.id LIMIT %s
        """,
        [orderpoints],
    )
    env["stock.warehouse.orderpoint"].with_context(mail_create_nolog=True).create(
        [
            {
                "warehouse_id": warehouse_id,
                "company_id": company_id,
                "location_id": location_id,
                "product_id": product_id,
                "product_min_qty": float(on_hand) + 10,
                "product_max_qty": float(on_hand) + 20,
                "trigger": "manual",
            }
            for warehouse_id, company_id, location_id, product_id, on_hand in cr.fetchall()
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


def main(argv=None):
    from bench.measure import run_standalone

    return run_standalone(run, argv, description="exception queue detectors benchmark", runs=3)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
