from odoo import fields, models, tools
from odoo.tools import SQL

from .stock_accuracy_count_report import DAY_TABLE, StockAccuracyCountReport


class StockAccuracyParetoReport(models.Model):
    """Root-cause Pareto of count variances: the gross variance value of done count lines per
    company, month and reason, ranked within the company and month with its share and the
    cumulative share of the month's variance. Read from the count report's daily totals."""

    _name = "stock.accuracy.pareto.report"
    _description = "Variance Root-Cause Pareto"
    _auto = False
    _order = "month desc, rank, id"
    _rec_name = "reason_id"
    _depends = StockAccuracyCountReport._depends

    month = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    reason_id = fields.Many2one("stock.accuracy.reason", readonly=True)
    reason_category = fields.Selection(
        selection=lambda self: self.env["stock.accuracy.reason"]._fields["category"].selection,
        readonly=True,
    )
    line_count = fields.Integer(string="Lines With a Difference", readonly=True)
    variance_value = fields.Monetary(string="Gross Variance Value", readonly=True)
    rank = fields.Integer(readonly=True, aggregator=None)
    share = fields.Float(string="Share (%)", readonly=True, aggregator=None)
    cumulative_share = fields.Float(string="Cumulative Share (%)", readonly=True, aggregator=None)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
                WITH by_reason AS (
                    SELECT d.company_id,
                           date_trunc('month', d.day)::date AS month,
                           d.reason_id,
                           SUM(d.difference_count) AS line_count,
                           SUM(d.difference_value_abs) AS variance_value
                      FROM %s d
                     WHERE d.difference_count > 0
                     GROUP BY 1, 2, 3
                ), ranked AS (
                    SELECT b.*,
                           ROW_NUMBER() OVER w AS rank,
                           SUM(b.variance_value) OVER (PARTITION BY b.company_id, b.month)
                               AS month_total,
                           SUM(b.variance_value) OVER (
                               w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                           ) AS running_total
                      FROM by_reason b
                    WINDOW w AS (PARTITION BY b.company_id, b.month
                                 ORDER BY b.variance_value DESC, b.reason_id NULLS LAST)
                )
                SELECT ROW_NUMBER() OVER (ORDER BY r.company_id, r.month, r.rank) AS id,
                       r.company_id, c.currency_id, r.month, r.reason_id,
                       reason.category AS reason_category,
                       r.line_count, r.variance_value, r.rank,
                       CASE WHEN r.month_total > 0
                            THEN 100.0 * r.variance_value / r.month_total END AS share,
                       CASE WHEN r.month_total > 0
                            THEN 100.0 * r.running_total / r.month_total END AS cumulative_share
                  FROM ranked r
                  JOIN res_company c ON c.id = r.company_id
             LEFT JOIN stock_accuracy_reason reason ON reason.id = r.reason_id
            )
            """,
                SQL.identifier(self._table),
                SQL.identifier(DAY_TABLE),
            )
        )
