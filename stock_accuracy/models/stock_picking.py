from odoo import fields, models

from .stock_accuracy_exception import OPEN_STATES


class StockPicking(models.Model):
    _inherit = "stock.picking"

    accuracy_exception_count = fields.Integer(
        string="Open Exceptions",
        compute="_compute_accuracy_exception_count",
        groups="stock_accuracy.group_accuracy_counter",
    )

    def _accuracy_exception_domain(self):
        return [("source_model", "=", "stock.picking"), ("source_res_id", "in", self.ids)]

    def _compute_accuracy_exception_count(self):
        counts = dict(
            self.env["stock.accuracy.exception"]._read_group(
                self._accuracy_exception_domain() + [("state", "in", OPEN_STATES)],
                ["source_res_id"],
                ["__count"],
            )
        )
        for picking in self:
            picking.accuracy_exception_count = counts.get(picking.id, 0)

    def action_view_accuracy_exceptions(self):
        self.ensure_one()
        return self.env["stock.accuracy.exception"]._action_for(self._accuracy_exception_domain())
