from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import AccuracyCheckCommon


@tagged("post_install", "-at_install")
class TestCheckOverride(AccuracyCheckCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason = cls.env.ref("stock_accuracy.reason_shp")

    def test_manager_releases_failed_picking_with_reason(self):
        picking = self._create_delivery([(self.product_a, 3)])
        check = self._check_as(picking)
        self._scan(check, "TSA-BOLT")
        check.action_finish()
        action = picking.with_user(self.manager).action_accuracy_override()
        wizard_form = Form(
            self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"])
        )
        wizard_form.reason_id = self.env.ref("stock_accuracy.reason_shp")
        wizard_form.note = "Customer collects the missing units tomorrow"
        wizard_form.save().action_confirm()
        self.assertEqual(picking.accuracy_check_state, "overridden")
        self.assertEqual(picking.accuracy_override_user_id, self.manager)
        self.assertEqual(
            picking.accuracy_override_reason_id, self.env.ref("stock_accuracy.reason_shp")
        )
        self.assertIn("Customer collects", picking.message_ids[0].body)
        self.assertIn("Mia Manager", picking.message_ids[0].body)
        picking.with_user(self.stock_user).with_context(
            picking_ids_not_to_backorder=picking.ids
        ).button_validate()
        self.assertEqual(picking.state, "done")

    def test_checker_cannot_release(self):
        picking = self._create_delivery([(self.product_a, 1)])
        with self.assertRaises(UserError):
            picking.with_user(self.checker)._accuracy_override(self.reason, "in a hurry")
        with self.assertRaises(AccessError):
            self.env["stock.accuracy.check.override"].with_user(self.checker).create(
                {"picking_id": picking.id, "reason_id": self.reason.id}
            )
        self.assertEqual(picking.accuracy_check_state, "to_check")

    def test_release_needs_a_reason_and_its_note(self):
        picking = self._create_delivery([(self.product_a, 1)])
        as_manager = picking.with_user(self.manager)
        with self.assertRaises(UserError):
            as_manager._accuracy_override(self.env["stock.accuracy.reason"], "no code")
        self.reason.requires_note = True
        with self.assertRaises(UserError):
            as_manager._accuracy_override(self.reason, "  ")
        self.assertEqual(picking.accuracy_check_state, "to_check")
