"""What a consultant checks before installing the module: layout, manifest, docs, CI."""

import ast
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "stock_accuracy"


def manifest():
    return ast.literal_eval((MODULE / "__manifest__.py").read_text())


def test_module_layout():
    for folder in [
        "models",
        "views",
        "wizards",
        "security",
        "data",
        "i18n",
        "static",
        "readme",
        "tests",
    ]:
        assert (MODULE / folder).is_dir(), folder
    assert (ROOT / "tests").is_dir()


def test_manifest_declares_community_dependencies_only():
    data = manifest()
    assert data["version"] == "18.0.1.2.0"
    assert set(data["depends"]) == {"stock", "barcodes", "mail"}
    assert set(data["external_dependencies"]["python"]) == {"xlsxwriter", "zeep"}
    assert data["license"] == "LGPL-3"
    for path in data["data"] + data.get("demo", []):
        assert (MODULE / path).is_file(), path


def test_every_model_has_access_rules():
    csv = (MODULE / "security" / "ir.model.access.csv").read_text().splitlines()
    covered = {line.split(",")[2] for line in csv[1:] if line.strip()}
    declared = set()
    for path in (MODULE / "models").glob("*.py"):
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


def test_module_readme_is_made_from_its_fragments():
    """README.rst, the description Odoo's Apps show, is readme/*.md as ./run readme makes it,
    and renders without a warning."""
    from harness import readme

    text = readme.build()
    assert not readme.problems(text)
    assert (readme.MODULE / "README.rst").read_text() == text, "README.rst is stale: ./run readme"
