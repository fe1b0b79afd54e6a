from odoo import api, models
from odoo.exceptions import UserError

# What scanners put before a GS1-128 barcode (as barcodes_gs1_nomenclature strips them).
GS1_SYMBOLOGY_PREFIXES = ("]C1", "]e0", "]d2", "]Q3", "]J1", "\x1d")


class StockAccuracyBarcode(models.AbstractModel):
    """What a scanned code names, for both scanning screens (the count scanner and the
    double-check screen): one place that knows how a product, a lot or serial, a package and a
    location are found from a barcode, within which company, and GS1-128."""

    _name = "stock.accuracy.barcode"
    _description = "Inventory Accuracy Barcode Resolver"

    @api.model
    def _clean(self, barcode):
        """The scanned code without surrounding blanks; an empty scan is refused."""
        barcode = (barcode or "").strip()
        if not barcode:
            raise UserError(self.env._("Empty barcode."))
        return barcode

    @api.model
    def _parse_gs1(self, barcode, company):
        """{"product", "lot", "quantity", ...} of a GS1-128 barcode when ``company`` uses the GS1
        nomenclature, else None.

        A GS1-128 barcode starts with the digits of an application identifier (after an
        optional symbology identifier): other barcodes are not worth reading the nomenclature.
        """
        code = barcode
        for prefix in GS1_SYMBOLOGY_PREFIXES:
            if code.startswith(prefix):
                code = code[len(prefix) :]
                break
        if not code[:2].isdigit():
            return None
        nomenclature = company.nomenclature_id
        if "is_gs1_nomenclature" not in nomenclature._fields or not (
            nomenclature.is_gs1_nomenclature
        ):
            return None
        pieces = nomenclature.gs1_decompose_extanded(barcode)
        if not pieces:
            return None
        return {piece["type"]: piece.get("value") for piece in pieces}

    @api.model
    def _find_product(self, code, company):
        """The product whose barcode, else internal reference, is ``code``; a product of
        another company is refused with a clear error rather than not found."""
        # Searched beyond the user's companies, to tell another company's product apart.
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        product = Product.search([("barcode", "=", code)], limit=1) or Product.search(
            [("default_code", "=", code)], limit=1
        )
        if product.company_id and product.company_id != company:
            raise UserError(
                self.env._(
                    "%(product)s belongs to another company (%(company)s).",
                    product=product.display_name,
                    company=product.company_id.name,
                )
            )
        return product.sudo(False)

    @api.model
    def _find_lot(self, code, company):
        """The lot or serial number ``code`` of ``company`` (or shared); one of another company
        is refused with a clear error."""
        Lot = self.env["stock.lot"]
        lot = Lot.search([("name", "=", code), ("company_id", "in", [False, company.id])], limit=1)
        if not lot and Lot.sudo().search_count([("name", "=", code)], limit=1):
            raise UserError(self.env._("Lot %(lot)s belongs to another company.", lot=code))
        return lot

    @api.model
    def _find_package(self, code, company):
        return self.env["stock.quant.package"].search(
            [("name", "=", code), ("company_id", "in", [False, company.id])], limit=1
        )

    @api.model
    def _find_location(self, code, company, warehouse=None):
        """The location whose barcode is ``code``, of ``company`` (or shared) and, when given,
        of ``warehouse``."""
        domain = [("barcode", "=", code), ("company_id", "in", [False, company.id])]
        if warehouse:
            domain.append(("warehouse_id", "=", warehouse.id))
        return self.env["stock.location"].search(domain, limit=1)
