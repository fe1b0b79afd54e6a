import logging

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, split_every

from .res_users import INTERNAL_USER_OF_COMPANY

_logger = logging.getLogger(__name__)

SEVERITIES = [
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
    ("critical", "Critical"),
]
OPEN_STATES = ("new", "in_progress")
ACTIVITY_TYPE_XMLID = "stock_accuracy.mail_activity_type_accuracy_exception"
AUTO_RESOLVE_REASON_XMLID = "stock_accuracy.reason_auto_cleared"
# What identifies one anomaly: raising it again while it is open refreshes it.
DEDUP_FIELDS = ("company_id", "type_id", "product_id", "location_id", "lot_id", "source_ref")
# What a Counter or Checker may write directly; the rest moves through the action methods.
PROGRESS_FIELDS = {"reason_id", "corrective_action", "description"}


class StockAccuracyException(models.Model):
    """An inventory anomaly with an owner, a deadline, a root cause and a fix (异常管理闭环).

    Exceptions are raised by code through :meth:`_raise_exception` (or its batch form
    :meth:`_raise_exceptions`), never created one by one: that method finds the open
    exception of the same anomaly and refreshes it instead of opening a second one. Accuracy
    Managers may also create one from the form; ``create`` routes it the same way (owner,
    deadline, severity, activity).
    """

    _name = "stock.accuracy.exception"
    _description = "Inventory Exception"
    _inherit = ["mail.thread", "mail.activity.mixin", "stock.accuracy.guarded"]
    _accuracy_system_fields = ("state",)
    _order = "id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "product_id"]

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index="trigram"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    warehouse_id = fields.Many2one("stock.warehouse", check_company=True, index=True)
    type_id = fields.Many2one(
        "stock.accuracy.exception.type",
        required=True,
        index=True,
        tracking=True,
    )
    type_code = fields.Char(related="type_id.code")
    requires_product = fields.Boolean(related="type_id.requires_product")
    product_id = fields.Many2one("product.product", check_company=True, index=True)
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    location_id = fields.Many2one("stock.location", check_company=True, index=True)
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial Number", check_company=True)
    source_ref = fields.Reference(
        selection="_selection_source_model", string="Source Document", index=True
    )
    source_model = fields.Char(compute="_compute_source", store=True, index=True)
    source_res_id = fields.Many2oneReference(
        compute="_compute_source", store=True, model_field="source_model", string="Source ID"
    )
    quantity = fields.Float(
        string="Quantity at Stake",
        digits="Product Unit of Measure",
        help="The latest quantity reported for this anomaly.",
    )
    value = fields.Monetary(string="Value at Stake", currency_field="currency_id")
    description = fields.Text()
    severity = fields.Selection(SEVERITIES, required=True, default="medium", tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        index=True,
        domain=INTERNAL_USER_OF_COMPANY,
    )
    escalation_user_id = fields.Many2one(
        "res.users",
        string="Escalate To",
        domain=INTERNAL_USER_OF_COMPANY,
    )
    rule_id = fields.Many2one("stock.accuracy.exception.rule", string="Routing Rule", readonly=True)
    date_deadline = fields.Datetime(string="Deadline", tracking=True, index=True)
    is_overdue = fields.Boolean(string="Overdue", readonly=True, copy=False)
    escalated = fields.Boolean(readonly=True, copy=False)
    date_escalated = fields.Datetime(string="Escalated On", readonly=True, copy=False)
    state = fields.Selection(
        [
            ("new", "New"),
            ("in_progress", "In Progress"),
            ("resolved", "Resolved"),
            ("closed", "Closed"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="new",
        tracking=True,
        index=True,
        copy=False,
        group_expand=True,
    )
    reason_id = fields.Many2one(
        "stock.accuracy.reason",
        string="Root Cause",
        tracking=True,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        check_company=True,
    )
    reason_category = fields.Selection(
        related="reason_id.category", store=True, string="Root Cause Category"
    )
    corrective_action = fields.Text()
    date_resolved = fields.Datetime(string="Resolved On", readonly=True, copy=False)
    date_closed = fields.Datetime(string="Closed On", readonly=True, copy=False)
    closed_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    occurrence_count = fields.Integer(
        string="Occurrences",
        default=1,
        readonly=True,
        copy=False,
        help="How many times this anomaly was raised while the exception was open.",
    )
    date_last_occurrence = fields.Datetime(
        string="Last Raised On", default=fields.Datetime.now, readonly=True, copy=False
    )
    detected_by_cron = fields.Boolean(
        string="Raised by a Detector",
        readonly=True,
        help="Detectors resolve the exceptions they raised when the anomaly is gone.",
    )

    def init(self):
        """One open exception per anomaly, enforced by the database so that two transactions
        raising the same anomaly at once cannot both create it."""
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS stock_accuracy_exception_open_uniq
                    ON stock_accuracy_exception (
                        company_id, type_id, COALESCE(product_id, 0), COALESCE(location_id, 0),
                        COALESCE(lot_id, 0), COALESCE(source_ref, '')
                    )
                 WHERE state IN ('new', 'in_progress')
                """
            )
        )

    # ------------------------------------------------------------------ fields

    @api.model
    def _selection_source_model(self):
        """The documents an exception can come from. Modules that raise exceptions from their
        own records add their model here (``super()`` plus their entry)."""
        candidates = [
            "stock.picking",
            "stock.move",
            "stock.move.line",
            "stock.quant",
            "stock.lot",
            "product.product",
            "stock.location",
            "stock.warehouse.orderpoint",
            "stock.scrap",
            "stock.accuracy.count.line",
        ]
        return [
            (model, self.env["ir.model"]._get(model).name or model)
            for model in candidates
            if model in self.env
        ]

    @api.depends("source_ref")
    def _compute_source(self):
        for exception in self:
            source = exception.source_ref
            exception.source_model = source._name if source else False
            exception.source_res_id = source.id if source else False

    # ------------------------------------------------------------------ checks

    @api.model
    def _check_user_can_own(self, user, company, check_exists=True):
        """An owner or escalation contact must be an active internal user of the company."""
        if not user:
            return
        if check_exists and not user.exists():
            raise ValidationError(self.env._("The user you chose does not exist."))
        user = user.sudo()
        if not user.active:
            raise ValidationError(
                self.env._(
                    "%(user)s is archived and cannot own or follow up inventory exceptions.",
                    user=user.name,
                )
            )
        if user.share:
            raise ValidationError(
                self.env._(
                    "%(user)s is a portal user and cannot own inventory exceptions.",
                    user=user.name,
                )
            )
        if company not in user.company_ids:
            raise ValidationError(
                self.env._(
                    "%(user)s has no access to %(company)s and cannot own its inventory "
                    "exceptions.",
                    user=user.name,
                    company=company.name,
                )
            )

    @api.constrains("user_id", "escalation_user_id", "company_id")
    def _check_owner(self):
        checked = set()
        for exception in self:
            for user in exception.user_id | exception.escalation_user_id:
                if (user.id, exception.company_id.id) not in checked:
                    self._check_user_can_own(user, exception.company_id, check_exists=False)
                    checked.add((user.id, exception.company_id.id))

    @api.constrains("type_id", "product_id")
    def _check_product_required(self):
        for exception in self:
            if exception.type_id.requires_product and not exception.product_id:
                raise ValidationError(
                    self.env._(
                        "An exception of type %(type)s needs a product.",
                        type=exception.type_id.name,
                    )
                )

    @api.constrains("state", "reason_id", "corrective_action")
    def _check_root_cause_when_resolved(self):
        for exception in self:
            if exception.state in ("resolved", "closed"):
                exception._check_can_be_resolved()

    def _check_can_be_resolved(self):
        self.ensure_one()
        if not self.reason_id or not (self.corrective_action or "").strip():
            raise ValidationError(
                self.env._(
                    "Exception %(name)s cannot be resolved without a root cause and a "
                    "corrective action.",
                    name=self.name,
                )
            )

    def _check_manager(self, message):
        """Raise ``message`` unless the user is an Accuracy Manager."""
        if self.env.su or self.env.user.has_group("stock_accuracy.group_accuracy_manager"):
            return
        raise AccessError(message)

    # ------------------------------------------------------------------ CRUD

    # -- write policy (stock.accuracy.guarded) --------------------------------------------------
    def _accuracy_is_finished(self):
        return self.state == "closed"

    def _accuracy_allowed_fields(self):
        allowed = super()._accuracy_allowed_fields()
        if self.state in OPEN_STATES:
            allowed |= PROGRESS_FIELDS
        else:
            # A resolved or cancelled exception is reopened by its button, not edited.
            allowed = set()
        return allowed

    def _accuracy_check_unlink(self):
        raise AccessError(
            self.env._("Inventory exceptions are kept as history: cancel them instead.")
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not self._accuracy_on_internal_path():
            self._check_manager(
                self.env._("Only an Accuracy Manager can create an inventory exception by hand.")
            )
            self._accuracy_check_create(vals_list)
            return self._accuracy_internal().create(vals_list).with_env(self.env)
        routing_cache = {}
        unnamed = {}
        for vals in vals_list:
            self._prepare_routing(vals, routing_cache)
            if vals.get("name", "/") == "/":
                unnamed.setdefault(vals["company_id"], []).append(vals)
        for company_id, company_vals in unnamed.items():
            names = self._next_names(self.env["res.company"].browse(company_id), len(company_vals))
            for vals, name in zip(company_vals, names, strict=True):
                vals["name"] = name
        bulk = self.env.context.get("accuracy_exception_bulk")
        # The owner learns of a new exception from its activity; a bulk raise (detectors) skips
        # the per-record chatter work and subscribes the owners in one go per owner.
        exceptions = super(
            StockAccuracyException,
            self.with_context(
                mail_create_nolog=True, mail_auto_subscribe_no_notify=True, tracking_disable=bulk
            ),
        ).create(vals_list)
        if bulk:
            exceptions._subscribe_owners()
        exceptions._schedule_owner_activity(notify=not bulk)
        exceptions._create_verification_counts()
        return exceptions.with_env(self.env)

    def _subscribe_owners(self):
        for owner, exceptions in self.grouped("user_id").items():
            if owner:
                self.env["mail.followers"]._insert_followers(
                    self._name, exceptions.ids, owner.partner_id.ids, check_existing=False
                )

    def write(self, vals):
        self._accuracy_check_write(set(vals))
        if "date_deadline" in vals:
            vals = dict(vals, is_overdue=False, escalated=False)
        owners_before = {exception: exception.user_id for exception in self}
        result = super(StockAccuracyException, self._accuracy_internal()).write(vals)
        if "user_id" in vals or "date_deadline" in vals:
            for exception in self.filtered(lambda e: e.state in OPEN_STATES):
                if "user_id" in vals and owners_before[exception] != exception.user_id:
                    exception._reassign_activity()
                else:
                    exception._move_activity_deadline()
        return result

    def _prepare_routing(self, vals, cache=None):
        """Complete ``vals`` of a new exception with its company, warehouse, sequence name,
        routing rule, owner, escalation contact, severity and deadline. ``cache`` shares the
        routing of identical (company, warehouse, type) between the exceptions of one batch."""
        company = self.env["res.company"].browse(vals.get("company_id") or self.env.company.id)
        vals["company_id"] = company.id
        if not vals.get("type_id"):
            raise UserError(self.env._("An inventory exception needs a type."))
        exception_type = self.env["stock.accuracy.exception.type"].browse(vals["type_id"])
        location = self.env["stock.location"].browse(vals.get("location_id"))
        warehouse = self.env["stock.warehouse"].browse(vals.get("warehouse_id"))
        if not warehouse and location:
            warehouse = location.warehouse_id
            vals["warehouse_id"] = warehouse.id
        cache = {} if cache is None else cache
        key = (company.id, warehouse.id, exception_type.id)
        if key not in cache:
            rule = (
                self.env["stock.accuracy.exception.rule"]
                .sudo()
                ._find_rule(company, warehouse, exception_type)
            )
            now = fields.Datetime.now()
            cache[key] = {
                "rule_id": rule.id,
                "user_id": self._find_owner(company, warehouse, rule).id,
                "escalation_user_id": (
                    rule.escalation_user_id or company.accuracy_escalation_user_id
                )
                .filtered("active")
                .id,
                "severity": rule.severity or exception_type.default_severity,
                "date_deadline": (
                    rule._compute_deadline(now)
                    if rule
                    else company._accuracy_plan_working_days(
                        exception_type.default_deadline_days, now
                    )
                ),
            }
        for field, value in cache[key].items():
            if not vals.get(field):
                vals[field] = value
        return vals

    @api.model
    def _find_owner(self, company, warehouse, rule):
        """The routing rule's owner, else the warehouse's accuracy manager, else the first
        active Accuracy Manager of the company: an exception is never an orphan."""
        for candidate in (rule.user_id, warehouse.sudo().accuracy_manager_id):
            candidate = candidate.sudo()
            if candidate and candidate.active and company in candidate.company_ids:
                return candidate
        managers = self.env.ref("stock_accuracy.group_accuracy_manager").sudo().users
        owner = managers.filtered(
            lambda user: user.active and not user.share and company in user.company_ids
        ).sorted("id")[:1]
        if not owner:
            raise UserError(
                self.env._(
                    "No one can own inventory exceptions of %(company)s: add a routing rule or "
                    "give someone the Accuracy Manager role.",
                    company=company.name,
                )
            )
        return owner

    @api.model
    def _next_names(self, company, count):
        """``count`` references from the company's own sequence (created on first use), drawn
        in one query."""
        Sequence = self.env["ir.sequence"].sudo()
        code = "stock.accuracy.exception"
        sequence = Sequence.search([("code", "=", code), ("company_id", "=", company.id)], limit=1)
        if not sequence:
            sequence = Sequence.create(
                {
                    "name": self.env._("Inventory Exceptions %(company)s", company=company.name),
                    "code": code,
                    "prefix": "EXC/%(year)s/",
                    "padding": 5,
                    "company_id": company.id,
                }
            )
        return sequence._accuracy_next_many(count)

    # ------------------------------------------------------------------ activities

    def _activity_summary(self):
        self.ensure_one()
        return self.env._("%(type)s: %(name)s", type=self.type_id.name, name=self.name)

    def _schedule_owner_activity(self, notify=True):
        """Put each open exception in its owner's native activity list, due on its deadline;
        with ``notify``, the owner is also told by Odoo's usual activity notification."""
        activity_type = self.env.ref(ACTIVITY_TYPE_XMLID, raise_if_not_found=False)
        if not activity_type:
            return
        model_id = self.env["ir.model"]._get_id(self._name)
        vals_list = [
            {
                "res_model_id": model_id,
                "res_id": exception.id,
                "activity_type_id": activity_type.id,
                "summary": exception._activity_summary(),
                "user_id": exception.user_id.id,
                "date_deadline": fields.Date.context_today(exception, exception.date_deadline),
                "automated": True,
            }
            for exception in self
            if exception.user_id and exception.state in OPEN_STATES
        ]
        if vals_list:
            self.env["mail.activity"].sudo().with_context(
                mail_activity_quick_update=not notify
            ).create(vals_list)

    def _owner_activities(self):
        activity_type = self.env.ref(ACTIVITY_TYPE_XMLID, raise_if_not_found=False)
        return (
            self.sudo().activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
            if activity_type
            else self.env["mail.activity"]
        )

    def _reassign_activity(self):
        self.ensure_one()
        self._owner_activities().unlink()
        self._schedule_owner_activity()

    def _move_activity_deadline(self):
        self.ensure_one()
        for activity in self._owner_activities():
            activity.date_deadline = fields.Date.context_today(self, self.date_deadline)

    # ------------------------------------------------------------------ API

    @api.model
    def _raise_exception(self, type_code, source=None, values=None):
        """Raise an inventory anomaly, or refresh the open exception of the same anomaly.

        This is the one entry point every feature uses to report an anomaly::

            self.env["stock.accuracy.exception"]._raise_exception(
                "count_variance", count_line, {"product_id": ..., "location_id": ...,
                                              "quantity": -3.0, "value": -45.0})

        :param str type_code: ``code`` of a ``stock.accuracy.exception.type``
            (``count_variance``, ``check_mismatch``, ``negative_stock``, ``below_safety_stock``,
            ``dead_stock``, ``external_mismatch``, ``receipt_discrepancy``, ``damage``…).
        :param source: the record the anomaly comes from (a picking, move, quant, count line…),
            or ``None``. Its model must be in :meth:`_selection_source_model`. Its company,
            product, location and lot fill the values not given.
        :param dict values: more field values: ``product_id``, ``location_id``, ``lot_id``,
            ``warehouse_id``, ``company_id``, ``quantity``, ``value``, ``description``, and to
            override the routing ``user_id``, ``severity``, ``date_deadline``.
        :return: the new or refreshed exception. The same anomaly (company, type, product,
            location, lot and source) raised again while its exception is open increments
            ``occurrence_count`` and stores the latest quantity and value instead of opening a
            second exception, also when two transactions raise it at once.
        :raise UserError: unknown type, unsupported source, missing product, unknown or
            archived owner.
        """
        vals = dict(values or {})
        if source is not None:
            vals["source_ref"] = source
        return self._raise_exceptions(type_code, [vals])

    @api.model
    def _raise_exceptions(self, type_code, vals_list, count_occurrence=True, bulk=False):
        """Batch form of :meth:`_raise_exception`: one dict of values per anomaly (a source
        record under ``source_ref``). With ``count_occurrence=False`` (detectors re-checking a
        standing condition) an open exception only takes the latest quantity and value when
        they changed. ``bulk`` (detectors) creates the exceptions without per-record
        notifications. Returns the new and refreshed exceptions."""
        exception_type = self._get_type(type_code)
        Exception_ = self.sudo()._accuracy_internal().with_context(accuracy_exception_bulk=bulk)
        sources = dict(self._selection_source_model())
        prepared = [
            Exception_._prepare_raise_values(exception_type, vals, sources) for vals in vals_list
        ]
        existing = Exception_._find_open_duplicates(prepared)
        to_create = {}
        refreshed_ids = []
        for vals in prepared:
            key = Exception_._dedup_key(vals)
            duplicate = existing.get(key)
            if duplicate:
                duplicate._refresh_occurrence(vals, count_occurrence)
                refreshed_ids.append(duplicate.id)
            elif key in to_create:
                pending = to_create[key]
                pending.update({k: vals[k] for k in ("quantity", "value") if k in vals})
                if count_occurrence:
                    pending["occurrence_count"] = pending.get("occurrence_count", 1) + 1
            else:
                to_create[key] = vals
        created = Exception_.browse()
        if to_create:
            created = Exception_._create_or_refresh(list(to_create.values()), count_occurrence)
        return (Exception_.browse(refreshed_ids) | created).with_env(self.env)

    @api.model
    def _get_type(self, type_code):
        exception_type = (
            self.env["stock.accuracy.exception.type"]
            .sudo()
            .search([("code", "=", type_code)], limit=1)
        )
        if not exception_type:
            raise UserError(
                self.env._("There is no active exception type with code %(code)s.", code=type_code)
            )
        return exception_type

    @api.model
    def _prepare_raise_values(self, exception_type, vals, sources):
        vals = dict(vals, type_id=exception_type.id)
        source = vals.pop("source_ref", None)
        if isinstance(source, str) and source:
            model, res_id = source.split(",")
            source = self.env[model].browse(int(res_id))
        if source:
            self._values_from_source(source, vals, sources)
        for field in ("product_id", "location_id", "lot_id", "warehouse_id", "company_id"):
            value = vals.get(field)
            if isinstance(value, models.BaseModel):
                vals[field] = value.id
        if not vals.get("company_id"):
            location = self.env["stock.location"].browse(vals.get("location_id"))
            vals["company_id"] = location.company_id.id or self.env.company.id
        if exception_type.requires_product and not vals.get("product_id"):
            raise UserError(
                self.env._(
                    "An exception of type %(type)s needs a product.", type=exception_type.name
                )
            )
        if vals.get("user_id"):
            user = self.env["res.users"].browse(vals["user_id"])
            if not user.exists():
                raise UserError(self.env._("The user you chose does not exist."))
            try:
                self._check_user_can_own(user, self.env["res.company"].browse(vals["company_id"]))
            except ValidationError as error:
                raise UserError(error.args[0]) from error
        for field in DEDUP_FIELDS:
            vals.setdefault(field, False)
        vals.setdefault("date_last_occurrence", fields.Datetime.now())
        return vals

    @api.model
    def _values_from_source(self, source, vals, sources):
        """Fill the source reference of ``vals`` and the company, product, location and lot
        it does not give from the source record."""
        if source._name not in sources:
            raise UserError(
                self.env._(
                    "An inventory exception cannot come from a %(model)s record.",
                    model=source._description,
                )
            )
        vals["source_ref"] = f"{source._name},{source.id}"
        own_field = {
            "product.product": "product_id",
            "stock.location": "location_id",
            "stock.lot": "lot_id",
        }.get(source._name)
        if own_field:
            vals.setdefault(own_field, source.id)
        for field in ("company_id", "product_id", "location_id", "lot_id"):
            if field not in vals and field in source._fields:
                related = source[field]
                if isinstance(related, models.BaseModel) and len(related) == 1:
                    vals[field] = related.id
        return vals

    @api.model
    def _dedup_key(self, vals):
        return tuple(vals.get(field) or False for field in DEDUP_FIELDS)

    @api.model
    def _find_open_duplicates(self, vals_list):
        """{dedup key: open exception} for the anomalies in ``vals_list``, in one query."""
        if not vals_list:
            return {}
        self.flush_model(list(DEDUP_FIELDS) + ["state"])
        keys = list({self._dedup_key(vals) for vals in vals_list})
        self.env.cr.execute(
            SQL(
                """
                SELECT e.id, e.company_id, e.type_id, e.product_id, e.location_id, e.lot_id,
                       e.source_ref
                  FROM stock_accuracy_exception e
                  JOIN unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::int[], %s::text[])
                       AS k(company_id, type_id, product_id, location_id, lot_id, source_ref)
                    ON e.company_id = k.company_id AND e.type_id = k.type_id
                   AND COALESCE(e.product_id, 0) = k.product_id
                   AND COALESCE(e.location_id, 0) = k.location_id
                   AND COALESCE(e.lot_id, 0) = k.lot_id
                   AND COALESCE(e.source_ref, '') = k.source_ref
                 WHERE e.state IN %s
                """,
                *[[key[i] or 0 for key in keys] for i in range(5)],
                [key[5] or "" for key in keys],
                OPEN_STATES,
            )
        )
        rows = self.env.cr.fetchall()
        found = self.browse([row[0] for row in rows])
        return {
            tuple(value or False for value in row[1:]): exception
            for row, exception in zip(rows, found, strict=True)
        }

    def _read_dedup_values(self):
        self.ensure_one()
        values = {}
        for field in DEDUP_FIELDS:
            value = self[field]
            if field == "source_ref":
                values[field] = f"{value._name},{value.id}" if value else False
            else:
                values[field] = value.id
        return values

    def _refresh_occurrence(self, vals, count_occurrence=True):
        self.ensure_one()
        update = {}
        for field in ("quantity", "value"):
            # Compare as stored (rounded to the field's precision), so that a detector finding
            # the same figures again writes nothing.
            if (
                field in vals
                and self._fields[field].convert_to_cache(vals[field], self) != self[field]
            ):
                update[field] = vals[field]
        if count_occurrence:
            update["occurrence_count"] = self.occurrence_count + 1
            update["date_last_occurrence"] = vals.get("date_last_occurrence", fields.Datetime.now())
        if update:
            self._accuracy_internal().write(update)

    @api.model
    def _create_or_refresh(self, vals_list, count_occurrence):
        """Create the exceptions; if another transaction created one of them meanwhile (the
        unique index on open exceptions refuses it), refresh that one instead."""
        try:
            with self.env.cr.savepoint():
                if self.env.context.get("accuracy_exception_bulk"):
                    return self._insert_bulk(vals_list)
                return self.create(vals_list)
        except pg_errors.UniqueViolation:
            _logger.info("Inventory exception raised concurrently, refreshing it instead")
            self.env.invalidate_all()
        result_ids = []
        for vals in vals_list:
            try:
                with self.env.cr.savepoint():
                    result_ids.append(self.create([vals]).id)
            except pg_errors.UniqueViolation:
                self.env.invalidate_all()
                duplicate = self._find_open_duplicates([vals]).get(self._dedup_key(vals))
                if not duplicate:
                    self._raise_concurrent_update()
                duplicate._refresh_occurrence(vals, count_occurrence)
                result_ids.append(duplicate.id)
        return self.browse(result_ids)

    @api.model
    def _raise_concurrent_update(self):
        """Another transaction committed the same anomaly after this one started, so this
        one cannot see it to refresh it: fail with PostgreSQL's own serialization failure,
        which Odoo answers by running the whole request (or cron job) again."""
        self.env.cr.execute(
            SQL(
                """
                DO $$ BEGIN
                    RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
                        MESSAGE = 'inventory exception raised by a concurrent transaction';
                END $$
                """
            )
        )

    def _create_verification_counts(self, trigger="exception"):
        """A spot count of the product at the location of every exception whose type asks
        for a count to verify the stock (or of all of them, on demand)."""
        exceptions = self.filtered(
            lambda e: (
                e.product_id
                and e.location_id.usage == "internal"
                and e.location_id.warehouse_id
                and (trigger == "manual" or e.type_id.count_to_verify)
            )
        )
        if not exceptions:
            return self.env["stock.accuracy.count"]
        book = {
            (location.id, product.id, lot.id): quantity
            for location, product, lot, quantity in self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", exceptions.product_id.ids),
                    ("location_id", "in", exceptions.location_id.ids),
                ],
                ["location_id", "product_id", "lot_id"],
                ["quantity:sum"],
            )
        }
        Line = self.env["stock.accuracy.count.line"]
        items = [
            Line._spot_item(
                exception,
                book_quantity=book.get(
                    (exception.location_id.id, exception.product_id.id, exception.lot_id.id), 0.0
                ),
            )
            for exception in exceptions
        ]
        return self.env["stock.accuracy.count"]._create_spot_counts(
            items, "exception", origin=", ".join(exceptions.mapped("name"))
        )

    def action_accuracy_spot_count(self):
        counts = self._create_verification_counts(trigger="manual")
        if not counts:
            raise UserError(
                self.env._("Nothing to count: the product is already in an open count session.")
            )
        return counts._action_open_sessions()

    @api.model
    def _insert_bulk(self, vals_list):
        """The detectors' way to create many exceptions: routed, named, given their owner's
        activity and followed by their owner exactly like :meth:`create` does, but written with
        one INSERT per table instead of one ORM create per record. Checks that ``create``'s
        constraints would make hold by construction (owners come from the routing). An anomaly
        another transaction has just raised is skipped (or, when that transaction committed
        after this one started, PostgreSQL fails this one with a serialization failure that
        Odoo retries), never created twice."""
        routing_cache = {}
        per_company = {}
        for vals in vals_list:
            self._prepare_routing(vals, routing_cache)
            per_company.setdefault(vals["company_id"], []).append(vals)
        for company_id, company_vals in per_company.items():
            names = self._next_names(self.env["res.company"].browse(company_id), len(company_vals))
            for vals, name in zip(company_vals, names, strict=True):
                vals["name"] = name
        self.env.flush_all()
        now = fields.Datetime.now()
        uid = self.env.uid
        rows = [
            (
                vals["name"],
                vals["company_id"],
                vals.get("warehouse_id") or None,
                vals["type_id"],
                vals.get("product_id") or None,
                vals.get("location_id") or None,
                vals.get("lot_id") or None,
                vals.get("source_ref") or None,
                vals["source_ref"].split(",")[0] if vals.get("source_ref") else None,
                int(vals["source_ref"].split(",")[1]) if vals.get("source_ref") else None,
                vals.get("quantity") or 0.0,
                vals.get("value") or 0.0,
                vals.get("description") or None,
                vals["severity"],
                vals.get("user_id") or None,
                vals.get("escalation_user_id") or None,
                vals.get("rule_id") or None,
                vals["date_deadline"],
                bool(vals.get("detected_by_cron")),
                vals.get("date_last_occurrence") or now,
                uid,
                now,
            )
            for vals in vals_list
        ]
        ids = []
        for batch in split_every(1000, rows, list):
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO stock_accuracy_exception (
                        name, company_id, warehouse_id, type_id, product_id, location_id, lot_id,
                        source_ref, source_model, source_res_id, quantity, value, description,
                        severity, user_id, escalation_user_id, rule_id, date_deadline,
                        detected_by_cron, date_last_occurrence, create_uid, create_date,
                        write_uid, write_date, state, occurrence_count, is_overdue, escalated)
                    SELECT r.*, r.create_uid, r.create_date, 'new', 1, FALSE, FALSE
                      FROM (VALUES %s) AS r (
                        name, company_id, warehouse_id, type_id, product_id, location_id, lot_id,
                        source_ref, source_model, source_res_id, quantity, value, description,
                        severity, user_id, escalation_user_id, rule_id, date_deadline,
                        detected_by_cron, date_last_occurrence, create_uid, create_date)
                    ON CONFLICT (
                        company_id, type_id, COALESCE(product_id, 0), COALESCE(location_id, 0),
                        COALESCE(lot_id, 0), COALESCE(source_ref, '')
                    ) WHERE state IN ('new', 'in_progress') DO NOTHING
                    RETURNING id
                    """,
                    SQL(", ").join(
                        SQL(
                            "(%s, %s::int, %s::int, %s::int, %s::int, %s::int, %s::int, %s, %s,"
                            " %s::int, %s::numeric, %s::numeric, %s, %s, %s::int, %s::int,"
                            " %s::int, %s::timestamp, %s::bool, %s::timestamp, %s::int,"
                            " %s::timestamp)",
                            *row,
                        )
                        for row in batch
                    ),
                )
            )
            ids.extend(row[0] for row in self.env.cr.fetchall())
        exceptions = self.browse(ids)
        exceptions._insert_owner_followers()
        exceptions._insert_owner_activities()
        return exceptions

    def _insert_owner_followers(self):
        """:meth:`_subscribe_owners` in one statement, for :meth:`_insert_bulk`: each owner
        follows their new exceptions with the model's default subtypes."""
        subtype_ids = self.env["mail.message.subtype"]._default_subtypes(self._name)[0]
        self.env.cr.execute(
            SQL(
                """
                WITH follower AS (
                    INSERT INTO mail_followers (res_model, res_id, partner_id)
                    SELECT %(model)s, e.id, u.partner_id
                      FROM stock_accuracy_exception e
                      JOIN res_users u ON u.id = e.user_id
                     WHERE e.id = ANY(%(ids)s)
                    ON CONFLICT DO NOTHING
                    RETURNING id
                )
                INSERT INTO mail_followers_mail_message_subtype_rel
                       (mail_followers_id, mail_message_subtype_id)
                SELECT follower.id, subtype_id
                  FROM follower, unnest(%(subtype_ids)s::int[]) AS subtype_id
                """,
                model=self._name,
                ids=self.ids,
                subtype_ids=subtype_ids,
            )
        )
        self.env["mail.followers"].invalidate_model()

    def _insert_owner_activities(self):
        """:meth:`_schedule_owner_activity` in one INSERT, for :meth:`_insert_bulk`."""
        activity_type = self.env.ref(ACTIVITY_TYPE_XMLID, raise_if_not_found=False)
        if not activity_type or not self:
            return
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_activity (
                    res_model_id, res_model, res_id, res_name, activity_type_id, summary,
                    user_id, user_tz, date_deadline, automated, active, create_uid, create_date,
                    write_uid, write_date)
                SELECT %(model_id)s, %(model)s, e.id, e.name, %(type_id)s,
                       %(type_name)s || ': ' || e.name, e.user_id, p.tz,
                       (e.date_deadline AT TIME ZONE 'UTC'
                           AT TIME ZONE COALESCE(p.tz, 'UTC'))::date,
                       TRUE, TRUE, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s,
                       NOW() AT TIME ZONE 'UTC'
                  FROM stock_accuracy_exception e
                  JOIN res_users u ON u.id = e.user_id
                  JOIN res_partner p ON p.id = u.partner_id
                 WHERE e.id = ANY(%(ids)s)
                """,
                model_id=self.env["ir.model"]._get_id(self._name),
                model=self._name,
                type_id=activity_type.id,
                type_name=self.type_id[:1].name or "",
                uid=self.env.uid,
                ids=self.ids,
            )
        )
        self.env["mail.activity"].invalidate_model()
        self.invalidate_recordset()

    # ------------------------------------------------------------------ actions

    def action_start(self):
        for exception in self:
            if exception.state != "new":
                raise UserError(
                    self.env._(
                        "Only a new exception can be started (%(name)s).", name=exception.name
                    )
                )
        self.sudo()._accuracy_internal().write({"state": "in_progress"})
        return True

    def action_resolve(self):
        for exception in self:
            if exception.state not in OPEN_STATES:
                raise UserError(self.env._("Exception %(name)s is not open.", name=exception.name))
            exception._check_can_be_resolved()
            if exception.reason_id.requires_note and not (exception.description or "").strip():
                raise UserError(
                    self.env._(
                        "Root cause %(reason)s needs a note: describe what happened on "
                        "exception %(name)s.",
                        reason=exception.reason_id.display_name,
                        name=exception.name,
                    )
                )
        self.sudo()._accuracy_internal().write(
            {"state": "resolved", "date_resolved": fields.Datetime.now(), "is_overdue": False}
        )
        for exception in self:
            exception._owner_activities().action_feedback(feedback=exception.corrective_action)
        return True

    def action_close(self):
        self._check_manager(
            self.env._("Only an Accuracy Manager can close an inventory exception.")
        )
        for exception in self:
            if exception.state != "resolved":
                raise UserError(
                    self.env._(
                        "Only a resolved exception can be closed (%(name)s).", name=exception.name
                    )
                )
        self.sudo()._accuracy_internal().write(
            {
                "state": "closed",
                "date_closed": fields.Datetime.now(),
                "closed_by_id": self.env.user.id,
            }
        )
        return True

    def action_cancel(self):
        self._check_manager(
            self.env._("Only an Accuracy Manager can cancel an inventory exception.")
        )
        for exception in self:
            if exception.state not in OPEN_STATES:
                raise UserError(self.env._("Exception %(name)s is not open.", name=exception.name))
        self.sudo()._accuracy_internal().write({"state": "cancelled", "is_overdue": False})
        self._owner_activities().unlink()
        return True

    def action_reopen(self):
        """Reopen a resolved or cancelled exception; its chatter keeps the history of the
        earlier resolution. A closed exception is history and stays closed."""
        self._check_manager(
            self.env._("Only an Accuracy Manager can reopen an inventory exception.")
        )
        for exception in self:
            if exception.state in OPEN_STATES:
                raise UserError(
                    self.env._("Exception %(name)s is already open.", name=exception.name)
                )
            if exception.state == "closed":
                raise UserError(
                    self.env._(
                        "Exception %(name)s is closed: its resolution is history. Raise a new "
                        "one if the anomaly is back.",
                        name=exception.name,
                    )
                )
            duplicate = exception._find_open_duplicates([exception._read_dedup_values()]).get(
                exception._dedup_key(exception._read_dedup_values())
            )
            if duplicate:
                raise UserError(
                    self.env._(
                        "The same anomaly is already open as %(other)s; work on that one.",
                        other=duplicate.name,
                    )
                )
        self.sudo()._accuracy_internal().write(
            {
                "state": "in_progress",
                "date_resolved": False,
                "date_closed": False,
                "closed_by_id": False,
                "escalated": False,
                "is_overdue": False,
            }
        )
        self.sudo()._schedule_owner_activity()
        return True

    def _auto_resolve(self, note):
        """Resolve open exceptions whose anomaly is gone (detectors), with ``note`` as the
        corrective action and the shipped "condition cleared" root cause."""
        reason = self.env.ref(AUTO_RESOLVE_REASON_XMLID, raise_if_not_found=False)
        if not reason:
            reason = (
                self.env["stock.accuracy.reason"].sudo().search([("code", "=", "AUTO")], limit=1)
            )
        to_resolve = self.sudo().filtered(lambda e: e.state in OPEN_STATES)
        if not to_resolve:
            return to_resolve
        to_resolve._accuracy_internal().write(
            {
                "reason_id": reason.id,
                "corrective_action": note,
                "state": "resolved",
                "date_resolved": fields.Datetime.now(),
                "is_overdue": False,
            }
        )
        to_resolve._owner_activities().action_feedback(feedback=note)
        return to_resolve

    # ------------------------------------------------------------------ escalation

    @api.model
    def _cron_escalate_overdue(self):
        """Flag open exceptions past their deadline; tell the owner and the escalation contact
        once per missed deadline (a new deadline arms it again)."""
        overdue = self.sudo().search(
            [
                ("state", "in", OPEN_STATES),
                ("date_deadline", "<", fields.Datetime.now()),
                ("escalated", "=", False),
            ]
        )
        for exception in overdue:
            contacts = exception.user_id | exception.escalation_user_id
            exception.message_post(
                body=self.env._(
                    "Exception %(name)s missed its deadline of %(deadline)s. Owner: %(owner)s.",
                    name=exception.name,
                    deadline=fields.Datetime.to_string(exception.date_deadline),
                    owner=exception.user_id.name or "-",
                ),
                partner_ids=contacts.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
            if exception.escalation_user_id:
                exception.activity_schedule(
                    act_type_xmlid="mail.mail_activity_data_todo",
                    summary=self.env._(
                        "Overdue: %(summary)s", summary=exception._activity_summary()
                    ),
                    user_id=exception.escalation_user_id.id,
                )
        overdue._accuracy_internal().write(
            {"is_overdue": True, "escalated": True, "date_escalated": fields.Datetime.now()}
        )
        return overdue

    # ------------------------------------------------------------------ detectors

    @api.model
    def _cron_run_detectors(self):
        self.env["stock.accuracy.exception.detector"]._run_all()

    @api.model
    def action_run_detectors(self):
        self._check_manager(self.env._("Only an Accuracy Manager can run the exception detectors."))
        counts = self.env["stock.accuracy.exception.detector"]._run_all(self.env.user.company_ids)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Detectors done"),
                "message": self.env._(
                    "%(created)s exceptions raised, %(refreshed)s still open, %(resolved)s "
                    "resolved.",
                    created=counts["created"],
                    refreshed=counts["refreshed"],
                    resolved=counts["resolved"],
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _action_for(self, domain):
        """The exceptions window limited to ``domain``, open ones first (smart buttons)."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_accuracy.action_stock_accuracy_exception"
        )
        action["domain"] = domain
        action["context"] = {"search_default_filter_open": 1, "create": 0}
        return action

    def action_open_source(self):
        self.ensure_one()
        if not self.source_ref:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.source_ref._name,
            "res_id": self.source_ref.id,
            "view_mode": "form",
            "target": "current",
        }
