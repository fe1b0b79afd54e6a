"""Double-check (issue 7): server time per scan on a 300-line delivery, and what the gate adds
to ``button_validate`` compared with the same operation type without double-check.

The gate is measured against a twin operation type (a copy of the warehouse's delivery type
that differs only by its double-check mode), both built in the untimed setup of every run with
the same 300 products, and timed alternately in the same run (bench.measure.measure_interleaved).

Run by the bench runner (``run(ctx)``), or alone on a development database::

    python bench/benchmarks/double_check.py -c .work/dev.conf -d dev [--runs 7]
"""

import sys
from pathlib import Path

LINES = 300
SCAN_TARGET_S = 0.050
VALIDATE_MAX_RATIO = 1.10


def _picking_type(env, double_check):
    """A copy of the warehouse's delivery type; the two copies differ only by the mode."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    return warehouse.out_type_id.copy(
        {
            "name": f"Bench DC {'gated' if double_check else 'plain'}",
            "sequence_code": "BDCG" if double_check else "BDCP",
            "accuracy_check_mode": "required" if double_check else "off",
            "accuracy_check_blind": True,
        }
    )


def _build(env, double_check, lines=LINES):
    """A ready, prepared delivery of ``lines`` new products, of its own operation type (see
    :func:`_picking_type`). Everything is created in the current (rolled back) transaction."""
    from odoo import Command

    picking_type = _picking_type(env, double_check)
    stock = picking_type.default_location_src_id
    customers = env.ref("stock.stock_location_customers")
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
    env.invalidate_all()
    return check, products[LINES // 2].barcode


def _scan(state):
    check, barcode = state
    result = check.action_scan(barcode)
    assert result["status"] == "match" and "delta" in result, result


def _validate_setup(env, double_check):
    picking, _products, checker = _build(env, double_check)
    if double_check:
        check = picking.accuracy_check_id.with_user(checker)
        check.action_start()
        for line in check.line_ids:
            check.action_set_quantity(line.id, 2)
        check.action_finish()
        assert picking.accuracy_check_state == "passed", picking.accuracy_check_state
    else:
        assert picking.accuracy_check_state == "not_needed", picking.accuracy_check_state
    env.flush_all()
    env.invalidate_all()
    return picking


def _validate(picking):
    picking.with_context(picking_ids_not_to_backorder=picking.ids).button_validate()
    assert picking.state == "done", picking.state


def run(ctx):
    from bench.measure import measure_interleaved

    env = ctx.env
    runs = 3 if ctx.smoke else None
    ctx.measure(
        "double-check: stock.accuracy.check.action_scan (one scan, 300-line delivery)",
        _scan,
        size=f"{LINES} lines",
        setup=lambda: _scan_setup(env),
        target=SCAN_TARGET_S,
        runs=runs,
        note="server time of one scan, answer = changed line + header counters",
    )
    measure_interleaved(
        ctx,
        "double-check: button_validate with the gate (check passed)",
        _validate,
        _validate,
        size=f"{LINES} lines",
        setup=lambda: _validate_setup(env, True),
        baseline_setup=lambda: _validate_setup(env, False),
        runs=runs,
        max_ratio=VALIDATE_MAX_RATIO,
        note="baseline: same type copied without double-check, runs interleaved; "
        "target: at most +10 %",
    )


def main(argv=None):
    from bench.measure import run_standalone

    return run_standalone(run, argv, description=__doc__, runs=7)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
