from odoo.tests import tagged

from .common import CountingCommon


@tagged("post_install", "-at_install")
class TestCountingScan(CountingCommon):
    def test_scan_location_then_product_counts_one_each(self):
        count = self._session(self.widget_quant)
        result = count.action_scan("LOC-Z1A")
        self.assertEqual(result["status"], "location")
        location_id = result["location"]["id"]
        self.assertEqual(location_id, self.aisle_1a.id)
        for _i in range(3):
            result = count.action_scan("WIDGET-001", location_id=location_id)
        self.assertEqual(result["status"], "counted")
        line = self._line(count, self.widget)
        self.assertEqual(line.counted_quantity, 3)
        self.assertEqual(line.counter_id, self.counter)
        self.assertNotIn("book_quantity", result["line"])

    def test_scan_quantity_sets_count(self):
        count = self._session(self.widget_quant)
        count.action_scan("WIDGET-001", location_id=self.aisle_1a.id, quantity=97)
        self.assertEqual(self._line(count, self.widget).counted_quantity, 97)
        count.action_set_line_quantity(self._line(count, self.widget).id, 98)
        self.assertEqual(self._line(count, self.widget).counted_quantity, 98)

    def test_unknown_barcode_changes_nothing(self):
        count = self._session(self.widget_quant)
        lines_before = len(count.line_ids)
        result = count.action_scan("NO-SUCH-CODE", location_id=self.aisle_1a.id)
        self.assertEqual(result["status"], "error")
        self.assertIn("NO-SUCH-CODE", result["message"])
        self.assertEqual(len(count.line_ids), lines_before)
        self.assertEqual(self._line(count, self.widget).state, "todo")

    def test_product_before_location_is_refused(self):
        count = self._session(self.widget_quant)
        self.assertEqual(count.action_scan("WIDGET-001")["status"], "error")
        self.assertEqual(self._line(count, self.widget).state, "todo")

    def test_item_found_off_the_list_is_added(self):
        count = self._session(self.widget_quant)
        result = count.action_scan("BOLT-001", location_id=self.aisle_2a.id)
        self.assertEqual(result["status"], "counted")
        found = count.line_ids.filtered("found")
        self.assertEqual(found.product_id, self.bolt)
        self.assertEqual(found.location_id, self.aisle_2a)
        self.assertEqual(found.counted_quantity, 1)

    def test_serial_scan_counts_one_and_refuses_second_scan(self):
        count = self._session(self.env["stock.quant"])
        result = count.action_scan("SCOPE-SN-1", location_id=self.aisle_1a.id)
        self.assertEqual(result["status"], "counted")
        line = count.line_ids
        self.assertEqual((line.lot_id, line.counted_quantity), (self.serial_1, 1))
        result = count.action_scan("SCOPE-SN-1", location_id=self.aisle_1a.id)
        self.assertEqual(result["status"], "error")
        self.assertEqual(line.counted_quantity, 1)

    def test_tracked_product_barcode_asks_for_lot(self):
        self.serial_product.barcode = "SCOPE"
        count = self._session(self.env["stock.quant"])
        result = count.action_scan("SCOPE", location_id=self.aisle_1a.id)
        self.assertEqual(result["status"], "error")
        self.assertFalse(count.line_ids)

    def test_bad_quantity_from_scanner_is_an_error_not_a_crash(self):
        count = self._session(self.widget_quant)
        result = count.action_set_line_quantity(self._line(count, self.widget).id, -2)
        self.assertEqual(result["status"], "error")
        self.assertEqual(self._line(count, self.widget).state, "todo")

    def test_scan_on_submitted_session_is_refused(self):
        count = self._session(self.bolt_quant)
        self._count(count, {self.bolt: 40})
        result = count.action_scan("BOLT-001", location_id=self.aisle_1a.id)
        self.assertEqual(result["status"], "error")
