from odoo import api, fields, models
from odoo.tools import float_is_zero

from .stock_accuracy_policy import ABC_CLASSES


class StockQuant(models.Model):
    """Odoo's Physical Inventory, applied through the count rules: tolerance, reason codes,
    approval and the count history."""

    _inherit = "stock.quant"

    accuracy_reason_id = fields.Many2one(
        "stock.accuracy.reason",
        string="Count Reason",
        help="Why the counted quantity differs from the book quantity.",
    )
    accuracy_abc_class = fields.Selection(
        ABC_CLASSES, string="ABC Class", compute="_compute_accuracy_tolerance"
    )
    accuracy_tolerance_status = fields.Selection(
        [("within", "Within Tolerance"), ("over", "Over Tolerance")],
        string="Tolerance",
        compute="_compute_accuracy_tolerance",
    )

    @api.depends("inventory_quantity", "inventory_quantity_set", "quantity")
    def _compute_accuracy_tolerance(self):
        lines = self._accuracy_count_lines_preview()
        for quant in self:
            line = lines.get(quant.id)
            quant.accuracy_abc_class = line.abc_class if line else False
            quant.accuracy_tolerance_status = (
                line
                and quant.inventory_quantity_set
                and (line.within_tolerance and "within" or "over")
            ) or False

    def _accuracy_count_lines_preview(self):
        """{quant id: unsaved count line} telling the class and tolerance of each quant's
        counted quantity (one classification and one policy query for all quants)."""
        quants = self.filtered(lambda q: q.location_id.warehouse_id and q.product_id)
        if not quants:
            return {}
        Line = self.env["stock.accuracy.count.line"]
        classes = Line._class_by_product_warehouse(
            [(q.product_id.id, q.location_id.warehouse_id.id) for q in quants]
        )
        policies = {
            p.warehouse_id.id: p
            for p in self.env["stock.accuracy.policy"]
            .sudo()
            .search([("warehouse_id", "in", quants.location_id.warehouse_id.ids)])
        }
        previews = {}
        for quant in quants:
            warehouse = quant.location_id.warehouse_id
            line = Line.new(
                {
                    "product_id": quant.product_id.id,
                    "abc_class": classes.get((quant.product_id.id, warehouse.id), "c"),
                    "unit_cost": quant.product_id.with_company(quant.company_id).standard_price,
                }
            )
            diff = quant.inventory_quantity - quant.quantity
            line.within_tolerance = line._is_within_tolerance(
                quant.quantity, diff, policies.get(warehouse.id)
            )
            previews[quant.id] = line
        return previews

    @api.model
    def _get_inventory_fields_write(self):
        return [*super()._get_inventory_fields_write(), "accuracy_reason_id"]

    def _get_inventory_move_values(
        self, qty, location_id, location_dest_id, package_id=False, package_dest_id=False
    ):
        values = super()._get_inventory_move_values(
            qty,
            location_id,
            location_dest_id,
            package_id=package_id,
            package_dest_id=package_dest_id,
        )
        line_id, reason_id = self.env.context.get("accuracy_apply_links", {}).get(
            self.id, (False, self.accuracy_reason_id.id)
        )
        values.update(accuracy_count_line_id=line_id, accuracy_reason_id=reason_id)
        return values

    def _accuracy_set_counted_quantities(self, quantities):
        """Set {quant id: counted quantity} on the quants as the Physical Inventory screen
        would (counted quantity, its difference to the book, "set"), in one UPDATE: the
        quantities differ per quant, and one ORM write per quant dominated large counts."""
        if not quantities:
            return
        self.flush_model()
        self.env.cr.execute(
            """
            UPDATE stock_quant q
               SET inventory_quantity = v.qty,
                   inventory_diff_quantity = v.qty - q.quantity,
                   inventory_quantity_set = TRUE,
                   write_uid = %s,
                   write_date = now() AT TIME ZONE 'UTC'
              FROM unnest(%s::int[], %s::numeric[]) AS v(id, qty)
             WHERE q.id = v.id
            """,
            [self.env.uid, list(quantities), list(quantities.values())],
        )
        self.browse(list(quantities)).invalidate_recordset()

    def _apply_inventory(self):
        res = super()._apply_inventory()
        self.filtered("accuracy_reason_id").write({"accuracy_reason_id": False})
        return res

    def action_apply_inventory(self):
        """Apply counts from the Physical Inventory screen as count lines: within tolerance
        they are applied, over tolerance they need a reason and an accuracy manager's
        approval. Odoo's conflict wizard comes first, as in core. Only superuser code (data
        migrations, benchmarks) may skip the rules: a context key sent over RPC cannot."""
        skip = self.env.context.get("accuracy_skip_rules") and self.env.su
        if skip or self.filtered("is_outdated"):
            return super().action_apply_inventory()
        quants = self.filtered(
            lambda q: (
                q.inventory_quantity_set
                and q.location_id.warehouse_id
                and q.location_id.usage == "internal"
            )
        )
        tracked_without_lot = quants.filtered(
            lambda q: q.product_id.tracking != "none" and not q.lot_id
        )
        quants -= tracked_without_lot
        if not quants:
            return super().action_apply_inventory()
        previews = quants._accuracy_count_lines_preview()
        over = quants.filtered(lambda q: not previews[q.id].within_tolerance)
        if over.filtered(lambda q: not q.accuracy_reason_id):
            return {
                "name": self.env._("Why do the counts differ?"),
                "type": "ir.actions.act_window",
                "res_model": "stock.accuracy.reason.wizard",
                "view_mode": "form",
                "views": [(False, "form")],
                "target": "new",
                "context": {
                    "default_quant_ids": self.ids,
                    "default_over_quant_ids": over.filtered(lambda q: not q.accuracy_reason_id).ids,
                },
            }
        counts = self.env["stock.accuracy.count"]._create_from_quants(quants, previews)
        counts.line_ids.with_context(accuracy_native=True)._settle_native()
        quants.write({"inventory_quantity_set": False, "accuracy_reason_id": False})
        quants.filtered(lambda q: not float_is_zero(q.inventory_quantity, 6)).write(
            {"inventory_quantity": 0}
        )
        rest = self - quants
        if rest:
            result = super(StockQuant, rest).action_apply_inventory()
            if result:
                return result
        waiting = counts.line_ids.filtered(lambda ln: ln.state == "to_approve")
        if waiting:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "message": self.env._(
                        "%(count)s difference(s) over tolerance wait for an accuracy manager's "
                        "approval in %(sessions)s.",
                        count=len(waiting),
                        sessions=", ".join(waiting.count_id.mapped("name")),
                    ),
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return True
