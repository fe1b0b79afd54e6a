"""./run demo | test | lint | bench: see README.md."""

import argparse
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from . import core_suites, odoo
from .pg import Cluster, free_port

ROOT = odoo.ROOT
WORK = Path(os.environ.get("STOCK_ACCURACY_WORK", ROOT / ".work")).resolve()
STOCK_DB = "sa_stock"
TEST_DB = "sa_test"
TEMPLATE_DB = "sa_template"


def step(message):
    print(f"==> {message}", flush=True)


def lint():
    step("lint: ruff")
    rc = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, check=False)
    step("lint: ruff format --check")
    rc2 = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "."], cwd=ROOT, check=False
    )
    step("lint: pylint-odoo (OCA configuration)")
    rc3 = subprocess.run(
        [sys.executable, "-m", "pylint", "--rcfile", str(ROOT / ".pylintrc"), *odoo.MODULES],
        cwd=ROOT,
        check=False,
    )
    failed = [
        name
        for name, proc in (("ruff", rc), ("ruff format", rc2), ("pylint", rc3))
        if proc.returncode
    ]
    if failed:
        print(f"lint failed: {', '.join(failed)}", file=sys.stderr)
    return not failed


def junit_counts(path):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if not path.exists():
        return counts
    for suite in ET.parse(path).getroot().iter("testsuite"):
        tests = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        counts["failed"] += failed
        counts["skipped"] += skipped
        counts["passed"] += tests - failed - skipped
    return counts


def prepare_test_database(cluster, config, log):
    """A database that already holds stock, moves and quants (Odoo's stock demo) before
    the suite is installed into it, as in a tenant's existing database. The populated database
    stays as STOCK_DB, for the modules tested alone."""
    step(f"creating {STOCK_DB} with Odoo's stock demo data (log: {log})")
    started = time.time()
    odoo.install(cluster, config, STOCK_DB, ["stock"], log=log)
    moves = cluster.psql(STOCK_DB, "SELECT count(*) FROM stock_move WHERE state = 'done'")
    quants = cluster.psql(STOCK_DB, "SELECT count(*) FROM stock_quant")
    step(f"populated: {moves} done moves, {quants} quants ({time.time() - started:.0f}s)")
    step(f"installing the whole suite ({', '.join(odoo.MODULES)}) into a copy of it")
    started = time.time()
    odoo.copy_database(cluster, config, STOCK_DB, TEST_DB)
    odoo.install(cluster, config, TEST_DB, [odoo.SUITE], log=log)
    step(f"suite installed ({time.time() - started:.0f}s)")
    cluster.createdb(TEMPLATE_DB, template=TEST_DB)


def alone_modules():
    """The modules whose own tests also run installed alone: those that install less than the
    whole suite."""
    everything = odoo.closure(odoo.SUITE) - {odoo.SUITE}
    return [
        name
        for name in odoo.MODULES
        if name != odoo.SUITE and odoo.closure(name) != everything and test_dirs([name])
    ]


def test_dirs(modules):
    return [f"{name}/tests" for name in modules if (ROOT / name / "tests").is_dir()]


def module_tests(config, dbname, modules, junit, selection, env):
    """The modules' tests in dbname; their counts (a run that ran nothing is a failure)."""
    junit.unlink(missing_ok=True)
    run_pytest(
        [
            "--odoo-config",
            str(config),
            "--odoo-database",
            dbname,
            "--odoo-http",
            "--odoo-log-level",
            "warn",
            *selection,
            *test_dirs(modules),
        ],
        junit,
        env,
    )
    counts = junit_counts(junit)
    if (not junit.exists() or counts["passed"] + counts["failed"] == 0) and not selection:
        counts["failed"] += 1
    return counts


def run_pytest(args, junit, env):
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "harness.noskip",
        # Odoo's manifests read before any request thread can (a CPython 3.11.7 AST race).
        "-p",
        "harness.warmup",
        "-rfE",
        f"--junitxml={junit}",
        *args,
    ]
    return subprocess.run(argv, cwd=ROOT, env=env, check=False).returncode


