"""SOAP reconciliation (issue 9): a 50,000-line snapshot (500 pages of 100) read from a real
spyne service on loopback with zeep and reconciled against Odoo, end to end.

Target: under 60 s for 50,000 lines, and a peak memory that does not grow with the snapshot
(measured with tracemalloc, the Python heap, during a 5,000-line and a 50,000-line run; the
process's peak RSS is printed too). The service serves the internal quants of the bench tenant's
first warehouse (product internal reference, bin barcode, lot, quantity), cycling through them
when there are fewer than the lines asked for; one line in 100 is off by 5 (an exception each),
one in 500 names an unknown SKU. Its pages are rendered by spyne once, before the timed run, and
spyne's own time is printed apart.

Also runs without the bench runner, on any database holding the module with some stock::

    python bench/benchmarks/soap_sync.py -c odoo.conf -d dbname [--lines 50000]
"""

import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from harness.soap_service import SnapshotService

PAGE_SIZE = 100
TARGET_S = 60.0


def _quants(cr, limit):
    cr.execute(
        """
        SELECT pp.default_code, l.barcode, l.id, q.quantity, lot.name
          FROM stock_quant q
          JOIN stock_location l ON l.id = q.location_id
          JOIN stock_warehouse w ON w.id = l.warehouse_id
          JOIN product_product pp ON pp.id = q.product_id
          JOIN product_template pt ON pt.id = pp.product_tmpl_id
          LEFT JOIN stock_lot lot ON lot.id = q.lot_id
         WHERE l.usage = 'internal' AND pp.default_code IS NOT NULL
           AND w.id = (SELECT id FROM stock_warehouse ORDER BY id LIMIT 1)
         ORDER BY q.id
         LIMIT %s
        """,
        [limit],
    )
    return cr.fetchall()


