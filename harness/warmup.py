"""pytest plugin: before any test, read in the main thread what Odoo's HTTP server would otherwise
parse with the ast module in its request threads.

CPython 3.11 before 3.11.8 keeps the AST constructor's recursion counter in state shared by all
threads (python/cpython#106905, fixed in 3.11 by #113476). When two threads build an AST at the
same time and the GIL moves from one to the other in the middle (a garbage collection running
Python code is enough), the build ends with ``SystemError: AST constructor recursion depth
mismatch``. Odoo's test HTTP server serves every request in a thread of its own, and the first
static files a browser tour loads each compute ``odoo.http.root.statics``, which reads
(``ast.literal_eval``) the manifest of every module in every addons path, several at once.

Odoo keeps both for the life of the process: the manifests in the ``functools.lru_cache`` of
``odoo.modules.module._get_manifest_cached`` (also read by ``ir.asset`` and the web client's
controllers) and ``statics`` as a ``lazy_property``, and it never clears either, so filling them
once here, while the main thread is still the only one, leaves the request threads no manifest
to parse. The plugin does nothing in a pytest run that has not loaded an Odoo configuration
(the root tests run with ``-p no:odoo``).
"""

import sys
import threading
import time

# What the warm-up did, for tests/test_harness_warmup.py: module count, threads alive, seconds.
WARMED = {}


def odoo_configured():
    """True once pytest-odoo has parsed an Odoo configuration (which sets the addons path)."""
    if "odoo" not in sys.modules:
        return False
    from odoo.modules import module

    return bool(getattr(module.initialize_sys_path, "called", False))


def warm():
    """Read every manifest of every addons path and Odoo's map of static folders."""
    import odoo
    from odoo import http
    from odoo.modules import module

    started = time.monotonic()
    names = module.get_modules()
    for name in names:
        module.get_manifest(name)
    # Reads the manifest of every entry of every addons path (files included), like a request.
    statics = http.root.statics
    WARMED.update(
        modules=len(names),
        statics=len(statics),
        addons_paths=list(odoo.addons.__path__),
        threads=[thread.name for thread in threading.enumerate()],
        seconds=round(time.monotonic() - started, 2),
    )
    return WARMED


def pytest_sessionstart(session):
    # pytest-odoo parses the configuration in its pytest_cmdline_main wrapper, before the session
    # starts; its HTTP server starts later, in a session fixture.
    if odoo_configured():
        warm()


def pytest_report_header(config):
    if WARMED:
        return (
            "harness.warmup: read {modules} manifests and {statics} static folders"
            " in the main thread ({seconds}s)".format(**WARMED)
        )
    return None
