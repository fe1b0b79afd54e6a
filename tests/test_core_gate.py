"""The gate of Odoo's own suites (harness.core_suites) reads pytest's junit files and compares
the run without the module (BASE) with the run with it (WITH) per test id."""

import argparse
from xml.sax.saxutils import quoteattr

import pytest

from harness import core_suites, coreskip


def junit(tmp_path, name, cases):
    body = []
    for classname, test, outcome, message in cases:
        inner = ""
        if outcome in ("failure", "error", "skipped"):
            attr = quoteattr(message, {"\n": "&#10;"})
            inner = f"<{outcome} message={attr}>traceback</{outcome}>"
        body.append(
            f'<testcase classname="{classname}" name="{test}" time="1.5">{inner}</testcase>'
        )
    path = tmp_path / name
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">'
        + "".join(body)
        + "</testsuite></testsuites>"
    )
    return core_suites.read_junit(path)


MOVE = "stock.tests.test_move.StockMove"
TOURS = "stock.tests.test_picking_tours.TestStockPickingTour"


def test_regressions_are_what_passes_without_the_module_only(tmp_path):
    base = junit(
        tmp_path,
        "base.xml",
        [
            (MOVE, "test_kept", "passed", ""),
            (MOVE, "test_broken", "passed", ""),
            (MOVE, "test_errors", "passed", ""),
            (MOVE, "test_skipped_with", "passed", ""),
            (MOVE, "test_gone", "passed", ""),
            (MOVE, "test_odoo_fails", "failure", "AssertionError: 1 != 2"),
            (MOVE, "test_optional", "skipped", "no demo data"),
            ("mrp.tests.test_order.TestMrpOrder", "test_fixed", "error", "KeyError: 'x'"),
        ],
    )
    with_ = junit(
        tmp_path,
        "with.xml",
        [
            (MOVE, "test_kept", "passed", ""),
            (MOVE, "test_broken", "failure", "AssertionError: 10.0 != 8.0\nmore"),
            (MOVE, "test_errors", "error", 'failed on setup with "UserError: no"'),
            (MOVE, "test_skipped_with", "skipped", "why"),
            (MOVE, "test_odoo_fails", "failure", "AssertionError: 1 != 2"),
            (MOVE, "test_optional", "skipped", "no demo data"),
            ("mrp.tests.test_order.TestMrpOrder", "test_fixed", "passed", ""),
        ],
    )
    found = core_suites.compare(base, with_)
    prefix = "stock/tests/test_move.py::StockMove::"
    assert found["regressions"] == {
        prefix + "test_broken": "AssertionError: 10.0 != 8.0",
        prefix + "test_errors": 'failed on setup with "UserError: no"',
        prefix + "test_skipped_with": "skipped: why",
        prefix + "test_gone": "missing in WITH (not collected)",
    }
    assert found["base_failures"] == [
        "mrp/tests/test_order.py::TestMrpOrder::test_fixed",
        prefix + "test_odoo_fails",
    ]
    assert found["both_skipped"] == [prefix + "test_optional"]
    assert found["fixed"] == ["mrp/tests/test_order.py::TestMrpOrder::test_fixed"]
    assert found["browser_skips"] == {}
    counts = core_suites.suite_counts(with_, "stock")
    assert (counts["passed"], counts["failed"], counts["skipped"]) == (1, 3, 2)
    assert counts["seconds"] == pytest.approx(9.0)


def test_a_skipped_browser_test_fails_in_either_database(tmp_path):
    message = f"{coreskip.MARK}: Chrome executable not found"
    base = junit(tmp_path, "base.xml", [(TOURS, "test_tour", "failure", message)])
    with_ = junit(tmp_path, "with.xml", [(TOURS, "test_tour", "failure", message)])
    found = core_suites.compare(base, with_)
    assert found["regressions"] == {}
    tour = "stock/tests/test_picking_tours.py::TestStockPickingTour::test_tour"
    assert set(found["browser_skips"]) == {f"BASE: {tour}", f"WITH: {tour}"}


def test_suites_option():
    assert core_suites.parse_suites("mrp, stock") == ("stock", "mrp")
    with pytest.raises(argparse.ArgumentTypeError):
        core_suites.parse_suites("stock,point_of_sale")
    with pytest.raises(argparse.ArgumentTypeError):
        core_suites.parse_suites(",")
