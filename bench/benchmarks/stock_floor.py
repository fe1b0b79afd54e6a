"""The plain SQL floor: on-hand by product and location straight from the done move lines."""

FLOOR_SQL = """
    SELECT product_id, location_id, SUM(quantity)
      FROM stock_move_line
     WHERE state = 'done'
     GROUP BY 1, 2
"""


def run(ctx):
    ctx.cr.execute("SELECT count(*) FROM stock_move_line WHERE state = 'done'")
    lines = ctx.cr.fetchone()[0]

    def floor():
        ctx.cr.execute(FLOOR_SQL)
        ctx.cr.fetchall()

    ctx.measure(
        "sql floor: GROUP BY product, location over done move lines",
        floor,
        size=f"{lines} lines",
    )
