"""Double-check (issue 7): server time per scan on a 300-line delivery, and what the gate adds
to ``button_validate`` compared with the same operation type without double-check.

Run by the bench runner (``run(ctx)``), or alone on a development database::

    python bench/benchmarks/double_check.py -c .work/dev.conf -d dev
"""

import statistics
import sys
import time

LINES = 300
SCAN_TARGET_S = 0.050
VALIDATE_MAX_RATIO = 1.10


def _build(env, double_check, lines=LINES):
    """A ready, prepared delivery of ``lines`` products; with its double-check passed when
    ``double_check``. Everything is created in the current (rolled back) transaction."""
    from odoo import Command

    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    stock = warehouse.lot_stock_id
    customers = env.ref("stock.stock_location_customers")
    picking_type = warehouse.out_type_id
    picking_type.write(
        {"accuracy_check_mode": "required" if double_check else "off", "accuracy_check_blind": True}
    )
    products = env["product.product"].create(
        [
            {"name": f"Bench DC {n:03d}", "is_storable": True, "barcode": f"BENCH-DC-{n:03d}"}
            for n in range(lines)
        ]
    )
    Quant = env["stock.quant"]
    for product in products:
        Quant._update_available_quantity(product, stock, 10)
    picking = env["stock.picking"].create(
        {
            "picking_type_id": picking_type.id,
            "location_id": stock.id,
            "location_dest_id": customers.id,
            "move_ids": [
                Command.create(
                    {
                        "name": product.name,
                        "product_id": product.id,
                        "product_uom_qty": 2,
                        "product_uom": product.uom_id.id,
                        "location_id": stock.id,
                        "location_dest_id": customers.id,
                    }
                )
                for product in products
            ],
        }
    )
    picking.action_confirm()
    picking.action_assign()
    for move in picking.move_ids:
        move.quantity = 2
    picking.move_ids.picked = True
    checker = None
    if double_check:
        checker = env["res.users"].create(
            {
                "name": "Bench Checker",
                "login": f"bench_checker_{picking.id}",
                "email": f"bench_checker_{picking.id}@example.com",
                "groups_id": [Command.link(env.ref("stock_accuracy.group_accuracy_checker").id)],
            }
        )
    env.flush_all()
    return picking, products, checker


def _scan_setup(env):
    picking, products, checker = _build(env, True)
    check = picking.accuracy_check_id.with_user(checker)
    check.action_start()
    # Half the delivery is already scanned, as in the middle of a real check.
    for product in products[: LINES // 2]:
        check.action_scan(product.barcode)
    env.flush_all()
    return check, products[LINES // 2].barcode


def _validate_setup(env, double_check):
    picking, _products, checker = _build(env, double_check)
    if double_check:
        check = picking.accuracy_check_id.with_user(checker)
        check.action_start()
        for line in check.line_ids:
            check.action_set_quantity(line.id, 2)
        check.action_finish()
        assert picking.accuracy_check_state == "passed", picking.accuracy_check_state
    env.flush_all()
    return picking


def _validate(picking):
    picking.with_context(picking_ids_not_to_backorder=picking.ids).button_validate()
    assert picking.state == "done", picking.state


def run(ctx):
    env = ctx.env
    runs = 3 if ctx.smoke else None
    ctx.measure(
        "double-check: stock.accuracy.check.action_scan (one scan, 300-line delivery)",
        lambda state: state[0].action_scan(state[1]),
        size=f"{LINES} lines",
        setup=lambda: _scan_setup(env),
        target=SCAN_TARGET_S,
        runs=runs,
        note="server time of one scan incl. the screen's data",
    )
    ctx.measure(
        "double-check: button_validate with the gate (check passed)",
        _validate,
        size=f"{LINES} lines",
        setup=lambda: _validate_setup(env, True),
        baseline_fn=None,
        runs=runs,
    )
    gated = ctx.rows[-1]
    ctx.measure(
        "double-check: button_validate, same type without double-check",
        _validate,
        size=f"{LINES} lines",
        setup=lambda: _validate_setup(env, False),
        runs=runs,
    )
    plain = ctx.rows[-1]
    gated.baseline_s = plain.median_s
    gated.baseline_times_s = plain.times_s
    gated.target_s = plain.median_s * VALIDATE_MAX_RATIO
    gated.note = (
        f"target: at most +10 % over the type without double-check ({plain.median_s:.3f} s)"
    )


class _StandaloneContext:
    """Just enough of the bench runner's context to run this file on a development database."""

    def __init__(self, env, runs):
        self.env = env
        self.runs = runs
        self.smoke = False
        self.rows = []

    def measure(
        self, name, fn, *, size, baseline_fn=None, target=None, setup=None, runs=None, note=""
    ):
        times = []
        for _run in range(runs or self.runs):
            self.env.cr.rollback()
            self.env.invalidate_all(flush=False)
            state = setup() if setup else None
            self.env.flush_all()
            started = time.perf_counter()
            fn(state) if setup else fn()
            self.env.flush_all()
            times.append(time.perf_counter() - started)
            self.env.cr.rollback()
            self.env.invalidate_all(flush=False)
        row = _Row(name, size, statistics.median(times), times, target, note)
        self.rows.append(row)
        print(f"    {name}: median {row.median_s * 1000:.1f} ms over {len(times)} runs", flush=True)
        return row


class _Row:
    def __init__(self, name, size, median_s, times_s, target_s, note):
        self.benchmark = name
        self.size = size
        self.median_s = median_s
        self.times_s = times_s
        self.target_s = target_s
        self.note = note
        self.baseline_s = None
        self.baseline_times_s = []


def main(argv):
    import odoo
    from odoo.tools import config

    runs = 7
    args = list(argv)
    if "--runs" in args:
        index = args.index("--runs")
        runs = int(args[index + 1])
        del args[index : index + 2]
    config.parse_config(args)
    dbname = config["db_name"]
    if isinstance(dbname, list):
        dbname = dbname[0]
    registry = odoo.modules.registry.Registry(dbname)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        ctx = _StandaloneContext(env, runs)
        run(ctx)
        cr.rollback()
    for row in ctx.rows:
        extra = ""
        if row.baseline_s:
            ratio = row.median_s / row.baseline_s
            extra = f"  baseline {row.baseline_s * 1000:.1f} ms  ratio {ratio:.3f}"
        verdict = ""
        if row.target_s is not None:
            verdict = "  ok" if row.median_s <= row.target_s else "  MISS"
        print(
            f"{row.benchmark} [{row.size}]: median {row.median_s * 1000:.1f} ms"
            f" over {len(row.times_s)} runs{extra}  target "
            f"{'-' if row.target_s is None else f'{row.target_s * 1000:.1f} ms'}{verdict}"
        )


if __name__ == "__main__":
    sys.path.insert(0, "/opt/odoo18")
    main(sys.argv[1:])
