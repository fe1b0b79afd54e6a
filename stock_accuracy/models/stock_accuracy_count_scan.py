"""The count scanner's server side: what a scanned code counts in a session."""

from odoo import models
from odoo.exceptions import UserError


# pylint: disable=consider-merging-classes-inherited
class StockAccuracyCount(models.Model):
    # One model, its parts in files of their own (what each file holds is in its docstring).
    _inherit = "stock.accuracy.count"

    # -- scanning -------------------------------------------------------------------------------
    def _scan_line_data(self, line, delta=False):
        """What the scanning screen shows of a line; ``delta``: only what counting it changed,
        for a line the screen already lists."""
        data = {
            "id": line.id,
            "counted_quantity": line.counted_quantity,
            "state": line.state,
        }
        if not delta:
            data.update(
                product=line.product_id.display_name,
                location=line.location_id.display_name,
                lot=line.lot_id.name or "",
                package=line.package_id.name or "",
                uom=line.product_uom_id.name,
                found=line.found,
            )
        if not self.blind:
            data["book_quantity"] = line.sudo().book_quantity
        return data

    def action_scan_state(self):
        """What the scanning screen shows: the session and its lines."""
        self.ensure_one()
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "blind": self.blind,
            "lines": [self._scan_line_data(line) for line in self._sorted_lines()],
        }

    def _scan_error(self, message):
        return {"status": "error", "message": message}

    def action_scan(self, barcode, location_id=False, package_id=False, quantity=None):
        """Server side of the scanning screen: what ``barcode`` is in this session.

        A location barcode selects the location; a product, lot or serial barcode counts one
        more unit of it at the selected location (a serial counts exactly one), adding a line
        when the item was not on the list; a package barcode selects the package. ``quantity``
        sets the counted quantity instead of adding one. Returns a dict with ``status``
        (``location``, ``package``, ``counted`` or ``error``) and ``message``; an error changes
        nothing. A counted line comes back as a delta (id, quantity, state) when it was on the
        list, in full when the scan added it."""
        self.ensure_one()
        self._accuracy_check_counter()
        if self.state != "in_progress":
            return self._scan_error(self.env._("This session is not in progress."))
        Barcode = self.env["stock.accuracy.barcode"]
        company = self.company_id
        try:
            barcode = Barcode._clean(barcode)
            lot, product, gs1_quantity = self._scan_find_item(barcode)
        except UserError as error:
            return self._scan_error(error.args[0])
        if quantity is None and gs1_quantity is not None:
            quantity = gs1_quantity
        if not product:
            location = Barcode._find_location(barcode, company, self.warehouse_id)
            if location:
                return {
                    "status": "location",
                    "location": {"id": location.id, "name": location.display_name},
                    "message": self.env._("Location %(name)s", name=location.display_name),
                }
            package = Barcode._find_package(barcode, company)
            if package:
                return {
                    "status": "package",
                    "package": {"id": package.id, "name": package.name},
                    "location": package.location_id
                    and {
                        "id": package.location_id.id,
                        "name": package.location_id.display_name,
                    },
                    "message": self.env._("Package %(name)s", name=package.name),
                }
            return self._scan_error(
                self.env._("Barcode %(barcode)s matches nothing.", barcode=barcode)
            )
        if not location_id:
            return self._scan_error(self.env._("Scan a location first."))
        if product.tracking != "none" and not lot:
            return self._scan_error(
                self.env._(
                    "%(product)s is tracked: scan its lot or serial number.",
                    product=product.display_name,
                )
            )
        line = self.env["stock.accuracy.count.line"].search(
            [
                ("count_id", "=", self.id),
                ("location_id", "=", location_id),
                ("product_id", "=", product.id),
                ("lot_id", "=", lot.id),
                ("package_id", "=", package_id or False),
                ("state", "!=", "cancel"),
            ],
            limit=1,
        )
        listed = bool(line)
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                line = self._count_scanned(line, product, lot, location_id, package_id, quantity)
        except UserError as error:
            self.env.invalidate_all(flush=False)
            return self._scan_error(error.args[0])
        return {
            "status": "counted",
            "line": self._scan_line_data(line, delta=listed),
            "message": self.env._(
                "%(product)s: %(qty)s", product=product.display_name, qty=line.counted_quantity
            ),
        }

    def _scan_find_item(self, barcode):
        """(lot, product, quantity) a barcode names: a GS1-128 barcode (its lot or product and
        quantity), a product barcode or reference, or a lot/serial; quantity is None unless the
        barcode says it."""
        Barcode = self.env["stock.accuracy.barcode"]
        parsed = Barcode._parse_gs1(barcode, self.company_id)
        if parsed:
            quantity = parsed.get("quantity")
            lot = parsed.get("lot") and Barcode._find_lot(str(parsed["lot"]), self.company_id)
            if lot:
                return lot, lot.product_id, quantity
            if parsed.get("product"):
                code = str(parsed["product"])
                product = Barcode._find_product(code, self.company_id) or (
                    Barcode._find_product(code.lstrip("0"), self.company_id)
                )
                if product:
                    return self.env["stock.lot"], product, quantity
        product = Barcode._find_product(barcode, self.company_id)
        if product:
            return self.env["stock.lot"], product, None
        lot = Barcode._find_lot(barcode, self.company_id)
        return lot, lot.product_id, None

    def _count_scanned(self, line, product, lot, location_id, package_id, quantity):
        if line and line.state == "counted" and product.tracking == "serial" and quantity is None:
            raise UserError(
                self.env._("Serial number %(serial)s was already counted.", serial=lot.name)
            )
        if not line:
            line = (
                self.env["stock.accuracy.count.line"]
                .sudo()
                ._accuracy_internal()
                .create(
                    {
                        "count_id": self.id,
                        "product_id": product.id,
                        "location_id": location_id,
                        "lot_id": lot.id,
                        "package_id": package_id or False,
                        "found": True,
                        "sequence": 10000,
                        "abc_class": self.env["stock.accuracy.count.line"]
                        ._class_by_product_warehouse([(product.id, self.warehouse_id.id)])
                        .get((product.id, self.warehouse_id.id), "c"),
                    }
                )
                .with_env(self.env)
            )
        if quantity is None:
            quantity = 1.0 if line.state == "todo" else line.counted_quantity + 1.0
        line.write({"counted_quantity": quantity})
        return line

    def action_set_line_quantity(self, line_id, quantity):
        """Type a counted quantity on the scanning screen."""
        self.ensure_one()
        self._accuracy_check_counter()
        line = self.line_ids.filtered(lambda ln: ln.id == line_id)
        if not line:
            return self._scan_error(self.env._("This line is not in the session."))
        try:
            with self.env.cr.savepoint():
                line.write({"counted_quantity": float(quantity)})
            line.flush_recordset()
        except UserError as error:
            return self._scan_error(error.args[0])
        return {"status": "counted", "line": self._scan_line_data(line, delta=True), "message": ""}

    def action_open_scanner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.client",
            "tag": "stock_accuracy_count_scanner",
            "name": self.name,
            "params": {"count_id": self.id},
        }
