from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .stock_accuracy_count_line import ApplyLinks
from .stock_accuracy_guarded import GUARD_KEY, INTERNAL, is_internal
from .stock_accuracy_policy import ABC_CLASSES


class _Marker:
    """A context value only code of this process can pass: JSON-RPC sends strings, numbers,
    lists and dicts, never an instance of this class."""

    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__


class HeldLines(_Marker):
    """Collects the count lines that the count rules held back during one apply."""

    def __init__(self):
        self.lines = []


REFUSE_HOLD = _Marker()


class StockQuant(models.Model):
    """Odoo's Physical Inventory, applied through the count rules (tolerance, reason codes,
    approval and the count history) in the warehouses whose policy turns them on; elsewhere
    exactly as in Odoo."""

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
        policies = self.env["stock.accuracy.policy"]._for_warehouses(
            quants.location_id.warehouse_id
        )
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
        links = self.env.context.get("accuracy_apply_links")
        if not isinstance(links, ApplyLinks):
            links = {}
        line_id, reason_id = links.get(self.id, (False, self.accuracy_reason_id.id))
        if line_id or reason_id:
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
            SQL(
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
                self.env.uid,
                list(quantities),
                list(quantities.values()),
            ),
        )
        self.browse(list(quantities)).invalidate_recordset()

    def _accuracy_ruled(self):
        """The quants of this set that the count rules govern: in an internal location of a
        warehouse whose policy turns the rules on, and not a tracked product without its lot
        (Odoo asks about those in its own wizard)."""
        quants = self.filtered(
            lambda q: (
                q.location_id.usage == "internal"
                and q.location_id.warehouse_id
                and not (q.product_id.tracking != "none" and not q.lot_id)
            )
        )
        if not quants:
            return quants
        ruled = self.env["stock.accuracy.policy"]._ruled_warehouse_ids(
            quants.location_id.warehouse_id.ids, "apply_count_rules"
        )
        return quants.filtered(lambda q: q.location_id.warehouse_id.id in ruled)

    # -- the book quantity itself -------------------------------------------------------------
    def _accuracy_check_book_write(self, fnames, locations):
        """Odoo writes a quant's quantity as the system (sudo) when moves are done; a user who
        writes it straight (or creates a quant holding stock) in a warehouse whose count rules
        are on is refused unless an accuracy manager: the book changes through counts."""
        if not ({"quantity", "reserved_quantity"} & set(fnames)) or self.env.su:
            return
        if is_internal(self.env) or self.env.user.has_group(
            "stock_accuracy.group_accuracy_manager"
        ):
            return
        ruled = self.env["stock.accuracy.policy"]._ruled_warehouse_ids(
            locations.warehouse_id.ids, "apply_count_rules"
        )
        if ruled:
            raise UserError(
                self.env._(
                    "The quantity on hand in %(warehouse)s changes through counts and "
                    "transfers only (its count rules are on).",
                    warehouse=", ".join(
                        self.env["stock.warehouse"].sudo().browse(ruled).mapped("name")
                    ),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            fnames = {name for vals in vals_list for name in vals}
            locations = self.env["stock.location"].browse(
                {vals["location_id"] for vals in vals_list if vals.get("location_id")}
            )
            self._accuracy_check_book_write(fnames, locations)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and ("quantity" in vals or "reserved_quantity" in vals):
            self._accuracy_check_book_write(set(vals), self.location_id)
        return super().write(vals)

    def _apply_inventory(self):
        """Every path that applies counted quantities ends here (Physical Inventory, Odoo's
        conflict, tracking and quantity wizards, an edit of the on-hand quantity): where the
        count rules are on, the quantities become count lines; within tolerance they are
        applied as Odoo would, with their line and reason on the move, over tolerance they are
        held for an accuracy manager's approval and the quant keeps its book. Count lines
        themselves apply through here with their links, which only this process can hand
        down."""
        if isinstance(self.env.context.get("accuracy_apply_links"), ApplyLinks):
            ruled = self.browse()
        else:
            ruled = self._accuracy_ruled()
        rest = self - ruled
        res = None
        if rest:
            # Odoo's own apply, where no count rule governs: the moves may carry the reason.
            res = super(StockQuant, rest.with_context(**{GUARD_KEY: INTERNAL}))._apply_inventory()
            rest.filtered("accuracy_reason_id").write({"accuracy_reason_id": False})
        if ruled:
            ruled._accuracy_apply_through_count()
        return res

    def _accuracy_apply_through_count(self):
        previews = self._accuracy_count_lines_preview()
        over = self.filtered(lambda q: not previews[q.id].within_tolerance)
        if over and self.env.context.get("accuracy_refuse_hold") is REFUSE_HOLD:
            raise UserError(
                self.env._(
                    "These counts are over the tolerance of their class and need a reason and "
                    "an accuracy manager's approval; apply them from Physical Inventory: "
                    "%(quants)s",
                    quants=", ".join(
                        f"{q.location_id.display_name} / {q.product_id.display_name}"
                        for q in over[:5]
                    ),
                )
            )
        counts = self.env["stock.accuracy.count"]._create_from_quants(self, previews)
        counts.line_ids._settle_native()
        held = counts.line_ids.filtered(lambda ln: ln.state == "to_approve")
        if held:
            quants = held.quant_id
            quants.write({"inventory_quantity": 0, "user_id": False, "accuracy_reason_id": False})
            quants.write({"inventory_diff_quantity": 0, "inventory_quantity_set": False})
            collector = self.env.context.get("accuracy_held")
            if isinstance(collector, HeldLines):
                collector.lines.append(held)

    def _set_inventory_quantity(self):
        """Odoo applies a quantity typed in the "On Hand" column at once: where the count
        rules are on, what is over tolerance is refused with its reason, not held unseen."""
        return super(
            StockQuant, self.with_context(accuracy_refuse_hold=REFUSE_HOLD)
        )._set_inventory_quantity()

    def action_apply_inventory(self):
        """Odoo's apply, unchanged where the count rules are off. Where they are on, Odoo's
        conflict wizard still comes first; then counts over tolerance without a reason ask for
        one; what is within tolerance applies and returns as in Odoo, what is held for
        approval says so."""
        ruled = self._accuracy_ruled()
        if not ruled:
            return super().action_apply_inventory()
        if not self.filtered("is_outdated"):
            previews = ruled._accuracy_count_lines_preview()
            missing = ruled.filtered(
                lambda q: not previews[q.id].within_tolerance and not q.accuracy_reason_id
            )
            if missing and self.env.context.get("accuracy_refuse_hold") is not REFUSE_HOLD:
                return {
                    "name": self.env._("Why do the counts differ?"),
                    "type": "ir.actions.act_window",
                    "res_model": "stock.accuracy.reason.wizard",
                    "view_mode": "form",
                    "views": [(False, "form")],
                    "target": "new",
                    "context": {
                        "default_quant_ids": self.ids,
                        "default_over_quant_ids": missing.ids,
                    },
                }
        held = HeldLines()
        result = super(StockQuant, self.with_context(accuracy_held=held)).action_apply_inventory()
        waiting = self.env["stock.accuracy.count.line"].union(*held.lines)
        if result or not waiting:
            return result
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
