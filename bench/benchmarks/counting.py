"""Counting: submit and apply a count session against Odoo's native inventory adjustment of
the same quants, and the server time of one scan on the handheld screen."""

import statistics
import time

from odoo import Command

LINES = 5000
SCAN_LINES = 500
SCANS = 200
DELTAS = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0)


def _counted_qty(index, book):
    """Most counts right, one in twenty a unit short where that stays within tolerance."""
    delta = DELTAS[index % len(DELTAS)] if book >= 100 else 0
    return max(0.0, book + delta)


def _quants(ctx, limit):
    """``limit`` countable quants of one warehouse: untracked, no package or owner, in stock
    first (the warehouse with the most of them, so a full-size session exists)."""
    eligible = """
        FROM stock_quant q
        JOIN stock_location l ON l.id = q.location_id
        JOIN product_product pp ON pp.id = q.product_id
        JOIN product_template pt ON pt.id = pp.product_tmpl_id
       WHERE l.usage = 'internal' AND l.warehouse_id IS NOT NULL AND q.quantity >= 0
         AND pt.tracking = 'none' AND q.lot_id IS NULL
         AND q.package_id IS NULL AND q.owner_id IS NULL
    """
    ctx.cr.execute(
        f"SELECT l.warehouse_id {eligible}"
        " GROUP BY l.warehouse_id ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    row = ctx.cr.fetchone()
    if not row:
        raise RuntimeError("no internal quants to count: the dataset is empty")
    ctx.cr.execute(
        f"SELECT q.id {eligible} AND l.warehouse_id = %s"
        " ORDER BY q.quantity > 0 DESC, q.location_id, q.id LIMIT %s",
        [row[0], limit],
    )
    quants = ctx.env["stock.quant"].browse([r[0] for r in ctx.cr.fetchall()])
    if len(quants) < limit and not ctx.smoke:
        raise RuntimeError(
            f"only {len(quants)} countable quants in the fullest warehouse, {limit} needed"
        )
    return ctx.env["stock.warehouse"].browse(row[0]), quants


def _session(ctx, warehouse, quants, state="in_progress"):
    return ctx.env["stock.accuracy.count"].create(
        {
            "warehouse_id": warehouse.id,
            "count_type": "cycle",
            "state": state,
            "counter_ids": [Command.set(ctx.env.user.ids)],
            "line_ids": [
                Command.create(
                    {
                        "product_id": q.product_id.id,
                        "location_id": q.location_id.id,
                        "quant_id": q.id,
                        "book_quantity": q.quantity,
                    }
                )
                for q in quants
            ],
        }
    )


def run(ctx):
    size = 100 if ctx.smoke else LINES
    warehouse, quants = _quants(ctx, size)
    runs = ctx.runs if ctx.smoke else min(ctx.runs, 3)

    def counted():
        """A session whose lines were counted, and the same counts typed on the quants (the
        count rules off, so that the baseline is Odoo's own apply)."""
        warehouse.accuracy_policy_id.apply_count_rules = False
        count = _session(ctx, warehouse, quants)
        by_qty = {}
        for index, line in enumerate(count.line_ids):
            qty = _counted_qty(index, line.quant_id.quantity)
            by_qty.setdefault(qty, line.browse())
            by_qty[qty] |= line
        for qty, lines in by_qty.items():
            lines.write({"counted_quantity": qty})
        typed = {}
        for index, quant in enumerate(quants.with_context(inventory_mode=True)):
            qty = _counted_qty(index, quant.quantity)
            typed[qty] = typed.get(qty, quant.browse()) | quant
        for qty, same in typed.items():
            same.write({"inventory_quantity": qty})
        return count, quants

    def submit(state):
        count = state[0]
        count.action_submit()
        if count.line_ids.filtered(lambda ln: ln.state != "done"):
            raise RuntimeError("a count within tolerance was not applied")

    def native(state):
        _count, counted_quants = state
        result = counted_quants.action_apply_inventory()
        if result:
            raise RuntimeError(f"action_apply_inventory asked for a wizard: {result}")

    from bench.measure import measure_interleaved

    # Alternately (A B, B A, ...), so that a busy machine weighs on both alike.
    measure_interleaved(
        ctx,
        "counting: submit + apply a session (baseline: native action_apply_inventory)",
        submit,
        native,
        size=f"{len(quants)} lines",
        setup=counted,
        baseline_setup=counted,
        runs=runs,
        max_ratio=1.2,
        note="target: ratio <= 1.2; runs interleaved",
    )

    # one scan, server side, on a 500-line session
    ctx.cr.rollback()
    ctx.env.invalidate_all(flush=False)
    scan_size = 50 if ctx.smoke else SCAN_LINES
    scan_wh, scan_quants = _quants(ctx, scan_size)
    count = _session(ctx, scan_wh, scan_quants)
    ctx.env.flush_all()
    items = [(q.location_id.id, q.product_id.default_code) for q in scan_quants]
    times = []
    for index in range(20 if ctx.smoke else SCANS):
        location_id, code = items[index % len(items)]
        started = time.perf_counter()
        result = count.action_scan(code, location_id=location_id)
        ctx.env.flush_all()
        times.append(time.perf_counter() - started)
        if result["status"] != "counted":
            raise RuntimeError(f"scan failed: {result}")
    ctx.cr.rollback()
    ctx.env.invalidate_all(flush=False)
    ctx.record(
        "counting: one scan (server time, median)",
        statistics.median(times),
        size=f"{len(scan_quants)}-line session, {len(times)} scans",
        target=0.05,
    )
