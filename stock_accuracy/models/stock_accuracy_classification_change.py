from odoo import fields, models

from .stock_accuracy_policy import ABC_CLASSES


class StockAccuracyClassificationChange(models.Model):
    """A product whose class a classification run changed."""

    _name = "stock.accuracy.classification.change"
    _inherit = ["stock.accuracy.guarded"]
    _description = "ABC Classification Change"
    _order = "run_id desc, warehouse_id, product_id"

    run_id = fields.Many2one(
        "stock.accuracy.classification.run", required=True, ondelete="cascade", index=True
    )
    product_id = fields.Many2one("product.product", required=True, ondelete="cascade")
    warehouse_id = fields.Many2one("stock.warehouse", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True)
    old_class = fields.Selection(ABC_CLASSES, string="Previous Class")
    new_class = fields.Selection(ABC_CLASSES)

    # -- write policy (stock.accuracy.guarded): written by the module's code only -------------
    def _accuracy_allowed_fields(self):
        return set()
