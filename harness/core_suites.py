"""Odoo's own test suites as a gate: installing stock_accuracy must not break Odoo.

Two databases in the test cluster:

- BASE (`core_base`): Odoo with stock_account, purchase_stock, sale_stock and mrp installed, with
  Odoo's demo data, without stock_accuracy;
- WITH (`core_with`): a copy of BASE (`createdb -T`, filestore copied) with stock_accuracy
  installed on top, with its demo data, not configured.

The suites (`$ODOO_PATH/addons/<suite>/tests`) run with pytest-odoo in both databases at once: two
pytest processes, each with its own configuration, database filter and HTTP server for the tours
(`--odoo-http`). The runs are compared per test id:

- passed in BASE, failed, errored, skipped or missing in WITH: a regression, counted as a failure;
- failed in BASE too: plain Odoo under pytest-odoo (tags such as at_install are ignored, every
  module is installed before any test runs), reported and not counted;
- skipped in both: an optional thing missing, reported and not counted;
- a skipped browser test (harness.coreskip) fails in either database: a tour must run.
"""

import argparse
import configparser
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from . import coreskip, odoo
from .pg import free_port

SUITES = ("stock", "stock_account", "purchase_stock", "sale_stock", "mrp")
INSTALL = ["stock_account", "purchase_stock", "sale_stock", "mrp"]
BASE = "core_base"
WITH = "core_with"
LABELS = {BASE: "BASE", WITH: "WITH"}
ADDONS = odoo.ODOO_PATH / "addons"


def parse_suites(value):
    """`--suites stock,mrp` -> ("stock", "mrp") in the gate's order; unknown names refused."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(SUITES))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown suites {', '.join(unknown)}; choose from {', '.join(SUITES)}"
        )
    return tuple(suite for suite in SUITES if suite in names)


def _minutes(seconds):
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def _filestore(config, dbname):
    parser = configparser.ConfigParser()
    parser.read(config)
    return Path(parser["options"]["data_dir"]) / "filestore" / dbname


def prepare(cluster, work, log, step):
    """Create BASE, then WITH from a copy of it; return {dbname: config}."""
    configs = {
        dbname: odoo.write_config(
            cluster,
            work / f"core-{dbname}.conf",
            http_port=free_port(),
            extra={"log_level": "warn", "logfile": "False", "dbfilter": f"^{dbname}$"},
        )
        for dbname in (BASE, WITH)
    }
    step(f"core gate: creating {BASE} with {', '.join(INSTALL)} and demo data (log: {log})")
    started = time.time()
    odoo.install(cluster, configs[BASE], BASE, INSTALL, log=log)
    without_demo = cluster.psql(
        BASE,
        "SELECT string_agg(name, ',') FROM ir_module_module WHERE state = 'installed' AND NOT demo",
    )
    if without_demo:
        raise RuntimeError(f"{BASE} has modules without demo data: {without_demo}")
    step(f"core gate: {BASE} ready ({time.time() - started:.0f}s)")
    started = time.time()
    cluster.createdb(WITH, template=BASE)
    source, target = _filestore(configs[BASE], BASE), _filestore(configs[WITH], WITH)
    shutil.rmtree(target, ignore_errors=True)
    if source.is_dir():
        shutil.copytree(source, target)
    odoo.install(cluster, configs[WITH], WITH, [odoo.SUITE], log=log)
    step(f"core gate: {WITH} = {BASE} + the whole suite ({time.time() - started:.0f}s)")
    return configs


def pytest_argv(config, dbname, targets, junit, selection=()):
    """One pytest-odoo run in one database. Odoo's tree is only read: no cache folder, no
    bytecode, and its addons folder goes to the end of sys.path, never before the standard
    library (it holds addons named `calendar` and `resource`). The node ids of the report are
    relative to that folder: `stock/tests/test_move.py::StockMove::test_x`."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "harness.coreskip",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(ADDONS),
        "--import-mode=append",
        "-rfE",
        "--tb=short",
        "--durations=25",
        f"--junitxml={junit}",
        "--odoo-config",
        str(config),
        "--odoo-database",
        dbname,
        "--odoo-http",
        "--odoo-log-level",
        "warn",
        *selection,
        *targets,
    ]


