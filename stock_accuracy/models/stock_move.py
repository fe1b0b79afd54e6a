from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .stock_accuracy_guarded import is_internal

# Written by the module's count path only.
ACCURACY_MOVE_FIELDS = frozenset({"accuracy_reason_id", "accuracy_count_line_id"})
# What a done inventory move of a count records: part of the count history.
COUNT_MOVE_HISTORY_FIELDS = frozenset(
    {
        "product_id",
        "product_uom_qty",
        "quantity",
        "product_uom",
        "location_id",
        "location_dest_id",
        "state",
        "date",
        "move_line_ids",
        "is_inventory",
        "company_id",
        "restrict_partner_id",
        "picked",
    }
)

from .stock_picking import NOT_PREPARING, NOT_PREPARING_KEY


class StockMove(models.Model):
    _inherit = "stock.move"

    accuracy_reason_id = fields.Many2one(
        "stock.accuracy.reason",
        string="Variance Reason",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )
    accuracy_count_line_id = fields.Many2one(
        "stock.accuracy.count.line",
        string="Count Line",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )

    def _action_assign(self, force_qty=False):
        """Reserving does not set quantities, but whoever reserves may not check the transfer;
        a reservation that changes what a passed check certified asks for a new check. Once
        ready, open the double-checks (one create)."""
        pickings = self.picking_id
        res = super(
            StockMove, self.with_context(**{NOT_PREPARING_KEY: NOT_PREPARING})
        )._action_assign(force_qty=force_qty)
        if not pickings._accuracy_is_not_preparing():
            # A person reserving, not a reservation the module's own validation triggers.
            pickings._accuracy_record_preparer()
        changed = pickings._accuracy_changed_since_pass()
        if changed:
            changed._accuracy_create_checks_after_change()
        pickings._accuracy_create_checks()
        return res

    # -- the count history on moves --------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        # Odoo's copies and splits carry the fields empty: only a value is the count's.
        if not is_internal(self.env) and any(
            vals.get(fname) for vals in vals_list for fname in ACCURACY_MOVE_FIELDS
        ):
            raise AccessError(
                self.env._("The count line and reason of a move are set by its count only.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not is_internal(self.env):
            if any(vals.get(fname) for fname in ACCURACY_MOVE_FIELDS) or (
                ACCURACY_MOVE_FIELDS & set(vals)
                and self.filtered(lambda m: m.accuracy_count_line_id or m.accuracy_reason_id)
            ):
                raise AccessError(
                    self.env._("The count line and reason of a move are set by its count only.")
                )
            if COUNT_MOVE_HISTORY_FIELDS & set(vals) and self._accuracy_count_history():
                raise UserError(
                    self.env._(
                        "%(move)s records a count: it is history and cannot be changed.",
                        move=self._accuracy_count_history()[:1].display_name,
                    )
                )
        res = super().write(vals)
        if "picked" in vals:
            self.picking_id._accuracy_picked_changed()
        return res

    def _accuracy_count_history(self):
        return self.filtered(lambda m: m.accuracy_count_line_id and m.state == "done")

    def _accuracy_adjustments(self):
        """The moves of this set that adjust the book outside a count: inventory moves, or
        moves from or to an inventory-loss location (scrap aside), without a count line."""
        return self.filtered(
            lambda m: (
                not m.accuracy_count_line_id
                and not m.scrap_id
                and not m.location_dest_id.scrap_location
                and (
                    m.is_inventory
                    or m.location_id.usage == "inventory"
                    or m.location_dest_id.usage == "inventory"
                )
            )
        )

    def _check_accuracy_count_rules(self):
        """Where a warehouse's count rules are on, the book changes through counts only:
        whatever path creates an inventory adjustment (a revert, a transfer from an
        inventory-loss location, a wizard of tomorrow) is refused to users who are not
        accuracy managers. The module's own count path hands its moves their count line."""
        if is_internal(self.env):
            return
        adjustments = self._accuracy_adjustments()
        if not adjustments or self.env.user.has_group("stock_accuracy.group_accuracy_manager"):
            return
        warehouses = (adjustments.location_id | adjustments.location_dest_id).warehouse_id
        ruled = self.env["stock.accuracy.policy"]._ruled_warehouse_ids(
            warehouses.ids, "apply_count_rules"
        )
        if not ruled:
            return
        offending = adjustments.filtered(
            lambda m: bool(
                {m.location_id.warehouse_id.id, m.location_dest_id.warehouse_id.id} & set(ruled)
            )
        )
        if offending:
            move = offending[0]
            raise UserError(
                self.env._(
                    "%(warehouse)s adjusts its stock through counts (its count rules are on): "
                    "count %(product)s at %(location)s instead, or ask an accuracy manager.",
                    warehouse=(
                        move.location_id.warehouse_id or move.location_dest_id.warehouse_id
                    ).display_name,
                    product=move.product_id.display_name,
                    location=(
                        move.location_dest_id
                        if move.location_dest_id.usage == "internal"
                        else move.location_id
                    ).display_name,
                )
            )

    def _action_done(self, cancel_backorder=False):
        self._check_accuracy_count_rules()
        self._check_accuracy_count_lock()
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        moves._trigger_accuracy_spot_counts()
        return moves

    def _accuracy_location_ids(self):
        return set(
            (
                self.location_id
                | self.location_dest_id
                | self.move_line_ids.location_id
                | self.move_line_ids.location_dest_id
            ).ids
        )

    def _check_accuracy_count_lock(self):
        """Refuse moves in or out of locations under a full count in progress, in warehouses
        whose policy locks full counts."""
        moves = self.filtered(lambda m: not m.is_inventory)
        location_ids = moves._accuracy_location_ids()
        if not location_ids:
            return
        self.env["stock.accuracy.count"].flush_model()
        self.env["stock.accuracy.policy"].flush_model(
            ["warehouse_id", "lock_full_counts", "active"]
        )
        self.env.cr.execute(
            SQL(
                """
            SELECT c.name, root.complete_name
              FROM stock_accuracy_count c
              JOIN stock_accuracy_policy p ON p.warehouse_id = c.warehouse_id
                                          AND p.lock_full_counts AND p.active
              JOIN stock_location root ON root.id = c.lock_location_id
              JOIN stock_location loc ON starts_with(loc.parent_path, root.parent_path)
             WHERE c.count_type = 'full' AND c.state = 'in_progress' AND c.lock_lifted IS NOT TRUE
               AND loc.id IN %s
             ORDER BY c.id
             LIMIT 1
            """,
                tuple(location_ids),
            ),
        )
        row = self.env.cr.fetchone()
        if row:
            raise UserError(
                self.env._(
                    "%(location)s is being counted in %(session)s: no stock can move in or out "
                    "until the count is finished or an accuracy manager lifts its lock.",
                    location=row[1],
                    session=row[0],
                )
            )

    def _trigger_accuracy_spot_counts(self):
        """Spot counts for quants this batch drove negative and locations it emptied."""
        moves = self.filtered(lambda m: m.state == "done" and not m.is_inventory)
        lines = moves.move_line_ids.filtered(
            lambda ml: ml.location_id.usage == "internal" or ml.location_dest_id.usage == "internal"
        )
        if not lines:
            return
        Policy = self.env["stock.accuracy.policy"]
        warehouse_ids = (lines.location_id | lines.location_dest_id).warehouse_id.ids
        negative_wh = Policy._ruled_warehouse_ids(warehouse_ids, "spot_on_negative")
        zero_wh = Policy._ruled_warehouse_ids(warehouse_ids, "spot_on_zero")
        if not negative_wh and not zero_wh:
            return
        self.env["stock.quant"].flush_model()
        Count = self.env["stock.accuracy.count"]
        Line = self.env["stock.accuracy.count.line"]
        cr = self.env.cr
        if negative_wh:
            pairs = {
                (location.id, ml.product_id.id)
                for ml in lines
                for location in (ml.location_id, ml.location_dest_id)
                if location.usage == "internal" and location.warehouse_id.id in negative_wh
            }
            if pairs:
                cr.execute(
                    SQL(
                        """
                    SELECT sq.id FROM stock_quant sq
                      JOIN unnest(%s::int[], %s::int[]) AS p(location_id, product_id)
                        ON p.location_id = sq.location_id AND p.product_id = sq.product_id
                     WHERE sq.quantity < 0
                    """,
                        [p[0] for p in pairs],
                        [p[1] for p in pairs],
                    ),
                )
                quants = self.env["stock.quant"].sudo().browse([r[0] for r in cr.fetchall()])
                Count._create_spot_counts(
                    Count._spot_items_for_quants(quants),
                    "negative",
                    origin=", ".join(moves.mapped("reference")[:5]),
                )
        if zero_wh:
            sources = lines.location_id.filtered(
                lambda loc: loc.usage == "internal" and loc.warehouse_id.id in zero_wh
            )
            if not sources:
                return
            cr.execute(
                SQL(
                    """
                SELECT loc.id FROM stock_location loc
                 WHERE loc.id IN %s
                   AND NOT EXISTS (SELECT 1 FROM stock_quant sq
                                    WHERE sq.location_id = loc.id AND sq.quantity <> 0)
                """,
                    tuple(sources.ids),
                ),
            )
            empty = {row[0] for row in cr.fetchall()}
            items = {}
            for ml in lines.filtered(lambda ml: ml.location_id.id in empty):
                key = (ml.location_id.id, ml.product_id.id, ml.lot_id.id)
                items[key] = Line._spot_item(ml, book_quantity=0.0)
            Count._create_spot_counts(
                list(items.values()),
                "zero",
                origin=", ".join(moves.mapped("reference")[:5]),
            )
