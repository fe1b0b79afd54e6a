"""A tenant's upgrade from the module as released to the code of this tree, on real data.

The release is stock_accuracy as it was on main at RELEASE (18.0.1.0.0: every count rule always
on). The test takes it out of git into a folder of its own, creates a database with Odoo's stock
demo data and zh_CN, installs the release with its demo data, fills it through the release's own
API with count sessions, count lines, double-checks, exceptions, reconciliation runs and outbox
messages in every state and policies with values of their own (tests/upgrade_tenant.py), and
records every row the module owns: its tables, its columns on Odoo's tables, its xml ids, its
translations, its sequences and its chatter. Then it upgrades the database to this tree's
module (``-u stock_accuracy``, as a tenant's upgrade does) and compares.

Two kinds of expectations, in their own tests:

- the upgrade keeps everything (same ids, same states, same values of every column the release
  had, same xml ids and translations), whatever the new version is;
- the meaning the new version gives old data (``test_upgrade_keeps_todays_rules_on``): the
  rules 18.0.1.1.0 makes opt-in per warehouse stay on for every upgraded tenant. Adjust these
  when the meaning of a field changes.
"""

import io
import json
import re
import subprocess
import tarfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from harness import odoo
from harness.soap_service import SnapshotService

RELEASE = "2a8847aa45888ed05b415951f14b4153ebcf06ed"
RELEASE_VERSION = "18.0.1.0.0"
TESTS = Path(__file__).resolve().parent

# What the release's data reaches (upgrade_tenant.build): the test refuses to upgrade less.
EXPECTED_STATES = {
    "stock.accuracy.count.state": ["cancel", "done", "draft", "in_progress", "to_approve"],
    "stock.accuracy.count.trigger": ["exception", "manual", "negative", "plan", "zero"],
    "stock.accuracy.count.count_type": ["cycle", "full", "recount", "spot"],
    "stock.accuracy.count.line.state": [
        "cancel",
        "counted",
        "done",
        "recount",
        "to_approve",
        "todo",
    ],
    "stock.accuracy.check.state": ["cancel", "draft", "failed", "in_progress", "passed"],
    "stock.accuracy.check.line.result": ["match", "over", "short", "unexpected"],
    "stock.picking.accuracy_check_state": [
        "failed",
        "in_progress",
        "not_needed",
        "overridden",
        "passed",
        "to_check",
    ],
    "stock.accuracy.exception.state": ["cancelled", "closed", "in_progress", "new", "resolved"],
    "stock.accuracy.sync.run.state": ["done", "error", "running"],
    "stock.accuracy.sync.line.state": [
        "invalid",
        "mismatch",
        "unknown_location",
        "unknown_product",
        "unknown_uom",
    ],
    "stock.accuracy.sync.outbox.state": ["failed", "pending", "sent"],
}

# The snapshot the release reconciles with: one line of each kind of difference.
SNAPSHOT_LINES = [
    {"sku": "SA-C01", "location": "EXT-MAIN", "quantity": 99999, "uom": "Units"},
    {"sku": "SA-C02", "location": "EXT-MAIN", "quantity": 0, "uom": "Units"},
    {"sku": "NO-SUCH-SKU", "location": "EXT-MAIN", "quantity": 9, "uom": "Units"},
    {"sku": "SA-C03", "location": "NOWHERE", "quantity": 5, "uom": "Units"},
    {"sku": "SA-C04", "location": "EXT-MAIN", "quantity": 6, "uom": "Furlongs"},
    {"sku": "SA-C05", "location": "EXT-MAIN", "quantity": None, "uom": "Units"},
]

# Columns an upgrade rewrites on any record it loads from a data file: not part of a record's
# meaning.
VOLATILE_COLUMNS = {"write_uid", "write_date"}
# Columns a migration fills where the release left them empty: (table, column): why.
FILLED_BY_MIGRATION = {
    ("stock_accuracy_sync_outbox", "company_id"): "the backend's company (18.0.1.2.0)",
}

# Values a migration rewrote: (table, column): {the release's value: the value now}.
REWRITTEN_BY_MIGRATION = {
    ("stock_accuracy_backend", "wsdl_url"): {
        "stock_accuracy/static/wsdl/stock_accuracy_sync.wsdl": (
            "stock_accuracy_sync/static/wsdl/stock_accuracy_sync.wsdl"
        ),
    },
}

