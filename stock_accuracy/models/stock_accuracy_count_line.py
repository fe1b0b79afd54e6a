from odoo import api, fields, models

from .stock_accuracy_policy import ABC_CLASSES


class StockAccuracyCountLine(models.Model):
    """What to count in a session: a product at a location (lot, package, owner)."""

    _name = "stock.accuracy.count.line"
    _description = "Count Line"
    _check_company_auto = True
    _order = "count_id, sequence, id"

    count_id = fields.Many2one(
        "stock.accuracy.count", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="count_id.company_id", store=True, index=True)
    warehouse_id = fields.Many2one(related="count_id.warehouse_id", store=True)
    product_id = fields.Many2one("product.product", required=True, check_company=True, index=True)
    location_id = fields.Many2one("stock.location", required=True, check_company=True, index=True)
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial Number", check_company=True)
    package_id = fields.Many2one("stock.quant.package")
    owner_id = fields.Many2one("res.partner")
    quant_id = fields.Many2one("stock.quant", ondelete="set null")
    abc_class = fields.Selection(ABC_CLASSES, string="Class")
    state = fields.Selection(
        [("todo", "To Count"), ("counted", "Counted"), ("done", "Done"), ("cancel", "Cancelled")],
        default="todo",
        required=True,
        index=True,
    )
    book_quantity = fields.Float(digits="Product Unit of Measure", readonly=True)
    counted_quantity = fields.Float(digits="Product Unit of Measure")
    counter_id = fields.Many2one("res.users", string="Counted By")
    counted_date = fields.Datetime()
    product_uom_id = fields.Many2one(related="product_id.uom_id")

    @api.model
    def _class_by_product_warehouse(self, pairs):
        product_ids = {product for product, _wh in pairs}
        warehouse_ids = {wh for _product, wh in pairs}
        if not product_ids:
            return {}
        classes = (
            self.env["stock.accuracy.classification"]
            .sudo()
            .search_read(
                [
                    ("product_id", "in", list(product_ids)),
                    ("warehouse_id", "in", list(warehouse_ids)),
                ],
                ["product_id", "warehouse_id", "abc_class"],
            )
        )
        return {(row["product_id"][0], row["warehouse_id"][0]): row["abc_class"] for row in classes}
