"""pytest plugin: a skipped test is a failed test here.

Odoo skips browser tours silently when Chromium or websocket-client is missing, and a skipped
test proves nothing, so every skip is reported as a failure with its reason.
"""

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped tests count as failures here: {reason}"


def pytest_sessionfinish(session, exitstatus):
    # No test at all is a failure too (pytest's exit status 5).
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
