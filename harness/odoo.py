"""Odoo databases for the harness: configuration files, installs, upgrades, checks."""

import ast
import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ODOO_PATH = Path(os.environ.get("ODOO_PATH", "/opt/odoo18"))
MODULE = "stock_accuracy"  # the base every module of the suite depends on
SUITE = "stock_accuracy_suite"  # depends on every module: installs the whole suite


def _manifest(name):
    return ast.literal_eval((ROOT / name / "__manifest__.py").read_text())


def _modules():
    """The suite's modules (the folders of this tree holding a manifest), each after the ones it
    depends on."""
    names = sorted(path.parent.name for path in ROOT.glob("*/__manifest__.py"))
    depends = {name: [d for d in _manifest(name)["depends"] if d in names] for name in names}
    ordered = []

    def visit(name):
        if name not in ordered:
            for dep in depends[name]:
                visit(dep)
            ordered.append(name)

    for name in names:
        visit(name)
    return ordered


MODULES = _modules()


def closure(name):
    """The suite's modules that installing ``name`` installs (itself included)."""
    found = {name}
    for dep in _manifest(name)["depends"]:
        if dep in MODULES:
            found |= closure(dep)
    return found


def addons_path(module_root=ROOT):
    """Odoo's addons, then the folder holding the module (this tree, or another copy of it)."""
    return ",".join(
        [str(ODOO_PATH / "addons"), str(ODOO_PATH / "odoo" / "addons"), str(module_root)]
    )


def write_config(cluster, path, http_port=8069, extra=None):
    """An Odoo configuration file pointing at the throwaway cluster."""
    data_dir = Path(os.environ.get("STOCK_ACCURACY_WORK", ROOT / ".work")).resolve() / "filestore"
    options = {
        "addons_path": addons_path(),
        "data_dir": str(data_dir),
        "db_host": "127.0.0.1",
        "db_port": str(cluster.port),
        "db_user": "odoo",
        "db_password": "False",
        "admin_passwd": "admin",
        "http_interface": "127.0.0.1",
        "http_port": str(http_port),
        "list_db": "False",
        "max_cron_threads": "0",
        "workers": "0",
        "log_level": "info",
    }
    options.update(extra or {})
    Path(path).write_text(
        "[options]\n" + "".join(f"{key} = {value}\n" for key, value in options.items())
    )
    return Path(path)


def derive_config(source, path, **overrides):
    """A copy of the configuration file ``source`` with some options changed (another
    addons_path for another version of the module, say)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(source)
    parser["options"].update({key: str(value) for key, value in overrides.items()})
    with open(path, "w") as out:
        parser.write(out)
    return Path(path)


def odoo_bin(config, *args, log=None, env=None, check=True):
    argv = [sys.executable, str(ODOO_PATH / "odoo-bin"), "-c", str(config), *args]
    stdout = open(log, "ab") if log else None  # noqa: SIM115 - closed below
    try:
        proc = subprocess.run(
            argv, stdout=stdout, stderr=subprocess.STDOUT if log else None, env=env, check=False
        )
    finally:
        if stdout:
            stdout.close()
    if check and proc.returncode:
        raise RuntimeError(f"odoo-bin {' '.join(args)} exited with {proc.returncode}")
    return proc.returncode


def copy_database(cluster, config, source, target):
    """``target`` as a copy of ``source`` (``createdb -T``), its filestore copied too."""
    cluster.dropdb(target)
    cluster.createdb(target, template=source)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(config)
    filestore = Path(parser["options"]["data_dir"]) / "filestore"
    shutil.rmtree(filestore / target, ignore_errors=True)
    if (filestore / source).is_dir():
        shutil.copytree(filestore / source, filestore / target)


def module_state(cluster, dbname, module=MODULE):
    return cluster.psql(dbname, f"SELECT state FROM ir_module_module WHERE name = '{module}'")


def install(cluster, config, dbname, modules, demo=True, log=None, extra_args=()):
    """Install modules into a database (created by Odoo if missing) and prove they installed."""
    args = ["-d", dbname, "-i", ",".join(modules), "--stop-after-init", "--no-http", *extra_args]
    if not demo:
        args.append("--without-demo=all")
    odoo_bin(config, *args, log=log)
    for module in modules:
        state = module_state(cluster, dbname, module)
        if state != "installed":
            hint = f" (see {log})" if log else ""
            raise RuntimeError(f"module {module} is not installed in {dbname}: {state!r}{hint}")
    errors = _log_errors(log)
    if errors:
        raise RuntimeError(f"errors while installing {modules} into {dbname}:\n{errors}")


def _log_errors(log):
    if not log or not Path(log).exists():
        return ""
    lines = [
        line
        for line in Path(log).read_text(errors="replace").splitlines()
        if " ERROR " in line or " CRITICAL " in line or "failed to install" in line
    ]
    return "\n".join(lines[:20])
