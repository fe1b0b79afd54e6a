from odoo import api, fields, models


class StockAccuracyReason(models.Model):
    """A variance reason code: why book and physical stock disagreed.

    Exceptions take their root cause from these codes; counts and adjustments use the same
    codes, so one report explains every correction of the book inventory.
    """

    _name = "stock.accuracy.reason"
    _inherit = ["stock.accuracy.guarded"]
    _description = "Variance Reason Code"
    _order = "sequence, code"

    sequence = fields.Integer(default=10)
    code = fields.Char(required=True, index=True)
    name = fields.Char(required=True, translate=True)
    category = fields.Selection(
        [
            ("counting", "Counting Error"),
            ("receiving", "Receiving Error"),
            ("picking", "Picking Error"),
            ("shipping", "Shipping Error"),
            ("damage", "Damage"),
            ("theft", "Theft / Loss"),
            ("expiry", "Expiry / Scrap"),
            ("master_data", "Unit of Measure / Master Data Error"),
            ("system", "System / Sync Error"),
            ("unknown", "Unknown"),
        ],
        required=True,
        default="unknown",
    )
    requires_note = fields.Boolean(
        string="Requires a Note",
        help="Whoever picks this reason must also explain what happened.",
    )
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to share the code with every company.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "code_company_uniq",
            "UNIQUE NULLS NOT DISTINCT (code, company_id)",
            "A reason code must be unique per company.",
        ),
    ]

    # -- write policy (stock.accuracy.guarded) --------------------------------------------------
    def _accuracy_check_unlink(self):
        # Counts, exceptions, adjustments and released transfers keep the reason they were given.
        used_ids = set()
        for model, fname in (
            ("stock.accuracy.count.line", "reason_id"),
            ("stock.accuracy.exception", "reason_id"),
            ("stock.move", "accuracy_reason_id"),
            ("stock.picking", "accuracy_override_reason_id"),
        ):
            groups = (
                self.env[model]
                .sudo()
                .with_context(active_test=False)
                ._read_group([(fname, "in", self.ids)], [fname])
            )
            used_ids.update(reason.id for (reason,) in groups)
        self._accuracy_refuse_unlink_used(self.browse(sorted(used_ids)))

    @api.depends("code", "name")
    def _compute_display_name(self):
        for reason in self:
            reason.display_name = f"[{reason.code}] {reason.name}" if reason.code else reason.name

    @api.model
    def _search_display_name(self, operator, value):
        if operator in ("ilike", "like", "=", "=ilike", "=like") and value:
            return ["|", ("code", operator, value), ("name", operator, value)]
        return super()._search_display_name(operator, value)
