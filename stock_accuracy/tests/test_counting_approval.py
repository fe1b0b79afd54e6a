from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CountingCommon


@tagged("post_install", "-at_install")
class TestCountingApproval(CountingCommon):
    def _to_approve(self):
        count = self._session(self.widget_quant)
        self._count(count, {self.widget: 80})
        line = self._line(count, self.widget).sudo()
        self._count(self._recount_of(line).count_id, {self.widget: 80}, user=self.counter_2)
        self.assertEqual(line.state, "to_approve")
        return count, line

    def test_manager_approves_and_difference_is_applied_with_reason(self):
        count, line = self._to_approve()
        line = line.with_user(self.manager)
        line.reason_id = self.damage
        line.action_approve()
        self.assertEqual(line.state, "done")
        self.assertEqual(line.approver_id, self.manager)
        self.assertEqual(self.widget_quant.quantity, 80)
        self.assertEqual(line.move_ids.accuracy_reason_id, self.damage)
        self.assertEqual(count.sudo().state, "done")

    def test_reason_required_over_tolerance(self):
        _count, line = self._to_approve()
        with self.assertRaises(UserError):
            line.with_user(self.manager).action_approve()
        self.assertEqual(self.widget_quant.quantity, 100)

    def test_counter_cannot_approve(self):
        _count, line = self._to_approve()
        line.reason_id = self.damage
        with self.assertRaises(UserError):
            line.with_user(self.counter).action_approve()
        with self.assertRaises(UserError):
            line.with_user(self.counter_2).action_approve()

    def test_manager_who_counted_cannot_approve(self):
        count = self._session(self.widget_quant, counter=self.manager_2)
        self._count(count, {self.widget: 80}, user=self.manager_2)
        line = self._line(count, self.widget).sudo()
        self._count(
            self._recount_of(line).count_id,
            {self.widget: 81},
            user=self._recount_of(line).count_id.counter_ids,
        )
        line.reason_id = self.damage
        with self.assertRaises(UserError):
            line.with_user(self.manager_2).action_approve()
        line.with_user(self.manager).action_approve()
        self.assertEqual(line.state, "done")

    def test_recounter_is_never_the_first_counter(self):
        count = self._session(self.widget_quant, counter=self.counter_2)
        self._count(count, {self.widget: 80}, user=self.counter_2)
        recount = self._recount_of(self._line(count, self.widget))
        self.assertEqual(recount.count_id.counter_ids, self.counter)

    def test_reject_sends_back_for_recount(self):
        _count, line = self._to_approve()
        line.with_user(self.manager).action_reject()
        self.assertEqual(line.state, "recount")
        self.assertEqual(line.recount_round, 2)
        new_recount = self._recount_of(line)
        self.assertEqual(new_recount.state, "todo")
        self.assertNotIn(new_recount.count_id.counter_ids, line.counter_id | line.recounter_id)

    def test_large_variance_raises_exception(self):
        self.env.company.accuracy_variance_value_threshold = 50.0
        _count, line = self._to_approve()
        line.reason_id = self.damage
        line.with_user(self.manager).action_approve()
        exception = self.env["stock.accuracy.exception"].search(
            [("source_ref", "=", f"{line._name},{line.id}")]
        )
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.type_id.code, "count_variance")
        self.assertEqual(exception.value, -200)
