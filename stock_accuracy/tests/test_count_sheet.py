import base64
import io

import openpyxl

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CountCommon


@tagged("post_install", "-at_install")
class TestCountSheet(CountCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.nut = cls._product("Hex Nut")
        cls.washer = cls._product("Washer")
        cls._put(cls.nut, cls.aisle_2a, 17)
        cls._put(cls.washer, cls.aisle_1a, 23)
        cls.count = cls.env["stock.accuracy.count"]._create_full_count(
            cls.wh, cls.stock, fields.Date.today(), cls.env["res.users"]
        )

    def _html(self):
        return str(
            self.env["ir.actions.report"]._render_qweb_html(
                "stock_accuracy.report_count_sheet", self.count.ids
            )[0]
        )

    def test_blind_sheet_hides_quantities(self):
        self.assertTrue(self.count.blind)
        html = self._html()
        self.assertIn("Hex Nut", html)
        self.assertNotIn("Book Quantity", html)
        self.assertNotIn("o_book_quantity", html)
        self.assertNotIn("17.00", html)

    def test_open_sheet_shows_quantities_in_location_order(self):
        self.count.blind = False
        html = self._html()
        self.assertIn("Book Quantity", html)
        self.assertIn("17.00", html)
        self.assertLess(html.index("Washer"), html.index("Hex Nut"), "Z1 is walked before Z2")


@tagged("post_install", "-at_install")
class TestCountSheetXlsx(CountCommon):
    """The Excel count sheet: walking order, blind hiding, header, download."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.nut = cls._product("Hex Nut")
        cls.nut.default_code = "NUT-1"
        cls.washer = cls._product("Washer")
        cls.bolt = cls._product("Bolt")
        cls.bolt.default_code = "BLT-1"
        cls._put(cls.nut, cls.aisle_2a, 17)
        cls._put(cls.washer, cls.aisle_1a, 23)
        cls._put(cls.bolt, cls.aisle_1a, 5)
        cls.count = cls.env["stock.accuracy.count"]._create_full_count(
            cls.wh, cls.stock, fields.Date.today(), cls.counter
        )

    def _download(self, user=None, lang=None):
        count = self.count.with_user(user or self.counter)
        if lang:
            count = count.with_context(lang=lang)
        action = count.action_export_count_sheet_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn("download=true", action["url"])
        export_id = int(action["url"].split("?")[0].rsplit("/", 1)[1])
        export = self.env["stock.accuracy.count.sheet.export"].browse(export_id)
        self.assertEqual(
            export.filename,
            f"{'盘点表' if lang == 'zh_CN' else 'Count Sheet'} - {self.count.name}.xlsx",
        )
        data = base64.b64decode(export.file)
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True).active

    def _table(self, sheet):
        """(header row, data rows) of the line table below the session header."""
        rows = list(sheet.iter_rows(values_only=True))
        start = next(i for i, row in enumerate(rows) if row[0] == "Location")
        return rows[start], rows[start + 1 :]

    def test_blind_sheet_hides_book_quantities(self):
        self.assertTrue(self.count.blind)
        header, rows = self._table(self._download())
        self.assertNotIn("Book Quantity", header)
        self.assertEqual(header[-1], "Counted Quantity")
        self.assertEqual(len(rows), 3)
        for row in rows:
            self.assertNotIn(17, row)
            self.assertNotIn(23, row)
            self.assertIsNone(row[-1], "the counted quantity is left to fill in")

    def test_open_sheet_in_walking_order_with_book_quantities(self):
        self.count.blind = False
        header, rows = self._table(self._download())
        self.assertEqual(
            list(header),
            [
                "Location",
                "Reference",
                "Product",
                "Lot/Serial Number",
                "Package",
                "Unit",
                "Book Quantity",
                "Counted Quantity",
            ],
        )
        self.assertEqual(
            [(row[0], row[1], row[2], row[6]) for row in rows],
            [
                (self.aisle_1a.complete_name, "", "Washer", 23),
                (self.aisle_1a.complete_name, "BLT-1", "Bolt", 5),
                (self.aisle_2a.complete_name, "NUT-1", "Hex Nut", 17),
            ],
            "Z1 is walked before Z2; within a location, by product reference",
        )
        self.assertEqual(rows[0][5], self.washer.uom_id.name)
        self.assertTrue(all(row[7] is None for row in rows))

    def test_header_names_session_warehouse_date_and_counters(self):
        sheet = self._download()
        header = {row[0]: row[1] for row in sheet.iter_rows(max_row=7, values_only=True)}
        self.assertEqual(header["Count Sheet"], self.count.name)
        self.assertEqual(header["Warehouse"], self.wh.name)
        self.assertEqual(header["Scheduled Date"], fields.Date.to_string(fields.Date.today()))
        self.assertEqual(header["Counters"], self.counter.name)
        self.assertEqual(header["Type"], "Full (Static)")
        self.assertIn("Blind Count", header)

    def test_cancelled_lines_are_left_out_and_cancelled_session_refused(self):
        self.count.line_ids.filtered(lambda ln: ln.product_id == self.bolt).write(
            {"state": "cancel"}
        )
        _header, rows = self._table(self._download(user=self.manager))
        self.assertEqual([row[2] for row in rows], ["Washer", "Hex Nut"])
        self.count.action_cancel()
        with self.assertRaises(UserError):
            self.count.action_export_count_sheet_xlsx()

    def test_print_falls_back_to_excel_without_pdf_renderer(self):
        action = self.count.action_print_count_sheet()
        state = self.env["ir.actions.report"].get_wkhtmltopdf_state()
        if state in ("install", "broken"):
            self.assertEqual(action["type"], "ir.actions.act_url")
        else:
            self.assertEqual(action["type"], "ir.actions.report")

    def test_labels_in_the_user_language(self):
        """The shipped zh_CN translation labels the sheet for a Chinese-speaking counter."""
        self.env["res.lang"]._activate_lang("zh_CN")
        sheet = self._download(lang="zh_CN")
        rows = list(sheet.iter_rows(values_only=True))
        header = next(row for row in rows if row[0] == "库位")
        self.assertEqual(header[-1], "盘点数量")
