"""What a consultant checks before installing the module: layout, manifest, docs, CI."""

import ast
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "stock_accuracy"
MODULES = sorted(path.parent for path in ROOT.glob("*/__manifest__.py"))
# What each module may depend on: Odoo Community's modules and the suite's own.
EXPECTED = {
    "stock_accuracy": ({"stock", "barcodes", "mail"}, {"xlsxwriter"}),
    "stock_accuracy_kpi": ({"stock_accuracy"}, {"xlsxwriter"}),
    "stock_accuracy_sync": ({"stock_accuracy"}, {"zeep"}),
    "stock_accuracy_suite": (
        {"stock_accuracy", "stock_accuracy_kpi", "stock_accuracy_sync"},
        set(),
    ),
}
by_name = pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)


def manifest(module=MODULE):
    return ast.literal_eval((module / "__manifest__.py").read_text())


def test_the_suite_is_what_the_packaging_expects():
    assert [module.name for module in MODULES] == sorted(EXPECTED)


@by_name
def test_module_layout(module):
    folders = ["readme", "static", "tests"]
    if module.name != "stock_accuracy_suite":
        folders += ["models", "views", "security", "i18n"]
    if module == MODULE:
        folders += ["wizards", "data"]
    for folder in folders:
        assert (module / folder).is_dir(), f"{module.name}/{folder}"
    assert (module / "static" / "description" / "icon.png").is_file()
    assert (ROOT / "tests").is_dir()


@by_name
def test_manifest_declares_community_dependencies_only(module):
    data = manifest(module)
    depends, python = EXPECTED[module.name]
    assert data["version"] == "18.0.2.0.0"
    assert set(data["depends"]) == depends
    assert set(data.get("external_dependencies", {}).get("python", [])) == python
    assert data["license"] == "LGPL-3"
    for path in data.get("data", []) + data.get("demo", []):
        assert (module / path).is_file(), path


def test_only_the_sync_module_needs_zeep():
    """A tenant who does not reconcile with an outside system installs no SOAP client: no module
    but stock_accuracy_sync imports zeep."""
    for module in MODULES:
        if module.name == "stock_accuracy_sync":
            continue
        for path in module.rglob("*.py"):
            assert "zeep" not in path.read_text(), path


@by_name
def test_every_model_has_access_rules(module):
    if not (module / "models").is_dir():
        return
    csv = (module / "security" / "ir.model.access.csv").read_text().splitlines()
    covered = {line.split(",")[2] for line in csv[1:] if line.strip()}
    declared = set()
    for path in (module / "models").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = [getattr(b, "attr", getattr(b, "id", "")) for b in node.bases]
            if "Model" not in bases:
                continue
            attrs = {
                t.id: v.value
                for stmt in node.body
                if isinstance(stmt, ast.Assign)
                for t in stmt.targets
                if isinstance(t, ast.Name) and isinstance(stmt.value, ast.Constant)
                for v in [stmt.value]
            }
            inherited = {
                element.value
                for stmt in node.body
                if isinstance(stmt, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "_inherit" for t in stmt.targets)
                for element in ast.walk(stmt.value)
                if isinstance(element, ast.Constant)
            }
            if (
                "_name" in attrs
                and attrs["_name"] not in inherited
                and attrs.get("_auto", True) is not False
            ):
                declared.add("model_" + attrs["_name"].replace(".", "_"))
    assert declared <= covered, f"models without access rules: {declared - covered}"


def test_readme_states_license_requirements_and_commands():
    readme = (ROOT / "README.md").read_text()
    for needle in [
        "LGPL-3",
        "ODOO_PATH",
        "/opt/odoo18",
        "PostgreSQL 15",
        "Python 3.11",
        "./run demo",
        "./run test",
    ]:
        assert needle in readme, needle


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./run test" in readme
    commands = [
        line.strip()
        for line in ci.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert "./run test" in commands[-1], commands


def test_commands_stop_at_once_without_odoo(tmp_path):
    env = dict(os.environ, ODOO_PATH=str(tmp_path / "no-odoo-here"))
    for command in ("test", "demo"):
        proc = subprocess.run(
            [str(ROOT / "run"), command],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode != 0
        assert "no Odoo 18.0 source tree found at ODOO_PATH=" in proc.stderr
        assert str(tmp_path / "no-odoo-here") in proc.stderr


def test_no_odoo_code_in_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [path for path in tracked if path.startswith(("odoo/", "addons/"))]
    assert "odoo-bin" not in tracked


@by_name
def test_module_readme_is_made_from_its_fragments(module):
    """README.rst, the description Odoo's Apps show, is readme/*.md as ./run readme makes it,
    and renders without a warning."""
    from harness import readme

    text = readme.build(module)
    assert not readme.problems(text)
    assert (module / "README.rst").read_text() == text, "README.rst is stale: ./run readme"


def test_readme_shows_the_suite_as_a_table():
    """The README's table names every module, what it adds and what it depends on."""
    readme = (ROOT / "README.md").read_text()
    for module in MODULES:
        row = next(
            (line for line in readme.splitlines() if line.startswith(f"| `{module.name}`")), None
        )
        assert row, f"README.md has no row for {module.name}"
        for dep in manifest(module)["depends"]:
            assert f"`{dep}`" in row, (module.name, dep)
