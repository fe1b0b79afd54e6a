"""Odoo's native inventory adjustment: set counted quantities on quants, apply them.

This is the baseline the cycle-counting work compares against: the count rules are turned
off in every warehouse first, so Odoo applies the quantities as it does without the module."""

QUANTS = 5000


def run(ctx):
    Quant = ctx.env["stock.quant"]
    ctx.cr.execute(
        """SELECT q.id FROM stock_quant q
             JOIN stock_location l ON l.id = q.location_id
             JOIN product_product pp ON pp.id = q.product_id
             JOIN product_template pt ON pt.id = pp.product_tmpl_id
            WHERE l.usage = 'internal' AND q.quantity > 0 AND pt.tracking = 'none'
            ORDER BY q.id LIMIT %s""",
        [QUANTS],
    )
    quant_ids = [row[0] for row in ctx.cr.fetchall()]
    if not quant_ids:
        raise RuntimeError("no internal quants to count: the dataset is empty")

    def count():
        """Counted quantities as a counter would enter them: most right, some off by a few."""
        ctx.env["stock.accuracy.policy"].search([]).write({"apply_count_rules": False})
        quants = Quant.browse(quant_ids).with_context(inventory_mode=True)
        for index, quant in enumerate(quants):
            delta = (-2, 0, 0, 1, 0, 3, 0, 0, -1, 0)[index % 10]
            quant.inventory_quantity = max(0, quant.quantity + delta)
        return quants

    def apply(quants):
        result = quants.action_apply_inventory()
        if result:
            raise RuntimeError(f"action_apply_inventory asked for a wizard: {result}")

    ctx.measure(
        "odoo: stock.quant.action_apply_inventory (native)",
        apply,
        size=f"{len(quant_ids)} quants",
        setup=count,
        # Minutes per run at the default size: three runs give a median without an hour's wait.
        runs=min(ctx.runs, 3),
        note="the baseline cycle counting compares against",
    )
