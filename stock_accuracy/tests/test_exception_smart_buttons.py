from odoo.tests import tagged

from .common import ExceptionCommon


@tagged("post_install", "-at_install")
class TestExceptionSmartButtons(ExceptionCommon):
    """Products, locations and transfers show their open exceptions."""

    def test_product_location_and_picking_count_their_open_exceptions(self):
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": self.stock_location.id,
            }
        )
        other = self.env["product.product"].create({"name": "Quiet Widget", "is_storable": True})
        self._raise()
        self._raise("damage")
        self._raise("receipt_discrepancy", source=picking)
        resolved = self._raise("check_mismatch")
        resolved.write({"reason_id": self.reason_miscount.id, "corrective_action": "Rescanned."})
        resolved.action_resolve()

        templates = (self.product | other).product_tmpl_id.with_user(self.counter)
        self.assertEqual(templates.mapped("accuracy_exception_count"), [3, 0])
        self.assertGreaterEqual(
            self.stock_location.with_user(self.counter).accuracy_exception_count, 3
        )
        self.assertEqual(picking.with_user(self.counter).accuracy_exception_count, 1)
        self.assertEqual(self.product.with_user(self.counter).accuracy_exception_count, 3)
        action = self.product.with_user(self.counter).action_view_accuracy_exceptions()
        self.assertEqual(self.Exception.search_count(action["domain"]), 4)

        action = picking.with_user(self.counter).action_view_accuracy_exceptions()
        found = self.Exception.with_user(self.counter).search(action["domain"])
        self.assertEqual(found.type_id.code, "receipt_discrepancy")
        action = self.product.product_tmpl_id.action_view_accuracy_exceptions()
        self.assertEqual(self.Exception.search_count(action["domain"]), 4)

    def test_counts_for_many_records_take_one_query(self):
        templates = self.env["product.template"].search([], limit=50)
        templates.invalidate_recordset(["accuracy_exception_count"])
        before = self.env.cr.sql_log_count
        templates.mapped("accuracy_exception_count")
        self.assertLessEqual(self.env.cr.sql_log_count - before, 3)
