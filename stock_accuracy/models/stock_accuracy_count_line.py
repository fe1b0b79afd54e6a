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

    INSERT_FIELDS = (
        "count_id",
        "sequence",
        "product_id",
        "location_id",
        "lot_id",
        "package_id",
        "owner_id",
        "quant_id",
        "abc_class",
        "book_quantity",
    )

    @api.model
    def _insert_planned_lines(self, vals_list):
        """Insert the lines of planned sessions in one set-based statement.

        The planner writes up to hundreds of thousands of plain lines at once; the ORM's
        per-record defaults and company checks would dominate. The values come from quants of
        the sessions' own warehouse, so the company is consistent by construction; company and
        warehouse are copied from the session as the stored related fields would be."""
        if not vals_list:
            return
        self.env["stock.accuracy.count"].flush_model()
        columns = {
            name: [vals.get(name) or None for vals in vals_list] for name in self.INSERT_FIELDS
        }
        columns["book_quantity"] = [vals.get("book_quantity") or 0.0 for vals in vals_list]
        self.env.cr.execute(
            """
            INSERT INTO stock_accuracy_count_line
                   (count_id, sequence, product_id, location_id, lot_id, package_id, owner_id,
                    quant_id, abc_class, book_quantity, company_id, warehouse_id, state,
                    create_uid, create_date, write_uid, write_date)
            SELECT v.count_id, v.sequence, v.product_id, v.location_id, v.lot_id, v.package_id,
                   v.owner_id, v.quant_id, v.abc_class, v.book_quantity, c.company_id,
                   c.warehouse_id, 'todo', %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s,
                   now() AT TIME ZONE 'UTC'
              FROM unnest(%(count_id)s::int[], %(sequence)s::int[], %(product_id)s::int[],
                          %(location_id)s::int[], %(lot_id)s::int[], %(package_id)s::int[],
                          %(owner_id)s::int[], %(quant_id)s::int[], %(abc_class)s::varchar[],
                          %(book_quantity)s::numeric[])
                   AS v(count_id, sequence, product_id, location_id, lot_id, package_id,
                        owner_id, quant_id, abc_class, book_quantity)
              JOIN stock_accuracy_count c ON c.id = v.count_id
            """,
            dict(columns, uid=self.env.uid),
        )
        self.invalidate_model()
        self.env["stock.accuracy.count"].invalidate_model(["line_ids", "line_count"])
