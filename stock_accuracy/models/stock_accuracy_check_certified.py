from odoo import fields, models
from odoo.exceptions import UserError


class StockAccuracyCheckCertified(models.Model):
    """One item a passed double-check certified: what validating the transfer moves.

    Written once, when the check passes, from the picked move lines of the transfer aggregated
    by :meth:`stock.picking._accuracy_shipping_items`; the transfer is validated only while what
    it would move is exactly this (see :meth:`stock.picking._accuracy_certificate_difference`).
    """

    _name = "stock.accuracy.check.certified"
    _description = "Item Certified by a Double-Check"
    _inherit = ["stock.accuracy.guarded"]
    _order = "check_id, id"
    _check_company_auto = True

    check_id = fields.Many2one(
        "stock.accuracy.check", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="check_id.company_id", store=True)
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, check_company=True
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    lot_name = fields.Char(string="Lot/Serial", readonly=True)
    package_id = fields.Many2one("stock.quant.package", string="Source Package", readonly=True)
    result_package_id = fields.Many2one(
        "stock.quant.package", string="Destination Package", readonly=True
    )
    location_id = fields.Many2one("stock.location", string="From", readonly=True)
    owner_id = fields.Many2one("res.partner", readonly=True)
    # Not rounded to a precision: compared with the unit's rounding, as converted.
    quantity = fields.Float(readonly=True, help="In the product's unit of measure.")

    def _accuracy_is_finished(self):
        return True

    def _accuracy_check_create_values(self, vals):
        raise UserError(self.env._("What a double-check certified is recorded when it passes."))

    def _key(self):
        self.ensure_one()
        return (
            self.product_id.id,
            self.lot_name or "",
            self.package_id.id,
            self.result_package_id.id,
            self.location_id.id,
            self.owner_id.id,
        )