def cmd_test(options):
    ok = True
    if not options.no_lint:
        ok = lint()
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "test-odoo.log"
    log.unlink(missing_ok=True)
    with Cluster(WORK) as cluster:
        config = odoo.write_config(
            cluster,
            WORK / "test-odoo.conf",
            http_port=free_port(),
            extra={"log_level": "warn", "logfile": "False"},
        )
        try:
            if not options.core_only:
                prepare_test_database(cluster, config, log)
        except RuntimeError as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            print("0 passed, 1 failed")
            return 1
        env = dict(os.environ)
        env.update(
            SA_TEST_PGPORT=str(cluster.port),
            SA_TEST_CONFIG=str(config),
            SA_TEST_TEMPLATE_DB=TEMPLATE_DB,
            SA_TEST_PG_DIR=str(cluster.dir),
        )
        selection = options.k or []
        if not options.root_only and not options.core_only:
            step("module tests in the whole suite (pytest-odoo, Odoo + PostgreSQL + Chromium)")
            counts = module_tests(
                config, TEST_DB, odoo.MODULES, WORK / "junit-module.xml", selection, env
            )
            step(
                "module tests: {passed} passed, {failed} failed, {skipped} skipped".format(**counts)
            )
            totals = {key: totals[key] + counts[key] for key in totals}
            for name in [] if options.no_alone else alone_modules():
                dbname = f"sa_alone_{name}"
                step(f"{name} installed alone into a copy of {STOCK_DB} ({dbname})")
                try:
                    odoo.copy_database(cluster, config, STOCK_DB, dbname)
                    odoo.install(cluster, config, dbname, [name], log=log)
                except RuntimeError as exc:
                    print(f"FAILED: {exc}", file=sys.stderr)
                    totals["failed"] += 1
                    continue
                counts = module_tests(
                    config, dbname, [name], WORK / f"junit-alone-{name}.xml", selection, env
                )
                step(
                    f"{name} alone: "
                    "{passed} passed, {failed} failed, {skipped} skipped".format(**counts)
                )
                totals = {key: totals[key] + counts[key] for key in totals}
                cluster.dropdb(dbname)
        if not options.module_only and not options.core_only:
            step("root tests (packaging, lifecycle, files, services)")
            junit = WORK / "junit-root.xml"
            junit.unlink(missing_ok=True)
            run_pytest(["-p", "no:odoo", *selection, "tests"], junit, env)
            counts = junit_counts(junit)
            step("root tests: {passed} passed, {failed} failed, {skipped} skipped".format(**counts))
            if not junit.exists() or counts["passed"] + counts["failed"] == 0:
                counts["failed"] += 1
            totals = {key: totals[key] + counts[key] for key in totals}
        if not options.module_only and not options.root_only:
            step("core gate: Odoo's own suites without and with the module")
            counts = core_suites.run(cluster, WORK, env, step, options.suites, selection)
            totals = {key: totals[key] + counts[key] for key in totals}
    if not ok:
        totals["failed"] += 1
        print("lint failed: counted as one failure", file=sys.stderr)
    failed = totals["failed"] + totals["skipped"]
    print("total: {passed} passed, {failed} failed, {skipped} skipped".format(**totals))
    return 1 if failed or not totals["passed"] else 0


def cmd_demo(options):
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "demo-odoo.log"
    log.unlink(missing_ok=True)
    with Cluster(WORK) as cluster:
        config = odoo.write_config(
            cluster,
            WORK / "demo-odoo.conf",
            http_port=options.port,
            extra={"log_level": "info", "max_cron_threads": "1"},
        )
        step(f"creating database 'demo' with demo data and the whole suite (log: {log})")
        started = time.time()
        odoo.install(cluster, config, "demo", [odoo.SUITE], log=log)
        step(f"ready in {time.time() - started:.0f}s")
        step(
            f"serving Odoo on http://127.0.0.1:{options.port}  (login admin / admin); "
            "Ctrl-C stops Odoo and PostgreSQL"
        )
        if options.no_serve:
            return 0
        try:
            odoo.odoo_bin(config, "-d", "demo", "--db-filter", "^demo$", check=False)
        except KeyboardInterrupt:
            pass
    step("stopped")
    return 0


def cmd_lint(options):
    return 0 if lint() else 1


