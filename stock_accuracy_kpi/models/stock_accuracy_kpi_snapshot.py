from contextlib import contextmanager
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# code: (label, how the value follows from numerator and denominator, higher is better)
KPIS = {
    "ira_count": ("IRA by Count", "ratio", True),
    "ira_value": ("IRA by Value", "one_minus_ratio", True),
    "variance_rate": ("Count Variance Rate", "ratio", False),
    "variance_net": ("Net Variance Value", "sum", None),
    "variance_gross": ("Gross Variance Value", "sum", False),
    "check_error_rate": ("Double-Check Error Rate", "ratio", False),
    "dead_stock": ("Dead-Stock Ratio", "ratio", False),
    "stock_out": ("Stock-Out Rate", "ratio", False),
    "turnover_days": ("Inventory Turnover Days", "ratio", False),
    "exceptions_opened": ("Exceptions Opened", "sum", False),
    "exceptions_closed": ("Exceptions Closed", "sum", True),
    "exceptions_overdue": ("Exceptions Overdue", "sum", False),
    "exception_hours_to_close": ("Mean Hours to Close an Exception", "ratio", False),
}
COUNT_KPIS = ("ira_count", "ira_value", "variance_rate", "variance_net", "variance_gross")
KPI_FORMATS = {
    "ira_count": "percent",
    "ira_value": "percent",
    "variance_rate": "percent",
    "check_error_rate": "percent",
    "dead_stock": "percent",
    "stock_out": "percent",
    "variance_net": "currency",
    "variance_gross": "currency",
}
KPI_SELECTION = [(code, label) for code, (label, _kind, _better) in KPIS.items()]


def kpi_value(code, numerator, denominator):
    """The KPI from its parts; None ("no data") when the denominator is empty."""
    kind = KPIS[code][1]
    if kind == "sum":
        return numerator
    if not denominator:
        return None
    ratio = (numerator or 0.0) / denominator
    return 1.0 - ratio if kind == "one_minus_ratio" else ratio


def month_start(day):
    return day.replace(day=1)


@contextmanager
def no_jit(cr):
    """Run the KPI queries without PostgreSQL's JIT compiler: they are many short queries
    whose estimated cost crosses ``jit_above_cost`` on large tables, and compiling them takes
    longer than running them (half a second for the dead-stock query of a large tenant).
    The setting is local to the transaction; an error rolls it back with the transaction."""
    cr.execute(SQL("SELECT current_setting('jit'), set_config('jit', 'off', true)"))
    previous = cr.fetchone()[0]
    yield
    cr.execute(SQL("SELECT set_config('jit', %s, true)", previous))


