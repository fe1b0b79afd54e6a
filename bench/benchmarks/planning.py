"""ABC classification and cycle-count planning on the large tenant (issue 5)."""

WEEKDAYS = {f"count_on_{day}": True for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
HORIZON = 30
QUANT_TARGET = 100_000

FLOOR_SQL = """
    SELECT src.warehouse_id, sm.product_id, SUM(sm.product_qty), COUNT(*)
      FROM stock_move sm
      JOIN stock_location src ON src.id = sm.location_id AND src.usage = 'internal'
      JOIN stock_location dst ON dst.id = sm.location_dest_id
     WHERE sm.state = 'done' AND sm.date >= now() - interval '365 days'
       AND dst.warehouse_id IS DISTINCT FROM src.warehouse_id
     GROUP BY 1, 2
"""

ITEMS_SQL = """
    SELECT loc.warehouse_id, COUNT(*)
      FROM (SELECT sq.location_id
              FROM stock_quant sq
             GROUP BY sq.location_id, sq.product_id, COALESCE(sq.lot_id, 0)
            HAVING SUM(sq.quantity) <> 0) q
      JOIN stock_location loc ON loc.id = q.location_id
     WHERE loc.usage = 'internal' AND loc.warehouse_id IS NOT NULL
     GROUP BY loc.warehouse_id
"""

QUANT_FLOOR_SQL = """
    SELECT sq.location_id, sq.product_id, COALESCE(sq.lot_id, 0), SUM(sq.quantity)
      FROM stock_quant sq
      JOIN stock_location loc ON loc.id = sq.location_id AND loc.usage = 'internal'
     GROUP BY 1, 2, 3
    HAVING SUM(sq.quantity) <> 0
"""

# More quants (a product stored in a second and third bin) until the tenant holds about
# QUANT_TARGET (location, product, lot) items; in the rolled-back transaction of each run.
TOP_UP_SQL = """
    WITH p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn
                 FROM product_product WHERE active),
         l AS (SELECT id, company_id, row_number() OVER (ORDER BY id) - 1 AS rn
                 FROM stock_location WHERE usage = 'internal' AND warehouse_id IS NOT NULL),
         n AS (SELECT (SELECT count(*) FROM p) AS np, (SELECT count(*) FROM l) AS nl),
         g AS (SELECT g %% n.np AS prn, ((g / n.np) * 7919 + g * 31) %% n.nl AS lrn
                 FROM generate_series(1, %(missing)s) g, n),
         pairs AS (SELECT DISTINCT p.id AS product_id, l.id AS location_id, l.company_id
                     FROM g JOIN p ON p.rn = g.prn JOIN l ON l.rn = g.lrn)
    INSERT INTO stock_quant (product_id, location_id, company_id, quantity, reserved_quantity,
                             in_date, inventory_quantity_set, create_uid, create_date,
                             write_uid, write_date)
    SELECT pairs.product_id, pairs.location_id, pairs.company_id, 1, 0,
           now() - interval '200 days', FALSE, 1, now(), 1, now()
      FROM pairs
     WHERE NOT EXISTS (SELECT 1 FROM stock_quant sq
                        WHERE sq.product_id = pairs.product_id
                          AND sq.location_id = pairs.location_id)
"""


def _items_by_warehouse(cr):
    cr.execute(ITEMS_SQL)
    return dict(cr.fetchall())


def run(ctx):
    env = ctx.env
    cr = ctx.cr
    policies = env["stock.accuracy.policy"].search([])
    if not policies:
        raise RuntimeError("no accuracy policy in the bench database")
    cr.execute(
        "SELECT count(*) FROM stock_move"
        " WHERE state = 'done' AND date >= now() - interval '365 days'"
    )
    moves = cr.fetchone()[0]

    def floor():
        cr.execute(FLOOR_SQL)
        cr.fetchall()

    ctx.measure(
        "planning: ABC classification of every warehouse",
        lambda: env["stock.accuracy.classification"]._compute_classification(policies),
        size=f"{len(policies)} warehouses, {moves} moves",
        baseline_fn=floor,
        target=10.0,
        note="baseline: plain SELECT ... GROUP BY warehouse, product over the same moves",
    )

    existing = sum(_items_by_warehouse(cr).values())
    target = QUANT_TARGET if not ctx.smoke else existing
    facts = {}

    def prepare():
        """Top the quants up to the target, classify, and make every item due within the
        horizon with room for all of it: the planner's worst case."""
        if target > existing:
            cr.execute(TOP_UP_SQL, {"missing": int((target - existing) * 1.02)})
        env.invalidate_all()
        env["stock.accuracy.classification"]._compute_classification(policies)
        items = _items_by_warehouse(cr)
        facts["items"] = sum(items.values())
        for policy in policies:
            policy.write(
                {
                    "interval_a": 1,
                    "interval_b": 1,
                    "interval_c": 1,
                    "daily_capacity": -(-items.get(policy.warehouse_id.id, 0) // HORIZON) + 1,
                    **WEEKDAYS,
                }
            )
        return policies

    def plan(prepared):
        sessions = env["stock.accuracy.planner"]._plan_counts(prepared, HORIZON)
        facts["lines"] = env["stock.accuracy.count.line"].search_count(
            [("count_id", "in", sessions.ids)]
        )
        if not sessions:
            raise RuntimeError("the planner planned nothing")

    def quant_floor(_prepared):
        cr.execute(QUANT_FLOOR_SQL)
        cr.fetchall()

    row = ctx.measure(
        f"planning: plan {HORIZON} days of cycle counts",
        plan,
        size=f"~{target} quant items, {HORIZON} days",
        setup=prepare,
        baseline_fn=quant_floor,
        target=20.0,
        note="every item due; baseline: GROUP BY over the same quants",
    )
    row.size = f"{facts.get('items')} quant items, {facts.get('lines')} lines, {HORIZON} days"
