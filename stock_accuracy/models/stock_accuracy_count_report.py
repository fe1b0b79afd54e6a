from odoo import fields, models, tools

from .stock_accuracy_policy import ABC_CLASSES


class StockAccuracyCountReport(models.Model):
    """One row per done first count line (recount lines excluded: their outcome is carried by
    the line they recount). The 0/1 columns average to the KPI ratios in pivot and graph
    views; their sums are the numerators, ``line_count`` the denominator. Joins are LEFT
    joins on unique keys so that PostgreSQL drops those a query does not read (a pivot
    reads the line table alone)."""

    _name = "stock.accuracy.count.report"
    _description = "Count Accuracy Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "product_id"

    date = fields.Datetime(string="Counted On", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    count_id = fields.Many2one("stock.accuracy.count", string="Count Session", readonly=True)
    count_line_id = fields.Many2one("stock.accuracy.count.line", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    location_id = fields.Many2one("stock.location", readonly=True)
    abc_class = fields.Selection(ABC_CLASSES, string="Class", readonly=True)
    counter_id = fields.Many2one("res.users", string="Counted By", readonly=True)
    reason_id = fields.Many2one("stock.accuracy.reason", readonly=True)
    reason_category = fields.Selection(
        selection=lambda self: self.env["stock.accuracy.reason"]._fields["category"].selection,
        readonly=True,
    )
    line_count = fields.Integer(string="Counted Lines", readonly=True, aggregator="sum")
    within_tolerance_count = fields.Integer(
        string="Lines Within Tolerance", readonly=True, aggregator="sum"
    )
    difference_count = fields.Integer(
        string="Lines With a Difference", readonly=True, aggregator="sum"
    )
    ira = fields.Float(
        string="IRA by Count",
        readonly=True,
        aggregator="avg",
        help="Share of counted lines within the tolerance of their class.",
    )
    variance_rate = fields.Float(
        string="Count Variance Rate",
        readonly=True,
        aggregator="avg",
        help="Share of counted lines with any difference.",
    )
    difference_quantity = fields.Float(readonly=True, aggregator="sum")
    book_value = fields.Monetary(readonly=True, aggregator="sum")
    difference_value = fields.Monetary(string="Net Variance Value", readonly=True, aggregator="sum")
    difference_value_abs = fields.Monetary(
        string="Gross Variance Value", readonly=True, aggregator="sum"
    )

    def init(self):
        # Counted lines by date: the KPIs of a period, the dashboard's months, the export.
        tools.create_index(
            self.env.cr,
            "stock_accuracy_count_line_counted_on_index",
            "stock_accuracy_count_line",
            ["COALESCE(counted_date, done_date)", "warehouse_id"],
            where="state = 'done' AND origin_line_id IS NULL",
        )
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT l.id,
                       l.id AS count_line_id,
                       COALESCE(l.counted_date, l.done_date) AS date,
                       l.company_id,
                       c.currency_id,
                       l.warehouse_id,
                       l.count_id,
                       l.product_id,
                       l.location_id,
                       l.abc_class,
                       l.counter_id,
                       l.reason_id,
                       r.category AS reason_category,
                       1 AS line_count,
                       CASE WHEN l.within_tolerance THEN 1 ELSE 0 END AS within_tolerance_count,
                       CASE WHEN l.difference_quantity <> 0 THEN 1 ELSE 0 END
                           AS difference_count,
                       CASE WHEN l.within_tolerance THEN 1.0 ELSE 0.0 END AS ira,
                       CASE WHEN l.difference_quantity <> 0 THEN 1.0 ELSE 0.0 END
                           AS variance_rate,
                       l.difference_quantity,
                       l.book_quantity * l.unit_cost AS book_value,
                       l.difference_value,
                       ABS(l.difference_value) AS difference_value_abs
                  FROM stock_accuracy_count_line l
             LEFT JOIN res_company c ON c.id = l.company_id
             LEFT JOIN stock_accuracy_reason r ON r.id = l.reason_id
                 WHERE l.state = 'done' AND l.origin_line_id IS NULL
            )
            """
        )
