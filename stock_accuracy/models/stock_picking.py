from odoo import SUPERUSER_ID, Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from .stock_accuracy_exception import OPEN_STATES as EXCEPTION_OPEN_STATES
from .stock_accuracy_guarded import InternalPath

CHECK_STATES = [
    ("not_needed", "Not Needed"),
    ("to_check", "To Check"),
    ("in_progress", "Checking"),
    ("passed", "Passed"),
    ("failed", "Failed"),
    ("overridden", "Released by Manager"),
]
GATE_OPEN_STATES = ("not_needed", "passed", "overridden")
# Move lines written while this is in the context are not someone preparing the transfer (the
# module's own reservation and validation). A value JSON cannot produce: a caller sending the
# key gets a plain str and no pass.
NOT_PREPARING_KEY = "accuracy_not_preparing"
NOT_PREPARING = InternalPath("not_preparing")
# Kept by the double-check itself: not writable through the ORM by users.
PROTECTED_FIELDS = {
    "accuracy_check_state",
    "accuracy_check_required",
    "accuracy_prepared_by_id",
    "accuracy_preparer_ids",
    "accuracy_override_user_id",
    "accuracy_override_date",
    "accuracy_override_reason_id",
    "accuracy_override_reason",
}


class StockPicking(models.Model):
    _inherit = "stock.picking"

    accuracy_exception_count = fields.Integer(
        string="Open Exceptions",
        compute="_compute_accuracy_exception_count",
        groups="stock_accuracy.group_accuracy_counter",
    )

    accuracy_check_ids = fields.One2many(
        "stock.accuracy.check", "picking_id", string="Double-Checks", readonly=True
    )
    accuracy_check_required = fields.Boolean(
        string="Double-Check Required",
        compute="_compute_accuracy_check_required",
        store=True,
        help="Set by the operation type: a second person must check this transfer.",
    )
    accuracy_check_state = fields.Selection(
        CHECK_STATES,
        string="Double-Check",
        compute="_compute_accuracy_check_state",
        store=True,
        index=True,
        copy=False,
    )
    accuracy_check_id = fields.Many2one(
        "stock.accuracy.check",
        string="Current Double-Check",
        compute="_compute_accuracy_check_state",
        store=True,
        copy=False,
    )
    accuracy_prepared_by_id = fields.Many2one(
        "res.users",
        string="Prepared By",
        readonly=True,
        copy=False,
        help="The last user who set the quantities of this transfer. They cannot check it.",
    )
    accuracy_preparer_ids = fields.Many2many(
        "res.users",
        "stock_picking_accuracy_preparer_rel",
        "picking_id",
        "user_id",
        string="Prepared or Reserved By",
        readonly=True,
        copy=False,
        help="Everyone who reserved this transfer or set its quantities, lots or packages: none "
        "of them may double-check it.",
    )
    accuracy_override_user_id = fields.Many2one(
        "res.users", string="Released By", readonly=True, copy=False
    )
    accuracy_override_date = fields.Datetime(string="Released On", readonly=True, copy=False)
    accuracy_override_reason_id = fields.Many2one(
        "stock.accuracy.reason", string="Release Reason Code", readonly=True, copy=False
    )
    accuracy_override_reason = fields.Text(string="Release Reason", readonly=True, copy=False)

    @api.depends(
        "picking_type_id.accuracy_check_mode",
        "picking_type_id.accuracy_check_min_value",
        "picking_type_id.accuracy_check_categ_ids",
        "move_ids.product_id",
        "move_ids.product_uom_qty",
        "move_line_ids",
    )
    def _compute_accuracy_check_required(self):
        # What is picked (quantities, products, units, the picked flags) matters too, but as
        # dependencies they would put a trigger on every write of every move line of the
        # database, transfers or not: the move and move line overrides call
        # _accuracy_picked_changed instead, for the lines of transfers only.
        for picking in self:
            picking.accuracy_check_required = picking._accuracy_needs_check()

    def _accuracy_picked_changed(self):
        """What is picked on these transfers changed: recompute whether they need a check
        (and what depends on it), as a dependency would."""
        pickings = self.filtered(lambda p: p.id and p.state not in ("done", "cancel"))
        if not pickings:
            return
        self.env.add_to_compute(self._fields["accuracy_check_required"], pickings)
        pickings.modified(["accuracy_check_required"])

    def _accuracy_needs_check(self):
        """Whether the operation type's double-check policy applies to this transfer, judged on
        what validating it would move (the demand only while nothing is reserved or picked)."""
        self.ensure_one()
        picking_type = self.picking_type_id
        mode = picking_type.accuracy_check_mode
        if (
            not mode
            or mode == "off"
            or self.picking_type_code
            not in (
                "incoming",
                "outgoing",
                "internal",
            )
        ):
            return False
        if mode == "required":
            return True
        items = self.sudo()._accuracy_shipping_items()
        if items:
            products = self.env["product.product"].browse({key[0] for key in items})
            quantities = {}
            for key, quantity in items.items():
                quantities[key[0]] = quantities.get(key[0], 0.0) + quantity
        else:
            moves = self.move_ids.filtered(lambda move: move.state != "cancel")
            products = moves.product_id
            quantities = {}
            for move in moves:
                quantities[move.product_id.id] = (
                    quantities.get(move.product_id.id, 0.0) + move.product_qty
                )
        if mode == "value":
            value = sum(quantities[product.id] * product.standard_price for product in products)
            return value > picking_type.accuracy_check_min_value
        categories = picking_type.accuracy_check_categ_ids
        return any(
            product.categ_id.parent_path.startswith(tuple(categories.mapped("parent_path")))
            for product in products
        )

    @api.depends(
        "accuracy_check_required",
        "accuracy_check_ids.state",
        "accuracy_override_date",
        "state",
    )
    def _compute_accuracy_check_state(self):
        states = {
            "draft": "to_check",
            "in_progress": "in_progress",
            "passed": "passed",
            "failed": "failed",
            "cancel": "to_check",
        }
        for picking in self:
            # The latest check, cancelled or not: cancelling it never brings back an older pass.
            check = picking.accuracy_check_ids.sorted("id", reverse=True)[:1]
            picking.accuracy_check_id = check
            if picking.state == "done" and picking.accuracy_check_state:
                continue  # history: how it was validated
            if not picking.accuracy_check_required or picking.state == "cancel":
                picking.accuracy_check_state = "not_needed"
            elif picking.accuracy_override_date:
                picking.accuracy_check_state = "overridden"
            else:
                picking.accuracy_check_state = states[check.state] if check else "to_check"

    def write(self, vals):
        if not self.env.su and set(vals) & PROTECTED_FIELDS:
            raise UserError(
                self.env._("The double-check status of a transfer cannot be edited by hand.")
            )
        return super().write(vals)

    def unlink(self):
        """A transfer with a finished double-check is kept (the check is an audit record);
        its open or cancelled checks go with it."""
        checks = self.sudo().accuracy_check_ids
        finished = checks.filtered(lambda check: check._accuracy_is_finished())
        if finished and self.env.uid != SUPERUSER_ID:
            raise UserError(
                self.env._(
                    "%(pickings)s cannot be deleted: double-checks %(checks)s are kept as an "
                    "audit record of it. Cancel the transfer instead.",
                    pickings=", ".join(finished.picking_id.mapped("name")),
                    checks=", ".join(finished.mapped("name")),
                )
            )
        checks._accuracy_internal().unlink()
        return super().unlink()

    # -------------------------------------------------------------- what ships

    def _accuracy_shipping_lines(self, auto_pick=True):
        """The move lines validating this transfer moves now, as Odoo chooses them: the picked
        lines of picked moves, or all of them when nothing is picked yet (``auto_pick``: the
        validation button picks everything then, see ``_pre_action_done_hook``)."""
        self.ensure_one()
        moves = self.move_ids.filtered(lambda move: move.state not in ("done", "cancel"))
        lines = moves.move_line_ids
        pick_all = (
            auto_pick
            and any(move.quantity for move in moves)
            and not any(move.picked for move in moves if not move.scrapped)
        )
        if not pick_all:
            lines = lines.filtered(lambda ml: ml.picked and ml.move_id.picked)
        return lines.filtered(
            lambda ml: not float_is_zero(ml.quantity, precision_rounding=ml.product_uom_id.rounding)
        )

    def _accuracy_shipping_items(self, auto_pick=True):
        """What validating this transfer moves now, aggregated: {(product, lot/serial name,
        package, destination package, source location, owner): quantity in the product's unit
        of measure}, ids for records."""
        self.ensure_one()
        items = {}
        for ml in self._accuracy_shipping_lines(auto_pick=auto_pick):
            key = (
                ml.product_id.id,
                ml.lot_id.name or ml.lot_name or "",
                ml.package_id.id,
                ml.result_package_id.id,
                ml.location_id.id,
                (self.owner_id or ml.owner_id).id,
            )
            quantity = ml.product_uom_id._compute_quantity(
                ml.quantity, ml.product_id.uom_id, rounding_method="HALF-UP"
            )
            items[key] = items.get(key, 0.0) + quantity
        return {
            key: quantity
            for key, quantity in items.items()
            if not float_is_zero(
                quantity,
                precision_rounding=self.env["product.product"].browse(key[0]).uom_id.rounding,
            )
        }

    def _accuracy_item_label(self, key):
        product_id, lot_name, package_id, result_package_id, location_id, owner_id = key
        env = self.env
        label = env["product.product"].browse(product_id).display_name
        if lot_name:
            label += f" [{lot_name}]"
        if package_id:
            label += " " + env._(
                "in %(package)s", package=env["stock.quant.package"].browse(package_id).name
            )
        if result_package_id:
            label += " " + env._(
                "into %(package)s",
                package=env["stock.quant.package"].browse(result_package_id).name,
            )
        if location_id:
            label += " " + env._(
                "from %(location)s",
                location=env["stock.location"].browse(location_id).display_name,
            )
        if owner_id:
            label += " " + env._(
                "owned by %(owner)s", owner=env["res.partner"].browse(owner_id).display_name
            )
        return label

    def _accuracy_certificate_difference(self, check, auto_pick=True):
        """The first difference between what ``check`` certified and what validating this
        transfer moves now, as a sentence; ``None`` when they are the same."""
        self.ensure_one()
        check = check.sudo()
        if check.certified_picking_type_id != self.picking_type_id:
            return self.env._(
                "it was checked as %(checked)s and is now %(current)s",
                checked=check.certified_picking_type_id.display_name or "-",
                current=self.picking_type_id.display_name,
            )
        certified = check._certified_items()
        if not certified:
            return self.env._("the check certified nothing to validate")
        current = self.sudo()._accuracy_shipping_items(auto_pick=auto_pick)
        for key in sorted(set(certified) | set(current), key=lambda k: tuple(map(str, k))):
            rounding = self.env["product.product"].browse(key[0]).uom_id.rounding
            before, now = certified.get(key, 0.0), current.get(key, 0.0)
            if float_compare(before, now, precision_rounding=rounding):
                return self.env._(
                    "%(item)s: %(certified)s certified, %(now)s to validate",
                    item=self.sudo()._accuracy_item_label(key),
                    certified=before,
                    now=now,
                )
        return None

    # -------------------------------------------------------------- checks

    def _accuracy_create_checks(self):
        """Open a check for each ready transfer that needs one and has none (one create)."""
        pickings = self.filtered(
            lambda p: (
                p.state == "assigned"
                and p.accuracy_check_required
                and not p.accuracy_override_date
                and not p.accuracy_check_ids.filtered(lambda c: c.state != "cancel")
            )
        )
        if not pickings:
            return self.env["stock.accuracy.check"]
        return (
            self.env["stock.accuracy.check"]
            .sudo()
            ._accuracy_internal()
            .create([{"picking_id": picking.id} for picking in pickings])
            .with_env(self.env)
        )

    def _accuracy_get_open_check(self):
        """The check to work on: the open one, or a new one after a finished one."""
        self.ensure_one()
        if not self.accuracy_check_required:
            raise UserError(
                self.env._("%(picking)s does not need a double-check.", picking=self.name)
            )
        if self.state in ("done", "cancel"):
            raise UserError(
                self.env._("%(picking)s is already done or cancelled.", picking=self.name)
            )
        check = self.accuracy_check_id
        if check and check.state in ("draft", "in_progress"):
            return check.sudo(False)
        return (
            self.env["stock.accuracy.check"]
            .sudo()
            ._accuracy_internal()
            .create({"picking_id": self.id})
            .with_env(self.env)
            .sudo(False)
        )

    @api.model
    def _accuracy_not_preparing_env(self):
        """This environment marked as the module's own reservation or validation."""
        return self.with_context(**{NOT_PREPARING_KEY: NOT_PREPARING})

    @api.model
    def _accuracy_is_not_preparing(self):
        return type(self.env.context.get(NOT_PREPARING_KEY)) is InternalPath

    def _accuracy_record_preparer(self):
        """The current user reserved or prepared these transfers: they may not check them.
        Kept for operation types with a double-check only."""
        if not self:
            return
        uid = self.env.uid
        pickings = self.sudo().filtered(
            lambda p: (
                p.picking_type_id.accuracy_check_mode not in (False, "off")
                and p.state not in ("done", "cancel")
                and uid not in p.accuracy_preparer_ids.ids
            )
        )
        if pickings:
            pickings.write({"accuracy_preparer_ids": [Command.link(uid)]})

    def _accuracy_mark_prepared(self):
        """The current user set quantities of a transfer to double-check: they prepared it, and
        a check failed before, or passed for other quantities, no longer reflects it. Transfers
        without a check are left as Odoo keeps them."""
        if not self or self._accuracy_is_not_preparing():
            return
        self._accuracy_record_preparer()
        pickings = self.filtered(
            lambda p: p.accuracy_check_required and p.state not in ("done", "cancel")
        )
        if not pickings:
            return
        pickings.sudo().filtered(
            lambda p: p.accuracy_prepared_by_id.id != self.env.uid
        ).accuracy_prepared_by_id = self.env.uid
        stale = (
            pickings.filtered(lambda p: p.accuracy_check_state in ("failed", "overridden"))
            | pickings._accuracy_changed_since_pass()
        )
        if stale:
            stale.sudo().accuracy_override_date = False
            stale._accuracy_create_checks_after_change()

    def _accuracy_changed_since_pass(self):
        """The transfers whose passed check certified something else than what they move now."""
        return self.filtered(
            lambda p: (
                p.accuracy_check_state == "passed"
                and p._accuracy_certificate_difference(p.accuracy_check_id)
            )
        )

    def _accuracy_create_checks_after_change(self):
        self.env["stock.accuracy.check"].sudo()._accuracy_internal().create(
            [{"picking_id": picking.id} for picking in self]
        )
        for picking in self:
            picking.message_post(
                body=self.env._(
                    "Quantities changed after double-check %(check)s: a new check is needed.",
                    check=picking.accuracy_check_id.name,
                )
            )

    # ---------------------------------------------------------------- gate

    def _accuracy_check_gate(self, auto_pick=True):
        """Refuse to validate transfers whose double-check has not passed, whose passed check
        certified something else than what validating them moves, or that their checker
        validates or prepared."""
        labels = dict(self._fields["accuracy_check_state"]._description_selection(self.env))
        blocked = []
        to_compare = self.browse()
        for picking in self:
            if picking.state in ("done", "cancel"):
                continue
            if not (picking.accuracy_check_required or picking._accuracy_needs_check()):
                continue
            if picking.accuracy_override_date:
                continue
            check = picking.sudo().accuracy_check_ids.sorted("id")[-1:]
            if check.state != "passed":
                state = picking.accuracy_check_state
                if state in GATE_OPEN_STATES:
                    state = "to_check"
                blocked.append(f"{picking.name} ({labels[state]})")
            else:
                to_compare |= picking
        if blocked:
            raise UserError(
                self.env._(
                    "These transfers must pass their double-check before they can be "
                    "validated: %(pickings)s",
                    pickings=", ".join(blocked),
                )
            )
        for picking in to_compare:
            check = picking.sudo().accuracy_check_ids.sorted("id")[-1:]
            difference = picking._accuracy_certificate_difference(check, auto_pick=auto_pick)
            if difference:
                raise UserError(
                    self.env._(
                        "%(picking)s is not what double-check %(check)s certified "
                        "(%(difference)s). Double-check it again before validating it.",
                        picking=picking.name,
                        check=check.name,
                        difference=difference,
                    )
                )
            if check.checker_id == self.env.user and self.env.uid != SUPERUSER_ID:
                raise UserError(
                    self.env._(
                        "You double-checked %(picking)s, so another person must validate it.",
                        picking=picking.name,
                    )
                )
            if check.checker_id in picking.sudo().accuracy_preparer_ids:
                raise UserError(
                    self.env._(
                        "%(checker)s double-checked %(picking)s but also reserved or prepared "
                        "it: another person must double-check it again.",
                        checker=check.checker_id.name,
                        picking=picking.name,
                    )
                )

    def _pre_action_done_hook(self):
        self._accuracy_check_gate()
        return super(StockPicking, self._accuracy_not_preparing_env())._pre_action_done_hook()

    def _action_done(self):
        self._accuracy_check_gate(auto_pick=False)
        return super(StockPicking, self._accuracy_not_preparing_env())._action_done()

    # ------------------------------------------------------------- actions

    def action_accuracy_open_scan_screen(self):
        self.ensure_one()
        check = self._accuracy_get_open_check()
        return {
            "type": "ir.actions.client",
            "tag": "stock_accuracy.check_screen",
            "name": self.env._("Double-Check"),
            "target": "fullscreen",
            "params": {"check_id": check.id},
        }

    def action_accuracy_view_checks(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_accuracy.action_accuracy_check"
        )
        action["domain"] = [("picking_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_accuracy_override(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.accuracy.check.override",
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Release Without Double-Check"),
            "context": {"default_picking_id": self.id},
        }

    def _accuracy_override(self, reason, note=None):
        """Release the transfers from their double-check (Accuracy Managers only), with a
        reason code (``stock.accuracy.reason``) and, when it asks for one, a note."""
        if not self.env.user.has_group("stock_accuracy.group_accuracy_manager"):
            raise UserError(
                self.env._("Only an Accuracy Manager can release a transfer without a check.")
            )
        note = (note or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for releasing the transfer."))
        if reason.requires_note and not note:
            raise UserError(
                self.env._("The reason %(reason)s needs a note.", reason=reason.display_name)
            )
        text = reason.display_name + (f": {note}" if note else "")
        self.sudo().write(
            {
                "accuracy_override_user_id": self.env.uid,
                "accuracy_override_date": fields.Datetime.now(),
                "accuracy_override_reason_id": reason.id,
                "accuracy_override_reason": text,
            }
        )
        for picking in self:
            picking.message_post(
                body=self.env._(
                    "%(user)s released %(picking)s without a passed double-check "
                    "(prepared by %(picker)s). Reason: %(reason)s",
                    user=self.env.user.name,
                    picking=picking.name,
                    picker=picking.accuracy_prepared_by_id.name or "-",
                    reason=text,
                )
            )

    # ----------------------------------------------------------- exceptions

    def _accuracy_exception_domain(self):
        return [("source_model", "=", "stock.picking"), ("source_res_id", "in", self.ids)]

    def _compute_accuracy_exception_count(self):
        counts = dict(
            self.env["stock.accuracy.exception"]._read_group(
                self._accuracy_exception_domain() + [("state", "in", EXCEPTION_OPEN_STATES)],
                ["source_res_id"],
                ["__count"],
            )
        )
        for picking in self:
            picking.accuracy_exception_count = counts.get(picking.id, 0)

    def action_view_accuracy_exceptions(self):
        self.ensure_one()
        return self.env["stock.accuracy.exception"]._action_for(self._accuracy_exception_domain())
