import hashlib

from odoo import fields, models, tools
from odoo.tools import SQL

from odoo.addons.stock_accuracy.models.stock_accuracy_policy import ABC_CLASSES

# The daily totals under the report: one row per UTC day, company, warehouse, class, counter
# and reason, holding the sums of the done first count lines of that group. PostgreSQL keeps
# it exact: statement-level triggers on the count lines add the difference every INSERT,
# UPDATE or DELETE makes (whatever wrote it: the ORM, SQL, a cascade), so a pivot over a
# million lines reads a few thousand rows.
DAY_TABLE = "stock_accuracy_count_report_day"
DAY_FUNCTION = "stock_accuracy_count_report_day_apply"
DAY_KEYS = ("day", "company_id", "warehouse_id", "abc_class", "counter_id", "reason_id")
# What one line adds to its group: (column, type, expression over a count line "l").
DAY_MEASURES = (
    ("line_count", "bigint", "1"),
    ("within_count", "bigint", "CASE WHEN l.within_tolerance THEN 1 ELSE 0 END"),
    ("difference_count", "bigint", "CASE WHEN l.difference_quantity <> 0 THEN 1 ELSE 0 END"),
    ("difference_quantity", "numeric", "COALESCE(l.difference_quantity, 0)"),
    ("book_value", "numeric", "COALESCE(l.book_quantity * l.unit_cost, 0)"),
    ("difference_value", "numeric", "COALESCE(l.difference_value, 0)"),
    ("difference_value_abs", "numeric", "ABS(COALESCE(l.difference_value, 0))"),
)
# A line counts when it is done and is not a recount (its outcome is carried by the line it
# recounts); its day is the UTC day it was counted (applied, when no count date is kept).
LINE_FILTER = "l.state = 'done' AND l.origin_line_id IS NULL"
LINE_KEYS = (
    "COALESCE(l.counted_date, l.done_date, l.create_date)::date",
    "l.company_id",
    "l.warehouse_id",
    "l.abc_class",
    "l.counter_id",
    "l.reason_id",
)
KEY_COLUMNS = ", ".join(DAY_KEYS)
MEASURE_COLUMNS = ", ".join(name for name, _type, _expr in DAY_MEASURES)
MEASURE_SUMS = ", ".join(f"SUM({name})" for name, _type, _expr in DAY_MEASURES)
KEY_INDEX = (
    "day, COALESCE(company_id, 0), COALESCE(warehouse_id, 0), COALESCE(abc_class, ''), "
    "COALESCE(counter_id, 0), COALESCE(reason_id, 0)"
)


def _line_groups(source, sign="1"):
    """SELECT of the day keys and the signed measures of the counting lines of ``source``."""
    measures = ", ".join(f"{sign} * ({expr}) AS {name}" for name, _type, expr in DAY_MEASURES)
    keys = ", ".join(f"{expr} AS {name}" for expr, name in zip(LINE_KEYS, DAY_KEYS, strict=True))
    return f"SELECT {keys}, {measures} FROM {source} l WHERE {LINE_FILTER}"


def _upsert(changes):
    """Add the grouped ``changes`` (a SELECT of keys and signed measures) to the day table,
    in key order (concurrent transactions lock rows in the same order), skipping groups the
    statement did not change; return the ids of rows emptied by it."""
    changed = " OR ".join(f"SUM({name}) <> 0" for name, _type, _expr in DAY_MEASURES)
    update = ", ".join(
        f"{name} = d.{name} + EXCLUDED.{name}" for name, _type, _expr in DAY_MEASURES
    )
    return f"""
        WITH upserted AS (
            INSERT INTO {DAY_TABLE} AS d ({KEY_COLUMNS}, {MEASURE_COLUMNS})
            SELECT {KEY_COLUMNS}, {MEASURE_SUMS} FROM ({changes}) c
             GROUP BY {KEY_COLUMNS}
            HAVING {changed}
             ORDER BY {KEY_COLUMNS}
                ON CONFLICT ({KEY_INDEX}) DO UPDATE SET {update}
         RETURNING d.id, d.line_count
        )
        SELECT array_agg(id) FROM upserted WHERE line_count = 0
    """


