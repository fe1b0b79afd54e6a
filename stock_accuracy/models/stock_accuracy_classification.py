from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .stock_accuracy_policy import ABC_CLASSES


class StockAccuracyClassification(models.Model):
    """The ABC class of a product in a warehouse."""

    _name = "stock.accuracy.classification"
    _inherit = ["stock.accuracy.guarded"]
    _description = "ABC Classification"
    _check_company_auto = True
    _order = "warehouse_id, rank, product_id"
    _rec_name = "product_id"

    product_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", index=True, check_company=True
    )
    product_tmpl_id = fields.Many2one(
        related="product_id.product_tmpl_id", store=True, index=True, string="Product Template"
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, ondelete="cascade", index=True, check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    abc_class = fields.Selection(ABC_CLASSES, string="Class", required=True, default="c")
    computed_class = fields.Selection(ABC_CLASSES, readonly=True)
    pinned = fields.Boolean(
        readonly=True, help="Set by hand by a manager: recomputation keeps this class."
    )
    no_movement = fields.Boolean(
        readonly=True, help="Nothing left the warehouse during the window: counted as class C."
    )
    value_out = fields.Monetary(string="Value Moved Out", readonly=True, aggregator="sum")
    pick_count = fields.Integer(string="Picks", readonly=True, aggregator="sum")
    share = fields.Float(string="Share (%)", readonly=True, aggregator="sum", digits=(16, 2))
    cumulative_share = fields.Float(
        string="Cumulative Share (%)", readonly=True, aggregator=None, digits=(16, 2)
    )
    rank = fields.Integer(readonly=True, aggregator=None)
    run_id = fields.Many2one("stock.accuracy.classification.run", string="Last Run", readonly=True)

    _sql_constraints = [
        (
            "product_warehouse_unique",
            "UNIQUE(product_id, warehouse_id)",
            "A product has one class per warehouse.",
        ),
    ]

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group("stock_accuracy.group_accuracy_manager"):
            raise AccessError(self.env._("Only accuracy managers can change ABC classes."))

    def write(self, vals):
        self._accuracy_check_write(set(vals))
        if "abc_class" in vals:
            self._check_manager()
            vals = dict(vals, pinned=True)
        return super(StockAccuracyClassification, self._accuracy_internal()).write(vals)

    def action_pin(self, abc_class):
        """Pin a class by hand: recomputation keeps it until unpinned."""
        self.write({"abc_class": abc_class})
        return True

    def action_unpin(self):
        self._check_manager()
        for line in self:
            super(StockAccuracyClassification, line._accuracy_internal()).write(
                {"pinned": False, "abc_class": line.computed_class or "c"}
            )
        return True

    @api.model
    def _cron_compute_classification(self):
        policies = self.env["stock.accuracy.policy"].search([])
        for company in policies.company_id:
            self.with_company(company)._compute_classification(
                policies.filtered(lambda p, c=company: p.company_id == c)
            )

    @api.model
    def _compute_classification(self, policies):
        """Classify every storable product of the policies' warehouses in one SQL statement
        per step: value (or picks) moved out over the window, ranked and cut at the policy's
        cumulative shares. Value is the quantity moved out at the product's current cost.
        Pinned classes are kept; every change of an existing class is recorded on the run."""
        if not self.env.su and not self.env.user.has_group("stock_accuracy.group_accuracy_manager"):
            raise AccessError(self.env._("Only accuracy managers can compute ABC classes."))
        run = (
            self.env["stock.accuracy.classification.run"]
            .sudo()
            ._accuracy_internal()
            .create(
                {
                    "user_id": self.env.uid,
                    "company_id": (policies.company_id[:1] or self.env.company).id,
                    "warehouse_ids": [fields.Command.set(policies.warehouse_id.ids)],
                }
            )
        )
        if not policies:
            return run
        cr = self.env.cr
        policies.flush_recordset()
        self.flush_model()
        self.env["stock.move"].flush_model()
        self.env["stock.quant"].flush_model()
        cr.execute(SQL("DROP TABLE IF EXISTS accuracy_abc_tmp"))
        cr.execute(
            SQL(
                """
            CREATE TEMP TABLE accuracy_abc_tmp ON COMMIT DROP AS
            WITH pol AS (
                SELECT p.id AS policy_id, p.warehouse_id, p.company_id,
                       p.classification_basis AS basis, p.cutoff_a, p.cutoff_b,
                       (now() AT TIME ZONE 'UTC')
                           - make_interval(days => p.classification_window_days) AS since
                  FROM stock_accuracy_policy p
                 WHERE p.id IN %(policy_ids)s
            ),
            moved_qty AS (
                SELECT pol.policy_id, pol.company_id, sm.product_id,
                       SUM(sm.product_qty) AS qty, COUNT(*) AS pick_count
                  FROM pol
                  JOIN stock_location src
                    ON src.warehouse_id = pol.warehouse_id AND src.usage = 'internal'
                  JOIN stock_move sm
                    ON sm.location_id = src.id AND sm.state = 'done' AND sm.date >= pol.since
                  JOIN stock_location dst ON dst.id = sm.location_dest_id
                 WHERE dst.warehouse_id IS DISTINCT FROM pol.warehouse_id
                 GROUP BY pol.policy_id, pol.company_id, sm.product_id
            ),
            moved AS (
                SELECT m.policy_id, m.product_id, m.pick_count,
                       m.qty * COALESCE(
                           (pp.standard_price ->> m.company_id::text)::numeric, 0) AS value_out
                  FROM moved_qty m
                  JOIN product_product pp ON pp.id = m.product_id
            ),
            stocked AS (
                SELECT DISTINCT pol.policy_id, sq.product_id
                  FROM pol
                  JOIN stock_location loc
                    ON loc.warehouse_id = pol.warehouse_id AND loc.usage = 'internal'
                  JOIN stock_quant sq ON sq.location_id = loc.id
            ),
            products AS (
                SELECT policy_id, product_id FROM moved
                 UNION
                SELECT policy_id, product_id FROM stocked
                 UNION
                SELECT c.policy_id, c.product_id FROM (
                    SELECT pol.policy_id, cl.product_id
                      FROM pol JOIN stock_accuracy_classification cl
                        ON cl.warehouse_id = pol.warehouse_id
                ) c
            ),
            metric AS (
                SELECT pr.policy_id, pr.product_id,
                       COALESCE(m.value_out, 0) AS value_out,
                       COALESCE(m.pick_count, 0) AS pick_count,
                       CASE WHEN pol.basis = 'picks' THEN COALESCE(m.pick_count, 0)
                            ELSE COALESCE(m.value_out, 0) END AS measure
                  FROM products pr
                  JOIN pol ON pol.policy_id = pr.policy_id
                  LEFT JOIN moved m
                    ON m.policy_id = pr.policy_id AND m.product_id = pr.product_id
            ),
            ranked AS (
                SELECT m.*,
                       ROW_NUMBER() OVER w AS rank,
                       SUM(m.measure) OVER w AS running,
                       SUM(m.measure) OVER (PARTITION BY m.policy_id) AS total
                  FROM metric m
                WINDOW w AS (PARTITION BY m.policy_id ORDER BY m.measure DESC, m.product_id
                             ROWS UNBOUNDED PRECEDING)
            )
            SELECT pol.warehouse_id, pol.company_id, r.product_id, pp.product_tmpl_id,
                   r.value_out, r.pick_count,
                   r.rank, r.measure <= 0 AS no_movement,
                   CASE WHEN r.total > 0 THEN 100.0 * r.measure / r.total ELSE 0 END AS share,
                   CASE WHEN r.total > 0 THEN 100.0 * r.running / r.total ELSE 0 END
                       AS cumulative_share,
                   CASE WHEN r.measure <= 0 THEN 'c'
                        WHEN 100.0 * (r.running - r.measure) < pol.cutoff_a * r.total THEN 'a'
                        WHEN 100.0 * (r.running - r.measure)
                             < (pol.cutoff_a + pol.cutoff_b) * r.total THEN 'b'
                        ELSE 'c' END AS computed_class
              FROM ranked r
              JOIN pol ON pol.policy_id = r.policy_id
              JOIN product_product pp ON pp.id = r.product_id
            """,
                policy_ids=tuple(policies.ids),
            ),
        )
        cr.execute(
            SQL(
                """
            INSERT INTO stock_accuracy_classification_change
                   (run_id, product_id, warehouse_id, company_id, old_class, new_class,
                    create_uid, create_date, write_uid, write_date)
            SELECT %(run)s, t.product_id, t.warehouse_id, t.company_id, cl.abc_class,
                   t.computed_class, %(uid)s, now() AT TIME ZONE 'UTC',
                   %(uid)s, now() AT TIME ZONE 'UTC'
              FROM accuracy_abc_tmp t
              JOIN stock_accuracy_classification cl
                ON cl.product_id = t.product_id AND cl.warehouse_id = t.warehouse_id
             WHERE cl.pinned IS NOT TRUE AND cl.abc_class <> t.computed_class
            """,
                run=run.id,
                uid=self.env.uid,
            ),
        )
        changed = cr.rowcount
        cr.execute(
            SQL(
                """
            INSERT INTO stock_accuracy_classification AS cl
                   (product_id, product_tmpl_id, warehouse_id, company_id, abc_class,
                    computed_class, pinned,
                    no_movement, value_out, pick_count, share, cumulative_share, rank, run_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT t.product_id, t.product_tmpl_id, t.warehouse_id, t.company_id,
                   t.computed_class, t.computed_class, FALSE, t.no_movement, t.value_out,
                   t.pick_count, t.share, t.cumulative_share, t.rank, %(run)s,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM accuracy_abc_tmp t
            ON CONFLICT (product_id, warehouse_id) DO UPDATE SET
                   abc_class = CASE WHEN cl.pinned THEN cl.abc_class
                                    ELSE EXCLUDED.computed_class END,
                   computed_class = EXCLUDED.computed_class,
                   no_movement = EXCLUDED.no_movement,
                   value_out = EXCLUDED.value_out,
                   pick_count = EXCLUDED.pick_count,
                   share = EXCLUDED.share,
                   cumulative_share = EXCLUDED.cumulative_share,
                   rank = EXCLUDED.rank,
                   run_id = EXCLUDED.run_id,
                   write_uid = EXCLUDED.write_uid,
                   write_date = EXCLUDED.write_date
            """,
                run=run.id,
                uid=self.env.uid,
            ),
        )
        cr.execute(
            SQL("""
            SELECT COALESCE(SUM((computed_class = 'a')::int), 0),
                   COALESCE(SUM((computed_class = 'b')::int), 0),
                   COALESCE(SUM((computed_class = 'c')::int), 0),
                   COALESCE(SUM(no_movement::int), 0)
              FROM accuracy_abc_tmp
            """)
        )
        count_a, count_b, count_c, count_none = cr.fetchone()
        cr.execute(SQL("DROP TABLE accuracy_abc_tmp"))
        self.invalidate_model()
        self.env["stock.accuracy.classification.change"].invalidate_model()
        run.invalidate_recordset()
        run._accuracy_internal().write(
            {
                "count_a": count_a,
                "count_b": count_b,
                "count_c": count_c,
                "count_no_movement": count_none,
                "count_changed": changed,
            }
        )
        return run
