import tempfile
from datetime import datetime, time, timedelta
from decimal import Decimal

import xlsxwriter
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.stock_accuracy.models.stock_accuracy_export_mixin import EXPORT_LIFETIME_HOURS

from ..models.stock_accuracy_kpi_snapshot import KPI_FORMATS, KPIS

BATCH = 2000


class StockAccuracyKpiExportWizard(models.TransientModel):
    """Export the KPIs of a period and warehouses to one Excel workbook: a summary sheet with
    a native chart, then one sheet per detail (count lines, check lines, exceptions, Pareto).
    The detail rows are read through a server-side cursor in batches and written with
    xlsxwriter's constant_memory mode, so memory does not grow with the number of lines.
    The export is downloaded by the user who made it (or a manager of its company) for an
    hour."""

    _name = "stock.accuracy.kpi.export.wizard"
    _inherit = ["stock.accuracy.export.mixin"]
    _description = "Export Accuracy KPIs to Excel"
    _transient_max_hours = EXPORT_LIFETIME_HOURS

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: (
            fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)
        ),
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1) - timedelta(days=1),
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Warehouses",
        help="Leave empty to export every warehouse of the selected companies.",
    )

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The period ends before it starts."))

    def _warehouses(self):
        return self.warehouse_ids or self.env["stock.warehouse"].search(
            [("company_id", "in", self.env.companies.ids)]
        )

    def action_export(self):
        """Download the workbook: the browser fetches it from the export route, which writes
        it to a temporary file and streams it from there."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/stock_accuracy/kpi_export/{self.id}",
            "target": "download",
        }

    def _export_name(self):
        self.ensure_one()
        return self.env._(
            "accuracy-kpis-%(date_from)s-%(date_to)s.xlsx",
            date_from=self.date_from,
            date_to=self.date_to,
        )

    def _export_file(self):
        """The workbook in an anonymous temporary file, open for reading from its start: it is
        written row by row and served as it is read, never held in memory whole. The caller
        closes it."""
        self.ensure_one()
        handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - returned open
        try:
            self._write_workbook(handle)
            handle.seek(0)
        except BaseException:
            handle.close()
            raise
        return handle

    # -- the workbook ----------------------------------------------------------------------------
    def _write_workbook(self, target):
        """Write the workbook to ``target`` (a path or a binary file)."""
        workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "remove_timezone": True})
        formats = {
            "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "percent": workbook.add_format({"num_format": "0.00%"}),
            "money": workbook.add_format({"num_format": "#,##0.00"}),
            "number": workbook.add_format({"num_format": "#,##0.00"}),
            "int": workbook.add_format({"num_format": "0"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "day": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "total": workbook.add_format({"bold": True, "num_format": "#,##0.00", "top": 1}),
            "text": None,
        }
        try:
            self._write_summary(workbook, formats)
            self._write_count_lines(workbook, formats)
            self._write_check_lines(workbook, formats)
            self._write_exceptions(workbook, formats)
            self._write_pareto(workbook, formats)
        finally:
            workbook.close()

    def _bounds(self):
        return (
            datetime.combine(self.date_from, time.min),
            datetime.combine(self.date_to + timedelta(days=1), time.min),
        )

    def _write_summary(self, workbook, formats):
        _ = self.env._
        Snapshot = self.env["stock.accuracy.kpi.snapshot"]
        warehouses = self._warehouses()
        rows = Snapshot._compute_kpis(self.env.companies, self.date_from, self.date_to, warehouses)
        total = Snapshot._totals(rows)
        labels = dict(Snapshot._fields["kpi"]._description_selection(self.env))
        sheet = workbook.add_worksheet(_("Summary"))
        sheet.set_column(0, 0, 36)
        sheet.set_column(1, 1 + len(warehouses), 16)
        sheet.write(0, 0, _("Inventory Accuracy KPIs"), formats["title"])
        sheet.write(1, 0, _("Period"))
        sheet.write(1, 1, f"{self.date_from} – {self.date_to}")
        header = 3
        sheet.write(header, 0, _("KPI"), formats["header"])
        sheet.write(header, 1, _("All Warehouses"), formats["header"])
        for col, warehouse in enumerate(warehouses, start=2):
            sheet.write(header, col, warehouse.name, formats["header"])
        by_warehouse = {
            warehouse.id: Snapshot._totals([r for r in rows if r["warehouse_id"] == warehouse.id])
            for warehouse in warehouses
        }
        no_data = _("no data")
        for row, code in enumerate(KPIS, start=header + 1):
            fmt = formats[KPI_FORMATS.get(code, "number").replace("currency", "money")]
            sheet.write(row, 0, labels[code])
            for col, value in enumerate(
                [total[code]] + [by_warehouse[w.id][code] for w in warehouses], start=1
            ):
                if value is None:
                    sheet.write(row, col, no_data)
                else:
                    sheet.write_number(row, col, value, fmt)
        # A native chart of the percentage KPIs for all warehouses.
        percent_rows = [
            header + 1 + index
            for index, code in enumerate(KPIS)
            if KPI_FORMATS.get(code) == "percent"
        ]
        chart = workbook.add_chart({"type": "column"})
        first, last = percent_rows[0], percent_rows[-1]
        chart.add_series(
            {
                "name": _("All Warehouses"),
                "categories": [sheet.name, first, 0, last, 0],
                "values": [sheet.name, first, 1, last, 1],
            }
        )
        chart.set_title({"name": _("Accuracy KPIs")})
        chart.set_y_axis({"num_format": "0%"})
        chart.set_legend({"none": True})
        sheet.insert_chart(header + len(KPIS) + 3, 0, chart)

    def _detail_params(self):
        """The parameters every detail query takes: language, companies, warehouses, period."""
        start, end = self._bounds()
        return {
            "lang": self.env.lang or "en_US",
            "companies": tuple(self.env.companies.ids),
            "warehouses": tuple(self._warehouses().ids) or (0,),
            "start": start,
            "end": end,
        }

    def _stream(self, query, batch=BATCH):
        """Rows of ``query`` (an SQL) run once through a server-side cursor and fetched
        ``batch`` rows at a time, so that memory does not grow with the number of rows."""
        cursor = SQL.identifier(f"stock_accuracy_kpi_export_{self.id}")
        self.env.cr.execute(SQL("DECLARE %s NO SCROLL CURSOR FOR %s", cursor, query))
        try:
            while True:
                rows = None  # let the last batch go before the next one arrives
                self.env.cr.execute(SQL("FETCH FORWARD %s FROM %s", batch, cursor))
                rows = self.env.cr.fetchall()
                if not rows:
                    return
                yield from rows
        finally:
            self.env.cr.execute(SQL("CLOSE %s", cursor))

    def _write_detail_sheet(self, workbook, formats, title, columns, rows, totals=()):
        """One detail sheet: the header of ``columns`` ([(label, format key or None, width)]),
        frozen, the ``rows`` (an iterator of tuples whose first value, a key, is dropped)
        written as they come, an autofilter over them, and a total row of the ``totals``
        columns as SUBTOTAL formulas carrying their computed values. Returns the row count."""
        sheet = workbook.add_worksheet(title)
        for col, (label, _fmt, width) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write(0, col, label, formats["header"])
        sheet.freeze_panes(1, 0)
        cell_formats = [formats[fmt] if fmt else None for _label, fmt, _width in columns]
        sums = dict.fromkeys(totals, 0.0)
        write_number, write_string = sheet.write_number, sheet.write_string
        write_datetime = sheet.write_datetime
        last = 0
        for last, row in enumerate(rows, start=1):
            for col, value in enumerate(row[1:]):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    write_datetime(last, col, value, cell_formats[col])
                elif isinstance(value, int | float | Decimal):
                    value = float(value)
                    write_number(last, col, value, cell_formats[col])
                    if col in sums:
                        sums[col] += value
                else:
                    write_string(last, col, str(value), cell_formats[col])
        if last:
            sheet.autofilter(0, 0, last, len(columns) - 1)
        if totals:
            sheet.write(last + 1, 0, self.env._("Total"), formats["header"])
            for col in totals:
                letter = xlsxwriter.utility.xl_col_to_name(col)
                sheet.write_formula(
                    last + 1,
                    col,
                    f"=SUBTOTAL(9,{letter}2:{letter}{max(last, 1) + 1})",
                    formats["total"],
                    sums[col],
                )
        return last

    def _detail_rows(self, query, **params):
        """The rows of ``query`` (SQL text taking the detail parameters), streamed."""
        return self._stream(SQL(query, **dict(self._detail_params(), **params)))

    def _write_count_lines(self, workbook, formats):
        _ = self.env._
        columns = [
            (_("Counted On"), "date", 18),
            (_("Warehouse"), None, 16),
            (_("Count Session"), None, 18),
            (_("Product"), None, 36),
            (_("Location"), None, 24),
            (_("Class"), None, 8),
            (_("Counted By"), None, 20),
            (_("Reason"), None, 24),
            (_("Within Tolerance"), "int", 10),
            (_("Difference Quantity"), "number", 14),
            (_("Book Value"), "money", 14),
            (_("Difference Value"), "money", 14),
        ]
        self.env["stock.accuracy.count.line"].flush_model()
        rows = self._detail_rows(
            """
            SELECT r.id, COALESCE(r.counted_date, r.done_date), w.name, c.name,
                   COALESCE(pt.name ->> %(lang)s, pt.name ->> 'en_US'),
                   l.complete_name, UPPER(r.abc_class), partner.name,
                   COALESCE(reason.name ->> %(lang)s, reason.name ->> 'en_US'),
                   CASE WHEN r.within_tolerance THEN 1 ELSE 0 END, r.difference_quantity,
                   r.book_quantity * r.unit_cost, r.difference_value
              FROM stock_accuracy_count_line r
              JOIN stock_warehouse w ON w.id = r.warehouse_id
              JOIN stock_accuracy_count c ON c.id = r.count_id
              JOIN product_product p ON p.id = r.product_id
              JOIN product_template pt ON pt.id = p.product_tmpl_id
              JOIN stock_location l ON l.id = r.location_id
         LEFT JOIN res_users u ON u.id = r.counter_id
         LEFT JOIN res_partner partner ON partner.id = u.partner_id
         LEFT JOIN stock_accuracy_reason reason ON reason.id = r.reason_id
             WHERE r.state = 'done' AND r.origin_line_id IS NULL
               AND r.company_id IN %(companies)s AND r.warehouse_id IN %(warehouses)s
               AND COALESCE(r.counted_date, r.done_date) >= %(start)s
               AND COALESCE(r.counted_date, r.done_date) < %(end)s
             ORDER BY COALESCE(r.counted_date, r.done_date), r.id
            """
        )
        self._write_detail_sheet(
            workbook, formats, _("Count Lines"), columns, rows, totals=(8, 9, 10, 11)
        )

    def _write_check_lines(self, workbook, formats):
        _ = self.env._
        columns = [
            (_("Checked On"), "date", 18),
            (_("Warehouse"), None, 16),
            (_("Operation Type"), None, 22),
            (_("Transfer"), None, 18),
            (_("Picker"), None, 20),
            (_("Checker"), None, 20),
            (_("Product"), None, 36),
            (_("Result"), None, 14),
            (_("Expected Quantity"), "number", 12),
            (_("Checked Quantity"), "number", 12),
            (_("Difference"), "number", 12),
            (_("Mismatch"), "int", 10),
        ]
        results = dict(
            self.env["stock.accuracy.check.report"]
            ._fields["result"]
            ._description_selection(self.env)
        )
        self.env["stock.accuracy.check.line"].flush_model()
        rows = self._detail_rows(
            """
            SELECT r.id, r.date, w.name,
                   COALESCE(t.name ->> %(lang)s, t.name ->> 'en_US'), pk.name,
                   picker.name, checker.name,
                   COALESCE(pt.name ->> %(lang)s, pt.name ->> 'en_US'), r.result,
                   r.expected_qty, r.checked_qty, r.difference_qty, r.mismatch_count
              FROM stock_accuracy_check_report r
              JOIN stock_warehouse w ON w.id = r.warehouse_id
              JOIN stock_picking_type t ON t.id = r.picking_type_id
              JOIN stock_picking pk ON pk.id = r.picking_id
              JOIN product_product p ON p.id = r.product_id
              JOIN product_template pt ON pt.id = p.product_tmpl_id
         LEFT JOIN res_users pu ON pu.id = r.picker_id
         LEFT JOIN res_partner picker ON picker.id = pu.partner_id
         LEFT JOIN res_users cu ON cu.id = r.checker_id
         LEFT JOIN res_partner checker ON checker.id = cu.partner_id
             WHERE r.company_id IN %(companies)s AND r.warehouse_id IN %(warehouses)s
               AND r.date >= %(start)s AND r.date < %(end)s
             ORDER BY r.date, r.id
            """
        )
        rows = ((*row[:8], results.get(row[8], row[8]), *row[9:]) for row in rows)
        self._write_detail_sheet(
            workbook, formats, _("Check Lines"), columns, rows, totals=(8, 9, 10, 11)
        )

    def _write_exceptions(self, workbook, formats):
        _ = self.env._
        columns = [
            (_("Opened On"), "date", 18),
            (_("Reference"), None, 16),
            (_("Type"), None, 24),
            (_("Warehouse"), None, 16),
            (_("Owner"), None, 20),
            (_("Status"), None, 14),
            (_("Root Cause"), None, 24),
            (_("Closed On"), "date", 18),
            (_("Hours to Close"), "number", 12),
            (_("Overdue"), "int", 10),
        ]
        states = dict(
            self.env["stock.accuracy.exception"]._fields["state"]._description_selection(self.env)
        )
        self.env["stock.accuracy.exception"].flush_model()
        rows = self._detail_rows(
            """
            SELECT r.id, r.date, e.name,
                   COALESCE(t.name ->> %(lang)s, t.name ->> 'en_US'),
                   w.name, partner.name, r.state,
                   COALESCE(reason.name ->> %(lang)s, reason.name ->> 'en_US'),
                   r.date_closed, r.hours_to_close, r.overdue_count
              FROM stock_accuracy_exception_report r
              JOIN stock_accuracy_exception e ON e.id = r.exception_id
              JOIN stock_accuracy_exception_type t ON t.id = r.type_id
         LEFT JOIN stock_warehouse w ON w.id = r.warehouse_id
         LEFT JOIN res_users u ON u.id = r.user_id
         LEFT JOIN res_partner partner ON partner.id = u.partner_id
         LEFT JOIN stock_accuracy_reason reason ON reason.id = r.reason_id
             WHERE r.company_id IN %(companies)s
               AND (r.warehouse_id IS NULL OR r.warehouse_id IN %(warehouses)s)
               AND r.date >= %(start)s AND r.date < %(end)s
             ORDER BY r.date, r.id
            """
        )
        rows = ((*row[:6], states.get(row[6], row[6]), *row[7:]) for row in rows)
        self._write_detail_sheet(workbook, formats, _("Exceptions"), columns, rows, totals=(9,))

    def _write_pareto(self, workbook, formats):
        _ = self.env._
        columns = [
            (_("Rank"), "int", 8),
            (_("Reason"), None, 30),
            (_("Lines With a Difference"), "int", 14),
            (_("Gross Variance Value"), "money", 16),
            (_("Share"), "percent", 10),
            (_("Cumulative Share"), "percent", 12),
        ]
        self.env.cr.execute(
            SQL(
                """
                WITH by_reason AS (
                    SELECT r.reason_id, SUM(r.difference_count) AS lines,
                           SUM(r.difference_value_abs) AS value
                      FROM stock_accuracy_count_report r
                     WHERE r.company_id IN %(companies)s AND r.warehouse_id IN %(warehouses)s
                       AND r.date >= %(start)s AND r.date < %(end)s AND r.difference_count > 0
                     GROUP BY r.reason_id
                ), ranked AS (
                    SELECT b.*, ROW_NUMBER() OVER w AS rank,
                           SUM(b.value) OVER () AS total,
                           SUM(b.value) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                               AS running
                      FROM by_reason b
                    WINDOW w AS (ORDER BY b.value DESC, b.reason_id NULLS LAST)
                )
                SELECT r.rank, r.rank,
                       COALESCE(reason.name ->> %(lang)s, reason.name ->> 'en_US'),
                       r.lines, r.value,
                       CASE WHEN r.total > 0 THEN r.value / r.total END,
                       CASE WHEN r.total > 0 THEN r.running / r.total END
                  FROM ranked r
             LEFT JOIN stock_accuracy_reason reason ON reason.id = r.reason_id
                 ORDER BY r.rank
                """,
                **self._detail_params(),
            )
        )
        self._write_detail_sheet(
            workbook, formats, _("Pareto"), columns, self.env.cr.fetchall(), totals=(2, 3)
        )
