import json
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class StockAccuracySyncOutbox(models.Model):
    """A message to post to an external system, kept until it was received: one per source
    record and backend, with an idempotency key the service uses to ignore a repeat.

    A post is marked sent only once the service answered; a post whose answer was lost is
    sent again with the same key, which the contract requires the service to answer
    ``duplicate`` without counting it twice. Failed posts wait for the next attempt (cron,
    growing delay) and show here with their error.

    Anything can be queued through :meth:`_enqueue`: done inventory adjustments today
    (:meth:`_enqueue_inventory_moves`), count lines once cycle counting is merged.
    """

    _name = "stock.accuracy.sync.outbox"
    _inherit = ["stock.accuracy.guarded"]
    _description = "External Stock Outbox"
    _order = "id desc"

    backend_id = fields.Many2one(
        "stock.accuracy.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, required=True)
    res_model = fields.Char(string="Source Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Source ID", model_field="res_model", required=True, readonly=True
    )
    record_ref = fields.Reference(
        selection="_selection_record_model", string="Source", compute="_compute_record_ref"
    )
    idempotency_key = fields.Char(required=True, readonly=True, index=True, copy=False)
    payload = fields.Json(string="Payload Values", readonly=True)
    payload_text = fields.Text(string="Payload", compute="_compute_payload_text")
    state = fields.Selection(
        [("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed")],
        required=True,
        default="pending",
        readonly=True,
        index=True,
    )
    attempts = fields.Integer(readonly=True)
    last_error = fields.Text(readonly=True)
    date_next_attempt = fields.Datetime(
        string="Next Attempt", default=fields.Datetime.now, readonly=True, index=True
    )
    date_sent = fields.Datetime(string="Sent On", readonly=True)
    response_status = fields.Char(string="Answer", readonly=True)

    _sql_constraints = [
        (
            "record_uniq",
            "UNIQUE(backend_id, res_model, res_id)",
            "A record is posted only once to an external system.",
        ),
        ("key_uniq", "UNIQUE(idempotency_key)", "The idempotency key must be unique."),
    ]

    # -- write policy (stock.accuracy.guarded): written by the module's code only -------------
    def _accuracy_allowed_fields(self):
        return set()

    @api.model
    def _selection_record_model(self):
        return [
            (model, self.env["ir.model"]._get(model).name or model)
            for model in ("stock.move.line", "stock.move", "stock.quant")
            if model in self.env
        ]

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        models_ = dict(self._selection_record_model())
        for message in self:
            message.record_ref = (
                f"{message.res_model},{message.res_id}"
                if message.res_model in models_ and message.res_id
                else False
            )

    @api.depends("payload")
    def _compute_payload_text(self):
        for message in self:
            message.payload_text = "\n".join(
                f"{key}: {value}" for key, value in sorted((message.payload or {}).items())
            )

    # ------------------------------------------------------------------ queue

    @api.model
    def _idempotency_key(self, backend, record):
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        return f"{uuid}:{backend.id}:{record._name}:{record.id}"

    @api.model
    def _enqueue(self, backend, items):
        """Queue ``items`` ``[(record, payload dict)]`` for ``backend`` (in its company, which
        the SQL sets as the ORM would), skipping the records already queued (also by a
        concurrent transaction). Returns the new messages."""
        if not items:
            return self.browse()
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO stock_accuracy_sync_outbox
                       (backend_id, company_id, res_model, res_id, idempotency_key, payload, state,
                        attempts, date_next_attempt, create_uid, create_date, write_uid,
                        write_date)
                SELECT %(backend)s, %(company)s, m, r, k, p::jsonb, 'pending', 0,
                       now() at time zone 'UTC',
                       %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                  FROM unnest(%(models)s::text[], %(ids)s::int[], %(keys)s::text[],
                              %(payloads)s::text[]) AS i(m, r, k, p)
                ON CONFLICT DO NOTHING
                RETURNING id
                """,
                backend=backend.id,
                company=backend.company_id.id,
                uid=self.env.uid,
                models=[record._name for record, _payload in items],
                ids=[record.id for record, _payload in items],
                keys=[self._idempotency_key(backend, record) for record, _payload in items],
                payloads=[json.dumps(payload) for _record, payload in items],
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _enqueue_inventory_moves(self, backend):
        """Queue the done inventory adjustments (``is_inventory`` move lines) into or out of
        the backend's mirrored locations since ``push_since`` that are not queued yet."""
        mirrored = backend._get_mirrored_locations()
        self.env["stock.move.line"].flush_model()
        self.env["stock.move"].flush_model(["is_inventory"])
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT ml.id
                  FROM stock_move_line ml
                  JOIN stock_move m ON m.id = ml.move_id
                  JOIN stock_location s ON s.id = ml.location_id
                  JOIN stock_location d ON d.id = ml.location_dest_id
                 WHERE m.is_inventory AND ml.state = 'done'
                   AND ml.date >= %(since)s
                   AND (s.parent_path LIKE ANY(%(paths)s) OR d.parent_path LIKE ANY(%(paths)s))
                   AND NOT EXISTS (
                       SELECT 1 FROM stock_accuracy_sync_outbox o
                        WHERE o.backend_id = %(backend)s AND o.res_model = 'stock.move.line'
                          AND o.res_id = ml.id)
                 ORDER BY ml.id
                """,
                since=backend.push_since or fields.Datetime.now(),
                paths=[f"{path}%" for path in mirrored.mapped("parent_path")],
                backend=backend.id,
            )
        )
        move_lines = self.env["stock.move.line"].browse([row[0] for row in self.env.cr.fetchall()])
        items = [(ml, self._payload_from_move_line(backend, ml, mirrored)) for ml in move_lines]
        return len(self._enqueue(backend, items))

    @api.model
    def _payload_from_move_line(self, backend, move_line, mirrored):
        """The PostCountResult values of a done inventory adjustment: the quantity counted
        (Odoo's on-hand at the place right after it) and the difference it booked."""
        inside = move_line.location_dest_id.filtered_domain([("id", "child_of", mirrored.ids)])
        location = inside or move_line.location_id
        sign = 1 if inside else -1
        product = move_line.product_id
        counted = product.with_context(
            location=location.id, lot_id=move_line.lot_id.id or None, to_date=move_line.date
        ).qty_available
        return {
            "warehouse": backend.warehouse_code or backend.warehouse_id.code,
            "sku": backend._external_sku(product),
            "location": backend._external_location(location),
            "lot": move_line.lot_id.name or None,
            "counted_quantity": counted,
            "difference": sign * move_line.quantity_product_uom,
            "uom": product.uom_id.with_context(lang="en_US").name,
            "counted_at": move_line.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    # ------------------------------------------------------------------ send

    def action_retry(self):
        if self.filtered(lambda message: message.state == "sent"):
            raise UserError(self.env._("A message already sent is never sent again."))
        self._accuracy_internal().write({"date_next_attempt": fields.Datetime.now()})
        self._send()
        return True

    @api.model
    def _send_due(self):
        due = self.search(
            [
                ("state", "in", ("pending", "failed")),
                ("date_next_attempt", "<=", fields.Datetime.now()),
                ("backend_id.push_counts", "=", True),
            ],
            order="id",
        )
        return due._send()

    def _lock_unsent(self):
        """The messages of ``self`` not sent yet and not being sent by another transaction,
        locked until this one ends."""
        if not self:
            return self
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM stock_accuracy_sync_outbox
                 WHERE id = ANY(%s) AND state != 'sent'
                 ORDER BY id
                   FOR UPDATE SKIP LOCKED
                """,
                self.ids,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        self.invalidate_recordset()
        return self.browse(ids)

    def _send(self):
        """Post each message once to its backend's PostCountResult. Returns the messages sent.
        In cron mode each message is committed on its own, so a crash loses no answer already
        received."""
        commit = self.env.context.get("stock_accuracy_sync_commit")
        sent = self.browse()
        for backend in self.backend_id:
            messages = self.filtered(lambda message, backend=backend: message.backend_id == backend)
            try:
                _client, service = backend._get_soap_client()
            except backend._soap_errors() as error:
                messages._lock_unsent()._record_failure(backend._describe_soap_error(error))
                if commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                continue
            for message in messages:
                message = message._lock_unsent()
                if not message:
                    continue
                try:
                    answer = service.PostCountResult(
                        idempotency_key=message.idempotency_key, **(message.payload or {})
                    )
                except backend._soap_errors() as error:
                    message._record_failure(backend._describe_soap_error(error))
                else:
                    status = str(answer if not hasattr(answer, "status") else answer.status)
                    if status in ("accepted", "duplicate"):
                        message._accuracy_internal().write(
                            {
                                "state": "sent",
                                "date_sent": fields.Datetime.now(),
                                "response_status": status,
                                "attempts": message.attempts + 1,
                                "last_error": False,
                            }
                        )
                        sent |= message
                    else:
                        message._record_failure(
                            self.env._("The service answered %(status)s.", status=status)
                        )
                if commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        return sent

    def _record_failure(self, reason):
        now = fields.Datetime.now()
        for message in self:
            attempts = message.attempts + 1
            retry = attempts < (message.backend_id.push_max_attempts or 1)
            message._accuracy_internal().write(
                {
                    "state": "failed",
                    "attempts": attempts,
                    "last_error": reason,
                    "date_next_attempt": (
                        now + message.backend_id._retry_delay(attempts) if retry else False
                    ),
                }
            )
            _logger.warning(
                "Post %s to backend %s failed: %s", message.id, message.backend_id.id, reason
            )
