from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AccuracyCheckCommon


@tagged("post_install", "-at_install")
class TestCheckMismatch(AccuracyCheckCommon):
    def test_short_line_fails_check_and_blocks_picking(self):
        picking = self._create_delivery([(self.product_a, 3), (self.product_b, 1)])
        check = self._check_as(picking)
        self._scan(check, "TSA-BOLT", "TSA-NUT")
        check.action_finish()
        self.assertEqual(check.state, "failed")
        self.assertEqual(picking.accuracy_check_state, "failed")
        line_a = check.line_ids.filtered(lambda line: line.product_id == self.product_a)
        self.assertEqual(line_a.result, "short")
        self.assertEqual(line_a.difference_qty, -2)
        self.assertIn("Check Bolt", picking.message_ids[0].body)
        with self.assertRaises(UserError):
            picking.with_user(self.stock_user).button_validate()

    def test_unexpected_item_and_wrong_serial_recorded(self):
        picking = self._create_delivery([(self.product_serial, 1)])
        expected_serial = picking.move_line_ids.lot_id
        other_serial = (self.serials - expected_serial)[0]
        check = self._check_as(picking)
        unexpected = check.action_scan("TSA-GEAR")
        self.assertEqual(unexpected["status"], "mismatch")
        wrong = check.action_scan(other_serial.name)
        self.assertEqual(wrong["status"], "mismatch")
        self.assertEqual(check.action_scan(expected_serial.name)["status"], "match")
        check.action_finish()
        results = {
            line.product_id.name + (line.lot_name or ""): line.result for line in check.line_ids
        }
        self.assertEqual(results["Check Gear"], "unexpected")
        self.assertEqual(results["Check Motor" + other_serial.name], "wrong_lot")
        self.assertEqual(results["Check Motor" + expected_serial.name], "match")
        self.assertEqual(check.state, "failed")

    def test_failed_check_raises_mismatch_exception(self):
        picking = self._create_delivery([(self.product_a, 3), (self.product_b, 1)])
        check = self._check_as(picking)
        self._scan(check, "TSA-BOLT", "TSA-NUT")
        check.action_finish()
        exceptions = self.env["stock.accuracy.exception"].search(
            [("source_model", "=", "stock.picking"), ("source_res_id", "=", picking.id)]
        )
        self.assertEqual(len(exceptions), 1)
        self.assertEqual(exceptions.type_id.code, "check_mismatch")
        self.assertEqual(exceptions.product_id, self.product_a)
        self.assertEqual(exceptions.quantity, -2)
        self.assertIn(check.name, exceptions.description)
        self.assertIn("Short", exceptions.description)
        self.assertEqual(picking.accuracy_exception_count, 1)
