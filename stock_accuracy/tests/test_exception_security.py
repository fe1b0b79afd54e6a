from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ExceptionCommon


@tagged("post_install", "-at_install")
class TestExceptionSecurity(ExceptionCommon):
    """Counters follow up the exceptions of their companies; Managers configure and close."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Far Away Co"})
        cls.other_warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.other_company.id)], limit=1
        )
        cls.other_manager = new_test_user(
            cls.env,
            "sa_far_manager",
            groups="stock_accuracy.group_accuracy_manager",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )

    def test_counter_sees_only_exceptions_of_own_companies(self):
        mine = self._raise()
        theirs = self.Exception.with_company(self.other_company)._raise_exception(
            "count_variance",
            None,
            {"product_id": self.product.id, "location_id": self.other_warehouse.lot_stock_id.id},
        )
        self.assertEqual(theirs.company_id, self.other_company)
        self.assertIn(self.other_company, theirs.user_id.company_ids)
        visible = self.Exception.with_user(self.counter).search([])
        self.assertIn(mine, visible)
        self.assertNotIn(theirs, visible)
        with self.assertRaises(AccessError):
            theirs.with_user(self.counter).read(["name"])

    def test_counter_cannot_create_exceptions_directly(self):
        with self.assertRaises(AccessError):
            self.Exception.with_user(self.counter).create(
                {"type_id": self.type_variance.id, "product_id": self.product.id}
            )

    def test_counter_raises_through_the_api(self):
        exception = self.Exception.with_user(self.counter)._raise_exception(
            "count_variance", None, {"product_id": self.product.id}
        )
        self.assertEqual(exception.env.user, self.counter)
        self.assertTrue(exception.name)

    def test_manager_creates_from_the_form_with_routing(self):
        self.warehouse.accuracy_manager_id = self.checker
        exception = self.Exception.with_user(self.manager).create(
            {
                "type_id": self.type_variance.id,
                "product_id": self.product.id,
                "location_id": self.stock_location.id,
            }
        )
        self.assertEqual(exception.user_id, self.checker)
        self.assertTrue(self._owner_activities(exception))

    def test_nobody_deletes_an_exception(self):
        exception = self._raise()
        with self.assertRaises(AccessError):
            exception.with_user(self.manager).unlink()

    def test_only_managers_configure_routing_rules(self):
        Rule = self.env["stock.accuracy.exception.rule"]
        with self.assertRaises(AccessError):
            Rule.with_user(self.checker).create({"user_id": self.checker.id})
        with self.assertRaises(AccessError):
            Rule.with_user(self.counter).search([])
        rule = Rule.with_user(self.manager).create({"user_id": self.checker.id})
        self.assertEqual(rule.company_id, self.company)

    def test_manager_sees_rules_of_own_companies_only(self):
        theirs = self.env["stock.accuracy.exception.rule"].create(
            {"company_id": self.other_company.id}
        )
        self.assertNotIn(
            theirs, self.env["stock.accuracy.exception.rule"].with_user(self.manager).search([])
        )

    def test_reason_codes_are_read_by_counters_and_managed_by_managers(self):
        Reason = self.env["stock.accuracy.reason"]
        self.assertGreaterEqual(Reason.with_user(self.counter).search_count([]), 12)
        with self.assertRaises(AccessError):
            Reason.with_user(self.counter).create({"code": "X1", "name": "X"})
        reason = Reason.with_user(self.manager).create(
            {
                "code": "X1",
                "name": "Mislabelled",
                "category": "master_data",
                "company_id": self.company.id,
            }
        )
        self.assertEqual(reason.display_name, "[X1] Mislabelled")

    def test_exception_types_are_read_only_for_counters(self):
        with self.assertRaises(AccessError):
            self.type_variance.with_user(self.counter).name = "Renamed"

    def test_counter_sees_configuration_menus_hidden(self):
        menus = self.env["ir.ui.menu"].with_user(self.counter)._visible_menu_ids()
        self.assertIn(self.env.ref("stock_accuracy.menu_accuracy_exceptions").id, menus)
        self.assertNotIn(self.env.ref("stock_accuracy.menu_accuracy_exception_rules").id, menus)
