from odoo import fields, models


class StockAccuracyPlanWizardLine(models.TransientModel):
    """One session the planner would create."""

    _name = "stock.accuracy.plan.wizard.line"
    _description = "Planned Count Session"
    _order = "scheduled_date, warehouse_id, id"

    wizard_id = fields.Many2one("stock.accuracy.plan.wizard", required=True, ondelete="cascade")
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    scheduled_date = fields.Date(readonly=True)
    zone_location_id = fields.Many2one("stock.location", string="Zone", readonly=True)
    counter_id = fields.Many2one("res.users", readonly=True)
    line_count = fields.Integer(string="Lines", readonly=True)
    count_a = fields.Integer(string="A", readonly=True)
    count_b = fields.Integer(string="B", readonly=True)
    count_c = fields.Integer(string="C", readonly=True)
    overdue_count = fields.Integer(string="Overdue", readonly=True)
