from odoo.tests import tagged

from .common import CountingCommon


@tagged("post_install", "-at_install")
class TestCountingNative(CountingCommon):
    def _set_inventory(self, quant, qty, user):
        quant = quant.with_user(user).with_context(inventory_mode=True)
        quant.inventory_quantity = qty
        self.env.flush_all()  # saved, as the list view does, before anything else happens
        return quant

    def test_native_apply_within_tolerance_is_recorded(self):
        quant = self._set_inventory(self.widget_quant, 98, self.stock_user)
        self.assertEqual(quant.accuracy_tolerance_status, "within")
        self.assertEqual(quant.accuracy_abc_class, "c")
        quant.action_apply_inventory()
        self.assertEqual(self.widget_quant.quantity, 98)
        line = self.env["stock.accuracy.count.line"].search([("quant_id", "=", quant.id)])
        self.assertEqual(line.state, "done")
        self.assertEqual(line.counter_id, self.stock_user)
        self.assertEqual(line.move_ids.accuracy_reason_id, self.miscount)
        self.assertEqual(line.move_ids.accuracy_count_line_id, line)

    def test_native_over_tolerance_asks_reason_then_goes_to_approval(self):
        quant = self._set_inventory(self.widget_quant, 70, self.stock_user)
        self.assertEqual(quant.accuracy_tolerance_status, "over")
        action = quant.action_apply_inventory()
        self.assertEqual(action["res_model"], "stock.accuracy.reason.wizard")
        wizard = (
            self.env["stock.accuracy.reason.wizard"]
            .with_user(self.stock_user)
            .with_context(**action["context"])
            .create({"reason_id": self.damage.id})
        )
        wizard.action_apply()
        self.assertEqual(self.widget_quant.quantity, 100, "a counter cannot apply it")
        line = self.env["stock.accuracy.count.line"].search([("quant_id", "=", quant.id)])
        self.assertEqual(line.state, "to_approve")
        self.assertEqual(line.reason_id, self.damage)
        line.with_user(self.manager).action_approve()
        self.assertEqual(self.widget_quant.quantity, 70)
        self.assertEqual(line.move_ids.accuracy_reason_id, self.damage)

    def test_native_reason_column_reaches_the_move(self):
        quant = self._set_inventory(self.bolt_quant, 39, self.stock_user)
        quant.accuracy_reason_id = self.damage
        quant.action_apply_inventory()
        line = self.env["stock.accuracy.count.line"].search([("quant_id", "=", quant.id)])
        self.assertEqual(line.move_ids.accuracy_reason_id, self.damage)
        self.assertFalse(self.bolt_quant.accuracy_reason_id)

    def test_native_conflict_wizard_still_works(self):
        admin = self.env.ref("base.user_admin")  # the conflict wizard is for stock admins
        quant = self._set_inventory(self.bolt_quant, 39, admin)
        self._move(self.bolt, self.suppliers, self.aisle_1a, 1)
        quant.invalidate_recordset()
        self.assertTrue(quant.is_outdated)
        action = quant.action_apply_inventory()
        self.assertEqual(action["res_model"], "stock.inventory.conflict")
        self.env.invalidate_all()  # the wizard's button is a new request
        wizard = (
            self.env["stock.inventory.conflict"]
            .with_user(admin)
            .with_context(**action["context"])
            .create({})
        )
        wizard.action_keep_counted_quantity()
        self.assertEqual(self.bolt_quant.quantity, 39)
        line = self.env["stock.accuracy.count.line"].search([("quant_id", "=", quant.id)])
        self.assertEqual(line.state, "done")
