from odoo import api, models
from odoo.tools import SQL, split_every

BATCH_SIZE = 2000


class StockAccuracyExceptionDetector(models.AbstractModel):
    """The detectors: set-based SQL that finds standing stock anomalies and feeds them to the
    exception queue through ``stock.accuracy.exception._raise_exceptions``.

    Each detector returns one row per anomaly. Rows already open are refreshed (latest
    quantity and value, only when they changed); exceptions a detector raised earlier and no
    longer finds are resolved automatically with a note.
    """

    _name = "stock.accuracy.exception.detector"
    _description = "Inventory Exception Detectors"

    @api.model
    def _detectors(self):
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
        open_before = self._open_exceptions(exception_type, companies)
        rows = detector(companies)
        raised = Exception_
        for batch in split_every(BATCH_SIZE, rows, list):
            raised |= Exception_._raise_exceptions(
                type_code,
                [dict(row, detected_by_cron=True) for row in batch],
                count_occurrence=False,
                bulk=True,
            )
        found = {Exception_._dedup_key(dict(row, type_id=exception_type.id)) for row in rows}
        stale = Exception_.browse(
            exception_id
            for exception_id, (key, detected) in open_before.items()
            if detected and key not in found
        )
        resolved = stale._auto_resolve(
            self.env._("Resolved automatically: the detector no longer finds this anomaly.")
        )
        created = len(set(raised.ids) - set(open_before))
        return {
            "created": created,
            "refreshed": len(raised) - created,
            "resolved": len(resolved),
        }

    @api.model
    def _open_exceptions(self, exception_type, companies):
        """{id: (dedup key, raised by a detector)} of the open exceptions of a type."""
        self.env["stock.accuracy.exception"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT id, company_id, type_id, product_id, location_id, lot_id, source_ref,
                       detected_by_cron
                  FROM stock_accuracy_exception
                 WHERE type_id = %s AND company_id IN %s AND state IN ('new', 'in_progress')
                """,
                exception_type.id,
                tuple(companies.ids),
            )
        )
        return {
            row[0]: (tuple(value or False for value in row[1:7]), row[7])
            for row in self.env.cr.fetchall()
        }

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
        return self._rows(
            SQL(
                """
                SELECT q.company_id, l.warehouse_id, q.product_id, q.location_id, q.lot_id,
                       SUM(q.quantity) AS quantity,
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
        )

    @api.model
    def _detect_below_safety_stock(self, companies):
        """Active reordering rules whose location (with its children) holds less than the
        rule's minimum. The quantity at stake is the shortfall."""
        return self._rows(
            SQL(
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
                       'stock.warehouse.orderpoint,' || op.id AS source_ref,
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
        )

    @api.model
    def _detect_dead_stock(self, companies):
        """Products with stock on hand in a warehouse that has held it for at least the
        company's dead-stock days and shipped or consumed none of it since."""
        return self._rows(
            SQL(
                """
                WITH cutoff AS (
                    SELECT id AS company_id, accuracy_dead_stock_days AS days,
                           (NOW() AT TIME ZONE 'UTC')
                               - accuracy_dead_stock_days * INTERVAL '1 day' AS since
                      FROM res_company
                     WHERE id IN %s
                ), on_hand AS (
                    SELECT q.company_id, l.warehouse_id, q.product_id,
                           SUM(q.quantity) AS quantity
                      FROM stock_quant q
                      JOIN stock_location l ON l.id = q.location_id
                      JOIN cutoff c ON c.company_id = q.company_id
                     WHERE l.usage = 'internal' AND l.warehouse_id IS NOT NULL
                     GROUP BY q.company_id, l.warehouse_id, q.product_id, c.since
                    HAVING SUM(q.quantity) > 0 AND MIN(q.in_date) <= c.since
                ), recent_out AS (
                    SELECT DISTINCT sl.warehouse_id, m.product_id
                      FROM stock_move m
                      JOIN cutoff c ON c.company_id = m.company_id
                      JOIN stock_location sl ON sl.id = m.location_id
                      JOIN stock_location dl ON dl.id = m.location_dest_id
                     WHERE m.state = 'done' AND m.date >= c.since
                       AND sl.usage = 'internal' AND dl.usage IN ('customer', 'production')
                )
                SELECT o.company_id, o.warehouse_id, o.product_id, w.lot_stock_id AS location_id,
                       o.quantity, c.days, TRUE AS last_outgoing,
                       o.quantity * COALESCE((p.standard_price ->> o.company_id::text)::numeric, 0)
                           AS value
                  FROM on_hand o
                  JOIN cutoff c ON c.company_id = o.company_id
                  JOIN stock_warehouse w ON w.id = o.warehouse_id
                  JOIN product_product p ON p.id = o.product_id
                 WHERE NOT EXISTS (
                           SELECT 1 FROM recent_out r
                            WHERE r.warehouse_id = o.warehouse_id AND r.product_id = o.product_id
                       )
                """,
                tuple(companies.ids),
            )
        )
