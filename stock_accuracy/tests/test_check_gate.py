from odoo.api import call_kw
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AccuracyCheckCommon


@tagged("post_install", "-at_install")
class TestCheckGate(AccuracyCheckCommon):
    def test_check_opened_when_delivery_is_ready(self):
        picking = self._create_delivery([(self.product_a, 2)], prepare=False)
        self.assertEqual(picking.state, "assigned")
        self.assertTrue(picking.accuracy_check_required)
        self.assertEqual(picking.accuracy_check_state, "to_check")
        self.assertEqual(picking.accuracy_check_id.state, "draft")
        self.assertTrue(picking.accuracy_check_id.name.startswith("DC/"))

    def test_no_check_when_operation_type_is_off(self):
        self.out_type.accuracy_check_mode = "off"
        picking = self._create_delivery([(self.product_a, 2)])
        self.assertEqual(picking.accuracy_check_state, "not_needed")
        self.assertFalse(picking.accuracy_check_ids)
        picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.state, "done")

    def test_check_above_value_and_for_categories(self):
        self.product_a.standard_price = 10.0
        self.out_type.write({"accuracy_check_mode": "value", "accuracy_check_min_value": 50.0})
        cheap = self._create_delivery([(self.product_a, 2)])
        costly = self._create_delivery([(self.product_a, 10)])
        self.assertEqual(cheap.accuracy_check_state, "not_needed")
        self.assertEqual(costly.accuracy_check_state, "to_check")
        category = self.env["product.category"].create({"name": "Checked"})
        child = self.env["product.category"].create({"name": "Child", "parent_id": category.id})
        self.product_b.categ_id = child
        self.out_type.write(
            {"accuracy_check_mode": "category", "accuracy_check_categ_ids": [(6, 0, category.ids)]}
        )
        self.assertEqual(cheap.accuracy_check_state, "not_needed")
        with_b = self._create_delivery([(self.product_a, 1), (self.product_b, 1)])
        self.assertEqual(with_b.accuracy_check_state, "to_check")

    def test_validate_button_blocked_until_check_passed(self):
        picking = self._create_delivery([(self.product_a, 2)])
        with self.assertRaisesRegex(UserError, "double-check"):
            picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.state, "assigned")
        check = self._check_as(picking)
        self._scan(check, "TSA-BOLT", "TSA-BOLT")
        check.action_finish()
        self.assertEqual(picking.accuracy_check_state, "passed")
        picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.accuracy_check_state, "passed")

    def test_batch_validation_blocked_by_one_unchecked_picking(self):
        self.out_type.accuracy_check_mode = "off"
        free = self._create_delivery([(self.product_a, 1)])
        self.out_type.accuracy_check_mode = "required"
        gated = self._create_delivery([(self.product_b, 1)])
        with self.assertRaisesRegex(UserError, gated.name):
            (free | gated).with_user(self.stock_user).button_validate()
        self.assertEqual(free.state, "assigned")

    def test_rpc_validation_and_action_done_blocked(self):
        picking = self._create_delivery([(self.product_a, 2)])
        env = self.env(user=self.stock_user)
        with self.assertRaises(UserError):
            call_kw(env["stock.picking"], "button_validate", [picking.ids], {})
        with self.assertRaises(UserError):
            picking.with_user(self.stock_user)._action_done()
        self.assertEqual(picking.state, "assigned")

    def test_rpc_cannot_mark_the_check_passed(self):
        picking = self._create_delivery([(self.product_a, 2)])
        env = self.env(user=self.manager)
        with self.assertRaises(UserError):
            call_kw(
                env["stock.picking"], "write", [picking.ids, {"accuracy_check_state": "passed"}], {}
            )
        with self.assertRaises(UserError):
            call_kw(
                env["stock.accuracy.check"],
                "write",
                [picking.accuracy_check_id.ids, {"state": "passed"}],
                {},
            )
        with self.assertRaises(UserError):
            call_kw(
                env["stock.accuracy.check"],
                "create",
                [{"picking_id": picking.id, "state": "passed"}],
                {},
            )
        self.assertEqual(picking.accuracy_check_state, "to_check")

    def test_changing_quantities_after_pass_requires_new_check(self):
        picking = self._create_delivery([(self.product_a, 2)])
        check = self._check_as(picking)
        self._scan(check, "TSA-BOLT", "TSA-BOLT")
        check.action_finish()
        self.assertEqual(picking.accuracy_check_state, "passed")
        picking.move_ids.with_user(self.stock_user).quantity = 3
        self.assertEqual(picking.accuracy_check_state, "to_check")
        self.assertNotEqual(picking.accuracy_check_id, check)
        with self.assertRaises(UserError):
            picking.with_user(self.stock_user).button_validate()
