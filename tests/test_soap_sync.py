"""Reconciliation with external systems over SOAP, against real spyne services on loopback.

One Odoo database copied from the template; every service runs in this process on its own free
port; the module talks to them with zeep over HTTP from `odoo-bin shell`. All scenarios run in
one shell (Odoo starts once) and report their outcome as JSON; each test asserts one behaviour.
"""

import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness.soap_service import SnapshotService

WSDL_FILE = "stock_accuracy_sync/static/wsdl/stock_accuracy_sync.wsdl"
OLD = datetime(2000, 1, 1, tzinfo=UTC)


def free_closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def contract_lines(page, page_size):
    """The page of the contract service: one of each case the reconciliation knows."""
    return [
        {"sku": "SYNC-001", "location": "EXT-MAIN", "quantity": 1, "uom": "Units"},
        {"sku": "SYNC-002", "location": "EXT-MAIN", "quantity": 5, "uom": "Units"},
        {"sku": "SYNC-003", "location": "EXT-MAIN", "quantity": 4, "uom": "Units"},
        {"sku": "SYNC-004", "location": "SYNC-SHELF", "quantity": 0, "uom": "Units"},
        {"sku": "NO-SUCH-SKU", "location": "EXT-MAIN", "quantity": 9, "uom": "Units"},
        {"sku": "SYNC-005", "location": "NOWHERE", "quantity": 5, "uom": "Units"},
        {"sku": "SYNC-006", "location": "EXT-MAIN", "quantity": 6, "uom": "Furlongs"},
        {"sku": "SYNC-007", "location": "EXT-MAIN", "quantity": 7, "uom": "kg"},
        {"sku": "SYNC-012", "location": "EXT-MAIN", "quantity": 1, "uom": "Dozens"},
        {"sku": "SYNC-020", "location": "EXT-MAIN", "quantity": 20, "uom": "Units", "as_of": OLD},
        {"sku": "SYNC-021", "location": "EXT-MAIN", "quantity": 20, "uom": "Units"},
        {"sku": "SYNC-LOT", "location": "EXT-MAIN", "lot": "L1", "quantity": 3, "uom": "Units"},
        {"sku": "SYNC-LOT", "location": "EXT-MAIN", "lot": "L9", "quantity": 1, "uom": "Units"},
    ]


def paged_lines(page, page_size):
    """Pages of SYNC-001.. whose quantities match Odoo (SYNC-020/021 are 15 now), except one
    per page that is off by 100."""
    lines = []
    for offset in range(page_size):
        index = (page - 1) * page_size + offset + 1
        quantity = 15 if index in (20, 21) else index
        if offset == 0:
            quantity += 100
        lines.append({"sku": f"SYNC-{index:03d}", "location": "WH-STOCK", "quantity": quantity})
    return lines


