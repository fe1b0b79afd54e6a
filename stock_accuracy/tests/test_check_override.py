from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common_check import AccuracyCheckCommon


@tagged("post_install", "-at_install")
class TestCheckOverride(AccuracyCheckCommon):
    def test_manager_releases_failed_picking_with_reason(self):
        picking = self._create_delivery([(self.product_a, 3)])
        check = self._check_as(picking)
        self._scan(check, "TSA-BOLT")
        check.action_finish()
        action = picking.with_user(self.manager).action_accuracy_override()
        wizard_form = Form(
            self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"])
        )
        wizard_form.reason = "Customer collects the missing units tomorrow"
        wizard_form.save().action_confirm()
        self.assertEqual(picking.accuracy_check_state, "overridden")
        self.assertEqual(picking.accuracy_override_user_id, self.manager)
        self.assertIn("Customer collects", picking.message_ids[0].body)
        self.assertIn("Mia Manager", picking.message_ids[0].body)
        picking.with_user(self.stock_user).with_context(
            picking_ids_not_to_backorder=picking.ids
        ).button_validate()
        self.assertEqual(picking.state, "done")

    def test_checker_cannot_release(self):
        picking = self._create_delivery([(self.product_a, 1)])
        with self.assertRaises(UserError):
            picking.with_user(self.checker)._accuracy_override("in a hurry")
        with self.assertRaises(AccessError):
            self.env["stock.accuracy.check.override"].with_user(self.checker).create(
                {"picking_id": picking.id, "reason": "in a hurry"}
            )
        self.assertEqual(picking.accuracy_check_state, "to_check")

    def test_release_needs_a_reason(self):
        picking = self._create_delivery([(self.product_a, 1)])
        with self.assertRaises(UserError):
            picking.with_user(self.manager)._accuracy_override("  ")