def cmd_bench(options):
    from bench import __main__ as bench_main

    return bench_main.main(options.rest)


def cmd_i18n(options):
    from . import i18n

    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "i18n-odoo.log"
    log.unlink(missing_ok=True)
    translations = {}
    for path in options.fill or []:
        translations.update(json.loads(Path(path).read_text()))
    with Cluster(WORK) as cluster:
        config = odoo.write_config(cluster, WORK / "i18n-odoo.conf", http_port=free_port())
        step("installing the whole suite with demo data to export its terms")
        odoo.install(cluster, config, "i18n", [odoo.SUITE], log=log)
        found = i18n.run(
            cluster, config, "i18n", check=options.check, translations=translations or None
        )
    for line in found:
        print(line)
    if not options.check:
        step(
            "updated "
            + ", ".join(f"{module}/i18n/{module}.pot" for module in i18n.translated_modules())
            + " and their "
            + ", ".join(f"{lang}.po" for lang in i18n.LANGS)
        )
    return 1 if found else 0


def cmd_shell(options):
    """A cluster and a database to poke at by hand: ./run shell."""
    with Cluster(WORK) as cluster:
        config = odoo.write_config(cluster, WORK / "shell-odoo.conf", http_port=options.port)
        step(f"PostgreSQL on 127.0.0.1:{cluster.port} (user odoo); config {config}")
        odoo.odoo_bin(config, "-d", "shell", "-i", odoo.SUITE, "--stop-after-init", check=False)
        subprocess.run(
            [
                sys.executable,
                str(odoo.ODOO_PATH / "odoo-bin"),
                "shell",
                "-c",
                str(config),
                "-d",
                "shell",
            ],
            check=False,
        )
    return 0


def cmd_readme(options):
    from harness import readme

    return readme.main(check=options.check)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:
        # bench parses its own options (bench/__main__.py); argparse's REMAINDER would not
        # take a leading --option.
        return cmd_bench(argparse.Namespace(rest=argv[1:]))
    parser = argparse.ArgumentParser(prog="./run")
    sub = parser.add_subparsers(dest="command", required=True)
    test = sub.add_parser("test", help="lint, then every test on a throwaway cluster")
    test.add_argument("--no-lint", action="store_true")
    only = test.add_mutually_exclusive_group()
    only.add_argument("--module-only", action="store_true", help="only the module tests")
    only.add_argument("--root-only", action="store_true", help="only the root tests")
    only.add_argument("--core-only", action="store_true", help="only the gate of Odoo's suites")
    test.add_argument(
        "--no-alone", action="store_true", help="skip the runs of modules installed alone"
    )
    test.add_argument(
        "--suites",
        type=core_suites.parse_suites,
        default=core_suites.SUITES,
        help=f"the gate's suites, comma-separated (default {','.join(core_suites.SUITES)})",
    )
    test.add_argument("-k", nargs=1, type=lambda v: f"-k={v}", help="pytest -k selection")
    demo = sub.add_parser("demo", help="serve a demo database on http://127.0.0.1:8069")
    demo.add_argument("--port", type=int, default=8069)
    demo.add_argument("--no-serve", action="store_true", help="build it, then stop")
    sub.add_parser("lint", help="ruff and pylint-odoo")
    bench = sub.add_parser("bench", help="build or restore the big dataset, run the benchmarks")
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    i18n = sub.add_parser("i18n", help="export the .pot and merge it into zh_CN.po")
    i18n.add_argument("--check", action="store_true")
    i18n.add_argument("--fill", action="append", help="JSON file of zh_CN translations")
    readme_cmd = sub.add_parser("readme", help="make each module's README.rst from its readme/*.md")
    readme_cmd.add_argument("--check", action="store_true", help="fail when it is not up to date")
    shell = sub.add_parser("shell", help="an odoo shell on a throwaway database")
    shell.add_argument("--port", type=int, default=8069)
    options = parser.parse_args(argv)
    handler = {
        "test": cmd_test,
        "demo": cmd_demo,
        "lint": cmd_lint,
        "bench": cmd_bench,
        "shell": cmd_shell,
        "i18n": cmd_i18n,
        "readme": cmd_readme,
    }[options.command]
    try:
        return handler(options)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
