from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CountingCommon


@tagged("post_install", "-at_install")
class TestBarcodeResolver(CountingCommon):
    """The one resolver both scanning screens use: what a code names, within which company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Barcode = cls.env["stock.accuracy.barcode"]
        cls.company = cls.env.company
        cls.other = cls.env["res.company"].create({"name": "Resolver Other Co"})
        cls.widget.default_code = "WID-REF"
        cls.foreign = cls.env["product.product"].create(
            {
                "name": "Foreign Gizmo",
                "is_storable": True,
                "company_id": cls.other.id,
                "barcode": "FOREIGN-001",
            }
        )
        cls.foreign_lot = cls.env["stock.lot"].create(
            {"name": "FOREIGN-LOT", "product_id": cls.foreign.id, "company_id": cls.other.id}
        )
        cls.package = cls.env["stock.quant.package"].create({"name": "PACK-RESOLVE"})

    def test_products_by_barcode_then_reference(self):
        self.assertEqual(self.Barcode._find_product("WIDGET-001", self.company), self.widget)
        self.assertEqual(self.Barcode._find_product("WID-REF", self.company), self.widget)
        self.assertFalse(self.Barcode._find_product("NOTHING-HERE", self.company))

    def test_other_companys_codes_are_refused_by_name(self):
        with self.assertRaisesRegex(UserError, "Resolver Other Co"):
            self.Barcode._find_product("FOREIGN-001", self.company)
        with self.assertRaisesRegex(UserError, "FOREIGN-LOT"):
            self.Barcode._find_lot("FOREIGN-LOT", self.company)
        self.assertEqual(self.Barcode._find_lot("FOREIGN-LOT", self.other), self.foreign_lot)

    def test_lots_packages_and_locations(self):
        self.assertEqual(self.Barcode._find_lot("SCOPE-SN-1", self.company), self.serial_1)
        self.assertEqual(self.Barcode._find_package("PACK-RESOLVE", self.company), self.package)
        self.assertEqual(self.Barcode._find_location("LOC-Z1A", self.company), self.aisle_1a)
        other_wh = self.env["stock.warehouse"].create(
            {"name": "Resolver WH", "code": "RSWH", "company_id": self.company.id}
        )
        self.assertFalse(self.Barcode._find_location("LOC-Z1A", self.company, other_wh))
        self.assertEqual(
            self.Barcode._find_location("LOC-Z1A", self.company, self.wh), self.aisle_1a
        )

    def test_empty_scan_refused_and_plain_codes_are_not_gs1(self):
        with self.assertRaisesRegex(UserError, "Empty barcode"):
            self.Barcode._clean("   ")
        self.assertEqual(self.Barcode._clean(" WIDGET-001\n"), "WIDGET-001")
        self.assertIsNone(self.Barcode._parse_gs1("WIDGET-001", self.company))

    def test_both_screens_refuse_another_companys_product_alike(self):
        """The count scanner answers what the double-check screen raises: the product belongs
        to another company, and nothing is counted."""
        count = self._session(self.widget_quant)
        lines_before = len(count.line_ids)
        result = count.action_scan("FOREIGN-001", location_id=self.aisle_1a.id)
        self.assertEqual(result["status"], "error")
        self.assertIn("Resolver Other Co", result["message"])
        self.assertEqual(len(count.line_ids), lines_before)
