"""pytest plugin for Odoo's own suites (harness.core_suites): a skipped browser test fails.

Odoo's HttpCase skips its test when Chromium or websocket-client is missing or the browser does
not answer; the HttpCase tests of the gated suites skip for no other reason. Such a skip proves
nothing, so it is reported as a failure whose message starts with MARK, and the gate counts it
in either database. Other skips (optional things missing) stay skips: the gate compares them
between the two databases.
"""

import pytest

MARK = "browser test skipped"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    from odoo.tests.common import HttpCase

    cls = getattr(item, "cls", None)
    if cls is None or not issubclass(cls, HttpCase):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
    report.outcome = "failed"
    report.longrepr = f"{MARK}: {reason}"
