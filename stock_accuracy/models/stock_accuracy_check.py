from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

FINISHED_STATES = ("passed", "failed")
OPEN_STATES = ("draft", "in_progress")


class StockAccuracyCheck(models.Model):
    """A second person's blind, line-by-line confirmation of a transfer (双人复核).

    The checker scans what they see (:meth:`action_scan`) or types quantities
    (:meth:`action_set_quantity`); :meth:`action_finish` compares it with the transfer and
    passes or fails the check, and a passed check records what it certified
    (``certified_ids``): the transfer is validated only while its latest check passed and what
    it would move is exactly that.
    """

    _name = "stock.accuracy.check"
    _description = "Double-Check"
    _inherit = ["mail.thread", "stock.accuracy.guarded"]
    _order = "id desc"
    _check_company_auto = True
    # Written only by the check's own methods: a checker cannot pass a check by writing it.
    _accuracy_system_fields = (
        "name",
        "state",
        "checker_id",
        "prepared_by_id",
        "date_start",
        "date_done",
        "picking_id",
        "location_scanned",
        "line_ids",
        "certified_ids",
        "certified_picking_type_id",
    )

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    picking_id = fields.Many2one(
        "stock.picking",
        string="Transfer",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one(related="picking_id.company_id", store=True, index=True)
    picking_type_id = fields.Many2one(
        related="picking_id.picking_type_id", store=True, string="Operation Type"
    )
    location_dest_id = fields.Many2one(related="picking_id.location_dest_id")
    is_blind = fields.Boolean(related="picking_type_id.accuracy_check_blind", string="Blind")
    allow_typing = fields.Boolean(related="picking_type_id.accuracy_check_allow_typing")
    checker_id = fields.Many2one("res.users", readonly=True, tracking=True)
    prepared_by_id = fields.Many2one(
        "res.users",
        readonly=True,
        help="The user who last set the quantities of the transfer.",
    )
    state = fields.Selection(
        [
            ("draft", "To Check"),
            ("in_progress", "In Progress"),
            ("passed", "Passed"),
            ("failed", "Failed"),
            ("cancel", "Cancelled"),
        ],
        required=True,
        default="draft",
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
    )
    date_start = fields.Datetime(string="Started On", readonly=True, copy=False)
    date_done = fields.Datetime(string="Finished On", readonly=True, copy=False)
    location_scanned = fields.Boolean(string="Destination Scanned", readonly=True, copy=False)
    line_ids = fields.One2many("stock.accuracy.check.line", "check_id", string="Lines")
    mismatch_count = fields.Integer(compute="_compute_mismatch_count", string="Lines at Fault")
    certified_ids = fields.One2many(
        "stock.accuracy.check.certified", "check_id", string="Certified Items", readonly=True
    )
    certified_picking_type_id = fields.Many2one(
        "stock.picking.type", string="Certified for Operation Type", readonly=True, copy=False
    )

    @api.depends("line_ids.result")
    def _compute_mismatch_count(self):
        for check in self:
            check.mismatch_count = len(check.line_ids.filtered(lambda line: line.is_fault))

    # ------------------------------------------------------------------ ORM

    @api.model_create_multi
    def create(self, vals_list):
        self._accuracy_check_create(vals_list)
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = sequence.next_by_code("stock.accuracy.check") or "/"
        return (
            super(StockAccuracyCheck, self._accuracy_internal())
            .create(vals_list)
            .with_env(self.env)
        )

    def _accuracy_is_finished(self):
        return self.state in FINISHED_STATES

    def _accuracy_check_write(self, fnames):
        # Finished checks refuse every change, the mail fields' too.
        if not self._accuracy_on_internal_path():
            self._check_not_finished()
        return super()._accuracy_check_write(fnames)

    def _accuracy_check_unlink(self):
        raise UserError(
            self.env._(
                "Double-checks are not deleted: cancel %(checks)s instead.",
                checks=", ".join(self.mapped("name")),
            )
        )

    def _check_not_finished(self):
        finished = self.filtered(lambda check: check.state in FINISHED_STATES)
        if finished:
            raise UserError(
                self.env._(
                    "Finished double-checks are kept as an audit record and cannot be "
                    "changed or deleted: %(checks)s",
                    checks=", ".join(finished.mapped("name")),
                )
            )

    # ------------------------------------------------------------ helpers

    def _lock(self):
        """Lock the check rows, failing at once when another checker holds them."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM stock_accuracy_check WHERE id IN %s FOR UPDATE NOWAIT",
                        tuple(self.ids),
                    )
                )
        except pg_errors.LockNotAvailable:
            raise UserError(
                self.env._(
                    "Another checker is working on %(check)s right now. Wait until they "
                    "finish, or ask them to stop.",
                    check=", ".join(self.mapped("name")),
                )
            ) from None

    def _check_can_check(self):
        """The current user may act as this check's checker (role, duties, ownership)."""
        user = self.env.user
        if not user.has_group("stock_accuracy.group_accuracy_checker"):
            raise UserError(self.env._("Only Accuracy Checkers can double-check transfers."))
        for check in self:
            if check.state not in OPEN_STATES:
                raise UserError(
                    self.env._(
                        "Double-check %(check)s is finished (%(state)s); start a new check.",
                        check=check.name,
                        state=dict(check._fields["state"]._description_selection(self.env))[
                            check.state
                        ],
                    )
                )
            if check.checker_id and check.checker_id != user:
                raise UserError(
                    self.env._(
                        "%(checker)s is already checking %(picking)s.",
                        checker=check.checker_id.name,
                        picking=check.picking_id.name,
                    )
                )
            picking = check.picking_id.sudo()
            if user == picking.accuracy_prepared_by_id or user in picking.accuracy_preparer_ids:
                raise UserError(
                    self.env._(
                        "You prepared %(picking)s, so another person must double-check it. "
                        "Only an Accuracy Manager can release it without a check.",
                        picking=check.picking_id.name,
                    )
                )

    def _expected_groups(self):
        """What validating the transfer moves now: {(product, lot name, package): (qty, lot)}."""
        self.ensure_one()
        groups = {}
        for move_line in self.picking_id.sudo()._accuracy_shipping_lines():
            lot_name = move_line.lot_id.name or move_line.lot_name or ""
            package = move_line.result_package_id or move_line.package_id
            key = (move_line.product_id.id, lot_name, package.id)
            qty, lot = groups.get(key, (0.0, move_line.lot_id))
            groups[key] = (qty + move_line.quantity_product_uom, lot or move_line.lot_id)
        return groups

    def _sync_expected_lines(self):
        """Give every line the quantity the transfer holds, adding lines for what is missing."""
        Line = self.env["stock.accuracy.check.line"].sudo()._accuracy_internal()
        for check in self:
            groups = check._expected_groups()
            by_key = {line._key(): line for line in check.sudo()._accuracy_internal().line_ids}
            to_create = []
            for key, (qty, lot) in groups.items():
                line = by_key.pop(key, None)
                if line:
                    if line.expected_qty != qty or line.is_unexpected:
                        line.write({"expected_qty": qty, "is_unexpected": False})
                else:
                    product_id, lot_name, package_id = key
                    to_create.append(
                        {
                            "check_id": check.id,
                            "product_id": product_id,
                            "lot_id": lot.id,
                            "lot_name": lot_name or False,
                            "package_id": package_id or False,
                            "expected_qty": qty,
                        }
                    )
            stale = Line.browse()
            for line in by_key.values():
                if not line.checked_qty:
                    stale |= line
                elif line.expected_qty or not line.is_unexpected:
                    line.write({"expected_qty": 0.0, "is_unexpected": True})
            stale.unlink()
            if to_create:
                Line.create(to_create)

    # ------------------------------------------------------------ actions

    def action_start(self):
        """The current user becomes the checker of this check."""
        self._lock()
        self._check_can_check()
        for check in self.sudo()._accuracy_internal():
            if check.state == "draft":
                check.write(
                    {
                        "state": "in_progress",
                        "checker_id": self.env.uid,
                        "date_start": fields.Datetime.now(),
                        "prepared_by_id": check.picking_id.accuracy_prepared_by_id.id,
                    }
                )
                check._sync_expected_lines()
        return True

    def action_open_check(self):
        """Open the check on the scanning screen: an open check becomes the user's."""
        self.ensure_one()
        if self.state in OPEN_STATES:
            self.action_start()
        return self._get_scan_screen_data()

    def action_finish(self):
        """Compare what was checked with the transfer: pass, or fail and raise an exception."""
        self._lock()
        self._check_can_check()
        for check in self:
            if check.state == "draft":
                check.action_start()
            check._check_scans_complete()
            internal = check.sudo()._accuracy_internal()
            internal._sync_expected_lines()
            if not internal.line_ids.filtered(lambda line: not line.is_unexpected):
                raise UserError(
                    self.env._(
                        "%(picking)s has nothing to validate: reserve or prepare its "
                        "quantities before double-checking it.",
                        picking=check.picking_id.name,
                    )
                )
            internal.line_ids._compute_check_result()
            failed = any(line.is_fault for line in check.line_ids)
            internal.write(
                {
                    "state": "failed" if failed else "passed",
                    "date_done": fields.Datetime.now(),
                    "prepared_by_id": check.picking_id.accuracy_prepared_by_id.id,
                }
            )
            if not failed:
                internal._certify()
            check._post_result()
            if failed:
                check._raise_mismatch_exception()
        self.env["stock.accuracy.history.seal"]._seal(self)
        return True

    def _certify(self):
        """Record what this passed check certifies: what validating the transfer moves now."""
        self.ensure_one()
        picking = self.picking_id
        items = picking._accuracy_shipping_items()
        self.env["stock.accuracy.check.certified"].sudo()._accuracy_internal().create(
            [
                {
                    "check_id": self.id,
                    "product_id": product_id,
                    "lot_name": lot_name or False,
                    "package_id": package_id,
                    "result_package_id": result_package_id,
                    "location_id": location_id,
                    "owner_id": owner_id,
                    "quantity": quantity,
                }
                for (
                    product_id,
                    lot_name,
                    package_id,
                    result_package_id,
                    location_id,
                    owner_id,
                ), quantity in items.items()
            ]
        )
        self.write({"certified_picking_type_id": picking.picking_type_id.id})

    def _certified_items(self):
        """What this check certified: {key: quantity}, keyed as
        :meth:`stock.picking._accuracy_shipping_items`."""
        self.ensure_one()
        items = {}
        for item in self.sudo().certified_ids:
            items[item._key()] = items.get(item._key(), 0.0) + item.quantity
        return items

    def _check_scans_complete(self):
        picking_type = self.picking_type_id
        if picking_type.accuracy_check_scan_location and not self.location_scanned:
            raise UserError(
                self.env._(
                    "Scan the destination %(location)s before finishing the check.",
                    location=self.picking_id.location_dest_id.display_name,
                )
            )
        if picking_type.accuracy_check_scan_package:
            missing = self.line_ids.filtered(
                lambda line: line.package_id and not line.package_scanned and line.checked_qty
            )
            if missing:
                raise UserError(
                    self.env._(
                        "Scan the packages %(packages)s before finishing the check.",
                        packages=", ".join(missing.package_id.mapped("name")),
                    )
                )

    def _post_result(self):
        self.ensure_one()
        faults = self.line_ids.filtered(lambda line: line.is_fault)
        if faults:
            body = self.env._(
                "Double-check %(check)s by %(checker)s failed: %(lines)s",
                check=self.name,
                checker=self.checker_id.name,
                lines="; ".join(faults.mapped("fault_description")),
            )
        else:
            body = self.env._(
                "Double-check %(check)s by %(checker)s passed: %(count)s lines confirmed.",
                check=self.name,
                checker=self.checker_id.name,
                count=len(self.line_ids),
            )
        self.message_post(body=body)
        self.picking_id.message_post(body=body)

    def _raise_mismatch_exception(self):
        """Report each line at fault in the exception queue, on the transfer."""
        self.ensure_one()
        picking = self.picking_id
        location = (
            picking.location_dest_id
            if picking.picking_type_code == "incoming"
            else picking.location_id
        )
        faults = self.line_ids.filtered(lambda line: line.is_fault)
        return self.env["stock.accuracy.exception"]._raise_exceptions(
            "check_mismatch",
            [
                {
                    "source_ref": picking,
                    "product_id": line.product_id.id,
                    "lot_id": line.lot_id.id,
                    "location_id": location.id,
                    "quantity": line.difference_qty,
                    "description": self.env._(
                        "Double-check %(check)s of %(picking)s by %(checker)s: %(fault)s",
                        check=self.name,
                        picking=picking.name,
                        checker=self.checker_id.name,
                        fault=line.fault_description,
                    ),
                }
                for line in faults
            ],
        )

    def action_cancel(self):
        self._check_not_finished()
        self.sudo()._accuracy_internal().write({"state": "cancel"})
        return True

    # ------------------------------------------------------ scanning screen

    def _get_scan_screen_data(self):
        """Everything the scanning screen renders (expected quantities only when not blind)."""
        self.ensure_one()
        show_expected = not self.is_blind
        return {
            "id": self.id,
            "name": self.name,
            "picking": self.picking_id.name,
            "picking_id": self.picking_id.id,
            "partner": self.picking_id.partner_id.display_name or "",
            "operation": self.picking_type_id.display_name,
            "checker": self.checker_id.name or "",
            "blind": self.is_blind,
            "allow_typing": self.allow_typing,
            "lines": [line._get_scan_screen_values(show_expected) for line in self.line_ids],
            **self._get_scan_screen_counters(),
        }

    def _get_scan_screen_counters(self):
        """The header of the scanning screen: state and how many lines were checked (one
        query)."""
        self.ensure_one()
        self.env["stock.accuracy.check.line"].flush_model(["check_id", "checked_qty"])
        self.env.cr.execute(
            SQL(
                """
                SELECT count(*), count(*) FILTER (WHERE checked_qty > 0)
                  FROM stock_accuracy_check_line
                 WHERE check_id = %s
                """,
                self.id,
            )
        )
        line_count, checked_count = self.env.cr.fetchone()
        return {
            "state": self.state,
            "location_scanned": self.location_scanned,
            "line_count": line_count,
            "checked_count": checked_count,
        }

    def _get_scan_screen_delta(self, lines):
        """What the scanning screen merges after a scan: ``lines`` and the header counters."""
        self.ensure_one()
        show_expected = not self.is_blind
        return {
            "lines": [line._get_scan_screen_values(show_expected) for line in lines.exists()],
            **self._get_scan_screen_counters(),
        }

    def _get_scan_screen_update(self, previous_state, line_id=None):
        """``{"delta": ...}`` when the check kept its state, else the full ``{"data": ...}``
        (starting a check may add or drop lines)."""
        if self.state != previous_state:
            return {"data": self._get_scan_screen_data()}
        lines = self.env["stock.accuracy.check.line"].browse(line_id or [])
        return {"delta": self._get_scan_screen_delta(lines)}

    @api.model
    def get_pickings_to_check(self):
        """The transfers waiting for a double-check, for the scanning screen's first page."""
        pickings = self.env["stock.picking"].search(
            [("accuracy_check_state", "in", ("to_check", "in_progress", "failed"))],
            limit=80,
            order="scheduled_date, id",
        )
        states = dict(
            self.env["stock.picking"]
            ._fields["accuracy_check_state"]
            ._description_selection(self.env)
        )
        return [
            {
                "id": picking.id,
                "name": picking.name,
                "partner": picking.partner_id.display_name or "",
                "operation": picking.picking_type_id.display_name,
                "state": picking.accuracy_check_state,
                "state_label": states[picking.accuracy_check_state],
            }
            for picking in pickings
        ]

    @api.model
    def action_open_picking(self, picking_ref):
        """Find the transfer scanned or chosen on the first page and start its check."""
        Picking = self.env["stock.picking"]
        if isinstance(picking_ref, int):
            picking = Picking.browse(picking_ref).exists()
        else:
            picking = Picking.search([("name", "=", (picking_ref or "").strip())], limit=1)
        if not picking:
            raise UserError(self.env._("No transfer %(ref)s.", ref=picking_ref))
        check = picking._accuracy_get_open_check()
        check.action_start()
        return check._get_scan_screen_data()
