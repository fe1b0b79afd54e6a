from odoo import fields, models

from .stock_accuracy_exception import OPEN_STATES


class StockLocation(models.Model):
    _inherit = "stock.location"

    def action_accuracy_spot_count(self):
        quants = self.env["stock.quant"].search(
            [("location_id", "child_of", self.ids), ("location_id.usage", "=", "internal")]
        )
        counts = self.env["stock.accuracy.count"]._create_spot_counts(
            self.env["stock.accuracy.count"]._spot_items_for_quants(quants),
            "manual",
            origin=", ".join(self.mapped("complete_name")),
        )
        return counts._action_open_sessions()

    accuracy_exception_count = fields.Integer(
        string="Open Exceptions",
        compute="_compute_accuracy_exception_count",
        groups="stock_accuracy.group_accuracy_counter",
    )

    def _compute_accuracy_exception_count(self):
        counts = dict(
            self.env["stock.accuracy.exception"]._read_group(
                [("location_id", "in", self.ids), ("state", "in", OPEN_STATES)],
                ["location_id"],
                ["__count"],
            )
        )
        for location in self:
            location.accuracy_exception_count = counts.get(location, 0)

    def action_view_accuracy_exceptions(self):
        self.ensure_one()
        return self.env["stock.accuracy.exception"]._action_for([("location_id", "=", self.id)])
