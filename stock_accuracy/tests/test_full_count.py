from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CountCommon


@tagged("post_install", "-at_install")
class TestFullCount(CountCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bolt = cls._product("Bolt")
        cls._put(cls.bolt, cls.aisle_1a, 10)
        cls._put(cls.bolt, cls.aisle_2a, 10)

    def _start_full_count(self, location=None):
        wizard = (
            self.env["stock.accuracy.full.count.wizard"]
            .with_user(self.manager)
            .create({"warehouse_id": self.wh.id, "location_id": location and location.id})
        )
        action = wizard.action_create()
        return self.env["stock.accuracy.count"].browse(action["res_id"])

    def test_full_count_covers_the_subtree(self):
        count = self._start_full_count(self.zone_1)
        self.assertEqual(count.count_type, "full")
        self.assertEqual(count.state, "in_progress")
        self.assertEqual(count.line_ids.location_id, self.aisle_1a)
        whole = self._start_full_count()
        self.assertEqual(whole.line_ids.location_id, self.aisle_1a | self.aisle_2a)

    def test_moves_in_locked_locations_are_blocked_naming_the_session(self):
        count = self._start_full_count(self.zone_1)
        with self.assertRaisesRegex(UserError, count.name):
            self._move(self.bolt, self.aisle_1a, self.customers, 1)
        with self.assertRaisesRegex(UserError, count.name):
            self._move(self.bolt, self.suppliers, self.aisle_1b, 1)
        self._move(self.bolt, self.aisle_2a, self.customers, 1)  # other zone moves on

    def test_manager_lifts_the_lock(self):
        count = self._start_full_count(self.zone_1)
        with self.assertRaises(AccessError):
            count.with_user(self.counter).action_lift_lock()
        count.with_user(self.manager).action_lift_lock()
        move = self._move(self.bolt, self.aisle_1a, self.customers, 1)
        self.assertEqual(move.state, "done")

    def test_lock_ends_with_the_session(self):
        count = self._start_full_count(self.zone_1)
        count.with_user(self.manager).action_cancel()
        move = self._move(self.bolt, self.aisle_1a, self.customers, 1)
        self.assertEqual(move.state, "done")

    def test_only_managers_start_full_counts(self):
        wizard = self.env["stock.accuracy.full.count.wizard"].create({"warehouse_id": self.wh.id})
        with self.assertRaises(UserError):
            wizard.with_user(self.counter).action_create()

    def test_counter_cannot_lift_the_lock_by_writing(self):
        count = self._start_full_count(self.zone_1)
        with self.assertRaises(AccessError):
            count.with_user(self.counter).write({"lock_lifted": True})
        self.assertFalse(count.lock_lifted)
