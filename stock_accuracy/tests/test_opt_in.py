from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CountingCommon


@tagged("post_install", "-at_install")
class TestOptIn(CountingCommon):
    """The rules that change Odoo's own flows are off until a manager turns them on, per
    warehouse; what a rule does not hold back behaves exactly as in Odoo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.plain_wh = cls.env["stock.warehouse"].create({"name": "Plain WH", "code": "PLW"})
        cls.plain_quant = cls._put(cls.widget, cls.plain_wh.lot_stock_id, 100)

    def _typed(self, quant, qty, user=None):
        quant = quant.with_user(user or self.admin).with_context(inventory_mode=True)
        quant.inventory_quantity = qty
        self.env.flush_all()
        return quant

    def _lines_of(self, quant):
        return self.env["stock.accuracy.count.line"].search([("quant_id", "=", quant.id)])

    def test_new_warehouse_has_every_rule_off(self):
        policy = self.plain_wh.accuracy_policy_id
        self.assertTrue(policy)
        self.assertFalse(policy.apply_count_rules)
        self.assertFalse(policy.lock_full_counts)
        self.assertFalse(policy.spot_on_negative)
        self.assertFalse(policy.spot_on_zero)
        self.assertEqual(policy.rules_summary, "None")
        self.assertEqual(self.plain_wh.accuracy_rules_on, 0)
        self.assertEqual(self.wh.accuracy_rules_on, 4)

    def test_new_warehouse_takes_the_company_defaults(self):
        self.env.company.write(
            {"accuracy_default_apply_count_rules": True, "accuracy_default_spot_on_zero": True}
        )
        policy = (
            self.env["stock.warehouse"].create({"name": "Ruled WH", "code": "RLW"})
        ).accuracy_policy_id
        self.assertTrue(policy.apply_count_rules)
        self.assertTrue(policy.spot_on_zero)
        self.assertFalse(policy.lock_full_counts)
        self.assertFalse(policy.spot_on_negative)
        self.assertIn("Count Rules on Physical Inventory", policy.rules_summary)

    def test_rules_off_apply_is_odoo_apply(self):
        quant = self._typed(self.plain_quant, 30)
        result = quant.action_apply_inventory()
        self.assertIsNone(result, "Odoo's apply returns nothing")
        self.assertEqual(self.plain_quant.quantity, 30)
        self.assertFalse(self.plain_quant.inventory_quantity_set)
        self.assertFalse(self._lines_of(self.plain_quant))
        move = self.env["stock.move"].search(
            [("product_id", "=", self.widget.id), ("is_inventory", "=", True)],
            order="id desc",
            limit=1,
        )
        self.assertEqual(move.quantity, 70)
        self.assertEqual(move.location_id, self.plain_wh.lot_stock_id)
        self.assertFalse(move.accuracy_count_line_id)

    def test_rule_on_in_one_warehouse_changes_only_that_one(self):
        ruled = self._typed(self.widget_quant, 30)
        plain = self._typed(self.plain_quant, 30)
        action = (ruled | plain).action_apply_inventory()
        self.assertEqual(action["res_model"], "stock.accuracy.reason.wizard")
        self.assertEqual(action["context"]["default_over_quant_ids"], ruled.ids)
        self.assertEqual(self.plain_quant.quantity, 100, "nothing applied before the reason")
        ruled.accuracy_reason_id = self.damage
        action = (ruled | plain).action_apply_inventory()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(self.plain_quant.quantity, 30, "Odoo's apply where the rule is off")
        self.assertEqual(self.widget_quant.quantity, 100, "held for approval where it is on")
        self.assertEqual(self._lines_of(self.widget_quant).state, "to_approve")
        self.assertFalse(self._lines_of(self.plain_quant))

    def test_rule_on_within_tolerance_returns_as_odoo(self):
        quant = self._typed(self.widget_quant, 98)
        result = quant.action_apply_inventory()
        self.assertIsNone(result)
        self.assertEqual(self.widget_quant.quantity, 98)
        self.assertFalse(self.widget_quant.inventory_quantity_set)
        line = self._lines_of(self.widget_quant)
        self.assertEqual(line.state, "done")
        self.assertEqual(line.move_ids.quantity, 2)
        self.assertEqual(line.move_ids.location_dest_id, self.widget.property_stock_inventory)

    def test_rule_on_conflict_wizard_comes_first(self):
        quant = self._typed(self.widget_quant, 30)
        self._move(self.widget, self.suppliers, self.aisle_1a, 1)
        quant.invalidate_recordset()
        action = quant.action_apply_inventory()
        self.assertEqual(action["res_model"], "stock.inventory.conflict")

    def test_zero_book_within_the_absolute_tolerance(self):
        self.policy.tolerance_abs_qty_c = 3.0
        found = self.env["stock.quant"].create(
            {"product_id": self.bolt.id, "location_id": self.aisle_2a.id, "quantity": 0}
        )
        quant = self._typed(found, 2)
        self.assertEqual(quant.accuracy_tolerance_status, "within")
        self.assertIsNone(quant.action_apply_inventory())
        self.assertEqual(found.quantity, 2)
        self.assertEqual(self._lines_of(found).state, "done")
        quant = self._typed(found, 6)
        self.assertEqual(quant.accuracy_tolerance_status, "over", "4 units over a book of 2")

    def test_value_limit_caps_the_quantity_allowance(self):
        self.policy.write({"tolerance_abs_qty_c": 10.0, "tolerance_value_c": 15.0})
        quant = self._typed(self.widget_quant, 99)
        self.assertEqual(quant.accuracy_tolerance_status, "within", "1 unit worth 10")
        quant = self._typed(self.widget_quant, 98)
        self.assertEqual(quant.accuracy_tolerance_status, "over", "2 units worth 20 > 15")

    def test_negative_tolerance_refused(self):
        with self.assertRaises(ValidationError):
            self.policy.tolerance_abs_qty_a = -1

    def test_quantity_wizard_of_the_product_goes_through_the_rules(self):
        # Odoo's wizard sets the quant in the stock location of the company's first warehouse.
        warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        warehouse.accuracy_policy_id.apply_count_rules = True
        quant = self._put(self.bolt, warehouse.lot_stock_id, 40)
        wizard = self.env["stock.change.product.qty"].create(
            {
                "product_id": self.bolt.id,
                "product_tmpl_id": self.bolt.product_tmpl_id.id,
                "new_quantity": 39,
            }
        )
        wizard.change_product_qty()
        self.assertEqual(quant.quantity, 39)
        self.assertEqual(self._lines_of(quant).state, "done")

    def test_on_hand_edit_over_tolerance_is_refused_not_held_unseen(self):
        quant = self.widget_quant.with_context(inventory_mode=True)
        with self.assertRaisesRegex(UserError, "over the tolerance"):
            quant.inventory_quantity_auto_apply = 10
            self.env.flush_all()
        quant.invalidate_recordset()
        quant.inventory_quantity_auto_apply = 99
        self.env.flush_all()
        self.assertEqual(self.widget_quant.quantity, 99)

    def test_spot_counts_follow_their_switches(self):
        self._move(self.widget, self.plain_wh.lot_stock_id, self.customers, 100)
        spots = self.env["stock.accuracy.count"].search(
            [("warehouse_id", "=", self.plain_wh.id), ("count_type", "=", "spot")]
        )
        self.assertFalse(spots, "no spot count in a warehouse that did not ask for one")
        self._put(self.bolt, self.aisle_2a, 5)
        self._move(self.bolt, self.aisle_2a, self.customers, 5)
        self.assertTrue(self._spot_counts("zero"), "the ruled warehouse confirms its empty bin")

    def test_full_count_locks_only_where_the_policy_locks(self):
        Count = self.env["stock.accuracy.count"]
        plain = Count._create_full_count(
            self.plain_wh, self.plain_wh.lot_stock_id, fields.Date.today(), self.counter
        )
        plain.action_start()
        self._move(self.widget, self.plain_wh.lot_stock_id, self.customers, 1)
        self.assertEqual(self.plain_quant.quantity, 99)
        self.plain_wh.accuracy_policy_id.lock_full_counts = True
        with self.assertRaisesRegex(UserError, "is being counted"):
            self._move(self.widget, self.plain_wh.lot_stock_id, self.customers, 1)

    def test_settings_say_which_warehouses_have_rules_on(self):
        settings = Form(self.env["res.config.settings"])
        total = self.env["stock.warehouse"].search_count([("company_id", "=", self.env.company.id)])
        ruled = len(
            self.env["stock.accuracy.policy"]
            .search([("company_id", "=", self.env.company.id)])
            .filtered(
                lambda p: (
                    p.apply_count_rules
                    or p.lock_full_counts
                    or p.spot_on_negative
                    or p.spot_on_zero
                )
            )
        )
        self.assertGreaterEqual(ruled, 1)
        self.assertEqual(
            settings.accuracy_rules_status, f"{ruled} of {total} warehouses have a rule on"
        )
