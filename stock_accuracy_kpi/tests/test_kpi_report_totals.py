from collections import defaultdict
from datetime import date

from odoo import SUPERUSER_ID, fields
from odoo.tests import tagged

from odoo.addons.stock_accuracy.tests.common import CountingCommon

from .common import KpiCommon

MEASURES = (
    "line_count",
    "within_tolerance_count",
    "difference_count",
    "book_value",
    "difference_value",
    "difference_value_abs",
)


class ReportTotalsMixin:
    """The count report's daily totals must always equal the done first count lines
    grouped by day, company, warehouse, class, counter and reason."""

    def _expected_totals(self):
        totals = defaultdict(lambda: dict.fromkeys(MEASURES, 0.0))
        lines = (
            self.env["stock.accuracy.count.line"]
            .sudo()
            .search([("state", "=", "done"), ("origin_line_id", "=", False)])
        )
        for line in lines:
            day = fields.Datetime.to_datetime(line.counted_date or line.done_date).date()
            key = (
                day,
                line.company_id.id,
                line.warehouse_id.id,
                line.abc_class or False,
                line.counter_id.id,
                line.reason_id.id,
            )
            row = totals[key]
            row["line_count"] += 1
            row["within_tolerance_count"] += 1 if line.within_tolerance else 0
            row["difference_count"] += 1 if line.difference_quantity else 0
            row["book_value"] += line.book_quantity * line.unit_cost
            row["difference_value"] += line.difference_value
            row["difference_value_abs"] += abs(line.difference_value)
        return {key: row for key, row in totals.items() if row["line_count"]}

    def _report_totals(self):
        rows = (
            self.env["stock.accuracy.count.report"]
            .sudo()
            .search_read([], ["date", "company_id", "warehouse_id", "abc_class", "counter_id"])
        )
        report = self.env["stock.accuracy.count.report"].sudo()
        totals = {}
        for record, row in zip(report.browse([r["id"] for r in rows]), rows, strict=True):
            key = (
                row["date"],
                row["company_id"][0] if row["company_id"] else False,
                row["warehouse_id"][0] if row["warehouse_id"] else False,
                row["abc_class"],
                row["counter_id"][0] if row["counter_id"] else False,
                record.reason_id.id,
            )
            self.assertNotIn(key, totals, "one row per day and group")
            totals[key] = {name: float(record[name]) for name in MEASURES}
        return totals

    def assertReportMatchesLines(self):
        expected, found = self._expected_totals(), self._report_totals()
        self.assertEqual(set(found), set(expected))
        for key, row in expected.items():
            for name in MEASURES:
                self.assertAlmostEqual(found[key][name], row[name], msg=f"{key} {name}")


@tagged("post_install", "-at_install")
class TestCountReportTotals(ReportTotalsMixin, KpiCommon):
    def test_totals_equal_the_lines_of_the_hand_built_month(self):
        self.assertReportMatchesLines()
        rows = self.env["stock.accuracy.count.report"].search(
            [("warehouse_id", "=", self.wh.id), ("date", "=", date(2025, 3, 10))]
        )
        self.assertEqual(sum(rows.mapped("line_count")), 4, "the recount and cancel left out")
        self.assertEqual(sum(rows.mapped("book_value")), 240.0)

    def test_ratios_of_a_group_are_weighted_by_its_lines(self):
        # Three more class C lines within tolerance, no difference, the same day and group
        # as line 4: that row now holds 4 lines. An average of row averages would say 0.75.
        self._lines(
            self.session,
            [(self.p_c2, "c", 20, 20, 2.0, False, self.lines[3].counted_date)] * 3,
        )
        (total,) = self.env["stock.accuracy.count.report"]._read_group(
            [("warehouse_id", "=", self.wh.id), ("date", "<", "2025-04-01")],
            [],
            ["line_count:sum", "ira:avg", "variance_rate:avg", "ira_value:avg"],
        )
        self.assertEqual(total[0], 7)
        self.assertAlmostEqual(total[1], 6 / 7)
        self.assertAlmostEqual(total[2], 2 / 7)
        self.assertAlmostEqual(total[3], 1 - 15 / 360)

    def test_group_without_lines_has_no_ratio(self):
        (total,) = self.env["stock.accuracy.count.report"]._read_group(
            [("warehouse_id", "=", self.wh.id), ("date", "<", "2024-01-01")],
            [],
            ["line_count:sum", "ira:avg", "ira_value:avg"],
        )
        # Neither 0 % nor 100 %: no value at all (the pivot shows an empty cell).
        for value in total:
            self.assertNotIsInstance(value, float)
            self.assertFalse(value)

    def test_totals_follow_edits_cancels_deletes_and_reason_changes(self):
        line_2 = self.lines[1].sudo()
        # A done line's reason corrected, its class changed, another line recorded as the
        # recount of line 1, a whole session deleted.
        line_2._write_internal({"reason_id": self.reason_count.id})
        self.lines[2].sudo()._write_internal({"abc_class": "b"})
        self.lines[0].sudo()._write_internal({"origin_line_id": self.lines[3].id})
        self.assertReportMatchesLines()
        category = self.env["stock.accuracy.count.report"].search(
            [("reason_id", "=", self.reason_count.id), ("warehouse_id", "=", self.wh.id)]
        )
        self.assertEqual(set(category.mapped("reason_category")), {"counting"})
        self.reason_count.category = "theft"
        category.invalidate_recordset()
        self.assertEqual(set(category.mapped("reason_category")), {"theft"})
        self.lines.sudo()._write_internal({"origin_line_id": False})
        self.session.with_user(SUPERUSER_ID).line_ids.filtered(
            lambda ln: ln.origin_line_id
        ).unlink()
        self.session.with_user(SUPERUSER_ID).unlink()
        self.assertReportMatchesLines()
        self.assertFalse(
            self.env["stock.accuracy.count.report"].search([("warehouse_id", "=", self.wh.id)])
        )


@tagged("post_install", "-at_install")
class TestCountReportTotalsCounting(ReportTotalsMixin, CountingCommon):
    def test_counts_applied_by_counters_land_in_the_report(self):
        Report = self.env["stock.accuracy.count.report"]
        before = Report.search([("warehouse_id", "=", self.wh.id)])
        self.assertFalse(before)
        count = self._session(self.widget_quant | self.bolt_quant)
        self._count(count, {self.widget: 96, self.bolt: 40})
        self.assertReportMatchesLines()
        rows = Report.search([("warehouse_id", "=", self.wh.id)])
        self.assertEqual(rows.counter_id, self.counter)
        self.assertEqual(rows.mapped("date"), [fields.Date.today()] * len(rows))
        self.assertEqual(sum(rows.mapped("line_count")), 2)
        self.assertEqual(sum(rows.mapped("difference_value")), -40.0)
        # A recount loop: the first count goes out of tolerance, its recount confirms it,
        # the manager approves; only the first count is a counted line in the report.
        count = self._session(self.widget_quant)
        self._count(count, {self.widget: 70})
        line = self._line(count, self.widget).sudo()
        recount = self._recount_of(line)
        self._count(recount.count_id, {self.widget: 70}, user=self.counter_2)
        self.assertReportMatchesLines()
        line = line.with_user(self.manager)
        line.reason_id = self.damage
        line.action_approve()
        self.assertReportMatchesLines()
        rows = Report.search([("warehouse_id", "=", self.wh.id)])
        self.assertEqual(sum(rows.mapped("line_count")), 3)
        self.assertNotIn(self.counter_2, rows.counter_id)
