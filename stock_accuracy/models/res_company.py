from datetime import UTC, datetime, time, timedelta

from odoo import fields, models

from .stock_accuracy_policy import RULE_FIELDS


class ResCompany(models.Model):
    _inherit = "res.company"

    accuracy_dead_stock_days = fields.Integer(
        string="Dead Stock After (Days)",
        default=180,
        help="A product with stock on hand and no outgoing move for this many days is dead stock.",
    )
    accuracy_variance_value_threshold = fields.Monetary(
        string="Large Variance Value",
        currency_field="currency_id",
        default=1000.0,
        help="A count difference worth more than this raises an exception for the "
        "accuracy managers.",
    )
    accuracy_count_max_age_hours = fields.Integer(
        string="Count Expires After (Hours)",
        default=72,
        help="A count line older than this when it is applied must be recounted.",
    )

    _sql_constraints = [
        (
            "accuracy_dead_stock_days_positive",
            "CHECK(accuracy_dead_stock_days > 0)",
            "The number of days after which stock is dead must be positive.",
        ),
        (
            "accuracy_variance_value_threshold_positive",
            "CHECK(accuracy_variance_value_threshold >= 0)",
            "The large variance value cannot be negative.",
        ),
        (
            "accuracy_count_max_age_hours_positive",
            "CHECK(accuracy_count_max_age_hours > 0)",
            "The age after which a count expires must be positive.",
        ),
    ]

    accuracy_default_reason_id = fields.Many2one(
        "stock.accuracy.reason",
        string="Default Count Reason",
        help="The reason given to count differences within tolerance. Empty: Miscount.",
    )

    accuracy_escalation_user_id = fields.Many2one(
        "res.users",
        string="Escalate Overdue Exceptions To",
        domain="[('share', '=', False)]",
        help="Told once when an exception is overdue, unless its routing rule names someone else.",
    )

    accuracy_default_apply_count_rules = fields.Boolean(
        string="New Warehouses: Count Rules on Physical Inventory",
        help="New warehouses of this company start with the count rules on Physical Inventory.",
    )
    accuracy_default_lock_full_counts = fields.Boolean(
        string="New Warehouses: Lock During Full Counts",
        help="New warehouses of this company start with full counts locking their locations.",
    )
    accuracy_default_spot_on_negative = fields.Boolean(
        string="New Warehouses: Count Negative Stock",
        help="New warehouses of this company start with a spot count whenever stock goes negative.",
    )
    accuracy_default_spot_on_zero = fields.Boolean(
        string="New Warehouses: Confirm Empty Locations",
        help="New warehouses of this company start with a spot count whenever a location empties.",
    )

    def _accuracy_policy_defaults(self):
        """The rules a new warehouse of this company starts with."""
        self.ensure_one()
        return {name: self[f"accuracy_default_{name}"] for name in RULE_FIELDS}

    def _accuracy_plan_working_days(self, days, start):
        """The end of the ``days``-th working day after ``start``'s day, on the company's
        working schedule (calendar days when the company has none)."""
        self.ensure_one()
        next_day = datetime.combine(start.date() + timedelta(days=1), time.min)
        calendar = self.resource_calendar_id
        deadline = calendar and calendar.plan_days(days, next_day, compute_leaves=True)
        if not deadline:
            return next_day + timedelta(days=days) - timedelta(seconds=1)
        return deadline.astimezone(UTC).replace(tzinfo=None) if deadline.tzinfo else deadline