def run_jobs(jobs, env, step):
    """Run {name: (argv, output file)} at once; return {name: (returncode, wall s, CPU s)}.
    The CPU time is the process's and its reaped children's (Chromium), not PostgreSQL's."""
    env = dict(env, PYTHONDONTWRITEBYTECODE="1")
    procs = {}
    started = time.time()
    try:
        for name, (argv, out) in jobs.items():
            with open(out, "wb") as fh:
                procs[name] = subprocess.Popen(
                    argv, cwd=odoo.ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT
                )
        results = {}
        while len(results) < len(procs):
            for name, proc in procs.items():
                if name in results:
                    continue
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    proc.returncode = os.waitstatus_to_exitcode(status)
                    cpu = usage.ru_utime + usage.ru_stime
                    results[name] = (proc.returncode, time.time() - started, cpu)
                    step(
                        f"core gate: {name} done in {_minutes(results[name][1])}, "
                        f"CPU {_minutes(cpu)} (pytest exit {proc.returncode})"
                    )
            time.sleep(1)
        return results
    finally:
        for proc in procs.values():
            if proc.returncode is None:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _first_line(element):
    text = element.get("message") or element.text or ""
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return element.tag


def _test_id(classname, name):
    """junit's classname `stock.tests.test_move.StockMove` back to the pytest node id
    `stock/tests/test_move.py::StockMove::test_x`, which pytest can run again."""
    parts = classname.split(".")
    if len(parts) >= 4 and parts[1] == "tests":
        return f"{'/'.join(parts[:3])}.py::{'.'.join(parts[3:])}::{name}"
    return f"{classname}::{name}" if classname else name


RANK = {"passed": 0, "skipped": 1, "failed": 2}


def read_junit(path):
    """{test id: (status, first line of the error)}, status passed, failed or skipped."""
    results = {}
    if not path.exists():
        return results
    for case in ET.parse(path).getroot().iter("testcase"):
        test_id = _test_id(case.get("classname", ""), case.get("name", ""))
        status, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                status = "skipped" if tag == "skipped" else "failed"
                message = _first_line(element)
                break
        seconds = float(case.get("time") or 0)
        old = results.get(test_id)
        if old:
            seconds += old[2]
            if RANK[old[0]] >= RANK[status]:
                status, message = old[0], old[1]
        results[test_id] = (status, message, seconds)
    return results


def suite_of(test_id):
    return test_id.split("/", 1)[0].split(".", 1)[0]


def compare(base, with_):
    """Regressions, browser skips and the rest, from two read_junit() results."""
    regressions = {}
    for test_id, (status, _message, _seconds) in base.items():
        if status != "passed":
            continue
        if test_id not in with_:
            regressions[test_id] = "missing in WITH (not collected)"
        elif with_[test_id][0] != "passed":
            prefix = "skipped: " if with_[test_id][0] == "skipped" else ""
            regressions[test_id] = prefix + with_[test_id][1]
    browser = {
        f"{label}: {test_id}": message
        for label, results in (("BASE", base), ("WITH", with_))
        for test_id, (status, message, _seconds) in results.items()
        if status == "failed" and message.startswith(coreskip.MARK)
    }
    return {
        "regressions": regressions,
        "browser_skips": browser,
        "base_failures": sorted(t for t, r in base.items() if r[0] == "failed"),
        "both_skipped": sorted(
            t for t, r in base.items() if r[0] == "skipped" and with_.get(t, ("",))[0] == "skipped"
        ),
        "fixed": sorted(
            t for t, r in base.items() if r[0] == "failed" and with_.get(t, ("",))[0] == "passed"
        ),
        "only_with": sorted(set(with_) - set(base)),
    }


def suite_counts(results, suite):
    counts = {"passed": 0, "failed": 0, "skipped": 0, "seconds": 0.0}
    for test_id, (status, _message, seconds) in results.items():
        if suite_of(test_id) == suite:
            counts[status] += 1
            counts["seconds"] += seconds
    return counts


def report(results, suites, runs, work, step):
    """Print the per-suite table and the findings, write the lists to files; return the
    comparison (compare()) with the runs that broke under "broken"."""
    base, with_ = results[BASE], results[WITH]
    found = compare(base, with_)
    step("core gate: per suite, passed/failed/skipped and summed test time in each database")
    print(f"  {'suite':16} {'BASE':>12} {'time':>8}   {'WITH':>12} {'time':>8}   regressions")
    for suite in suites:
        b, w = suite_counts(base, suite), suite_counts(with_, suite)
        regressed = sum(1 for test_id in found["regressions"] if suite_of(test_id) == suite)
        print(
            f"  {suite:16} {'{passed}/{failed}/{skipped}'.format(**b):>12} "
            f"{_minutes(b['seconds']):>8}   {'{passed}/{failed}/{skipped}'.format(**w):>12} "
            f"{_minutes(w['seconds']):>8}   {regressed}"
        )
    for label, index in (("wall time", 1), ("CPU time", 2)):
        print(
            f"  {label:16} {'':>12} {_minutes(runs[BASE][index]):>8}   {'':>12} "
            f"{_minutes(runs[WITH][index]):>8}"
        )
    (work / "core-base-failures.txt").write_text(
        "".join(f"{t}: {base[t][1]}\n" for t in found["base_failures"])
    )
    step(
        f"core gate: not counted: {len(found['base_failures'])} tests fail in BASE too (plain "
        f"Odoo under pytest-odoo, list in {work / 'core-base-failures.txt'}), "
        f"{len(found['both_skipped'])} skipped in both, {len(found['fixed'])} fail in BASE and "
        f"pass in WITH, {len(found['only_with'])} only in WITH"
    )
    found["broken"] = []
    for dbname, (returncode, _wall, _cpu) in runs.items():
        # pytest exits 0 (all passed) or 1 (some failed); anything else, or no test at all,
        # means the run itself broke.
        if returncode not in (0, 1) or not results[dbname]:
            found["broken"].append(
                f"{LABELS[dbname]}: pytest exited {returncode} with {len(results[dbname])} "
                f"tests, see {work / (dbname + '.log')}"
            )
    return found


