from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .res_users import INTERNAL_USER_OF_COMPANY

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
