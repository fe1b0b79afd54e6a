import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from dateutil.parser import isoparse

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_is_zero, split_every

try:
    import zeep
    import zeep.exceptions
    import zeep.loader
except ImportError:  # pragma: no cover - declared in external_dependencies
    zeep = None

_logger = logging.getLogger(__name__)

# differences beyond tolerance are raised in batches of this many lines or pages at most
PENDING_LINES = 500
PENDING_PAGES = 50

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
    "absent_count",
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


def _local(tag):
    return tag.rpartition("}")[2] if isinstance(tag, str) else None


def _xml_children(elements, name):
    return [child for element in elements for child in element if _local(child.tag) == name]


def _xml_walk(element, path):
    """The elements at the dotted ``path`` (local names) under ``element``, with the same
    leniency as :func:`_walk`: a first step that is not found is skipped."""
    parts = [part for part in (path or "").split(".") if part]
    found = [element]
    for index, part in enumerate(parts):
        children = _xml_children(found, part)
        if not children and index == 0 and len(parts) > 1:
            continue
        found = children
    return found


class StockAccuracySyncRun(models.Model):
    """One reconciliation of an external system's stock snapshot with Odoo's on-hand.

    The snapshot is read page by page; each page is compared in one SQL query and its
    differences written before the next page is asked for (those beyond tolerance, which become
    external-mismatch exceptions for someone to own, in batches of a few pages), so memory does
    not grow with the snapshot and the pages already read are kept when a later one fails. What
    the pages list is kept in a temporary table, so that once the whole snapshot is read, Odoo's
    stock it leaves out is found in one query. Nothing is adjusted.
    """

    _name = "stock.accuracy.sync.run"
    _inherit = ["stock.accuracy.guarded"]
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
    absent_count = fields.Integer(
        string="Missing from Snapshot",
        readonly=True,
        help="Products Odoo holds at the mirrored locations that the snapshot does not list: "
        "each is a mismatch (external 0). Checked only when the whole snapshot was read.",
    )
    spot_count_ids = fields.Many2many(
        "stock.accuracy.count",
        "stock_accuracy_sync_run_count_rel",
        "run_id",
        "count_id",
        string="Spot Counts",
        readonly=True,
    )
    error = fields.Text(readonly=True)
    line_ids = fields.One2many("stock.accuracy.sync.line", "run_id", string="Differences")

    # -- write policy (stock.accuracy.guarded): written by the module's code only -------------
    def _accuracy_allowed_fields(self):
        return set()

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
        self._accuracy_internal().write(
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

    def _fail(self, reason, context=None):
        """End the run in error, keeping what the pages read so far found."""
        self.ensure_one()
        _logger.warning("Reconciliation %s failed: %s", self.id, reason)
        if context:
            self._flush_pending(context)
        self._drop_seen_table()
        self._accuracy_internal().write(
            {"state": "error", "error": reason, "date_end": fields.Datetime.now()}
        )
        self._commit_page()
        return False

    def _execute(self):
        """Read the snapshot page by page and reconcile each page. Ends in ``done``, or in
        ``error`` with the reason; never raises for a failure of the service."""
        self.ensure_one()
        backend = self.backend_id
        soap_errors = backend._soap_errors()
        try:
            client, service = backend._get_soap_client()
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
        self._create_seen_table()
        base_params = {}
        if backend.param_warehouse:
            base_params[backend.param_warehouse] = (
                backend.warehouse_code or backend.warehouse_id.code
            )
        if backend.param_page_size:
            base_params[backend.param_page_size] = backend.page_size
        page_param, page_size = backend.param_page, backend.page_size
        page = 1
        while True:
            params = dict(base_params, **{page_param: page})
            try:
                total_pages, lines = self._fetch_page(client, service, operation, params)
            except soap_errors as error:
                return self._fail(
                    self.env._(
                        "Page %(page)s: %(reason)s",
                        page=page,
                        reason=backend._describe_soap_error(error),
                    ),
                    context,
                )
            except (SnapshotFormatError, TypeError) as error:
                return self._fail(
                    self.env._(
                        "Page %(page)s does not have the configured shape: %(reason)s",
                        page=page,
                        reason=error,
                    ),
                    context,
                )
            with self.env.cr.savepoint():
                self._process_page(lines, context)
                self._accuracy_internal().write(
                    {"pages_read": page, "total_pages": total_pages or 0}
                )
                context["pages_pending"] += 1
                flush = (
                    len(context["pending"]) >= PENDING_LINES
                    or context["pages_pending"] >= PENDING_PAGES
                )
                if flush:
                    self._flush_pending(context)
                self.env.flush_all()
            if flush:
                # what the pages loaded into the cache is not needed by the next ones: memory
                # stays flat
                self.env.invalidate_all()
                self._commit_page()
            if total_pages:
                if page >= total_pages:
                    break
            elif len(lines) < page_size:
                break
            page += 1
        with self.env.cr.savepoint():
            self._flush_pending(context)
            self._reconcile_absent(context)
            if backend.spot_count_mismatches:
                self._request_spot_counts()
            self._accuracy_internal().write({"state": "done", "date_end": fields.Datetime.now()})
            self.env.flush_all()
        self._drop_seen_table()
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
            "pending": [],
            "pages_pending": 0,
        }

    def _flush_pending(self, context):
        """Raise the exceptions of the differences beyond tolerance gathered over the last
        pages and write their lines: raising them in batches of several pages costs a fraction
        of raising them page by page, and the batch stays small whatever the snapshot size.
        In cron mode the run is committed here, with the pages the batch comes from."""
        pending = context["pending"]
        if pending:
            exceptions = self._raise_mismatch_exceptions(pending)
            self.env["stock.accuracy.sync.line"]._accuracy_internal().create(pending)
            self._add_counters({"exception_count": len(exceptions)})
            pending.clear()
        context["pages_pending"] = 0

    def _fetch_page(self, client, service, operation, params):
        """``(total pages or None, [line dict])`` of one page. The answer is read straight
        from its XML (zeep's typed objects cost more than the rest of the reconciliation);
        anything else than a plain answer (a fault, an HTTP error, XML that does not parse,
        an attachment) goes through zeep's own processing, which raises what it raises."""
        with client.settings(raw_response=True):
            http_response = operation(**params)
        answer = self._snapshot_answer(client, http_response)
        if answer is None:
            binding = service._binding
            response = binding.process_reply(
                client, binding.get(self.backend_id.snapshot_operation), http_response
            )
            return self._parse_page(response)
        return self._parse_page_xml(answer)

    @api.model
    def _snapshot_answer(self, client, http_response):
        """The answer element in the SOAP body of a plain answer, else ``None``."""
        content_type = http_response.headers.get("Content-Type", "text/xml")
        if http_response.status_code != 200 or "multipart" in content_type.lower():
            return None
        try:
            document = zeep.loader.parse_xml(
                http_response.content, client.transport, settings=client.settings
            )
        except zeep.exceptions.XMLSyntaxError:
            return None
        if client.wsse and hasattr(client.wsse, "verify"):
            client.wsse.verify(document)
        body = next((child for child in document if _local(child.tag) == "Body"), None)
        if body is None:
            return None
        answer = next((child for child in body if _local(child.tag) is not None), None)
        if answer is None or _local(answer.tag) == "Fault":
            return None
        return answer

    def _parse_page_xml(self, answer):
        """:meth:`_parse_page` for the answer's XML element: elements and attributes are
        matched by local name, values are their text."""
        backend = self.backend_id
        total = None
        if backend.total_pages_element:
            found = _xml_walk(answer, backend.total_pages_element)
            total = self._page_count(found[0].text if found else None)
        names = self._line_field_names()
        lines = []
        for item in _xml_walk(answer, backend.lines_element):
            values = dict(item.attrib)
            values.update((_local(child.tag), child.text) for child in item)
            lines.append({key: values.get(name) if name else None for key, name in names.items()})
        return total, lines

    def _line_field_names(self):
        """{line key: the element or attribute name the backend gives it in a snapshot}."""
        backend = self.backend_id
        return {
            "sku": backend.field_sku,
            "location": backend.field_location,
            "lot": backend.field_lot,
            "quantity": backend.field_quantity,
            "uom": backend.field_uom,
            "as_of": backend.field_as_of,
        }

    def _page_count(self, value):
        """The total page count a snapshot page announces, or None when it gives none."""
        if value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as error:
            raise SnapshotFormatError(
                self.env._("the page count %(value)r is not a number", value=value)
            ) from error

    def _parse_page(self, response):
        """``(total pages or None, [line dict])`` from one answer, with the backend's names."""
        backend = self.backend_id
        total = None
        if backend.total_pages_element:
            total = self._page_count(_walk(response, backend.total_pages_element))
        items = _walk(response, backend.lines_element)
        if items is None:
            items = []
        elif not isinstance(items, list):
            items = [items]
        names = self._line_field_names()
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
        gather those beyond tolerance for :meth:`_flush_pending`. One query for products, one
        for lots, one for Odoo's quantities, one to remember what the page lists."""
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
                if not vals.get("product_id"):
                    vals.pop("_location_path", None)
            else:
                to_compare.append(vals)
        # the compared lines are remembered by the comparison's own query
        self._record_seen([vals for vals in line_vals if vals.get("_location_path")])
        self._resolve_lots(to_compare)
        book = self._book_quantities(to_compare)
        differing = []
        for index, vals in enumerate(to_compare):
            vals["book_qty"] = book[index]
            difference = vals["external_qty_product_uom"] - vals["book_qty"]
            if float_is_zero(difference, precision_rounding=vals["_rounding"]):
                counters["matched_count"] += 1
                continue
            vals["difference"] = difference
            vals["state"] = "mismatch"
            differing.append(vals)
        tolerances = backend._get_tolerances({vals["product_id"] for vals in differing})
        mismatches = []
        for vals in differing:
            counters["mismatched_count"] += 1
            vals["within_tolerance"] = backend._is_within_tolerance(
                vals["difference"],
                vals["book_qty"],
                tolerances[vals["product_id"]],
                vals.pop("_rounding"),
            )
            if not vals["within_tolerance"]:
                counters["exceeded_count"] += 1
                mismatches.append(vals)
            else:
                line_vals.append(vals)
        for vals in line_vals:
            vals.pop("_rounding", None)
            vals.pop("_location_path", None)
            vals.pop("_location_leaf", None)
        Line._accuracy_internal().create(line_vals)
        context["pending"].extend(mismatches)
        self._add_counters(counters)

    def _add_counters(self, counters):
        self._accuracy_internal().write(
            {name: self[name] + value for name, value in counters.items() if value}
        )

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
            vals["_location_leaf"] = location[2]
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
                        -- by product: the trigram index on name is slow for equality
                        ON w.product_id = l.product_id AND w.name = l.name || ''
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
        after as-of, plus those out of it. One query for the whole page, which also records
        the lines' product and place in the run's table of what the snapshot lists.

        The done move lines after as-of are found through their move's date, which is indexed
        (the move line's is not) and set at the same moment; an hour of margin keeps the lines
        whose date differs slightly, and their own date decides."""
        if not vals_list:
            return []
        self.env["stock.quant"].flush_model()
        self.env["stock.move"].flush_model(["date", "state", "product_id"])
        self.env["stock.move.line"].flush_model()
        products = list({vals["product_id"] for vals in vals_list})
        since = min(vals["as_of"] for vals in vals_list) - timedelta(hours=1)
        self.env.cr.execute(
            SQL(
                """
                WITH seen AS (
                    INSERT INTO %(seen)s (product_id, pattern)
                    SELECT * FROM unnest(%(product_ids)s::int[], %(paths)s::varchar[])
                ), ext AS (
                    SELECT *
                      FROM unnest(%(idx)s::int[], %(product_ids)s::int[], %(location_ids)s::int[],
                                  %(paths)s::text[], %(leaf)s::bool[], %(by_lot)s::bool[],
                                  %(lot_ids)s::int[], %(as_of)s::timestamp[])
                           AS e(idx, product_id, location_id, path, leaf, by_lot, lot_id, as_of)
                ), quant AS (
                    -- a place without children: its own quants, by product and location
                    SELECT e.idx, SUM(q.quantity) AS quantity
                      FROM ext e
                      JOIN stock_quant q
                        ON q.product_id = e.product_id AND q.location_id = e.location_id
                     WHERE e.leaf AND (NOT e.by_lot OR q.lot_id IS NOT DISTINCT FROM e.lot_id)
                     GROUP BY e.idx
                     UNION ALL
                    SELECT e.idx, SUM(q.quantity) AS quantity
                      FROM ext e
                      JOIN stock_quant q ON q.product_id = e.product_id
                      JOIN stock_location l ON l.id = q.location_id
                     WHERE NOT e.leaf AND l.parent_path LIKE e.path
                       AND (NOT e.by_lot OR q.lot_id IS NOT DISTINCT FROM e.lot_id)
                     GROUP BY e.idx
                ), recent AS (
                    SELECT ml.product_id, ml.lot_id, ml.date, ml.quantity_product_uom AS quantity,
                           s.parent_path AS source, d.parent_path AS dest
                      FROM stock_move m
                      JOIN stock_move_line ml ON ml.move_id = m.id
                      JOIN stock_location s ON s.id = ml.location_id
                      JOIN stock_location d ON d.id = ml.location_dest_id
                     WHERE m.state = 'done' AND m.date > %(since)s
                       AND m.product_id = ANY(%(products)s) AND ml.state = 'done'
                ), moved AS (
                    SELECT e.idx,
                           SUM(CASE WHEN r.source LIKE e.path THEN r.quantity ELSE 0 END
                               - CASE WHEN r.dest LIKE e.path THEN r.quantity ELSE 0 END)
                               AS quantity
                      FROM ext e
                      JOIN recent r ON r.product_id = e.product_id AND r.date > e.as_of
                     WHERE NOT e.by_lot OR r.lot_id IS NOT DISTINCT FROM e.lot_id
                     GROUP BY e.idx
                )
                SELECT e.idx, (COALESCE(q.quantity, 0) + COALESCE(m.quantity, 0))::float
                  FROM ext e
                  LEFT JOIN quant q ON q.idx = e.idx
                  LEFT JOIN moved m ON m.idx = e.idx
                """,
                idx=list(range(len(vals_list))),
                product_ids=[vals["product_id"] for vals in vals_list],
                location_ids=[vals["location_id"] for vals in vals_list],
                paths=[vals["_location_path"] + "%" for vals in vals_list],
                leaf=[vals["_location_leaf"] for vals in vals_list],
                by_lot=[bool(vals["external_lot"]) for vals in vals_list],
                lot_ids=[vals.get("lot_id") or -1 for vals in vals_list],
                as_of=[vals["as_of"] for vals in vals_list],
                products=products,
                since=since,
                seen=self._seen_table(),
            )
        )
        book = dict(self.env.cr.fetchall())
        for vals in vals_list:
            vals.pop("_location_path", None)
            vals.pop("_location_leaf", None)
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
            ._raise_exceptions("external_mismatch", exception_vals, bulk=True)
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

    # ------------------------------------------------------------------ end of run

    def _seen_table(self):
        return SQL.identifier(f"stock_accuracy_sync_seen_{self.id}")

    def _create_seen_table(self):
        """A temporary table of the (product, place) pairs the snapshot lists, filled page by
        page, so that what Odoo holds and the snapshot leaves out is found at the end without
        keeping the snapshot in memory."""
        self._drop_seen_table()
        self.env.cr.execute(
            SQL("CREATE TEMPORARY TABLE %s (product_id int, pattern varchar)", self._seen_table())
        )
        self.env.cr.execute(SQL("CREATE INDEX ON %s (product_id)", self._seen_table()))

    def _drop_seen_table(self):
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", self._seen_table()))

    def _record_seen(self, vals_list):
        if not vals_list:
            return
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (product_id, pattern) "
                "SELECT * FROM unnest(%s::int[], %s::varchar[])",
                self._seen_table(),
                [vals["product_id"] for vals in vals_list],
                [f"{vals['_location_path']}%" for vals in vals_list],
            )
        )

    def _reconcile_absent(self, context):
        """Record as mismatches (external 0) what Odoo holds at the mirrored locations for
        products the snapshot does not list at that place or above it, in one query: each
        uncovered quantity is reported at the deepest location the external system can name
        (mapped or barcoded), else at the mirrored location holding it. Lots are not told
        apart: a product listed at a place, whatever its lot, is covered there."""
        self.ensure_one()
        backend = self.backend_id
        mirrored = backend._get_mirrored_locations()
        named = context["locations"]
        self.env["stock.quant"].flush_model()
        self.env["stock.location"].flush_model(["parent_path", "usage"])
        self.env.cr.execute(SQL("ANALYZE %s", self._seen_table()))
        self.env.cr.execute(
            SQL(
                """
                WITH roots AS (
                    SELECT * FROM unnest(%(root_ids)s::int[], %(root_paths)s::varchar[])
                           AS r(location_id, pattern)
                ), named AS (
                    SELECT * FROM unnest(%(named_ids)s::int[], %(named_paths)s::varchar[])
                           AS n(location_id, pattern)
                ), onhand AS (
                    SELECT q.product_id, l.parent_path AS path, SUM(q.quantity) AS quantity
                      FROM stock_quant q
                      JOIN stock_location l ON l.id = q.location_id
                     WHERE l.usage = 'internal'
                       AND l.parent_path LIKE ANY(%(patterns)s)
                       AND (q.company_id IS NULL OR q.company_id = %(company)s)
                     GROUP BY q.product_id, l.parent_path
                ), uncovered AS (
                    SELECT o.*
                      FROM onhand o
                     WHERE o.quantity > 0
                       AND NOT EXISTS (
                           SELECT 1 FROM %(seen)s s
                            WHERE s.product_id = o.product_id AND o.path LIKE s.pattern
                       )
                )
                SELECT u.product_id,
                       COALESCE(
                           (SELECT n.location_id FROM named n
                             WHERE u.path LIKE n.pattern
                             ORDER BY length(n.pattern) DESC LIMIT 1),
                           (SELECT r.location_id FROM roots r
                             WHERE u.path LIKE r.pattern
                             ORDER BY length(r.pattern) DESC LIMIT 1)
                       ) AS location_id,
                       SUM(u.quantity)::float,
                       pt.uom_id, u_.rounding::float
                  FROM uncovered u
                  JOIN product_product pp ON pp.id = u.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN uom_uom u_ ON u_.id = pt.uom_id
                 GROUP BY 1, 2, 4, 5
                HAVING SUM(u.quantity) > 0
                 ORDER BY 2, 1
                """,
                root_ids=mirrored.ids,
                root_paths=[f"{path}%" for path in mirrored.mapped("parent_path")],
                named_ids=[value[0] for value in named.values()],
                named_paths=[f"{value[1]}%" for value in named.values()],
                patterns=[f"{path}%" for path in mirrored.mapped("parent_path")],
                company=self.company_id.id,
                seen=self._seen_table(),
            )
        )
        for rows in split_every(1000, self.env.cr.fetchall(), list):
            self._record_absent(rows)

    def _record_absent(self, rows):
        """Write the mismatch lines and exceptions of ``rows`` (product, location, Odoo
        quantity, unit, rounding) that the snapshot leaves out."""
        backend = self.backend_id
        counters = dict.fromkeys(COUNTERS, 0)
        line_vals = []
        exceeded = []
        now = self.date_start
        tolerances = backend._get_tolerances({row[0] for row in rows})
        for product_id, location_id, quantity, uom_id, rounding in rows:
            if float_is_zero(quantity, precision_rounding=rounding):
                continue
            vals = {
                "run_id": self.id,
                "state": "mismatch",
                "missing_in_snapshot": True,
                "product_id": product_id,
                "location_id": location_id,
                "external_qty": 0.0,
                "external_uom_id": uom_id,
                "external_qty_product_uom": 0.0,
                "book_qty": quantity,
                "difference": -quantity,
                "as_of": now,
                "note": self.env._("Not in the snapshot."),
            }
            vals["within_tolerance"] = backend._is_within_tolerance(
                -quantity, quantity, tolerances[product_id], rounding
            )
            counters["mismatched_count"] += 1
            counters["absent_count"] += 1
            if not vals["within_tolerance"]:
                counters["exceeded_count"] += 1
                exceeded.append(vals)
            line_vals.append(vals)
        if exceeded:
            counters["exception_count"] += len(self._raise_mismatch_exceptions(exceeded))
        self.env["stock.accuracy.sync.line"]._accuracy_internal().create(line_vals)
        self._add_counters(counters)
        self.env.flush_all()
        self.env.invalidate_all()

    def _request_spot_counts(self):
        """Ask for a spot count of every (product, location, lot) whose difference raised an
        exception in this run, through the counting API: one session per warehouse, nothing
        asked twice while it waits in an open count."""
        self.ensure_one()
        self.env["stock.accuracy.sync.line"].flush_model()
        self.env["stock.quant"].flush_model(["product_id", "location_id", "lot_id", "quantity"])
        self.env.cr.execute(
            SQL(
                """
                SELECT l.warehouse_id, sl.location_id, sl.product_id, sl.lot_id,
                       COALESCE((SELECT SUM(q.quantity)
                                   FROM stock_quant q
                                  WHERE q.product_id = sl.product_id
                                    AND q.location_id = sl.location_id
                                    AND q.lot_id IS NOT DISTINCT FROM sl.lot_id), 0)::float
                  FROM (SELECT DISTINCT location_id, product_id, lot_id
                          FROM stock_accuracy_sync_line
                         WHERE run_id = %s AND exception_id IS NOT NULL) sl
                  JOIN stock_location l ON l.id = sl.location_id
                 WHERE l.usage = 'internal' AND l.warehouse_id IS NOT NULL
                 ORDER BY sl.location_id, sl.product_id, sl.lot_id
                """,
                self.id,
            )
        )
        Line = self.env["stock.accuracy.count.line"]
        items = [
            Line._spot_item(
                {"location_id": location_id, "product_id": product_id, "lot_id": lot_id},
                warehouse_id=warehouse_id,
                book_quantity=quantity,
            )
            for warehouse_id, location_id, product_id, lot_id, quantity in self.env.cr.fetchall()
        ]
        counts = self.env["stock.accuracy.count"]._create_spot_counts(
            items, "exception", origin=self.name
        )
        if counts:
            self.spot_count_ids = [fields.Command.link(count.id) for count in counts]
        return counts

    def action_view_spot_counts(self):
        self.ensure_one()
        return self.spot_count_ids._action_open_sessions()
