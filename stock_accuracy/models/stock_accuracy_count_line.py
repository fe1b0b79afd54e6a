from datetime import timedelta

import psycopg2

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_compare, float_round

from .stock_accuracy_policy import ABC_CLASSES

# The book side of a count (book, difference, value, tolerance, applied and recount figures):
# only accuracy managers read these fields, through every ORM path (read, search, ordering,
# grouping, export); others read the ``shown_*`` fields, empty while a session is blind.
BOOK_GROUP = "stock_accuracy.group_accuracy_manager"
# The quantity on hand of count line ``l``'s item (location, product, lot, package, owner).
BOOK_QUANTITY_SQL = SQL(
    """
    SELECT COALESCE(SUM(q.quantity), 0)
      FROM stock_quant q
     WHERE q.location_id = l.location_id AND q.product_id = l.product_id
       AND COALESCE(q.lot_id, 0) = COALESCE(l.lot_id, 0)
       AND COALESCE(q.package_id, 0) = COALESCE(l.package_id, 0)
       AND COALESCE(q.owner_id, 0) = COALESCE(l.owner_id, 0)
    """
)
# Fields that make up the count history: frozen once the line is done.
LINE_STATES = [
    ("todo", "To Count"),
    ("counted", "Counted"),
    ("recount", "Waiting for Recount"),
    ("to_approve", "To Approve"),
    ("done", "Done"),
    ("cancel", "Cancelled"),
]


# What names the item a count line counts.
ITEM_FIELDS = ("product_id", "location_id", "lot_id", "package_id", "owner_id")
# What _compute_difference computes.
DIFFERENCE_FIELDS = ("difference_quantity", "difference_value", "within_tolerance")


class ApplyLinks(dict):
    """{quant id: (count line id, reason id)} for the inventory move values hook, handed down
    through the context. Compared by identity: every new environment compares its context
    with the existing ones, and a dict of thousands of lines compared by value made applying
    a large session quadratic."""

    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__


