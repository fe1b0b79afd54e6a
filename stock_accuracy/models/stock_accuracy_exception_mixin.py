from collections import defaultdict

from odoo import fields, models

from .stock_accuracy_exception import OPEN_STATES


class StockAccuracyExceptionMixin(models.AbstractModel):
    """The "Open Exceptions" smart button of a record exceptions point at (a product, its
    template, a location): the count of its open exceptions in one grouped query for the
    whole recordset, and the action listing them."""

    _name = "stock.accuracy.exception.mixin"
    _description = "Open Inventory Exceptions of a Record"

    # Path from stock.accuracy.exception to the inheriting model, e.g. "product_id" or
    # "product_id.product_tmpl_id".
    _accuracy_exception_path = None

    accuracy_exception_count = fields.Integer(
        string="Open Exceptions",
        compute="_compute_accuracy_exception_count",
        groups="stock_accuracy.group_accuracy_counter",
    )

    def _compute_accuracy_exception_count(self):
        path = self._accuracy_exception_path
        field, _dot, rest = path.partition(".")
        groups = self.env["stock.accuracy.exception"]._read_group(
            [(path, "in", self.ids), ("state", "in", OPEN_STATES)], [field], ["__count"]
        )
        counts = defaultdict(int)
        for record, count in groups:
            counts[(record.mapped(rest) if rest else record).id] += count
        for record in self:
            record.accuracy_exception_count = counts[record.id]

    def action_view_accuracy_exceptions(self):
        self.ensure_one()
        return self.env["stock.accuracy.exception"]._action_for(
            [(self._accuracy_exception_path, "=", self.id)]
        )
