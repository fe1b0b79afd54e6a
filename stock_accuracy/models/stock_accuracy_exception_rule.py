from datetime import timedelta

from odoo import api, fields, models

from .res_users import INTERNAL_USER_OF_COMPANY
from .stock_accuracy_exception import SEVERITIES


class StockAccuracyExceptionRule(models.Model):
    """Who owns a new exception, by when it must be fixed and how severe it is.

    The first active rule of the exception's company, by sequence, whose warehouse and type
    match (an empty warehouse or type matches any) routes the exception.
    """

    _name = "stock.accuracy.exception.rule"
    _inherit = ["stock.accuracy.guarded"]
    _description = "Inventory Exception Routing Rule"
    _order = "sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    name = fields.Char(compute="_compute_name", store=True, readonly=False)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", check_company=True, help="Leave empty to match every warehouse."
    )
    type_id = fields.Many2one(
        "stock.accuracy.exception.type",
        string="Exception Type",
        help="Leave empty to match every type.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        domain=INTERNAL_USER_OF_COMPANY,
        help="Owner of the exceptions this rule routes. Empty: the warehouse's accuracy "
        "manager, then an accuracy manager of the company.",
    )
    escalation_user_id = fields.Many2one(
        "res.users",
        string="Escalate To",
        domain=INTERNAL_USER_OF_COMPANY,
        help="Told once when an exception routed by this rule is overdue. Empty: the "
        "company's escalation contact.",
    )
    deadline_value = fields.Integer(string="Deadline", default=2, required=True)
    deadline_unit = fields.Selection(
        [("days", "Working Days"), ("hours", "Hours")],
        default="days",
        required=True,
    )
    severity = fields.Selection(SEVERITIES, help="Empty: the type's default severity.")

    _sql_constraints = [
        (
            "deadline_value_positive",
            "CHECK(deadline_value > 0)",
            "The deadline of a routing rule must be positive.",
        ),
    ]

    # -- write policy (stock.accuracy.guarded) --------------------------------------------------
    def _accuracy_check_unlink(self):
        # The exceptions a rule routed keep it.
        groups = (
            self.env["stock.accuracy.exception"]
            .sudo()
            .with_context(active_test=False)
            ._read_group([("rule_id", "in", self.ids)], ["rule_id"])
        )
        self._accuracy_refuse_unlink_used(self.browse(sorted(rule.id for (rule,) in groups)))

    @api.depends("type_id", "warehouse_id")
    def _compute_name(self):
        for rule in self:
            rule.name = " / ".join(
                filter(None, [rule.warehouse_id.name, rule.type_id.name])
            ) or self.env._("All exceptions")

    @api.constrains("user_id", "escalation_user_id", "company_id")
    def _check_users(self):
        for rule in self:
            for user in rule.user_id | rule.escalation_user_id:
                self.env["stock.accuracy.exception"]._check_user_can_own(user, rule.company_id)

    def _compute_deadline(self, start=None):
        """The deadline of an exception routed by this rule, from ``start`` (now)."""
        self.ensure_one()
        start = start or fields.Datetime.now()
        if self.deadline_unit == "hours":
            return start + timedelta(hours=self.deadline_value)
        return self.company_id._accuracy_plan_working_days(self.deadline_value, start)

    @api.model
    def _find_rule(self, company, warehouse, exception_type):
        rules = self.search(
            [
                ("company_id", "=", company.id),
                ("warehouse_id", "in", [warehouse.id, False]),
                ("type_id", "in", [exception_type.id, False]),
            ]
        )
        return rules[:1]
