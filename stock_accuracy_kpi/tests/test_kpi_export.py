import io
import zipfile
from unittest.mock import patch

import openpyxl

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.translate import code_translations

from .common import KpiCommon


@tagged("post_install", "-at_install")
class TestKpiExport(KpiCommon):
    def _export(self, lang=None, **values):
        Wizard = self.env["stock.accuracy.kpi.export.wizard"].with_user(self.manager)
        if lang:
            Wizard = Wizard.with_context(lang=lang)
        wizard = Wizard.create(
            dict(
                {
                    "date_from": self.MONTH,
                    "date_to": self.MONTH_END,
                    "warehouse_ids": [(6, 0, self.wh.ids)],
                },
                **values,
            )
        )
        with wizard._export_file() as handle:
            data = handle.read()
        return data, openpyxl.load_workbook(io.BytesIO(data), data_only=True)

    def test_workbook_sheets_headers_totals_and_chart(self):
        data, workbook = self._export()
        self.assertEqual(
            workbook.sheetnames, ["Summary", "Count Lines", "Check Lines", "Exceptions", "Pareto"]
        )
        lines = workbook["Count Lines"]
        header = [cell.value for cell in lines[1]]
        self.assertEqual(header[:4], ["Counted On", "Warehouse", "Count Session", "Product"])
        self.assertEqual(lines.freeze_panes, "A2")
        self.assertTrue(lines.auto_filter.ref)
        rows = list(lines.iter_rows(min_row=2, values_only=True))
        self.assertEqual(len(rows), 5, "4 lines and the total")
        total = rows[-1]
        self.assertEqual(total[0], "Total")
        self.assertEqual(total[8], 3, "lines within tolerance")
        self.assertEqual(total[10], 240, "book value")
        self.assertEqual(total[11], -5, "net variance value")
        checks = workbook["Check Lines"]
        header = [cell.value for cell in checks[1]]
        self.assertEqual(
            header,
            [
                "Checked On",
                "Warehouse",
                "Operation Type",
                "Transfer",
                "Picker",
                "Checker",
                "Product",
                "Result",
                "Expected Quantity",
                "Checked Quantity",
                "Difference",
                "Mismatch",
            ],
        )
        self.assertEqual(checks.freeze_panes, "A2")
        self.assertTrue(checks.auto_filter.ref)
        rows = list(checks.iter_rows(min_row=2, values_only=True))
        self.assertEqual(len(rows), 5, "4 checked lines of March and the total")
        self.assertEqual(sorted(row[7] for row in rows[:-1]), ["Match", "Match", "Match", "Short"])
        self.assertEqual(rows[0][5], "Chen Checker")
        self.assertEqual(rows[-1][0], "Total")
        self.assertEqual(rows[-1][8:12], (12, 10, -2, 1))
        summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
        self.assertAlmostEqual(summary["Double-Check Error Rate"], 0.25)
        self.assertAlmostEqual(summary["IRA by Count"], 0.75)
        self.assertAlmostEqual(summary["IRA by Value"], 0.9375)
        self.assertEqual(summary["Dead-Stock Ratio"], "no data")
        pareto = list(workbook["Pareto"].iter_rows(min_row=2, values_only=True))
        self.assertEqual(pareto[0][1:4], ("KPI theft", 1, 10))
        self.assertAlmostEqual(pareto[1][5], 1.0)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.assertTrue([n for n in archive.namelist() if n.startswith("xl/charts/chart")])

    def test_empty_period_exports_no_data(self):
        _data, workbook = self._export(date_from="2024-01-01", date_to="2024-01-31")
        summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
        self.assertEqual(summary["IRA by Count"], "no data")
        self.assertEqual(workbook["Count Lines"].max_row, 2, "header and a zero total")
        self.assertEqual(workbook["Check Lines"].max_row, 2, "header and a zero total")
        self.assertEqual(summary["Double-Check Error Rate"], "no data")

    def test_labels_come_through_odoo_translations_in_the_user_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        translations = dict(code_translations.get_python_translations("stock_accuracy", "zh_CN"))
        translations.update({"Summary": "汇总", "Product": "产品"})
        with patch.dict(
            code_translations.python_translations, {("stock_accuracy", "zh_CN"): translations}
        ):
            _data, workbook = self._export(lang="zh_CN")
        self.assertEqual(workbook.sheetnames[0], "汇总")
        self.assertEqual(workbook.worksheets[1].cell(1, 4).value, "产品")


@tagged("post_install", "-at_install")
class TestKpiExportDownload(HttpCase):
    """The wizard's button downloads the workbook over HTTP from the export route."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "sa_export_manager",
            groups="stock_accuracy.group_accuracy_manager",
            name="Export Manager",
        )

    def _wizard(self):
        return (
            self.env["stock.accuracy.kpi.export.wizard"]
            .with_user(self.manager)
            .create({"date_from": "2024-01-01", "date_to": "2024-01-31"})
        )

    def test_manager_downloads_the_workbook(self):
        action = self._wizard().action_export()
        self.assertEqual((action["type"], action["target"]), ("ir.actions.act_url", "download"))
        self.authenticate("sa_export_manager", "sa_export_manager")
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.headers["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        self.assertIn(
            "accuracy-kpis-2024-01-01-2024-01-31.xlsx", response.headers["Content-Disposition"]
        )
        self.assertEqual(int(response.headers["Content-Length"]), len(response.content))
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), data_only=True)
        self.assertEqual(
            workbook.sheetnames, ["Summary", "Count Lines", "Check Lines", "Exceptions", "Pareto"]
        )
        summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True)}
        self.assertEqual(summary["IRA by Count"], "no data")

    def test_nobody_else_downloads_a_users_export(self):
        url = self._wizard().action_export()["url"]
        other_company = self.env["res.company"].create({"name": "Export Other Co"})
        new_test_user(
            self.env,
            "sa_export_other",
            groups="stock_accuracy.group_accuracy_manager",
            name="Other Manager",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )
        self.authenticate("sa_export_other", "sa_export_other")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 404)
        self.assertNotEqual(response.content[:2], b"PK")
        self.assertEqual(self.url_open("/stock_accuracy/kpi_export/999999999").status_code, 404)
        self.authenticate(None, None)
        response = self.url_open(url, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303), "anonymous: to the login page")
