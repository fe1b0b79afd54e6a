import random
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

DEMO_ORIGIN = "DEMO-DOUBLE-CHECK"


class StockAccuracyDemo(models.AbstractModel):
    """Builds twelve months of receipts and deliveries for the demo data.

    Only called from the demo XML: it gives the ABC classification, the count planner and the
    KPIs a realistic, very uneven spread of value to work on.
    """

    _name = "stock.accuracy.demo"
    _description = "Inventory Accuracy Demo Data"

    MONTHS = 12
    DELIVERIES_PER_MONTH = 3

    @api.model
    def _monthly_demand(self, template, rank, rng):
        """Units leaving a warehouse per month: a few costly items carry most of the value."""
        code = template.default_code or ""
        if code.startswith("SA-D"):
            return 0
        if code.startswith("SA-A"):
            return rng.randint(3, 12) if template.tracking == "serial" else rng.randint(15, 60)
        if code.startswith("SA-B"):
            return rng.randint(2, 6) if template.tracking == "serial" else rng.randint(20, 80)
        return rng.randint(10, 120) + rank

    @api.model
    def _generate_history(self, warehouse_ids, template_ids):
        rng = random.Random(20261125)
        warehouses = self.env["stock.warehouse"].browse(warehouse_ids)
        templates = self.env["product.template"].browse(template_ids)
        if self.env["stock.move"].search_count(
            [("product_id.product_tmpl_id", "in", templates.ids), ("state", "=", "done")], limit=1
        ):
            return  # reinstalled on top of its own demo: the history is already there
        vendor = self.env.ref("base.res_partner_1", raise_if_not_found=False) or (
            self.env.company.partner_id
        )
        customers = (
            self.env["res.partner"].search(
                [("is_company", "=", True), ("id", "!=", self.env.company.partner_id.id)], limit=5
            )
            or self.env.company.partner_id
        )
        now = fields.Datetime.now()
        picking_dates = {}
        self._share_costs(templates, warehouses.company_id)
        for wh_index, warehouse in enumerate(warehouses):
            demo = self.with_company(warehouse.company_id)
            scale = 1.0 if wh_index == 0 else 0.6
            demand = {
                t: int(self._monthly_demand(t, rank, rng) * scale)
                for rank, t in enumerate(templates)
            }
            if wh_index:
                # Sold out in the second warehouse: the open demand below is a stock-out.
                demand[templates.filtered(lambda t: t.default_code == "SA-B06")[:1]] = -1
            on_hand = {t: 0 for t in templates}
            for month in range(self.MONTHS, 0, -1):
                month_start = now - timedelta(days=30 * month)
                receipt_lines = []
                for template in templates:
                    qty = demand[template]
                    if qty < 0:
                        continue
                    if month == self.MONTHS:
                        # Opening stock; dead items are bought once and never leave.
                        qty = qty * 2 if qty else rng.randint(20, 60)
                    elif not qty:
                        continue
                    receipt_lines.append((template, qty))
                    on_hand[template] += qty
                receipt = demo._create_done_picking(
                    warehouse.in_type_id, vendor, receipt_lines, f"{warehouse.code}{month:02d}"
                )
                picking_dates[receipt.id] = month_start + timedelta(hours=9)
                moving = [t for t in templates if demand[t] > 0]
                for delivery_index in range(self.DELIVERIES_PER_MONTH):
                    lines = []
                    for template in rng.sample(moving, min(len(moving), 12)):
                        qty = min(on_hand[template], max(1, demand[template] // 3))
                        if qty > 0:
                            lines.append((template, qty))
                            on_hand[template] -= qty
                    if not lines:
                        continue
                    delivery = demo._create_done_picking(
                        warehouse.out_type_id, rng.choice(customers), lines, None
                    )
                    picking_dates[delivery.id] = month_start + timedelta(
                        days=7 + 7 * delivery_index, hours=14
                    )
        self._backdate(picking_dates)
        self._create_open_demand(warehouses[-1:], templates, customers[:1])

    @api.model
    def _adopt_company_warehouse(self, company_id, xml_name, name, code):
        """Name the warehouse Odoo made for a new demo company and give it the xml id
        ``stock_accuracy.<xml_name>`` (one is created when the company has none); kept when
        the xml id already exists (a reinstall)."""
        xml_id = f"stock_accuracy.{xml_name}"
        if self.env.ref(xml_id, raise_if_not_found=False):
            return
        company = self.env["res.company"].browse(company_id)
        Warehouse = self.env["stock.warehouse"].with_company(company)
        warehouse = Warehouse.search([("company_id", "=", company.id)], limit=1)
        values = {"name": name, "code": code, "partner_id": company.partner_id.id}
        if warehouse:
            warehouse.write(values)
        else:
            warehouse = Warehouse.create(dict(values, company_id=company.id))
        self.env["ir.model.data"]._update_xmlids(
            [{"xml_id": xml_id, "record": warehouse, "noupdate": True}]
        )

    @api.model
    def _share_costs(self, templates, companies):
        """The products are shared; their cost is per company: every demo company buys them
        at the main company's cost."""
        for company in companies - self.env.company:
            for template in templates:
                template.with_company(company).standard_price = template.standard_price

    @api.model
    def _create_done_picking(self, picking_type, partner, lines, lot_prefix):
        source = picking_type.default_location_src_id or self.env.ref(
            "stock.stock_location_suppliers"
        )
        destination = picking_type.default_location_dest_id or self.env.ref(
            "stock.stock_location_customers"
        )
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": partner.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "move_ids": [
                    fields.Command.create(
                        {
                            "name": template.display_name,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                            "product_id": template.product_variant_id.id,
                            "product_uom_qty": qty,
                            "product_uom": template.uom_id.id,
                        }
                    )
                    for template, qty in lines
                ],
            }
        )
        picking.action_confirm()
        if lot_prefix:
            self._fill_receipt_lines(picking, lot_prefix)
        else:
            picking.action_assign()
        picking.move_ids.picked = True
        picking.with_context(
            skip_backorder=True, skip_sms=True, picking_ids_not_to_backorder=picking.ids
        ).button_validate()
        return picking

    @api.model
    def _fill_receipt_lines(self, picking, lot_prefix):
        for move in picking.move_ids:
            tracking = move.product_id.tracking
            code = move.product_id.default_code
            qty = int(move.product_uom_qty)
            if tracking == "none":
                move.quantity = qty
                continue
            move.move_line_ids.unlink()
            if tracking == "lot":
                vals = [{"lot_name": f"{code}-{lot_prefix}", "quantity": qty}]
            else:
                vals = [
                    {"lot_name": f"{code}-{lot_prefix}-{n:03d}", "quantity": 1}
                    for n in range(1, qty + 1)
                ]
            self.env["stock.move.line"].create(
                [
                    dict(
                        v,
                        move_id=move.id,
                        picking_id=picking.id,
                        product_id=move.product_id.id,
                        product_uom_id=move.product_uom.id,
                        location_id=move.location_id.id,
                        location_dest_id=move.location_dest_id.id,
                    )
                    for v in vals
                ]
            )

    @api.model
    def _backdate(self, picking_dates):
        """Spread the validated pickings over the past months (one statement per table)."""
        if not picking_dates:
            return
        self.env.flush_all()
        values = SQL(", ").join(
            SQL("(%s, %s::timestamp)", picking_id, date)
            for picking_id, date in picking_dates.items()
        )
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            WITH d(picking_id, date) AS (VALUES %s)
            UPDATE stock_picking p
               SET date_done = d.date, scheduled_date = d.date, date = d.date
              FROM d WHERE p.id = d.picking_id
            """,
                values,
            )
        )
        cr.execute(
            SQL(
                """
            WITH d(picking_id, date) AS (VALUES %s)
            UPDATE stock_move m SET date = d.date, date_deadline = NULL
              FROM d WHERE m.picking_id = d.picking_id
            """,
                values,
            )
        )
        cr.execute(
            SQL(
                """
            WITH d(picking_id, date) AS (VALUES %s)
            UPDATE stock_move_line l SET date = d.date
              FROM d WHERE l.picking_id = d.picking_id
            """,
                values,
            )
        )
        cr.execute(
            SQL(
                """
            UPDATE stock_quant q SET in_date = sub.date
              FROM (SELECT l.product_id, l.location_dest_id, l.lot_id, MIN(l.date) AS date
                      FROM stock_move_line l
                     WHERE l.picking_id = ANY(%s)
                  GROUP BY 1, 2, 3) sub
             WHERE q.product_id = sub.product_id AND q.location_id = sub.location_dest_id
               AND q.lot_id IS NOT DISTINCT FROM sub.lot_id
            """,
                list(picking_dates),
            ),
        )
        self.env.invalidate_all()

    @api.model
    def _create_open_demand(self, warehouses, templates, customers):
        """Leave a few deliveries waiting on products that ran out: the stock-outs."""
        for warehouse in warehouses:
            demo = self.with_company(warehouse.company_id)
            quants = demo.env["stock.quant"]._read_group(
                [
                    ("location_id", "child_of", warehouse.lot_stock_id.id),
                    ("product_id", "in", templates.product_variant_id.ids),
                ],
                ["product_id"],
                ["quantity:sum"],
            )
            stocked = demo.env["product.product"].union(
                *[product for product, qty in quants if qty > 0]
            )
            short = (templates.product_variant_id - stocked)[:3]
            if not short:
                continue
            picking = demo.env["stock.picking"].create(
                {
                    "picking_type_id": warehouse.out_type_id.id,
                    "partner_id": customers.id,
                    "location_id": warehouse.lot_stock_id.id,
                    "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                    "move_ids": [
                        fields.Command.create(
                            {
                                "name": product.display_name,
                                "location_id": warehouse.lot_stock_id.id,
                                "location_dest_id": self.env.ref(
                                    "stock.stock_location_customers"
                                ).id,
                                "product_id": product.id,
                                "product_uom_qty": 5,
                                "product_uom": product.uom_id.id,
                            }
                        )
                        for product in short
                    ],
                }
            )
            picking.action_confirm()

    @api.model
    def _enable_double_check(self, warehouse_ids, template_ids):
        """Turn the double-check on for receipts and deliveries of the given warehouses (after the
        history, which stays unchecked), and leave one ready delivery waiting for its check."""
        customers = self.env.ref("stock.stock_location_customers")
        for warehouse in self.env["stock.warehouse"].browse(warehouse_ids):
            demo = self.with_company(warehouse.company_id)
            (warehouse.in_type_id | warehouse.out_type_id).write(
                {"accuracy_check_mode": "required", "accuracy_check_blind": True}
            )
            if demo.env["stock.picking"].search_count(
                [("picking_type_id", "=", warehouse.out_type_id.id), ("origin", "=", DEMO_ORIGIN)],
                limit=1,
            ):
                continue
            products = (
                demo.env["stock.quant"]
                .search(
                    [
                        ("location_id", "=", warehouse.lot_stock_id.id),
                        ("product_id.product_tmpl_id", "in", template_ids),
                        ("product_id.tracking", "=", "none"),
                        ("quantity", ">", 5),
                    ],
                    limit=3,
                )
                .product_id
            )
            if not products:
                continue
            picking = demo.env["stock.picking"].create(
                {
                    "picking_type_id": warehouse.out_type_id.id,
                    "partner_id": demo.env.company.partner_id.id,
                    "origin": DEMO_ORIGIN,
                    "location_id": warehouse.lot_stock_id.id,
                    "location_dest_id": customers.id,
                    "move_ids": [
                        fields.Command.create(
                            {
                                "name": product.display_name,
                                "location_id": warehouse.lot_stock_id.id,
                                "location_dest_id": customers.id,
                                "product_id": product.id,
                                "product_uom_qty": 2,
                                "product_uom": product.uom_id.id,
                            }
                        )
                        for product in products
                    ],
                }
            )
            picking.action_confirm()
            picking.action_assign()
