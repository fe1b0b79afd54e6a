from odoo import api, models
from odoo.exceptions import UserError

from .stock_accuracy_guarded import is_internal

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
# What the double-check policy of a transfer judges (see stock.picking._accuracy_needs_check).
PICKED_FIELDS = frozenset({"quantity", "product_uom_id", "product_id", "picked"})
# What a done move line of a count records: part of the count history.
COUNT_HISTORY_FIELDS = frozenset(
    {
        "quantity",
        "product_id",
        "product_uom_id",
        "lot_id",
        "lot_name",
        "location_id",
        "location_dest_id",
        "package_id",
        "result_package_id",
        "owner_id",
        "state",
        "date",
        "picked",
        "move_id",
    }
)


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.picking_id._accuracy_mark_prepared()
        return lines

    def _accuracy_picked_changed(self, vals):
        if PICKED_FIELDS & set(vals):
            self.picking_id._accuracy_picked_changed()

    def write(self, vals):
        if COUNT_HISTORY_FIELDS & set(vals) and not is_internal(self.env):
            history = self.filtered(
                lambda ml: ml.state == "done" and ml.move_id.accuracy_count_line_id
            )
            if history:
                raise UserError(
                    self.env._(
                        "%(move)s records a count: it is history and cannot be changed.",
                        move=history[0].reference or history[0].product_id.display_name,
                    )
                )
        preparing = bool(PREPARATION_FIELDS & set(vals))
        pickings = self.picking_id if preparing else None
        res = super().write(vals)
        if preparing:
            self._accuracy_picked_changed(vals)
            (pickings | self.picking_id)._accuracy_mark_prepared()
        return res

    def unlink(self):
        pickings = self.picking_id
        res = super().unlink()
        pickings.exists()._accuracy_mark_prepared()
        return res
