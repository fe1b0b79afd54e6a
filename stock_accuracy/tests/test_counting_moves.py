from datetime import timedelta

from freezegun import freeze_time

from odoo import SUPERUSER_ID, fields
from odoo.tests import tagged

from .common import CountingCommon


@tagged("post_install", "-at_install")
class TestCountingMoves(CountingCommon):
    def test_move_during_count_is_added_on_apply(self):
        count = self._session(self.widget_quant)
        line = self._line(count, self.widget)
        line.write({"counted_quantity": 97})
        self.assertEqual(line.sudo().book_quantity, 100, "book snapshotted when counted")
        # 10 leave the shelf after the count, before the session is submitted
        self._move(self.widget, self.aisle_1a, self.customers, 10)
        count.action_submit()
        line = line.sudo()
        self.assertEqual(line.state, "done")
        self.assertEqual(line.difference_quantity, -3)
        self.assertEqual(line.applied_quantity, 87)
        self.assertEqual(self.widget_quant.quantity, 87)
        self.assertEqual(line.move_ids.quantity, 3)

    def test_receipt_during_count_is_added_on_apply(self):
        count = self._session(self.bolt_quant)
        line = self._line(count, self.bolt)
        line.write({"counted_quantity": 40})
        self._move(self.bolt, self.suppliers, self.aisle_1a, 5)
        count.action_submit()
        self.assertEqual(self.bolt_quant.quantity, 45)
        self.assertEqual(line.sudo().difference_quantity, 0)

    def test_count_older_than_limit_requires_recount(self):
        self.env.company.accuracy_count_max_age_hours = 24
        count = self._session(self.widget_quant)
        line = self._line(count, self.widget)
        with freeze_time(fields.Datetime.now() - timedelta(hours=30)):
            line.write({"counted_quantity": 99})
        count.action_submit()
        self.assertEqual(line.sudo().state, "recount")
        self.assertEqual(self.widget_quant.quantity, 100)

    def test_last_count_date_and_planner_move_after_count(self):
        count = self._session(self.bolt_quant)
        self._count(count, {self.bolt: 40})
        self.bolt_quant.invalidate_recordset(["last_count_date"])
        self.assertEqual(self.bolt_quant.last_count_date, fields.Date.today())
        due = self.env["stock.accuracy.planner"]._select_due_items(
            self.policy, fields.Date.today(), fields.Date.today() + timedelta(days=30)
        )
        self.assertNotIn(
            (self.aisle_1a.id, self.bolt.id),
            {(item["location_id"], item["product_id"]) for item in due},
        )

    def test_zero_confirmation_finding_stock_raises_exception(self):
        count = self._session(self.env["stock.quant"])
        count.with_user(SUPERUSER_ID).write(
            {
                "trigger": "zero",
                "line_ids": [
                    (0, 0, {"product_id": self.widget.id, "location_id": self.aisle_2a.id})
                ],
            }
        )
        self._count(count, {self.widget: 3})
        line = self._line(count, self.widget).sudo()
        self._count(self._recount_of(line).count_id, {self.widget: 3}, user=self.counter_2)
        line.reason_id = self.miscount
        line.with_user(self.manager).action_approve()
        exception = self.env["stock.accuracy.exception"].search(
            [("source_ref", "=", f"stock.accuracy.count.line,{line.id}")]
        )
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.quantity, 3)
