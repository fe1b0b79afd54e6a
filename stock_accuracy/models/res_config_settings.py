from odoo import api, fields, models


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
    accuracy_default_apply_count_rules = fields.Boolean(
        related="company_id.accuracy_default_apply_count_rules", readonly=False
    )
    accuracy_default_lock_full_counts = fields.Boolean(
        related="company_id.accuracy_default_lock_full_counts", readonly=False
    )
    accuracy_default_spot_on_negative = fields.Boolean(
        related="company_id.accuracy_default_spot_on_negative", readonly=False
    )
    accuracy_default_spot_on_zero = fields.Boolean(
        related="company_id.accuracy_default_spot_on_zero", readonly=False
    )
    module_stock_accuracy_kpi = fields.Boolean(string="Accuracy KPIs")
    module_stock_accuracy_sync = fields.Boolean(string="External Systems (SOAP)")
    accuracy_rules_status = fields.Char(
        string="Rules in Force", compute="_compute_accuracy_rules_status"
    )

    @api.depends("company_id")
    def _compute_accuracy_rules_status(self):
        Policy = self.env["stock.accuracy.policy"].sudo()
        for settings in self:
            warehouses = self.env["stock.warehouse"].search_count(
                [("company_id", "=", settings.company_id.id)]
            )
            ruled = Policy.search_count(
                [("company_id", "=", settings.company_id.id), *Policy._any_rule_on_domain()]
            )
            settings.accuracy_rules_status = self.env._(
                "%(ruled)s of %(total)s warehouses have a rule on",
                ruled=ruled,
                total=warehouses,
            )

    def action_accuracy_open_policies(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "stock_accuracy.action_accuracy_policy"
        )
