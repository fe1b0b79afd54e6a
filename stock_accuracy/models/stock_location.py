from odoo import models


class StockLocation(models.Model):
    _name = "stock.location"
    _inherit = ["stock.location", "stock.accuracy.exception.mixin"]
    _accuracy_exception_path = "location_id"

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
