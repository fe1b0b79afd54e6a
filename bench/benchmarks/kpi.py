"""KPIs: the count-accuracy pivot (month x warehouse x class) as the web client asks it, the
dashboard data and the Excel export, over a large history generated here in set-based SQL:
1,000,000 done count lines and 200,000 checked double-check lines over twelve months (20,000
and 4,000 with --smoke). Everything generated is committed for the measurements and deleted
afterwards, so the benchmarks that follow see the dataset as restored.

The pivot runs every ``read_group`` the pivot view sends for rows warehouse > class and columns
month (one per pair of row and column group-by prefixes, ``lazy=False``), as an internal user
under the record rules. The export's peak Python heap is measured under tracemalloc at three
sizes (a tenth, a quarter and a half of the timed export's lines: tracemalloc slows it
several times) to show that it does not grow with the lines. The export is timed as its
download route runs it: the workbook written to a temporary file, then read in chunks."""

import time
import tracemalloc
from datetime import timedelta

from odoo import fields
from odoo.tools import convert_file

LINES = 1_000_000
CHECK_LINES = 200_000
EXPORT_LINES = 100_000
SMOKE_LINES = 20_000
SMOKE_CHECK_LINES = 4_000
SMOKE_EXPORT_LINES = 2_000
PREFIX = "BENCH-KPI-"


def _ensure_schema(ctx):
    """The cached dump holds the module as it was when the dataset was built: bring the KPI
    models' tables, views and indexes, their ir.model records, access rights and record rules
    up to the code being measured."""
    env = ctx.env
    names = [
        "stock.accuracy.count.line",
        "stock.accuracy.check.line",
        "stock.accuracy.count.report",
        "stock.accuracy.check.report",
        "stock.accuracy.exception.report",
        "stock.accuracy.pareto.report",
        "stock.accuracy.kpi.snapshot",
    ]
    env.registry.init_models(ctx.cr, names, {"module": "stock_accuracy"})
    for path in ("security/ir.model.access.csv", "security/stock_accuracy_rules.xml"):
        convert_file(env, "stock_accuracy", path, {}, mode="update", noupdate=False)
    ctx.cr.commit()
    env.invalidate_all(flush=False)
    env.registry.clear_cache()


def _generate_count_lines(ctx, lines):
    """Sessions per warehouse and month through the ORM, lines in one INSERT ... SELECT."""
    env = ctx.env
    warehouses = env["stock.warehouse"].search([])
    today = fields.Date.today()
    sessions = env["stock.accuracy.count"].create(
        [
            {
                "name": f"{PREFIX}{warehouse.code}-{month:02d}",
                "warehouse_id": warehouse.id,
                "company_id": warehouse.company_id.id,
                "state": "done",
                "scheduled_date": today - timedelta(days=30 * month),
            }
            for warehouse in warehouses
            for month in range(12)
        ]
    )
    env.flush_all()
    ctx.cr.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
    ctx.cr.execute(
        """
        WITH s AS (
            SELECT row_number() OVER (ORDER BY c.id) - 1 AS n, c.id, c.warehouse_id,
                   c.company_id, w.lot_stock_id
              FROM stock_accuracy_count c
              JOIN stock_warehouse w ON w.id = c.warehouse_id
             WHERE c.id IN %(sessions)s
        ), p AS (
            SELECT row_number() OVER (ORDER BY id) - 1 AS n, id
              FROM product_product WHERE active
        ), np AS (SELECT COUNT(*) AS n FROM p), ns AS (SELECT COUNT(*) AS n FROM s),
        g AS (
            SELECT i, (i %% ns.n) AS sn, ((i * 7919) %% np.n) AS pn,
                   (10 + (i %% 90))::numeric AS book,
                   CASE WHEN i %% 10 = 0 THEN -1 WHEN i %% 23 = 0 THEN 2 ELSE 0 END AS diff,
                   (1 + (i %% 37))::numeric AS cost
              FROM generate_series(1::bigint, %(lines)s) i, np, ns
        )
        INSERT INTO stock_accuracy_count_line (
            count_id, sequence, company_id, warehouse_id, product_id, location_id, abc_class,
            state, book_quantity, counted_quantity, counter_id, counted_date, done_date,
            unit_cost, difference_quantity, difference_value, within_tolerance, reason_id,
            found, recount_round, create_uid, create_date, write_uid, write_date)
        SELECT s.id, 10, s.company_id, s.warehouse_id, p.id, s.lot_stock_id,
               (ARRAY['a', 'b', 'c', 'c', 'c'])[(1 + g.i %% 5)::int],
               'done', g.book, g.book + g.diff, %(uid)s,
               NOW() AT TIME ZONE 'UTC' - ((g.i * 7 %% 8640) || ' hours')::interval,
               NOW() AT TIME ZONE 'UTC' - ((g.i * 7 %% 8640) || ' hours')::interval,
               g.cost, g.diff, g.diff * g.cost, g.diff = 0 OR g.i %% 3 = 0,
               CASE WHEN g.diff <> 0 THEN (SELECT MIN(id) FROM stock_accuracy_reason) END,
               FALSE, 0, %(uid)s, NOW(), %(uid)s, NOW()
          FROM g
          JOIN s ON s.n = g.sn
          JOIN p ON p.n = g.pn
        """,
        {"sessions": tuple(sessions.ids), "lines": lines, "uid": env.uid},
    )
    return sessions


