from odoo import fields, models


class ProductTemplate(models.Model):
    _name = "product.template"
    _inherit = ["product.template", "stock.accuracy.exception.mixin"]
    _accuracy_exception_path = "product_id.product_tmpl_id"

    accuracy_classification_ids = fields.One2many(
        "stock.accuracy.classification", "product_tmpl_id", string="ABC Classes"
    )

    def action_accuracy_spot_count(self):
        quants = self.env["stock.quant"].search(
            [
                ("product_id", "in", self.product_variant_ids.ids),
                ("location_id.usage", "=", "internal"),
            ]
        )
        counts = self.env["stock.accuracy.count"]._create_spot_counts(
            self.env["stock.accuracy.count"]._spot_items_for_quants(quants),
            "manual",
            origin=", ".join(self.mapped("display_name")),
        )
        return counts._action_open_sessions()
