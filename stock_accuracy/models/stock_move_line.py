from odoo import api, models

PREPARATION_FIELDS = {"quantity", "picked", "lot_id", "lot_name", "result_package_id"}


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.picking_id._accuracy_mark_prepared()
        return lines

    def write(self, vals):
        res = super().write(vals)
        if PREPARATION_FIELDS & set(vals):
            self.picking_id._accuracy_mark_prepared()
        return res
