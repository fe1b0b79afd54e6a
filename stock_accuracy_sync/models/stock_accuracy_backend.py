import logging
from datetime import timedelta
from urllib.parse import urlparse

from dateutil.relativedelta import relativedelta
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import file_path

_logger = logging.getLogger(__name__)

try:
    import requests
    import zeep
    import zeep.exceptions
    from zeep.transports import Transport
    from zeep.wsse.username import UsernameToken
except ImportError:  # pragma: no cover - declared in external_dependencies
    zeep = requests = Transport = UsernameToken = None

CONTRACT_WSDL = "stock_accuracy_sync/static/wsdl/stock_accuracy_sync.wsdl"


class StockAccuracyBackend(models.Model):
    """An external system (a 3PL's WMS, RFID middleware, a legacy ERP) whose stock is
    reconciled with Odoo's over SOAP, and to which done counts can be posted back.

    The snapshot operation follows the shipped contract
    (``static/wsdl/stock_accuracy_sync.wsdl``) by default; every name it uses (operation,
    parameters, the page count, the list of lines and the fields of a line) is configurable so
    that an existing service of another shape can be used without code.
    """

    _name = "stock.accuracy.backend"
    _description = "External Stock System"
    _inherit = ["mail.thread", "stock.accuracy.guarded"]
    _order = "sequence, name, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    wsdl_url = fields.Char(
        string="WSDL",
        required=True,
        default=CONTRACT_WSDL,
        tracking=True,
        help="An http(s) URL of the service's WSDL, or the path of a WSDL file shipped in an "
        "Odoo module, such as the contract shipped with this module: "
        "stock_accuracy_sync/static/wsdl/stock_accuracy_sync.wsdl",
    )
    endpoint_url = fields.Char(
        string="Endpoint URL",
        tracking=True,
        help="The address to send the requests to, replacing the one in the WSDL. Required "
        "with a WSDL file shipped in a module.",
    )
    auth_type = fields.Selection(
        [
            ("none", "None"),
            ("basic", "HTTP Basic"),
            ("wsse", "WS-Security Username Token"),
        ],
        string="Authentication",
        required=True,
        default="none",
        tracking=True,
    )
    username = fields.Char(groups="stock_accuracy.group_accuracy_manager")
    password = fields.Char(groups="stock_accuracy.group_accuracy_manager", copy=False)
    wsse_digest = fields.Boolean(
        string="Password Digest",
        help="Send a digest of the password in the WS-Security token instead of the password.",
    )
    timeout = fields.Integer(
        string="Timeout (s)",
        default=30,
        required=True,
        help="Seconds to wait for the WSDL and for each answer of the service.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, check_company=True, tracking=True
    )
    warehouse_code = fields.Char(
        string="External Warehouse",
        help="The warehouse code sent to the service; the Odoo warehouse's short name when empty.",
    )
    location_ids = fields.Many2many(
        "stock.location",
        string="Mirrored Locations",
        check_company=True,
        domain="[('usage', '=', 'internal')]",
        help="The Odoo locations the external system holds; the warehouse's stock location "
        "when empty. External locations without a mapping are looked up by barcode among them.",
    )
    product_matching = fields.Selection(
        [
            ("default_code", "Internal Reference"),
            ("barcode", "Barcode"),
            ("mapping", "Mapping Table"),
        ],
        required=True,
        default="default_code",
        tracking=True,
    )
    product_map_ids = fields.One2many(
        "stock.accuracy.backend.product", "backend_id", string="Product Mapping"
    )
    location_map_ids = fields.One2many(
        "stock.accuracy.backend.location", "backend_id", string="Location Mapping"
    )
    tolerance_percent = fields.Float(
        string="Tolerance (%)",
        help="Differences up to this share of Odoo's quantity are recorded but raise no "
        "exception. Used for products without an ABC class in the warehouse; a product "
        "with a class takes the tolerance of its class in the warehouse's accuracy policy.",
    )
    tolerance_qty = fields.Float(
        string="Tolerance (Quantity)",
        digits="Product Unit of Measure",
        help="Differences up to this quantity (in the product's unit) raise no exception.",
    )
    spot_count_mismatches = fields.Boolean(
        tracking=True,
        help="At the end of a run, ask for a spot count of every product and location whose "
        "difference is beyond tolerance: one count session per warehouse, skipping what "
        "already waits in an open count.",
    )
    # -- the snapshot operation, configurable for services of another shape
    page_size = fields.Integer(default=100, required=True)
    snapshot_operation = fields.Char(required=True, default="GetStockSnapshot")
    param_warehouse = fields.Char(string="Warehouse Parameter", default="warehouse")
    param_page = fields.Char(string="Page Parameter", required=True, default="page")
    param_page_size = fields.Char(string="Page Size Parameter", default="page_size")
    total_pages_element = fields.Char(
        string="Page Count Element",
        default="total_pages",
        help="Element of the answer giving the number of pages. When empty or missing, pages "
        "are read until one comes back shorter than the page size.",
    )
    lines_element = fields.Char(
        required=True,
        default="lines.line",
        help="Path to the repeated line element in the answer, dots between levels.",
    )
    field_sku = fields.Char(string="SKU Field", required=True, default="sku")
    field_location = fields.Char(string="Location Field", required=True, default="location")
    field_lot = fields.Char(string="Lot Field", default="lot")
    field_quantity = fields.Char(string="Quantity Field", required=True, default="quantity")
    field_uom = fields.Char(string="Unit Field", default="uom")
    field_as_of = fields.Char(string="As-of Field", default="as_of")
    # -- push of done counts
    push_counts = fields.Boolean(
        string="Post Counts Back",
        tracking=True,
        help="Post the done inventory adjustments of the mirrored locations to the service "
        "(PostCountResult), once each.",
    )
    push_since = fields.Datetime(
        string="Post Counts Done Since",
        default=fields.Datetime.now,
        help="Inventory adjustments done before this moment are never posted.",
    )
    push_max_attempts = fields.Integer(
        string="Maximum Attempts",
        default=10,
        help="After this many failed attempts a post waits for someone to retry it by hand.",
    )
    # -- schedule
    auto_sync = fields.Boolean(string="Scheduled Reconciliation", tracking=True)
    interval_number = fields.Integer(string="Every", default=1)
    interval_type = fields.Selection(
        [("hours", "Hours"), ("days", "Days"), ("weeks", "Weeks")],
        string="Interval Unit",
        default="days",
    )
    next_sync_date = fields.Datetime(string="Next Reconciliation", copy=False)
    run_ids = fields.One2many("stock.accuracy.sync.run", "backend_id", string="Runs")
    run_count = fields.Integer(compute="_compute_counts")
    outbox_count = fields.Integer(compute="_compute_counts")
    outbox_failed_count = fields.Integer(compute="_compute_counts")
    last_run_id = fields.Many2one("stock.accuracy.sync.run", readonly=True, copy=False)
    last_run_state = fields.Selection(related="last_run_id.state", string="Last Run Status")

    _sql_constraints = [
        ("timeout_positive", "CHECK(timeout > 0)", "The timeout must be at least one second."),
        ("page_size_positive", "CHECK(page_size > 0)", "The page size must be at least one."),
    ]

    # -- write policy (stock.accuracy.guarded) --------------------------------------------------
    def _accuracy_check_unlink(self):
        # Deleting a backend would delete its reconciliations and the record of what was posted.
        used_ids = set()
        for model in ("stock.accuracy.sync.run", "stock.accuracy.sync.outbox"):
            groups = (
                self.env[model].sudo()._read_group([("backend_id", "in", self.ids)], ["backend_id"])
            )
            used_ids.update(backend.id for (backend,) in groups)
        self._accuracy_refuse_unlink_used(self.browse(sorted(used_ids)))

    # ------------------------------------------------------------------ fields

    def _compute_counts(self):
        runs = dict(
            self.env["stock.accuracy.sync.run"]._read_group(
                [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
            )
        )
        outbox = {
            (backend, state): count
            for backend, state, count in self.env["stock.accuracy.sync.outbox"]._read_group(
                [("backend_id", "in", self.ids)], ["backend_id", "state"], ["__count"]
            )
        }
        for backend in self:
            backend.run_count = runs.get(backend, 0)
            backend.outbox_count = sum(
                count for (owner, _state), count in outbox.items() if owner == backend
            )
            backend.outbox_failed_count = outbox.get((backend, "failed"), 0)

    @api.constrains("wsdl_url", "endpoint_url")
    def _check_wsdl_url(self):
        for backend in self:
            url = (backend.wsdl_url or "").strip()
            if urlparse(url).scheme in ("http", "https"):
                continue
            if "://" in url:
                raise ValidationError(
                    self.env._(
                        "The WSDL of %(backend)s must be an http(s) URL or a file shipped in a "
                        "module.",
                        backend=backend.name,
                    )
                )
            backend._wsdl_file_path()
            if not backend.endpoint_url:
                raise ValidationError(
                    self.env._(
                        "%(backend)s uses a WSDL file: give the Endpoint URL of the service.",
                        backend=backend.name,
                    )
                )
        for backend in self.filtered("endpoint_url"):
            if urlparse(backend.endpoint_url).scheme not in ("http", "https"):
                raise ValidationError(
                    self.env._(
                        "The endpoint of %(backend)s must be an http(s) URL.",
                        backend=backend.name,
                    )
                )

    def _wsdl_file_path(self):
        self.ensure_one()
        try:
            return file_path(self.wsdl_url.strip(), filter_ext=(".wsdl", ".xml"))
        except (FileNotFoundError, ValueError) as error:
            raise ValidationError(
                self.env._(
                    "The WSDL file %(path)s of %(backend)s is not a .wsdl or .xml file of an "
                    "installed module.",
                    path=self.wsdl_url,
                    backend=self.name,
                )
            ) from error

    @api.constrains("location_ids", "warehouse_id")
    def _check_locations_in_warehouse(self):
        for backend in self:
            outside = backend.location_ids.filtered(
                lambda loc, backend=backend: loc.warehouse_id != backend.warehouse_id
            )
            if outside:
                raise ValidationError(
                    self.env._(
                        "%(locations)s are not in warehouse %(warehouse)s.",
                        locations=", ".join(outside.mapped("complete_name")),
                        warehouse=backend.warehouse_id.name,
                    )
                )

    # ------------------------------------------------------------------ SOAP

    def _get_soap_client(self):
        """A zeep client on the backend's WSDL with its authentication and timeouts, and the
        service proxy to call (bound to the endpoint URL when one is set)."""
        self.ensure_one()
        backend = self.sudo()
        session = requests.Session()
        wsse = None
        if backend.auth_type == "basic":
            session.auth = requests.auth.HTTPBasicAuth(
                backend.username or "", backend.password or ""
            )
        elif backend.auth_type == "wsse":
            wsse = UsernameToken(
                backend.username or "", backend.password or "", use_digest=backend.wsse_digest
            )
        transport = Transport(
            session=session, timeout=backend.timeout, operation_timeout=backend.timeout
        )
        url = backend.wsdl_url.strip()
        wsdl = url if urlparse(url).scheme in ("http", "https") else backend._wsdl_file_path()
        client = zeep.Client(wsdl, transport=transport, wsse=wsse)
        if backend.endpoint_url:
            binding = next(iter(client.wsdl.bindings))
            service = client.create_service(binding, backend.endpoint_url)
        else:
            service = client.service
        return client, service

    @api.model
    def _soap_errors(self):
        """What a SOAP call can fail with: the network, the WSDL, the answer or a fault."""
        return (
            requests.exceptions.RequestException,
            zeep.exceptions.Error,
            OSError,
        )

    @api.model
    def _describe_soap_error(self, error):
        """A short, translated reason for a failed call, without credentials."""
        if isinstance(error, zeep.exceptions.Fault):
            return self.env._(
                "The service answered a SOAP fault: %(message)s", message=error.message
            )
        if isinstance(error, requests.exceptions.Timeout):
            return self.env._("The service did not answer in time (%(error)s).", error=error)
        if isinstance(error, requests.exceptions.ConnectionError):
            return self.env._("The service cannot be reached (%(error)s).", error=error)
        if isinstance(error, zeep.exceptions.XMLSyntaxError):
            return self.env._(
                "The service answered malformed XML (%(error)s).", error=error.message or error
            )
        if isinstance(error, zeep.exceptions.TransportError) and "invalid XML" in (
            error.message or ""
        ):
            return self.env._(
                "The service answered malformed XML (%(error)s).", error=error.message[:300]
            )
        if isinstance(error, zeep.exceptions.TransportError):
            return self.env._(
                "The service answered HTTP %(status)s: %(message)s",
                status=error.status_code or "?",
                message=(error.message or "")[:300],
            )
        return self.env._(
            "The SOAP call failed: %(kind)s: %(error)s", kind=type(error).__name__, error=error
        )

    def action_test_connection(self):
        self.ensure_one()
        # The server connects to the service for those who configure it only.
        self.check_access("write")
        try:
            client, service = self._get_soap_client()
            getattr(service, self.snapshot_operation)
        except AttributeError as error:
            raise UserError(
                self.env._(
                    "The service has no operation %(operation)s.",
                    operation=self.snapshot_operation,
                )
            ) from error
        except self._soap_errors() as error:
            raise UserError(self._describe_soap_error(error)) from error
        operations = sorted(
            operation
            for binding in client.wsdl.bindings.values()
            for operation in binding._operations
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Connection works"),
                "message": self.env._(
                    "The WSDL offers: %(operations)s.", operations=", ".join(operations)
                ),
            },
        }

    # ------------------------------------------------------------------ matching

    def _get_mirrored_locations(self):
        self.ensure_one()
        return self.location_ids or self.warehouse_id.lot_stock_id

    def _get_tolerances(self, product_ids):
        """{product_id: (tolerance, unit cost)} for the reconciliation, one query for all
        products; a tolerance is (percent, quantity, value), judged by the policy's formula
        (:meth:`stock.accuracy.policy._tolerance_allows`) as a count's would be.

        A product with an ABC class in the backend's warehouse takes the tolerance of its class
        in the warehouse's accuracy policy, with a value limit at the product's cost when the
        class has one. A product without a class takes the backend's own tolerance (a share of
        Odoo's quantity or a quantity, the larger)."""
        self.ensure_one()
        product_ids = list(product_ids)
        fallback = ((self.tolerance_percent, self.tolerance_qty, 0.0), 0.0)
        tolerances = dict.fromkeys(product_ids, fallback)
        policy = self.warehouse_id.accuracy_policy_id
        if not policy or not product_ids:
            return tolerances
        classes = {
            row["product_id"][0]: row["abc_class"]
            for row in self.env["stock.accuracy.classification"]
            .sudo()
            .search_read(
                [("product_id", "in", product_ids), ("warehouse_id", "=", self.warehouse_id.id)],
                ["product_id", "abc_class"],
            )
        }
        products = self.env["product.product"].with_company(self.company_id).browse(list(classes))
        for product in products:
            tolerance = policy._class_tolerance(classes[product.id])
            tolerances[product.id] = (tolerance, product.standard_price if tolerance[2] else 0.0)
        return tolerances

    def _get_tolerance(self, product, warehouse=None):
        """The tolerance of one product (see :meth:`_get_tolerances`)."""
        return self._get_tolerances(product.ids)[product.id]

    def _is_within_tolerance(self, difference, book_qty, tolerance, rounding):
        """``tolerance`` as :meth:`_get_tolerances` gives it, judged by the policy's formula."""
        limits, unit_cost = tolerance
        return self.env["stock.accuracy.policy"]._tolerance_allows(
            difference, book_qty, limits, unit_cost, rounding
        )

    def _match_products(self, skus):
        """{sku: (product id, uom id, rounding)} for the skus found, one query."""
        self.ensure_one()
        skus = list({sku for sku in skus if sku})
        if not skus:
            return {}
        if self.product_matching == "mapping":
            join = SQL(
                "JOIN stock_accuracy_backend_product m ON m.product_id = pp.id "
                "AND m.backend_id = %s",
                self.id,
            )
            key = SQL("m.external_code")
        else:
            join = SQL("")
            key = SQL.identifier("pp", self.product_matching)
        self.env["product.product"].flush_model(["default_code", "barcode", "active"])
        self.env["stock.accuracy.backend.product"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (%(key)s) %(key)s, pp.id, pt.uom_id, u.rounding::float
                  FROM product_product pp
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN uom_uom u ON u.id = pt.uom_id
                  %(join)s
                 WHERE %(key)s = ANY(%(skus)s) AND pp.active
                   AND (pt.company_id IS NULL OR pt.company_id = %(company)s)
                 ORDER BY %(key)s, pp.id
                """,
                key=key,
                join=join,
                skus=skus,
                company=self.company_id.id,
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _external_sku(self, product):
        """How the external system names ``product`` (push)."""
        self.ensure_one()
        if self.product_matching == "mapping":
            mapping = self.product_map_ids.filtered(lambda m: m.product_id == product)[:1]
            return mapping.external_code or product.default_code or str(product.id)
        return product[self.product_matching] or product.default_code or str(product.id)

    def _external_location(self, location):
        """How the external system names ``location`` (push)."""
        self.ensure_one()
        mapping = self.location_map_ids.filtered(lambda m: m.location_id == location)[:1]
        return mapping.external_code or location.barcode or location.complete_name

    def _location_map(self):
        """{external code: (location id, parent_path, has no child location)}: the mapping
        table, then the barcodes of the locations under the mirrored ones. Loaded once per
        run."""
        self.ensure_one()
        self.env["stock.location"].flush_model(["barcode", "parent_path", "active", "location_id"])
        self.env["stock.accuracy.backend.location"].flush_model()
        mirrored = self._get_mirrored_locations()
        self.env.cr.execute(
            SQL(
                """
                SELECT l.barcode, l.id, l.parent_path,
                       NOT EXISTS (SELECT 1 FROM stock_location c WHERE c.location_id = l.id)
                  FROM stock_location l
                 WHERE l.barcode IS NOT NULL AND l.active AND l.usage = 'internal'
                   AND l.parent_path LIKE ANY(%s)
                """,
                [f"{path}%" for path in mirrored.mapped("parent_path")],
            )
        )
        result = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        self.env.cr.execute(
            SQL(
                """
                SELECT m.external_code, l.id, l.parent_path,
                       NOT EXISTS (SELECT 1 FROM stock_location c WHERE c.location_id = l.id)
                  FROM stock_accuracy_backend_location m
                  JOIN stock_location l ON l.id = m.location_id
                 WHERE m.backend_id = %s
                """,
                self.id,
            )
        )
        result.update({row[0]: row[1:] for row in self.env.cr.fetchall()})
        return result

    @api.model
    def _uom_map(self):
        """{lower-case name in any language: (uom id, category id, factor, rounding)}."""
        self.env["uom.uom"].flush_model()
        self.env.cr.execute(
            SQL("""
            SELECT lower(t.value), u.id, u.category_id, u.factor::float, u.rounding::float
              FROM uom_uom u, jsonb_each_text(u.name) t
             WHERE u.active
             ORDER BY u.id DESC
            """)
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------ runs

    def action_sync(self):
        """Reconcile now (button): returns the run, which ends in error rather than raising
        so that the pages already read are kept."""
        self.ensure_one()
        run = self._start_run()
        run.sudo()._execute()
        return run._get_formview_action()

    def _start_run(self):
        """Create the run of this backend, refusing while another is running. The backend row
        is locked (NOWAIT) so that two starts at the same moment cannot both pass the check."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM stock_accuracy_backend WHERE id = %s FOR UPDATE NOWAIT",
                        self.id,
                    )
                )
        except pg_errors.LockNotAvailable as error:
            raise UserError(
                self.env._(
                    "A reconciliation of %(backend)s is starting right now; try again in a moment.",
                    backend=self.name,
                )
            ) from error
        running = self.env["stock.accuracy.sync.run"].search(
            [("backend_id", "=", self.id), ("state", "=", "running")], limit=1
        )
        if running:
            raise UserError(
                self.env._(
                    "%(run)s of %(backend)s is still running; wait for it to end or abort it.",
                    run=running.name,
                    backend=self.name,
                )
            )
        run = (
            self.env["stock.accuracy.sync.run"]
            .sudo()
            ._accuracy_internal()
            .create({"backend_id": self.id})
        )
        self.sudo().last_run_id = run
        return run.with_env(self.env)

    def _next_date(self, now):
        self.ensure_one()
        return now + relativedelta(**{self.interval_type or "days": self.interval_number or 1})

    @api.model
    def _cron_sync(self):
        """Reconcile the scheduled backends that are due, committing page by page."""
        now = fields.Datetime.now()
        due = self.search(
            [
                ("auto_sync", "=", True),
                "|",
                ("next_sync_date", "=", False),
                ("next_sync_date", "<=", now),
            ]
        )
        for backend in due:
            backend.next_sync_date = backend._next_date(now)
            try:
                run = backend._start_run()
            except UserError as error:
                _logger.info("Reconciliation of backend %s skipped: %s", backend.id, error)
                continue
            self.env.cr.commit()  # pylint: disable=invalid-commit
            run.with_context(stock_accuracy_sync_commit=True)._execute()
            self.env.cr.commit()  # pylint: disable=invalid-commit

    # ------------------------------------------------------------------ push

    def action_queue_counts(self):
        self.ensure_one()
        count = self._queue_counts()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Counts queued"),
                "message": self.env._("%(count)s done counts queued to post.", count=count),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _queue_counts(self):
        """Queue the done inventory adjustments of the mirrored locations that are not queued
        yet (the outbox refuses a record twice). Returns how many were queued."""
        self.ensure_one()
        return self.env["stock.accuracy.sync.outbox"]._enqueue_inventory_moves(self)

    def action_push_now(self):
        self.ensure_one()
        self._queue_counts()
        outbox = self.env["stock.accuracy.sync.outbox"].search(
            [("backend_id", "=", self.id), ("state", "in", ("pending", "failed"))]
        )
        outbox._send()
        return self.action_view_outbox()

    @api.model
    def _cron_push(self):
        """Queue and post the done counts of every backend that posts them; failed posts are
        retried with a growing delay."""
        for backend in self.search([("push_counts", "=", True)]):
            backend._queue_counts()
            self.env.cr.commit()  # pylint: disable=invalid-commit
        outbox = self.env["stock.accuracy.sync.outbox"]
        outbox.with_context(stock_accuracy_sync_commit=True)._send_due()

    # ------------------------------------------------------------------ smart buttons

    def action_view_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_accuracy_sync.action_stock_accuracy_sync_run"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        action["context"] = {"default_backend_id": self.id, "create": 0}
        return action

    def action_view_outbox(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_accuracy_sync.action_stock_accuracy_sync_outbox"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        action["context"] = {"create": 0}
        return action

    @api.model
    def _retry_delay(self, attempts):
        """Wait before the next attempt: 5 minutes, doubling, at most a day."""
        return timedelta(minutes=min(5 * 2 ** max(attempts - 1, 0), 24 * 60))
