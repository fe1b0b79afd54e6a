import hashlib
import json

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_datetime

# How many seals the verification reads and recomputes at a time.
VERIFY_BATCH = 2000
# The first seal of a company's chain follows this "previous hash".
GENESIS_HASH = ""
# The two int4 keys of the transaction lock that serialises the sealing of one company.
LOCK_KEY = SQL("hashtext('stock.accuracy.history.seal')")


def _num(column):
    """A numeric column as its exact decimal text, without trailing zeros ("10.5", "3")."""
    return SQL("trim_scale(%s::numeric)::text", SQL(column))


def _ts(column):
    return SQL("to_char(%s, 'YYYY-MM-DD HH24:MI:SS.US')", SQL(column))


def _col(column):
    return SQL(column)


# What a seal covers, per model: the table, the SQL telling the record is finished (sealed
# when it is), and the declared list of payload fields, each read as canonical text or an id
# straight from the database, so that sealing and verifying read the very same values.
# Everything a later SQL edit could change in the history is there; what a record derives
# from others (stored related fields) or what Odoo legitimately clears later (a count line's
# quant, removed when it is empty) is not.
SEALED_MODELS = {
    "stock.accuracy.count.line": {
        "table": "stock_accuracy_count_line",
        "finished": SQL("t.state = 'done'"),
        "fields": {
            "count_id": _col("t.count_id"),
            "company_id": _col("t.company_id"),
            "warehouse_id": _col("t.warehouse_id"),
            "product_id": _col("t.product_id"),
            "location_id": _col("t.location_id"),
            "lot_id": _col("t.lot_id"),
            "package_id": _col("t.package_id"),
            "owner_id": _col("t.owner_id"),
            "abc_class": _col("t.abc_class"),
            "state": _col("t.state"),
            "found": _col("t.found"),
            "book_quantity": _num("t.book_quantity"),
            "counted_quantity": _num("t.counted_quantity"),
            "counter_id": _col("t.counter_id"),
            "counted_date": _ts("t.counted_date"),
            "unit_cost": _num("t.unit_cost"),
            "difference_quantity": _num("t.difference_quantity"),
            "difference_value": _num("t.difference_value"),
            "origin_line_id": _col("t.origin_line_id"),
            "recount_line_id": _col("t.recount_line_id"),
            "recount_quantity": _num("t.recount_quantity"),
            "recounter_id": _col("t.recounter_id"),
            "recount_date": _ts("t.recount_date"),
            "recount_book_quantity": _num("t.recount_book_quantity"),
            "recount_round": _col("t.recount_round"),
            "reason_id": _col("t.reason_id"),
            "note": _col("t.note"),
            "applied_quantity": _num("t.applied_quantity"),
            "approver_id": _col("t.approver_id"),
            "approval_date": _ts("t.approval_date"),
            "done_date": _ts("t.done_date"),
        },
    },
    "stock.accuracy.check": {
        "table": "stock_accuracy_check",
        "finished": SQL("t.state IN ('passed', 'failed')"),
        "fields": {
            "name": _col("t.name"),
            "company_id": _col("t.company_id"),
            "picking_id": _col("t.picking_id"),
            "checker_id": _col("t.checker_id"),
            "prepared_by_id": _col("t.prepared_by_id"),
            "state": _col("t.state"),
            "date_start": _ts("t.date_start"),
            "date_done": _ts("t.date_done"),
            "location_scanned": _col("t.location_scanned"),
            "line_ids": SQL(
                """
                (SELECT COALESCE(json_agg(json_build_array(
                            cl.id, cl.product_id, cl.lot_id, cl.lot_name, cl.package_id,
                            cl.package_scanned, cl.is_unexpected,
                            trim_scale(cl.expected_qty::numeric)::text,
                            trim_scale(cl.checked_qty::numeric)::text,
                            trim_scale(cl.difference_qty::numeric)::text, cl.result
                        ) ORDER BY cl.id), '[]'::json)
                   FROM stock_accuracy_check_line cl
                  WHERE cl.check_id = t.id)
                """
            ),
        },
    },
    "stock.move": {
        "table": "stock_move",
        "finished": SQL("t.state = 'done' AND t.accuracy_count_line_id IS NOT NULL"),
        "fields": {
            "company_id": _col("t.company_id"),
            "product_id": _col("t.product_id"),
            "product_uom": _col("t.product_uom"),
            "product_uom_qty": _num("t.product_uom_qty"),
            "quantity": _num("t.quantity"),
            "location_id": _col("t.location_id"),
            "location_dest_id": _col("t.location_dest_id"),
            "state": _col("t.state"),
            "date": _ts("t.date"),
            "is_inventory": _col("t.is_inventory"),
            "accuracy_count_line_id": _col("t.accuracy_count_line_id"),
            "accuracy_reason_id": _col("t.accuracy_reason_id"),
            "move_line_ids": SQL(
                """
                (SELECT COALESCE(json_agg(json_build_array(
                            ml.id, ml.lot_id, ml.package_id, ml.result_package_id, ml.owner_id,
                            ml.location_id, ml.location_dest_id,
                            trim_scale(ml.quantity::numeric)::text, ml.state
                        ) ORDER BY ml.id), '[]'::json)
                   FROM stock_move_line ml
                  WHERE ml.move_id = t.id)
                """
            ),
        },
    },
}


