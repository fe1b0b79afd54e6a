from odoo import api, models
from odoo.tools import SQL, split_every

BATCH_SIZE = 2000
DETECTED_TABLE = "stock_accuracy_detected"


class StockAccuracyExceptionDetector(models.AbstractModel):
    """The detectors: set-based SQL that finds standing stock anomalies and feeds them to the
    exception queue.

    Each detector is one query returning one row per anomaly. A run loads the rows into a
    temporary table and works on the queue with a few statements whatever the number of
    anomalies: open exceptions that match a row take its latest quantity and value (only
    when they changed); rows without an open exception become new exceptions through
    ``stock.accuracy.exception._raise_exceptions``; exceptions a detector raised earlier and
    no longer finds are resolved automatically with a note.
    """

    _name = "stock.accuracy.exception.detector"
    _description = "Inventory Exception Detectors"

    @api.model
    def _detectors(self):
        """{exception type code: method returning the detector's query for companies}."""
        return {
            "negative_stock": self._detect_negative_stock,
            "below_safety_stock": self._detect_below_safety_stock,
            "dead_stock": self._detect_dead_stock,
        }

    @api.model
    def _run_all(self, companies=None, type_codes=None):
        """Run the detectors (all, or ``type_codes``) for ``companies`` (default: all).
        Returns how many exceptions were created, refreshed and resolved."""
        companies = companies or self.env["res.company"].sudo().search([])
        counts = {"created": 0, "refreshed": 0, "resolved": 0}
        for code, detector in self._detectors().items():
            if type_codes and code not in type_codes:
                continue
            for key, value in self._run_detector(code, detector, companies).items():
                counts[key] += value
        return counts

    @api.model
    def _run_detector(self, type_code, detector, companies):
        Exception_ = self.env["stock.accuracy.exception"].sudo()
        exception_type = (
            self.env["stock.accuracy.exception.type"]
            .sudo()
            .search([("code", "=", type_code)], limit=1)
        )
        if not exception_type:
            return {}
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(DETECTED_TABLE)))
        cr.execute(
            SQL(
                "CREATE TEMPORARY TABLE %s ON COMMIT DROP AS %s",
                SQL.identifier(DETECTED_TABLE),
                detector(companies),
            )
        )
        cr.execute(SQL("ANALYZE %s", SQL.identifier(DETECTED_TABLE)))
        try:
            refreshed = self._refresh_detected(exception_type, companies)
            new_rows = self._rows(
                SQL(
                    "SELECT * FROM %s WHERE exception_id IS NULL",
                    SQL.identifier(DETECTED_TABLE),
                )
            )
            created = Exception_.browse()
            for batch in split_every(BATCH_SIZE, new_rows, list):
                created |= Exception_._raise_exceptions(
                    type_code,
                    [dict(row, detected_by_cron=True) for row in batch],
                    count_occurrence=False,
                    bulk=True,
                )
            stale = self._stale_exceptions(exception_type, companies)
        finally:
            cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(DETECTED_TABLE)))
        resolved = stale._auto_resolve(
            self.env._("Resolved automatically: the detector no longer finds this anomaly.")
        )
        return {"created": len(created), "refreshed": refreshed, "resolved": len(resolved)}

    @api.model
    def _refresh_detected(self, exception_type, companies):
        """Link each detected row to the open exception of the same anomaly and give that
        exception the row's quantity and value when they changed (compared as stored, so
        that finding the same figures again writes nothing). Returns how many rows matched an
        open exception."""
        cr = self.env.cr
        table = SQL.identifier(DETECTED_TABLE)
        cr.execute(SQL("ALTER TABLE %s ADD COLUMN exception_id integer", table))
        cr.execute(
            SQL(
                """
                UPDATE %(table)s d
                   SET exception_id = e.id
                  FROM stock_accuracy_exception e
                 WHERE e.type_id = %(type_id)s AND e.state IN ('new', 'in_progress')
                   AND e.company_id = d.company_id
                   AND COALESCE(e.product_id, 0) = COALESCE(d.product_id, 0)
                   AND COALESCE(e.location_id, 0) = COALESCE(d.location_id, 0)
                   AND COALESCE(e.lot_id, 0) = COALESCE(d.lot_id, 0)
                   AND COALESCE(e.source_ref, '') = COALESCE(d.source_ref, '')
                """,
                table=table,
                type_id=exception_type.id,
            )
        )
        matched = cr.rowcount
        if not matched:
            return 0
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        cr.execute(
            SQL(
                """
                UPDATE stock_accuracy_exception e
                   SET quantity = n.quantity, value = n.value,
                       write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
                  FROM (
                        SELECT d.exception_id,
                               ROUND(d.quantity::numeric, %(digits)s) AS quantity,
                               ROUND(d.value::numeric, cur.decimal_places) AS value
                          FROM %(table)s d
                          JOIN res_company c ON c.id = d.company_id
                          JOIN res_currency cur ON cur.id = c.currency_id
                         WHERE d.exception_id IS NOT NULL
                       ) n
                 WHERE e.id = n.exception_id
                   AND (e.quantity IS DISTINCT FROM n.quantity
                        OR e.value IS DISTINCT FROM n.value)
                """,
                table=table,
                digits=digits,
                uid=self.env.uid,
            )
        )
        if cr.rowcount:
            self.env["stock.accuracy.exception"].invalidate_model(
                ["quantity", "value", "write_uid", "write_date"]
            )
        return matched

    @api.model
    def _stale_exceptions(self, exception_type, companies):
        """The open exceptions this detector raised that it no longer finds."""
        self.env.cr.execute(
            SQL(
                """
                SELECT e.id
                  FROM stock_accuracy_exception e
                 WHERE e.type_id = %(type_id)s AND e.company_id IN %(company_ids)s
                   AND e.state IN ('new', 'in_progress') AND e.detected_by_cron
                   AND NOT EXISTS (
                           SELECT 1 FROM %(table)s d
                            WHERE d.company_id = e.company_id
                              AND COALESCE(d.product_id, 0) = COALESCE(e.product_id, 0)
                              AND COALESCE(d.location_id, 0) = COALESCE(e.location_id, 0)
                              AND COALESCE(d.lot_id, 0) = COALESCE(e.lot_id, 0)
                              AND COALESCE(d.source_ref, '') = COALESCE(e.source_ref, '')
                       )
                """,
                type_id=exception_type.id,
                company_ids=tuple(companies.ids),
                table=SQL.identifier(DETECTED_TABLE),
            )
        )
        return (
            self.env["stock.accuracy.exception"]
            .sudo()
            .browse(row[0] for row in self.env.cr.fetchall())
        )

    @api.model
    def _rows(self, query):
        self.env.cr.execute(query)
        columns = [column.name for column in self.env.cr.description]
        return [
            {
                "company_id": row["company_id"],
                "warehouse_id": row["warehouse_id"] or False,
                "product_id": row["product_id"] or False,
                "location_id": row["location_id"] or False,
                "lot_id": row.get("lot_id") or False,
                "source_ref": row.get("source_ref") or False,
                "quantity": float(row["quantity"]),
                "value": float(row["value"] or 0.0),
                "description": self._describe(row),
            }
            for values in self.env.cr.fetchall()
            for row in [dict(zip(columns, values, strict=True))]
        ]

    @api.model
    def _describe(self, row):
        if "product_min_qty" in row:
            return self.env._(
                "On hand %(on_hand)s is below the reordering rule's minimum %(minimum)s.",
                on_hand=row["on_hand"],
                minimum=row["product_min_qty"],
            )
        if "last_outgoing" in row:
            return self.env._(
                "%(quantity)s on hand with no outgoing move for %(days)s days.",
                quantity=row["quantity"],
                days=row["days"],
            )
        return self.env._("The book stock is negative: %(quantity)s.", quantity=row["quantity"])

    @api.model
    def _detect_negative_stock(self, companies):
        """Quants summed per product, internal location and lot that are below zero."""
        return SQL(
            """
                SELECT q.company_id, l.warehouse_id, q.product_id, q.location_id, q.lot_id,
                       NULL::varchar AS source_ref, SUM(q.quantity) AS quantity,
                       ABS(SUM(q.quantity))
                           * COALESCE((p.standard_price ->> q.company_id::text)::numeric, 0)
                           AS value
                  FROM stock_quant q
                  JOIN stock_location l ON l.id = q.location_id
                  JOIN product_product p ON p.id = q.product_id
                 WHERE l.usage = 'internal' AND q.company_id IN %s
                 GROUP BY q.company_id, l.warehouse_id, q.product_id, q.location_id, q.lot_id,
                          p.standard_price
                HAVING SUM(q.quantity) < 0
                """,
            tuple(companies.ids),
        )

    @api.model
    def _detect_below_safety_stock(self, companies):
        """Active reordering rules whose location (with its children) holds less than the
        rule's minimum. The quantity at stake is the shortfall."""
        return SQL(
            """
                WITH op AS (
                    SELECT op.id, op.company_id, op.warehouse_id, op.product_id, op.location_id,
                           op.product_min_qty, ol.parent_path
                      FROM stock_warehouse_orderpoint op
                      JOIN stock_location ol ON ol.id = op.location_id
                     WHERE op.active AND op.product_min_qty > 0 AND op.company_id IN %s
                ), stock AS (
                    SELECT op.id, SUM(q.quantity) AS on_hand
                      FROM op
                      JOIN stock_quant q ON q.product_id = op.product_id
                      JOIN stock_location ql ON ql.id = q.location_id
                     WHERE ql.usage = 'internal' AND starts_with(ql.parent_path, op.parent_path)
                     GROUP BY op.id
                )
                SELECT op.company_id, op.warehouse_id, op.product_id, op.location_id,
                       NULL::int AS lot_id,
                       ('stock.warehouse.orderpoint,' || op.id)::varchar AS source_ref,
                       op.product_min_qty, COALESCE(stock.on_hand, 0) AS on_hand,
                       op.product_min_qty - COALESCE(stock.on_hand, 0) AS quantity,
                       (op.product_min_qty - COALESCE(stock.on_hand, 0))
                           * COALESCE((p.standard_price ->> op.company_id::text)::numeric, 0)
                           AS value
                  FROM op
                  JOIN product_product p ON p.id = op.product_id
             LEFT JOIN stock ON stock.id = op.id
                 WHERE COALESCE(stock.on_hand, 0) < op.product_min_qty
                """,
            tuple(companies.ids),
        )

    @api.model
    def _detect_dead_stock(self, companies):
        """Products with stock on hand in a warehouse that has held it for at least the
        company's dead-stock days and shipped or consumed none of it since. The outgoing moves
        are looked up per candidate through Odoo's (product, location, destination) index, so
        the cost follows the stock on hand, not the length of the move history."""
        return SQL(
            """
                WITH cutoff AS (
                    SELECT id AS company_id, accuracy_dead_stock_days AS days,
                           (NOW() AT TIME ZONE 'UTC')
                               - accuracy_dead_stock_days * INTERVAL '1 day' AS since
                      FROM res_company
                     WHERE id IN %s
                ), on_hand AS (
                    SELECT q.company_id, l.warehouse_id, q.product_id, c.days, c.since,
                           SUM(q.quantity) AS quantity
                      FROM stock_quant q
                      JOIN stock_location l ON l.id = q.location_id
                      JOIN cutoff c ON c.company_id = q.company_id
                     WHERE l.usage = 'internal' AND l.warehouse_id IS NOT NULL
                     GROUP BY q.company_id, l.warehouse_id, q.product_id, c.days, c.since
                    HAVING SUM(q.quantity) > 0 AND MIN(q.in_date) <= c.since
                )
                SELECT o.company_id, o.warehouse_id, o.product_id,
                       w.lot_stock_id AS location_id, NULL::int AS lot_id,
                       NULL::varchar AS source_ref, o.quantity, o.days, TRUE AS last_outgoing,
                       o.quantity * COALESCE((p.standard_price ->> o.company_id::text)::numeric, 0)
                           AS value
                  FROM on_hand o
                  JOIN stock_warehouse w ON w.id = o.warehouse_id
                  JOIN product_product p ON p.id = o.product_id
                 WHERE NOT EXISTS (
                           SELECT 1
                             FROM stock_move m
                             JOIN stock_location sl ON sl.id = m.location_id
                             JOIN stock_location dl ON dl.id = m.location_dest_id
                            WHERE m.product_id = o.product_id AND m.state = 'done'
                              AND m.date >= o.since
                              AND sl.warehouse_id = o.warehouse_id AND sl.usage = 'internal'
                              AND dl.usage IN ('customer', 'production')
                       )
                """,
            tuple(companies.ids),
        )