@pytest.fixture(scope="module")
def outcome(site):
    """Run every scenario once against its service; {scenario: result}."""
    db = site.copy_template("soap")
    assert site.call(db, "odoo_tasks.soap_setup") == "SETUP DONE"
    services = {
        "contract": SnapshotService(contract_lines, 1, basic_auth=("wms", "s3cret")),
        "paged": SnapshotService(paged_lines, 5),
        "alt": SnapshotService(paged_lines, 2, naming="alt"),
        "slow": SnapshotService(paged_lines, 5, delay=3),
        "fault": SnapshotService(paged_lines, 5, fault_page=3),
        "malformed": SnapshotService(paged_lines, 5, malformed_page=3),
        "push": SnapshotService(paged_lines, 1, post_fail_first=1, post_lose_answer=1),
    }
    for service in services.values():
        service.start()
    try:
        contract_map = {"EXT-MAIN": "stock.stock_location_stock"}
        paged = {"location_map": {"WH-STOCK": "stock.stock_location_stock"}, "page_size": 20}
        config = {
            "backends": {
                "contract": {
                    "wsdl_url": WSDL_FILE,
                    "endpoint_url": services["contract"].url,
                    "auth_type": "basic",
                    "username": "wms",
                    "password": "s3cret",
                    "tolerance_qty": 1.0,
                    "location_map": contract_map,
                },
                "paged": dict(paged, wsdl_url=services["paged"].wsdl_url),
                "alt": dict(
                    paged,
                    wsdl_url=services["alt"].wsdl_url,
                    warehouse_code="SITE-7",
                    snapshot_operation="ExportInventory",
                    param_warehouse="site",
                    param_page="pageNo",
                    param_page_size="rows",
                    total_pages_element="pages",
                    lines_element="items.item",
                    field_sku="article",
                    field_location="bin",
                    field_lot="batch",
                    field_quantity="qty",
                    field_uom="unit",
                    field_as_of="stamp",
                ),
                "slow": dict(
                    paged,
                    wsdl_url=WSDL_FILE,
                    endpoint_url=services["slow"].url,
                    timeout=1,
                ),
                "fault": dict(paged, wsdl_url=WSDL_FILE, endpoint_url=services["fault"].url),
                "malformed": dict(
                    paged, wsdl_url=WSDL_FILE, endpoint_url=services["malformed"].url
                ),
                "unreachable": dict(
                    paged,
                    wsdl_url=WSDL_FILE,
                    endpoint_url=f"http://127.0.0.1:{free_closed_port()}/",
                    timeout=5,
                ),
                "bad_wsdl": dict(paged, wsdl_url=services["paged"].url + "no-wsdl-here"),
                "wrong_password": {
                    "wsdl_url": WSDL_FILE,
                    "endpoint_url": services["contract"].url,
                    "auth_type": "basic",
                    "username": "wms",
                    "password": "wrong",
                    "location_map": contract_map,
                },
                "push": dict(
                    paged,
                    wsdl_url=WSDL_FILE,
                    endpoint_url=services["push"].url,
                    push_counts=True,
                ),
            },
            "runs": [
                "contract",
                "paged",
                "alt",
                "slow",
                "fault",
                "malformed",
                "unreachable",
                "bad_wsdl",
                "wrong_password",
            ],
        }
        found = site.call(db, "odoo_tasks.soap_scenarios", config)
        out = site.last_output
    finally:
        for service in services.values():
            service.stop()
    if os.environ.get("SA_SOAP_DEBUG"):
        Path(os.environ["SA_SOAP_DEBUG"]).write_text(out)
    results = {"services": services, **found}
    missing = {"contract", "paged", "alt", "push", "cron"} - set(results)
    assert not missing, f"scenarios without a result {missing}:\n{out[-4000:]}"
    return results


def by_sku(result, sku, lot=None):
    return [line for line in result["lines"] if line["sku"] == sku and (line["lot"] or None) == lot]


def test_matching_stock_raises_nothing(outcome):
    result = outcome["contract"]
    assert result["state"] == "done", result["error"]
    assert result["lines_read"] == 13
    for sku in ("SYNC-001", "SYNC-004", "SYNC-012", "SYNC-020"):
        assert not by_sku(result, sku), f"{sku} should match"
    assert not by_sku(result, "SYNC-LOT", "L1")
    assert result["matched_count"] == 5


def test_mismatch_beyond_tolerance_raises_exception(outcome):
    result = outcome["contract"]
    (line,) = by_sku(result, "SYNC-002")
    assert line["state"] == "mismatch"
    assert line["book"] == 2 and line["external"] == 5 and line["difference"] == 3
    assert not line["within"] and line["exception"]
    (line,) = by_sku(result, "SYNC-021")
    assert line["difference"] == 5 and line["exception"]


def test_mismatch_within_tolerance_is_recorded_without_exception(outcome):
    (line,) = by_sku(outcome["contract"], "SYNC-003")
    assert line["state"] == "mismatch" and line["within"] and not line["exception"]


def test_as_of_adds_back_moves_booked_after_it(outcome):
    # SYNC-020 is 15 in Odoo since an adjustment booked now; the service's 20 is as of 2000
    assert not by_sku(outcome["contract"], "SYNC-020")


def test_unknown_items_are_listed_never_dropped(outcome):
    result = outcome["contract"]
    assert by_sku(result, "NO-SUCH-SKU")[0]["state"] == "unknown_product"
    assert by_sku(result, "SYNC-005")[0]["state"] == "unknown_location"
    assert result["unknown_product_count"] == 1 and result["unknown_location_count"] == 1


def test_unknown_or_foreign_unit_is_reported_not_compared(outcome):
    result = outcome["contract"]
    assert by_sku(result, "SYNC-006")[0]["state"] == "unknown_uom"
    assert by_sku(result, "SYNC-007")[0]["state"] == "unknown_uom"
    assert result["unknown_uom_count"] == 2


def test_unknown_lot_holds_nothing_in_odoo(outcome):
    (line,) = by_sku(outcome["contract"], "SYNC-LOT", "L9")
    assert line["state"] == "mismatch" and line["book"] == 0 and "L9" in line["note"]


