from collections import Counter
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import fields, sql_db
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CountCommon


@tagged("post_install", "-at_install")
class TestPlanner(CountCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.write(
            {
                "daily_capacity": 3,
                "zone_depth": 1,
                **{
                    name: True
                    for name in (
                        "count_on_mon",
                        "count_on_tue",
                        "count_on_wed",
                        "count_on_thu",
                        "count_on_fri",
                        "count_on_sat",
                        "count_on_sun",
                    )
                },
            }
        )
        cls.today = fields.Date.context_today(cls.env["stock.accuracy.count"])
        cls.planner = cls.env["stock.accuracy.planner"]

    def _classify(self, product, abc_class):
        self.env["stock.accuracy.classification"].create(
            {
                "product_id": product.id,
                "warehouse_id": self.wh.id,
                "company_id": self.wh.company_id.id,
                "abc_class": abc_class,
            }
        )

    def _lines(self, sessions):
        return sessions.line_ids

    def test_no_day_exceeds_capacity_and_overdue_come_first(self):
        for index in range(10):
            product = self._product(f"Overdue {index}")
            self._put(product, self.aisle_1a, 5, days_ago=400)
        sessions = self.planner._plan_counts(self.policy, 7, date_from=self.today)
        per_day = Counter()
        for session in sessions:
            per_day[session.scheduled_date] += session.line_count
        self.assertEqual(sum(per_day.values()), 10)
        self.assertLessEqual(max(per_day.values()), 3)
        self.assertEqual(min(per_day), self.today, "overdue items start today")
        self.assertEqual(set(sessions.mapped("count_type")), {"cycle"})
        self.assertEqual(set(sessions.mapped("state")), {"draft"})

    def test_planned_sessions_and_lines_are_what_create_would_make(self):
        for index in range(6):
            product = self._product(f"Planned {index}", cost=4.0)
            self._put(product, self.aisle_1a if index % 2 else self.aisle_2a, 5, days_ago=400)
        sessions = self.planner._plan_counts(self.policy, 7, date_from=self.today)
        self.assertGreater(len(sessions), 1)
        self.assertEqual(len(set(sessions.mapped("name"))), len(sessions), "distinct references")
        self.assertTrue(all(name.startswith("CNT/") for name in sessions.mapped("name")))
        lines = sessions.line_ids
        self.assertEqual(len(lines), 6)
        self.assertEqual(set(lines.mapped("unit_cost")), {4.0})
        self.assertEqual(set(lines.mapped("within_tolerance")), {True})
        self.assertEqual(set(lines.mapped("difference_quantity")), {0.0})
        self.assertEqual(lines.warehouse_id, self.wh)
        self.assertEqual(lines.company_id, self.wh.company_id)
        self.assertEqual(set(lines.mapped("book_quantity")), {5.0})

    def test_a_items_are_never_later_than_their_interval(self):
        self.policy.daily_capacity = 1
        for index in range(5):
            self._put(self._product(f"Late C {index}"), self.aisle_1a, 5, days_ago=400)
        a_item = self._product("Fast mover")
        self._classify(a_item, "a")
        self._put(a_item, self.aisle_1b, 5, days_ago=28)  # due in 2 days
        sessions = self.planner._plan_counts(self.policy, 10, date_from=self.today)
        line = sessions.line_ids.filtered(lambda ln: ln.product_id == a_item)
        self.assertEqual(line.abc_class, "a")
        self.assertLessEqual(line.count_id.scheduled_date, self.today + timedelta(days=2))
        per_day = Counter(sessions.mapped(lambda s: (s.scheduled_date, s.line_count)))
        self.assertTrue(all(count <= 1 for (_day, count) in per_day))
        self.assertEqual(len(sessions.line_ids), 6)

    def test_items_not_due_within_horizon_are_not_planned(self):
        fresh = self._product("Fresh C")
        self._put(fresh, self.aisle_1a, 5)  # received today: due in 180 days
        sessions = self.planner._plan_counts(self.policy, 30, date_from=self.today)
        self.assertNotIn(fresh, sessions.line_ids.product_id)

    def test_planning_twice_plans_nothing_twice(self):
        for index in range(4):
            self._put(self._product(f"Twice {index}"), self.aisle_2a, 5, days_ago=400)
        first = self.planner._plan_counts(self.policy, 7, date_from=self.today)
        second = self.planner._plan_counts(self.policy, 7, date_from=self.today)
        self.assertEqual(len(first.line_ids), 4)
        self.assertFalse(second)
        wizard = (
            self.env["stock.accuracy.plan.wizard"]
            .with_user(self.manager)
            .create({"warehouse_ids": [fields.Command.set(self.wh.ids)], "horizon": 7})
        )
        with self.assertRaises(UserError):
            wizard.action_plan()

    def test_existing_plan_counts_against_capacity(self):
        for index in range(2):
            self._put(self._product(f"Early {index}"), self.aisle_1a, 5, days_ago=400)
        self.planner._plan_counts(self.policy, 1, date_from=self.today)
        for index in range(3):
            self._put(self._product(f"Later {index}"), self.aisle_1a, 5, days_ago=400)
        sessions = self.planner._plan_counts(self.policy, 3, date_from=self.today)
        today = sessions.filtered(lambda s: s.scheduled_date == self.today)
        self.assertEqual(sum(today.mapped("line_count")), 1, "2 already planned, capacity 3")

    def test_sessions_by_zone_in_walking_order_round_robin(self):
        second_counter = new_test_user(
            self.env, "sa_counter_2", groups="stock_accuracy.group_accuracy_counter"
        )
        self.policy.write(
            {"counter_ids": [fields.Command.set((self.counter | second_counter).ids)]}
        )
        self.policy.daily_capacity = 10
        products = [self._product(f"Walk {index}") for index in range(3)]
        self._put(products[0], self.aisle_2a, 1, days_ago=400)
        self._put(products[1], self.aisle_1b, 1, days_ago=400)
        self._put(products[2], self.aisle_1a, 1, days_ago=400)
        sessions = self.planner._plan_counts(self.policy, 1, date_from=self.today)
        self.assertEqual(sessions.zone_location_id, self.zone_1 | self.zone_2)
        zone_1 = sessions.filtered(lambda s: s.zone_location_id == self.zone_1)
        self.assertEqual(
            zone_1.line_ids.sorted("sequence").location_id, self.aisle_1a | self.aisle_1b
        )
        self.assertEqual(zone_1.line_ids.sorted("sequence").mapped("location_id.name"), ["A", "B"])
        self.assertEqual(len(sessions.counter_ids), 2, "one session each")
        self.assertEqual(set(sessions.mapped(lambda s: len(s.counter_ids))), {1})

    def test_wizard_previews_before_creating(self):
        for index in range(4):
            self._put(self._product(f"Preview {index}"), self.aisle_1a, 5, days_ago=400)
        wizard = (
            self.env["stock.accuracy.plan.wizard"]
            .with_user(self.manager)
            .create({"warehouse_ids": [fields.Command.set(self.wh.ids)], "horizon": 7})
        )
        wizard.action_preview()
        self.assertEqual(sum(wizard.line_ids.mapped("line_count")), 4)
        self.assertLessEqual(max(wizard.line_ids.mapped("line_count")), 3)
        count_model = self.env["stock.accuracy.count"]
        self.assertFalse(count_model.search([("warehouse_id", "=", self.wh.id)]))
        wizard.action_plan()
        self.assertEqual(len(count_model.search([("warehouse_id", "=", self.wh.id)]).line_ids), 4)

    def test_cron_plans_every_warehouse(self):
        self._put(self._product("Cron item"), self.aisle_1a, 5, days_ago=400)
        self.planner._cron_plan_counts()
        sessions = self.env["stock.accuracy.count"].search([("warehouse_id", "=", self.wh.id)])
        self.assertEqual(len(sessions.line_ids), 1)

    def test_a_second_planner_waits_for_the_first(self):
        policy = self.warehouse.accuracy_policy_id  # committed at install: visible to others
        self.planner._plan_counts(policy, 1, date_from=self.today)
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute("SET lock_timeout = '100ms'")
            with mute_logger("odoo.sql_db"), self.assertRaises(pg_errors.LockNotAvailable):
                other.execute(
                    "SELECT id FROM stock_accuracy_policy WHERE id = %s FOR UPDATE",
                    [policy.id],
                )
        finally:
            other.rollback()
            other.close()
