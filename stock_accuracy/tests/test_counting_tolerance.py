from odoo.tests import tagged

from .common import CountingCommon


@tagged("post_install", "-at_install")
class TestCountingTolerance(CountingCommon):
    def test_within_tolerance_applied_on_submit_with_default_reason(self):
        count = self._session(self.widget_quant | self.bolt_quant)
        self._count(count, {self.widget: 96, self.bolt: 40})
        widget_line = self._line(count, self.widget).sudo()
        self.assertEqual(widget_line.state, "done")
        self.assertTrue(widget_line.within_tolerance)
        self.assertEqual(widget_line.difference_quantity, -4)
        self.assertEqual(widget_line.difference_value, -40)
        self.assertEqual(widget_line.reason_id, self.miscount)
        self.assertEqual(self.widget_quant.quantity, 96)
        move = widget_line.move_ids
        self.assertEqual(len(move), 1)
        self.assertTrue(move.is_inventory)
        self.assertEqual(move.accuracy_reason_id, self.miscount)
        self.assertEqual(move.accuracy_count_line_id, widget_line)
        self.assertEqual(count.sudo().state, "done")

    def test_zero_difference_line_kept_as_accurate_count(self):
        count = self._session(self.bolt_quant)
        self._count(count, {self.bolt: 40})
        line = self._line(count, self.bolt).sudo()
        self.assertEqual(line.state, "done")
        self.assertEqual(line.difference_quantity, 0)
        self.assertEqual(self.bolt_quant.quantity, 40)

    def test_company_default_reason_used_under_tolerance(self):
        self.env.company.accuracy_default_reason_id = self.env.ref("stock_accuracy.reason_unk")
        count = self._session(self.widget_quant)
        self._count(count, {self.widget: 99})
        self.assertEqual(
            self._line(count, self.widget).sudo().reason_id,
            self.env.ref("stock_accuracy.reason_unk"),
        )

    def test_recount_required_when_over_tolerance(self):
        count = self._session(self.widget_quant)
        self._count(count, {self.widget: 80})
        line = self._line(count, self.widget).sudo()
        self.assertEqual(line.state, "recount")
        self.assertFalse(line.within_tolerance)
        self.assertEqual(self.widget_quant.quantity, 100, "nothing applied before the recount")
        recount = self._recount_of(line)
        self.assertEqual(recount.count_id.count_type, "recount")
        self.assertTrue(recount.count_id.blind)
        self.assertEqual(recount.count_id.counter_ids, self.counter_2)
        self.assertNotEqual(recount.count_id.counter_ids, line.counter_id)
        self.assertEqual(count.sudo().state, "to_approve")

    def test_recount_confirming_first_count_goes_to_approval(self):
        count = self._session(self.widget_quant)
        self._count(count, {self.widget: 80})
        line = self._line(count, self.widget).sudo()
        recount_session = self._recount_of(line).count_id.with_user(self.counter_2)
        self._count(recount_session, {self.widget: 80}, user=self.counter_2)
        self.assertEqual(line.state, "to_approve")
        self.assertEqual(line.counted_quantity, 80)
        self.assertEqual(line.recount_quantity, 80)
        self.assertEqual(line.recounter_id, self.counter_2)
        self.assertEqual(self.widget_quant.quantity, 100)

    def test_recount_confirming_book_drops_difference(self):
        count = self._session(self.widget_quant)
        self._count(count, {self.widget: 80})
        line = self._line(count, self.widget).sudo()
        recount_session = self._recount_of(line).count_id
        self._count(recount_session, {self.widget: 100}, user=self.counter_2)
        self.assertEqual(line.state, "done")
        self.assertEqual(self.widget_quant.quantity, 100)
        self.assertEqual(line.applied_quantity, 100)
        self.assertEqual(line.counted_quantity, 80, "the first count stays in the history")
        self.assertEqual(count.sudo().state, "done")

    def test_third_disagreement_goes_to_approval_with_both_counts(self):
        count = self._session(self.widget_quant)
        self._count(count, {self.widget: 80})
        line = self._line(count, self.widget).sudo()
        self._count(self._recount_of(line).count_id, {self.widget: 60}, user=self.counter_2)
        self.assertEqual(line.state, "to_approve")
        self.assertEqual((line.counted_quantity, line.recount_quantity), (80, 60))

    def test_value_tolerance_sends_cheap_percentage_to_recount(self):
        self.policy.tolerance_value_c = 15.0
        count = self._session(self.widget_quant)
        self._count(count, {self.widget: 98})  # 2 % but worth 20
        self.assertEqual(self._line(count, self.widget).sudo().state, "recount")
