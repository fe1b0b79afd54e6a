from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AccuracyCheckCommon


@tagged("post_install", "-at_install")
class TestCheckRecheck(AccuracyCheckCommon):
    def test_corrected_picking_passes_recheck(self):
        picking = self._create_delivery([(self.product_a, 3)])
        first = self._check_as(picking)
        self._scan(first, "TSA-BOLT", "TSA-BOLT")
        first.action_finish()
        self.assertEqual(picking.accuracy_check_state, "failed")
        # The picker corrects the transfer to what was really packed: a new check opens.
        picking.move_ids.with_user(self.stock_user).quantity = 2
        self.assertEqual(picking.accuracy_check_state, "to_check")
        second = self._check_as(picking)
        self.assertNotEqual(second, first)
        self._scan(second, "TSA-BOLT", "TSA-BOLT")
        second.action_finish()
        self.assertEqual(second.state, "passed")
        self.assertEqual(picking.accuracy_check_state, "passed")
        picking.with_user(self.stock_user).with_context(
            skip_backorder=True, picking_ids_not_to_backorder=picking.ids
        ).button_validate()
        self.assertEqual(picking.state, "done")

    def test_checker_recounts_after_own_miscount(self):
        picking = self._create_delivery([(self.product_a, 2)])
        first = self._check_as(picking)
        self._scan(first, "TSA-BOLT")
        first.action_finish()
        self.assertEqual(picking.accuracy_check_state, "failed")
        data = (
            self.env["stock.accuracy.check"]
            .with_user(self.checker)
            .action_open_picking(picking.name)
        )
        second = self.env["stock.accuracy.check"].browse(data["id"]).with_user(self.checker)
        self.assertNotEqual(second, first)
        self._scan(second, "TSA-BOLT", "TSA-BOLT")
        second.action_finish()
        self.assertEqual(picking.accuracy_check_state, "passed")

    def test_finished_check_is_read_only(self):
        picking = self._create_delivery([(self.product_a, 1)])
        check = self._check_as(picking)
        self._scan(check, "TSA-BOLT")
        check.action_finish()
        as_manager = check.with_user(self.manager)
        with self.assertRaises(UserError):
            as_manager.unlink()
        with self.assertRaises(UserError):
            as_manager.line_ids.unlink()
        with self.assertRaises(UserError):
            as_manager.write({"message_main_attachment_id": False})
        with self.assertRaises(UserError):
            check._scan("TSA-BOLT")
        self.assertEqual(check.action_scan("TSA-BOLT")["status"], "error")
        self.assertEqual(check.line_ids.checked_qty, 1)
