from odoo import fields, models


class StockAccuracyReasonWizard(models.TransientModel):
    """Asks the reason of the differences over tolerance before applying counts typed in the
    Physical Inventory screen."""

    _name = "stock.accuracy.reason.wizard"
    _description = "Count Difference Reason"

    quant_ids = fields.Many2many("stock.quant", string="Counts")
    over_quant_ids = fields.Many2many(
        "stock.quant",
        "stock_accuracy_reason_wizard_over_quant_rel",
        string="Over Tolerance",
        readonly=True,
    )
    reason_id = fields.Many2one(
        "stock.accuracy.reason",
        required=True,
        domain="['|', ('company_id', '=', False), ('company_id', 'in', allowed_company_ids)]",
    )

    def action_apply(self):
        self.ensure_one()
        self.over_quant_ids.write({"accuracy_reason_id": self.reason_id.id})
        return self.quant_ids.action_apply_inventory()
