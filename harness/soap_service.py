"""A real SOAP service on loopback serving the stock_accuracy sync contract, for the root tests
and the benchmark: spyne behind a threaded wsgiref server, in a background thread.

    with SnapshotService(lines_for_page, total_pages=5) as service:
        service.url           # endpoint, service.wsdl_url is its generated WSDL
        service.received      # PostCountResult calls: {idempotency key: payload}

``lines_for_page(page, page_size)`` returns the lines of a page as dicts (sku, location, lot,
quantity, uom, as_of). Misbehaviour on demand: ``delay`` (seconds before each snapshot answer),
``fault_page`` (a SOAP fault instead of that page), ``malformed_page`` (broken XML instead of that
page), ``basic_auth`` ((user, password) required), ``naming="alt"`` (another service shape:
operation ``ExportInventory(site, pageNo, rows)`` answering ``pages`` and
``items/item(article, bin, batch, qty, unit, stamp)``), ``post_fail_first`` (that many
PostCountResult calls answer a fault), ``post_lose_answer`` (that many calls are recorded but
answered with broken XML, as if the answer was lost), ``cache_pages`` (each snapshot page is
rendered by spyne once and its XML served again from memory: the benchmark's way to measure the
client rather than spyne; :meth:`prerender` fills the cache ahead).

``serve_seconds`` and ``requests_served`` add up the wall time the service spent answering
snapshot requests (spyne parsing and rendering included), so a caller can tell its own share
from the server's.
"""

import base64
import io
import logging
import re
import threading
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from spyne import (
    Application,
    ComplexModel,
    DateTime,
    Decimal,
    Fault,
    Integer,
    ServiceBase,
    Unicode,
    rpc,
)
from spyne.model.complex import Array
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

# spyne logs every fault it answers with a traceback: the faults here are on purpose.
logging.getLogger("spyne").setLevel(logging.CRITICAL)

NS = "urn:stock-accuracy:sync:1"
ALT_NS = "urn:example:legacy-wms"


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def _contract_app(state):
    class line(ComplexModel):
        __namespace__ = NS
        _type_info = [
            ("sku", Unicode),
            ("location", Unicode),
            ("lot", Unicode),
            ("quantity", Decimal),
            ("uom", Unicode),
            ("as_of", DateTime),
        ]

    class ContractService(ServiceBase):
        @rpc(
            Unicode,
            Integer,
            Integer,
            _returns=(Integer, Array(line)),
            _out_variable_names=("total_pages", "lines"),
            _in_message_name="GetStockSnapshot",
            _out_message_name="GetStockSnapshotResponse",
        )
        def GetStockSnapshot(ctx, warehouse, page, page_size):
            rows = state.snapshot(warehouse, page, page_size)
            return state.total_pages, [line(**row) for row in rows]

        @rpc(
            Unicode,
            Unicode,
            Unicode,
            Unicode,
            Unicode,
            Decimal,
            Decimal,
            Unicode,
            DateTime,
            _returns=Unicode,
            _out_variable_name="status",
            _in_message_name="PostCountResult",
            _out_message_name="PostCountResultResponse",
        )
        def PostCountResult(
            ctx,
            idempotency_key,
            warehouse,
            sku,
            location,
            lot,
            counted_quantity,
            difference,
            uom,
            counted_at,
        ):
            return state.post(
                idempotency_key,
                {
                    "warehouse": warehouse,
                    "sku": sku,
                    "location": location,
                    "lot": lot,
                    "counted_quantity": float(counted_quantity),
                    "difference": float(difference),
                    "uom": uom,
                },
            )

    return Application(
        [ContractService],
        tns=NS,
        name="StockAccuracySync",
        in_protocol=Soap11(validator="lxml"),
        out_protocol=Soap11(),
    )


def _alt_app(state):
    class item(ComplexModel):
        __namespace__ = ALT_NS
        _type_info = [
            ("article", Unicode),
            ("bin", Unicode),
            ("batch", Unicode),
            ("qty", Decimal),
            ("unit", Unicode),
            ("stamp", DateTime),
        ]

    class LegacyService(ServiceBase):
        @rpc(
            Unicode,
            Integer,
            Integer,
            _returns=(Integer, Array(item)),
            _out_variable_names=("pages", "items"),
            _in_message_name="ExportInventory",
            _out_message_name="ExportInventoryResult",
        )
        def ExportInventory(ctx, site, pageNo, rows):
            data = state.snapshot(site, pageNo, rows)
            return state.total_pages, [
                item(
                    article=row["sku"],
                    bin=row["location"],
                    batch=row.get("lot"),
                    qty=row["quantity"],
                    unit=row.get("uom"),
                    stamp=row.get("as_of"),
                )
                for row in data
            ]

    return Application(
        [LegacyService],
        tns=ALT_NS,
        name="LegacyWms",
        in_protocol=Soap11(validator="lxml"),
        out_protocol=Soap11(),
    )


