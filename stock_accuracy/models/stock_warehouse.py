from odoo import api, fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    accuracy_manager_id = fields.Many2one(
        "res.users",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Owns the inventory exceptions of this warehouse that no routing rule assigns.",
    )

    @api.constrains("accuracy_manager_id", "company_id")
    def _check_accuracy_manager(self):
        for warehouse in self:
            self.env["stock.accuracy.exception"]._check_user_can_own(
                warehouse.accuracy_manager_id, warehouse.company_id
            )