def _generate_check_lines(ctx, lines):
    """One finished double-check per done transfer of the dataset (up to the lines asked,
    about 60 lines each), its lines in one INSERT ... SELECT; one line in 25 is at fault."""
    cr = ctx.cr
    cr.execute("SELECT id FROM res_users WHERE active AND NOT share ORDER BY id LIMIT 4")
    users = [row[0] for row in cr.fetchall()]
    cr.execute(
        """
        INSERT INTO stock_accuracy_check (
            name, picking_id, company_id, picking_type_id, state, checker_id, prepared_by_id,
            date_start, date_done, location_scanned, create_uid, create_date, write_uid,
            write_date)
        SELECT %(prefix)s || p.id, p.id, p.company_id, p.picking_type_id,
               CASE WHEN p.n %% 4 = 0 THEN 'failed' ELSE 'passed' END,
               (%(users)s)[1 + p.n %% cardinality(%(users)s)],
               (%(users)s)[1 + (p.n + 1) %% cardinality(%(users)s)],
               p.date_done, p.date_done, TRUE, %(uid)s, NOW(), %(uid)s, NOW()
          FROM (
            SELECT row_number() OVER (ORDER BY id) AS n, id, company_id, picking_type_id,
                   COALESCE(date_done, NOW() AT TIME ZONE 'UTC') AS date_done
              FROM stock_picking
             WHERE state = 'done' AND picking_type_id IS NOT NULL
          ) p
         WHERE p.n <= GREATEST(%(lines)s / 60, 1)
        RETURNING id
        """,
        {"prefix": f"{PREFIX}DC-", "users": users, "uid": ctx.env.uid, "lines": lines},
    )
    check_ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        """
        WITH c AS (
            SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, company_id, picking_id,
                   picking_type_id, prepared_by_id, checker_id, date_done
              FROM stock_accuracy_check WHERE id IN %(checks)s
        ), nc AS (SELECT COUNT(*) AS n FROM c),
        p AS (
            SELECT row_number() OVER (ORDER BY pp.id) - 1 AS n, pp.id, pt.categ_id
              FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE pp.active
        ), np AS (SELECT COUNT(*) AS n FROM p),
        g AS (
            SELECT i, (i %% nc.n) AS cn, ((i * 4099) %% np.n) AS pn,
                   (1 + i %% 12)::numeric AS expected,
                   CASE WHEN i %% 25 = 0 THEN -1 WHEN i %% 101 = 0 THEN 1 ELSE 0 END AS diff
              FROM generate_series(1::bigint, %(lines)s) i, nc, np
        )
        INSERT INTO stock_accuracy_check_line (
            check_id, company_id, picking_id, picking_type_id, picker_id, checker_id,
            date_done, product_id, product_categ_id, expected_qty, checked_qty, difference_qty,
            is_unexpected, package_scanned, result, create_uid, create_date, write_uid,
            write_date)
        SELECT c.id, c.company_id, c.picking_id, c.picking_type_id, c.prepared_by_id,
               c.checker_id, c.date_done, p.id, p.categ_id, g.expected, g.expected + g.diff,
               g.diff, FALSE, FALSE,
               CASE WHEN g.diff < 0 THEN 'short' WHEN g.diff > 0 THEN 'over' ELSE 'match' END,
               %(uid)s, NOW(), %(uid)s, NOW()
          FROM g
          JOIN c ON c.n = g.cn
          JOIN p ON p.n = g.pn
        """,
        {"checks": tuple(check_ids) or (0,), "lines": lines, "uid": ctx.env.uid},
    )
    cr.execute("SET LOCAL session_replication_role = origin")
    return check_ids


