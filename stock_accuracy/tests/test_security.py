from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import AccuracyCommon


@tagged("post_install", "-at_install")
class TestSecurity(AccuracyCommon):
    def _visible_menus(self, user):
        return self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

    def test_roles_imply_the_role_before(self):
        self.assertTrue(self.manager.has_group("stock_accuracy.group_accuracy_checker"))
        self.assertTrue(self.manager.has_group("stock_accuracy.group_accuracy_counter"))
        self.assertTrue(self.checker.has_group("stock_accuracy.group_accuracy_counter"))
        self.assertFalse(self.checker.has_group("stock_accuracy.group_accuracy_manager"))
        self.assertFalse(self.counter.has_group("stock_accuracy.group_accuracy_checker"))

    def test_counter_is_not_an_inventory_user_and_reads_no_stock(self):
        self.assertFalse(self.counter.has_group("stock.group_stock_user"))
        self.assertTrue(self.checker.has_group("stock.group_stock_user"))
        self.assertTrue(self.env["stock.quant"].search_count([]), "the database holds stock")
        for model in ("stock.quant", "stock.move.line", "report.stock.quantity"):
            with self.subTest(model=model):
                self.assertEqual(self.env[model].with_user(self.counter).search_count([]), 0)
        product = self.env["stock.quant"].search([("quantity", ">", 0)], limit=1).product_id
        # A product's on-hand figure reads the moves too, which Counters may not read.
        with self.assertRaises(AccessError):
            product.with_user(self.counter).read(["qty_available"])
        self.assertTrue(self.env["stock.quant"].with_user(self.checker).search_count([]))

    def test_inventory_administrator_is_accuracy_manager(self):
        admin = new_test_user(self.env, "sa_stock_admin", groups="stock.group_stock_manager")
        self.assertTrue(admin.has_group("stock_accuracy.group_accuracy_manager"))

    def test_plain_inventory_user_does_not_see_accuracy_menu(self):
        root = self.env.ref("stock_accuracy.menu_accuracy_root")
        self.assertNotIn(root.id, self._visible_menus(self.stock_user))
        self.assertIn(root.id, self._visible_menus(self.counter))

    def test_counter_sees_operations_not_configuration(self):
        menus = self._visible_menus(self.counter)
        self.assertIn(self.env.ref("stock_accuracy.menu_accuracy_operations").id, menus)
        self.assertIn(self.env.ref("stock_accuracy.menu_accuracy_reporting").id, menus)
        self.assertNotIn(self.env.ref("stock_accuracy.menu_accuracy_configuration").id, menus)

    def test_counter_cannot_change_company_accuracy_settings(self):
        with self.assertRaises(AccessError):
            self.company.with_user(self.counter).write({"accuracy_dead_stock_days": 30})
        self.assertEqual(self.company.accuracy_dead_stock_days, 180)

    def test_counter_cannot_open_settings(self):
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.counter).create({})
