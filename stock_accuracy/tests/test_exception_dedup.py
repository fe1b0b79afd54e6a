from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ExceptionCommon


@tagged("post_install", "-at_install")
class TestExceptionDedup(ExceptionCommon):
    """The same anomaly is raised once while open; a repeat adds to it."""

    def test_duplicate_is_raised_once(self):
        first = self._raise(quantity=-2, value=-25)
        again = self._raise(quantity=-5, value=-62.5)
        self.assertEqual(again, first)
        self.assertEqual(first.occurrence_count, 2)
        self.assertEqual(first.quantity, -5)
        self.assertEqual(first.value, -62.5)
        self.assertEqual(len(self._owner_activities(first)), 1)

    def test_other_lot_location_or_source_is_another_anomaly(self):
        first = self._raise()
        shelf = self.env["stock.location"].create(
            {"name": "Shelf 9", "location_id": self.stock_location.id}
        )
        self.assertNotEqual(self._raise(location_id=shelf.id), first)
        self.assertNotEqual(self._raise(source=self.product), first)
        self.assertNotEqual(self._raise("damage"), first)
        self.assertEqual(first.occurrence_count, 1)

    def test_after_resolution_a_repeat_opens_a_new_exception(self):
        first = self._raise()
        first.write({"reason_id": self.reason_miscount.id, "corrective_action": "Recounted."})
        first.action_resolve()
        second = self._raise()
        self.assertNotEqual(second, first)
        self.assertEqual(second.state, "new")
        self.assertEqual(first.state, "resolved")

    def test_batch_with_the_same_anomaly_twice_creates_one(self):
        exceptions = self.Exception._raise_exceptions(
            "count_variance",
            [
                {"product_id": self.product.id, "location_id": self.stock_location.id},
                {"product_id": self.product.id, "location_id": self.stock_location.id},
            ],
        )
        self.assertEqual(len(exceptions), 1)
        self.assertEqual(exceptions.occurrence_count, 2)

    def test_concurrent_raise_refreshes_the_exception_the_other_transaction_created(self):
        """Another transaction creates the same anomaly between our look-up and our insert:
        the unique index refuses our insert, and we refresh theirs instead."""
        theirs = self._raise(quantity=-1)
        Exception_ = type(self.Exception)
        real_lookup = Exception_._find_open_duplicates
        lookups = []

        def racing_lookup(records, vals_list):
            lookups.append(vals_list)
            return {} if len(lookups) == 1 else real_lookup(records, vals_list)

        with (
            patch.object(Exception_, "_find_open_duplicates", racing_lookup),
            mute_logger(
                "odoo.sql_db", "odoo.addons.stock_accuracy.models.stock_accuracy_exception"
            ),
        ):
            ours = self._raise(quantity=-7)
        self.assertGreaterEqual(len(lookups), 2, "the refused insert was looked up again")
        self.assertEqual(ours, theirs)
        self.assertEqual(theirs.occurrence_count, 2)
        self.assertEqual(theirs.quantity, -7)
        self.assertEqual(self.Exception.search_count([("product_id", "=", self.product.id)]), 1)

    @mute_logger("odoo.sql_db")
    def test_database_refuses_a_second_open_exception(self):
        first = self._raise()
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute(
                """
                INSERT INTO stock_accuracy_exception
                    (name, company_id, type_id, product_id, location_id, state, severity,
                     occurrence_count)
                SELECT 'DUP', company_id, type_id, product_id, location_id, 'new', 'low', 1
                  FROM stock_accuracy_exception WHERE id = %s
                """,
                [first.id],
            )
