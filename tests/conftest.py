"""Root tests run outside one Odoo transaction: whole databases, files, services.

`./run test` hands them its PostgreSQL cluster and a template database that already holds
Odoo's stock demo data with stock_accuracy installed on top (SA_TEST_* variables). Run alone,
they start their own cluster and build that template first.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
CALL_TAG = "CALL-RESULT "
# The one piece of code the root tests hand to `odoo-bin shell`: it calls a function of a
# module of tests/ with JSON arguments and prints its JSON result.
CALL = (
    "import importlib, json, sys\n"
    "sys.path.insert(0, {tests!r})\n"
    "function = getattr(importlib.import_module({module!r}), {function!r})\n"
    "result = function(env, *json.loads({args!r}))\n"
    "env.cr.commit()\n"
    "print({tag!r} + json.dumps(result, default=str))\n"
)
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

    def call(self, dbname, target, *args):
        """``module.function(env, *args)`` of a module of tests/ (odoo_tasks, upgrade_tenant),
        run in `odoo-bin shell` on a database and committed; what it returned (JSON)."""
        module, function = target.rsplit(".", 1)
        out = self.shell(
            dbname,
            CALL.format(
                tests=str(TESTS),
                module=module,
                function=function,
                args=json.dumps(args),
                tag=CALL_TAG,
            ),
        )
        self.last_output = out  # its log too, for the tests that read it
        for line in out.splitlines():
            if line.startswith(CALL_TAG):
                return json.loads(line[len(CALL_TAG) :])
        raise AssertionError(f"{target} returned nothing:\n{out[-4000:]}")

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
