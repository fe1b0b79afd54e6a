from odoo.tests import new_test_user, tagged

from .common import ExceptionCommon


@tagged("post_install", "-at_install")
class TestExceptionEscalation(ExceptionCommon):
    """An overdue exception is flagged and escalated once, not every time the cron runs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.boss = new_test_user(
            cls.env, "sa_boss", groups="stock_accuracy.group_accuracy_manager", name="Bo Boss"
        )
        cls.env["stock.accuracy.exception.rule"].create(
            {
                "company_id": cls.company.id,
                "type_id": cls.type_variance.id,
                "user_id": cls.checker.id,
                "escalation_user_id": cls.boss.id,
            }
        )

    def _overdue_exception(self):
        exception = self._raise()
        exception.date_deadline = self._past()
        return exception

    def _escalation_messages(self, exception):
        return exception.message_ids.filtered(lambda m: "missed its deadline" in (m.body or ""))

    def test_overdue_escalation_fires_once(self):
        exception = self._overdue_exception()
        self.Exception._cron_escalate_overdue()
        self.assertTrue(exception.is_overdue)
        self.assertTrue(exception.escalated)
        messages = self._escalation_messages(exception)
        self.assertEqual(len(messages), 1)
        self.assertEqual(
            set(messages.partner_ids.ids), {self.checker.partner_id.id, self.boss.partner_id.id}
        )
        boss_activity = exception.activity_ids.filtered(lambda a: a.user_id == self.boss)
        self.assertEqual(len(boss_activity), 1)

        self.Exception._cron_escalate_overdue()
        self.Exception._cron_escalate_overdue()
        self.assertEqual(len(self._escalation_messages(exception)), 1)
        self.assertEqual(len(exception.activity_ids.filtered(lambda a: a.user_id == self.boss)), 1)

    def test_company_escalation_contact_when_the_rule_has_none(self):
        self.env["stock.accuracy.exception.rule"].search([]).escalation_user_id = False
        self.company.accuracy_escalation_user_id = self.manager
        exception = self._overdue_exception()
        self.assertEqual(exception.escalation_user_id, self.manager)
        self.Exception._cron_escalate_overdue()
        self.assertIn(self.manager.partner_id, self._escalation_messages(exception).partner_ids)

    def test_not_overdue_nothing_happens(self):
        exception = self._raise()
        self.Exception._cron_escalate_overdue()
        self.assertFalse(exception.is_overdue)
        self.assertFalse(self._escalation_messages(exception))

    def test_a_new_deadline_arms_the_escalation_again(self):
        exception = self._overdue_exception()
        self.Exception._cron_escalate_overdue()
        exception.with_user(self.manager).date_deadline = self._past(-3)
        self.assertFalse(exception.is_overdue)
        self.Exception._cron_escalate_overdue()
        self.assertEqual(len(self._escalation_messages(exception)), 1)
        exception.with_user(self.manager).date_deadline = self._past(2)
        self.Exception._cron_escalate_overdue()
        self.assertEqual(len(self._escalation_messages(exception)), 2)

    def test_resolved_exceptions_are_not_escalated(self):
        exception = self._overdue_exception()
        exception.write(
            {"reason_id": self.reason_miscount.id, "corrective_action": "Fixed in time."}
        )
        exception.action_resolve()
        self.Exception._cron_escalate_overdue()
        self.assertFalse(exception.escalated)
