from odoo import SUPERUSER_ID
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CountingCommon


@tagged("post_install", "-at_install")
class TestCountingHistory(CountingCommon):
    def _done_line(self):
        count = self._session(self.widget_quant)
        self._count(count, {self.widget: 98})
        line = self._line(count, self.widget)
        self.assertEqual(line.sudo().state, "done")
        return line

    def test_done_line_records_the_whole_count(self):
        line = self._done_line().sudo()
        self.assertEqual(line.book_quantity, 100)
        self.assertEqual(line.counted_quantity, 98)
        self.assertEqual(line.counter_id, self.counter)
        self.assertTrue(line.counted_date)
        self.assertTrue(line.done_date)
        self.assertEqual(len(line.move_ids), 1)

    def test_done_line_cannot_be_edited_or_deleted(self):
        line = self._done_line()
        for user in (self.counter, self.manager):
            with self.assertRaises(UserError):
                line.with_user(user).write({"counted_quantity": 100})
            with self.assertRaises(UserError):
                line.with_user(user).reason_id = self.damage
            with self.assertRaises(UserError):
                line.with_user(user).unlink()
        with self.assertRaises(UserError):
            line.sudo().with_user(self.manager).count_id.action_cancel()
        self.assertEqual(line.sudo().counted_quantity, 98)

    def test_superuser_can_correct_history(self):
        line = self._done_line().with_user(SUPERUSER_ID)
        line.note = "Corrected by the administrator"
        self.assertEqual(line.note, "Corrected by the administrator")

    def test_blind_counter_never_reads_the_book(self):
        count = self._session(self.widget_quant)
        line = self._line(count, self.widget)
        for fname in ("book_quantity", "difference_quantity"):
            with self.assertRaises(AccessError):
                line.read([fname])
            with self.assertRaises(AccessError):
                line.web_read({fname: {}})
            with self.assertRaises(AccessError):
                line.search_read([("id", "=", line.id)], [fname])
        self.assertEqual(line.read(["shown_book_quantity"])[0]["shown_book_quantity"], 0.0)
        sheet = self.env["stock.accuracy.count"].browse(count.id)
        self.assertNotIn(
            "book_quantity", sheet.with_user(self.counter).action_scan_state()["lines"][0]
        )

    def test_manager_and_open_session_counter_read_the_book(self):
        count = self._session(self.widget_quant)
        line = self._line(count, self.widget)
        self.assertEqual(
            line.with_user(self.manager).read(["book_quantity"])[0]["book_quantity"], 100
        )
        open_count = self._session(self.bolt_quant, blind=False)
        open_line = self._line(open_count, self.bolt)
        self.assertEqual(open_line.read(["shown_book_quantity"])[0]["shown_book_quantity"], 40)