def _trigger_function():
    branches = {
        "INSERT": ("new_rows", _line_groups("new_rows")),
        "DELETE": ("old_rows", _line_groups("old_rows", "-1")),
        "UPDATE": (
            "new_rows",
            f"{_line_groups('new_rows')} UNION ALL {_line_groups('old_rows', '-1')}",
        ),
    }
    body = []
    for op, (source, changes) in branches.items():
        probe = f"EXISTS (SELECT 1 FROM {source} l WHERE {LINE_FILTER})"
        if op == "UPDATE":
            probe += f" OR EXISTS (SELECT 1 FROM old_rows l WHERE {LINE_FILTER})"
        body.append(
            f"""
            IF TG_OP = '{op}' THEN
                IF NOT ({probe}) THEN
                    RETURN NULL;
                END IF;
                {_upsert(changes)} INTO emptied;
            END IF;"""
        )
    return f"""
        CREATE OR REPLACE FUNCTION {DAY_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            emptied integer[];
        BEGIN
            {"".join(body)}
            IF emptied IS NOT NULL THEN
                DELETE FROM {DAY_TABLE} WHERE id = ANY(emptied);
            END IF;
            RETURN NULL;
        END
        $$
    """


def _create_table():
    measures = ", ".join(
        f"{name} {type_} NOT NULL DEFAULT 0" for name, type_, _expr in DAY_MEASURES
    )
    return (
        f"""
        CREATE TABLE {DAY_TABLE} (
            id serial PRIMARY KEY,
            day date NOT NULL,
            company_id integer,
            warehouse_id integer,
            abc_class varchar,
            counter_id integer,
            reason_id integer,
            {measures}
        )
        """,
        f"CREATE UNIQUE INDEX {DAY_TABLE}_key ON {DAY_TABLE} ({KEY_INDEX})",
    )


def _create_triggers():
    statements = []
    for op, refs in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        name = f"{DAY_TABLE}_{op.lower()}"
        statements += [
            f"DROP TRIGGER IF EXISTS {name} ON stock_accuracy_count_line",
            f"""
            CREATE TRIGGER {name} AFTER {op} ON stock_accuracy_count_line
            REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION {DAY_FUNCTION}()
            """,
        ]
    return statements


def _rebuild():
    return (
        f"DELETE FROM {DAY_TABLE}",
        f"""
        INSERT INTO {DAY_TABLE} ({KEY_COLUMNS}, {MEASURE_COLUMNS})
        SELECT {KEY_COLUMNS}, {MEASURE_SUMS}
          FROM ({_line_groups("stock_accuracy_count_line")}) c
         GROUP BY {KEY_COLUMNS}
         ORDER BY {KEY_COLUMNS}
        """,
    )


def _create_view(name):
    """The report's rows: the daily totals with their ratios, currency and reason category."""
    return f"""
        CREATE OR REPLACE VIEW {name} AS (
            SELECT d.id,
                   d.day AS date,
                   d.company_id,
                   c.currency_id,
                   d.warehouse_id,
                   d.abc_class,
                   d.counter_id,
                   d.reason_id,
                   r.category AS reason_category,
                   d.line_count,
                   d.within_count AS within_tolerance_count,
                   d.line_count - d.within_count AS outside_tolerance_count,
                   d.difference_count,
                   d.within_count::float / d.line_count AS ira,
                   CASE WHEN d.book_value <> 0
                        THEN 1.0 - d.difference_value_abs::float / d.book_value::float
                   END AS ira_value,
                   d.difference_count::float / d.line_count AS variance_rate,
                   d.difference_quantity,
                   d.book_value,
                   d.difference_value,
                   d.difference_value_abs
              FROM {DAY_TABLE} d
         LEFT JOIN res_company c ON c.id = d.company_id
         LEFT JOIN stock_accuracy_reason r ON r.id = d.reason_id
        )
    """


