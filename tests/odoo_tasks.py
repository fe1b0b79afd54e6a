"""What the root tests run inside Odoo (``odoo-bin shell`` on a tenant database), as plain
functions: ``site.call(db, "odoo_tasks.NAME", *args)`` runs ``NAME(env, *args)`` there, commits,
and returns what it returned (JSON). A failed assertion fails the call."""

import threading

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tools import SQL


# -- lifecycle --------------------------------------------------------------------------------
def inventory_still_works(env):
    """Odoo's Inventory menus, views, settings, a validated transfer and an applied count."""
    menus = env["ir.ui.menu"].load_menus(False)
    stock_root = env.ref("stock.menu_stock_root")
    assert stock_root.id in menus, "Inventory menu lost"
    for model in [
        "stock.picking",
        "stock.quant",
        "stock.move",
        "stock.move.line",
        "product.template",
        "stock.warehouse",
        "stock.location",
        "res.config.settings",
    ]:
        env[model].get_views([(False, "list"), (False, "form"), (False, "search")])
    env["res.config.settings"].create({}).execute()
    picking = (
        env["stock.picking"]
        .search([("state", "=", "assigned")])
        .filtered(lambda p: all(m.product_id.tracking == "none" for m in p.move_ids))[:1]
    )
    assert picking, "no ready picking in the stock demo data"
    for move in picking.move_ids:
        move.quantity = move.product_uom_qty
    picking.move_ids.picked = True
    picking.with_context(
        skip_backorder=True, skip_sms=True, picking_ids_not_to_backorder=picking.ids
    ).button_validate()
    assert picking.state == "done", picking.state
    quant = env["stock.quant"].search([("location_id.usage", "=", "internal")], limit=1)
    quant.with_context(inventory_mode=True).inventory_quantity = quant.quantity + 1
    quant.action_apply_inventory()
    return "INVENTORY-OK"


def physical_inventory_as_odoo(env):
    """Installed and not turned on, Physical Inventory is Odoo's; turned on, it asks a reason."""
    warehouse = env.ref("stock.warehouse0")
    policy = warehouse.accuracy_policy_id
    assert policy, "the existing warehouse has no policy"
    rules = ["apply_count_rules", "lock_full_counts", "spot_on_negative", "spot_on_zero"]
    on = [name for name in rules if policy[name]]
    assert not on, f"rules on after install: {on}"
    quant = env["stock.quant"].search(
        [
            ("location_id", "child_of", warehouse.lot_stock_id.id),
            ("location_id.usage", "=", "internal"),
            ("quantity", ">", 1),
            ("product_id.tracking", "=", "none"),
        ],
        limit=1,
    )
    assert quant, "no quant in the stock demo data"
    book = quant.quantity
    quant.with_context(inventory_mode=True).inventory_quantity = 0
    result = quant.action_apply_inventory()
    assert result is None, result
    assert quant.quantity == 0, quant.quantity
    assert not env["stock.accuracy.count.line"].search_count([("quant_id", "=", quant.id)])
    policy.apply_count_rules = True
    quant.with_context(inventory_mode=True).inventory_quantity = book
    result = quant.action_apply_inventory()
    assert result["res_model"] == "stock.accuracy.reason.wizard", result
    assert quant.quantity == 0
    return "OPT-IN-OK"


def uninstall(env, names):
    env["ir.module.module"].search([("name", "in", names)]).button_immediate_uninstall()
    return sorted(names)