# Columns a migration renamed: (table, column of the release): its name now.
RENAMED_BY_MIGRATION = {
    ("stock_accuracy_policy", f"tolerance_qty_{abc}"): f"tolerance_percent_{abc}" for abc in "abc"
}
# ... and the xml ids of their fields: release's: now.
RENAMED_XMLIDS = {
    f"field_{table}__{old}": f"field_{table}__{new}"
    for (table, old), new in RENAMED_BY_MIGRATION.items()
}

# Translated columns of the records the module ships (by xml id): (model, table, column).
TRANSLATED = [
    ("ir.ui.menu", "ir_ui_menu", "name"),
    ("ir.actions.act_window", "ir_act_window", "name"),
    ("ir.actions.server", "ir_act_server", "name"),
    ("ir.ui.view", "ir_ui_view", "arch_db"),
    ("res.groups", "res_groups", "name"),
    ("ir.module.category", "ir_module_category", "name"),
    ("ir.model.fields", "ir_model_fields", "field_description"),
    ("ir.model.fields.selection", "ir_model_fields_selection", "name"),
    ("mail.activity.type", "mail_activity_type", "name"),
    ("stock.accuracy.reason", "stock_accuracy_reason", "name"),
    ("stock.accuracy.exception.type", "stock_accuracy_exception_type", "name"),
]