class StockAccuracyCountReport(models.Model):
    """Count accuracy per day, company, warehouse, class, counter and reason, from the done
    first count lines (recounts excluded: their outcome is carried by the line they recount).
    The rows are the daily totals PostgreSQL keeps up to date (``DAY_TABLE``); the ratios
    (IRA by count and by value, variance rate) are weighted over any group the pivot or graph
    asks for: sums of numerators over sums of denominators, never averages of averages.
    Single lines: *Count History* (the count lines)."""

    _name = "stock.accuracy.count.report"
    _description = "Count Accuracy Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "date"
    _depends = {
        "stock.accuracy.count.line": [
            "state",
            "origin_line_id",
            "counted_date",
            "done_date",
            "company_id",
            "warehouse_id",
            "abc_class",
            "counter_id",
            "reason_id",
            "within_tolerance",
            "difference_quantity",
            "book_quantity",
            "unit_cost",
            "difference_value",
        ],
        "stock.accuracy.reason": ["category"],
        "res.company": ["currency_id"],
    }

    date = fields.Date(string="Counted On", readonly=True, help="Day of the count (UTC).")
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    abc_class = fields.Selection(ABC_CLASSES, string="Class", readonly=True)
    counter_id = fields.Many2one("res.users", string="Counted By", readonly=True)
    reason_id = fields.Many2one("stock.accuracy.reason", readonly=True)
    reason_category = fields.Selection(
        selection=lambda self: self.env["stock.accuracy.reason"]._fields["category"].selection,
        readonly=True,
    )
    line_count = fields.Integer(string="Counted Lines", readonly=True, aggregator="sum")
    within_tolerance_count = fields.Integer(
        string="Lines Within Tolerance", readonly=True, aggregator="sum"
    )
    outside_tolerance_count = fields.Integer(
        string="Lines Outside Tolerance", readonly=True, aggregator="sum"
    )
    difference_count = fields.Integer(
        string="Lines With a Difference", readonly=True, aggregator="sum"
    )
    ira = fields.Float(
        string="IRA by Count",
        readonly=True,
        aggregator="avg",
        help="Share of counted lines within the tolerance of their class.",
    )
    ira_value = fields.Float(
        string="IRA by Value",
        readonly=True,
        aggregator="avg",
        help="1 - gross variance value / book value of the counted lines.",
    )
    variance_rate = fields.Float(
        string="Count Variance Rate",
        readonly=True,
        aggregator="avg",
        help="Share of counted lines with any difference.",
    )
    difference_quantity = fields.Float(readonly=True, aggregator="sum")
    book_value = fields.Monetary(readonly=True, aggregator="sum")
    difference_value = fields.Monetary(string="Net Variance Value", readonly=True, aggregator="sum")
    difference_value_abs = fields.Monetary(
        string="Gross Variance Value", readonly=True, aggregator="sum"
    )

    # ratio field: (numerator field, denominator field, "one minus" the ratio)
    _RATIOS = {
        "ira": ("within_tolerance_count", "line_count", False),
        "variance_rate": ("difference_count", "line_count", False),
        "ira_value": ("difference_value_abs", "book_value", True),
    }

    def _read_group_select(self, aggregate_spec, query):
        """The ratios of any group are its sums' ratio (weighted by lines or book value); a
        group without lines (or book value) has none: "no data", never 0 % or 100 %."""
        fname, _property, func = models.parse_read_group_spec(aggregate_spec)
        if fname not in self._RATIOS or func not in ("avg", "sum"):
            return super()._read_group_select(aggregate_spec, query)
        numerator, denominator, one_minus = self._RATIOS[fname]
        ratio = SQL(
            "SUM(%s)::float / NULLIF(SUM(%s), 0)::float",
            self._field_to_sql(self._table, numerator, query),
            self._field_to_sql(self._table, denominator, query),
        )
        return SQL("1.0 - %s", ratio) if one_minus else ratio

    # -- the daily totals ------------------------------------------------------------------------
    def init(self):
        cr = self.env.cr
        version = hashlib.sha1(_trigger_function().encode()).hexdigest()[:16]
        created = not tools.sql.table_exists(cr, DAY_TABLE)
        if created:
            for statement in _create_table():
                cr.execute(SQL(statement))
        cr.execute(SQL("SELECT obj_description(%s::regclass, 'pg_class')", DAY_TABLE))
        if created or cr.fetchone()[0] != version:
            cr.execute(SQL(_trigger_function()))
            for statement in _create_triggers():
                cr.execute(SQL(statement))
            self._rebuild_day_table()
            cr.execute(SQL("COMMENT ON TABLE %s IS %s", SQL.identifier(DAY_TABLE), version))
        tools.drop_view_if_exists(cr, self._table)
        cr.execute(SQL(_create_view(self._table)))

    def _rebuild_day_table(self):
        """Recompute every daily total from the count lines (after loading lines with the
        triggers off, or when the totals' definition changed with an upgrade)."""
        self.env["stock.accuracy.count.line"].flush_model()
        for statement in _rebuild():
            self.env.cr.execute(SQL(statement))
