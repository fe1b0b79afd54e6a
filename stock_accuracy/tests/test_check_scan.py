from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import AccuracyCheckCommon


@tagged("post_install", "-at_install")
class TestCheckScan(AccuracyCheckCommon):
    def test_unknown_barcode(self):
        check = self._check_as(self._create_delivery([(self.product_a, 1)]))
        result = check.action_scan("NO-SUCH-CODE")
        self.assertEqual(result["status"], "unknown")
        self.assertIn("NO-SUCH-CODE", result["message"])

    def test_product_of_another_company(self):
        company = self.env["res.company"].create({"name": "Other Co"})
        self.env["product.product"].create(
            {"name": "Foreign", "barcode": "TSA-FOREIGN", "company_id": company.id}
        )
        check = self._check_as(self._create_delivery([(self.product_a, 1)]))
        result = check.action_scan("TSA-FOREIGN")
        self.assertEqual(result["status"], "error")
        self.assertIn("another company", result["message"])

    def test_product_of_another_picking_is_unexpected(self):
        self._create_delivery([(self.product_b, 1)])
        check = self._check_as(self._create_delivery([(self.product_a, 1)]))
        result = check.action_scan("TSA-NUT")
        self.assertEqual(result["status"], "mismatch")
        self.assertTrue(check.line_ids.filtered("is_unexpected"))

    def test_serial_already_checked(self):
        picking = self._create_delivery([(self.product_serial, 2)])
        serial = picking.move_line_ids.lot_id[0]
        check = self._check_as(picking)
        self.assertEqual(check.action_scan(serial.name)["status"], "match")
        result = check.action_scan(serial.name)
        self.assertEqual(result["status"], "error")
        self.assertIn("already checked", result["message"])

    def test_tracked_product_needs_its_serial(self):
        check = self._check_as(self._create_delivery([(self.product_serial, 1)]))
        self.assertEqual(check.action_scan("TSA-MOTOR")["status"], "warning")

    def test_nonexistent_lot(self):
        check = self._check_as(self._create_delivery([(self.product_serial, 1)]))
        with self.assertRaisesRegex(UserError, "does not exist"):
            check._scan("TSA-MOTOR-999")

    def test_quantity_must_fit_unit_rounding(self):
        check = self._check_as(self._create_delivery([(self.product_a, 2)]))
        check.action_start()
        line = check.line_ids
        with self.assertRaisesRegex(UserError, "does not fit"):
            check.action_set_quantity(line.id, 1.234)
        check.action_set_quantity(line.id, 2)
        self.assertEqual(line.checked_qty, 2)
        with self.assertRaises(UserError):
            check.action_set_quantity(line.id, -1)

    def test_typing_can_be_forbidden(self):
        self.out_type.accuracy_check_allow_typing = False
        check = self._check_as(self._create_delivery([(self.product_a, 2)]))
        check.action_start()
        with self.assertRaises(UserError):
            check.action_set_quantity(check.line_ids.id, 2)

    def test_second_checker_refused(self):
        picking = self._create_delivery([(self.product_a, 2)])
        self._check_as(picking).action_start()
        other = new_test_user(
            self.env,
            "sa_other_checker",
            groups="stock_accuracy.group_accuracy_checker",
            name="Other Checker",
        )
        with self.assertRaisesRegex(UserError, "already checking"):
            self._check_as(picking, other).action_start()

    def test_check_locked_by_another_checker_gives_clear_error(self):
        picking = self._create_delivery([(self.product_a, 2)])
        check = self._check_as(picking)
        cr = self.env.cr
        execute = cr.execute

        def execute_locked(query, *args, **kwargs):
            # What PostgreSQL answers while another transaction holds the row.
            if "NOWAIT" in str(query):
                raise pg_errors.LockNotAvailable("could not obtain lock")
            return execute(query, *args, **kwargs)

        with patch.object(cr, "execute", execute_locked):
            with self.assertRaisesRegex(UserError, "Another checker"):
                check.action_start()
            result = check.action_scan("TSA-BOLT")
        self.assertEqual(result["status"], "error")
        self.assertEqual(check.state, "draft")

    def test_destination_scan_required(self):
        self.out_type.accuracy_check_scan_location = True
        self.customers.barcode = "TSA-CUSTOMERS"
        picking = self._create_delivery([(self.product_a, 1)])
        check = self._check_as(picking)
        self._scan(check, "TSA-BOLT")
        with self.assertRaisesRegex(UserError, "destination"):
            check.action_finish()
        self.assertEqual(check.action_scan("TSA-CUSTOMERS")["status"], "match")
        check.action_finish()
        self.assertEqual(check.state, "passed")

    def test_scanning_screen_opens_picking_by_name(self):
        picking = self._create_delivery([(self.product_a, 1)])
        Check = self.env["stock.accuracy.check"].with_user(self.checker)
        listed = Check.get_pickings_to_check()
        self.assertIn(picking.id, [p["id"] for p in listed])
        data = Check.action_open_picking(picking.name)
        self.assertEqual(data["picking_id"], picking.id)
        self.assertEqual(data["state"], "in_progress")
        self.assertEqual(picking.accuracy_check_state, "in_progress")
        action = picking.with_user(self.checker).action_accuracy_open_scan_screen()
        self.assertEqual(action["tag"], "stock_accuracy.check_screen")

    def test_scan_answers_with_the_changed_line_only(self):
        picking = self._create_delivery([(self.product_a, 2), (self.product_b, 1)])
        check = self._check_as(picking)
        first = check.action_scan("TSA-BOLT")
        self.assertEqual(first["data"]["state"], "in_progress", "starting sends the whole check")
        self.assertEqual(len(first["data"]["lines"]), 2)
        result = check.action_scan("TSA-NUT")
        self.assertNotIn("data", result)
        delta = result["delta"]
        self.assertEqual([line["product"] for line in delta["lines"]], ["Check Nut"])
        self.assertEqual(delta["lines"][0]["checked_qty"], 1)
        self.assertIsNone(delta["lines"][0]["expected_qty"], "blind: no prepared quantity")
        self.assertEqual((delta["checked_count"], delta["line_count"]), (2, 2))
        self.assertEqual(check.action_scan("NO-SUCH-CODE")["delta"]["lines"], [])

    def test_unexpected_item_arrives_in_the_delta(self):
        check = self._check_as(self._create_delivery([(self.product_a, 1)]))
        check.action_start()
        delta = check.action_scan("TSA-GEAR")["delta"]
        self.assertEqual(delta["lines"][0]["product"], "Check Gear")
        self.assertTrue(delta["lines"][0]["unexpected"])
        self.assertEqual(delta["line_count"], 2)

    def test_typed_quantity_answers_with_its_line(self):
        check = self._check_as(self._create_delivery([(self.product_a, 2), (self.product_b, 1)]))
        check.action_start()
        line = check.line_ids.filtered(lambda line: line.product_id == self.product_b)
        delta = check.action_set_quantity(line.id, 1)["delta"]
        self.assertEqual(
            [(vals["id"], vals["checked_qty"]) for vals in delta["lines"]], [(line.id, 1)]
        )
        other = self._check_as(self._create_delivery([(self.product_a, 1)]))
        other.action_start()
        with self.assertRaisesRegex(UserError, "not part of"):
            check.action_set_quantity(other.line_ids.id, 1)
