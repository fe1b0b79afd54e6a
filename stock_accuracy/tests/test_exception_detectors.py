from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import ExceptionCommon


@tagged("post_install", "-at_install")
class TestExceptionDetectors(ExceptionCommon):
    """Detectors find standing anomalies, never twice, and resolve what went away."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Detector = cls.env["stock.accuracy.exception.detector"]
        cls.Quant = cls.env["stock.quant"]
        cls.customers = cls.env.ref("stock.stock_location_customers")

    def _detect(self, code):
        return self.Detector._run_all(self.company, type_codes=[code])

    def _found(self, code, product=None):
        return self.Exception.search(
            [
                ("type_id.code", "=", code),
                ("product_id", "=", (product or self.product).id),
                ("state", "in", ("new", "in_progress")),
            ]
        )

    def _ship(self, product, quantity):
        move = self.env["stock.move"].create(
            {
                "name": "ship",
                "product_id": product.id,
                "product_uom": product.uom_id.id,
                "product_uom_qty": quantity,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customers.id,
            }
        )
        move._action_confirm()
        move._action_assign()
        move.quantity = quantity
        move.picked = True
        move._action_done()
        return move

    def test_negative_stock_found_once_and_auto_resolved(self):
        self.Quant._update_available_quantity(self.product, self.stock_location, -4)
        self._detect("negative_stock")
        exception = self._found("negative_stock")
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.quantity, -4)
        self.assertEqual(exception.value, 50)
        self.assertTrue(exception.detected_by_cron)
        self.assertTrue(exception.user_id)
        self.assertTrue(exception.name.startswith("EXC/"))
        activity = self._owner_activities(exception)
        self.assertEqual(activity.user_id, exception.user_id)
        self.assertEqual(activity.summary, f"Negative Stock: {exception.name}")
        self.assertIn(exception.user_id.partner_id, exception.message_partner_ids)

        counts = self._detect("negative_stock")
        self.assertEqual(counts["created"], 0)
        self.assertEqual(self._found("negative_stock"), exception)
        self.assertEqual(exception.occurrence_count, 1)

        self.Quant._update_available_quantity(self.product, self.stock_location, -2)
        self._detect("negative_stock")
        self.assertEqual(exception.quantity, -6)

        self.Quant._update_available_quantity(self.product, self.stock_location, 10)
        counts = self._detect("negative_stock")
        self.assertGreaterEqual(counts["resolved"], 1)
        self.assertEqual(exception.state, "resolved")
        self.assertEqual(exception.reason_id, self.env.ref("stock_accuracy.reason_auto_cleared"))
        self.assertIn("no longer finds", exception.corrective_action)
        self.assertFalse(self._owner_activities(exception))

    def test_below_reordering_minimum_found_and_auto_resolved(self):
        self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.product.id,
                "location_id": self.stock_location.id,
                "warehouse_id": self.warehouse.id,
                "product_min_qty": 10,
                "product_max_qty": 20,
            }
        )
        self.Quant._update_available_quantity(self.product, self.stock_location, 3)
        self._detect("below_safety_stock")
        exception = self._found("below_safety_stock")
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.quantity, 7)
        self.assertEqual(exception.source_ref._name, "stock.warehouse.orderpoint")

        self.assertEqual(self._detect("below_safety_stock")["created"], 0)
        self.assertEqual(len(self._found("below_safety_stock")), 1)

        self.Quant._update_available_quantity(self.product, self.stock_location, 8)
        self._detect("below_safety_stock")
        self.assertEqual(exception.state, "resolved")

    def test_dead_stock_found_and_resolved_by_a_shipment(self):
        old = fields.Datetime.now() - timedelta(days=self.company.accuracy_dead_stock_days + 5)
        self.Quant._update_available_quantity(self.product, self.stock_location, 10, in_date=old)
        fresh = self.env["product.product"].create({"name": "Fresh Widget", "is_storable": True})
        self.Quant._update_available_quantity(fresh, self.stock_location, 10)
        self._detect("dead_stock")
        exception = self._found("dead_stock")
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.quantity, 10)
        self.assertEqual(exception.location_id, self.warehouse.lot_stock_id)
        self.assertFalse(self._found("dead_stock", fresh), "stock received lately is not dead")

        self.assertEqual(self._detect("dead_stock")["created"], 0)

        self._ship(self.product, 2)
        self._detect("dead_stock")
        self.assertEqual(exception.state, "resolved")

    def test_dead_stock_days_come_from_the_company(self):
        old = fields.Datetime.now() - timedelta(days=40)
        self.Quant._update_available_quantity(self.product, self.stock_location, 5, in_date=old)
        self._detect("dead_stock")
        self.assertFalse(self._found("dead_stock"))
        self.company.accuracy_dead_stock_days = 30
        self._detect("dead_stock")
        self.assertTrue(self._found("dead_stock"))

    def test_nothing_changed_creates_nothing(self):
        self.Quant._update_available_quantity(self.product, self.stock_location, -1)
        self.Detector._run_all(self.company)
        count = self.Exception.search_count([])
        counts = self.Detector._run_all(self.company)
        self.assertEqual(counts["created"], 0)
        self.assertEqual(counts["resolved"], 0)
        self.assertEqual(self.Exception.search_count([]), count)

    def test_manager_runs_the_detectors_from_the_list(self):
        self.Quant._update_available_quantity(self.product, self.stock_location, -1)
        action = self.Exception.with_user(self.manager).action_run_detectors()
        self.assertEqual(action["tag"], "display_notification")
        self.assertTrue(self._found("negative_stock"))

    def test_manually_raised_exception_is_not_auto_resolved(self):
        manual = self._raise("negative_stock", quantity=-1)
        self._detect("negative_stock")
        self.assertEqual(manual.state, "new")
