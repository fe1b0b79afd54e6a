from odoo import api, fields, models
from odoo.exceptions import UserError

from .stock_accuracy_exception import OPEN_STATES as EXCEPTION_OPEN_STATES

CHECK_STATES = [
    ("not_needed", "Not Needed"),
    ("to_check", "To Check"),
    ("in_progress", "Checking"),
    ("passed", "Passed"),
    ("failed", "Failed"),
    ("overridden", "Released by Manager"),
]
GATE_OPEN_STATES = ("not_needed", "passed", "overridden")
# Kept by the double-check itself: not writable through the ORM by users.
PROTECTED_FIELDS = {
    "accuracy_check_state",
    "accuracy_check_required",
    "accuracy_prepared_by_id",
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
    )
    def _compute_accuracy_check_required(self):
        for picking in self:
            picking.accuracy_check_required = picking._accuracy_needs_check()

    def _accuracy_needs_check(self):
        """Whether the operation type's double-check policy applies to this transfer."""
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
        moves = self.move_ids.filtered(lambda move: move.state != "cancel")
        if mode == "value":
            value = sum(move.product_qty * move.product_id.standard_price for move in moves)
            return value > picking_type.accuracy_check_min_value
        categories = picking_type.accuracy_check_categ_ids
        return any(
            move.product_id.categ_id.parent_path.startswith(tuple(categories.mapped("parent_path")))
            for move in moves
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
        }
        for picking in self:
            check = picking.accuracy_check_ids.filtered(lambda c: c.state != "cancel").sorted(
                "id", reverse=True
            )[:1]
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
            .create([{"picking_id": picking.id} for picking in pickings])
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
        return self.env["stock.accuracy.check"].sudo().create({"picking_id": self.id}).sudo(False)

    def _accuracy_mark_prepared(self):
        """The current user set quantities of a transfer to double-check: they prepared it, and
        a check passed or failed before no longer reflects it. Transfers without a check are
        left as Odoo keeps them."""
        if self.env.context.get("accuracy_no_prepare") or self.env.context.get(
            "button_validate_picking_ids"
        ):
            return
        pickings = self.filtered(
            lambda p: p.accuracy_check_required and p.state not in ("done", "cancel")
        )
        if not pickings:
            return
        pickings.sudo().filtered(
            lambda p: p.accuracy_prepared_by_id.id != self.env.uid
        ).accuracy_prepared_by_id = self.env.uid
        stale = pickings.filtered(
            lambda p: p.accuracy_check_state in ("passed", "failed", "overridden")
        )
        if stale:
            stale.sudo().accuracy_override_date = False
            stale._accuracy_create_checks_after_change()

    def _accuracy_create_checks_after_change(self):
        self.env["stock.accuracy.check"].sudo().create(
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

    def _accuracy_check_gate(self):
        """Refuse to validate transfers whose double-check has not passed."""
        blocked = self.filtered(
            lambda p: (
                p.state not in ("done", "cancel")
                and p.accuracy_check_required
                and p.accuracy_check_state not in GATE_OPEN_STATES
            )
        )
        if not blocked:
            return
        labels = dict(self._fields["accuracy_check_state"]._description_selection(self.env))
        raise UserError(
            self.env._(
                "These transfers must pass their double-check before they can be validated: "
                "%(pickings)s",
                pickings=", ".join(f"{p.name} ({labels[p.accuracy_check_state]})" for p in blocked),
            )
        )

    def _pre_action_done_hook(self):
        self._accuracy_check_gate()
        return super()._pre_action_done_hook()

    def _action_done(self):
        self._accuracy_check_gate()
        return super(StockPicking, self.with_context(accuracy_no_prepare=True))._action_done()

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
