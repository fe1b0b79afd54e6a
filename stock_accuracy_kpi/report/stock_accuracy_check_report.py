from odoo import fields, models, tools
from odoo.tools import SQL

from odoo.addons.stock_accuracy.models.stock_accuracy_check_line import RESULTS


class StockAccuracyCheckReport(models.Model):
    """One row per checked double-check line (a line gets its result when its check finishes;
    finished checks never change). ``mismatch_count`` sums to the lines at fault and
    ``line_count`` to the checked lines; the 0/1 ``error_rate`` averages to the double-check
    error rate of any group (by picker, checker, operation type, product, month)."""

    _name = "stock.accuracy.check.report"
    _description = "Double-Check Error Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "product_id"

    date = fields.Datetime(string="Checked On", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    picking_type_id = fields.Many2one("stock.picking.type", string="Operation Type", readonly=True)
    picking_id = fields.Many2one("stock.picking", string="Transfer", readonly=True)
    check_id = fields.Many2one("stock.accuracy.check", string="Double-Check", readonly=True)
    check_line_id = fields.Many2one("stock.accuracy.check.line", readonly=True)
    picker_id = fields.Many2one("res.users", readonly=True)
    checker_id = fields.Many2one("res.users", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    result = fields.Selection(RESULTS, readonly=True)
    is_mismatch = fields.Boolean(string="Mismatch", readonly=True)
    line_count = fields.Integer(string="Checked Lines", readonly=True, aggregator="sum")
    mismatch_count = fields.Integer(string="Lines at Fault", readonly=True, aggregator="sum")
    error_rate = fields.Float(
        string="Double-Check Error Rate",
        readonly=True,
        aggregator="avg",
        help="Share of checked lines with a mismatch.",
    )
    expected_qty = fields.Float(
        string="Expected Quantity",
        digits="Product Unit of Measure",
        readonly=True,
        groups="stock_accuracy.group_accuracy_manager",
    )
    checked_qty = fields.Float(
        string="Checked Quantity", digits="Product Unit of Measure", readonly=True
    )
    difference_qty = fields.Float(
        string="Difference", digits="Product Unit of Measure", readonly=True, aggregator="sum"
    )

    def init(self):
        # Checked lines by date: the KPIs of a period, the export.
        tools.create_index(
            self.env.cr,
            "stock_accuracy_check_line_checked_on_index",
            "stock_accuracy_check_line",
            ["date_done", "picking_type_id"],
            where="result IS NOT NULL",
        )
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
                SELECT l.id,
                       l.id AS check_line_id,
                       l.date_done AS date,
                       l.company_id,
                       t.warehouse_id,
                       l.picking_type_id,
                       l.picking_id,
                       l.check_id,
                       l.picker_id,
                       l.checker_id,
                       l.product_id,
                       l.product_categ_id,
                       l.result,
                       l.result <> 'match' AS is_mismatch,
                       1 AS line_count,
                       CASE WHEN l.result <> 'match' THEN 1 ELSE 0 END AS mismatch_count,
                       CASE WHEN l.result <> 'match' THEN 1.0 ELSE 0.0 END AS error_rate,
                       l.expected_qty,
                       l.checked_qty,
                       l.difference_qty
                  FROM stock_accuracy_check_line l
             LEFT JOIN stock_picking_type t ON t.id = l.picking_type_id
                 WHERE l.result IS NOT NULL
            )
            """,
                SQL.identifier(self._table),
            )
        )