class StockAccuracyKpiSnapshot(models.Model):
    """The KPIs of a closed month per company and warehouse, stored by a cron so trends survive
    later changes of the data. The current month is always computed live
    (:meth:`_compute_kpis`). Formulas: ``readme/USAGE.md``, section *KPIs*."""

    _name = "stock.accuracy.kpi.snapshot"
    _inherit = ["stock.accuracy.guarded"]
    _description = "Accuracy KPI Snapshot"
    _order = "month desc, company_id, warehouse_id, kpi"
    _rec_name = "kpi"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", index=True, readonly=True)
    month = fields.Date(required=True, index=True, readonly=True, help="First day of the month.")
    kpi = fields.Selection(KPI_SELECTION, string="KPI", required=True, readonly=True)
    value = fields.Float(readonly=True, digits=(16, 4), aggregator=None)
    numerator = fields.Float(readonly=True, digits=(16, 4))
    denominator = fields.Float(readonly=True, digits=(16, 4))

    # -- the KPIs, one set-based query each ----------------------------------------------------

    # -- write policy (stock.accuracy.guarded): written by the module's code only -------------
    def _accuracy_allowed_fields(self):
        return set()

    def _accuracy_check_unlink(self):
        # A closed month keeps its figures: only storing the month again replaces them.
        raise AccessError(
            self.env._(
                "KPI snapshots keep the figures of closed months: they are replaced by storing "
                "the month again, never deleted."
            )
        )

    @api.model
    def _period_bounds(self, date_from, date_to):
        """UTC datetimes [start, end) of the days date_from..date_to included."""
        return (
            datetime.combine(date_from, time.min),
            datetime.combine(date_to + timedelta(days=1), time.min),
        )

    @api.model
    def _compute_kpis(self, companies, date_from, date_to, warehouses=None, now_rows=None):
        """[{company_id, warehouse_id, kpi, numerator, denominator, value}] of every KPI over
        the days date_from..date_to (both included), per company and warehouse. Dead stock and
        stock-outs are taken now, whatever the period: ``now_rows``, when given, are their rows
        from an earlier call, which are reused instead of computed again."""
        start, end = self._period_bounds(date_from, date_to)
        wh_filter = exception_filter = SQL("TRUE")
        if warehouses:
            wh_filter = SQL("w.id IN %s", tuple(warehouses.ids))
            exception_filter = SQL("e.warehouse_id IN %s", tuple(warehouses.ids))
        context = {
            "companies": tuple(companies.ids) or (0,),
            "start": start,
            "end": end,
            "wh_filter": wh_filter,
            "exception_filter": exception_filter,
            "days": max((date_to - date_from).days + 1, 1),
        }
        rows = [dict(row) for row in now_rows or ()]
        queries = [self._sql_count_kpis, self._sql_check_kpis]
        if now_rows is None:
            queries += [self._sql_dead_stock, self._sql_stock_out]
        results = []
        with no_jit(self.env.cr):
            for query in queries + [self._sql_turnover, self._sql_exceptions]:
                self.env.cr.execute(query(context))
                results += self.env.cr.fetchall()
        for company_id, warehouse_id, code, numerator, denominator in results:
            numerator = float(numerator) if numerator is not None else None
            denominator = float(denominator) if denominator is not None else None
            rows.append(
                {
                    "company_id": company_id,
                    "warehouse_id": warehouse_id,
                    "kpi": code,
                    "numerator": numerator,
                    "denominator": denominator,
                    "value": kpi_value(code, numerator, denominator),
                }
            )
        return rows

    def _sql_count_kpis(self, ctx):
        """IRA by count and value, variance rate, net and gross variance from done first count
        lines (never from inventory moves)."""
        self.env["stock.accuracy.count.line"].flush_model()
        return SQL(
            """
            SELECT r.company_id, r.warehouse_id, k.code, k.numerator, k.denominator
              FROM (
                SELECT r.company_id, r.warehouse_id,
                       SUM(r.within_tolerance_count) AS within, SUM(r.line_count) AS lines,
                       SUM(r.difference_count) AS diffs, SUM(r.book_value) AS book,
                       SUM(r.difference_value) AS net, SUM(r.difference_value_abs) AS gross
                  FROM stock_accuracy_count_report r
                  JOIN stock_warehouse w ON w.id = r.warehouse_id
                 WHERE r.company_id IN %(companies)s AND %(wh_filter)s
                   AND r.date >= %(start)s AND r.date < %(end)s
                 GROUP BY r.company_id, r.warehouse_id
              ) r
             CROSS JOIN LATERAL (VALUES
                ('ira_count', r.within::numeric, r.lines::numeric),
                ('ira_value', r.gross, r.book),
                ('variance_rate', r.diffs::numeric, r.lines::numeric),
                ('variance_net', r.net, NULL),
                ('variance_gross', r.gross, NULL)
             ) AS k(code, numerator, denominator)
            """,
            **ctx,
        )

    def _sql_check_kpis(self, ctx):
        """Double-check error rate: checked lines with a mismatch / checked lines, of the
        double-checks finished in the period."""
        self.env["stock.accuracy.check.line"].flush_model()
        return SQL(
            """
            SELECT r.company_id, r.warehouse_id, 'check_error_rate',
                   SUM(r.mismatch_count)::numeric, SUM(r.line_count)::numeric
              FROM stock_accuracy_check_report r
              JOIN stock_warehouse w ON w.id = r.warehouse_id
             WHERE r.company_id IN %(companies)s AND %(wh_filter)s
               AND r.date >= %(start)s AND r.date < %(end)s
             GROUP BY r.company_id, r.warehouse_id
            """,
            **ctx,
        )

    def _sql_on_hand(self, ctx):
        return SQL(
            """
            SELECT w.company_id, w.id AS warehouse_id, q.product_id,
                   SUM(q.quantity) AS quantity, MIN(q.in_date) AS in_date,
                   COALESCE((p.standard_price ->> w.company_id::text)::numeric, 0) AS cost
              FROM stock_quant q
              JOIN stock_location l ON l.id = q.location_id
              JOIN stock_warehouse w ON w.id = l.warehouse_id
              JOIN product_product p ON p.id = q.product_id
             WHERE l.usage = 'internal' AND w.company_id IN %(companies)s AND %(wh_filter)s
             GROUP BY w.company_id, w.id, q.product_id, p.standard_price
            """,
            **ctx,
        )

    def _sql_dead_stock(self, ctx):
        """Value on hand now, held for at least the company's dead-stock days with no outgoing
        move (to a customer or production) in those days / value on hand now."""
        return SQL(
            """
            WITH on_hand AS (%(on_hand)s),
            cutoff AS (
                SELECT id AS company_id,
                       (NOW() AT TIME ZONE 'UTC') - accuracy_dead_stock_days * INTERVAL '1 day'
                           AS since
                  FROM res_company WHERE id IN %(companies)s
            )
            SELECT o.company_id, o.warehouse_id, 'dead_stock',
                   SUM(o.quantity * o.cost) FILTER (
                       WHERE o.in_date <= c.since AND NOT EXISTS (
                           SELECT 1
                             FROM stock_move m
                             JOIN stock_location sl ON sl.id = m.location_id
                             JOIN stock_location dl ON dl.id = m.location_dest_id
                            WHERE m.product_id = o.product_id AND m.state = 'done'
                              AND m.date >= c.since AND sl.usage = 'internal'
                              AND sl.warehouse_id = o.warehouse_id
                              AND dl.usage IN ('customer', 'production')
                       )
                   ),
                   SUM(o.quantity * o.cost)
              FROM on_hand o
              JOIN cutoff c ON c.company_id = o.company_id
             WHERE o.quantity > 0
             GROUP BY o.company_id, o.warehouse_id
            """,
            on_hand=self._sql_on_hand(ctx),
            **ctx,
        )

    def _sql_stock_out(self, ctx):
        """Product-warehouse pairs with open outgoing demand whose on-hand is <= 0 / pairs with
        open outgoing demand, now."""
        return SQL(
            """
            WITH on_hand AS (%(on_hand)s),
            demand AS (
                SELECT DISTINCT w.company_id, w.id AS warehouse_id, m.product_id
                  FROM stock_move m
                  JOIN stock_location sl ON sl.id = m.location_id
                  JOIN stock_location dl ON dl.id = m.location_dest_id
                  JOIN stock_warehouse w ON w.id = sl.warehouse_id
                 WHERE m.state IN ('waiting', 'confirmed', 'partially_available', 'assigned')
                   AND sl.usage = 'internal' AND dl.usage = 'customer'
                   AND w.company_id IN %(companies)s AND %(wh_filter)s
            )
            SELECT d.company_id, d.warehouse_id, 'stock_out',
                   COUNT(*) FILTER (WHERE COALESCE(o.quantity, 0) <= 0), COUNT(*)
              FROM demand d
         LEFT JOIN on_hand o ON o.warehouse_id = d.warehouse_id AND o.product_id = d.product_id
             GROUP BY d.company_id, d.warehouse_id
            """,
            on_hand=self._sql_on_hand(ctx),
            **ctx,
        )

    def _sql_turnover(self, ctx):
        """Average stock value over the period (mean of the value at its start and its end,
        the quantity then being today's on-hand minus the net done moves into the warehouse
        since, at today's cost) / daily value of deliveries to customers in the period."""
        return SQL(
            """
            WITH on_hand AS (%(on_hand)s),
            flows AS (
                SELECT w.company_id, w.id AS warehouse_id, m.product_id, m.date,
                       m.product_qty AS qty, FALSE AS delivery
                  FROM stock_move m
                  JOIN stock_location sl ON sl.id = m.location_id
                  JOIN stock_location dl ON dl.id = m.location_dest_id
                  JOIN stock_warehouse w ON w.id = dl.warehouse_id
                 WHERE m.state = 'done' AND m.date >= %(start)s AND dl.usage = 'internal'
                   AND NOT (sl.usage = 'internal' AND sl.warehouse_id IS NOT DISTINCT FROM w.id)
                   AND w.company_id IN %(companies)s AND %(wh_filter)s
                UNION ALL
                SELECT w.company_id, w.id, m.product_id, m.date, -m.product_qty,
                       dl.usage = 'customer'
                  FROM stock_move m
                  JOIN stock_location sl ON sl.id = m.location_id
                  JOIN stock_location dl ON dl.id = m.location_dest_id
                  JOIN stock_warehouse w ON w.id = sl.warehouse_id
                 WHERE m.state = 'done' AND m.date >= %(start)s AND sl.usage = 'internal'
                   AND NOT (dl.usage = 'internal' AND dl.warehouse_id IS NOT DISTINCT FROM w.id)
                   AND w.company_id IN %(companies)s AND %(wh_filter)s
            ),
            per_product AS (
                SELECT f.company_id, f.warehouse_id, f.product_id,
                       SUM(f.qty) AS since_start,
                       COALESCE(SUM(f.qty) FILTER (WHERE f.date >= %(end)s), 0) AS since_end,
                       COALESCE(SUM(-f.qty) FILTER (
                           WHERE f.delivery AND f.date < %(end)s
                       ), 0) AS delivered
                  FROM flows f
                 GROUP BY f.company_id, f.warehouse_id, f.product_id
            ),
            joined AS (
                SELECT COALESCE(o.company_id, pp.company_id) AS company_id,
                       COALESCE(o.warehouse_id, pp.warehouse_id) AS warehouse_id,
                       COALESCE(o.quantity, 0) AS on_hand,
                       COALESCE(pp.since_start, 0) AS since_start,
                       COALESCE(pp.since_end, 0) AS since_end,
                       COALESCE(pp.delivered, 0) AS delivered,
                       COALESCE((p.standard_price ->> COALESCE(o.company_id, pp.company_id)::text
                                )::numeric, 0) AS cost
                  FROM on_hand o
             FULL JOIN per_product pp
                    ON pp.warehouse_id = o.warehouse_id AND pp.product_id = o.product_id
                  JOIN product_product p ON p.id = COALESCE(o.product_id, pp.product_id)
            )
            SELECT company_id, warehouse_id, 'turnover_days',
                   SUM(((on_hand - since_start) + (on_hand - since_end)) / 2.0 * cost),
                   SUM(delivered * cost) / %(days)s
              FROM joined
             GROUP BY company_id, warehouse_id
            """,
            on_hand=self._sql_on_hand(ctx),
            **ctx,
        )

    def _sql_exceptions(self, ctx):
        """Opened and closed in the period, open and overdue now, and the hours from opening to
        closing of those closed in the period."""
        self.env["stock.accuracy.exception"].flush_model()
        return SQL(
            """
            SELECT e.company_id, e.warehouse_id, k.code, k.numerator, k.denominator
              FROM (
                SELECT e.company_id, e.warehouse_id,
                       COUNT(*) FILTER (
                           WHERE e.create_date >= %(start)s AND e.create_date < %(end)s
                       ) AS opened,
                       COUNT(*) FILTER (
                           WHERE e.state = 'closed'
                             AND e.date_closed >= %(start)s AND e.date_closed < %(end)s
                       ) AS closed,
                       COUNT(*) FILTER (
                           WHERE e.state IN ('new', 'in_progress')
                             AND e.date_deadline < (NOW() AT TIME ZONE 'UTC')
                       ) AS overdue,
                       SUM(EXTRACT(EPOCH FROM e.date_closed - e.create_date) / 3600.0) FILTER (
                           WHERE e.state = 'closed'
                             AND e.date_closed >= %(start)s AND e.date_closed < %(end)s
                       ) AS hours
                  FROM stock_accuracy_exception e
                 WHERE e.company_id IN %(companies)s AND %(exception_filter)s
                 GROUP BY e.company_id, e.warehouse_id
              ) e
             CROSS JOIN LATERAL (VALUES
                ('exceptions_opened', e.opened::numeric, NULL::numeric),
                ('exceptions_closed', e.closed::numeric, NULL),
                ('exceptions_overdue', e.overdue::numeric, NULL),
                ('exception_hours_to_close', e.hours, e.closed::numeric)
             ) AS k(code, numerator, denominator)
            """,
            **ctx,
        )

    # -- totals ----------------------------------------------------------------------------------
    @api.model
    def _totals(self, rows):
        """{kpi: value} over all rows (warehouses), summing numerators and denominators."""
        parts = {}
        for row in rows:
            num, den = parts.get(row["kpi"], (None, None))
            if row["numerator"] is not None:
                num = (num or 0.0) + row["numerator"]
            if row["denominator"] is not None:
                den = (den or 0.0) + row["denominator"]
            parts[row["kpi"]] = (num, den)
        return {code: kpi_value(code, *parts.get(code, (None, None))) for code in KPIS}

    # -- the monthly cron ------------------------------------------------------------------------
    @api.model
    def _store_month(self, month, companies=None):
        """Replace the snapshots of the month starting on ``month``."""
        companies = companies or self.env["res.company"].sudo().search([])
        month = month_start(month)
        rows = self._compute_kpis(companies, month, month + relativedelta(months=1, days=-1))
        self.sudo().search(
            [("company_id", "in", companies.ids), ("month", "=", month)]
        )._accuracy_internal().unlink()
        return self.sudo()._accuracy_internal().create([dict(row, month=month) for row in rows])

    @api.model
    def _cron_store_snapshots(self):
        """Store last month's KPIs (run early each month; re-running replaces them)."""
        today = fields.Date.context_today(self)
        return self._store_month(month_start(today) - relativedelta(months=1))

    # -- the dashboard ---------------------------------------------------------------------------
    @api.model
    def _month_kpis(self, companies, month, live, now_rows=None):
        """{kpi: value} of a month and its rows: computed live, or from its snapshots when
        stored (live when the month has none)."""
        if not live:
            snapshots = self.search_read(
                [("company_id", "in", companies.ids), ("month", "=", month)],
                ["kpi", "numerator", "denominator"],
            )
            if snapshots:
                return self._totals(snapshots), snapshots
        end = month + relativedelta(months=1, days=-1)
        rows = self._compute_kpis(companies, month, end, now_rows=now_rows)
        return self._totals(rows), rows

    @api.model
    def _ira_trend(self, companies, first_month, current_month):
        """[(month, IRA by count or None)] of 12 months: stored snapshots where the month has
        them, else the count lines of the month; the current month is always live. Only the
        months from the first one without snapshots on are read from the count lines."""
        stored = {}
        for group in self._read_group(
            [
                ("company_id", "in", companies.ids),
                ("month", ">=", first_month),
                ("month", "<", current_month),
                ("kpi", "=", "ira_count"),
            ],
            ["month:month"],
            ["numerator:sum", "denominator:sum"],
        ):
            stored[group[0]] = (group[1], group[2])
        live_from = first_month
        while live_from < current_month and live_from in stored:
            live_from += relativedelta(months=1)
        self.env["stock.accuracy.count.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT date_trunc('month', r.date)::date,
                       SUM(r.within_tolerance_count), SUM(r.line_count)
                  FROM stock_accuracy_count_report r
                 WHERE r.company_id IN %s AND r.date >= %s
                 GROUP BY 1
                """,
                tuple(companies.ids) or (0,),
                datetime.combine(live_from, time.min),
            )
        )
        parts = {row[0]: (float(row[1]), float(row[2])) for row in self.env.cr.fetchall()}
        trend = []
        month = first_month
        while month <= current_month:
            num, den = stored.get(month) or parts.get(month) or (None, None)
            trend.append((month, kpi_value("ira_count", num, den)))
            month += relativedelta(months=1)
        return trend

    @api.model
    def _report_action(self, model, name, date_from=None, date_to=None, domain=None, **ctx):
        """An action opening the pivot of ``model`` on the days date_from..date_to (both
        included) of its ``date`` field (a Date, or a UTC Datetime)."""
        domain = list(domain or [])
        if date_from and date_to:
            if self.env[model]._fields["date"].type == "date":
                start, end = fields.Date.to_string(date_from), fields.Date.to_string(date_to)
                domain += [("date", ">=", start), ("date", "<=", end)]
            else:
                start, end = self._period_bounds(date_from, date_to)
                domain += [
                    ("date", ">=", fields.Datetime.to_string(start)),
                    ("date", "<", fields.Datetime.to_string(end)),
                ]
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "views": [[False, "pivot"], [False, "graph"], [False, "list"]],
            "domain": domain,
            "context": ctx,
        }

    @api.model
    def get_dashboard_data(self):
        """Everything the Overview screen shows, in one call: the KPIs of the current (live)
        and previous month with their direction, the 12-month IRA trend, the open and overdue
        exceptions and the counts due this week, each with the action opening its native
        view. Values are fractions for ratios and None when there is no data."""
        companies = self.env.companies
        today = fields.Date.context_today(self)
        current = month_start(today)
        previous = current - relativedelta(months=1)
        now_kpis, rows = self._month_kpis(companies, current, live=True)
        now_rows = [row for row in rows if row["kpi"] in ("dead_stock", "stock_out")]
        prev_kpis, _rows = self._month_kpis(companies, previous, live=False, now_rows=now_rows)
        start, end = current, current + relativedelta(months=1, days=-1)
        labels = dict(self._fields["kpi"]._description_selection(self.env))
        tiles = []
        for code, (_label, _kind, better) in KPIS.items():
            value, before = now_kpis.get(code), prev_kpis.get(code)
            direction = None
            if value is not None and before is not None:
                direction = "up" if value > before else "down" if value < before else "flat"
            if code in COUNT_KPIS:
                action = self._report_action(
                    "stock.accuracy.count.report",
                    labels[code],
                    start,
                    end,
                    pivot_measures=[
                        "line_count",
                        "ira",
                        "ira_value",
                        "variance_rate",
                        "difference_value_abs",
                    ],
                    pivot_row_groupby=["warehouse_id", "abc_class"],
                )
            elif code == "check_error_rate":
                action = self._report_action(
                    "stock.accuracy.check.report",
                    labels[code],
                    start,
                    end,
                    pivot_measures=["line_count", "mismatch_count", "error_rate"],
                    pivot_row_groupby=["picking_type_id", "picker_id"],
                )
            elif code.startswith("exception"):
                action = self._report_action(
                    "stock.accuracy.exception.report", labels[code], start, end
                )
            else:
                action = {
                    "type": "ir.actions.act_window",
                    "name": labels[code],
                    "res_model": "stock.accuracy.kpi.snapshot",
                    "views": [[False, "list"], [False, "pivot"], [False, "graph"]],
                    "domain": [("kpi", "=", code)],
                    "context": {},
                }
            tiles.append(
                {
                    "code": code,
                    "label": labels[code],
                    "format": KPI_FORMATS.get(code, "number"),
                    "current": value,
                    "previous": before,
                    "direction": direction,
                    "better": {True: "up", False: "down", None: None}[better],
                    "action": action,
                }
            )
        trend = self._ira_trend(companies, current - relativedelta(months=11), current)
        Exception_ = self.env["stock.accuracy.exception"]
        open_domain = [
            ("company_id", "in", companies.ids),
            ("state", "in", ("new", "in_progress")),
        ]
        overdue_domain = open_domain + [("date_deadline", "<", fields.Datetime.now())]
        week_start = today - timedelta(days=today.weekday())
        due_domain = [
            ("company_id", "in", companies.ids),
            ("state", "in", ("draft", "in_progress")),
            ("scheduled_date", "<=", week_start + timedelta(days=6)),
        ]
        return {
            "currency_id": self.env.company.currency_id.id,
            "current_month": fields.Date.to_string(current),
            "previous_month": fields.Date.to_string(previous),
            "kpis": tiles,
            "trend": [
                {"month": fields.Date.to_string(month), "value": value} for month, value in trend
            ],
            "exceptions_open": {
                "count": Exception_.search_count(open_domain),
                "action": {
                    "type": "ir.actions.act_window",
                    "name": self.env._("Open Exceptions"),
                    "res_model": "stock.accuracy.exception",
                    "views": [[False, "list"], [False, "form"]],
                    "domain": open_domain,
                },
            },
            "exceptions_overdue": {
                "count": Exception_.search_count(overdue_domain),
                "action": {
                    "type": "ir.actions.act_window",
                    "name": self.env._("Overdue Exceptions"),
                    "res_model": "stock.accuracy.exception",
                    "views": [[False, "list"], [False, "form"]],
                    "domain": overdue_domain,
                },
            },
            "counts_due": {
                "count": self.env["stock.accuracy.count"].search_count(due_domain),
                "action": {
                    "type": "ir.actions.act_window",
                    "name": self.env._("Counts Due This Week"),
                    "res_model": "stock.accuracy.count",
                    "views": [[False, "list"], [False, "form"]],
                    "domain": due_domain,
                },
            },
        }