class Snapshot:
    """The lines of a snapshot of ``total`` lines, computed per page from the quants."""

    def __init__(self, quants, total):
        self.quants = quants
        self.total = total

    @property
    def pages(self):
        return -(-self.total // PAGE_SIZE)

    def __call__(self, page, page_size):
        lines = []
        first = (page - 1) * page_size
        for index in range(first, min(first + page_size, self.total)):
            code, barcode, _location_id, quantity, lot = self.quants[index % len(self.quants)]
            if index % 500 == 499:
                code = f"UNKNOWN-{index}"
            elif index % 100 == 7:
                quantity += 5
            lines.append(
                {
                    "sku": code,
                    "location": barcode or "BENCH-STOCK",
                    "lot": lot,
                    "quantity": quantity,
                }
            )
        return lines


def _ensure_schema(env):
    """The cached dataset may predate this branch's fields: create their columns in the
    transaction (rolled back with it), as an upgrade would."""
    env.registry.init_models(
        env.cr,
        ["stock.accuracy.backend", "stock.accuracy.sync.run", "stock.accuracy.sync.line"],
        {"module": "stock_accuracy"},
        install=False,
    )


def _backend(env, service):
    warehouse = env["stock.warehouse"].search([], order="id", limit=1)
    backend = env["stock.accuracy.backend"].create(
        {
            "name": "Bench SOAP",
            "warehouse_id": warehouse.id,
            "wsdl_url": "stock_accuracy_sync/static/wsdl/stock_accuracy_sync.wsdl",
            "endpoint_url": service.url,
            "page_size": PAGE_SIZE,
            "timeout": 60,
        }
    )
    env["stock.accuracy.backend.location"].create(
        {
            "backend_id": backend.id,
            "external_code": "BENCH-STOCK",
            "location_id": warehouse.lot_stock_id.id,
        }
    )
    return backend


def reconcile(env, service, snapshot, total, trace=False):
    """One reconciliation of ``total`` lines: (seconds, run values, tracemalloc peak MiB)."""
    snapshot.total = total
    service.total_pages = snapshot.pages
    _ensure_schema(env)
    backend = _backend(env, service)
    env.flush_all()
    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
    served = service.serve_seconds
    started = time.perf_counter()
    run = backend._start_run()
    run._execute()
    env.flush_all()
    seconds = time.perf_counter() - started
    peak = None
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    values = run.read(
        ["state", "error", "pages_read", "lines_read", "matched_count", "mismatched_count"]
        + ["unknown_product_count", "unknown_location_count", "exception_count", "absent_count"]
    )[0]
    if values["state"] != "done":
        raise RuntimeError(f"the reconciliation failed: {values['error']}")
    values["serve_seconds"] = service.serve_seconds - served
    return seconds, values, peak


def _rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(ctx, big=50000, small=5000, say=print):
    env = ctx.env
    if ctx.smoke:
        big, small = 2000, 500
    quants = _quants(ctx.cr, big)
    if not quants:
        raise RuntimeError("no internal quants with an internal reference: the dataset is empty")
    snapshot = Snapshot(quants, big)
    with SnapshotService(snapshot, snapshot.pages, cache_pages=True) as service:
        # spyne renders every page once, untimed; the timed runs read the same XML from
        # memory, so that the figure is the client's (zeep, Odoo, PostgreSQL) and spyne's
        # share is printed on its own.
        render = {}
        for total in (small, big):
            snapshot.total = total
            service.total_pages = snapshot.pages
            started = time.perf_counter()
            service.prerender(snapshot.pages, PAGE_SIZE)
            render[total] = time.perf_counter() - started
        peaks = {}
        for total in (small, big):
            env.cr.rollback()
            env.invalidate_all(flush=False)
            _seconds, _values, peaks[total] = reconcile(env, service, snapshot, total, trace=True)
            env.cr.rollback()
            env.invalidate_all(flush=False)
        rss_before = _rss_mib()
        seen = {}

        def timed():
            cpu = time.process_time()
            seen["seconds"], seen["values"], _peak = reconcile(env, service, snapshot, big)
            seen["cpu"] = time.process_time() - cpu

        ctx.measure(
            "soap sync: reconcile a snapshot end to end",
            timed,
            size=f"{big} lines, {snapshot.pages} pages of {PAGE_SIZE}",
            target=TARGET_S,
            runs=1,
        )
        values = seen["values"]
        note = (
            f"{values['lines_read']} read, {values['matched_count']} matched, "
            f"{values['mismatched_count']} mismatched ({values['absent_count']} missing from "
            f"the snapshot), {values['unknown_product_count']} unknown, "
            f"{values['exception_count']} exceptions; the service answered in "
            f"{values['serve_seconds']:.1f} s of it (pre-rendered pages); CPU of this process "
            f"{seen['cpu']:.1f} s; tracemalloc peak {peaks[small]:.1f} MiB at {small} lines vs "
            f"{peaks[big]:.1f} MiB at {big}; peak RSS {rss_before:.0f} -> {_rss_mib():.0f} MiB"
        )
        ctx.rows[-1].note = note
        say(f"soap sync: {note}")
        ctx.record(
            "soap sync: spyne renders the same pages (server only)",
            render[big],
            size=f"{big} lines, {snapshot.pages} pages of {PAGE_SIZE}",
            note=f"{render[big] / snapshot.pages * 1000:.0f} ms a page, untimed above: add it "
            "for a live spyne service",
        )
        say(f"soap sync: spyne renders {snapshot.pages} pages in {render[big]:.1f} s")


def main(argv=None):
    import argparse

    import odoo
    from odoo.tools import config

    from bench.benchmarks.exceptions import _StandaloneContext

    parser = argparse.ArgumentParser(description="SOAP reconciliation benchmark")
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--lines", type=int, default=50000)
    parser.add_argument("--small", type=int, default=5000)
    options = parser.parse_args(argv)
    config.parse_config(["-c", options.config, "-d", options.database])
    registry = odoo.modules.registry.Registry(options.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        ctx = _StandaloneContext(env, 1)
        ctx.smoke = False
        run(ctx, big=options.lines, small=options.small)
        cr.rollback()
    for row in ctx.rows:
        verdict = "ok" if row.median <= row.target else "MISS"
        print(f"{row.name} [{row.size}]: {row.median:.2f} s, target <= {row.target} s {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
