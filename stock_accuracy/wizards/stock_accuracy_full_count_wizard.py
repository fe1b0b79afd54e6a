from odoo import api, fields, models
from odoo.exceptions import UserError


class StockAccuracyFullCountWizard(models.TransientModel):
    """Start a wall-to-wall count of a warehouse or a location subtree."""

    _name = "stock.accuracy.full.count.wizard"
    _description = "Full Count"

    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        default=lambda self: self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
    )
    location_id = fields.Many2one(
        "stock.location",
        domain="[('warehouse_id', '=', warehouse_id), ('usage', '=', 'internal')]",
        help="Leave empty to count the whole stock location of the warehouse.",
    )
    scheduled_date = fields.Date(default=fields.Date.context_today, required=True)
    counter_ids = fields.Many2many("res.users", string="Counters")
    start = fields.Boolean(
        string="Start Now",
        default=True,
        help="Start the session at once. Where the warehouse's policy locks full counts, moves "
        "in or out of the locations are blocked until it is finished.",
    )

    @api.onchange("warehouse_id")
    def _onchange_warehouse_id(self):
        if self.location_id and self.location_id.warehouse_id != self.warehouse_id:
            self.location_id = False

    def action_create(self):
        self.ensure_one()
        if not self.env.user.has_group("stock_accuracy.group_accuracy_manager"):
            raise UserError(self.env._("Only accuracy managers can start a full count."))
        root = self.location_id or self.warehouse_id.lot_stock_id
        count = self.env["stock.accuracy.count"]._create_full_count(
            self.warehouse_id, root, self.scheduled_date, self.counter_ids
        )
        if self.start:
            count.action_start()
        return count._action_open_sessions()
