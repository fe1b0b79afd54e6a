"""The benchmark command at a tiny size, so its code cannot rot: the real sizes never run in CI.

It runs `./run bench --smoke` twice on the root tests' cluster: the first run builds the dataset
(from the template that already holds the module), proves it consistent, dumps and restores it;
the second restores it from that cached dump. Both run every benchmark and print the table.
"""

import json
import os
import subprocess
import sys
import uuid

import pytest

from harness import odoo

EXPECTED_ROWS = {
    "dataset: generate (install + ORM master data + SQL history)",
    "dataset: restore (pg_restore -j2)",
    "dataset: consistency check (SQL + ORM)",
    "sql floor: GROUP BY product, location over done move lines",
    "odoo: stock.quant.action_apply_inventory (native)",
    "exceptions: detectors, first run",
    "exceptions: detectors, second run, nothing changed",
    "soap sync: reconcile a snapshot end to end",
}


@pytest.fixture
def bench_db(site):
    name = f"bench_{uuid.uuid4().hex[:8]}"
    yield name
    site.cluster.dropdb(name)
    site.cluster.dropdb(f"{name}_build")


def run_bench(site, dbname, tmp_path, *extra, expect=0):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(odoo.ODOO_PATH), str(odoo.ROOT)])
    argv = [
        sys.executable,
        "-m",
        "harness",
        "bench",
        "--smoke",
        "--pg-port",
        str(site.cluster.port),
        "--config",
        str(site.config),
        "--template",
        site.template,
        "--dbname",
        dbname,
        "--cache-dir",
        str(tmp_path / "cache"),
        "--results",
        str(tmp_path / "results.md"),
        *extra,
    ]
    proc = subprocess.run(
        argv, cwd=odoo.ROOT, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == expect, output[-6000:]
    return output


def test_bench_smoke_builds_checks_restores_and_reports(site, bench_db, tmp_path):
    output = run_bench(site, bench_db, tmp_path)
    results = json.loads((tmp_path / "results.json").read_text())
    assert "building the dataset 200p/2wh/5000m" in output
    assert "quants = move lines; the ORM agrees" in output
    # Every issue adds its rows; these are the ones that must always be there.
    assert {row["benchmark"] for row in results["rows"]} >= EXPECTED_ROWS
    topics = [
        path.stem
        for path in (odoo.ROOT / "bench" / "benchmarks").glob("*.py")
        if path.stem != "__init__"
    ]
    assert len(results["rows"]) >= len(topics)
    for name in EXPECTED_ROWS:
        assert name in output, f"{name!r} missing from the printed table"
    dataset = results["dataset"]
    assert dataset["done_moves"] == dataset["move_lines"] == 5000
    assert dataset["products"] == 200
    assert dataset["internal_quants"] > 0 and dataset["inventory_moves"] > 0
    assert dataset["moves_with_operation_type"] + dataset["inventory_moves"] == 5000
    assert all(row["median_s"] > 0 for row in results["rows"])
    assert list((tmp_path / "cache").glob("*.dump"))
    markdown = (tmp_path / "results.md").read_text()
    assert "| benchmark | size |" in markdown

    # The second run restores the cached dump instead of building it again.
    output = run_bench(site, bench_db, tmp_path)
    results = json.loads((tmp_path / "results.json").read_text())
    assert "restoring the cached dataset 200p/2wh/5000m" in output
    assert "building the dataset" not in output
    assert "quants = move lines; the ORM agrees" in output
    assert {row["benchmark"] for row in results["rows"]} >= EXPECTED_ROWS

    # The check fails loudly when a quant no longer matches its move lines.
    site.psql(
        bench_db,
        "UPDATE stock_quant SET quantity = quantity + 1 WHERE id = (SELECT q.id FROM stock_quant q"
        " JOIN stock_location l ON l.id = q.location_id WHERE l.usage = 'internal'"
        " ORDER BY q.id DESC LIMIT 1)",
    )
    output = run_bench(site, bench_db, tmp_path, "--check-only", expect=1)
    assert "quants differ from move lines" in output
