from collections import Counter

from odoo import fields, models
from odoo.exceptions import UserError


class StockAccuracyPlanWizard(models.TransientModel):
    """Plan cycle counts over a horizon: preview the sessions, then create them."""

    _name = "stock.accuracy.plan.wizard"
    _description = "Plan Counts"

    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Warehouses",
        required=True,
        default=lambda self: self.env["stock.warehouse"].search(
            [("company_id", "in", self.env.companies.ids)]
        ),
    )
    horizon = fields.Integer(string="Horizon (Days)", default=14, required=True)
    date_from = fields.Date(string="From", default=fields.Date.context_today, required=True)
    line_ids = fields.One2many("stock.accuracy.plan.wizard.line", "wizard_id", string="Preview")
    unplanned_count = fields.Integer(string="Not Planned (No Capacity)", readonly=True)
    previewed = fields.Boolean(readonly=True)

    def _policies(self):
        if self.horizon <= 0:
            raise UserError(self.env._("The planning horizon must be at least one day."))
        return self.env["stock.accuracy.policy"].search(
            [("warehouse_id", "in", self.warehouse_ids.ids)]
        )

    def action_preview(self):
        self.ensure_one()
        planner = self.env["stock.accuracy.planner"]
        policies = self._policies()
        plans = planner._compute_plan(policies, self.horizon, date_from=self.date_from)
        line_vals = []
        unplanned = 0
        for policy in policies:
            plan, left = plans[policy]
            unplanned += len(left)
            counters = policy.counter_ids.sorted("id")
            for index, (day, zone, items) in enumerate(planner._session_groups(policy, plan)):
                classes = Counter(item["abc_class"] for item in items)
                line_vals.append(
                    fields.Command.create(
                        {
                            "warehouse_id": policy.warehouse_id.id,
                            "scheduled_date": day,
                            "zone_location_id": zone,
                            "counter_id": counters[index % len(counters)].id if counters else False,
                            "line_count": len(items),
                            "count_a": classes["a"],
                            "count_b": classes["b"],
                            "count_c": classes["c"],
                            "overdue_count": sum(1 for i in items if i["due_date"] < day),
                        }
                    )
                )
        self.line_ids = [fields.Command.clear(), *line_vals]
        self.unplanned_count = unplanned
        self.previewed = True
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_plan(self):
        self.ensure_one()
        if not self.env.user.has_group("stock_accuracy.group_accuracy_manager"):
            raise UserError(self.env._("Only accuracy managers can plan counts."))
        sessions = self.env["stock.accuracy.planner"]._plan_counts(
            self._policies(), self.horizon, date_from=self.date_from
        )
        if not sessions:
            raise UserError(self.env._("Nothing is due for a count in this horizon."))
        return sessions._action_open_sessions()
