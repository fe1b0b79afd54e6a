import base64
import io

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .stock_accuracy_export_mixin import EXPORT_LIFETIME_HOURS


class StockAccuracyCountSheetExport(models.TransientModel):
    """The count sheet of a session as an Excel workbook, for tenants where the PDF cannot
    be rendered (no wkhtmltopdf) or counters who prefer a spreadsheet. The file is a binary
    field of this transient record, served by ``/stock_accuracy/count_sheet/<id>`` to the user
    who made it (and the managers of the count's company) for an hour, and vacuumed with it."""

    _name = "stock.accuracy.count.sheet.export"
    _inherit = ["stock.accuracy.export.mixin"]
    _description = "Count Sheet (Excel)"
    _transient_max_hours = EXPORT_LIFETIME_HOURS

    count_id = fields.Many2one("stock.accuracy.count", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="count_id.company_id", store=True)
    file = fields.Binary(attachment=True, readonly=True)
    filename = fields.Char(readonly=True)

    @api.model
    def _action_download(self, count):
        """Build the workbook of ``count`` and return the action that downloads it."""
        count.ensure_one()
        count.check_access("read")
        if count.state == "cancel":
            raise UserError(
                self.env._("%(name)s is cancelled: there is nothing to count.", name=count.name)
            )
        export = self.create(
            {
                "count_id": count.id,
                "file": base64.b64encode(self._render_xlsx(count)),
                "filename": self.env._("Count Sheet - %(name)s.xlsx", name=count.name),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/stock_accuracy/count_sheet/{export.id}?download=true",
            "target": "download",
        }

    # -- the workbook ----------------------------------------------------------------------------
    @api.model
    def _sheet_rows(self, count):
        """The session's open lines as tuples (location, reference, product, lot, package,
        unit, book quantity) in walking order: location, then product, then lot. Read in one
        query; product and unit names through the ORM (translated, with variant attributes)
        once per distinct product and unit."""
        lines = self.env["stock.accuracy.count.line"]
        lines.flush_model()
        self.env.cr.execute(
            SQL(
                """
            SELECT loc.complete_name, l.product_id, lot.name, pack.name, pt.uom_id,
                   l.book_quantity
              FROM stock_accuracy_count_line l
              JOIN stock_location loc ON loc.id = l.location_id
              JOIN product_product pp ON pp.id = l.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
         LEFT JOIN stock_lot lot ON lot.id = l.lot_id
         LEFT JOIN stock_quant_package pack ON pack.id = l.package_id
             WHERE l.count_id = %s AND l.state != 'cancel'
            """,
                count.id,
            ),
        )
        raw = self.env.cr.fetchall()
        products = (
            self.env["product.product"]
            .sudo()
            .with_context(display_default_code=False, active_test=False)
            .browse(sorted({row[1] for row in raw}))
        )
        names = {
            product.id: (product.default_code or "", product.display_name) for product in products
        }
        uoms = {
            uom.id: uom.name
            for uom in self.env["uom.uom"].sudo().browse(sorted({row[4] for row in raw}))
        }
        rows = [
            (
                location or "",
                *names[product_id],
                lot or "",
                package or "",
                uoms.get(uom_id, ""),
                book or 0.0,
            )
            for location, product_id, lot, package, uom_id, book in raw
        ]
        rows.sort(key=lambda row: row[:5])
        return rows

    @api.model
    def _render_xlsx(self, count):
        """The workbook of one session: a header (session, warehouse, date, counters, type)
        then one row per line; the book quantity column only when the session is not blind."""
        _ = self.env._
        blind = count.blind
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        bold = workbook.add_format({"bold": True})
        title = workbook.add_format({"bold": True, "font_size": 14})
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        number = workbook.add_format({"num_format": "#,##0.00"})
        to_fill = workbook.add_format({"border": 1, "bg_color": "#FFF2CC"})
        sheet = workbook.add_worksheet(_("Count Sheet"))
        types = dict(count._fields["count_type"]._description_selection(self.env))
        sheet.write(0, 0, _("Count Sheet"), title)
        sheet.write(0, 1, count.name, title)
        info = [
            (_("Warehouse"), count.warehouse_id.name),
            (_("Scheduled Date"), fields.Date.to_string(count.scheduled_date)),
            (_("Counters"), ", ".join(count.counter_ids.mapped("name"))),
            (_("Type"), types.get(count.count_type, count.count_type)),
        ]
        if blind:
            info.append((_("Blind Count"), _("Write the quantity you find.")))
        for row, (label, value) in enumerate(info, start=1):
            sheet.write(row, 0, label, bold)
            sheet.write_string(row, 1, value or "")
        columns = [
            (_("Location"), 30),
            (_("Reference"), 16),
            (_("Product"), 40),
            (_("Lot/Serial Number"), 20),
            (_("Package"), 16),
            (_("Unit"), 10),
        ]
        if not blind:
            columns.append((_("Book Quantity"), 14))
        columns.append((_("Counted Quantity"), 16))
        first = len(info) + 2
        for col, (label, width) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write(first, col, label, header)
        sheet.freeze_panes(first + 1, 0)
        counted_col = len(columns) - 1
        rows = self._sheet_rows(count)
        for index, row in enumerate(rows, start=first + 1):
            for col, value in enumerate(row[:6]):
                sheet.write_string(index, col, value)
            if not blind:
                sheet.write_number(index, 6, row[6], number)
            sheet.write_blank(index, counted_col, None, to_fill)
        if rows:
            sheet.autofilter(first, 0, first + len(rows), counted_col)
        workbook.close()
        return output.getvalue()
