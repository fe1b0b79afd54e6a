from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ExceptionCommon


@tagged("post_install", "-at_install")
class TestExceptionLifecycle(ExceptionCommon):
    """New → in progress → resolved → closed: a root cause, a fix, and a Manager to close."""

    def setUp(self):
        super().setUp()
        self.warehouse.accuracy_manager_id = self.checker
        self.exception = self._raise(quantity=-3)

    def _fill_resolution(self, user):
        self.exception.with_user(user).write(
            {
                "reason_id": self.reason_miscount.id,
                "corrective_action": "Recounted the bin, corrected the book stock.",
            }
        )

    def test_cannot_resolve_without_root_cause_and_corrective_action(self):
        with self.assertRaises(UserError):
            self.exception.with_user(self.checker).action_resolve()
        self.exception.with_user(self.checker).reason_id = self.reason_miscount
        with self.assertRaises(UserError):
            self.exception.with_user(self.checker).action_resolve()
        self.assertEqual(self.exception.state, "new")

    def test_resolving_marks_the_activity_done(self):
        self.exception.with_user(self.checker).action_start()
        self.assertEqual(self.exception.state, "in_progress")
        self._fill_resolution(self.checker)
        self.exception.with_user(self.checker).action_resolve()
        self.assertEqual(self.exception.state, "resolved")
        self.assertTrue(self.exception.date_resolved)
        self.assertFalse(self._owner_activities(self.exception))
        done = self.exception.message_ids.filtered(
            lambda m: m.mail_activity_type_id == self.activity_type
        )
        self.assertTrue(done, "the done activity is logged in the chatter")

    def test_reason_requiring_a_note_needs_details(self):
        damage = self.env.ref("stock_accuracy.reason_dmg")
        self.exception.with_user(self.checker).write(
            {"reason_id": damage.id, "corrective_action": "Scrapped the broken units."}
        )
        with self.assertRaises(UserError):
            self.exception.with_user(self.checker).action_resolve()
        self.exception.with_user(self.checker).description = "Forklift hit the rack."
        self.exception.with_user(self.checker).action_resolve()
        self.assertEqual(self.exception.state, "resolved")

    def test_only_a_manager_closes(self):
        self._fill_resolution(self.checker)
        self.exception.with_user(self.checker).action_resolve()
        with self.assertRaises(AccessError):
            self.exception.with_user(self.checker).action_close()
        with self.assertRaises(AccessError):
            self.exception.with_user(self.counter).action_close()
        self.assertEqual(self.exception.state, "resolved")
        self.exception.with_user(self.manager).action_close()
        self.assertEqual(self.exception.state, "closed")
        self.assertEqual(self.exception.closed_by_id, self.manager)
        self.assertTrue(self.exception.date_closed)

    def test_cannot_close_an_open_exception(self):
        with self.assertRaises(UserError):
            self.exception.with_user(self.manager).action_close()

    def test_reopening_keeps_the_history(self):
        self.exception = self._tracked(self.exception)
        self._fill_resolution(self.checker)
        self.exception.with_user(self.checker).action_resolve()
        self._tracked_fields(self.exception)
        with self.assertRaises(AccessError):
            self.exception.with_user(self.checker).action_reopen()
        self.exception.with_user(self.manager).action_reopen()
        self.assertEqual(self.exception.state, "in_progress")
        self.assertFalse(self.exception.date_resolved)
        self.assertEqual(self.exception.reason_id, self.reason_miscount)
        states = self._tracked_fields(self.exception).filtered(lambda t: t.field_id.name == "state")
        self.assertEqual(set(states.mapped("new_value_char")), {"Resolved", "In Progress"})
        self.assertEqual(self._owner_activities(self.exception).user_id, self.checker)

    def test_a_closed_exception_is_history(self):
        self._fill_resolution(self.checker)
        self.exception.with_user(self.checker).action_resolve()
        self.exception.with_user(self.manager).action_close()
        with self.assertRaises(UserError):
            self.exception.with_user(self.manager).action_reopen()
        for vals in ({"reason_id": False}, {"corrective_action": "rewritten"}):
            with self.assertRaises(UserError):
                self.exception.with_user(self.manager).write(vals)
        self.assertEqual(self.exception.state, "closed")
        self.assertEqual(self.exception.reason_id, self.reason_miscount)

    def test_tracking_of_owner_deadline_and_root_cause(self):
        self._tracked(self.exception).with_user(self.manager).write(
            {
                "user_id": self.manager.id,
                "date_deadline": self._past(-10),
                "reason_id": self.reason_miscount.id,
            }
        )
        tracked = set(self._tracked_fields(self.exception).field_id.mapped("name"))
        self.assertTrue({"user_id", "date_deadline", "reason_id"} <= tracked)

    def test_counter_writes_progress_but_not_the_owner(self):
        self._fill_resolution(self.counter)
        self.assertEqual(self.exception.reason_id, self.reason_miscount)
        with self.assertRaises(AccessError):
            self.exception.with_user(self.counter).write({"user_id": self.counter.id})
        with self.assertRaises(AccessError):
            self.exception.with_user(self.counter).write({"state": "closed"})
        self.assertEqual(self.exception.user_id, self.checker)

    def test_only_a_manager_cancels(self):
        with self.assertRaises(AccessError):
            self.exception.with_user(self.checker).action_cancel()
        self.exception.with_user(self.manager).action_cancel()
        self.assertEqual(self.exception.state, "cancelled")
        self.assertFalse(self._owner_activities(self.exception))
