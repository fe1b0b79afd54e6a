import logging
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from dateutil.parser import isoparse

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_is_zero

_logger = logging.getLogger(__name__)

COUNTERS = (
    "lines_read",
    "matched_count",
    "mismatched_count",
    "exceeded_count",
    "unknown_product_count",
    "unknown_location_count",
    "unknown_uom_count",
    "invalid_count",
    "exception_count",
)


class SnapshotFormatError(ValueError):
    """The answer of the snapshot operation does not have the configured shape."""


def _get(value, name):
    """The child ``name`` of a zeep object, a dict or a plain object, else ``None``."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(name)
    try:
        return value[name]
    except (KeyError, TypeError, IndexError):
        return getattr(value, name, None)


def _walk(value, path):
    """Follow a dotted ``path`` from ``value``. zeep returns the only child of an answer
    directly, so a first step that is not found is skipped."""
    parts = [part for part in (path or "").split(".") if part]
    for index, part in enumerate(parts):
        child = _get(value, part)
        if child is None and index == 0 and len(parts) > 1:
            continue
        value = child
    return value


class StockAccuracySyncRun(models.Model):
    """One reconciliation of an external system's stock snapshot with Odoo's on-hand.

    The snapshot is read page by page; each page is compared in one SQL query and its
    differences written before the next page is asked for, so memory does not grow with the
    snapshot and the pages already read are kept when a later one fails. Nothing is adjusted:
    differences beyond tolerance become external-mismatch exceptions for someone to own.
    """

    _name = "stock.accuracy.sync.run"
    _description = "External Stock Reconciliation Run"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(readonly=True, default="/", copy=False)
    backend_id = fields.Many2one(
        "stock.accuracy.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    warehouse_id = fields.Many2one(related="backend_id.warehouse_id", store=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("error", "Error")],
        required=True,
        default="running",
        readonly=True,
        index=True,
    )
    date_start = fields.Datetime(string="Started", default=fields.Datetime.now, readonly=True)
    date_end = fields.Datetime(string="Finished", readonly=True)
    pages_read = fields.Integer(readonly=True)
    total_pages = fields.Integer(readonly=True)
    lines_read = fields.Integer(readonly=True)
    matched_count = fields.Integer(string="Matched", readonly=True)
    mismatched_count = fields.Integer(string="Mismatched", readonly=True)
    exceeded_count = fields.Integer(
        string="Beyond Tolerance",
        readonly=True,
        help="Mismatches beyond the item's tolerance, each raising an exception.",
    )
    unknown_product_count = fields.Integer(string="Unknown Products", readonly=True)
    unknown_location_count = fields.Integer(string="Unknown Locations", readonly=True)
    unknown_uom_count = fields.Integer(string="Unknown Units", readonly=True)
    invalid_count = fields.Integer(string="Invalid Lines", readonly=True)
    exception_count = fields.Integer(string="Exceptions Raised", readonly=True)
    error = fields.Text(readonly=True)
    line_ids = fields.One2many("stock.accuracy.sync.line", "run_id", string="Differences")

    @api.model_create_multi
    def create(self, vals_list):
        runs = super().create(vals_list)
        for run in runs:
            run.name = self.env._(
                "%(backend)s #%(number)s", backend=run.backend_id.name, number=run.id
            )
        return runs

    # ------------------------------------------------------------------ actions

    def action_abort(self):
        """End a run left running (the server stopped during it) so the next can start."""
        for run in self:
            if run.state != "running":
                raise UserError(self.env._("%(run)s is not running.", run=run.name))
        self.write(
            {
                "state": "error",
                "date_end": fields.Datetime.now(),
                "error": self.env._("Aborted by %(user)s.", user=self.env.user.name),
            }
        )
        return True

    def action_view_exceptions(self):
        self.ensure_one()
        return self.env["stock.accuracy.exception"]._action_for(
            [("id", "in", self.line_ids.exception_id.ids)]
        )

    # ------------------------------------------------------------------ run

    def _commit_page(self):
        """In cron mode every page is committed: a later failure or a restart keeps it."""
        if self.env.context.get("stock_accuracy_sync_commit"):
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _fail(self, reason):
        self.ensure_one()
        _logger.warning("Reconciliation %s failed: %s", self.id, reason)
        self.write({"state": "error", "error": reason, "date_end": fields.Datetime.now()})
        self._commit_page()
        return False

    def _execute(self):
        """Read the snapshot page by page and reconcile each page. Ends in ``done``, or in
        ``error`` with the reason; never raises for a failure of the service."""
        self.ensure_one()
        backend = self.backend_id
        soap_errors = backend._soap_errors()
        try:
            _client, service = backend._get_soap_client()
            operation = getattr(service, backend.snapshot_operation)
        except AttributeError:
            return self._fail(
                self.env._(
                    "The service has no operation %(operation)s.",
                    operation=backend.snapshot_operation,
                )
            )
        except soap_errors as error:
            return self._fail(
                self.env._(
                    "The WSDL could not be loaded: %(reason)s",
                    reason=backend._describe_soap_error(error),
                )
            )
        context = self._prepare_context()
        page = 1
        while True:
            params = {backend.param_page: page}
            if backend.param_warehouse:
                params[backend.param_warehouse] = (
                    backend.warehouse_code or backend.warehouse_id.code
                )
            if backend.param_page_size:
                params[backend.param_page_size] = backend.page_size
            try:
                response = operation(**params)
                total_pages, lines = self._parse_page(response)
            except soap_errors as error:
                return self._fail(
                    self.env._(
                        "Page %(page)s: %(reason)s",
                        page=page,
                        reason=backend._describe_soap_error(error),
                    )
                )
            except (SnapshotFormatError, TypeError) as error:
                return self._fail(
                    self.env._(
                        "Page %(page)s does not have the configured shape: %(reason)s",
                        page=page,
                        reason=error,
                    )
                )
            with self.env.cr.savepoint():
                self._process_page(lines, context)
                self.write({"pages_read": page, "total_pages": total_pages or 0})
                self.env.flush_all()
            # what a page loaded into the cache is not needed by the next: memory stays flat
            self.env.invalidate_all()
            self._commit_page()
            if total_pages:
                if page >= total_pages:
                    break
            elif len(lines) < backend.page_size:
                break
            page += 1
        self.write({"state": "done", "date_end": fields.Datetime.now()})
        self._commit_page()
        return True

    def _prepare_context(self):
        """What every page of the run needs, loaded once: the location map, the units."""
        self.ensure_one()
        uoms = self.backend_id._uom_map()
        return {
            "locations": self.backend_id._location_map(),
            "uoms": uoms,
            "uoms_by_id": {value[0]: value for value in uoms.values()},
            "now": self.date_start,
        }

    def _parse_page(self, response):
        """``(total pages or None, [line dict])`` from one answer, with the backend's names."""
        backend = self.backend_id
        total = None
        if backend.total_pages_element:
            value = _walk(response, backend.total_pages_element)
            if value is not None:
                try:
                    total = int(value)
                except (TypeError, ValueError) as error:
                    raise SnapshotFormatError(
                        self.env._("the page count %(value)r is not a number", value=value)
                    ) from error
        items = _walk(response, backend.lines_element)
        if items is None:
            items = []
        elif not isinstance(items, list):
            items = [items]
        names = {
            "sku": backend.field_sku,
            "location": backend.field_location,
            "lot": backend.field_lot,
            "quantity": backend.field_quantity,
            "uom": backend.field_uom,
            "as_of": backend.field_as_of,
        }
        lines = [
            {key: _get(item, name) if name else None for key, name in names.items()}
            for item in items
        ]
        return total, lines

    @api.model
    def _to_utc(self, value, default):
        """A naive UTC datetime from what the service gave (datetime or ISO 8601 text)."""
        if value in (None, ""):
            return default
        if isinstance(value, str):
            value = isoparse(value)
        if not isinstance(value, datetime):
            raise TypeError(value)
        if value.tzinfo:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def _process_page(self, lines, context):
        """Match, convert and compare one page of external lines; write its differences and
        raise the exceptions it calls for. One query for products, one for lots, one for
        Odoo's quantities."""
        self.ensure_one()
        backend = self.backend_id
        counters = dict.fromkeys(COUNTERS, 0)
        counters["lines_read"] = len(lines)
        products = backend._match_products([str(line["sku"]) for line in lines if line["sku"]])
        Line = self.env["stock.accuracy.sync.line"]
        line_vals = []
        to_compare = []
        for line in lines:
            vals = Line._prepare_external_values(self, line)
            problem = self._resolve_line(line, vals, products, context)
            if problem:
                counters[f"{problem}_count"] += 1
                vals["state"] = problem
                line_vals.append(vals)
            else:
                to_compare.append(vals)
        self._resolve_lots(to_compare)
        book = self._book_quantities(to_compare)
        mismatches = []
        for index, vals in enumerate(to_compare):
            vals["book_qty"] = book[index]
            difference = vals["external_qty_product_uom"] - vals["book_qty"]
            rounding = vals.pop("_rounding")
            if float_is_zero(difference, precision_rounding=rounding):
                counters["matched_count"] += 1
                continue
            vals["difference"] = difference
            vals["state"] = "mismatch"
            counters["mismatched_count"] += 1
            product = self.env["product.product"].browse(vals["product_id"])
            tolerance = backend._get_tolerance(product, backend.warehouse_id)
            vals["within_tolerance"] = backend._is_within_tolerance(
                difference, vals["book_qty"], tolerance, rounding
            )
            if not vals["within_tolerance"]:
                counters["exceeded_count"] += 1
                mismatches.append(vals)
            line_vals.append(vals)
        for vals in line_vals:
            vals.pop("_rounding", None)
            vals.pop("_location_path", None)
        if mismatches:
            exceptions = self._raise_mismatch_exceptions(mismatches)
            counters["exception_count"] += len(exceptions)
        sync_lines = Line.create(line_vals)
        self._request_spot_counts(sync_lines.filtered(lambda sl: sl.exception_id))
        self.write({name: self[name] + value for name, value in counters.items() if value})

    def _resolve_line(self, line, vals, products, context):
        """Fill product, location and converted quantity of ``vals``; return the problem
        (``unknown_product``, ``unknown_location``, ``unknown_uom``, ``invalid``) or None."""
        try:
            quantity = Decimal(str(line["quantity"]))
            vals["external_qty"] = float(quantity)
            vals["as_of"] = self._to_utc(line["as_of"], context["now"])
        except (InvalidOperation, ValueError, TypeError, OverflowError):
            vals["note"] = self.env._(
                "Quantity %(quantity)r or date %(date)r cannot be read.",
                quantity=line["quantity"],
                date=line["as_of"],
            )
            return "invalid"
        if not vals["as_of"]:
            vals["as_of"] = context["now"]
        match = products.get(vals["external_sku"])
        if match:
            vals["product_id"] = match[0]
        location = context["locations"].get(vals["external_location"])
        if location:
            vals["location_id"] = location[0]
            vals["_location_path"] = location[1]
        if not match:
            return "unknown_product"
        if not location:
            return "unknown_location"
        product_uom_id, rounding = match[1], match[2]
        product_uom = context["uoms_by_id"].get(product_uom_id)
        external_uom = context["uoms"].get((line["uom"] or "").strip().lower())
        if not line["uom"]:
            external_uom = product_uom
        if not external_uom or not product_uom:
            vals["note"] = self.env._("Unit %(uom)s is unknown in Odoo.", uom=line["uom"] or "-")
            return "unknown_uom"
        if external_uom[1] != product_uom[1]:
            vals["note"] = self.env._(
                "Unit %(uom)s cannot be converted to the product's unit.", uom=line["uom"]
            )
            return "unknown_uom"
        vals["external_uom_id"] = external_uom[0]
        vals["external_qty_product_uom"] = vals["external_qty"] / external_uom[2] * product_uom[2]
        vals["_rounding"] = rounding
        return None

    def _resolve_lots(self, vals_list):
        """Odoo lots of the lines that name one, in one query; a lot unknown to Odoo holds
        nothing in Odoo (lot id -1 in the comparison)."""
        wanted = {
            (vals["product_id"], vals["external_lot"]) for vals in vals_list if vals["external_lot"]
        }
        found = {}
        if wanted:
            self.env["stock.lot"].flush_model(["name", "product_id"])
            self.env.cr.execute(
                SQL(
                    """
                    SELECT l.product_id, l.name, l.id
                      FROM stock_lot l
                      JOIN unnest(%s::int[], %s::text[]) AS w(product_id, name)
                        ON w.product_id = l.product_id AND w.name = l.name
                     WHERE l.company_id IS NULL OR l.company_id = %s
                    """,
                    [key[0] for key in wanted],
                    [key[1] for key in wanted],
                    self.company_id.id,
                )
            )
            found = {(row[0], row[1]): row[2] for row in self.env.cr.fetchall()}
        for vals in vals_list:
            if vals["external_lot"]:
                lot_id = found.get((vals["product_id"], vals["external_lot"]))
                vals["lot_id"] = lot_id or False
                if not lot_id:
                    vals["note"] = self.env._(
                        "Lot %(lot)s is unknown in Odoo.", lot=vals["external_lot"]
                    )

    def _book_quantities(self, vals_list):
        """Odoo's on-hand of each line at its place (the location and its children), lot and
        as-of time, in the product's unit: today's quants minus the done moves into the place
        after as-of, plus those out of it. One query for the whole page."""
        if not vals_list:
            return []
        self.env["stock.quant"].flush_model()
        self.env["stock.move.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                WITH ext AS (
                    SELECT *
                      FROM unnest(%s::int[], %s::int[], %s::text[], %s::bool[], %s::int[],
                                  %s::timestamp[])
                           AS e(idx, product_id, path, by_lot, lot_id, as_of)
                )
                SELECT e.idx, (
                       COALESCE((SELECT SUM(q.quantity)
                                   FROM stock_quant q
                                   JOIN stock_location l ON l.id = q.location_id
                                  WHERE q.product_id = e.product_id
                                    AND l.parent_path LIKE e.path
                                    AND (NOT e.by_lot OR q.lot_id IS NOT DISTINCT FROM e.lot_id)
                       ), 0)
                     - COALESCE((SELECT SUM(ml.quantity_product_uom)
                                   FROM stock_move_line ml
                                   JOIN stock_location d ON d.id = ml.location_dest_id
                                  WHERE ml.product_id = e.product_id AND ml.state = 'done'
                                    AND ml.date > e.as_of
                                    AND d.parent_path LIKE e.path
                                    AND (NOT e.by_lot OR ml.lot_id IS NOT DISTINCT FROM e.lot_id)
                       ), 0)
                     + COALESCE((SELECT SUM(ml.quantity_product_uom)
                                   FROM stock_move_line ml
                                   JOIN stock_location s ON s.id = ml.location_id
                                  WHERE ml.product_id = e.product_id AND ml.state = 'done'
                                    AND ml.date > e.as_of
                                    AND s.parent_path LIKE e.path
                                    AND (NOT e.by_lot OR ml.lot_id IS NOT DISTINCT FROM e.lot_id)
                       ), 0))::float
                  FROM ext e
                """,
                list(range(len(vals_list))),
                [vals["product_id"] for vals in vals_list],
                [vals["_location_path"] + "%" for vals in vals_list],
                [bool(vals["external_lot"]) for vals in vals_list],
                [vals.get("lot_id") or -1 for vals in vals_list],
                [vals["as_of"] for vals in vals_list],
            )
        )
        book = dict(self.env.cr.fetchall())
        for vals in vals_list:
            vals.pop("_location_path", None)
        return [book[index] for index in range(len(vals_list))]

    def _raise_mismatch_exceptions(self, vals_list):
        """Raise one external-mismatch exception per difference beyond tolerance (refreshing
        the open one of the same product, place and lot) and link it to its line."""
        backend = self.backend_id
        exception_vals = [
            {
                "source_ref": backend,
                "company_id": self.company_id.id,
                "warehouse_id": backend.warehouse_id.id,
                "product_id": vals["product_id"],
                "location_id": vals["location_id"],
                "lot_id": vals.get("lot_id") or False,
                "quantity": vals["difference"],
                "description": self.env._(
                    "%(backend)s holds %(external)s where Odoo holds %(book)s (run %(run)s).",
                    backend=backend.name,
                    external=vals["external_qty_product_uom"],
                    book=vals["book_qty"],
                    run=self.name,
                ),
            }
            for vals in vals_list
        ]
        exceptions = (
            self.env["stock.accuracy.exception"]
            .sudo()
            ._raise_exceptions("external_mismatch", exception_vals)
        )
        by_key = {
            (
                exception.product_id.id,
                exception.location_id.id,
                exception.lot_id.id or False,
            ): exception
            for exception in exceptions
        }
        for vals in vals_list:
            exception = by_key.get(
                (vals["product_id"], vals["location_id"], vals.get("lot_id") or False)
            )
            vals["exception_id"] = exception.id if exception else False
        return exceptions

    def _request_spot_counts(self, sync_lines):
        """Hook: ask for a spot count of the lines whose difference raised an exception.
        Cycle counting (issue 5) plugs its spot count in here; until then the exception,
        whose type asks for a count to verify, is the request."""
        return sync_lines