class SnapshotService:
    def __init__(
        self,
        lines_for_page,
        total_pages,
        *,
        naming="contract",
        delay=0.0,
        fault_page=None,
        malformed_page=None,
        basic_auth=None,
        post_fail_first=0,
        post_lose_answer=0,
        cache_pages=False,
    ):
        self.lines_for_page = lines_for_page
        self.total_pages = total_pages
        self.naming = naming
        self.delay = delay
        self.fault_page = fault_page
        self.malformed_page = malformed_page
        self.basic_auth = basic_auth
        self.post_fail_first = post_fail_first
        self.post_lose_answer = post_lose_answer
        self.cache_pages = cache_pages
        self._page_cache = {}
        self.serve_seconds = 0.0
        self.requests_served = 0
        self.pages_served = []
        self.warehouses = []
        self.received = {}
        self.post_calls = []
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # -- the service's behaviour --------------------------------------------------------------
    def snapshot(self, warehouse, page, page_size):
        if self.delay:
            time.sleep(self.delay)
        if page == self.fault_page:
            raise Fault(faultcode="Server", faultstring=f"snapshot page {page} is unavailable")
        with self._lock:
            self.pages_served.append(page)
            self.warehouses.append(warehouse)
        return self.lines_for_page(page, page_size)

    def post(self, key, payload):
        with self._lock:
            self.post_calls.append(key)
            if self.post_fail_first > 0:
                self.post_fail_first -= 1
                raise Fault(faultcode="Server", faultstring="count service busy, try later")
            if key in self.received:
                return "duplicate"
            self.received[key] = payload
            return "accepted"

    # -- WSGI ---------------------------------------------------------------------------------
    def _wrap(self, app):
        def middleware(environ, start_response):
            if self.basic_auth:
                expected = "Basic " + base64.b64encode(":".join(self.basic_auth).encode()).decode(
                    "ascii"
                )
                if environ.get("HTTP_AUTHORIZATION") != expected:
                    start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="x"')])
                    return [b"unauthorized"]
            if environ.get("REQUEST_METHOD") != "POST":
                return app(environ, start_response)
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            page = re.search(rb"<(?:\w+:)?(?:page|pageNo)>(\d+)<", body)
            if self.malformed_page and page and int(page.group(1)) == self.malformed_page:
                start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
                return [b"<?xml version='1.0'?><soap11env:Envelope><unclosed"]
            lose = self.post_lose_answer > 0 and self.post_fail_first == 0
            if b"PostCountResult" in body and lose:
                result = b"".join(app(environ, lambda *args: None))
                with self._lock:
                    self.post_lose_answer -= 1
                start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
                return [result[: len(result) // 2]]
            if b"PostCountResult" in body:
                return app(environ, start_response)
            return self._answer_snapshot(app, environ, start_response, body, page)

        return middleware

    def _answer_snapshot(self, app, environ, start_response, body, page):
        started = time.perf_counter()
        size = re.search(rb"<(?:\w+:)?(?:page_size|rows)>(\d+)<", body)
        key = (
            int(page.group(1)) if page else None,
            int(size.group(1)) if size else None,
            self.total_pages,
        )
        cached = self._page_cache.get(key) if self.cache_pages else None
        if cached is None:
            answer = {}

            def keep(status, headers, exc_info=None):
                answer["status"], answer["headers"] = status, headers

            content = b"".join(app(environ, keep))
            cached = (answer["status"], answer["headers"], content)
            if self.cache_pages and answer["status"].startswith("200"):
                self._page_cache[key] = cached
        else:
            with self._lock:
                self.pages_served.append(key[0])
        start_response(cached[0], cached[1])
        with self._lock:
            self.serve_seconds += time.perf_counter() - started
            self.requests_served += 1
        return [cached[2]]

    def prerender(self, pages, page_size, warehouse="WH"):
        """Render ``pages`` snapshot pages through spyne into the cache (``cache_pages``)."""
        app = self._wrap(WsgiApplication(self._app()))
        op, page_param, size_param, ns = (
            ("GetStockSnapshot", "page", "page_size", NS)
            if self.naming == "contract"
            else ("ExportInventory", "pageNo", "rows", ALT_NS)
        )
        for page in range(1, pages + 1):
            body = (
                '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
                f'xmlns:t="{ns}"><s:Body><t:{op}><t:{"warehouse" if ns == NS else "site"}>'
                f"{warehouse}</t:{'warehouse' if ns == NS else 'site'}>"
                f"<t:{page_param}>{page}</t:{page_param}><t:{size_param}>{page_size}"
                f"</t:{size_param}></t:{op}></s:Body></s:Envelope>"
            ).encode()
            environ = {
                "REQUEST_METHOD": "POST",
                "CONTENT_LENGTH": str(len(body)),
                "CONTENT_TYPE": "text/xml; charset=utf-8",
                "HTTP_SOAPACTION": f'"{op}"',
                "PATH_INFO": "/",
                "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "80",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(body),
                "wsgi.errors": io.StringIO(),
                "wsgi.version": (1, 0),
                "wsgi.multithread": True,
                "wsgi.multiprocess": False,
                "wsgi.run_once": False,
            }
            b"".join(app(environ, lambda *args: None))
        with self._lock:
            self.pages_served.clear()
            self.serve_seconds = 0.0
            self.requests_served = 0

    def _app(self):
        return _contract_app(self) if self.naming == "contract" else _alt_app(self)

    def start(self):
        app = self._app()
        self._server = make_server(
            "127.0.0.1",
            0,
            self._wrap(WsgiApplication(app)),
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_port}/"

    @property
    def wsdl_url(self):
        return self.url + "?wsdl"