# -- the release ----------------------------------------------------------------------------------
def extract_release(target):
    """stock_accuracy as released, into ``target``/stock_accuracy, from this clone's history."""
    git = ["git", "-C", str(odoo.ROOT)]
    found = subprocess.run(
        [*git, "rev-parse", "--verify", "--quiet", f"{RELEASE}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode:
        shallow = subprocess.run(
            [*git, "rev-parse", "--is-shallow-repository"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        hint = (
            "this clone is shallow: run `git fetch --unshallow`"
            if shallow == "true"
            else "fetch the history of main into this clone"
        )
        pytest.fail(
            f"commit {RELEASE} (stock_accuracy {RELEASE_VERSION}, the release this test "
            f"upgrades from) is not in the git history of {odoo.ROOT}: {hint}. The upgrade "
            "test cannot run without it.",
            pytrace=False,
        )
    archive = subprocess.run(
        [*git, "archive", RELEASE, odoo.MODULE], capture_output=True, check=True
    ).stdout
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    manifest = (target / odoo.MODULE / "__manifest__.py").read_text()
    assert f'"version": "{RELEASE_VERSION}"' in manifest, "the release is not 18.0.1.0.0"
    return target


# -- what the module owns in a database -----------------------------------------------------------
CATALOG_SQL = """
SELECT json_build_object(
    'models', (
        SELECT json_agg(json_build_array(m.model, m.transient))
          FROM ir_model m
          JOIN ir_model_data d
            ON d.model = 'ir.model' AND d.res_id = m.id AND d.module LIKE 'stock\\_accuracy%'
         WHERE m.model LIKE 'stock.accuracy.%'),
    'fields', (
        SELECT json_agg(json_build_array(f.model, f.name, f.ttype, f.relation_table, f.store,
                                         m.transient))
          FROM ir_model_fields f
          JOIN ir_model m ON m.id = f.model_id
          JOIN ir_model_data d
            ON d.model = 'ir.model.fields' AND d.res_id = f.id
           AND d.module LIKE 'stock\\_accuracy%'),
    'tables', (
        SELECT json_agg(table_name)
          FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'))
"""


def query_json(site, db, sql):
    out = site.psql(db, sql)
    return json.loads(out) if out else None


def plan_tables(site, db):
    """{table: {kind, columns, selections}} of every table holding the module's data.

    ``own``: the tables of its models (``stock.accuracy.*``; wizards and SQL views aside),
    ``core``: its columns on Odoo's tables (with their id), ``rel``: the many2many tables of
    its fields, ``derived``: its other tables (the count report's daily totals), compared
    without their serial id."""
    catalog = query_json(site, db, CATALOG_SQL)
    own = dict(catalog["models"])
    tables = set(catalog["tables"])
    wizards = {model.replace(".", "_") for model, transient in own.items() if transient}
    plan = {
        model.replace(".", "_"): {"kind": "own", "selections": ["state"]}
        for model, transient in own.items()
        if not transient and model.replace(".", "_") in tables
    }
    core = defaultdict(lambda: {"kind": "core", "module_columns": [], "selections": []})
    for model, name, ttype, relation, store, transient in catalog["fields"]:
        table = model.replace(".", "_")
        if transient:
            wizards.add(relation)
        elif ttype == "many2many" and relation:
            plan[relation] = {"kind": "rel", "selections": []}
        elif store and ttype != "one2many" and model not in own:
            core[table]["module_columns"].append(name)
        if ttype == "selection" and store and not transient:
            target = plan.get(table) if model in own else core[table]
            if target:
                target["selections"].append(name)
    plan.update(core)
    for table in tables - set(plan) - wizards:
        if table.startswith("stock_accuracy_"):
            plan[table] = {"kind": "derived", "selections": []}
    columns = table_columns(site, db, plan)
    for table, spec in plan.items():
        if spec["kind"] == "core":
            names = ["id", *sorted(set(spec.pop("module_columns")) & set(columns[table]))]
        elif spec["kind"] == "derived":
            names = [name for name in columns[table] if name != "id"]
        else:
            names = [name for name in columns[table] if name not in VOLATILE_COLUMNS]
        spec["columns"] = names
        spec["selections"] = sorted(set(spec["selections"]) & set(names))
    return plan


def table_columns(site, db, tables):
    rows = query_json(
        site,
        db,
        "SELECT json_object_agg(table_name, columns) FROM ("
        " SELECT table_name, json_agg(column_name::text ORDER BY ordinal_position) AS columns"
        "   FROM information_schema.columns"
        "  WHERE table_schema = 'public' AND table_name IN ({})"
        "  GROUP BY table_name) c".format(", ".join(f"'{table}'" for table in tables)),
    )
    return rows or {}


def table_rows(site, db, table, columns, renamed=None):
    """The rows of ``table``; ``renamed`` {column: its name now} reads a renamed column
    under the name it had."""
    renamed = renamed or {}
    select = ", ".join(
        f'"{renamed[name]}" AS "{name}"' if name in renamed else f'"{name}"' for name in columns
    )
    order = "t.id" if "id" in columns else "to_jsonb(t)::text"
    return query_json(
        site,
        db,
        f"SELECT COALESCE(json_agg(to_jsonb(t) ORDER BY {order}), '[]')"
        f' FROM (SELECT {select} FROM "{table}") t',
    )


def translations(site, db):
    """{model:xml id: [md5 of the en_US term, md5 of the zh_CN term]} of the module's records."""
    found = {}
    for model, table, column in TRANSLATED:
        found.update(
            query_json(
                site,
                db,
                "SELECT COALESCE(json_object_agg(d.model || ':' || d.name, json_build_array("
                f" md5(t.{column}->>'en_US'), md5(t.{column}->>'zh_CN'))), '{{}}')"
                f" FROM ir_model_data d JOIN {table} t ON t.id = d.res_id"
                f" WHERE d.module LIKE 'stock\\_accuracy%' AND d.model = '{model}'",
            )
        )
    return found


def sequences(site, db):
    """{id: [code, implementation, number_next, prefix, last value drawn]} of the module's
    sequences (the references of counts, checks and exceptions go on from there)."""
    rows = query_json(
        site,
        db,
        "SELECT COALESCE(json_agg(json_build_array(id, code, implementation, number_next,"
        " prefix) ORDER BY id), '[]') FROM ir_sequence WHERE code LIKE 'stock.accuracy.%'",
    )
    found = {}
    for seq_id, *values in rows:
        if values[1] == "standard":
            values.append(site.psql(db, f"SELECT last_value FROM ir_sequence_{seq_id:03d}"))
        found[str(seq_id)] = values
    return found


CHATTER_SQL = """
SELECT json_build_object(
    'messages', (
        SELECT COALESCE(json_object_agg(model, ids), '{}') FROM (
            SELECT model, json_agg(id ORDER BY id) AS ids FROM mail_message
             WHERE model LIKE 'stock.accuracy.%' GROUP BY model) m),
    'activities', (
        SELECT COALESCE(json_agg(json_build_array(id, res_model, res_id, activity_type_id,
                                                  user_id, date_deadline, summary)
                                 ORDER BY id), '[]')
          FROM mail_activity WHERE res_model LIKE 'stock.accuracy.%'),
    'followers', (
        SELECT COALESCE(json_agg(json_build_array(id, res_model, res_id, partner_id)
                                 ORDER BY id), '[]')
          FROM mail_followers WHERE res_model LIKE 'stock.accuracy.%'))
"""


def snapshot(site, db, plan=None):
    """Everything the module owns in ``db``: the rows of ``plan`` (its own tables, columns,
    relations and totals as the release had them: the plan of the first snapshot is reused
    after the upgrade), xml ids, translations, sequences, chatter and the module's version."""
    plan = plan or plan_tables(site, db)
    present = table_columns(site, db, plan)
    tables, missing = {}, {}
    for table, spec in plan.items():
        here = present.get(table, [])
        renamed = {
            name: RENAMED_BY_MIGRATION[(table, name)]
            for name in spec["columns"]
            if name not in here and RENAMED_BY_MIGRATION.get((table, name)) in here
        }
        gone = [name for name in spec["columns"] if name not in here and name not in renamed]
        if table not in present or gone:
            missing[table] = gone if table in present else "table"
        columns = [name for name in spec["columns"] if name not in gone]
        tables[table] = table_rows(site, db, table, columns, renamed) if table in present else []
    return {
        "plan": plan,
        "tables": tables,
        "missing": missing,
        "xmlids": {
            name: values
            for name, *values in query_json(
                site,
                db,
                "SELECT json_agg(json_build_array(name, model, res_id, noupdate))"
                " FROM ir_model_data WHERE module LIKE 'stock\\_accuracy%'",
            )
        },
        "xmlid_modules": dict(
            query_json(
                site,
                db,
                "SELECT json_agg(json_build_array(model || ':' || name, module))"
                " FROM ir_model_data WHERE module LIKE 'stock\\_accuracy%'",
            )
        ),
        "modules": dict(
            query_json(
                site,
                db,
                "SELECT json_agg(json_build_array(name, state || ' ' || latest_version))"
                " FROM ir_module_module WHERE name LIKE 'stock\\_accuracy%'"
                " AND state != 'uninstalled'",
            )
        ),
        "translations": translations(site, db),
        "sequences": sequences(site, db),
        "chatter": query_json(site, db, CHATTER_SQL),
        "version": site.psql(
            db, "SELECT latest_version FROM ir_module_module WHERE name = 'stock_accuracy'"
        ),
    }


def states(snap, kept=None):
    """{table.column: {value: rows}} of the state-like columns (selections); with ``kept``
    (a snapshot from before), only over the rows that were there before: an upgrade of a
    database with demo data adds the new version's new demo records."""
    found = {}
    for table, spec in snap["plan"].items():
        rows = snap["tables"][table]
        if kept is not None and "id" in spec["columns"]:
            old_ids = {row["id"] for row in kept["tables"][table]}
            rows = [row for row in rows if row["id"] in old_ids]
        for column in spec["selections"]:
            found[f"{table}.{column}"] = dict(Counter(str(row.get(column)) for row in rows))
    return found


# -- the upgrade ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def upgraded(site, tmp_path_factory):
    """The release's tenant before and after its upgrade to this tree's module."""
    work = tmp_path_factory.mktemp("upgrade")
    release_root = extract_release(work / "release")
    release = site.with_config(
        odoo.derive_config(
            site.config, work / "release.conf", addons_path=odoo.addons_path(release_root)
        )
    )
    db = f"upgrade_{uuid.uuid4().hex[:8]}"
    log, upgrade_log = work / "release.log", work / "upgrade.log"
    timings = {}
    try:
        started = time.monotonic()
        odoo.install(
            site.cluster,
            release.config,
            db,
            ["stock"],
            log=log,
            extra_args=["--load-language", "zh_CN"],
        )
        odoo.install(site.cluster, release.config, db, [odoo.MODULE], log=log)
        timings["install"] = time.monotonic() - started
        started = time.monotonic()
        with SnapshotService(lambda page, size: SNAPSHOT_LINES, 1, post_fail_first=1) as service:
            built = release.call(db, "upgrade_tenant.build", service.url)
        timings["build"] = time.monotonic() - started
        before = snapshot(site, db)
        started = time.monotonic()
        returncode = site.odoo_bin(
            "-d",
            db,
            "-u",
            odoo.MODULE,
            "--stop-after-init",
            "--no-http",
            log=upgrade_log,
            check=False,
        )
        timings["upgrade"] = time.monotonic() - started
        upgrade_text = upgrade_log.read_text(errors="replace")
        assert not returncode, f"the upgrade exited with {returncode}:\n{upgrade_text[-4000:]}"
        after = snapshot(site, db, before["plan"])
        started = time.monotonic()
        try:
            probed = site.call(db, "upgrade_tenant.probe")
        except AssertionError as error:  # the tests reading the probe report it
            probed = {"errors": [str(error)[-4000:]]}
        timings["probe"] = time.monotonic() - started
        print(f"upgrade test timings (s): {timings}")
        yield {
            "built": built,
            "before": before,
            "after": after,
            "log": upgrade_text,
            "probe": probed,
        }
    finally:
        site.cluster.dropdb(db)


def test_release_data_reaches_every_state(upgraded):
    built = upgraded["built"]
    missing = {
        key: sorted(set(states_) - set(built.get(key, [])))
        for key, states_ in EXPECTED_STATES.items()
        if set(states_) - set(built.get(key, []))
    }
    assert not missing, f"states the release's data does not reach: {missing}"
    assert not upgraded["before"]["missing"]


def test_upgrade_runs_without_error(upgraded):
    log = upgraded["log"]
    errors = [
        line for line in log.splitlines() if re.search(r" (ERROR|CRITICAL) |^Traceback", line)
    ]
    assert not errors, "\n".join(errors[:20]) + "\n" + log[-3000:]
    manifest = (odoo.ROOT / odoo.MODULE / "__manifest__.py").read_text()
    version = re.search(r'"version": "([^"]+)"', manifest).group(1)
    assert upgraded["before"]["version"] == RELEASE_VERSION
    assert upgraded["after"]["version"] == version


def test_upgrade_keeps_every_record(upgraded):
    """Same tables and columns, same ids, same values in every column the release had (its
    write date aside); the module's relation tables and daily totals keep every row."""
    before, after = upgraded["before"], upgraded["after"]
    assert not after["missing"], f"tables or columns of the release gone: {after['missing']}"
    problems = []
    for table, spec in before["plan"].items():
        old, new = before["tables"][table], after["tables"][table]
        if "id" in spec["columns"]:
            new_by_id = {row["id"]: row for row in new}
            lost = [row["id"] for row in old if row["id"] not in new_by_id]
            if lost:
                problems.append(f"{table}: {len(lost)} rows lost, ids {lost[:10]}")
            for row in old:
                changed = {
                    column: [value, new_by_id[row["id"]].get(column)]
                    for column, value in row.items()
                    if row["id"] in new_by_id
                    and new_by_id[row["id"]].get(column) != value
                    and not (
                        (table, column) in FILLED_BY_MIGRATION
                        and value is None
                        and new_by_id[row["id"]].get(column) is not None
                    )
                    and REWRITTEN_BY_MIGRATION.get((table, column), {}).get(value)
                    != new_by_id[row["id"]].get(column)
                }
                if changed:
                    problems.append(f"{table} id {row['id']}: {changed}")
        else:
            lost = Counter(json.dumps(row, sort_keys=True) for row in old) - Counter(
                json.dumps(row, sort_keys=True) for row in new
            )
            if lost:
                problems.append(f"{table}: rows lost {list(lost)[:5]}")
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:40])


def test_upgrade_keeps_every_state(upgraded):
    """The counts by state of every state-like column (a restatement of the rows above that
    reads like the tenant's dashboards)."""
    before = states(upgraded["before"])
    after = states(upgraded["after"], kept=upgraded["before"])
    assert before["stock_accuracy_count_line.state"]["todo"]
    assert after == before


def test_upgrade_keeps_xml_ids(upgraded):
    before, after = upgraded["before"]["xmlids"], upgraded["after"]["xmlids"]
    after = {old: after[new] for old, new in RENAMED_XMLIDS.items() if new in after} | after
    lost = sorted(name for name in before if name not in after)
    moved = {
        name: [before[name], after[name]]
        for name in before
        if after.get(name, before[name]) != before[name]
    }
    assert not lost, f"xml ids gone: {lost[:30]}"
    assert not moved, f"xml ids pointing elsewhere: {moved}"


def test_upgrade_gives_each_record_to_the_module_that_owns_it_now(upgraded, site):
    """The tenant had one module; upgraded, it has each module of the suite that holds part of
    what it had, installed at the new version, and every xml id of the release is under the
    module where a fresh install of the suite puts it (same record, see the test above)."""
    manifest = (odoo.ROOT / "stock_accuracy_sync" / "__manifest__.py").read_text()
    version = re.search(r'"version": "([^"]+)"', manifest).group(1)
    assert upgraded["after"]["modules"].get("stock_accuracy_sync") == f"installed {version}"
    fresh = dict(
        query_json(
            site,
            site.template,
            "SELECT json_agg(json_build_array(model || ':' || name, module))"
            " FROM ir_model_data WHERE module LIKE 'stock\\_accuracy%'",
        )
    )
    before, after = upgraded["before"]["xmlid_modules"], upgraded["after"]["xmlid_modules"]
    renamed = {
        f"ir.model.fields:{old}": f"ir.model.fields:{new}" for old, new in RENAMED_XMLIDS.items()
    }
    wrong = {
        key: [after.get(renamed.get(key, key)), fresh[renamed.get(key, key)]]
        for key in before
        if renamed.get(key, key) in fresh
        and after.get(renamed.get(key, key)) != fresh[renamed.get(key, key)]
    }
    assert not wrong, f"xml ids under another module than a fresh install's: {wrong}"
    moved = [key for key in before if after.get(renamed.get(key, key)) == "stock_accuracy_sync"]
    assert len(moved) > 50, moved
    # The contract file moved with the module: the backends that named it name it there.
    urls = {row["wsdl_url"] for row in upgraded["after"]["tables"]["stock_accuracy_backend"]}
    contract = "stock_accuracy_sync/static/wsdl/stock_accuracy_sync.wsdl"
    assert contract in urls, urls
    assert not [url for url in urls if url.startswith("stock_accuracy/")], urls
    assert (odoo.ROOT / contract).is_file()


def test_upgrade_keeps_translations(upgraded):
    """Every record of the module translated into zh_CN still is; its translation is the same
    as long as its English term is."""
    before, after = upgraded["before"]["translations"], upgraded["after"]["translations"]
    after = {
        f"ir.model.fields:{old}": after[f"ir.model.fields:{new}"]
        for old, new in RENAMED_XMLIDS.items()
        if f"ir.model.fields:{new}" in after
    } | after
    translated = {key: terms for key, terms in before.items() if terms[1]}
    assert len(translated) > 100, "zh_CN was not loaded with the release"
    lost = sorted(key for key in translated if not after.get(key, [None, None])[1])
    changed = sorted(
        key
        for key, (english, chinese) in translated.items()
        if after.get(key, [None])[0] == english and after[key][1] != chinese
    )
    assert not lost, f"zh_CN terms gone: {lost[:30]}"
    assert not changed, f"zh_CN terms changed under the same English term: {changed[:30]}"


def test_upgrade_keeps_sequences_and_chatter(upgraded):
    before, after = upgraded["before"], upgraded["after"]
    assert after["sequences"] == before["sequences"]
    chatter_before, chatter_after = before["chatter"], after["chatter"]
    lost = {
        model: sorted(set(ids) - set(chatter_after["messages"].get(model, [])))
        for model, ids in chatter_before["messages"].items()
        if set(ids) - set(chatter_after["messages"].get(model, []))
    }
    assert not lost, f"messages gone: {lost}"
    assert chatter_before["activities"], "the release's data has no activity"
    assert chatter_after["activities"] == chatter_before["activities"]
    assert set(map(tuple, chatter_before["followers"])) <= set(
        map(tuple, chatter_after["followers"])
    )


def test_upgraded_warehouse_still_applies_count_rules(upgraded):
    """In the upgraded main warehouse, counts typed in the Physical Inventory screen over
    tolerance still need a reason and then an approval; a locked full count still stops the
    stock of its location, one whose lock was lifted does not."""
    probe = upgraded["probe"]
    assert not probe["errors"], probe["errors"]
    assert probe["physical_inventory"] == {
        "without_reason": "stock.accuracy.reason.wizard",
        "over": ["to_approve"],
        "within": ["done"],
        "book_kept": True,
    }
    assert probe["locked_cage"] == "refused"
    assert probe["lifted_cage"] == "done"


# -- the meaning of old data in 18.0.1.1.0 ---------------------------------------------------------
# Before 18.0.1.1.0 the count rules were always on; the new version makes them opt-in per
# warehouse and its migration must keep them on for every upgraded tenant.
UPGRADED_POLICY = {
    "apply_count_rules": True,
    "lock_full_counts": True,
    "tolerance_abs_qty_a": 0.0,
    "tolerance_abs_qty_b": 0.0,
    "tolerance_abs_qty_c": 0.0,
}
UPGRADED_POLICY_KEPT = ("spot_on_negative", "spot_on_zero")
UPGRADED_COMPANY = {
    "accuracy_default_apply_count_rules": True,
    "accuracy_default_lock_full_counts": True,
    "accuracy_default_spot_on_negative": True,
    "accuracy_default_spot_on_zero": True,
}


def test_upgrade_keeps_todays_rules_on(upgraded):
    """Every policy the release had applies the count rules and locks full counts, keeps its
    spot-count switches and has no absolute tolerance; every company gives new warehouses the
    rules of today."""
    probe = upgraded["probe"]
    assert "policy_fields" in probe, probe["errors"]
    missing = sorted(
        (set(UPGRADED_POLICY) | set(UPGRADED_POLICY_KEPT)) - set(probe["policy_fields"])
    ) + sorted(set(UPGRADED_COMPANY) - set(probe["company_fields"]))
    assert not missing, (
        f"fields of 18.0.1.1.0 missing after the upgrade: {missing} (is the new version in "
        "this tree?)"
    )
    old_policies = upgraded["before"]["tables"]["stock_accuracy_policy"]
    assert any(not row["active"] for row in old_policies), "no archived policy in the data"
    assert any(not row["spot_on_negative"] for row in old_policies)
    wrong = {}
    for old in old_policies:
        expected = dict(UPGRADED_POLICY, **{name: old[name] for name in UPGRADED_POLICY_KEPT})
        found = probe["policies"].get(str(old["id"]))
        if found != expected:
            wrong[f"policy {old['id']}"] = {"expected": expected, "found": found}
    companies = upgraded["before"]["tables"]["res_company"]
    for old in companies:
        found = probe["companies"].get(str(old["id"]))
        if found != UPGRADED_COMPANY:
            wrong[f"company {old['id']}"] = {"expected": UPGRADED_COMPANY, "found": found}
    assert not wrong, json.dumps(wrong, indent=1)


def test_upgrade_seals_the_finished_history(upgraded):
    """18.0.1.2.0 seals the release's finished count lines, checks and inventory adjustments
    once, and their verification finds them intact."""
    history = upgraded["probe"].get("history")
    assert history, upgraded["probe"]["errors"]
    assert all(history["finished"].values()), history
    assert history["sealed"] == history["finished"], history
    assert history["intact"], history["message"]


def test_upgrade_gives_count_posts_their_backend_company(upgraded):
    """The release queued count posts without a company; the migration gives each the
    company of its backend, so that the company's managers see them."""
    after = upgraded["after"]["tables"]
    backends = {row["id"]: row["company_id"] for row in after["stock_accuracy_backend"]}
    posts = after["stock_accuracy_sync_outbox"]
    assert posts, "the release's tenant queued count posts"
    assert all(post["company_id"] == backends[post["backend_id"]] for post in posts)


def test_upgrade_asks_a_new_check_of_a_pass_that_certified_nothing(upgraded):
    """A check that passed under the release recorded no certificate: the transfer it passed,
    not validated at the upgrade, waits for a new check, and validating it is refused."""
    found = upgraded["probe"].get("passed_before_upgrade")
    assert isinstance(found, dict), (found, upgraded["probe"]["errors"])
    assert found["check_state"] == "to_check", found
    assert found["outcome"] == "refused", found
    assert found["picking"] in found["message"], found
