from odoo import fields, models

from .stock_accuracy_exception import SEVERITIES


class StockAccuracyExceptionType(models.Model):
    """A kind of inventory anomaly. Managers add their own types without code; the types the
    module raises itself are shipped as data and found by their ``code``."""

    _name = "stock.accuracy.exception.type"
    _inherit = ["stock.accuracy.guarded"]
    _description = "Inventory Exception Type"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    code = fields.Char(
        required=True,
        index=True,
        help="Technical key used by the code that raises exceptions of this type.",
    )
    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    requires_product = fields.Boolean(
        string="Requires a Product",
        help="An exception of this type cannot be raised without a product.",
    )
    count_to_verify = fields.Boolean(
        string="Count to Verify",
        help="An exception of this type asks for a count of the product at the location to "
        "confirm the stock.",
    )
    default_severity = fields.Selection(SEVERITIES, required=True, default="medium")
    default_deadline_days = fields.Integer(
        string="Default Deadline (Working Days)",
        default=3,
        help="Used when no routing rule gives a deadline.",
    )
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_uniq", "UNIQUE(code)", "The code of an exception type must be unique."),
        (
            "default_deadline_days_positive",
            "CHECK(default_deadline_days > 0)",
            "The default deadline must be at least one working day.",
        ),
    ]
