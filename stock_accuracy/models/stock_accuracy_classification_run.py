from odoo import fields, models


class StockAccuracyClassificationRun(models.Model):
    """One computation of the ABC classes: who ran it, when, and what changed."""

    _name = "stock.accuracy.classification.run"
    _inherit = ["stock.accuracy.guarded"]
    _description = "ABC Classification Run"
    _order = "date desc, id desc"
    _rec_name = "date"

    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Run By", readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )
    warehouse_ids = fields.Many2many("stock.warehouse", string="Warehouses", readonly=True)
    count_a = fields.Integer(string="Class A", readonly=True)
    count_b = fields.Integer(string="Class B", readonly=True)
    count_c = fields.Integer(string="Class C", readonly=True)
    count_no_movement = fields.Integer(string="No Movement", readonly=True)
    count_changed = fields.Integer(string="Changed", readonly=True)
    change_ids = fields.One2many(
        "stock.accuracy.classification.change", "run_id", string="Changes", readonly=True
    )

    # -- write policy (stock.accuracy.guarded): written by the module's code only -------------
    def _accuracy_allowed_fields(self):
        return set()

    def _action_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
        }
