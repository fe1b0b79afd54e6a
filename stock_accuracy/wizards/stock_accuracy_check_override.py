from odoo import fields, models


class StockAccuracyCheckOverride(models.TransientModel):
    """An Accuracy Manager releases a transfer that has not passed its double-check."""

    _name = "stock.accuracy.check.override"
    _description = "Release a Transfer Without Double-Check"

    picking_id = fields.Many2one("stock.picking", string="Transfer", required=True, readonly=True)
    company_id = fields.Many2one(related="picking_id.company_id")
    accuracy_check_state = fields.Selection(related="picking_id.accuracy_check_state")
    prepared_by_id = fields.Many2one(related="picking_id.accuracy_prepared_by_id")
    reason_id = fields.Many2one(
        "stock.accuracy.reason",
        required=True,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    requires_note = fields.Boolean(related="reason_id.requires_note")
    note = fields.Text(help="What happened, and why the transfer may go without a passed check.")

    def action_confirm(self):
        self.ensure_one()
        self.picking_id._accuracy_override(self.reason_id, self.note)
        return {"type": "ir.actions.act_window_close"}
