from odoo.tests import tagged

from .common import CountCommon


@tagged("post_install", "-at_install")
class TestSpotCounts(CountCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.responsible_id = cls.manager
        cls.widget = cls._product("Widget")
        cls.other = cls._product("Other")
        cls._put(cls.other, cls.aisle_1a, 10)

    def test_negative_quant_creates_spot_count(self):
        self._move(self.widget, self.aisle_1a, self.customers, 4)
        count = self._spot_counts("negative")
        self.assertEqual(len(count), 1)
        self.assertEqual(count.line_ids.product_id, self.widget)
        self.assertEqual(count.line_ids.location_id, self.aisle_1a)
        self.assertEqual(count.line_ids.book_quantity, -4)
        self.assertEqual(count.activity_ids.user_id, self.manager, "the owner is told")

    def test_emptied_location_is_confirmed_by_a_count(self):
        self._put(self.widget, self.aisle_2a, 3)
        self._move(self.widget, self.aisle_2a, self.customers, 3)
        count = self._spot_counts("zero")
        self.assertEqual(len(count), 1)
        self.assertEqual(count.line_ids.location_id, self.aisle_2a)
        self.assertEqual(count.line_ids.book_quantity, 0)
        self.assertTrue(count.activity_ids)

    def test_location_with_stock_left_is_not_counted(self):
        self._put(self.widget, self.aisle_1a, 5)
        self._move(self.widget, self.aisle_1a, self.customers, 2)
        self.assertFalse(self._spot_counts())

    def test_triggers_follow_the_policy(self):
        self.policy.write({"spot_on_negative": False, "spot_on_zero": False})
        self._move(self.widget, self.aisle_1b, self.customers, 1)
        self.assertFalse(self._spot_counts())

    def test_same_item_is_not_counted_twice(self):
        self._move(self.widget, self.aisle_1a, self.customers, 1)
        self._move(self.widget, self.aisle_1a, self.customers, 1)
        self.assertEqual(len(self._spot_counts("negative").line_ids), 1)

    def test_spot_count_on_demand_from_product_and_location(self):
        action = self.other.product_tmpl_id.with_user(self.manager).action_accuracy_spot_count()
        count = self.env["stock.accuracy.count"].browse(action["res_id"])
        self.assertEqual(count.count_type, "spot")
        self.assertEqual(count.trigger, "manual")
        self.assertEqual(count.line_ids.product_id, self.other)
        self._put(self.widget, self.aisle_1b, 2)
        action = self.zone_1.with_user(self.manager).action_accuracy_spot_count()
        count = self.env["stock.accuracy.count"].browse(action["res_id"])
        self.assertEqual(count.line_ids.product_id, self.widget, "Other is already in a count")

    def test_exception_asking_for_a_count_creates_spot_count(self):
        self._put(self.widget, self.aisle_1b, 7)
        self.env["stock.accuracy.exception"]._raise_exception(
            "count_variance",
            None,
            {"product_id": self.widget.id, "location_id": self.aisle_1b.id, "quantity": -2.0},
        )
        count = self._spot_counts("exception")
        self.assertEqual(len(count), 1)
        self.assertEqual(count.line_ids.product_id, self.widget)
        self.assertEqual(count.line_ids.book_quantity, 7)
        self.assertTrue(count.activity_ids)

    def test_exception_not_asking_for_a_count_waits_for_a_person(self):
        exception = self.env["stock.accuracy.exception"]._raise_exception(
            "dead_stock", None, {"product_id": self.other.id, "location_id": self.aisle_1a.id}
        )
        self.assertFalse(self._spot_counts())
        action = exception.with_user(self.manager).action_accuracy_spot_count()
        count = self.env["stock.accuracy.count"].browse(action["res_id"])
        self.assertEqual(count.line_ids.product_id, self.other)
        self.assertEqual(count.line_ids.book_quantity, 10)

    def test_one_builder_gives_every_session_its_line_values(self):
        """A quant, a count line, another record naming an item, and a dict of ids all give
        the same line values for the same item (the one builder every session uses)."""
        Line = self.env["stock.accuracy.count.line"]
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.other.id), ("location_id", "=", self.aisle_1a.id)]
        )
        item = {
            "product_id": self.other.id,
            "location_id": self.aisle_1a.id,
            "lot_id": False,
            "package_id": False,
            "owner_id": False,
        }
        from_quant = Line._line_values(quant)
        self.assertEqual(from_quant, dict(item, quant_id=quant.id, book_quantity=10.0))
        self.assertEqual(
            Line._line_values(dict(item, book_quantity=10.0, quant_id=quant.id)), from_quant
        )
        self.assertEqual(
            Line._spot_item({"product_id": self.other.id, "location_id": self.aisle_1a.id}),
            dict(item, warehouse_id=self.aisle_1a.warehouse_id.id),
        )
        self.assertEqual(
            Line._line_values(quant, abc_class="a", book_quantity=3.0)["book_quantity"], 3.0
        )
        count = self.env["stock.accuracy.count"]._create_spot_counts(
            [Line._spot_item(quant)], "manual"
        )
        self.assertEqual(Line._line_values(count.line_ids), dict(item, quant_id=quant.id))
