from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CountingCommon


@tagged("post_install", "-at_install")
class TestCountingBadInput(CountingCommon):
    def test_negative_quantity_refused(self):
        count = self._session(self.widget_quant)
        with self.assertRaises(ValidationError):
            self._line(count, self.widget).write({"counted_quantity": -1})

    def test_quantity_finer_than_uom_rounding_refused(self):
        whole = self.env["uom.uom"].create(
            {
                "name": "Whole Pieces",
                "category_id": self.env.ref("uom.product_uom_categ_unit").id,
                "uom_type": "bigger",
                "factor_inv": 1.0,
                "rounding": 1.0,
            }
        )
        crate = self.env["product.product"].create(
            {"name": "Crate", "is_storable": True, "uom_id": whole.id, "uom_po_id": whole.id}
        )
        count = self._session(self.env["stock.quant"])
        count.with_user(SUPERUSER_ID).line_ids = [
            (0, 0, {"product_id": crate.id, "location_id": self.aisle_1a.id})
        ]
        with self.assertRaises(ValidationError):
            count.line_ids.write({"counted_quantity": 1.5})
        count.line_ids.write({"counted_quantity": 2})
        self.assertEqual(count.line_ids.counted_quantity, 2)

    def test_serial_counted_more_than_once_refused(self):
        count = self._session(self.env["stock.quant"])
        count.with_user(SUPERUSER_ID).line_ids = [
            (
                0,
                0,
                {
                    "product_id": self.serial_product.id,
                    "location_id": self.aisle_1a.id,
                    "lot_id": self.serial_1.id,
                },
            ),
            (
                0,
                0,
                {
                    "product_id": self.serial_product.id,
                    "location_id": self.aisle_2a.id,
                    "lot_id": self.serial_1.id,
                },
            ),
        ]
        first, second = count.line_ids
        with self.assertRaises(ValidationError):
            first.write({"counted_quantity": 2})
        first.write({"counted_quantity": 1})
        with self.assertRaises(ValidationError):
            second.write({"counted_quantity": 1})

    def test_tracked_product_needs_a_lot(self):
        count = self._session(self.env["stock.quant"])
        count.with_user(SUPERUSER_ID).line_ids = [
            (0, 0, {"product_id": self.serial_product.id, "location_id": self.aisle_1a.id})
        ]
        with self.assertRaises(ValidationError):
            count.line_ids.write({"counted_quantity": 1})

    def test_submitting_a_done_session_fails(self):
        count = self._session(self.bolt_quant)
        self._count(count, {self.bolt: 40})
        self.assertEqual(count.sudo().state, "done")
        with self.assertRaises(UserError):
            count.action_submit()

    def test_uncounted_line_blocks_submit_and_nothing_is_applied(self):
        count = self._session(self.widget_quant | self.bolt_quant)
        self._line(count, self.widget).write({"counted_quantity": 99})
        with self.assertRaises(UserError):
            count.action_submit()
        self.assertEqual(self.widget_quant.quantity, 100)
        self.assertEqual(self._line(count, self.widget).state, "counted")

    def test_product_of_another_company_refused(self):
        other = self.env["res.company"].create({"name": "Other Accuracy Co"})
        foreign = self.env["product.product"].create(
            {"name": "Foreign Widget", "is_storable": True, "company_id": other.id}
        )
        count = self._session(self.env["stock.quant"])
        with self.assertRaises(UserError):
            count.with_user(SUPERUSER_ID).line_ids = [
                (0, 0, {"product_id": foreign.id, "location_id": self.aisle_1a.id})
            ]

    def test_counting_a_line_locked_by_someone_else_fails_cleanly(self):
        count = self._session(self.widget_quant)
        line = self._line(count, self.widget)
        line.write({"counted_quantity": 99})
        cr = self.env.cr
        real_execute = cr.execute

        def execute(query, params=None, log_exceptions=True):
            # another transaction holds the row (what PostgreSQL answers to NOWAIT then)
            if "NOWAIT" in str(query):
                raise psycopg2.errors.LockNotAvailable("could not obtain lock")
            return real_execute(query, params, log_exceptions)

        with patch.object(cr, "execute", execute), self.assertRaises(UserError):
            line.write({"counted_quantity": 100})
        line.invalidate_recordset()
        self.assertEqual(line.counted_quantity, 99, "the first count is kept")
        line.write({"counted_quantity": 98})
        self.assertEqual(line.counted_quantity, 98)
