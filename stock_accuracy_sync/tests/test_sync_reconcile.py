from lxml import etree

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from odoo.addons.stock_accuracy.tests.common import AccuracyCommon
from odoo.addons.stock_accuracy_sync.models.stock_accuracy_sync_run import _walk, _xml_walk

WSDL_FILE = "stock_accuracy_sync/static/wsdl/stock_accuracy_sync.wsdl"


@tagged("post_install", "-at_install")
class TestSyncReconcile(AccuracyCommon):
    """The reconciliation's own logic, page by page, without a service: matching, units,
    tolerance, exceptions. The SOAP side is tested against real services in the root tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.apple = Product.create(
            {
                "name": "Sync Apple",
                "default_code": "SA-APPLE",
                "barcode": "690000000001",
                "is_storable": True,
            }
        )
        cls.pear = Product.create(
            {"name": "Sync Pear", "default_code": "SA-PEAR", "is_storable": True}
        )
        Quant = cls.env["stock.quant"]
        Quant._update_available_quantity(cls.apple, cls.stock_location, 24.0)
        Quant._update_available_quantity(cls.pear, cls.stock_location, 10.0)
        cls.backend = cls.env["stock.accuracy.backend"].create(
            {
                "name": "3PL Test",
                "warehouse_id": cls.warehouse.id,
                "wsdl_url": WSDL_FILE,
                "endpoint_url": "http://127.0.0.1:9/soap",
                "tolerance_percent": 10.0,
            }
        )
        cls.env["stock.accuracy.backend.location"].create(
            {
                "backend_id": cls.backend.id,
                "external_code": "MAIN",
                "location_id": cls.stock_location.id,
            }
        )

    def _run_page(self, lines, backend=None):
        backend = backend or self.backend
        run = self.env["stock.accuracy.sync.run"].create({"backend_id": backend.id})
        full = [
            dict({"lot": None, "uom": None, "as_of": None, "location": "MAIN"}, **line)
            for line in lines
        ]
        context = run._prepare_context()
        run._create_seen_table()
        run._process_page(full, context)
        run._flush_pending(context)
        self.addCleanup(run._drop_seen_table)
        return run

    def _finish(self, run):
        """What the end of a run that read the whole snapshot does."""
        run._reconcile_absent(run._prepare_context())
        if run.backend_id.spot_count_mismatches:
            run._request_spot_counts()
        return run

    def test_matching_quantity_counts_as_matched(self):
        run = self._run_page([{"sku": "SA-APPLE", "quantity": 24}])
        self.assertEqual(run.matched_count, 1)
        self.assertFalse(run.line_ids)

    def test_uom_converted_to_product_unit(self):
        run = self._run_page([{"sku": "SA-APPLE", "quantity": 2, "uom": "Dozens"}])
        self.assertEqual(run.matched_count, 1)

    def test_unknown_uom_reported_never_compared(self):
        run = self._run_page(
            [
                {"sku": "SA-APPLE", "quantity": 24, "uom": "Bushels"},
                {"sku": "SA-APPLE", "quantity": 24, "uom": "kg"},
            ]
        )
        self.assertEqual(run.unknown_uom_count, 2)
        self.assertEqual(run.line_ids.mapped("state"), ["unknown_uom", "unknown_uom"])
        self.assertFalse(run.line_ids.exception_id)

    def test_within_tolerance_recorded_without_exception(self):
        run = self._run_page([{"sku": "SA-PEAR", "quantity": 11}])
        self.assertEqual(run.mismatched_count, 1)
        self.assertTrue(run.line_ids.within_tolerance)
        self.assertFalse(run.line_ids.exception_id)

    def test_beyond_tolerance_raises_external_mismatch(self):
        run = self._run_page([{"sku": "SA-PEAR", "quantity": 14}])
        line = run.line_ids
        self.assertEqual((line.book_qty, line.difference), (10.0, 4.0))
        self.assertFalse(line.within_tolerance)
        exception = line.exception_id
        self.assertEqual(exception.type_id.code, "external_mismatch")
        self.assertEqual(exception.product_id, self.pear)
        self.assertEqual(exception.location_id, self.stock_location)
        self.assertEqual(exception.source_ref, self.backend)
        again = self._run_page([{"sku": "SA-PEAR", "quantity": 15}])
        self.assertEqual(again.line_ids.exception_id, exception, "the open one is refreshed")
        self.assertEqual(exception.occurrence_count, 2)
        self.assertEqual(exception.quantity, 5.0)

    def test_stock_missing_from_snapshot_is_a_mismatch(self):
        run = self._finish(self._run_page([{"sku": "SA-APPLE", "quantity": 24}]))
        missing = run.line_ids.filtered("missing_in_snapshot")
        pear = missing.filtered(lambda line: line.product_id == self.pear)
        self.assertEqual(run.absent_count, len(missing))
        self.assertEqual(run.mismatched_count, len(missing))
        self.assertFalse(missing.filtered(lambda line: line.product_id == self.apple))
        self.assertEqual((pear.book_qty, pear.external_qty, pear.difference), (10.0, 0.0, -10.0))
        self.assertEqual(pear.location_id, self.stock_location)
        self.assertEqual(pear.state, "mismatch")
        self.assertEqual(pear.exception_id.type_id.code, "external_mismatch")
        self.assertEqual(pear.exception_id.quantity, -10.0)

    def test_stock_listed_at_a_parent_location_is_not_missing(self):
        shelf = self.env["stock.location"].create(
            {"name": "Sync Shelf", "location_id": self.stock_location.id, "barcode": "SA-SHELF"}
        )
        plum = self.env["product.product"].create(
            {"name": "Sync Plum", "default_code": "SA-PLUM", "is_storable": True}
        )
        self.env["stock.quant"]._update_available_quantity(plum, shelf, 3.0)
        run = self._finish(
            self._run_page(
                [
                    {"sku": "SA-APPLE", "quantity": 24, "location": "SA-SHELF"},
                    {"sku": "SA-PLUM", "quantity": 3},
                ]
            )
        )
        missing = run.line_ids.filtered("missing_in_snapshot")
        self.assertFalse(missing.filtered(lambda line: line.product_id == plum))
        apple = missing.filtered(lambda line: line.product_id == self.apple)
        self.assertEqual(apple.location_id, self.stock_location, "reported where it is held")
        self.assertEqual(apple.book_qty, 24.0)

    def test_spot_count_requested_for_mismatches_when_enabled(self):
        self.backend.spot_count_mismatches = True
        Count = self.env["stock.accuracy.count"]
        before = Count.search([])
        run = self._run_page([{"sku": "SA-PEAR", "quantity": 14}])
        counts = run._request_spot_counts()
        self.assertEqual(Count.search([]) - before, counts)
        self.assertEqual(run.spot_count_ids, counts)
        self.assertEqual(counts.count_type, "spot")
        line = counts.line_ids
        self.assertEqual((line.product_id, line.location_id), (self.pear, self.stock_location))
        self.assertEqual(line.book_quantity, 10.0)
        again = self._run_page([{"sku": "SA-PEAR", "quantity": 15}])
        self.assertFalse(again._request_spot_counts(), "already waiting in an open count")
        self.assertEqual(Count.search([]) - before, counts)

    def test_no_spot_count_by_default(self):
        Count = self.env["stock.accuracy.count"]
        before = Count.search([])
        run = self._finish(self._run_page([{"sku": "SA-PEAR", "quantity": 14}]))
        self.assertTrue(run.line_ids.exception_id)
        self.assertFalse(run.spot_count_ids)
        self.assertEqual(Count.search([]), before)

    def test_tolerance_hook_gives_backend_fallback(self):
        self.backend.tolerance_qty = 2.0
        tolerance = self.backend._get_tolerance(self.pear, self.warehouse)
        self.assertEqual(tolerance, ((10.0, 2.0, 0.0), 0.0))
        self.assertTrue(self.backend._is_within_tolerance(2.0, 5.0, tolerance, 1.0))
        self.assertFalse(self.backend._is_within_tolerance(3.0, 5.0, tolerance, 1.0))
        self.assertTrue(self.backend._is_within_tolerance(3.0, 30.0, tolerance, 1.0))

    def test_reconciliation_and_counts_share_one_tolerance_formula(self):
        """A difference the policy's formula calls within tolerance is within it for the
        reconciliation too, at the boundaries (half a unit of rounding) and with a value
        limit: one formula, not two that can disagree."""
        Policy = self.env["stock.accuracy.policy"]
        cases = [
            # diff, book, (percent, quantity, value), unit cost, rounding: within?
            (0.5, 10.0, (5.0, 0.0, 0.0), 0.0, 1.0, True),
            (0.4, 10.0, (0.0, 0.0, 0.0), 0.0, 1.0, True),  # zero at the unit's rounding
            (1.5, 10.0, (10.0, 0.0, 0.0), 0.0, 0.01, False),
            (1.0, 10.0, (10.0, 0.0, 0.0), 0.0, 0.01, True),
            (2.0, 100.0, (1.0, 3.0, 0.0), 0.0, 1.0, True),  # the larger of share and quantity
            (2.0, 100.0, (5.0, 0.0, 15.0), 10.0, 1.0, False),  # worth 20, over 15
            (1.0, 100.0, (5.0, 0.0, 15.0), 10.0, 1.0, True),
            (-3.0, 0.0, (0.0, 3.0, 0.0), 0.0, 1.0, True),
        ]
        for diff, book, tolerance, cost, rounding, within in cases:
            with self.subTest(diff=diff, book=book, tolerance=tolerance):
                self.assertEqual(
                    self.backend._is_within_tolerance(diff, book, (tolerance, cost), rounding),
                    within,
                )
                self.assertEqual(
                    Policy._tolerance_allows(diff, book, tolerance, cost, rounding), within
                )
        policy = self.warehouse.accuracy_policy_id
        for abc in "abc":
            percent, quantity, value = policy._class_tolerance(abc)
            with self.subTest(abc=abc):
                self.assertEqual(
                    policy._is_within_tolerance(abc, 40.0, 1.0, 2.0, 1.0),
                    Policy._tolerance_allows(1.0, 40.0, (percent, quantity, value), 2.0, 1.0),
                )

    def _classify(self, product, abc):
        self.env["stock.accuracy.classification"].create(
            {
                "product_id": product.id,
                "warehouse_id": self.warehouse.id,
                "company_id": self.warehouse.company_id.id,
                "abc_class": abc,
            }
        )

    def test_class_tolerance_of_the_policy_replaces_the_backends(self):
        # Pear: 10 in Odoo, backend tolerance 10 %. As a class A product (policy: 1 %) one
        # more is beyond tolerance; as class C (policy: 25 %) two more are within.
        policy = self.warehouse.accuracy_policy_id
        policy.write(
            {"tolerance_percent_a": 1.0, "tolerance_percent_c": 25.0, "tolerance_value_c": 0}
        )
        self._classify(self.pear, "a")
        run = self._run_page([{"sku": "SA-PEAR", "quantity": 11}])
        self.assertFalse(run.line_ids.within_tolerance)
        self.assertTrue(run.line_ids.exception_id)
        self.env["stock.accuracy.classification"].search(
            [("product_id", "=", self.pear.id)]
        ).abc_class = "c"
        run = self._run_page([{"sku": "SA-PEAR", "quantity": 12}])
        self.assertTrue(run.line_ids.within_tolerance)
        self.assertFalse(run.line_ids.exception_id)

    def test_class_value_tolerance_applies_at_the_product_cost(self):
        policy = self.warehouse.accuracy_policy_id
        policy.write({"tolerance_percent_b": 50.0, "tolerance_value_b": 15.0})
        self._classify(self.pear, "b")
        self.pear.standard_price = 10.0
        # 1 more: 10 in value, within 15; 2 more: 20, beyond (though within 50 %).
        self.assertTrue(
            self._run_page([{"sku": "SA-PEAR", "quantity": 11}]).line_ids.within_tolerance
        )
        self.assertFalse(
            self._run_page([{"sku": "SA-PEAR", "quantity": 12}]).line_ids.within_tolerance
        )
        self.assertEqual(
            self.backend._get_tolerances([self.pear.id, self.apple.id]),
            {self.pear.id: ((50.0, 0.0, 15.0), 10.0), self.apple.id: ((10.0, 0.0, 0.0), 0.0)},
        )

    def test_products_matched_by_barcode_or_mapping_table(self):
        self.backend.product_matching = "barcode"
        self.assertEqual(
            self.backend._match_products(["690000000001", "SA-APPLE"]).keys(), {"690000000001"}
        )
        self.backend.product_matching = "mapping"
        self.env["stock.accuracy.backend.product"].create(
            {"backend_id": self.backend.id, "external_code": "X-77", "product_id": self.pear.id}
        )
        self.assertEqual(self.backend._match_products(["X-77", "SA-PEAR"])["X-77"][0], self.pear.id)
        self.assertNotIn("SA-PEAR", self.backend._match_products(["SA-PEAR"]))

    def test_unknown_product_and_location_listed(self):
        run = self._run_page(
            [
                {"sku": "NOPE", "quantity": 1},
                {"sku": "SA-PEAR", "quantity": 1, "location": "ELSEWHERE"},
                {"sku": "SA-PEAR", "quantity": "many"},
            ]
        )
        self.assertEqual(
            run.line_ids.mapped("state"), ["unknown_product", "unknown_location", "invalid"]
        )
        self.assertEqual(run.line_ids[1].product_id, self.pear, "the product found is kept")
        self.assertEqual(run.lines_read, 3)

    def test_walk_follows_configured_paths(self):
        answer = {"total": 3, "items": {"item": [{"a": 1}]}}
        self.assertEqual(_walk(answer, "items.item"), [{"a": 1}])
        self.assertEqual(_walk(answer["items"], "items.item"), [{"a": 1}])
        self.assertIsNone(_walk(answer, "missing"))

    def test_xml_walk_follows_configured_paths_by_local_name(self):
        answer = etree.fromstring(
            b'<r xmlns="urn:x"><total>3</total><items><item><a>1</a></item>'
            b"<!-- note --><item><a>2</a></item></items></r>"
        )
        self.assertEqual([item[0].text for item in _xml_walk(answer, "items.item")], ["1", "2"])
        self.assertEqual(len(_xml_walk(answer, "Response.items.item")), 2)
        self.assertEqual(_xml_walk(answer, "total")[0].text, "3")
        self.assertEqual(_xml_walk(answer, "missing"), [])

    def test_wsdl_must_be_url_or_module_file(self):
        with self.assertRaises(ValidationError):
            self.backend.wsdl_url = "/etc/passwd"
        with self.assertRaises(ValidationError):
            self.backend.write({"wsdl_url": "ftp://example.com/x.wsdl"})
        with self.assertRaises(ValidationError):
            self.backend.write({"endpoint_url": False})

    def test_password_only_for_managers_never_tracked(self):
        self.backend.write({"auth_type": "basic", "username": "wms", "password": "s3cret"})
        self.assertEqual(self.backend.with_user(self.manager).password, "s3cret")
        with self.assertRaises(AccessError):
            self.backend.with_user(self.stock_user).read(["name"])
        with self.assertRaises(AccessError):
            self.backend.with_user(self.checker).read(["name"])
        tracked = self.backend.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertNotIn("password", tracked)
        self.assertNotIn("username", tracked)


@tagged("post_install", "-at_install")
class TestSyncOutbox(AccuracyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = cls.env["stock.accuracy.backend"].create(
            {
                "name": "3PL Outbox",
                "warehouse_id": cls.warehouse.id,
                "wsdl_url": WSDL_FILE,
                "endpoint_url": "http://127.0.0.1:9/soap",
                "push_counts": True,
            }
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Sync Plum", "default_code": "SA-PLUM", "is_storable": True}
        )

    def _adjust(self, quantity):
        quant = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                {
                    "product_id": self.product.id,
                    "location_id": self.stock_location.id,
                    "inventory_quantity": quantity,
                }
            )
        )
        # A plain adjustment: the counting rules are off in this warehouse.
        quant.sudo().action_apply_inventory()

    def test_done_adjustment_queued_once_with_payload(self):
        self._adjust(7)
        self.assertEqual(self.backend._queue_counts(), 1)
        self.assertEqual(self.backend._queue_counts(), 0, "never queued twice")
        message = self.env["stock.accuracy.sync.outbox"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(message.state, "pending")
        self.assertEqual(message.payload["sku"], "SA-PLUM")
        self.assertEqual(message.payload["counted_quantity"], 7.0)
        self.assertEqual(message.payload["difference"], 7.0)
        self.assertEqual(message.record_ref._name, "stock.move.line")
        self.assertTrue(message.idempotency_key.endswith(f"stock.move.line:{message.res_id}"))

    def test_enqueue_same_record_twice_keeps_one(self):
        Outbox = self.env["stock.accuracy.sync.outbox"]
        first = Outbox._enqueue(self.backend, [(self.product, {"sku": "A"})])
        second = Outbox._enqueue(self.backend, [(self.product, {"sku": "B"})])
        self.assertEqual(len(first), 1)
        self.assertFalse(second)

    def test_unreachable_service_fails_visibly_and_waits(self):
        self._adjust(3)
        self.backend._queue_counts()
        message = self.env["stock.accuracy.sync.outbox"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.backend.timeout = 2
        message._send()
        self.assertEqual(message.state, "failed")
        self.assertEqual(message.attempts, 1)
        self.assertTrue(message.last_error)
        self.assertGreater(message.date_next_attempt, message.write_date)
