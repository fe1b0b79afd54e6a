from odoo import fields
from odoo.tests import tagged

from .common_counts import CountCommon


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
