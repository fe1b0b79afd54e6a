from odoo import api, fields, models
from odoo.exceptions import ValidationError


class StockPickingType(models.Model):
    _inherit = "stock.picking.type"

    accuracy_check_mode = fields.Selection(
        [
            ("off", "Off"),
            ("required", "Always"),
            ("value", "Above a Value"),
            ("category", "For Product Categories"),
        ],
        string="Double-Check",
        required=True,
        default="off",
        help="When a second person must confirm every line of a transfer of this type by "
        "scanning before it can be validated.",
    )
    accuracy_check_min_value = fields.Float(
        string="Double-Check Above Value",
        digits="Product Price",
        help="Transfers whose picked or reserved products are worth more than this (at cost) "
        "are double-checked.",
    )
    accuracy_check_categ_ids = fields.Many2many(
        "product.category",
        "stock_picking_type_accuracy_check_categ_rel",
        "picking_type_id",
        "categ_id",
        string="Double-Check Categories",
        help="Transfers holding a product of one of these categories (or their children) are "
        "double-checked.",
    )
    accuracy_check_scan_product = fields.Boolean(
        string="Scan Products",
        default=True,
        help="The checker must scan each product; otherwise they may pick it from the list.",
    )
    accuracy_check_scan_lot = fields.Boolean(
        string="Scan Lots/Serials",
        default=True,
        help="Tracked products are confirmed by scanning their lot or serial number.",
    )
    accuracy_check_scan_package = fields.Boolean(
        string="Scan Packages",
        help="Lines in a package are confirmed only once their package was scanned.",
    )
    accuracy_check_scan_location = fields.Boolean(
        string="Scan Destination",
        help="The check can only be finished once the destination location was scanned.",
    )
    accuracy_check_allow_typing = fields.Boolean(
        string="Quantities May Be Typed",
        default=True,
        help="The checker may type the quantity they see instead of scanning every unit.",
    )
    accuracy_check_blind = fields.Boolean(
        string="Blind Double-Check",
        default=True,
        help="Checkers do not see the quantities the picker prepared.",
    )

    @api.constrains("accuracy_check_min_value")
    def _check_accuracy_check_min_value(self):
        for picking_type in self:
            if picking_type.accuracy_check_min_value < 0:
                raise ValidationError(
                    self.env._("The double-check value threshold cannot be negative.")
                )
