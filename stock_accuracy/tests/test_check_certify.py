from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.stock_accuracy.models.stock_picking import NOT_PREPARING, NOT_PREPARING_KEY

from .common import AccuracyCheckCommon

# Every key that once relaxed a rule, or looks like one that does, with the JSON values a
# client can send.
FORGED_CONTEXT = {
    "accuracy_no_prepare": True,
    "accuracy_not_preparing": "not_preparing",
    "accuracy_internal_path": "stock_accuracy",
    "button_validate_picking_ids": [],
    "skip_backorder": True,
}


class CertifyCommon(AccuracyCheckCommon):
    def _pass_check(self, picking, barcode="TSA-BOLT", times=2):
        check = self._check_as(picking)
        self._scan(check, *([barcode] * times))
        check.action_finish()
        self.assertEqual(check.state, "passed")
        return check

    @staticmethod
    def _unseen(records):
        """``records`` on the module's own path, where no preparation is recorded."""
        return records.with_context(**{NOT_PREPARING_KEY: NOT_PREPARING})

    def _forged(self, picking):
        return dict(FORGED_CONTEXT, button_validate_picking_ids=picking.ids)


@tagged("post_install", "-at_install")
class TestCheckCertify(CertifyCommon):
    def test_passed_check_certifies_what_ships(self):
        picking = self._create_delivery([(self.product_a, 2)])
        check = self._pass_check(picking)
        self.assertEqual(len(check.certified_ids), 1)
        self.assertEqual(check.certified_ids.product_id, self.product_a)
        self.assertEqual(check.certified_ids.location_id, self.stock_location)
        self.assertEqual(check.certified_ids.quantity, 2)
        self.assertEqual(check.certified_picking_type_id, self.out_type)
        picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.state, "done")

    def test_forged_context_does_not_skip_the_changed_quantities_rule(self):
        picking = self._create_delivery([(self.product_a, 2)])
        self._pass_check(picking)
        forged = self._forged(picking)
        picking.move_ids.with_user(self.stock_user).with_context(**forged).quantity = 5
        self.assertEqual(picking.accuracy_check_state, "to_check")
        with self.assertRaisesRegex(UserError, "double-check"):
            picking.with_user(self.stock_user).with_context(**forged).button_validate()
        self.assertEqual(picking.state, "assigned")

    def test_quantities_changed_past_the_rules_are_refused_at_validation(self):
        """Even a change no hook saw (the module's own path) is caught by the certificate."""
        picking = self._create_delivery([(self.product_a, 2)])
        check = self._pass_check(picking)
        self._unseen(picking.move_line_ids).quantity = 3
        self.assertEqual(picking.accuracy_check_state, "passed")
        with self.assertRaisesRegex(UserError, rf"{check.name}.*2\.0 certified, 3\.0 to validate"):
            picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.state, "assigned")

    def test_cancelled_new_check_does_not_bring_back_the_old_pass(self):
        picking = self._create_delivery([(self.product_a, 2)])
        first = self._pass_check(picking)
        picking.move_ids.with_user(self.stock_user).quantity = 3
        second = picking.accuracy_check_id
        self.assertNotEqual(second, first)
        second.with_user(self.checker).action_cancel()
        self.assertEqual(picking.accuracy_check_state, "to_check")
        with self.assertRaisesRegex(UserError, "double-check"):
            picking.with_user(self.stock_user).button_validate()
        # Back to what the first check certified: still the newer, cancelled check counts.
        picking.move_ids.with_user(self.stock_user).quantity = 2
        with self.assertRaisesRegex(UserError, "double-check"):
            picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.state, "assigned")

    def test_unit_changed_after_pass_is_refused(self):
        picking = self._create_delivery([(self.product_a, 2)])
        check = self._pass_check(picking)
        dozen = self.env.ref("uom.product_uom_dozen")
        self._unseen(picking.move_line_ids).product_uom_id = dozen
        with self.assertRaisesRegex(UserError, "2.0 certified, 24.0 to validate"):
            picking.with_user(self.stock_user).button_validate()
        picking.move_line_ids.with_user(self.stock_user).product_uom_id = dozen
        self.assertNotEqual(picking.accuracy_check_id, check)
        with self.assertRaisesRegex(UserError, "double-check"):
            picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.state, "assigned")

    def test_operation_type_changed_after_pass_is_refused(self):
        picking = self._create_delivery([(self.product_a, 2)])
        self._pass_check(picking)
        other_type = self.out_type.copy(
            {"name": "Other Checked Deliveries", "sequence_code": "OCD"}
        )
        picking.with_user(self.stock_user).picking_type_id = other_type
        with self.assertRaisesRegex(UserError, "checked as"):
            picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.state, "assigned")

    def test_unreserve_and_reserve_again_after_pass_needs_a_new_check(self):
        picking = self._create_delivery([(self.product_a, 2)], prepare=False)
        first = self._pass_check(picking)
        picking.with_user(self.stock_user).do_unreserve()
        picking.with_user(self.stock_user).action_assign()
        self.assertNotEqual(picking.accuracy_check_id, first)
        with self.assertRaisesRegex(UserError, "double-check"):
            picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.state, "assigned")

    def test_value_mode_judges_what_is_picked(self):
        self.product_a.standard_price = 10.0
        self.out_type.write({"accuracy_check_mode": "value", "accuracy_check_min_value": 50.0})
        picking = self._create_delivery([(self.product_a, 2)])
        self.assertEqual(picking.accuracy_check_state, "not_needed")
        picking.move_ids.with_user(self.stock_user).quantity = 10
        self.assertTrue(picking.accuracy_check_required)
        with self.assertRaisesRegex(UserError, "double-check"):
            picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.state, "assigned")

    def test_nothing_reserved_cannot_pass(self):
        product = self.env["product.product"].create(
            {"name": "Check Ghost", "is_storable": True, "barcode": "TSA-GHOST"}
        )
        picking = self._create_delivery([(product, 2)], prepare=False)
        self.assertFalse(picking.move_line_ids)
        check = picking.with_user(self.checker)._accuracy_get_open_check()
        with self.assertRaisesRegex(UserError, "nothing to validate"):
            check.action_finish()
        self.assertNotEqual(check.state, "passed")
        self.assertFalse(check.certified_ids)
        with self.assertRaises(UserError):
            picking.with_user(self.stock_user).button_validate()

    def test_who_reserved_cannot_check(self):
        picking = self._create_delivery([(self.product_a, 2)], prepare=False, user=self.checker)
        self.assertFalse(picking.accuracy_prepared_by_id)
        self.assertIn(self.checker, picking.accuracy_preparer_ids)
        check = self._check_as(picking)
        with self.assertRaisesRegex(UserError, "another person"):
            check.action_start()
        self.assertEqual(check.action_scan("TSA-BOLT")["status"], "error")
        with self.assertRaisesRegex(UserError, "another person"):
            check.action_finish()
        self.assertEqual(check.state, "draft")

    def test_who_edited_a_lot_cannot_check(self):
        picking = self._create_delivery([(self.product_serial, 1)])
        other = self.serials.filtered(lambda lot: lot != picking.move_line_ids.lot_id)[:1]
        picking.move_line_ids.with_user(self.checker).lot_id = other
        with self.assertRaisesRegex(UserError, "another person"):
            self._check_as(picking).action_start()

    def test_checker_cannot_validate(self):
        picking = self._create_delivery([(self.product_a, 2)])
        self._pass_check(picking)
        with self.assertRaisesRegex(UserError, "another person must validate"):
            picking.with_user(self.checker).button_validate()
        self.assertEqual(picking.state, "assigned")
        picking.with_user(self.stock_user).button_validate()
        self.assertEqual(picking.state, "done")

    def test_checker_who_prepares_after_pass_voids_the_check(self):
        picking = self._create_delivery([(self.product_a, 2)], prepare=False)
        self._pass_check(picking)
        picking.with_user(self.checker).do_unreserve()
        picking.with_user(self.stock_user).action_assign()
        picking.move_ids.with_user(self.stock_user).picked = True
        with self.assertRaises(UserError):
            picking.with_user(self.stock_user).button_validate()
        with self.assertRaisesRegex(UserError, "another person"):
            self._check_as(picking).action_start()
        self.assertEqual(picking.state, "assigned")

    def test_finished_check_and_its_records_are_read_only(self):
        picking = self._create_delivery([(self.product_a, 2)])
        check = self._pass_check(picking)
        for user in (self.checker, self.manager):
            as_user = check.with_user(user)
            with self.assertRaises(UserError):
                as_user.write({"certified_picking_type_id": False})
            with self.assertRaises(UserError):
                as_user.line_ids.write({"checked_qty": 5})
            with self.assertRaises(UserError):
                as_user.certified_ids.sudo().write({"quantity": 5})
            with self.assertRaises(UserError):
                as_user.certified_ids.sudo().unlink()
            with self.assertRaises(UserError):
                as_user.unlink()
            with self.assertRaises(UserError):
                self.env["stock.accuracy.check.certified"].with_user(user).sudo().create(
                    {"check_id": check.id, "product_id": self.product_a.id, "quantity": 9}
                )
        self.assertEqual(check.certified_ids.quantity, 2)
        self.assertEqual(check.line_ids.checked_qty, 2)

    def test_open_check_is_not_written_or_deleted_by_users(self):
        picking = self._create_delivery([(self.product_a, 2)])
        check = self._check_as(picking)
        check.action_start()
        with self.assertRaises(AccessError):
            check.write({"state": "passed"})
        with self.assertRaises(AccessError):
            check.line_ids.write({"checked_qty": 2})
        with self.assertRaises(UserError):
            check.with_user(self.manager).unlink()
        with self.assertRaises(UserError):
            self.env["stock.accuracy.check.line"].with_user(self.manager).create(
                {"check_id": check.id, "product_id": self.product_a.id}
            )
        self.assertEqual(check.state, "in_progress")

    def test_transfer_with_finished_check_cannot_be_deleted(self):
        picking = self._create_delivery([(self.product_a, 2)])
        check = self._pass_check(picking)
        picking.with_user(self.stock_user).action_cancel()
        with self.assertRaisesRegex(UserError, "audit record"):
            picking.with_user(self.stock_user).unlink()
        self.assertTrue(check.exists())
        self.assertTrue(picking.exists())

    def test_transfer_with_open_checks_only_can_be_deleted(self):
        picking = self._create_delivery([(self.product_a, 2)])
        checks = picking.accuracy_check_ids
        self.assertEqual(checks.state, "draft")
        stock_admin = new_test_user(self.env, "sa_stock_admin", groups="stock.group_stock_manager")
        picking.with_user(stock_admin).action_cancel()
        picking.with_user(stock_admin).unlink()
        self.assertFalse(picking.exists())
        self.assertFalse(checks.exists())

    def test_partial_pick_certifies_what_is_picked(self):
        picking = self._create_delivery([(self.product_a, 2), (self.product_b, 3)], prepare=False)
        move_a = picking.move_ids.filtered(lambda move: move.product_id == self.product_a)
        move_a.with_user(self.stock_user).picked = True
        check = self._pass_check(picking)
        self.assertEqual(check.certified_ids.product_id, self.product_a)
        picking.with_user(self.stock_user).with_context(
            skip_backorder=True, picking_ids_not_to_backorder=picking.ids
        ).button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(move_a.state, "done")
        self.assertEqual((picking.move_ids - move_a).state, "cancel")


