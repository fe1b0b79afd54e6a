# Copyright 2026 stock_accuracy authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class StockAccuracyException(models.Model):
    _inherit = "stock.accuracy.exception"

    @api.model
    def _selection_source_model(self):
        """A reconciliation raises its differences from the external system it read."""
        sources = super()._selection_source_model()
        model = "stock.accuracy.backend"
        return [*sources, (model, self.env["ir.model"]._get(model).name or model)]
