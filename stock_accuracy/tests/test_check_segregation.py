from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AccuracyCheckCommon


@tagged("post_install", "-at_install")
class TestCheckSegregation(AccuracyCheckCommon):
    def test_preparer_recorded_from_move_lines(self):
        picking = self._create_delivery([(self.product_a, 2)], user=self.checker)
        self.assertEqual(picking.accuracy_prepared_by_id, self.checker)

    def test_picker_cannot_check_own_picking(self):
        picking = self._create_delivery([(self.product_a, 2)], user=self.checker)
        check = self._check_as(picking, self.checker)
        with self.assertRaisesRegex(UserError, "another person"):
            check.action_start()
        self.assertEqual(check.action_scan("TSA-BOLT")["status"], "error")
        self.assertFalse(check.line_ids.checked_qty)

    def test_manager_cannot_check_own_picking_but_may_release_it(self):
        picking = self._create_delivery([(self.product_a, 2)], user=self.manager)
        with self.assertRaises(UserError):
            self._check_as(picking, self.manager).action_start()
        picking.with_user(self.manager)._accuracy_override(
            self.env.ref("stock_accuracy.reason_pck"), "Night shift, no second person"
        )
        self.assertEqual(picking.accuracy_check_state, "overridden")
        self.assertIn("prepared by Mia Manager", picking.message_ids[0].body)

    def test_reservation_does_not_make_a_preparer(self):
        picking = self._create_delivery([(self.product_a, 2)], prepare=False)
        self.assertFalse(picking.accuracy_prepared_by_id)

    def test_stock_user_without_checker_role_cannot_check(self):
        picking = self._create_delivery([(self.product_a, 2)], user=self.checker)
        with self.assertRaisesRegex(UserError, "Checkers"):
            self._check_as(picking, self.stock_user).action_start()

    def test_picker_can_correct_quantities_after_checker_changed_them(self):
        picking = self._create_delivery([(self.product_a, 2)])
        self.assertEqual(picking.accuracy_prepared_by_id, self.stock_user)
        check = self._check_as(picking)
        check.action_start()
        self.assertEqual(check.prepared_by_id, self.stock_user)
