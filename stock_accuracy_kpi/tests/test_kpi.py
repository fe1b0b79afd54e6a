from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import KpiCommon


@tagged("post_install", "-at_install")
class TestKpiCounts(KpiCommon):
    def test_ira_by_count_is_share_of_lines_within_tolerance(self):
        # 3 of the 4 first counts of March are within tolerance; the recount, the cancelled
        # line and the April line do not count.
        self.assertAlmostEqual(self._kpis()["ira_count"], 0.75)

    def test_ira_by_value_is_one_minus_gross_variance_over_book_value(self):
        # 1 - (10 + 5) / (50 + 50 + 100 + 40)
        self.assertAlmostEqual(self._kpis()["ira_value"], 0.9375)

    def test_variance_rate_and_values(self):
        kpis = self._kpis()
        self.assertAlmostEqual(kpis["variance_rate"], 0.5)
        self.assertAlmostEqual(kpis["variance_net"], -5.0)
        self.assertAlmostEqual(kpis["variance_gross"], 15.0)

    def test_empty_period_has_no_data_not_100_percent(self):
        kpis = self._kpis(date(2025, 2, 1), date(2025, 2, 28))
        for code in ("ira_count", "ira_value", "variance_rate", "variance_net"):
            self.assertIsNone(kpis[code], code)

    def test_double_check_error_rate_is_share_of_checked_lines_with_a_mismatch(self):
        # 1 of the 4 lines of the checks finished in March; the open check and the April
        # check do not count.
        self.assertAlmostEqual(self._kpis()["check_error_rate"], 0.25)
        self.assertIsNone(self._kpis(date(2025, 2, 1), date(2025, 2, 28))["check_error_rate"])

    def test_check_report_groups_error_rate_by_picker_checker_and_type(self):
        groups = self.env["stock.accuracy.check.report"]._read_group(
            [("warehouse_id", "=", self.wh.id)],
            ["date:month", "picking_type_id", "picker_id", "checker_id"],
            ["line_count:sum", "mismatch_count:sum", "error_rate:avg"],
        )
        by_month = {month.month: rest for month, *rest in groups}
        self.assertEqual(by_month[3][:3], [self.wh.out_type_id, self.stock_user, self.checker])
        self.assertEqual(by_month[3][3:5], [4, 1])
        self.assertAlmostEqual(by_month[3][5], 0.25)
        self.assertEqual(by_month[4][3:5], [1, 1])
        rows = self.env["stock.accuracy.check.report"].search(
            [("warehouse_id", "=", self.wh.id), ("is_mismatch", "=", True)]
        )
        self.assertEqual(
            rows.filtered(lambda r: r.date.month == 3).mapped("difference_qty"), [-2.0]
        )

    def test_report_rows_per_class_average_to_the_ira(self):
        groups = self.env["stock.accuracy.count.report"]._read_group(
            [("warehouse_id", "=", self.wh.id), ("date", "<", "2025-04-01")],
            ["date:month", "abc_class"],
            ["line_count:sum", "within_tolerance_count:sum", "ira:avg", "book_value:sum"],
        )
        by_class = {abc: (lines, within, ira, book) for _m, abc, lines, within, ira, book in groups}
        self.assertEqual(by_class["a"][:2], (2, 1))
        self.assertAlmostEqual(by_class["a"][2], 0.5)
        self.assertEqual(by_class["c"][:2], (2, 2))
        self.assertAlmostEqual(by_class["c"][2], 1.0)
        self.assertAlmostEqual(by_class["c"][3], 140.0)

    def test_native_inventory_adjustment_is_not_a_count(self):
        quant = self._put(self.p_a1, self.stock, 3)
        quant.with_context(inventory_mode=True).write({"inventory_quantity": 1})
        # Odoo's own adjustment (where the count rules are off; relocations and reverted
        # adjustments make the same): an inventory move, no count line.
        self.policy.apply_count_rules = False
        quant.sudo().action_apply_inventory()
        self.assertTrue(
            self.env["stock.move"].search(
                [("product_id", "=", self.p_a1.id), ("is_inventory", "=", True)]
            )
        )
        today = fields.Date.today()
        self.assertFalse(
            self.env["stock.accuracy.count.report"].search(
                [("warehouse_id", "=", self.wh.id), ("date", "=", today)]
            )
        )
        kpis = self._kpis(today.replace(day=1), today)
        self.assertIsNone(kpis["ira_count"])

    def test_pareto_ranks_reasons_by_variance_value(self):
        rows = self.env["stock.accuracy.pareto.report"].search(
            [
                ("month", "=", self.MONTH),
                ("reason_id", "in", (self.reason_theft | self.reason_count).ids),
            ]
        )
        self.assertEqual(rows.mapped("reason_id"), self.reason_theft | self.reason_count)
        theft, count = rows.sorted("rank")
        self.assertEqual((theft.reason_id, theft.variance_value), (self.reason_theft, 10.0))
        self.assertEqual(count.reason_id, self.reason_count)
        self.assertAlmostEqual(theft.cumulative_share, theft.share)
        self.assertLess(theft.rank, count.rank)

    def test_snapshot_cron_stores_the_month(self):
        Snapshot = self.env["stock.accuracy.kpi.snapshot"]
        Snapshot._store_month(date(2025, 3, 17), self.env.company)
        stored = Snapshot.search([("warehouse_id", "=", self.wh.id), ("month", "=", self.MONTH)])
        ira = stored.filtered(lambda s: s.kpi == "ira_count")
        self.assertEqual((ira.numerator, ira.denominator), (3.0, 4.0))
        self.assertAlmostEqual(ira.value, 0.75)
        # Storing again replaces, never duplicates.
        Snapshot._store_month(self.MONTH, self.env.company)
        self.assertEqual(
            Snapshot.search_count([("warehouse_id", "=", self.wh.id), ("month", "=", self.MONTH)]),
            len(stored),
        )