def _cleanup(ctx, sessions, check_ids):
    cr = ctx.cr
    cr.rollback()
    # Nothing refers to the generated rows: delete them without a foreign key check per row.
    cr.execute("SET LOCAL session_replication_role = replica")
    if check_ids:
        cr.execute("DELETE FROM stock_accuracy_check_line WHERE check_id IN %s", [tuple(check_ids)])
        cr.execute("DELETE FROM stock_accuracy_check WHERE id IN %s", [tuple(check_ids)])
    cr.execute("DELETE FROM stock_accuracy_count_line WHERE count_id IN %s", [tuple(sessions.ids)])
    cr.execute("DELETE FROM stock_accuracy_count WHERE id IN %s", [tuple(sessions.ids)])
    ctx.env["stock.accuracy.count.report"]._rebuild_day_table()
    cr.commit()
    ctx.env.invalidate_all(flush=False)


def run(ctx):
    lines = SMOKE_LINES if ctx.smoke else LINES
    check_lines = SMOKE_CHECK_LINES if ctx.smoke else CHECK_LINES
    _ensure_schema(ctx)
    started = time.perf_counter()
    sessions = _generate_count_lines(ctx, lines)
    check_ids = []
    try:
        check_ids = _generate_check_lines(ctx, check_lines)
        # The lines went in with the triggers off: the report's daily totals from scratch.
        ctx.env["stock.accuracy.count.report"]._rebuild_day_table()
        ctx.cr.execute("ANALYZE stock_accuracy_count_line")
        ctx.cr.execute("ANALYZE stock_accuracy_check_line")
        ctx.cr.commit()
        ctx.cr.execute("SELECT COUNT(*) FROM stock_accuracy_check_report")
        checked = ctx.cr.fetchone()[0]
        ctx.record(
            "kpi: generate count and check lines (SQL)",
            time.perf_counter() - started,
            size=f"{lines:,} + {checked:,} lines",
            note="setup, not a target",
        )
        _measure(ctx, lines, checked)
    finally:
        _cleanup(ctx, sessions, check_ids)


def _user_env(ctx):
    """The admin as an internal user (record rules and access rights apply)."""
    admin = ctx.env.ref("base.user_admin")
    return ctx.env(user=admin.id, su=False, context=dict(ctx.env.context, lang="en_US"))


def _pivot_calls(Report):
    """Every read_group the pivot view sends for rows warehouse > class, columns month."""
    measures = [
        "line_count:sum",
        "ira:avg",
        "variance_rate:avg",
        "difference_value_abs:sum",
        "__count",
    ]
    rows = [[], ["warehouse_id"], ["warehouse_id", "abc_class"]]
    cols = [[], ["date:month"]]
    return [Report.read_group([], measures, row + col, lazy=False) for row in rows for col in cols]


def _export_period(ctx, warehouse, lines):
    """The first day from which the warehouse has about ``lines`` count lines up to today."""
    ctx.cr.execute(
        """SELECT counted_date FROM stock_accuracy_count_line
            WHERE warehouse_id = %s AND state = 'done'
            ORDER BY counted_date DESC OFFSET %s LIMIT 1""",
        [warehouse.id, lines],
    )
    row = ctx.cr.fetchone()
    return (row[0] + timedelta(days=1)).date() if row else fields.Date.today() - timedelta(365)


