from odoo import fields, models

from .stock_accuracy_exception import OPEN_STATES


class ProductProduct(models.Model):
    _inherit = "product.product"

    accuracy_exception_count = fields.Integer(
        string="Open Exceptions",
        compute="_compute_accuracy_exception_count",
        groups="stock_accuracy.group_accuracy_counter",
    )

    def _compute_accuracy_exception_count(self):
        counts = dict(
            self.env["stock.accuracy.exception"]._read_group(
                [("product_id", "in", self.ids), ("state", "in", OPEN_STATES)],
                ["product_id"],
                ["__count"],
            )
        )
        for product in self:
            product.accuracy_exception_count = counts.get(product, 0)

    def action_view_accuracy_exceptions(self):
        self.ensure_one()
        return self.env["stock.accuracy.exception"]._action_for([("product_id", "=", self.id)])
