from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The demo tenant must give classification, planning and KPIs something real to show."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.templates = cls.env["product.template"].search([("default_code", "=like", "SA-%")])
        if not cls.templates:
            cls.skipTest(cls, "the database was installed without demo data")

    def test_two_warehouses_and_forty_storable_products(self):
        self.assertGreaterEqual(self.env["stock.warehouse"].search_count([]), 2)
        self.assertGreaterEqual(len(self.templates), 40)
        self.assertTrue(all(self.templates.mapped("is_storable")))
        self.assertTrue(self.templates.filtered(lambda t: t.tracking == "lot"))
        self.assertTrue(self.templates.filtered(lambda t: t.tracking == "serial"))

    def test_twelve_months_of_done_receipts_and_deliveries(self):
        moves = self.env["stock.move"].search(
            [("product_id.product_tmpl_id", "in", self.templates.ids), ("state", "=", "done")]
        )
        codes = set(moves.picking_type_id.mapped("code"))
        self.assertEqual(codes, {"incoming", "outgoing"})
        months = {(m.date.year, m.date.month) for m in moves}
        self.assertGreaterEqual(len(months), 12)
        warehouses = moves.picking_type_id.warehouse_id
        self.assertGreaterEqual(len(warehouses), 2)

    def test_outgoing_value_is_very_uneven(self):
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT SUM(l.quantity * COALESCE((p.standard_price->>%s)::numeric, 0)) AS value
              FROM stock_move_line l
              JOIN stock_location d ON d.id = l.location_dest_id
              JOIN product_product p ON p.id = l.product_id
             WHERE d.usage = 'customer' AND l.state = 'done'
               AND p.product_tmpl_id = ANY(%s)
          GROUP BY p.id ORDER BY 1 DESC
            """,
            [str(self.env.company.id), self.templates.ids],
        )
        values = [row[0] for row in self.env.cr.fetchall()]
        top = values[: max(1, len(values) // 5)]
        # A classic ABC spread: the top fifth of the products carries most of the value.
        self.assertGreater(sum(top) / sum(values), 0.6)

    def test_product_names_translate_to_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["stock_accuracy"], ["zh_CN"])
        template = self.env.ref("stock_accuracy.sa_a01")
        self.assertEqual(template.with_context(lang="zh_CN").name, "工业伺服电机 2 kW")
        self.assertEqual(template.with_context(lang="en_US").name, "Industrial Servo Motor 2 kW")

    def test_demo_warehouse_has_its_own_company_and_its_rules_on(self):
        shanghai = self.env.ref("stock_accuracy.warehouse_shanghai")
        main = self.env.ref("base.main_company")
        self.assertEqual(shanghai.company_id, self.env.ref("stock_accuracy.company_shanghai"))
        policy = shanghai.accuracy_policy_id
        self.assertTrue(policy.apply_count_rules and policy.lock_full_counts)
        self.assertTrue(policy.spot_on_negative and policy.spot_on_zero)
        # Odoo's main demo company keeps its warehouses, and Odoo's behaviour in them.
        demo_warehouses = self.env["ir.model.data"].search(
            [("module", "=", "stock_accuracy"), ("model", "=", "stock.warehouse")]
        )
        self.assertFalse(
            self.env["stock.warehouse"]
            .browse(demo_warehouses.mapped("res_id"))
            .filtered(lambda wh: wh.company_id == main)
        )
        main_policies = self.env["stock.accuracy.policy"].search([("company_id", "=", main.id)])
        self.assertTrue(main_policies)
        self.assertFalse(
            main_policies.filtered(
                lambda p: (
                    p.apply_count_rules
                    or p.lock_full_counts
                    or p.spot_on_negative
                    or p.spot_on_zero
                )
            )
        )
