from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

OPEN_STATES = ("draft", "in_progress", "to_approve")


class StockAccuracyCount(models.Model):
    """A count session: the lines one counter (or a team) counts in a warehouse on a day."""

    _name = "stock.accuracy.count"
    _description = "Count Session"
    _inherit = ["mail.thread", "mail.activity.mixin", "stock.accuracy.guarded"]
    _check_company_auto = True
    _order = "scheduled_date desc, id desc"

    name = fields.Char(
        required=True, copy=False, readonly=True, default=lambda self: self.env._("New")
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, check_company=True, tracking=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    count_type = fields.Selection(
        [
            ("cycle", "Cycle"),
            ("full", "Full (Static)"),
            ("spot", "Spot (Dynamic)"),
            ("recount", "Recount"),
        ],
        string="Type",
        required=True,
        default="cycle",
        tracking=True,
    )
    trigger = fields.Selection(
        [
            ("plan", "Planner"),
            ("manual", "On Demand"),
            ("negative", "Negative Stock"),
            ("zero", "Empty Location"),
            ("exception", "Exception"),
        ],
        default="manual",
        readonly=True,
    )
    origin = fields.Char(string="Source Document")
    scheduled_date = fields.Date(
        required=True, default=fields.Date.context_today, tracking=True, index=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("in_progress", "In Progress"),
            ("to_approve", "To Approve"),
            ("done", "Done"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
    )
    counter_ids = fields.Many2many("res.users", string="Counters", tracking=True)
    zone_location_id = fields.Many2one("stock.location", string="Zone", check_company=True)
    lock_location_id = fields.Many2one(
        "stock.location",
        string="Locked Locations",
        check_company=True,
        help="While this full count is in progress, no move in or out of this location and "
        "its sublocations can be validated.",
    )
    lock_lifted = fields.Boolean(readonly=True, tracking=True)
    blind = fields.Boolean(default=True, help="Counters do not see the quantity on hand.")
    line_ids = fields.One2many("stock.accuracy.count.line", "count_id", string="Lines")
    line_count = fields.Integer(compute="_compute_line_count", string="Lines Count")

    @api.depends("line_ids")
    def _compute_line_count(self):
        counts = dict(
            self.env["stock.accuracy.count.line"]._read_group(
                [("count_id", "in", self.ids)], ["count_id"], ["__count"]
            )
        )
        for count in self:
            count.line_count = counts.get(count, 0)

    @api.model_create_multi
    def create(self, vals_list):
        self._accuracy_check_create(vals_list)
        new = self.env._("New")
        unnamed = [vals for vals in vals_list if not vals.get("name") or vals["name"] == new]
        for vals, name in zip(unnamed, self._next_names(len(unnamed)), strict=True):
            vals["name"] = name
        # The values were judged above; the name and defaults are the system's.
        return (
            super(StockAccuracyCount, self._accuracy_internal())
            .create(vals_list)
            .with_env(self.env)
        )

    @api.model
    def _next_names(self, number):
        """``number`` session references drawn from the sequence at once: the planner creates
        hundreds of sessions, and one ``next_by_code`` per session (a search and a nextval
        each) dominated its time."""
        if not number:
            return []
        sequence = self.env["ir.sequence"].search(
            [
                ("code", "=", "stock.accuracy.count"),
                ("company_id", "in", [self.env.company.id, False]),
            ],
            order="company_id",
            limit=1,
        )
        if not sequence:
            return ["/"] * number
        return sequence.sudo()._accuracy_next_many(number)

    # -- write policy (stock.accuracy.guarded) --------------------------------------------------
    def _accuracy_is_finished(self):
        return self.state in ("done", "cancel")

    def _accuracy_is_manager(self):
        return self.env.user.has_group("stock_accuracy.group_accuracy_manager")

    def _accuracy_is_assigned(self, user=None):
        """Whether ``user`` (the current one) counts this session: one of its counters, or
        any Counter of its company when the session names none."""
        self.ensure_one()
        user = user or self.env.user
        if self.counter_ids:
            return user in self.counter_ids
        return user.has_group("stock_accuracy.group_accuracy_counter") and (
            self.company_id in user.company_ids
        )

    def _accuracy_allowed_fields(self):
        allowed = set()
        if self._accuracy_is_manager():
            if self.state == "draft":
                allowed |= super()._accuracy_allowed_fields()
            else:
                allowed |= {"counter_ids", "scheduled_date", "origin", "line_ids"}
        if self.state == "in_progress" and self._accuracy_is_assigned():
            # Counting through the session's form: each line's own policy judges its values.
            allowed.add("line_ids")
        return allowed

    def _accuracy_check_unlink(self):
        started = self.filtered(lambda c: c.state != "draft")
        if started:
            raise UserError(
                self.env._(
                    "Only a draft session can be deleted; cancel the others: %(names)s.",
                    names=", ".join(started[:5].mapped("name")),
                )
            )

    def unlink(self):
        self._accuracy_check_write_access_unlink()
        lines = self.line_ids
        if lines:
            lines._accuracy_internal().unlink()
        return super().unlink()

    def _accuracy_check_write_access_unlink(self):
        if not self._accuracy_on_internal_path():
            self.check_access("unlink")
            self._accuracy_check_unlink()

    def _accuracy_check_counter(self):
        """Refuse counting in these sessions to users who do not count them."""
        for count in self:
            if not (count._accuracy_is_assigned() or count._accuracy_is_manager()):
                raise AccessError(
                    self.env._(
                        "%(name)s is counted by %(counters)s; you are not assigned to it.",
                        name=count.name,
                        counters=", ".join(count.counter_ids.mapped("name"))
                        or self.env._("its warehouse's counters"),
                    )
                )

    def action_start(self):
        for count in self:
            if count.state != "draft":
                raise UserError(
                    self.env._("Only a draft session can start: %(name)s.", name=count.name)
                )
        self._accuracy_check_counter()
        self._accuracy_internal().write({"state": "in_progress"})
        return True

    def action_submit(self):
        """Hand in the counts: lines within tolerance are applied, the others go to a recount
        or to approval. All lines are checked before anything is applied."""
        for count in self:
            if count.state != "in_progress":
                raise UserError(
                    self.env._(
                        "%(name)s cannot be submitted: only a session in progress can.",
                        name=count.name,
                    )
                )
        self._accuracy_check_counter()
        lines = self.line_ids.filtered(lambda ln: ln.state != "cancel")
        lines._check_counted()
        self._accuracy_internal().write({"state": "to_approve"})
        # Settling reads the book: the system's part, as the system.
        lines.filtered(lambda ln: ln.state == "counted").sudo()._settle_counted()
        self._check_done()
        return True

    def _check_done(self):
        """Sessions whose lines are all settled are done."""
        finished = self.filtered(
            lambda c: (
                c.state == "to_approve"
                and all(line.state in ("done", "cancel") for line in c.line_ids)
            )
        )
        if finished:
            finished.sudo()._accuracy_internal().write({"state": "done"})

    def action_cancel(self):
        if not self._accuracy_is_manager():
            raise AccessError(self.env._("Only accuracy managers cancel count sessions."))
        if self.filtered(lambda c: c.state == "done"):
            raise UserError(self.env._("A finished count session cannot be cancelled."))
        self.check_access("write")
        self._accuracy_internal().write({"state": "cancel"})
        self.line_ids.filtered(lambda ln: ln.state != "done")._accuracy_internal().write(
            {"state": "cancel"}
        )
        return True

    @api.model
    def _create_from_quants(self, quants, previews):
        """A session holding the counts typed in the Physical Inventory screen, one per
        warehouse, already counted by whoever typed them."""
        now = fields.Datetime.now()
        Line = self.env["stock.accuracy.count.line"]
        by_warehouse = {}
        for quant in quants:
            by_warehouse.setdefault(quant.location_id.warehouse_id, []).append(quant)
        vals_list = []
        for warehouse, wh_quants in by_warehouse.items():
            vals_list.append(
                {
                    "warehouse_id": warehouse.id,
                    "company_id": warehouse.company_id.id,
                    "count_type": "spot",
                    "trigger": "manual",
                    "origin": self.env._("Physical Inventory"),
                    "blind": False,
                    "state": "to_approve",
                    "counter_ids": [fields.Command.set([self.env.uid])],
                    "line_ids": [
                        fields.Command.create(
                            Line._line_values(
                                quant,
                                abc_class=previews[quant.id].abc_class,
                                unit_cost=previews[quant.id].unit_cost,
                                counted_quantity=quant.inventory_quantity,
                                counter_id=(quant.user_id or self.env.user).id,
                                counted_date=now,
                                reason_id=quant.accuracy_reason_id.id,
                                state="counted",
                            )
                        )
                        for quant in wh_quants
                    ],
                }
            )
        return self.sudo()._accuracy_internal().create(vals_list).with_env(self.sudo().env)

    def action_lift_lock(self):
        if not self.env.user.has_group("stock_accuracy.group_accuracy_manager"):
            raise AccessError(self.env._("Only accuracy managers can lift a count lock."))
        self.check_access("write")
        self._accuracy_internal().write({"lock_lifted": True})
        for count in self:
            count.message_post(body=self.env._("Stock moves are allowed again during this count."))
        return True

    def action_restore_lock(self):
        if not self.env.user.has_group("stock_accuracy.group_accuracy_manager"):
            raise AccessError(self.env._("Only accuracy managers can lock a count."))
        self.check_access("write")
        self._accuracy_internal().write({"lock_lifted": False})
        return True

    def action_print_count_sheet(self):
        """The PDF count sheet, or the Excel one where PDFs cannot be rendered."""
        if len(self) == 1 and self.env["ir.actions.report"].get_wkhtmltopdf_state() in (
            "install",
            "broken",
        ):
            return self.action_export_count_sheet_xlsx()
        return self.env.ref("stock_accuracy.action_report_count_sheet").report_action(self)

    def action_export_count_sheet_xlsx(self):
        self.ensure_one()
        return self.env["stock.accuracy.count.sheet.export"]._action_download(self)

    def _sorted_lines(self):
        self.ensure_one()
        return self.line_ids.filtered(lambda line: line.state != "cancel").sorted(
            lambda line: (line.location_id.complete_name or "", line.product_id.display_name)
        )

    @api.model
    def _open_line_keys(self, warehouse_ids):
        """(location, product, lot) of every line already waiting in an open session."""
        self.env["stock.accuracy.count.line"].flush_model()
        self.flush_model(["state", "warehouse_id"])
        self.env.cr.execute(
            SQL(
                """
            SELECT DISTINCT l.location_id, l.product_id, COALESCE(l.lot_id, 0)
              FROM stock_accuracy_count_line l
              JOIN stock_accuracy_count c ON c.id = l.count_id
             WHERE c.state IN %s AND c.warehouse_id IN %s AND l.state != 'cancel'
            """,
                OPEN_STATES,
                tuple(warehouse_ids) or (0,),
            ),
        )
        return set(self.env.cr.fetchall())

    @api.model
    def _create_spot_counts(self, items, trigger, origin=False):
        """Create one spot session per warehouse for items [(quant_values)] not already in an
        open session, and give the policy's responsible an activity. Items are dicts with
        warehouse_id, location_id, product_id and optional lot_id, package_id, owner_id,
        quant_id, book_quantity."""
        if not items:
            return self.browse()
        open_keys = self._open_line_keys({item["warehouse_id"] for item in items})
        by_warehouse = {}
        for item in items:
            key = (item["location_id"], item["product_id"], item.get("lot_id") or 0)
            if key in open_keys:
                continue
            open_keys.add(key)
            by_warehouse.setdefault(item["warehouse_id"], []).append(item)
        if not by_warehouse:
            return self.browse()
        warehouses = self.env["stock.warehouse"].sudo().browse(list(by_warehouse))
        class_by_key = self.env["stock.accuracy.count.line"]._class_by_product_warehouse(
            [(i["product_id"], i["warehouse_id"]) for i in items]
        )
        vals_list = []
        for warehouse in warehouses:
            policy = warehouse.accuracy_policy_id
            vals_list.append(
                {
                    "warehouse_id": warehouse.id,
                    "company_id": warehouse.company_id.id,
                    "count_type": "spot",
                    "trigger": trigger,
                    "origin": origin,
                    "blind": policy.blind if policy else True,
                    "counter_ids": [fields.Command.set(policy.counter_ids[:1].ids)],
                    "line_ids": [
                        fields.Command.create(
                            {
                                key: value
                                for key, value in dict(
                                    item,
                                    abc_class=class_by_key.get(
                                        (item["product_id"], warehouse.id), "c"
                                    ),
                                ).items()
                                if key != "warehouse_id"
                            }
                        )
                        for item in by_warehouse[warehouse.id]
                    ],
                }
            )
        counts = self.sudo()._accuracy_internal().create(vals_list).with_env(self.sudo().env)
        for count in counts:
            policy = count.warehouse_id.accuracy_policy_id
            user = (
                policy.responsible_id
                or count.warehouse_id.company_id.sudo().partner_id.user_ids[:1]
                or self.env.user
            )
            count.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Spot count: %(reason)s", reason=count._trigger_label()),
                user_id=user.id,
            )
        return counts

    def _trigger_label(self):
        self.ensure_one()
        return dict(self._fields["trigger"]._description_selection(self.env)).get(self.trigger, "")

    @api.model
    def _spot_items_for_quants(self, quants):
        Line = self.env["stock.accuracy.count.line"]
        return [Line._spot_item(quant) for quant in quants if quant.location_id.warehouse_id]

    def action_view_lines(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "stock.accuracy.count.line",
            "view_mode": "list",
            "domain": [("count_id", "=", self.id)],
        }

    def _action_open_sessions(self):
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Count Sessions"),
            "res_model": "stock.accuracy.count",
            "view_mode": "list,form",
            "domain": [("id", "in", self.ids)],
        }
        if len(self) == 1:
            action.update(view_mode="form", res_id=self.id)
        return action

    @api.model
    def _create_full_count(self, warehouse, root, scheduled_date, counters):
        """A wall-to-wall session: every quant below root, locking root's subtree."""
        quants = (
            self.env["stock.quant"]
            .sudo()
            .search([("location_id", "child_of", root.id), ("location_id.usage", "=", "internal")])
        )
        quants = quants.sorted(lambda q: (q.location_id.complete_name, q.product_id.id))
        classes = self.env["stock.accuracy.count.line"]._class_by_product_warehouse(
            [(q.product_id.id, warehouse.id) for q in quants]
        )
        policy = warehouse.accuracy_policy_id
        self.check_access("create")
        return self._accuracy_internal().create(
            {
                "warehouse_id": warehouse.id,
                "company_id": warehouse.company_id.id,
                "count_type": "full",
                "trigger": "manual",
                "scheduled_date": scheduled_date,
                "lock_location_id": root.id,
                "blind": policy.blind if policy else True,
                "origin": root.complete_name,
                "counter_ids": [fields.Command.set(counters.ids)],
                "line_ids": [
                    fields.Command.create(
                        self.env["stock.accuracy.count.line"]._line_values(
                            quant,
                            sequence=sequence,
                            abc_class=classes.get((quant.product_id.id, warehouse.id), "c"),
                        )
                    )
                    for sequence, quant in enumerate(quants, start=1)
                ],
            }
        )
