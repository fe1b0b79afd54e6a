from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AccuracyCheckCommon


@tagged("post_install", "-at_install")
class TestCheckBlind(AccuracyCheckCommon):
    def test_checker_cannot_read_expected_quantity(self):
        picking = self._create_delivery([(self.product_a, 5)])
        check = self._check_as(picking)
        check.action_start()
        line = check.line_ids
        self.assertEqual(len(line), 1)
        with self.assertRaises(AccessError):
            line.read(["expected_qty"])
        self.assertEqual(line.read(["shown_expected_qty"])[0]["shown_expected_qty"], 0.0)
        self.assertNotIn("expected_qty", line.fields_get())
        data = check.action_open_check()
        self.assertIsNone(data["lines"][0]["expected_qty"])
        self.assertEqual(line.with_user(self.manager).read(["expected_qty"])[0]["expected_qty"], 5)

    def test_checker_sees_prepared_quantity_when_not_blind(self):
        self.out_type.accuracy_check_blind = False
        picking = self._create_delivery([(self.product_a, 5)])
        check = self._check_as(picking)
        data = check.action_open_check()
        self.assertEqual(data["lines"][0]["expected_qty"], 5)
        self.assertEqual(check.line_ids.shown_expected_qty, 5)

    def test_scan_feedback_does_not_reveal_quantities(self):
        picking = self._create_delivery([(self.product_a, 2)])
        check = self._check_as(picking)
        results = self._scan(check, "TSA-BOLT", "TSA-BOLT", "TSA-BOLT")
        self.assertEqual([r["status"] for r in results], ["match"] * 3)
        self.assertEqual(check.line_ids.checked_qty, 3)
        self.assertFalse(check.line_ids.result)
