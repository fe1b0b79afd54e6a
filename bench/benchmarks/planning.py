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

QUANT_FLOOR_SQL = """
    SELECT sq.location_id, sq.product_id, COALESCE(sq.lot_id, 0), SUM(sq.quantity)
      FROM stock_quant sq
      JOIN stock_location loc ON loc.id = sq.location_id AND loc.usage = 'internal'
     GROUP BY 1, 2, 3
    HAVING SUM(sq.quantity) <> 0
"""


def run(ctx):
    env = ctx.env
    policies = env["stock.accuracy.policy"].search([])
    if not policies:
        raise RuntimeError("no accuracy policy in the bench database")
    ctx.cr.execute(
        "SELECT count(*) FROM stock_move"
        " WHERE state = 'done' AND date >= now() - interval '365 days'"
    )
    moves = ctx.cr.fetchone()[0]

    def floor():
        ctx.cr.execute(FLOOR_SQL)
        ctx.cr.fetchall()

    ctx.measure(
        "planning: ABC classification of every warehouse",
        lambda: env["stock.accuracy.classification"]._compute_classification(policies),
        size=f"{len(policies)} warehouses, {moves} moves",
        baseline_fn=floor,
        target=10.0,
        note="baseline: plain SELECT ... GROUP BY warehouse, product over the same moves",
    )

    ctx.cr.execute(QUANT_FLOOR_SQL)
    items = len(ctx.cr.fetchall())
    ctx.env.cr.rollback()

    def prepare():
        """Everything due within the horizon and room for it: the planner's worst case."""
        env["stock.accuracy.classification"]._compute_classification(policies)
        per_warehouse = -(-min(items, QUANT_TARGET) // len(policies))
        policies.write(
            {
                "interval_a": 1,
                "interval_b": 1,
                "interval_c": 1,
                "daily_capacity": -(-per_warehouse // HORIZON) + 1,
                **WEEKDAYS,
            }
        )
        return policies

    def plan(prepared):
        sessions = env["stock.accuracy.planner"]._plan_counts(prepared, HORIZON)
        if not sessions:
            raise RuntimeError("the planner planned nothing")

    def quant_floor(_prepared):
        ctx.cr.execute(QUANT_FLOOR_SQL)
        ctx.cr.fetchall()

    ctx.measure(
        f"planning: plan {HORIZON} days of cycle counts",
        plan,
        size=f"{min(items, QUANT_TARGET)} of {items} quant items, {HORIZON} days",
        setup=prepare,
        baseline_fn=quant_floor,
        target=20.0,
        note="capacity set so about 100,000 items fit; baseline: GROUP BY over the quants",
    )