def test_pagination_reads_every_page(outcome):
    result = outcome["paged"]
    assert result["state"] == "done", result["error"]
    assert result["pages_read"] == 5 and result["total_pages"] == 5
    assert result["lines_read"] == 100
    assert result["matched_count"] == 95
    assert result["mismatched_count"] == 5 + result["absent_count"], "the off lines + missing"
    assert outcome["services"]["paged"].pages_served[:5] == [1, 2, 3, 4, 5]


def test_other_element_names_configured_on_backend(outcome):
    result = outcome["alt"]
    assert result["state"] == "done", result["error"]
    assert result["lines_read"] == 40
    assert result["mismatched_count"] - result["absent_count"] == 2
    assert set(outcome["services"]["alt"].warehouses) == {"SITE-7"}


def test_stock_missing_from_snapshot_is_a_mismatch(outcome):
    # the paged service lists SYNC-001..100 at WH/Stock: Odoo's SYNC-101..120 are missing
    result = outcome["paged"]
    missing = {line["product"]: line for line in result["lines"] if line["missing"]}
    assert result["absent_count"] == len(missing) >= 20
    line = missing["SYNC-101"]
    assert line["state"] == "mismatch" and line["sku"] is False
    assert line["book"] == 101 and line["external"] == 0 and line["difference"] == -101
    assert line["exception"] and not line["within"]
    assert "SYNC-050" not in missing and "SYNC-LOT" in missing
    assert {line["product"] for line in result["lines"] if not line["missing"]} == {
        f"SYNC-{index:03d}" for index in (1, 21, 41, 61, 81)
    }


@pytest.mark.parametrize("scenario", ["fault", "malformed"])
def test_missing_stock_only_checked_after_whole_snapshot(outcome, scenario):
    result = outcome[scenario]
    assert result["absent_count"] == 0
    assert not [line for line in result["lines"] if line["missing"]]


def test_slow_server_hits_timeout(outcome):
    result = outcome["slow"]
    assert result["state"] == "error"
    assert "did not answer in time" in result["error"]
    assert result["pages_read"] == 0


@pytest.mark.parametrize("scenario", ["fault", "malformed"])
def test_failure_mid_way_keeps_pages_read(outcome, scenario):
    result = outcome[scenario]
    assert result["state"] == "error"
    assert result["error"].startswith("Page 3:")
    assert result["pages_read"] == 2 and result["lines_read"] == 40
    assert len(result["lines"]) == 2, "the differences of pages 1 and 2 are kept"


def test_fault_reason_is_shown(outcome):
    assert "snapshot page 3 is unavailable" in outcome["fault"]["error"]
    assert (
        "malformed XML" in outcome["malformed"]["error"]
        or "invalid XML" in (outcome["malformed"]["error"])
    )


def test_unreachable_host_and_bad_wsdl_end_in_error(outcome):
    assert outcome["unreachable"]["state"] == "error"
    assert "cannot be reached" in outcome["unreachable"]["error"]
    assert outcome["bad_wsdl"]["state"] == "error"
    assert outcome["bad_wsdl"]["error"].startswith("The WSDL could not be loaded")


def test_basic_auth_is_sent_and_checked(outcome):
    assert outcome["contract"]["state"] == "done"
    assert outcome["wrong_password"]["state"] == "error"
    assert "401" in outcome["wrong_password"]["error"]


def test_run_refused_while_another_runs_or_starts(outcome):
    assert "still running" in outcome["concurrent_state"]
    assert "starting right now" in outcome["concurrent_lock"]


def test_cron_reconciles_due_backends(outcome):
    assert outcome["cron"] == {"runs": 1, "state": "done", "next": True}


def test_push_posts_each_count_once_with_retries(outcome):
    push = outcome["push"]
    service = outcome["services"]["push"]
    assert push["queued"] == 1 and push["queued_again"] == 0 and push["messages"] == 1
    first, second, third = push["attempts"]
    assert first["state"] == "failed" and "busy" in first["error"] and first["attempts"] == 1
    assert second["state"] == "failed" and second["attempts"] == 2
    assert third["state"] == "sent" and third["status"] == "duplicate"
    assert push["sent_again"] == 0
    assert list(service.received) == [push["key"]]
    assert service.received[push["key"]]["counted_quantity"] == 33
    assert service.received[push["key"]]["difference"] == 33 - 30
    assert len(service.post_calls) == 3
