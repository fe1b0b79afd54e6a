"""Root tests run outside one Odoo transaction: whole databases, files, services.

`./run test` hands them its PostgreSQL cluster and a template database that already holds
Odoo's stock demo data with stock_accuracy installed on top (SA_TEST_* variables). Run alone,
they start their own cluster and build that template first.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import odoo
from harness.pg import Cluster, free_port


class OdooSite:
    """A cluster, an Odoo configuration and a template database to copy from."""

    def __init__(self, cluster, config, template):
        self.cluster = cluster
        self.config = Path(config)
        self.template = template

    def with_config(self, config):
        """The same cluster and template seen through another Odoo configuration (another
        version of the module, say)."""
        return OdooSite(self.cluster, config, self.template)

    def copy_template(self, prefix="t"):
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.cluster.createdb(name, template=self.template)
        return name

    def odoo_bin(self, *args, log=None, check=True):
        return odoo.odoo_bin(self.config, *args, log=log, check=check)

    def shell(self, dbname, code, check=True):
        """Run Python in `odoo-bin shell` on a database; returns its standard output."""
        proc = subprocess.run(
            [
                sys.executable,
                str(odoo.ODOO_PATH / "odoo-bin"),
                "shell",
                "-c",
                str(self.config),
                "-d",
                dbname,
                "--no-http",
                "--log-level=warn",
            ],
            input=code + "\nenv.cr.commit()\n",
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        if check and (proc.returncode or "Traceback" in proc.stderr):
            raise AssertionError(f"odoo shell failed:\n{proc.stdout}\n{proc.stderr[-4000:]}")
        return proc.stdout + proc.stderr

    def psql(self, dbname, sql):
        return self.cluster.psql(dbname, sql)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    port = os.environ.get("SA_TEST_PGPORT")
    if port:
        cluster = Cluster(port=int(port))
        cluster.dir = Path(os.environ["SA_TEST_PG_DIR"])
        yield OdooSite(cluster, os.environ["SA_TEST_CONFIG"], os.environ["SA_TEST_TEMPLATE_DB"])
        return
    work = tmp_path_factory.mktemp("site")
    with Cluster(work) as cluster:
        config = odoo.write_config(
            cluster, work / "odoo.conf", http_port=free_port(), extra={"log_level": "warn"}
        )
        log = work / "odoo.log"
        odoo.install(cluster, config, "template", ["stock"], log=log)
        odoo.install(cluster, config, "template", [odoo.SUITE], log=log)
        yield OdooSite(cluster, config, "template")


@pytest.fixture
def tenant(site, request):
    """A throwaway copy of the template database for one test, dropped afterwards."""
    name = site.copy_template(request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_"))
    yield name
    site.cluster.dropdb(name)


# Prepended to the code a race test runs in `odoo-bin shell`: ``race(task, ...)`` runs each
# task on a connection of its own, the way Odoo runs a request or a cron job
# (``odoo.service.model.retrying``: a serialization failure is retried, any other database
# error is an error), all started together behind a barrier once their snapshots are taken;
# it returns the tasks' results and the errors raised.
RACE_PRELUDE = """
import threading
from odoo import api, SUPERUSER_ID
from odoo.service.model import retrying

def race(*tasks):
    barrier = threading.Barrier(len(tasks))
    results, errors = [], []

    def work(task):
        try:
            with env.registry.cursor() as cr:
                wenv = api.Environment(cr, SUPERUSER_ID, {})
                cr.execute("SELECT 1")  # the transaction's snapshot starts before the race
                barrier.wait(timeout=60)
                results.append(retrying(lambda: task(wenv), wenv))
        except Exception as error:  # reported to the caller, which asserts there is none
            errors.append(repr(error))

    threads = [threading.Thread(target=work, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results, errors
"""


@pytest.fixture
def race_shell(site, tenant):
    """Run race code (see RACE_PRELUDE) in `odoo-bin shell` on the tenant; its output."""
    return lambda code: site.shell(tenant, RACE_PRELUDE + code)
