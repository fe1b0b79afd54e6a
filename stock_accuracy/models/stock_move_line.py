from odoo import api, models

# What a passed double-check certified: changing any of these asks for a new check.
PREPARATION_FIELDS = {
    "quantity",
    "picked",
    "product_id",
    "product_uom_id",
    "lot_id",
    "lot_name",
    "package_id",
    "result_package_id",
    "location_id",
    "owner_id",
    "move_id",
    "picking_id",
}


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.picking_id._accuracy_mark_prepared()
        return lines

    def write(self, vals):
        pickings = self.picking_id
        res = super().write(vals)
        if PREPARATION_FIELDS & set(vals):
            (pickings | self.picking_id)._accuracy_mark_prepared()
        return res

    def unlink(self):
        pickings = self.picking_id
        res = super().unlink()
        pickings.exists()._accuracy_mark_prepared()
        return res