class StockAccuracyCountLine(models.Model):
    """What to count in a session: a product at a location (lot, package, owner).

    A line knows its difference to the book, whether that difference is within the tolerance
    of its ABC class, and how it is settled: applied, recounted, approved or dropped. Once
    done, it is the immutable record of that count."""

    _name = "stock.accuracy.count.line"
    _description = "Count Line"
    _inherit = ["stock.accuracy.guarded"]
    _check_company_auto = True
    _order = "count_id, sequence, id"
    _accuracy_system_fields = (
        "state",
        "counter_id",
        "counted_date",
        "abc_class",
        "quant_id",
        "move_ids",
    )

    count_id = fields.Many2one(
        "stock.accuracy.count", required=True, ondelete="restrict", index=True
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="count_id.company_id", store=True, index=True)
    warehouse_id = fields.Many2one(related="count_id.warehouse_id", store=True)
    blind = fields.Boolean(related="count_id.blind")
    product_id = fields.Many2one("product.product", required=True, check_company=True, index=True)
    location_id = fields.Many2one("stock.location", required=True, check_company=True, index=True)
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial Number", check_company=True)
    package_id = fields.Many2one("stock.quant.package")
    owner_id = fields.Many2one("res.partner")
    quant_id = fields.Many2one("stock.quant", ondelete="set null")
    abc_class = fields.Selection(ABC_CLASSES, string="Class")
    state = fields.Selection(LINE_STATES, default="todo", required=True, index=True)
    book_quantity = fields.Float(digits="Product Unit of Measure", readonly=True, groups=BOOK_GROUP)
    counted_quantity = fields.Float(digits="Product Unit of Measure")
    counter_id = fields.Many2one("res.users", string="Counted By")
    counted_date = fields.Datetime(
        string="Counted On", help="When the line was counted: the book quantity is taken then."
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id")
    found = fields.Boolean(
        string="Found During Count", readonly=True, help="Not on the list: added by the counter."
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    unit_cost = fields.Float(digits="Product Price", readonly=True)
    difference_quantity = fields.Float(
        digits="Product Unit of Measure",
        compute="_compute_difference",
        store=True,
        aggregator="sum",
        groups=BOOK_GROUP,
    )
    difference_value = fields.Monetary(
        compute="_compute_difference", store=True, aggregator="sum", groups=BOOK_GROUP
    )
    within_tolerance = fields.Boolean(compute="_compute_difference", store=True, groups=BOOK_GROUP)
    # What others see of the book: the same figures, empty while the session is blind and open.
    # Labelled as the book fields in the views; their own labels differ (Odoo wants one field
    # per label in a model).
    shown_book_quantity = fields.Float(
        string="Book Quantity (Shown)", digits="Product Unit of Measure", compute="_compute_shown"
    )
    shown_difference_quantity = fields.Float(
        string="Difference (Shown)", digits="Product Unit of Measure", compute="_compute_shown"
    )
    # The recount loop
    origin_line_id = fields.Many2one(
        "stock.accuracy.count.line",
        string="Recount Of",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    recount_line_id = fields.Many2one(
        "stock.accuracy.count.line", string="Recount", readonly=True, ondelete="set null"
    )
    recount_quantity = fields.Float(
        digits="Product Unit of Measure", readonly=True, groups=BOOK_GROUP
    )
    recounter_id = fields.Many2one("res.users", string="Recounted By", readonly=True)
    recount_date = fields.Datetime(string="Recounted On", readonly=True)
    recount_book_quantity = fields.Float(
        digits="Product Unit of Measure",
        readonly=True,
        string="Book Quantity at Recount",
        groups=BOOK_GROUP,
    )
    recount_round = fields.Integer(string="Recounts", readonly=True)
    # Settlement
    reason_id = fields.Many2one(
        "stock.accuracy.reason",
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    note = fields.Text()
    applied_quantity = fields.Float(
        digits="Product Unit of Measure",
        readonly=True,
        groups=BOOK_GROUP,
        help="The quantity set on the book: the count plus what moved since it was taken.",
    )
    approver_id = fields.Many2one("res.users", string="Approved By", readonly=True)
    approval_date = fields.Datetime(string="Approved On", readonly=True)
    done_date = fields.Datetime(string="Applied On", readonly=True)
    move_ids = fields.One2many("stock.move", "accuracy_count_line_id", string="Inventory Moves")

    @api.depends("counted_quantity", "book_quantity", "unit_cost", "state", "abc_class")
    def _compute_difference(self):
        # Fields computed here: DIFFERENCE_FIELDS.
        policies = {wh.id: wh.accuracy_policy_ids[:1] for wh in self.warehouse_id.sudo()}
        for line in self:
            counted = line.state not in ("todo", "cancel")
            diff = line.counted_quantity - line.book_quantity if counted else 0.0
            line.difference_quantity = diff
            line.difference_value = diff * line.unit_cost
            line.within_tolerance = line._is_within_tolerance(
                line.book_quantity, diff, policies.get(line.warehouse_id.id)
            )

    def _is_within_tolerance(self, reference, diff, policy):
        """See :meth:`stock.accuracy.policy._is_within_tolerance`, for this line's class and
        cost."""
        return (policy or self.env["stock.accuracy.policy"])._is_within_tolerance(
            self.abc_class, reference, diff, self.unit_cost, self.product_id.uom_id.rounding
        )

    # -- reading: blind sessions hide the book from counters ------------------------------------
    @api.depends("book_quantity", "difference_quantity", "state", "count_id.blind")
    @api.depends_context("uid")
    def _compute_shown(self):
        """The book of a line for whoever may not read the book fields: shown once the line
        is finished, or when its session is not blind."""
        for line, sudo_line in zip(self, self.sudo(), strict=True):
            shown = not line.count_id.blind or line.state in ("done", "cancel")
            line.shown_book_quantity = sudo_line.book_quantity if shown else 0.0
            line.shown_difference_quantity = sudo_line.difference_quantity if shown else 0.0

    # -- integrity ------------------------------------------------------------------------------
    @api.constrains("counted_quantity", "lot_id", "state")
    def _check_counted_quantity(self):
        for line in self.filtered(lambda ln: ln.state not in ("todo", "cancel")):
            product = line.product_id
            rounding = product.uom_id.rounding
            qty = line.counted_quantity
            if float_compare(qty, 0.0, precision_rounding=rounding) < 0:
                raise ValidationError(
                    self.env._(
                        "The counted quantity of %(product)s cannot be negative.",
                        product=product.display_name,
                    )
                )
            if float_compare(qty, float_round(qty, precision_rounding=rounding), 6) != 0:
                raise ValidationError(
                    self.env._(
                        "%(qty)s does not fit the unit of measure %(uom)s of %(product)s "
                        "(rounding %(rounding)s).",
                        qty=qty,
                        uom=product.uom_id.name,
                        product=product.display_name,
                        rounding=rounding,
                    )
                )
            if product.tracking != "none" and not line.lot_id and qty > 0:
                raise ValidationError(
                    self.env._(
                        "%(product)s is tracked: give the lot or serial number you counted.",
                        product=product.display_name,
                    )
                )
            if product.tracking == "serial" and qty > 1:
                raise ValidationError(
                    self.env._(
                        "Serial number %(serial)s can only be counted once (quantity 1).",
                        serial=line.lot_id.name,
                    )
                )
        serials = self.filtered(
            lambda ln: (
                ln.product_id.tracking == "serial"
                and ln.lot_id
                and ln.counted_quantity > 0
                and not ln.origin_line_id
            )
        )
        if serials:
            twins = self.search_count(
                [
                    ("count_id", "in", serials.count_id.ids),
                    ("lot_id", "in", serials.lot_id.ids),
                    ("counted_quantity", ">", 0),
                    ("state", "not in", ("todo", "cancel")),
                    ("origin_line_id", "=", False),
                ]
            )
            if twins > len(serials):
                raise ValidationError(
                    self.env._(
                        "Serial number %(serial)s was found twice in this session.",
                        serial=", ".join(serials.lot_id.mapped("name")),
                    )
                )

    def _lock_for_count(self):
        """Lock the lines being counted; a second counter saving them at the same time gets a
        clear error instead of overwriting the first count. Returns {line id: quantity on hand
        now}, read under the same lock, for the book snapshot."""
        if not self.ids:
            return {}
        self._flush_book_sources()
        try:
            self.env.cr.execute(
                SQL(
                    """
                    SELECT l.id, (%s)
                      FROM stock_accuracy_count_line l
                     WHERE l.id IN %s
                       FOR UPDATE OF l NOWAIT
                    """,
                    BOOK_QUANTITY_SQL,
                    tuple(self.ids),
                )
            )
        except psycopg2.errors.LockNotAvailable:
            raise UserError(
                self.env._(
                    "Someone else is saving a count of this line right now. Reload and count again."
                )
            ) from None
        return dict(self.env.cr.fetchall())

    def init(self):
        # Counted lines by day: the Excel export's count lines of a period and warehouses.
        tools.create_index(
            self.env.cr,
            "stock_accuracy_count_line_counted_on_index",
            self._table,
            ["COALESCE(counted_date, done_date)", "warehouse_id"],
            where="state = 'done' AND origin_line_id IS NULL",
        )

    # -- write policy (stock.accuracy.guarded) --------------------------------------------------
    def _accuracy_is_finished(self):
        return self.state in ("done", "cancel")

    def _accuracy_allowed_fields(self):
        count = self.count_id
        allowed = set()
        if count.state in ("done", "cancel"):
            return allowed
        manager = count._accuracy_is_manager()
        if manager:
            allowed |= {"reason_id", "note"}
            if count.state == "draft":
                allowed |= {
                    "product_id",
                    "location_id",
                    "lot_id",
                    "package_id",
                    "owner_id",
                    "sequence",
                }
        if (
            count.state == "in_progress"
            and self.state in ("todo", "counted")
            and (manager or count._accuracy_is_assigned())
        ):
            allowed |= {"counted_quantity", "lot_id", "package_id", "note"}
        if self.counter_id == self.env.user and self.state in ("counted", "recount", "to_approve"):
            allowed |= {"reason_id", "note"}
        return allowed

    def _accuracy_check_create_values(self, vals):
        count = self.env["stock.accuracy.count"].browse(vals.get("count_id"))
        if not count.exists() or count.state not in ("draft", "in_progress"):
            raise UserError(self.env._("Lines are added to a draft or running count session only."))
        if not count._accuracy_is_manager():
            raise AccessError(self.env._("Only accuracy managers add lines to a count session."))
        if vals.get("counted_quantity"):
            raise AccessError(
                self.env._("A new line is counted by counting it, not created counted.")
            )

    def _accuracy_check_unlink(self):
        if self.filtered(lambda ln: ln.state != "todo" or ln.count_id.state != "draft"):
            raise UserError(
                self.env._("Only lines of a draft session, not yet counted, can be deleted.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.filtered(lambda ln: not ln.unit_cost)._set_unit_cost()
        # A line added without its book (from the session's form) takes it now; counting takes
        # it again when the line is counted.
        unbooked = self.browse(
            line.id
            for line, vals in zip(lines, vals_list, strict=True)
            if "book_quantity" not in vals
        )
        if unbooked:
            unbooked._snapshot_book()
        unclassed = lines.filtered(lambda ln: not ln.abc_class)
        if unclassed:
            classes = self._class_by_product_warehouse(
                [(ln.product_id.id, ln.warehouse_id.id) for ln in unclassed]
            )
            for abc, group in unclassed.grouped(
                lambda ln: classes.get((ln.product_id.id, ln.warehouse_id.id), "c")
            ).items():
                group._write_internal({"abc_class": abc})
        return lines

    def _set_unit_cost(self):
        """Take each line's product cost in its company (one UPDATE for all lines)."""
        self._write_floats(
            "unit_cost",
            {
                line.id: line.product_id.with_company(line.company_id).standard_price
                for line in self
            },
        )

    def write(self, vals):
        """Counting writes the counted quantity (the policy of :meth:`_accuracy_allowed_fields`
        judges who may); the line then records who counted it, when, and the book at that
        moment."""
        self._accuracy_check_write(set(vals))
        recounted = self.browse()
        if {"lot_id", "package_id"} & set(vals) and "counted_quantity" not in vals:
            recounted = self.filtered(lambda ln: ln.state == "counted")
        if "counted_quantity" in vals:
            books = self._lock_for_count()
            if self.filtered(lambda ln: ln.state not in ("todo", "counted")):
                raise UserError(
                    self.env._("This line is no longer open for counting: it was submitted.")
                )
            if self.count_id.filtered(lambda c: c.state in ("done", "cancel")):
                raise UserError(self.env._("This count session is closed."))
            if "state" not in vals:
                vals = dict(vals, state="counted")
            vals.setdefault("counted_date", fields.Datetime.now())
            vals.setdefault("counter_id", self.env.uid)
            if vals["state"] == "counted":
                self._snapshot_book(books)
        res = super(StockAccuracyCountLine, self._accuracy_internal()).write(vals)
        if recounted:
            recounted._snapshot_book()
        return res

    @api.model
    def _line_values(self, source, **values):
        """The values of a new count line for what ``source`` names, the one builder of the
        module's sessions (Physical Inventory, spot, full and recount sessions, exceptions,
        external systems, emptied locations):

        - a quant: its item (product, location, lot, package, owner), the quant, and its
          quantity as the book;
        - a count line: the same item and quant, to count again;
        - any other record with item fields (a move line, an exception): its item;
        - a dict of ids: its item, and its quant and book when it has them.

        ``values`` are added (class, cost, counted quantity, ...)."""
        if isinstance(source, models.BaseModel):
            source.ensure_one()
            vals = {
                fname: source[fname].id if fname in source._fields else False
                for fname in ITEM_FIELDS
            }
            if source._name == "stock.quant":
                vals.update(quant_id=source.id, book_quantity=source.quantity)
            elif source._name == self._name:
                vals["quant_id"] = source.quant_id.id
        else:
            vals = {fname: source.get(fname) or False for fname in ITEM_FIELDS}
            for fname in ("quant_id", "book_quantity"):
                if fname in source:
                    vals[fname] = source[fname]
        vals.update(values)
        return vals

    @api.model
    def _spot_item(self, source, **values):
        """:meth:`_line_values` with the warehouse of its location: an item
        ``stock.accuracy.count._create_spot_counts`` takes."""
        vals = self._line_values(source, **values)
        location = self.env["stock.location"].browse(vals["location_id"])
        return dict(vals, warehouse_id=values.get("warehouse_id") or location.warehouse_id.id)

    def _write_internal(self, vals):
        """Write the count's own bookkeeping, bypassing the counting rules of write(); as
        the system, which alone writes the book fields."""
        return super(StockAccuracyCountLine, self.sudo()._accuracy_internal()).write(vals)

    @api.depends("product_id", "location_id")
    def _compute_display_name(self):
        for line in self:
            line.display_name = (
                f"{line.count_id.name or ''} · {line.location_id.display_name or ''} · "
                f"{line.product_id.display_name or ''}"
            )

    def _snapshot_book(self, books=None):
        """Take the book quantity of the lines as they are counted (set-based); ``books``:
        {line id: quantity on hand} when already read."""
        if books is None:
            books = self._current_book_quantities()
        self.filtered(lambda ln: not ln.unit_cost)._set_unit_cost()
        for book, lines in self.grouped(lambda ln: books.get(ln.id, 0.0)).items():
            lines._write_internal({"book_quantity": book})

    def _flush_book_sources(self):
        self.flush_recordset(["location_id", "product_id", "lot_id", "package_id", "owner_id"])
        self.env["stock.quant"].flush_model(
            ["quantity", "location_id", "product_id", "lot_id", "package_id", "owner_id"]
        )

    def _current_book_quantities(self):
        """{line id: quantity on hand now} for (location, product, lot, package, owner)."""
        if not self.ids:
            return {}
        self._flush_book_sources()
        self.env.cr.execute(
            SQL(
                "SELECT l.id, (%s) FROM stock_accuracy_count_line l WHERE l.id IN %s",
                BOOK_QUANTITY_SQL,
                tuple(self.ids),
            )
        )
        return dict(self.env.cr.fetchall())

    def _moved_since_count(self, references=None):
        """{line id: quantity moved in minus out of the line's item by done moves since it was
        counted}: the quantity on hand now minus the book quantity taken with the count (or
        ``references``: {line id: book quantity taken with the count applied}), one query for
        all lines. Moves done between a count and its apply are so added to the count."""
        references = references or {}
        current = self._current_book_quantities()
        return {
            line.id: current.get(line.id, 0.0) - references.get(line.id, line.book_quantity)
            for line in self
        }

    # -- settling -------------------------------------------------------------------------------
    def _check_counted(self):
        todo = self.filtered(lambda ln: ln.state == "todo")
        if todo:
            raise UserError(
                self.env._(
                    "Count every line before submitting, or remove it: %(lines)s.",
                    lines=", ".join(
                        f"{ln.location_id.display_name} / {ln.product_id.display_name}"
                        for ln in todo[:5]
                    ),
                )
            )

    def _settle_counted(self):
        """Settle counted lines: within tolerance they are applied, over tolerance they go to a
        recount; recount lines settle the line they recount."""
        recounts = self.filtered("origin_line_id")
        firsts = self - recounts
        expired = firsts._expired()
        within = (firsts - expired).filtered("within_tolerance")
        over = firsts - expired - within
        if within:
            within._apply()
        if over | expired:
            (over | expired)._request_recount()
        if recounts:
            recounts._settle_recounts()

    def _settle_native(self):
        """Counts applied from the Physical Inventory screen: within tolerance they are
        applied, over tolerance they wait for an accuracy manager's approval."""
        within = self.filtered("within_tolerance")
        if within:
            within._apply()
        over = self - within
        if over:
            over.sudo()._write_internal({"state": "to_approve"})
            over._notify_approvers()

    def _expired(self):
        lines = self.browse()
        for line in self:
            hours = line.company_id.accuracy_count_max_age_hours or 0
            if (
                hours
                and line.counted_date
                and line.counted_date < fields.Datetime.now() - timedelta(hours=hours)
            ):
                lines |= line
        return lines

    def _request_recount(self):
        """A blind recount of each line, in one recount session per warehouse, for a counter
        who did not count it."""
        Count = self.env["stock.accuracy.count"].sudo()._accuracy_internal()
        by_warehouse = {}
        for line in self:
            by_warehouse.setdefault(line.count_id.warehouse_id, self.browse())
            by_warehouse[line.count_id.warehouse_id] |= line
        for warehouse, lines in by_warehouse.items():
            excluded = lines.counter_id | lines.recounter_id
            counter = lines._pick_recounter(warehouse, excluded)
            session = Count.create(
                {
                    "warehouse_id": warehouse.id,
                    "company_id": warehouse.company_id.id,
                    "count_type": "recount",
                    "trigger": "manual",
                    "blind": True,
                    "origin": ", ".join(sorted(set(lines.count_id.mapped("name")))),
                    "counter_ids": [fields.Command.set(counter.ids)],
                    "state": "in_progress",
                    "line_ids": [
                        fields.Command.create(
                            self._line_values(
                                line,
                                origin_line_id=line.id,
                                abc_class=line.abc_class,
                                unit_cost=line.unit_cost,
                            )
                        )
                        for line in lines
                    ],
                }
            )
            for line, recount in zip(lines, session.line_ids, strict=True):
                line.sudo()._write_internal(
                    {
                        "state": "recount",
                        "recount_line_id": recount.id,
                        "recount_round": line.recount_round + 1,
                    }
                )
            if counter:
                session.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Recount requested"),
                    user_id=counter.id,
                )

    def _pick_recounter(self, warehouse, excluded):
        policy = warehouse.accuracy_policy_id
        group_users = (
            self.env.ref("stock_accuracy.group_accuracy_counter")
            .sudo()
            .users._accuracy_internal_of(warehouse.company_id)
            .sorted("id")
        )
        return (policy.counter_ids - excluded)[:1] or (group_users - excluded)[:1]

    def _settle_recounts(self):
        """A recount confirming the first count sends the line to approval, one confirming the
        book drops the difference, and one matching neither goes to approval with both counts."""
        policies = self.env["stock.accuracy.policy"]._for_warehouses(self.warehouse_id)
        to_apply = self.browse()
        for recount in self:
            line = recount.origin_line_id.sudo()
            policy = policies.get(line.warehouse_id.id)
            values = {
                "recount_quantity": recount.counted_quantity,
                "recount_book_quantity": recount.book_quantity,
                "recounter_id": recount.counter_id.id,
                "recount_date": recount.counted_date,
            }
            book_diff = recount.counted_quantity - recount.book_quantity
            if line._is_within_tolerance(recount.book_quantity, book_diff, policy):
                values["state"] = "counted"
                line._write_internal(values)
                to_apply |= line
            else:
                values["state"] = "to_approve"
                line._write_internal(values)
                line._notify_approvers()
            recount.sudo()._write_internal({"state": "done", "done_date": fields.Datetime.now()})
        self.env["stock.accuracy.history.seal"]._seal(self)
        if to_apply:
            to_apply._apply(
                {line.id: (line.book_quantity, line.book_quantity) for line in to_apply}
            )

    def _notify_approvers(self):
        for line in self:
            line.count_id.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Count difference to approve"),
                user_id=(line.warehouse_id.accuracy_policy_id.responsible_id or self.env.user).id,
            )

    def _quantity_to_apply(self):
        """(quantity, book quantity when it was counted): the latest count wins."""
        if self.recount_line_id:
            return self.recount_quantity, self.recount_book_quantity
        return self.counted_quantity, self.book_quantity

    def action_approve(self):
        """Approve the difference and apply it (accuracy managers who did not count it)."""
        self._check_approver()
        missing = self.filtered(lambda ln: not ln.reason_id)
        if missing:
            raise UserError(
                self.env._(
                    "Give a reason for the difference of %(product)s before approving it.",
                    product=missing[0].product_id.display_name,
                )
            )
        expired = self._expired_for_approval()
        if expired:
            raise UserError(
                self.env._(
                    "The count of %(product)s is too old to apply: reject it to recount.",
                    product=expired[0].product_id.display_name,
                )
            )
        self.sudo()._write_internal(
            {"approver_id": self.env.uid, "approval_date": fields.Datetime.now()}
        )
        self.sudo()._apply({line.id: line._quantity_to_apply() for line in self})
        return True

    def action_reject(self):
        """Send the difference back for another recount."""
        self._check_approver()
        self.sudo()._request_recount()
        return True

    def _expired_for_approval(self):
        lines = self.browse()
        for line in self:
            hours = line.company_id.accuracy_count_max_age_hours
            taken = line.recount_date or line.counted_date
            if hours and taken and taken < fields.Datetime.now() - timedelta(hours=hours):
                lines |= line
        return lines

    def _check_approver(self):
        user = self.env.user
        if not user.has_group("stock_accuracy.group_accuracy_manager"):
            raise UserError(self.env._("Only accuracy managers approve count differences."))
        for line in self:
            if line.state != "to_approve":
                raise UserError(
                    self.env._(
                        "%(product)s is not waiting for approval.",
                        product=line.product_id.display_name,
                    )
                )
            if user in line._accuracy_counted_by():
                raise UserError(
                    self.env._(
                        "You counted %(product)s yourself: another manager must approve it.",
                        product=line.product_id.display_name,
                    )
                )

    def _accuracy_counted_by(self):
        """Everyone who counted this line: its counter, its recounter, and the counters of
        every recount of it (each points back to it)."""
        self.ensure_one()
        recounts = self.sudo().search([("origin_line_id", "=", self.id)])
        return (self.counter_id | self.recounter_id | recounts.counter_id).sudo()

    def _default_reason(self):
        self.ensure_one()
        return self.company_id.accuracy_default_reason_id or self.env.ref(
            "stock_accuracy.reason_cnt", raise_if_not_found=False
        )

    def _apply(self, quantities=None):
        """Set the book to the counted quantities (or ``quantities``: {line id: (quantity,
        book quantity when it was counted)}) plus what moved since each count, through one
        inventory adjustment of all lines; the moves carry the line and its reason.

        Set-based: the quants get their counted quantities in one statement, the lines their
        reasons, state and applied quantities in a few writes, whatever the number of lines."""
        quantities = quantities or {}
        lines = self.sudo()
        if not lines:
            return
        moved = lines._moved_since_count(
            {line_id: book for line_id, (_qty, book) in quantities.items()}
        )
        quants = lines._quants_for_apply()
        lines._set_default_reasons()
        targets = {}
        link = ApplyLinks()
        for line in lines:
            counted = quantities.get(line.id, (line.counted_quantity,))[0]
            target = counted + moved.get(line.id, 0.0)
            quant_id = quants[line.id].id
            targets[quant_id] = target
            link[quant_id] = (line.id, line.reason_id.id)
        applied = lines._accuracy_internal().env["stock.quant"].browse(list(targets))
        applied._accuracy_set_counted_quantities(targets)
        applied.with_context(accuracy_apply_links=link, inventory_mode=False)._apply_inventory()
        applied.write({"inventory_quantity_set": False})
        # Done from counted: the difference of a line does not change (it is zero for lines
        # not counted only), so it is not recomputed for thousands of lines.
        counted = lines.filtered(lambda ln: ln.state not in ("todo", "cancel"))
        with self.env.protecting([self._fields[fname] for fname in DIFFERENCE_FIELDS], counted):
            lines._write_internal({"state": "done", "done_date": fields.Datetime.now()})
        for quant, relinked in lines.grouped(lambda ln: quants[ln.id]).items():
            relinked = relinked.filtered(lambda ln, quant=quant: ln.quant_id != quant)
            if relinked:
                relinked._write_internal({"quant_id": quant.id})
        lines._write_floats(
            "applied_quantity", {line.id: targets[quants[line.id].id] for line in lines}
        )
        lines._raise_large_variances()
        lines.count_id._check_done()
        self.env["stock.accuracy.history.seal"]._seal(lines, lines.move_ids)

    def _set_default_reasons(self):
        """Give lines without a reason their company's default one (one write per company)."""
        without = self.filtered(lambda ln: not ln.reason_id)
        for lines in without.grouped("company_id").values():
            lines._write_internal({"reason_id": lines[:1]._default_reason().id})

    def _write_floats(self, fname, values):
        """Store {line id: value} in the float column ``fname`` in one UPDATE: the values
        differ per line, so grouped ORM writes would still be one per line. Fields computed
        from it are recomputed as after an ORM write."""
        if not values:
            return
        lines = self.browse(list(values))
        lines.flush_recordset([fname])
        self.env.cr.execute(
            SQL(
                """
                UPDATE stock_accuracy_count_line l
                   SET %s = v.value
                  FROM unnest(%s::int[], %s::numeric[]) AS v(id, value)
                 WHERE l.id = v.id
                """,
                SQL.identifier(fname),
                list(values),
                list(values.values()),
            )
        )
        lines.invalidate_recordset([fname])
        lines.modified([fname])

    def _quants_for_apply(self):
        """{line id: quant} creating the quants of items found where the book has none."""
        Quant = self.env["stock.quant"].sudo()
        result = {}
        missing = self.browse()
        for line in self:
            quant = line.quant_id
            if (
                quant
                and quant.location_id == line.location_id
                and quant.product_id == line.product_id
                and quant.lot_id == line.lot_id
                and quant.package_id == line.package_id
                and quant.owner_id == line.owner_id
            ):
                result[line.id] = quant
            else:
                missing |= line
        for line in missing:
            quant = Quant._gather(
                line.product_id,
                line.location_id,
                lot_id=line.lot_id,
                package_id=line.package_id,
                owner_id=line.owner_id,
                strict=True,
            )[:1]
            if not quant:
                quant = Quant.create(
                    {
                        "product_id": line.product_id.id,
                        "location_id": line.location_id.id,
                        "lot_id": line.lot_id.id,
                        "package_id": line.package_id.id,
                        "owner_id": line.owner_id.id,
                    }
                )
            result[line.id] = quant
        return result

    def _raise_large_variances(self):
        Exception_ = self.env["stock.accuracy.exception"].sudo()
        vals_list = []
        for line in self:
            threshold = line.company_id.accuracy_variance_value_threshold
            zero_trigger = line.count_id.trigger == "zero" and line.counted_quantity > 0
            if (threshold and abs(line.difference_value) > threshold) or zero_trigger:
                vals_list.append(
                    {
                        "source_ref": f"{line._name},{line.id}",
                        "product_id": line.product_id.id,
                        "location_id": line.location_id.id,
                        "lot_id": line.lot_id.id,
                        "company_id": line.company_id.id,
                        "quantity": line.difference_quantity,
                        "value": line.difference_value,
                        "description": (
                            self.env._("Stock found in a location confirmed empty.")
                            if zero_trigger
                            else self.env._("Count difference above the company threshold.")
                        ),
                    }
                )
        if vals_list:
            Exception_._raise_exceptions("count_variance", vals_list)

    @api.model
    def _class_by_product_warehouse(self, pairs):
        product_ids = {product for product, _wh in pairs}
        warehouse_ids = {wh for _product, wh in pairs}
        if not product_ids:
            return {}
        classes = (
            self.env["stock.accuracy.classification"]
            .sudo()
            .search_read(
                [
                    ("product_id", "in", list(product_ids)),
                    ("warehouse_id", "in", list(warehouse_ids)),
                ],
                ["product_id", "warehouse_id", "abc_class"],
            )
        )
        return {(row["product_id"][0], row["warehouse_id"][0]): row["abc_class"] for row in classes}

    INSERT_FIELDS = (
        "count_id",
        "sequence",
        "product_id",
        "location_id",
        "lot_id",
        "package_id",
        "owner_id",
        "quant_id",
        "abc_class",
        "book_quantity",
    )

    @api.model
    def _insert_planned_lines(self, columns):
        """Insert the lines of planned sessions in one set-based statement.

        ``columns``: {field in INSERT_FIELDS: list of values}, one position per line. The
        planner writes up to hundreds of thousands of plain lines at once; the ORM's
        per-record defaults and company checks would dominate. The values come from quants of
        the sessions' own warehouse, so the company is consistent by construction. Every other
        column is filled as create() would: company and warehouse from the session (stored
        related), the unit cost from the product's cost in that company, and the stored
        computed difference of a line still to count (none, within tolerance)."""
        if not columns.get("count_id"):
            return
        self.env["stock.accuracy.count"].flush_model()
        self.env["product.product"].flush_model(["standard_price"])
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO stock_accuracy_count_line
                   (count_id, sequence, product_id, location_id, lot_id, package_id, owner_id,
                    quant_id, abc_class, book_quantity, company_id, warehouse_id, state,
                    unit_cost, difference_quantity, difference_value, within_tolerance,
                    create_uid, create_date, write_uid, write_date)
            SELECT v.count_id, v.sequence, v.product_id, v.location_id, v.lot_id, v.package_id,
                   v.owner_id, v.quant_id, v.abc_class, COALESCE(v.book_quantity, 0),
                   c.company_id, c.warehouse_id, 'todo',
                   COALESCE((pp.standard_price ->> c.company_id::text)::numeric, 0),
                   0, 0, TRUE,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
              FROM unnest(%(count_id)s::int[], %(sequence)s::int[], %(product_id)s::int[],
                          %(location_id)s::int[], %(lot_id)s::int[], %(package_id)s::int[],
                          %(owner_id)s::int[], %(quant_id)s::int[], %(abc_class)s::varchar[],
                          %(book_quantity)s::numeric[])
                   AS v(count_id, sequence, product_id, location_id, lot_id, package_id,
                        owner_id, quant_id, abc_class, book_quantity)
              JOIN stock_accuracy_count c ON c.id = v.count_id
              JOIN product_product pp ON pp.id = v.product_id
            """,
                **dict(columns, uid=self.env.uid),
            )
        )
        self.invalidate_model()
        self.env["stock.accuracy.count"].invalidate_model(["line_ids", "line_count"])
