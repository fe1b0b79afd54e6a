from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round

RESULTS = [
    ("match", "Match"),
    ("short", "Short"),
    ("over", "Over"),
    ("wrong_lot", "Wrong Lot"),
    ("unexpected", "Unexpected Item"),
]


class StockAccuracyCheckLine(models.Model):
    """One item of a double-check: what the transfer holds against what the checker saw.

    Lines also carry picker, checker, operation type and product category, so that the KPI
    reports can group double-check errors by each of them.
    """

    _name = "stock.accuracy.check.line"
    _description = "Double-Check Line"
    _inherit = ["stock.accuracy.guarded"]
    _order = "check_id, id"
    _check_company_auto = True
    # Written only by the check's methods.
    _accuracy_system_fields = (
        "check_id",
        "product_id",
        "lot_id",
        "lot_name",
        "package_id",
        "expected_qty",
        "checked_qty",
        "difference_qty",
        "is_unexpected",
        "package_scanned",
        "result",
    )

    check_id = fields.Many2one(
        "stock.accuracy.check", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="check_id.company_id", store=True, index=True)
    state = fields.Selection(related="check_id.state")
    picking_id = fields.Many2one(related="check_id.picking_id", store=True, index=True)
    picking_type_id = fields.Many2one(
        related="check_id.picking_type_id", store=True, string="Operation Type"
    )
    picker_id = fields.Many2one(
        related="check_id.prepared_by_id", store=True, string="Picker", index=True
    )
    checker_id = fields.Many2one(related="check_id.checker_id", store=True, index=True)
    date_done = fields.Datetime(related="check_id.date_done", store=True, string="Checked On")
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, check_company=True, index=True
    )
    product_categ_id = fields.Many2one(
        related="product_id.categ_id", store=True, string="Product Category"
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    tracking = fields.Selection(related="product_id.tracking")
    lot_id = fields.Many2one(
        "stock.lot", string="Lot/Serial Number", readonly=True, check_company=True
    )
    lot_name = fields.Char(string="Lot/Serial", readonly=True)
    package_id = fields.Many2one("stock.quant.package", readonly=True)
    package_scanned = fields.Boolean(readonly=True)
    expected_qty = fields.Float(
        string="Expected Quantity",
        digits="Product Unit of Measure",
        readonly=True,
        groups="stock_accuracy.group_accuracy_manager",
        help="What the transfer holds. Hidden from checkers: they count blind.",
    )
    shown_expected_qty = fields.Float(
        string="Prepared Quantity",
        digits="Product Unit of Measure",
        compute="_compute_shown_expected_qty",
        help="What the transfer holds, shown to checkers only when the check is not blind.",
    )
    checked_qty = fields.Float(
        string="Checked Quantity", digits="Product Unit of Measure", readonly=True
    )
    difference_qty = fields.Float(
        string="Difference",
        digits="Product Unit of Measure",
        readonly=True,
        aggregator="sum",
        help="Checked minus expected quantity, once the check is finished.",
    )
    is_unexpected = fields.Boolean(
        string="Unexpected", readonly=True, help="Scanned, but not part of the transfer."
    )
    result = fields.Selection(RESULTS, readonly=True, index=True)
    is_fault = fields.Boolean(compute="_compute_is_fault")
    fault_description = fields.Char(compute="_compute_fault_description")

    @api.depends("check_id.is_blind", "check_id.state")
    @api.depends_context("uid")
    def _compute_shown_expected_qty(self):
        manager = self.env.user.has_group("stock_accuracy.group_accuracy_manager")
        for line in self:
            visible = manager or not line.check_id.is_blind or line.state in ("passed", "failed")
            line.shown_expected_qty = line.sudo().expected_qty if visible else 0.0

    @api.depends("result")
    def _compute_is_fault(self):
        for line in self:
            line.is_fault = bool(line.result and line.result != "match")

    @api.depends("result", "product_id", "lot_name", "checked_qty")
    def _compute_fault_description(self):
        labels = dict(self._fields["result"]._description_selection(self.env))
        for line in self:
            if not line.is_fault:
                line.fault_description = False
                continue
            line.fault_description = self.env._(
                "%(product)s%(lot)s: %(result)s (checked %(checked)s, expected %(expected)s)",
                product=line.product_id.display_name,
                lot=f" [{line.lot_name}]" if line.lot_name else "",
                result=labels[line.result],
                checked=line.checked_qty,
                expected=line.sudo().expected_qty,
            )

    def _get_scan_screen_values(self, show_expected):
        """One row of the scanning screen (the expected quantity only when ``show_expected``)."""
        self.ensure_one()
        return {
            "id": self.id,
            "product": self.product_id.display_name,
            "barcode": self.product_id.barcode or "",
            "lot": self.lot_name or "",
            "package": self.package_id.name or "",
            "uom": self.product_uom_id.name,
            "checked_qty": self.checked_qty,
            "expected_qty": self.sudo().expected_qty if show_expected else None,
            "unexpected": self.is_unexpected,
            "result": self.result or "",
        }

    def _key(self):
        self.ensure_one()
        return (self.product_id.id, self.lot_name or "", self.package_id.id)

    def _accuracy_is_finished(self):
        return self.check_id.state in ("passed", "failed")

    def _accuracy_check_create_values(self, vals):
        raise UserError(self.env._("Double-check lines are created by scanning."))

    def _accuracy_check_write(self, fnames):
        # Lines of a finished check refuse every change.
        if not self._accuracy_on_internal_path():
            self.check_id._check_not_finished()
        return super()._accuracy_check_write(fnames)

    def _accuracy_check_unlink(self):
        raise UserError(self.env._("Double-check lines are removed by their check only."))

    def _set_checked_quantity(self, quantity):
        """Set the quantity the checker saw, refusing quantities the unit cannot hold."""
        self.ensure_one()
        try:
            quantity = float(quantity)
        except (TypeError, ValueError):
            raise UserError(
                self.env._("%(quantity)s is not a quantity.", quantity=quantity)
            ) from None
        uom = self.product_uom_id
        if quantity < 0:
            raise UserError(self.env._("A checked quantity cannot be negative."))
        if float_compare(
            float_round(quantity, precision_rounding=uom.rounding),
            quantity,
            precision_digits=6,
        ):
            raise UserError(
                self.env._(
                    "%(quantity)s does not fit the unit %(uom)s of %(product)s "
                    "(rounding %(rounding)s).",
                    quantity=quantity,
                    uom=uom.name,
                    product=self.product_id.display_name,
                    rounding=uom.rounding,
                )
            )
        if self.tracking == "serial" and self.lot_name and quantity > 1:
            raise UserError(
                self.env._("Serial number %(serial)s was already checked.", serial=self.lot_name)
            )
        self.sudo()._accuracy_internal().checked_qty = quantity

    def _add_quantity(self, quantity):
        self.ensure_one()
        if self.tracking == "serial" and self.lot_name and self.checked_qty >= 1:
            raise UserError(
                self.env._("Serial number %(serial)s was already checked.", serial=self.lot_name)
            )
        self._set_checked_quantity(self.checked_qty + float(quantity))

    def _compute_check_result(self):
        """Write each line's result and difference (called when the check finishes)."""
        for line in self:
            expected = line.sudo().expected_qty
            difference = line.checked_qty - expected
            if line.is_unexpected:
                result = (
                    "wrong_lot"
                    if line.lot_name
                    and line.picking_id.move_ids.filtered(
                        lambda move, line=line: move.product_id == line.product_id
                    )
                    else "unexpected"
                )
            else:
                comparison = float_compare(
                    line.checked_qty, expected, precision_rounding=line.product_uom_id.rounding
                )
                result = {0: "match", -1: "short", 1: "over"}[comparison]
            line.sudo()._accuracy_internal().write({"result": result, "difference_qty": difference})
