from odoo import fields, models, tools
from odoo.tools import SQL

from odoo.addons.stock_accuracy.models.stock_accuracy_exception import SEVERITIES


class StockAccuracyExceptionReport(models.Model):
    """One row per exception, dated by when it was opened. ``open_count``, ``closed_count``
    and ``overdue_count`` sum to the queue figures; ``hours_to_close`` averages to the mean
    time to close (closed exceptions only, empty otherwise, so the average skips open ones)."""

    _name = "stock.accuracy.exception.report"
    _description = "Exception Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "exception_id"

    date = fields.Datetime(string="Opened On", readonly=True)
    date_closed = fields.Datetime(string="Closed On", readonly=True)
    exception_id = fields.Many2one("stock.accuracy.exception", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    type_id = fields.Many2one("stock.accuracy.exception.type", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    user_id = fields.Many2one("res.users", string="Owner", readonly=True)
    severity = fields.Selection(SEVERITIES, readonly=True)
    state = fields.Selection(
        selection=lambda self: self.env["stock.accuracy.exception"]._fields["state"].selection,
        readonly=True,
    )
    reason_id = fields.Many2one("stock.accuracy.reason", string="Root Cause", readonly=True)
    reason_category = fields.Selection(
        selection=lambda self: self.env["stock.accuracy.reason"]._fields["category"].selection,
        string="Root Cause Category",
        readonly=True,
    )
    opened_count = fields.Integer(string="Opened", readonly=True, aggregator="sum")
    open_count = fields.Integer(string="Open", readonly=True, aggregator="sum")
    closed_count = fields.Integer(string="Closed", readonly=True, aggregator="sum")
    overdue_count = fields.Integer(string="Overdue", readonly=True, aggregator="sum")
    hours_to_close = fields.Float(
        string="Hours to Close",
        readonly=True,
        aggregator="avg",
        help="From opening to closing, for closed exceptions.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
                SELECT e.id,
                       e.id AS exception_id,
                       e.create_date AS date,
                       e.date_closed,
                       e.company_id,
                       e.warehouse_id,
                       e.type_id,
                       e.product_id,
                       e.user_id,
                       e.severity,
                       e.state,
                       e.reason_id,
                       e.reason_category,
                       1 AS opened_count,
                       CASE WHEN e.state IN ('new', 'in_progress') THEN 1 ELSE 0 END
                           AS open_count,
                       CASE WHEN e.state = 'closed' THEN 1 ELSE 0 END AS closed_count,
                       CASE WHEN e.state IN ('new', 'in_progress')
                                 AND e.date_deadline < (NOW() AT TIME ZONE 'UTC')
                            THEN 1 ELSE 0 END AS overdue_count,
                       CASE WHEN e.state = 'closed' AND e.date_closed IS NOT NULL
                            THEN EXTRACT(EPOCH FROM e.date_closed - e.create_date) / 3600.0
                       END AS hours_to_close
                  FROM stock_accuracy_exception e
            )
            """,
                SQL.identifier(self._table),
            )
        )
