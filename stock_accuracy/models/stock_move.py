from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_assign(self, force_qty=False):
        """Reserving is not preparing; once ready, open the double-checks (one create)."""
        res = super(StockMove, self.with_context(accuracy_no_prepare=True))._action_assign(
            force_qty=force_qty
        )
        self.picking_id._accuracy_create_checks()
        return res
