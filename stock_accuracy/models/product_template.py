from odoo import fields, models

from .stock_accuracy_exception import OPEN_STATES


class ProductTemplate(models.Model):
    _inherit = "product.template"

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

    accuracy_exception_count = fields.Integer(
        string="Open Exceptions",
        compute="_compute_accuracy_exception_count",
        groups="stock_accuracy.group_accuracy_counter",
    )

    def _compute_accuracy_exception_count(self):
        counts = dict(
            self.env["stock.accuracy.exception"]._read_group(
                [
                    ("product_id.product_tmpl_id", "in", self.ids),
                    ("state", "in", OPEN_STATES),
                ],
                ["product_id"],
                ["__count"],
            )
        )
        per_template = {}
        for product, count in counts.items():
            template = product.product_tmpl_id.id
            per_template[template] = per_template.get(template, 0) + count
        for template in self:
            template.accuracy_exception_count = per_template.get(template.id, 0)

    def action_view_accuracy_exceptions(self):
        self.ensure_one()
        return self.env["stock.accuracy.exception"]._action_for(
            [("product_id.product_tmpl_id", "=", self.id)]
        )