@tagged("post_install", "-at_install")
class TestCheckCertifyRpc(HttpCase, CertifyCommon):
    """The bypasses, tried the way a client breaks them: JSON-RPC over HTTP."""

    def _call(self, login, model, method, args, context=None):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": {"context": context or {}},
            },
        )

    def test_rpc_forged_context_keys_do_not_skip_the_check(self):
        picking = self._create_delivery([(self.product_a, 2)])
        self._pass_check(picking)
        forged = self._forged(picking)
        self._call(
            "sa_stock_user",
            "stock.move.line",
            "write",
            [picking.move_line_ids.ids, {"quantity": 5}],
            forged,
        )
        with self.assertRaises(JsonRpcException):
            self._call("sa_stock_user", "stock.picking", "button_validate", [picking.ids], forged)
        self.env.invalidate_all()
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(picking.accuracy_check_state, "to_check")

    def test_rpc_cancelled_check_does_not_fall_back_to_the_old_pass(self):
        picking = self._create_delivery([(self.product_a, 2)])
        first = self._pass_check(picking)
        self._call(
            "sa_stock_user",
            "stock.move",
            "write",
            [picking.move_ids.ids, {"quantity": 3}],
        )
        self.env.invalidate_all()
        second = picking.accuracy_check_id
        self.assertNotEqual(second, first)
        self._call("sa_checker", "stock.accuracy.check", "action_cancel", [second.ids])
        with self.assertRaises(JsonRpcException):
            self._call("sa_stock_user", "stock.accuracy.check", "unlink", [second.ids])
        with self.assertRaises(JsonRpcException):
            self._call(
                "sa_stock_user",
                "stock.picking",
                "button_validate",
                [picking.ids],
                self._forged(picking),
            )
        self.env.invalidate_all()
        self.assertEqual(picking.state, "assigned")
        self.assertTrue(second.exists())

    def test_rpc_checker_cannot_write_certificate_or_pass_a_check(self):
        picking = self._create_delivery([(self.product_a, 2)])
        check = picking.accuracy_check_id
        with self.assertRaises(JsonRpcException):
            self._call(
                "sa_checker",
                "stock.accuracy.check",
                "write",
                [check.ids, {"state": "passed"}],
                FORGED_CONTEXT,
            )
        with self.assertRaises(JsonRpcException):
            self._call(
                "sa_checker",
                "stock.accuracy.check",
                "write",
                [check.ids, {"certified_ids": [Command.create({"product_id": 1})]}],
                FORGED_CONTEXT,
            )
        self.env.invalidate_all()
        self.assertEqual(check.state, "draft")
        self.assertFalse(check.certified_ids)
