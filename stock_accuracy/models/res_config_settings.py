from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    company_currency_id = fields.Many2one(
        "res.currency",
        related="company_id.currency_id",
        string="Company Currency",
        readonly=True,
    )
    accuracy_dead_stock_days = fields.Integer(
        related="company_id.accuracy_dead_stock_days", readonly=False
    )
    accuracy_variance_value_threshold = fields.Monetary(
        related="company_id.accuracy_variance_value_threshold",
        readonly=False,
        currency_field="company_currency_id",
    )
    accuracy_count_max_age_hours = fields.Integer(
        related="company_id.accuracy_count_max_age_hours", readonly=False
    )
    accuracy_escalation_user_id = fields.Many2one(
        related="company_id.accuracy_escalation_user_id", readonly=False
    )
    accuracy_default_reason_id = fields.Many2one(
        related="company_id.accuracy_default_reason_id", readonly=False
    )