def rerun(configs, found, work, env, step, selection=()):
    """Run the regressions once more in WITH, alone: a tour that timed out on a loaded machine
    is not a regression. Returns the regressions that failed again."""
    if not found["regressions"]:
        return {}
    junit = work / f"junit-{WITH}-rerun.xml"
    junit.unlink(missing_ok=True)
    out = work / f"{WITH}-rerun.log"
    ids = sorted(found["regressions"])
    step(f"core gate: running the {len(ids)} regressions again in WITH (output: {out})")
    argv = pytest_argv(
        configs[WITH], WITH, [str(ADDONS / test_id) for test_id in ids], junit, selection
    )
    run_jobs({"WITH rerun": (argv, out)}, env, step)
    again = read_junit(junit)
    kept = {
        test_id: message
        for test_id, message in found["regressions"].items()
        if again.get(test_id, ("failed",))[0] != "passed"
    }
    passed = sorted(set(ids) - set(kept))
    if passed:
        step(
            f"core gate: {len(passed)} regressions passed when run again, not counted "
            "(flaky, or they depend on the tests before them):"
        )
        for test_id in passed:
            print(f"  {test_id}: {found['regressions'][test_id]}")
    return kept


def run(cluster, work, env, step, suites=SUITES, selection=()):
    """The whole gate on a running cluster: databases, both runs, comparison. Returns totals."""
    started = time.time()
    log = work / "core-odoo.log"
    log.unlink(missing_ok=True)
    for name in ("core-regressions.txt", "core-base-failures.txt"):
        (work / name).unlink(missing_ok=True)
    try:
        configs = prepare(cluster, work, log, step)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"FAILED: core gate databases: {exc}", file=sys.stderr)
        return {"passed": 0, "failed": 1, "skipped": 0}
    prepared = time.time() - started
    jobs = {}
    for dbname, config in configs.items():
        junit = work / f"junit-{dbname}.xml"
        junit.unlink(missing_ok=True)
        out = work / f"{dbname}.log"
        step(f"core gate: {LABELS[dbname]} run of {', '.join(suites)} (output: {out})")
        targets = [str(ADDONS / suite / "tests") for suite in suites]
        jobs[LABELS[dbname]] = (pytest_argv(config, dbname, targets, junit, selection), out)
    done = run_jobs(jobs, env, step)
    runs = {dbname: done[LABELS[dbname]] for dbname in configs}
    results = {dbname: read_junit(work / f"junit-{dbname}.xml") for dbname in configs}
    found = report(results, suites, runs, work, step)
    regressions = rerun(configs, found, work, env, step, selection)
    lines = [f"{test_id}: {message}" for test_id, message in sorted(regressions.items())]
    (work / "core-regressions.txt").write_text("".join(line + "\n" for line in lines))
    step(
        f"core gate: {len(lines)} regressions (pass in BASE; fail, error or skip in WITH, "
        f"twice; list in {work / 'core-regressions.txt'})"
    )
    for line in lines:
        print(f"  {line}")
    if found["browser_skips"]:
        step(f"core gate: {len(found['browser_skips'])} browser tests skipped, counted as failed")
    for test_id, message in sorted(found["browser_skips"].items()):
        print(f"  {test_id}: {message}")
    for line in found["broken"]:
        print(f"FAILED: core gate {line}", file=sys.stderr)
    step(
        f"core gate: {_minutes(time.time() - started)} in all (databases {_minutes(prepared)}, "
        f"runs {_minutes(max(wall for _rc, wall, _cpu in runs.values()))})"
    )
    failed = set(regressions) | {key.split(": ", 1)[1] for key in found["browser_skips"]}
    passed = sum(1 for status, _m, _s in results[WITH].values() if status == "passed")
    return {"passed": passed, "failed": len(failed) + len(found["broken"]), "skipped": 0}
