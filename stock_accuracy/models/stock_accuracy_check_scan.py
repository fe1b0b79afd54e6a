"""The double-check screen's server side: what a scanned code confirms in a check."""

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL


# pylint: disable=consider-merging-classes-inherited
class StockAccuracyCheck(models.Model):
    # One model, its parts in files of their own (what each file holds is in its docstring).
    _inherit = "stock.accuracy.check"

    def action_open_scan_screen(self):
        self.ensure_one()
        return self.picking_id.action_accuracy_open_scan_screen()

    def action_scan(self, barcode):
        """Handle one scan; return what the scanning screen must change.

        :return: dict with ``status`` (``match``, ``mismatch``, ``unknown``, ``warning`` or
            ``error``), a ``message`` and either ``delta`` (the lines the scan touched and the
            header counters, see :meth:`_get_scan_screen_delta`) or, when the scan moved the
            check to another state (its first scan starts it), the screen's full ``data``.
        """
        self.ensure_one()
        state = self.state
        try:
            result = self._scan(barcode)
        except UserError as error:
            result = {"status": "error", "message": error.args[0]}
        result.update(self._get_scan_screen_update(state, result.get("line_id")))
        return result

    def _scan(self, barcode):
        self.ensure_one()
        barcode = self.env["stock.accuracy.barcode"]._clean(barcode)
        self._lock()
        self._check_can_check()
        if self.state == "draft":
            self.action_start()
        parsed = self._parse_gs1(barcode)
        if parsed:
            return self._scan_gs1(parsed)
        return (
            self._scan_own_line(barcode)
            or self._scan_lot(barcode)
            or self._scan_product(barcode)
            or self._scan_package(barcode)
            or self._scan_location(barcode)
            or self._scan_other(barcode)
        )

    def _find_lines_by_code(self, code):
        """The lines of this check whose lot/serial, product barcode or product reference is
        ``code``: one indexed query, so that a scan never reads the whole check."""
        self.ensure_one()
        self.env["stock.accuracy.check.line"].flush_model(["check_id", "lot_name", "product_id"])
        self.env["product.product"].flush_model(["barcode", "default_code"])
        self.env.cr.execute(
            SQL(
                """
                SELECT line.id
                  FROM stock_accuracy_check_line line
                  JOIN product_product product ON product.id = line.product_id
                 WHERE line.check_id = %(check)s
                   AND (line.lot_name = %(code)s
                        OR product.barcode = %(code)s
                        OR product.default_code = %(code)s)
                 ORDER BY line.id
                """,
                check=self.id,
                code=code,
            )
        )
        return self.env["stock.accuracy.check.line"].browse(
            [row[0] for row in self.env.cr.fetchall()]
        )

    def _scan_own_line(self, code):
        """The common case, answered from this check's own lines: a lot/serial of the transfer,
        or the barcode or reference of one of its products."""
        lines = self._find_lines_by_code(code)
        line = lines.filtered(lambda line: line.lot_name == code and not line.is_unexpected)[:1]
        if line:
            line._add_quantity(1.0)
            return self._match_result(line)
        products = lines.product_id
        product = (
            products.filtered(lambda p: p.barcode == code)[:1]
            or products.filtered(lambda p: p.default_code == code)[:1]
        )
        if not product:
            return None
        return self._scan_product(code, product=product, lines=lines)

    def _parse_gs1(self, barcode):
        return self.env["stock.accuracy.barcode"]._parse_gs1(barcode, self.company_id)

    def _scan_gs1(self, parsed):
        if parsed.get("lot"):
            result = self._scan_lot(str(parsed["lot"]), quantity=parsed.get("quantity"))
            if result:
                return result
        if parsed.get("product"):
            code = str(parsed["product"])
            result = self._scan_product(code, quantity=parsed.get("quantity")) or (
                self._scan_product(code.lstrip("0"), quantity=parsed.get("quantity"))
            )
            if result:
                return result
        return self._scan_other(str(parsed))

    def _find_product(self, code):
        return self.env["stock.accuracy.barcode"]._find_product(code, self.company_id)

    def _scan_product(self, code, quantity=None, product=None, lines=None):
        """Count one unit (or ``quantity``) of the product ``code`` names; ``lines``, when
        given, hold at least all the lines of ``product``."""
        product = product or self._find_product(code)
        if not product:
            return None
        if lines is None:
            lines = self.env["stock.accuracy.check.line"].search(
                [("check_id", "=", self.id), ("product_id", "=", product.id)]
            )
        lines = lines.filtered(lambda line: line.product_id == product)
        expected = lines.filtered(lambda line: not line.is_unexpected)
        if not expected:
            line = self._add_unexpected_line(product)
            line._add_quantity(quantity or 1.0)
            return {
                "status": "mismatch",
                "message": self.env._(
                    "%(product)s is not part of this transfer.", product=product.display_name
                ),
                "line_id": line.id,
            }
        if product.tracking != "none" and (
            self.picking_type_id.accuracy_check_scan_lot or len(expected) > 1
        ):
            return {
                "status": "warning",
                "message": self.env._(
                    "%(product)s is tracked: scan its lot or serial number.",
                    product=product.display_name,
                ),
            }
        line = expected.filtered(lambda line: line.checked_qty < line.sudo().expected_qty)[:1]
        line = line or expected[:1]
        line._add_quantity(quantity or 1.0)
        return self._match_result(line)

    def _scan_lot(self, code, quantity=None):
        line = self.line_ids.filtered(lambda line: line.lot_name == code)[:1]
        if line and not line.is_unexpected:
            line._add_quantity(quantity or 1.0)
            return self._match_result(line)
        lot = self.env["stock.accuracy.barcode"]._find_lot(code, self.company_id)
        if not lot:
            if self._find_product(code) or self._find_package(code):
                return None
            if self._looks_like_lot(code):
                raise UserError(
                    self.env._("Lot or serial number %(lot)s does not exist.", lot=code)
                )
            return None
        line = line or self._add_unexpected_line(lot.product_id, lot=lot)
        line._add_quantity(quantity or 1.0)
        return {
            "status": "mismatch",
            "message": self.env._(
                "Lot %(lot)s of %(product)s is not part of this transfer.",
                lot=lot.name,
                product=lot.product_id.display_name,
            ),
            "line_id": line.id,
        }

    def _looks_like_lot(self, code):
        """A code starting like the barcode or code of a tracked product of this transfer."""
        tracked = self.line_ids.product_id.filtered(lambda p: p.tracking != "none")
        prefixes = [prefix for p in tracked for prefix in (p.barcode, p.default_code) if prefix]
        return any(code.startswith(prefix) for prefix in prefixes)

    def _find_package(self, code):
        return self.env["stock.accuracy.barcode"]._find_package(code, self.company_id)

    def _scan_package(self, code):
        package = self._find_package(code)
        if not package:
            return None
        lines = self.line_ids.filtered(lambda line: line.package_id == package)
        if not lines:
            return {
                "status": "mismatch",
                "message": self.env._(
                    "Package %(package)s is not part of this transfer.", package=package.name
                ),
            }
        lines.sudo()._accuracy_internal().package_scanned = True
        return {
            "status": "match",
            "message": self.env._(
                "Package %(package)s confirmed: now scan its contents.", package=package.name
            ),
        }

    def _scan_location(self, code):
        location = self.env["stock.accuracy.barcode"]._find_location(code, self.company_id)
        if not location:
            return None
        if location._child_of(self.picking_id.location_dest_id):
            self.sudo()._accuracy_internal().location_scanned = True
            return {
                "status": "match",
                "message": self.env._(
                    "Destination %(location)s confirmed.", location=location.display_name
                ),
            }
        return {
            "status": "mismatch",
            "message": self.env._(
                "%(location)s is not the destination of this transfer (%(destination)s).",
                location=location.display_name,
                destination=self.picking_id.location_dest_id.display_name,
            ),
        }

    def _scan_other(self, code):
        picking = self.env["stock.picking"].search([("name", "=", code)], limit=1)
        if picking and picking != self.picking_id:
            raise UserError(
                self.env._(
                    "%(picking)s is another transfer: finish %(current)s first.",
                    picking=picking.name,
                    current=self.picking_id.name,
                )
            )
        return {
            "status": "unknown",
            "message": self.env._("Unknown barcode: %(barcode)s", barcode=code),
        }

    def _add_unexpected_line(self, product, lot=None):
        line = self.line_ids.filtered(
            lambda line: (
                line.product_id == product
                and line.is_unexpected
                and line.lot_name == (lot.name if lot else False)
            )
        )[:1]
        if line:
            return line
        return (
            self.env["stock.accuracy.check.line"]
            .sudo()
            ._accuracy_internal()
            .create(
                {
                    "check_id": self.id,
                    "product_id": product.id,
                    "lot_id": lot.id if lot else False,
                    "lot_name": lot.name if lot else False,
                    "is_unexpected": True,
                }
            )
            .with_env(self.env)
        )

    def _match_result(self, line):
        return {
            "status": "match",
            "message": line.product_id.display_name
            + (f" · {line.lot_name}" if line.lot_name else ""),
            "line_id": line.id,
        }

    def action_set_quantity(self, line_id, quantity):
        """Type the quantity seen for one line (when the operation type allows typing)."""
        self.ensure_one()
        self._lock()
        self._check_can_check()
        if not self.allow_typing:
            raise UserError(
                self.env._(
                    "Quantities must be scanned for %(type)s.", type=self.picking_type_id.name
                )
            )
        state = self.state
        if self.state == "draft":
            self.action_start()
        line = self.env["stock.accuracy.check.line"]
        if isinstance(line_id, int):
            line = line.browse(line_id).exists()
        if not line or line.check_id != self:
            raise UserError(self.env._("This line is not part of %(check)s.", check=self.name))
        line._set_checked_quantity(quantity)
        return self._get_scan_screen_update(state, line.id)
