"""Every pytest-odoo run of the harness reads Odoo's manifests in the main thread, before its HTTP
server starts, so a browser tour's request threads find nothing left to parse (harness/warmup.py).
"""

import os

from harness import __main__ as harness_main
from harness import odoo

# Runs inside pytest-odoo with its HTTP server, started by the harness's own run_pytest.
PROBE = """
import sys
import threading

from odoo import http
from odoo.modules import module

from harness import warmup


def test_request_threads_have_no_manifest_left_to_parse():
    # The warm-up ran while the main thread was alone, and the HTTP server runs now.
    assert warmup.WARMED["threads"] == ["MainThread"], warmup.WARMED
    assert any(t.name.startswith("odoo.service.httpd") for t in threading.enumerate())
    assert "statics" in vars(http.root)  # a lazy_property already computed
    assert {"web", "stock", "stock_accuracy"} <= set(http.root.statics)
    names = module.get_modules()
    assert warmup.WARMED["modules"] == len(names) > 100
    # What a request thread does with manifests builds no AST any more: no cache miss, and no
    # call of compile() (ast.literal_eval compiles; Python reports each call to audit hooks).
    misses = module._get_manifest_cached.cache_info().misses
    compiled = []
    sys.addaudithook(lambda event, args: event == "compile" and compiled.append(args[1]))
    for name in names:
        module.get_manifest(name)
    del http.root.statics
    assert "stock_accuracy" in http.root.statics
    assert module._get_manifest_cached.cache_info().misses == misses
    assert compiled == []
"""


def test_pytest_odoo_runs_read_manifests_before_the_http_server(site, tenant, tmp_path):
    (tmp_path / "test_probe.py").write_text(PROBE)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(odoo.ODOO_PATH), str(odoo.ROOT)])
    junit = tmp_path / "junit.xml"
    args = ["--odoo-config", str(site.config), "--odoo-database", tenant, "--odoo-http"]
    args += ["--odoo-log-level", "warn", "-p", "no:cacheprovider", str(tmp_path)]
    returncode = harness_main.run_pytest(args, junit, env)
    counts = harness_main.junit_counts(junit)
    assert (returncode, counts) == (0, {"passed": 1, "failed": 0, "skipped": 0})
