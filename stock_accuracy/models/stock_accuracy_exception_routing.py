"""Who owns an inventory exception: routing rules, owners' activities and escalation."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from .stock_accuracy_exception import ACTIVITY_TYPE_XMLID, OPEN_STATES


# pylint: disable=consider-merging-classes-inherited
class StockAccuracyException(models.Model):
    # One model, its parts in files of their own (what each file holds is in its docstring).
    _inherit = "stock.accuracy.exception"

    # ------------------------------------------------------------------ routing

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
