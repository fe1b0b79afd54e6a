from odoo import fields, models


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
