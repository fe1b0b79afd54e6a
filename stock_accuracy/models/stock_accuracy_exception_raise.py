"""How inventory exceptions are raised: one at a time or in bulk, deduplicated against the open
ones, concurrency-safe; and the verification counts an exception asks for."""

import logging

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, split_every

from .stock_accuracy_exception import ACTIVITY_TYPE_XMLID, DEDUP_FIELDS, OPEN_STATES

_logger = logging.getLogger(__name__)


# pylint: disable=consider-merging-classes-inherited
class StockAccuracyException(models.Model):
    # One model, its parts in files of their own (what each file holds is in its docstring).
    _inherit = "stock.accuracy.exception"

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