@tagged("post_install", "-at_install")
class TestKpiStock(KpiCommon):
    """Dead stock, stock-outs and turnover on stock of a warehouse of its own:

    - P1: 10 on hand at cost 3 for 400 days, never shipped: dead (value 30).
    - P2: 5 received 400 days ago at cost 4, 1 delivered today: alive (value 16).
    - P3: a delivery waiting for stock, none on hand: a stock-out.
    - P1 also has a reserved delivery: demand, but not a stock-out.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.p1 = cls._product("KPI P1", cost=3.0)
        cls.p2 = cls._product("KPI P2", cost=4.0)
        cls.p3 = cls._product("KPI P3", cost=7.0)
        cls._put(cls.p1, cls.stock, 10, days_ago=400)
        cls._put(cls.p2, cls.stock, 5, days_ago=400)
        cls._move(cls.p2, cls.stock, cls.customers, 1)
        for product in (cls.p1, cls.p3):
            move = cls.env["stock.move"].create(
                {
                    "name": product.name,
                    "product_id": product.id,
                    "product_uom_qty": 1,
                    "product_uom": product.uom_id.id,
                    "location_id": cls.stock.id,
                    "location_dest_id": cls.customers.id,
                }
            )
            move._action_confirm()
            move._action_assign()

    def test_dead_stock_ratio(self):
        today = fields.Date.today()
        self.assertAlmostEqual(self._kpis(today, today)["dead_stock"], 30.0 / 46.0)

    def test_stock_out_rate(self):
        today = fields.Date.today()
        self.assertAlmostEqual(self._kpis(today, today)["stock_out"], 0.5)

    def test_turnover_days(self):
        # Stock value 50 at the start (P2 had 5) and 46 at the end: 48 on average; one P2
        # (value 4) delivered over 10 days: 0.4 a day; 48 / 0.4 = 120 days.
        today = fields.Date.today()
        kpis = self._kpis(today - timedelta(days=9), today)
        self.assertAlmostEqual(kpis["turnover_days"], 120.0)

    def test_turnover_without_deliveries_has_no_data(self):
        self.assertIsNone(self._kpis(date(2025, 3, 1), date(2025, 3, 31))["turnover_days"])


@tagged("post_install", "-at_install")
class TestKpiExceptions(KpiCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Exception_ = cls.env["stock.accuracy.exception"]
        values = {"warehouse_id": cls.wh.id, "location_id": cls.stock.id}
        cls.closed = Exception_._raise_exception(
            "count_variance", None, dict(values, product_id=cls.p_a1.id)
        )
        cls.overdue = Exception_._raise_exception(
            "count_variance", None, dict(values, product_id=cls.p_a2.id)
        )
        cls.february = Exception_._raise_exception(
            "count_variance", None, dict(values, product_id=cls.p_c1.id)
        )
        cls.env.flush_all()
        cls.env.cr.execute(
            """
            UPDATE stock_accuracy_exception
               SET create_date = CASE id WHEN %(closed)s THEN '2025-03-03 08:00'::timestamp
                                         WHEN %(overdue)s THEN '2025-03-20 08:00'::timestamp
                                         ELSE '2025-02-10 08:00'::timestamp END,
                   state = CASE id WHEN %(closed)s THEN 'closed'
                                   WHEN %(overdue)s THEN 'new' ELSE 'cancelled' END,
                   date_closed = CASE id WHEN %(closed)s THEN '2025-03-03 18:00'::timestamp END,
                   date_deadline = '2025-03-25 08:00'
             WHERE id IN %(ids)s
            """,
            {
                "closed": cls.closed.id,
                "overdue": cls.overdue.id,
                "ids": (cls.closed.id, cls.overdue.id, cls.february.id),
            },
        )
        cls.env.invalidate_all()

    def test_exception_kpis(self):
        kpis = self._kpis()
        self.assertEqual(kpis["exceptions_opened"], 2)
        self.assertEqual(kpis["exceptions_closed"], 1)
        self.assertEqual(kpis["exceptions_overdue"], 1)
        self.assertAlmostEqual(kpis["exception_hours_to_close"], 10.0)

    def test_exception_report_mean_time_to_close(self):
        groups = self.env["stock.accuracy.exception.report"]._read_group(
            [("warehouse_id", "=", self.wh.id)],
            [],
            ["opened_count:sum", "closed_count:sum", "overdue_count:sum", "hours_to_close:avg"],
        )
        self.assertEqual(groups[0][:3], (3, 1, 1))
        self.assertAlmostEqual(groups[0][3], 10.0)


@tagged("post_install", "-at_install")
class TestKpiDashboardAndCompanies(KpiCommon):
    """A company of its own: this month two counts (one within tolerance), last month one
    (within), stored by the cron; one overdue exception (without a location, so it asks for no
    spot count); one session due this week."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.env["res.company"].create({"name": "KPI Company 2"})
        cls.wh_2 = cls.env["stock.warehouse"].search([("company_id", "=", cls.company_2.id)])
        cls.user_2 = new_test_user(
            cls.env,
            "sa_kpi_manager_2",
            groups="stock_accuracy.group_accuracy_manager",
            company_id=cls.company_2.id,
            company_ids=[cls.company_2.id],
        )
        now = fields.Datetime.now()
        this_month = cls._session(cls.wh_2, "done")
        cls._lines(
            this_month,
            [
                (cls.p_a1, "c", 10, 10, 5.0, False, now),
                (cls.p_a2, "c", 10, 2, 5.0, False, now),
            ],
        )
        last_month = now.replace(day=1) - relativedelta(months=1) + timedelta(days=2)
        cls._lines(this_month, [(cls.p_c1, "c", 10, 10, 1.0, False, last_month)])
        cls._session(cls.wh_2, "draft", scheduled=fields.Date.today())
        cls.env["stock.accuracy.exception"]._raise_exception(
            "count_variance",
            None,
            {
                "company_id": cls.company_2.id,
                "warehouse_id": cls.wh_2.id,
                "product_id": cls.p_c2.id,
                "date_deadline": now - timedelta(days=1),
            },
        )
        cls.env["stock.accuracy.kpi.snapshot"]._store_month(last_month.date(), cls.company_2)

    def _dashboard(self):
        return (
            self.env["stock.accuracy.kpi.snapshot"]
            .with_user(self.user_2)
            .with_context(allowed_company_ids=[self.company_2.id])
            .get_dashboard_data()
        )

    def test_dashboard_current_and_previous_month(self):
        data = self._dashboard()
        ira = next(tile for tile in data["kpis"] if tile["code"] == "ira_count")
        self.assertAlmostEqual(ira["current"], 0.5)
        self.assertAlmostEqual(ira["previous"], 1.0)
        self.assertEqual((ira["direction"], ira["better"]), ("down", "up"))
        self.assertEqual(ira["action"]["res_model"], "stock.accuracy.count.report")
        self.assertEqual(data["exceptions_open"]["count"], 1)
        self.assertEqual(data["exceptions_overdue"]["count"], 1)
        self.assertEqual(data["counts_due"]["count"], 1)

    def test_dashboard_trend_has_twelve_months_with_no_data_as_none(self):
        trend = self._dashboard()["trend"]
        self.assertEqual(len(trend), 12)
        self.assertAlmostEqual(trend[-1]["value"], 0.5)
        self.assertAlmostEqual(trend[-2]["value"], 1.0)
        self.assertIsNone(trend[0]["value"])

    def test_stored_month_survives_later_changes(self):
        last_month = fields.Date.today().replace(day=1) - relativedelta(months=1)
        self.env["stock.accuracy.count.line"].search(
            [("company_id", "=", self.company_2.id), ("product_id", "=", self.p_c1.id)]
        ).sudo().unlink()
        previous = self._dashboard()["kpis"][0]
        self.assertEqual(previous["code"], "ira_count")
        self.assertAlmostEqual(previous["previous"], 1.0)
        trend = self._dashboard()["trend"]
        self.assertEqual(trend[-2]["month"], fields.Date.to_string(last_month))
        self.assertAlmostEqual(trend[-2]["value"], 1.0)

    def test_users_see_only_their_companies_figures(self):
        Report = self.env["stock.accuracy.count.report"]
        self.assertEqual(
            Report.with_user(self.user_2).search([]).company_id,
            self.company_2,
        )
        self.assertFalse(self.env["stock.accuracy.check.report"].with_user(self.user_2).search([]))
        self.assertTrue(
            self.env["stock.accuracy.check.report"]
            .with_user(self.manager)
            .search([("warehouse_id", "=", self.wh.id)])
        )
        self.assertFalse(
            Report.with_user(self.manager).search([("company_id", "=", self.company_2.id)])
        )
        self.assertFalse(
            self.env["stock.accuracy.kpi.snapshot"]
            .with_user(self.manager)
            .search([("company_id", "=", self.company_2.id)])
        )
