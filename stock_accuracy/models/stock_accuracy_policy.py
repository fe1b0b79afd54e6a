from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import SQL, float_compare, float_is_zero

ABC_CLASSES = [("a", "A"), ("b", "B"), ("c", "C")]
WEEKDAY_FIELDS = (
    "count_on_mon",
    "count_on_tue",
    "count_on_wed",
    "count_on_thu",
    "count_on_fri",
    "count_on_sat",
    "count_on_sun",
)


RULE_FIELDS = ("apply_count_rules", "lock_full_counts", "spot_on_negative", "spot_on_zero")


class StockAccuracyPolicy(models.Model):
    """How a warehouse classifies its products, how often it counts each class, and which of
    the module's rules change Odoo's own flows there.

    Every rule that changes what Odoo does (Physical Inventory through the count rules, the
    lock of a full count, spot counts opened by moves) is off until an accuracy manager turns
    it on for the warehouse; new warehouses take their company's defaults."""

    _name = "stock.accuracy.policy"
    _inherit = ["stock.accuracy.guarded"]
    _description = "Inventory Accuracy Policy"
    _check_company_auto = True
    _order = "warehouse_id"

    name = fields.Char(related="warehouse_id.name", string="Policy")
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        ondelete="cascade",
        check_company=True,
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True)

    classification_basis = fields.Selection(
        [("value", "Value moved out"), ("picks", "Number of picks")],
        string="Classify By",
        required=True,
        default="value",
        help="Rank products by the value moved out of the warehouse (quantity x cost) or by "
        "the number of outgoing moves.",
    )
    classification_window_days = fields.Integer(
        string="Classification Window (Days)",
        default=365,
        required=True,
        help="Only moves out of the warehouse during this many past days count.",
    )
    cutoff_a = fields.Float(string="Class A Share (%)", default=80.0, required=True)
    cutoff_b = fields.Float(string="Class B Share (%)", default=15.0, required=True)
    cutoff_c = fields.Float(string="Class C Share (%)", default=5.0, required=True)

    interval_a = fields.Integer(string="Class A Interval (Days)", default=30, required=True)
    interval_b = fields.Integer(string="Class B Interval (Days)", default=90, required=True)
    interval_c = fields.Integer(string="Class C Interval (Days)", default=180, required=True)
    tolerance_percent_a = fields.Float(string="Class A Tolerance (%)", default=1.0)
    tolerance_percent_b = fields.Float(string="Class B Tolerance (%)", default=2.0)
    tolerance_percent_c = fields.Float(string="Class C Tolerance (%)", default=5.0)
    tolerance_abs_qty_a = fields.Float(
        string="Class A Tolerance (Units)",
        digits="Product Unit of Measure",
        help="A difference of at most this many units is within tolerance, whatever the book "
        "quantity (a count against a book of zero too).",
    )
    tolerance_abs_qty_b = fields.Float(
        string="Class B Tolerance (Units)",
        digits="Product Unit of Measure",
        help="A difference of at most this many units is within tolerance, whatever the book "
        "quantity (a count against a book of zero too).",
    )
    tolerance_abs_qty_c = fields.Float(
        string="Class C Tolerance (Units)",
        digits="Product Unit of Measure",
        help="A difference of at most this many units is within tolerance, whatever the book "
        "quantity (a count against a book of zero too).",
    )
    tolerance_value_a = fields.Monetary(
        string="Class A Tolerance Value",
        help="When set, a difference worth more than this (at cost) is over tolerance, "
        "whatever its quantity.",
    )
    tolerance_value_b = fields.Monetary(
        string="Class B Tolerance Value",
        help="When set, a difference worth more than this (at cost) is over tolerance, "
        "whatever its quantity.",
    )
    tolerance_value_c = fields.Monetary(
        string="Class C Tolerance Value",
        help="When set, a difference worth more than this (at cost) is over tolerance, "
        "whatever its quantity.",
    )

    count_on_mon = fields.Boolean(string="Monday", default=True)
    count_on_tue = fields.Boolean(string="Tuesday", default=True)
    count_on_wed = fields.Boolean(string="Wednesday", default=True)
    count_on_thu = fields.Boolean(string="Thursday", default=True)
    count_on_fri = fields.Boolean(string="Friday", default=True)
    count_on_sat = fields.Boolean(string="Saturday")
    count_on_sun = fields.Boolean(string="Sunday")
    daily_capacity = fields.Integer(
        string="Daily Capacity (Lines)",
        default=50,
        required=True,
        help="The planner never schedules more count lines than this on one day.",
    )
    zone_depth = fields.Integer(
        string="Zone Level",
        default=2,
        required=True,
        help="Count sessions group the lines of a day by the location this many levels below "
        "the warehouse stock location.",
    )
    blind = fields.Boolean(
        string="Blind Counts",
        default=True,
        help="Counters do not see the quantity on hand of the sessions of this warehouse.",
    )
    counter_ids = fields.Many2many(
        "res.users",
        string="Counters",
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("stock_accuracy.group_accuracy_counter").id)
        ],
        help="Planned sessions are assigned to these counters in turn; with one counter, "
        "every session goes to that counter.",
    )
    responsible_id = fields.Many2one(
        "res.users",
        help="Receives an activity for every spot count of this warehouse.",
    )
    apply_count_rules = fields.Boolean(
        string="Count Rules on Physical Inventory",
        help="Quantities applied in this warehouse through Odoo's Physical Inventory (and every "
        "wizard that applies counted quantities) become count lines: within tolerance they are "
        "applied as in Odoo, over tolerance they need a reason and an accuracy manager's "
        "approval. Off: Odoo applies them as it always does.",
    )
    lock_full_counts = fields.Boolean(
        string="Lock During Full Counts",
        help="While a full count of this warehouse is in progress, no stock can move in or out "
        "of the counted locations. Off: full counts do not block moves.",
    )
    spot_on_negative = fields.Boolean(
        string="Count Negative Stock",
        help="Create a spot count when a quant of this warehouse goes negative.",
    )
    spot_on_zero = fields.Boolean(
        string="Confirm Empty Locations",
        help="Create a spot count when a location of this warehouse reaches zero on hand.",
    )
    rules_summary = fields.Char(
        string="Rules On",
        compute="_compute_rules_summary",
        help="The rules of this policy that change Odoo's own flows in this warehouse.",
    )
    last_plan_date = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("warehouse_unique", "UNIQUE(warehouse_id)", "A warehouse has one accuracy policy."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        """Rules not given take the company's defaults (off unless a manager set them)."""
        companies = self.env["res.company"].browse(
            {vals.get("company_id") or self.env.company.id for vals in vals_list}
        )
        defaults = {company.id: company._accuracy_policy_defaults() for company in companies}
        vals_list = [
            {**defaults[vals.get("company_id") or self.env.company.id], **vals}
            for vals in vals_list
        ]
        return super().create(vals_list)

    @api.depends(*RULE_FIELDS)
    def _compute_rules_summary(self):
        labels = {name: self._fields[name]._description_string(self.env) for name in RULE_FIELDS}
        for policy in self:
            names = [labels[name] for name in RULE_FIELDS if policy[name]]
            policy.rules_summary = ", ".join(names) if names else self.env._("None")

    @api.constrains(
        "tolerance_percent_a",
        "tolerance_percent_b",
        "tolerance_percent_c",
        "tolerance_abs_qty_a",
        "tolerance_abs_qty_b",
        "tolerance_abs_qty_c",
        "tolerance_value_a",
        "tolerance_value_b",
        "tolerance_value_c",
    )
    def _check_tolerances(self):
        for policy in self:
            for abc, _label in ABC_CLASSES:
                if (
                    min(
                        policy[f"tolerance_percent_{abc}"],
                        policy[f"tolerance_abs_qty_{abc}"],
                        policy[f"tolerance_value_{abc}"],
                    )
                    < 0
                ):
                    raise ValidationError(
                        self.env._(
                            "The tolerances of %(warehouse)s cannot be negative.",
                            warehouse=policy.warehouse_id.display_name,
                        )
                    )

    def _class_tolerance(self, abc_class):
        """(percent of the book, absolute quantity, value) of class ``abc_class`` (C when the
        product has none) in this policy."""
        self.ensure_one()
        abc = abc_class or "c"
        return (
            self[f"tolerance_percent_{abc}"],
            self[f"tolerance_abs_qty_{abc}"],
            self[f"tolerance_value_{abc}"],
        )

    @api.model
    def _tolerance_allows(self, diff, reference, tolerance, unit_cost, rounding):
        """The module's one tolerance formula (counts, the Physical Inventory and SOAP
        reconciliation): a difference ``diff`` against a book of ``reference`` is within
        ``tolerance`` = (percent, quantity, value) when it is at most the larger of that share
        of the book and that quantity (compared at the unit's ``rounding``), and, when there is
        a value limit, worth at most that limit at ``unit_cost``. A zero difference always is."""
        rounding = rounding or 0.01
        if float_is_zero(diff, precision_rounding=rounding):
            return True
        percent, quantity, value = tolerance
        allowed = max(abs(reference) * (percent or 0.0) / 100.0, quantity or 0.0)
        if float_compare(abs(diff), allowed, precision_rounding=rounding) > 0:
            return False
        return not value or abs(diff * (unit_cost or 0.0)) <= value

    def _is_within_tolerance(self, abc_class, reference, diff, unit_cost, rounding):
        """Whether ``diff`` against a book of ``reference`` is within the tolerance of class
        ``abc_class`` (:meth:`_tolerance_allows`). Without a policy only an exact count is."""
        tolerance = self._class_tolerance(abc_class) if self else (0.0, 0.0, 0.0)
        return self._tolerance_allows(diff, reference, tolerance, unit_cost, rounding)

    @api.constrains("cutoff_a", "cutoff_b", "cutoff_c")
    def _check_cutoffs(self):
        for policy in self:
            shares = (policy.cutoff_a, policy.cutoff_b, policy.cutoff_c)
            if min(shares) < 0 or abs(sum(shares) - 100.0) > 0.001:
                raise ValidationError(
                    self.env._(
                        "The class shares of %(warehouse)s must be positive and add up to 100 %% "
                        "(now %(total)s %%).",
                        warehouse=policy.warehouse_id.display_name,
                        total=round(sum(shares), 2),
                    )
                )

    @api.constrains(
        "interval_a", "interval_b", "interval_c", "daily_capacity", "classification_window_days"
    )
    def _check_positive_numbers(self):
        for policy in self:
            if min(policy.interval_a, policy.interval_b, policy.interval_c) <= 0:
                raise ValidationError(self.env._("Count intervals must be at least one day."))
            if policy.daily_capacity <= 0:
                raise ValidationError(self.env._("The daily counting capacity must be positive."))
            if policy.classification_window_days <= 0:
                raise ValidationError(
                    self.env._("The classification window must be at least one day.")
                )

    @api.constrains(*WEEKDAY_FIELDS)
    def _check_counting_days(self):
        for policy in self:
            if not any(policy[name] for name in WEEKDAY_FIELDS):
                raise ValidationError(self.env._("Choose at least one counting day."))

    @api.model
    def _create_missing_policies(self):
        """Give every warehouse without one a default policy (install and new warehouses)."""
        covered = self.sudo().with_context(active_test=False).search([]).warehouse_id
        warehouses = (
            self.env["stock.warehouse"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "not in", covered.ids)])
        )
        return self.sudo()._create_for_warehouses(warehouses)

    @api.model
    def _create_for_warehouses(self, warehouses):
        """One policy per warehouse, with its company's default rules."""
        return self.create(
            [{"warehouse_id": wh.id, "company_id": wh.company_id.id} for wh in warehouses]
        )

    @api.model
    def _for_warehouses(self, warehouses):
        """{warehouse id: its active policy} for ``warehouses``, in one query; the one place
        that finds a warehouse's policy (a warehouse has at most one). Read as superuser: the
        rules of a warehouse hold for whoever works in it."""
        ids = [wid for wid in warehouses._origin.ids if wid]
        if not ids:
            return {}
        policies = self.sudo().search([("warehouse_id", "in", ids)])
        return {policy.warehouse_id.id: policy for policy in policies}

    @api.model
    def _any_rule_on_domain(self):
        """Policies with at least one rule of RULE_FIELDS on."""
        return expression.OR([[(name, "=", True)] for name in RULE_FIELDS])

    @api.model
    def _ruled_warehouse_ids(self, warehouse_ids, rule):
        """The ids among ``warehouse_ids`` whose policy has ``rule`` (a name of RULE_FIELDS)
        on, in one query."""
        if rule not in RULE_FIELDS:
            raise ValueError(rule)
        if not warehouse_ids:
            return set()
        self.flush_model(["warehouse_id", "active", rule])
        self.env.cr.execute(
            SQL(
                "SELECT warehouse_id FROM stock_accuracy_policy"
                " WHERE warehouse_id = ANY(%s) AND active AND %s",
                list(warehouse_ids),
                SQL.identifier(rule),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _counting_weekdays(self):
        self.ensure_one()
        return {index for index, name in enumerate(WEEKDAY_FIELDS) if self[name]}

    def _interval_by_class(self):
        self.ensure_one()
        return {"a": self.interval_a, "b": self.interval_b, "c": self.interval_c}

    def action_compute_classification(self):
        return (
            self.env["stock.accuracy.classification"]._compute_classification(self)._action_open()
        )

    def action_plan_counts(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.accuracy.plan.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_warehouse_ids": self.warehouse_id.ids},
        }
