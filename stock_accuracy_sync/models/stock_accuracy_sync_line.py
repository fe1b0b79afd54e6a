from odoo import api, fields, models

LINE_STATES = [
    ("mismatch", "Mismatch"),
    ("unknown_product", "Unknown Product"),
    ("unknown_location", "Unknown Location"),
    ("unknown_uom", "Unknown Unit"),
    ("invalid", "Invalid Line"),
]


class StockAccuracySyncLine(models.Model):
    """A line of an external snapshot that did not match Odoo: a quantity difference, or an
    item Odoo could not place (unknown product, location or unit, unreadable line). Matching
    lines are only counted on the run."""

    _name = "stock.accuracy.sync.line"
    _inherit = ["stock.accuracy.guarded"]
    _description = "External Stock Difference"
    _order = "run_id desc, id"

    run_id = fields.Many2one(
        "stock.accuracy.sync.run", required=True, ondelete="cascade", index=True
    )
    backend_id = fields.Many2one(related="run_id.backend_id", store=True, index=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    state = fields.Selection(LINE_STATES, string="Status", required=True, index=True)
    external_sku = fields.Char(string="External SKU")
    external_location = fields.Char()
    external_lot = fields.Char()
    external_qty = fields.Float(string="External Quantity", digits="Product Unit of Measure")
    external_uom = fields.Char(string="External Unit")
    external_uom_id = fields.Many2one("uom.uom", string="Unit Found")
    as_of = fields.Datetime()
    product_id = fields.Many2one("product.product", index=True)
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Product Unit")
    location_id = fields.Many2one("stock.location", index=True)
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial Number")
    external_qty_product_uom = fields.Float(
        string="External Quantity (Product Unit)", digits="Product Unit of Measure"
    )
    book_qty = fields.Float(
        string="Odoo Quantity",
        digits="Product Unit of Measure",
        help="Odoo's on-hand at the place and lot at the snapshot's as-of time.",
    )
    difference = fields.Float(digits="Product Unit of Measure")
    within_tolerance = fields.Boolean()
    missing_in_snapshot = fields.Boolean(
        string="Not in Snapshot",
        help="Odoo holds this product here but the snapshot does not list it.",
    )
    exception_id = fields.Many2one("stock.accuracy.exception", index="btree_not_null")
    note = fields.Char()

    # -- write policy (stock.accuracy.guarded): written by the module's code only -------------
    def _accuracy_allowed_fields(self):
        return set()

    @api.model
    def _prepare_external_values(self, run, line):
        """Values of a line as the service sent it, before matching."""
        return {
            "run_id": run.id,
            "external_sku": str(line["sku"]) if line["sku"] is not None else False,
            "external_location": (str(line["location"]) if line["location"] is not None else False),
            "external_lot": str(line["lot"]) if line["lot"] else False,
            "external_uom": str(line["uom"]) if line["uom"] else False,
            "external_qty": 0.0,
        }
