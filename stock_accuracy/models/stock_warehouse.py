from odoo import api, fields, models

from .res_users import INTERNAL_USER_OF_COMPANY
from .stock_accuracy_policy import RULE_FIELDS


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    accuracy_policy_ids = fields.One2many(
        "stock.accuracy.policy", "warehouse_id", string="Accuracy Policies"
    )
    accuracy_policy_id = fields.Many2one(
        "stock.accuracy.policy", compute="_compute_accuracy_policy_id"
    )

    accuracy_rules_on = fields.Integer(
        compute="_compute_accuracy_policy_id",
        help="How many of the rules that change Odoo's flows this warehouse's policy turns on.",
    )

    def _compute_accuracy_policy_id(self):
        policies = self.env["stock.accuracy.policy"]._for_warehouses(self)
        for warehouse in self:
            policy = policies.get(warehouse._origin.id, self.env["stock.accuracy.policy"])
            warehouse.accuracy_policy_id = policy
            warehouse.accuracy_rules_on = sum(bool(policy[name]) for name in RULE_FIELDS)

    @api.model_create_multi
    def create(self, vals_list):
        warehouses = super().create(vals_list)
        self.env["stock.accuracy.policy"].sudo()._create_for_warehouses(warehouses)
        return warehouses

    def action_open_accuracy_policy(self):
        self.ensure_one()
        policy = self.accuracy_policy_id or self.env[
            "stock.accuracy.policy"
        ]._create_for_warehouses(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Accuracy Policy"),
            "res_model": "stock.accuracy.policy",
            "res_id": policy.id,
            "view_mode": "form",
        }

    accuracy_manager_id = fields.Many2one(
        "res.users",
        domain=INTERNAL_USER_OF_COMPANY,
        help="Owns the inventory exceptions of this warehouse that no routing rule assigns.",
    )

    @api.constrains("accuracy_manager_id", "company_id")
    def _check_accuracy_manager(self):
        for warehouse in self:
            self.env["stock.accuracy.exception"]._check_user_can_own(
                warehouse.accuracy_manager_id, warehouse.company_id
            )