def _measure(ctx, lines, checked):
    env = _user_env(ctx)
    Report = env["stock.accuracy.count.report"]

    def pivot_sql():
        ctx.cr.execute(
            """SELECT date_trunc('month', counted_date), warehouse_id, abc_class, COUNT(*),
                      AVG(within_tolerance::int),
                      AVG((difference_quantity <> 0)::int), SUM(ABS(difference_value))
                 FROM stock_accuracy_count_line
                WHERE state = 'done' AND origin_line_id IS NULL
                GROUP BY 1, 2, 3"""
        )
        return ctx.cr.fetchall()

    ctx.measure(
        "kpi: pivot month x warehouse x class (6 read_group)",
        lambda: _pivot_calls(Report),
        size=f"{lines:,} count lines",
        baseline_fn=pivot_sql,
        target=1.0,
        runs=ctx.runs,
        note="all read_group calls of the pivot view, as an internal user; "
        "baseline: one GROUP BY on the table",
    )
    ctx.measure(
        "kpi: pivot check errors month x warehouse x type",
        lambda: env["stock.accuracy.check.report"].read_group(
            [],
            ["line_count:sum", "mismatch_count:sum", "error_rate:avg", "__count"],
            ["date:month", "warehouse_id", "picking_type_id"],
            lazy=False,
        ),
        size=f"{checked:,} check lines",
        target=1.0,
        runs=ctx.runs,
    )
    ctx.measure(
        "kpi: dashboard data (get_dashboard_data)",
        lambda: env["stock.accuracy.kpi.snapshot"].get_dashboard_data(),
        size=f"{lines:,} + {checked:,} lines",
        target=2.0,
        runs=ctx.runs,
        note="the dashboard's only RPC",
    )
    warehouse = env["stock.warehouse"].search([], order="id", limit=1)
    export_lines = SMOKE_EXPORT_LINES if ctx.smoke else EXPORT_LINES

    def export(date_from):
        """What the export route does: write the workbook to its temporary file, then serve
        it in chunks."""
        wizard = env["stock.accuracy.kpi.export.wizard"].create(
            {
                "date_from": date_from,
                "date_to": fields.Date.today(),
                "warehouse_ids": [(6, 0, warehouse.ids)],
            }
        )
        with wizard._export_file() as handle:
            if handle.read(2) != b"PK":
                raise RuntimeError("the export is not an xlsx file")
            while handle.read(1 << 16):
                pass

    def detail_lines(date_from):
        ctx.cr.execute(
            """SELECT (SELECT COUNT(*) FROM stock_accuracy_count_line
                        WHERE warehouse_id = %(wh)s AND state = 'done'
                          AND origin_line_id IS NULL
                          AND COALESCE(counted_date, done_date) >= %(start)s),
                      (SELECT COUNT(*) FROM stock_accuracy_check_report
                        WHERE warehouse_id = %(wh)s AND date >= %(start)s)""",
            {"wh": warehouse.id, "start": date_from},
        )
        return ctx.cr.fetchone()

    peaks = []
    # tracemalloc slows the export several times: probe at a tenth, a quarter and a half.
    for size in (export_lines // 10, export_lines // 4, export_lines // 2):
        date_from = _export_period(ctx, warehouse, size)
        tracemalloc.start()
        try:
            export(date_from)
            peaks.append((sum(detail_lines(date_from)), tracemalloc.get_traced_memory()[1]))
        finally:
            tracemalloc.stop()
            ctx.cr.rollback()
            env.invalidate_all(flush=False)
    date_from = _export_period(ctx, warehouse, export_lines)
    count_rows, check_rows = detail_lines(date_from)
    memory = ", ".join(f"{n:,} lines: {peak / 2**20:.1f} MiB" for n, peak in peaks)
    ctx.measure(
        "kpi: Excel export",
        lambda: export(date_from),
        size=f"{count_rows:,} count + {check_rows:,} check lines",
        target=20.0,
        runs=ctx.runs,
        note=f"peak Python heap (tracemalloc) {memory}",
    )