# -- races ------------------------------------------------------------------------------------
def race(env, *tasks):
    """Run each task on a connection of its own, the way Odoo runs a request or a cron job
    (``odoo.service.model.retrying``: a serialization failure is retried, any other database
    error is an error), all started together behind a barrier once their snapshots are taken;
    the tasks' results and the errors raised."""
    barrier = threading.Barrier(len(tasks))
    results, errors = [], []

    def work(task):
        try:
            with env.registry.cursor() as cr:
                wenv = api.Environment(cr, SUPERUSER_ID, {})
                cr.execute("SELECT 1")  # the transaction's snapshot starts before the race
                barrier.wait(timeout=60)
                results.append(retrying(lambda: task(wenv), wenv))
        except Exception as error:  # noqa: BLE001 - reported to the caller, which asserts none
            errors.append(repr(error))

    threads = [threading.Thread(target=work, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results, errors


def exception_race(env):
    """Detectors run twice at once, and the same anomaly raised twice at once: one open
    exception each; {type code: open exceptions}."""
    quant = env["stock.quant"].search(
        [
            ("location_id.usage", "=", "internal"),
            ("quantity", ">", 0),
            ("lot_id", "=", False),
            ("product_id.tracking", "=", "none"),
        ],
        limit=1,
    )
    assert quant, "no internal quant in the demo data"
    env.cr.execute("UPDATE stock_quant SET quantity = -3 WHERE id = %s", [quant.id])
    product, location = quant.product_id, quant.location_id
    env.cr.commit()

    def detect(wenv):
        return wenv["stock.accuracy.exception.detector"]._run_all(type_codes=["negative_stock"])

    def raise_variance(wenv):
        found = wenv["stock.accuracy.exception"]._raise_exception(
            "count_variance", product.with_env(wenv), {"location_id": location.id, "quantity": 2}
        )
        return found.id

    for task in (detect, raise_variance):
        results, errors = race(env, task, task)
        print("TASK", task.__name__, "RESULTS", results, "ERRORS", errors)
        assert not errors, errors

    env.invalidate_all()
    opened = {}
    for code in ("negative_stock", "count_variance"):
        found = env["stock.accuracy.exception"].search(
            [
                ("type_id.code", "=", code),
                ("product_id", "=", product.id),
                ("location_id", "=", location.id),
                ("state", "in", ("new", "in_progress")),
            ]
        )
        opened[code] = len(found)
        assert len(found) == 1, (code, found)
    return opened


def count_report_race(env):
    """Two transactions apply counts of the same day, warehouse, class, counter and reason at
    once; the tasks' results."""
    warehouse = env["stock.warehouse"].search([], limit=1)
    products = env["product.product"].search([("is_storable", "=", True)], limit=4)
    assert len(products) == 4, "not enough storable products in the demo data"
    session = env["stock.accuracy.count"].create(
        {
            "warehouse_id": warehouse.id,
            "company_id": warehouse.company_id.id,
            "state": "done",
            "scheduled_date": fields.Date.today(),
        }
    )
    reason = env.ref("stock_accuracy.reason_cnt")
    now = fields.Datetime.now()
    # Plain values: the threads must not read through this environment's cursor.
    session_id, location_id, reason_id = session.id, warehouse.lot_stock_id.id, reason.id
    product_ids = products.ids

    def totals():
        env.cr.execute(
            """
            SELECT abc, COALESCE(SUM(d.line_count), 0), COALESCE(SUM(d.difference_value), 0)
              FROM unnest(ARRAY['a', 'b']) abc
         LEFT JOIN stock_accuracy_count_report_day d
                ON d.abc_class = abc AND d.warehouse_id = %s AND d.reason_id = %s
               AND d.counter_id = %s AND d.day = %s::date
             GROUP BY abc""",
            [warehouse.id, reason_id, SUPERUSER_ID, now],
        )
        return {abc: (count, float(value)) for abc, count, value in env.cr.fetchall()}

    before = totals()
    env.cr.commit()

    def apply_counts(classes):
        def task(wenv):
            lines = wenv["stock.accuracy.count.line"].create(
                [
                    {
                        "count_id": session_id,
                        "product_id": product_id,
                        "location_id": location_id,
                        "abc_class": abc,
                        "book_quantity": 10,
                        "counted_quantity": 9,
                        "unit_cost": 2.0,
                        "reason_id": reason_id,
                        "counter_id": SUPERUSER_ID,
                        "counted_date": now,
                        "done_date": now,
                        "state": "done",
                    }
                    for product_id, abc in zip(product_ids, classes, strict=True)
                ]
            )
            wenv.flush_all()
            return len(lines)

        return task

    # Both add to classes a and b; one in the order a, b, the other b, a.
    results, errors = race(
        env, apply_counts(["a", "b", "a", "b"]), apply_counts(["b", "a", "b", "a"])
    )
    print("RESULTS", results, "ERRORS", errors)
    assert not errors, errors

    env.invalidate_all()
    rows = totals()
    print("TOTALS", before, rows)
    assert rows == {abc: (count + 4, value - 8.0) for abc, (count, value) in before.items()}, (
        before,
        rows,
    )
    env.cr.execute("""
        SELECT COUNT(*) FROM (
            SELECT COALESCE(counted_date, done_date, create_date)::date, company_id, warehouse_id,
                   abc_class, counter_id, reason_id, COUNT(*) AS n
              FROM stock_accuracy_count_line WHERE state = 'done' AND origin_line_id IS NULL
             GROUP BY 1, 2, 3, 4, 5, 6
            EXCEPT
            SELECT day, company_id, warehouse_id, abc_class, counter_id, reason_id, line_count
              FROM stock_accuracy_count_report_day) missing""")
    assert env.cr.fetchone()[0] == 0, "the daily totals differ from the lines"
    return results


# -- SOAP reconciliation ----------------------------------------------------------------------
def soap_setup(env):
    """120 products on hand in the main stock, an adjusted pair, a shelf and a lotted product."""
    Product = env["product.product"]
    stock = env.ref("stock.warehouse0").lot_stock_id
    Quant = env["stock.quant"]
    products = Product.create(
        [
            {"name": f"Sync {i:03d}", "default_code": f"SYNC-{i:03d}", "is_storable": True}
            for i in range(1, 121)
        ]
    )
    for index, product in enumerate(products, start=1):
        Quant._update_available_quantity(product, stock, float(index))
    env["stock.location"].create(
        {"name": "Sync Shelf", "location_id": stock.id, "barcode": "SYNC-SHELF"}
    )
    # SYNC-020 and SYNC-021: 20 on hand long ago, 15 since an adjustment booked now.
    for code in ("SYNC-020", "SYNC-021"):
        product = Product.search([("default_code", "=", code)])
        quant = Quant.with_context(inventory_mode=True).create(
            {"product_id": product.id, "location_id": stock.id, "inventory_quantity": 15}
        )
        quant.action_apply_inventory()
    lotted = Product.create(
        {"name": "Sync Lot", "default_code": "SYNC-LOT", "is_storable": True, "tracking": "lot"}
    )
    for name, qty in (("L1", 3.0), ("L2", 4.0)):
        lot = env["stock.lot"].create({"name": name, "product_id": lotted.id})
        Quant._update_available_quantity(lotted, stock, qty, lot_id=lot)
    return "SETUP DONE"


def soap_scenarios(env, config):
    """Each backend of ``config`` run against its service, and the runs' side scenarios; the
    results, merged."""
    from odoo.addons.stock_accuracy_sync.models.stock_accuracy_sync_run import COUNTERS

    found = {}
    Backend = env["stock.accuracy.backend"]
    warehouse = env.ref("stock.warehouse0")
    CONFIG = config

    def report(name, run):
        run.invalidate_recordset()
        lines = [
            {
                "state": l.state,
                "sku": l.external_sku,
                "location": l.external_location,
                "lot": l.external_lot,
                "difference": l.difference,
                "book": l.book_qty,
                "external": l.external_qty_product_uom,
                "within": l.within_tolerance,
                "exception": bool(l.exception_id),
                "note": l.note or "",
                "product": l.product_id.default_code or "",
                "missing": l.missing_in_snapshot,
            }
            for l in run.line_ids
        ]
        fields_ = ["state", "error", "pages_read", "total_pages", *COUNTERS]
        result = {f: run[f] for f in fields_}
        result["lines"] = lines
        found.update({name: result})

    backends = {}
    for name, vals in CONFIG["backends"].items():
        vals = dict(vals, name=name, warehouse_id=warehouse.id)
        mapping = vals.pop("location_map", {})
        backend = Backend.create(vals)
        for code, xmlid_or_barcode in mapping.items():
            location = (
                env["stock.location"].search([("barcode", "=", xmlid_or_barcode)])
                if not xmlid_or_barcode.startswith("stock.")
                else env.ref(xmlid_or_barcode)
            )
            env["stock.accuracy.backend.location"].create(
                {"backend_id": backend.id, "external_code": code, "location_id": location.id}
            )
        backends[name] = backend

    for name in CONFIG["runs"]:
        backend = backends[name]
        run = backend._start_run()
        run._execute()
        report(name, run)
        env.cr.commit()

    # a run cannot start while another of the same backend is running
    backend = backends["contract"]
    running = env["stock.accuracy.sync.run"].create({"backend_id": backend.id})
    try:
        backend._start_run()
        found.update({"concurrent_state": "started"})
    except UserError as error:
        found.update({"concurrent_state": str(error)})
    running.action_abort()
    env.cr.commit()
    # ... nor while another transaction is starting one (row locked)
    with env.registry.cursor() as other:
        other.execute(
            SQL("SELECT id FROM stock_accuracy_backend WHERE id = %s FOR UPDATE", backend.id)
        )
        try:
            backend._start_run()
            found.update({"concurrent_lock": "started"})
        except UserError as error:
            found.update({"concurrent_lock": str(error)})
        other.rollback()
    env.cr.rollback()

    # scheduled reconciliation
    cron_backend = backends["paged"]
    cron_backend.write({"auto_sync": True, "next_sync_date": False})
    before = cron_backend.run_count
    env["stock.accuracy.backend"]._cron_sync()
    cron_backend.invalidate_recordset()
    found.update(
        {
            "cron": {
                "runs": cron_backend.run_count - before,
                "state": cron_backend.last_run_id.state,
                "next": bool(cron_backend.next_sync_date),
            }
        }
    )

    # push: an inventory adjustment in the mirrored location, posted once despite failures
    push = backends["push"]
    product = env["product.product"].search([("default_code", "=", "SYNC-030")])
    quant = (
        env["stock.quant"]
        .with_context(inventory_mode=True)
        .create(
            {
                "product_id": product.id,
                "location_id": warehouse.lot_stock_id.id,
                "inventory_quantity": 33,
            }
        )
    )
    quant.action_apply_inventory()
    Outbox = env["stock.accuracy.sync.outbox"]
    queued = push._queue_counts()
    queued_again = push._queue_counts()
    message = Outbox.search([("backend_id", "=", push.id)])
    attempts = []
    for _i in range(3):
        message._send()
        message.invalidate_recordset()
        attempts.append(
            {
                "state": message.state,
                "attempts": message.attempts,
                "error": message.last_error or "",
                "status": message.response_status or "",
            }
        )
        message.write({"date_next_attempt": "2000-01-01 00:00:00"})
    sent_again = Outbox._send_due()
    found.update(
        {
            "push": {
                "queued": queued,
                "queued_again": queued_again,
                "messages": len(message),
                "key": message.idempotency_key,
                "attempts": attempts,
                "sent_again": len(sent_again),
                "payload": message.payload,
            }
        }
    )
    env.cr.commit()
    return found