def _sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


class StockAccuracyHistorySeal(models.Model):
    """One link of a company's tamper-evident history: the digest of a finished count line,
    double-check or inventory adjustment, chained to the seal before it.

    As Odoo's inalterability hash of journal entries: each seal's hash is the SHA-256 of the
    previous seal's hash and of its record's payload, a canonical JSON of a declared list of
    fields (:data:`SEALED_MODELS`). :meth:`action_verify_history` recomputes the chain and the
    payloads and names the first record that no longer matches. Seals are written in SQL, one
    INSERT per finishing operation, and nobody changes them through the ORM."""

    _name = "stock.accuracy.history.seal"
    _description = "History Seal"
    _order = "company_id, sequence"
    _rec_name = "sequence"

    # No index of its own: UNIQUE(company_id, sequence) serves every search by company.
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="restrict")
    sequence = fields.Integer(required=True, readonly=True)
    res_model = fields.Selection(
        [
            ("stock.accuracy.count.line", "Count Line"),
            ("stock.accuracy.check", "Double-Check"),
            ("stock.move", "Inventory Adjustment"),
        ],
        string="Record Type",
        required=True,
        readonly=True,
    )
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", required=True, readonly=True
    )
    record_name = fields.Char(string="Record", compute="_compute_record_name")
    sealed_at = fields.Datetime(string="Sealed On", required=True, readonly=True)
    payload = fields.Text(readonly=True, help="The sealed fields of the record, as canonical JSON.")
    payload_digest = fields.Char(readonly=True, help="SHA-256 of the payload.")
    previous_hash = fields.Char(readonly=True)
    hash = fields.Char(
        readonly=True, help="SHA-256 of the previous seal's hash and this seal's payload digest."
    )

    _sql_constraints = [
        (
            "sequence_unique",
            "UNIQUE(company_id, sequence)",
            "A company's history has one seal per position.",
        ),
        ("record_unique", "UNIQUE(res_model, res_id)", "A record is sealed once."),
    ]

    def _compute_record_name(self):
        for model, seals in self.grouped("res_model").items():
            records = self.env[model].sudo().browse(seals.mapped("res_id")).exists()
            labels = {record.id: self._record_label(record) for record in records}
            for seal in seals:
                seal.record_name = labels.get(seal.res_id) or self.env._(
                    "(deleted) id %(id)s", id=seal.res_id
                )

    @api.model
    def _record_label(self, record):
        if record._name == "stock.accuracy.count.line":
            return " / ".join(
                name
                for name in (
                    record.count_id.name,
                    record.location_id.display_name,
                    record.product_id.display_name,
                )
                if name
            )
        if record._name == "stock.move":
            return record.reference or record.display_name
        return record.display_name

    # -- nobody changes the history through the ORM ----------------------------------------------
    def _check_superuser(self, operation):
        """Refuse ``operation`` to everyone but the superuser, even in sudo mode (users without
        the access right get the usual access error first)."""
        if not self.env.su:
            self.check_access(operation)
        if self.env.uid != SUPERUSER_ID:
            raise UserError(
                self.env._("History seals are written by the application only and never change.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        self.browse()._check_superuser("create")
        return super().create(vals_list)

    def write(self, vals):
        self._check_superuser("write")
        return super().write(vals)

    def unlink(self):
        self._check_superuser("unlink")
        return super().unlink()

    # -- sealing ---------------------------------------------------------------------------------
    @api.model
    def _payload_sql(self, model):
        """The payload of a record ``t`` of ``model`` as SQL: a JSON text of its model, id and
        declared fields (in name order), built by PostgreSQL, so that sealing and verifying
        read the very same text and the history never travels to Python to be sealed."""
        spec = SEALED_MODELS[model]
        pairs = []
        for name in sorted(spec["fields"]):
            pairs += [SQL("%s", name), spec["fields"][name]]
        return SQL(
            "json_build_object('model', %s::text, 'id', t.id, 'fields', json_build_object(%s))"
            "::text",
            model,
            SQL(", ").join(pairs),
        )

    @api.model
    def _read_payloads(self, model, ids):
        """{record id: (company id, payload)} of the records ``ids`` of ``model``, in one
        query."""
        if not ids:
            return {}
        spec = SEALED_MODELS[model]
        self.env.cr.execute(
            SQL(
                "SELECT t.id, t.company_id, %s FROM %s t WHERE t.id = ANY(%s)",
                self._payload_sql(model),
                SQL.identifier(spec["table"]),
                list(ids),
            )
        )
        return {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}

    @api.model
    def _seal(self, *recordsets):
        """Seal the finished records of ``recordsets`` not sealed yet, in that order, at the
        end of their companies' chains: one query per model reads the digests of their
        payloads, and one INSERT per model writes the seals, payloads built in the database."""
        entries = []
        self.env.flush_all()
        cr = self.env.cr
        for records in recordsets:
            model = records._name
            if model not in SEALED_MODELS or not records.ids:
                continue
            spec = SEALED_MODELS[model]
            cr.execute(
                SQL(
                    """
                    SELECT t.id, t.company_id,
                           encode(sha256(convert_to(%s, 'UTF8')), 'hex')
                      FROM %s t
                     WHERE t.id = ANY(%s) AND %s
                       AND NOT EXISTS (SELECT 1 FROM stock_accuracy_history_seal s
                                        WHERE s.res_model = %s AND s.res_id = t.id)
                     ORDER BY t.id
                    """,
                    self._payload_sql(model),
                    SQL.identifier(spec["table"]),
                    list(set(records.ids)),
                    spec["finished"],
                    model,
                )
            )
            entries += [
                (company_id, model, res_id, digest) for res_id, company_id, digest in cr.fetchall()
            ]
        self._insert_seals(entries)

    @api.model
    def _insert_seals(self, entries):
        """Chain ``entries`` [(company id, model, record id, payload digest)] after each
        company's last seal, under a transaction lock per company (taken in company order):
        one INSERT per model, the payloads built again from the records in the same
        transaction (so exactly the text digested)."""
        if not entries:
            return
        cr = self.env.cr
        company_ids = sorted({entry[0] for entry in entries})
        tails = {}
        for company_id in company_ids:
            cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_KEY, company_id))
            cr.execute(
                SQL(
                    """
                SELECT sequence, hash FROM stock_accuracy_history_seal
                 WHERE company_id = %s ORDER BY sequence DESC LIMIT 1
                """,
                    company_id,
                ),
            )
            tails[company_id] = cr.fetchone() or (0, GENESIS_HASH)
        by_model = {}
        for company_id, model, res_id, digest in entries:
            sequence, previous = tails[company_id]
            new_hash = _sha256(previous + digest)
            tails[company_id] = (sequence + 1, new_hash)
            columns = by_model.setdefault(model, ([], [], [], [], [], []))
            for values, value in zip(
                columns,
                (company_id, sequence + 1, res_id, digest, previous, new_hash),
                strict=True,
            ):
                values.append(value)
        for model, columns in by_model.items():
            cr.execute(
                SQL(
                    """
                    INSERT INTO stock_accuracy_history_seal
                           (company_id, sequence, res_model, res_id, payload, payload_digest,
                            previous_hash, hash, sealed_at, create_uid, create_date, write_uid,
                            write_date)
                    SELECT v.company_id, v.sequence, %(model)s, v.res_id, %(payload)s, v.digest,
                           v.previous_hash, v.hash, now() AT TIME ZONE 'UTC', %(uid)s,
                           now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                      FROM unnest(%(company)s::int[], %(sequence)s::int[], %(res_id)s::int[],
                                  %(digest)s::varchar[], %(previous)s::varchar[],
                                  %(hash)s::varchar[])
                           AS v(company_id, sequence, res_id, digest, previous_hash, hash)
                      JOIN %(table)s t ON t.id = v.res_id
                    """,
                    model=model,
                    payload=self._payload_sql(model),
                    uid=self.env.uid,
                    company=columns[0],
                    sequence=columns[1],
                    res_id=columns[2],
                    digest=columns[3],
                    previous=columns[4],
                    hash=columns[5],
                    table=SQL.identifier(SEALED_MODELS[model]["table"]),
                )
            )
        self.invalidate_model()

    @api.model
    def _seal_existing_history(self, batch=50000):
        """Seal every finished record that has no seal yet (the history finished before the
        module sealed it, on upgrade), model by model in id order."""
        cr = self.env.cr
        self.env.flush_all()
        for model, spec in SEALED_MODELS.items():
            while True:
                cr.execute(
                    SQL(
                        """
                        SELECT t.id FROM %s t
                         WHERE %s AND NOT EXISTS (
                               SELECT 1 FROM stock_accuracy_history_seal s
                                WHERE s.res_model = %s AND s.res_id = t.id)
                         ORDER BY t.id LIMIT %s
                        """,
                        SQL.identifier(spec["table"]),
                        spec["finished"],
                        model,
                        batch,
                    )
                )
                ids = [row[0] for row in cr.fetchall()]
                if not ids:
                    break
                self._seal(self.env[model].browse(ids))

    # -- verification ----------------------------------------------------------------------------
    def action_verify_history(self):
        """Verify the history of the companies selected (Accuracy Managers): a notification
        saying it is intact, or naming the first record that no longer matches its seal."""
        if not self.env.user.has_group("stock_accuracy.group_accuracy_manager"):
            raise AccessError(self.env._("Only accuracy managers verify the history."))
        self.check_access("read")
        result = self.sudo()._verify_history(self.env.companies)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("History intact")
                if result["intact"]
                else self.env._("History altered"),
                "type": "success" if result["intact"] else "danger",
                "message": result["message"],
                "sticky": not result["intact"],
            },
        }

    @api.model
    def _verify_history(self, companies):
        """{"intact": bool, "message": str, "seal": the first seal that no longer matches,
        "res_model"/"res_id": its record}: the chains of ``companies`` recomputed seal by seal,
        in batches, each seal's record read again, then the finished records left unsealed."""
        self.env.flush_all()
        verified = 0
        lasts = []
        for company in companies.sorted("id"):
            problem, count, last = self._verify_company(company)
            if problem:
                return dict(problem, intact=False)
            verified += count
            if last:
                lasts.append(
                    self.env._(
                        "%(company)s: seal #%(sequence)s, %(hash)s",
                        company=company.name,
                        sequence=last[0],
                        hash=last[1],
                    )
                )
            problem = self._find_unsealed(company)
            if problem:
                return dict(problem, intact=False)
        message = self.env._("History intact: %(count)s records verified.", count=verified)
        if lasts:
            message += " " + self.env._("Last seals: %(lasts)s", lasts="; ".join(lasts))
        return {"intact": True, "message": message, "seal": self.browse(), "verified": verified}

    def _verify_company(self, company):
        """(problem or None, number of seals verified, (last sequence, last hash))."""
        cr = self.env.cr
        sequence, previous = 0, GENESIS_HASH
        while True:
            cr.execute(
                SQL(
                    """
                SELECT id, sequence, res_model, res_id, payload, payload_digest, previous_hash,
                       hash
                  FROM stock_accuracy_history_seal
                 WHERE company_id = %s AND sequence > %s
                 ORDER BY sequence LIMIT %s
                """,
                    company.id,
                    sequence,
                    VERIFY_BATCH,
                ),
            )
            rows = cr.fetchall()
            if not rows:
                return None, sequence, (sequence, previous) if sequence else None
            current = {}
            for model in {row[2] for row in rows}:
                if model in SEALED_MODELS:
                    current[model] = self._read_payloads(
                        model, [row[3] for row in rows if row[2] == model]
                    )
            for seal_id, seq, model, res_id, payload, digest, prev_hash, seal_hash in rows:
                seal = self.browse(seal_id)
                if seq != sequence + 1:
                    return self._problem_missing_seal(company, sequence + 1, seal), sequence, None
                if (
                    prev_hash != previous
                    or digest != _sha256(payload or "")
                    or seal_hash != _sha256(previous + digest)
                ):
                    return self._problem_broken_seal(company, seal), sequence, None
                found = current.get(model, {}).get(res_id)
                if found is None:
                    return self._problem_deleted(seal), sequence, None
                if found[1] != payload:
                    return self._problem_changed(seal, payload, found[1]), sequence, None
                sequence, previous = seq, seal_hash

    def _problem(self, seal, message):
        return {
            "message": message,
            "seal": seal,
            "res_model": seal.res_model,
            "res_id": seal.res_id,
        }

    def _model_label(self, model):
        return self.env["ir.model"]._get(model).name

    def _problem_missing_seal(self, company, sequence, next_seal):
        return self._problem(
            next_seal,
            self.env._(
                "History altered in %(company)s: seal #%(sequence)s is missing (removed from "
                "the chain before seal #%(next)s).",
                company=company.name,
                sequence=sequence,
                next=next_seal.sequence,
            ),
        )

    def _problem_broken_seal(self, company, seal):
        return self._problem(
            seal,
            self.env._(
                "History altered in %(company)s: seal #%(sequence)s (%(model)s %(name)s, id "
                "%(id)s) no longer follows the chain: a seal was edited, removed or reordered.",
                company=company.name,
                sequence=seal.sequence,
                model=self._model_label(seal.res_model),
                name=seal.record_name,
                id=seal.res_id,
            ),
        )

    def _problem_deleted(self, seal):
        return self._problem(
            seal,
            self.env._(
                "History altered in %(company)s: %(model)s id %(id)s, sealed on %(date)s "
                "(seal #%(sequence)s), was deleted.",
                company=seal.company_id.name,
                model=self._model_label(seal.res_model),
                id=seal.res_id,
                date=format_datetime(self.env, seal.sealed_at),
                sequence=seal.sequence,
            ),
        )

    def _problem_changed(self, seal, sealed, current):
        before = json.loads(sealed)["fields"]
        after = json.loads(current)["fields"]
        Model = self.env[seal.res_model]
        changed = [
            Model._fields[name]._description_string(self.env) if name in Model._fields else name
            for name in sorted(set(before) | set(after))
            if before.get(name) != after.get(name)
        ]
        return self._problem(
            seal,
            self.env._(
                "History altered in %(company)s: %(model)s %(name)s (id %(id)s) no longer "
                "matches its seal #%(sequence)s of %(date)s; changed: %(fields)s.",
                company=seal.company_id.name,
                model=self._model_label(seal.res_model),
                name=seal.record_name,
                id=seal.res_id,
                sequence=seal.sequence,
                date=format_datetime(self.env, seal.sealed_at),
                fields=", ".join(changed),
            ),
        )

    def _find_unsealed(self, company):
        """The first finished record of ``company`` without a seal: its seal was removed
        from the end of the chain, or it was finished outside the application."""
        cr = self.env.cr
        for model, spec in SEALED_MODELS.items():
            cr.execute(
                SQL(
                    """
                    SELECT t.id FROM %s t
                     WHERE t.company_id = %s AND %s AND NOT EXISTS (
                           SELECT 1 FROM stock_accuracy_history_seal s
                            WHERE s.res_model = %s AND s.res_id = t.id)
                     ORDER BY t.id LIMIT 1
                    """,
                    SQL.identifier(spec["table"]),
                    company.id,
                    spec["finished"],
                    model,
                )
            )
            row = cr.fetchone()
            if row:
                record = self.env[model].browse(row[0])
                return {
                    "message": self.env._(
                        "History incomplete in %(company)s: %(model)s %(name)s (id %(id)s) is "
                        "finished but has no seal: its seal was removed, or it was finished "
                        "outside the application.",
                        company=company.name,
                        model=self._model_label(model),
                        name=self._record_label(record),
                        id=record.id,
                    ),
                    "seal": self.browse(),
                    "res_model": model,
                    "res_id": record.id,
                }
        return None

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
