"""A consultant's life with the module in a tenant database: install on data, upgrade, uninstall."""

import pytest

from harness import odoo


def test_installed_module_leaves_physical_inventory_to_odoo_until_turned_on(site, tenant):
    """Installed into a populated tenant, nothing changes until a rule is turned on."""
    assert site.call(tenant, "odoo_tasks.physical_inventory_as_odoo") == "OPT-IN-OK"


def test_module_installed_on_top_of_existing_stock(site):
    db = site.template
    assert odoo.module_state(site.cluster, db, odoo.MODULE) == "installed"
    done_moves = int(site.psql(db, "SELECT count(*) FROM stock_move WHERE state = 'done'"))
    quants = int(site.psql(db, "SELECT count(*) FROM stock_quant"))
    moves_before_install = site.psql(
        db,
        "SELECT count(*) FROM stock_move WHERE state = 'done' AND create_date <"
        " (SELECT min(create_date) FROM ir_model_data WHERE module = 'stock_accuracy')",
    )
    assert done_moves > 0 and quants > 0
    assert int(moves_before_install) > 0
    # The SQL the module keeps besides its models: the index the export reads count lines by,
    # the count report's daily totals and the three triggers keeping them.
    indexes = "SELECT count(*) FROM pg_indexes WHERE indexname IN"
    indexes += (
        " ('stock_accuracy_count_line_counted_on_index', 'stock_accuracy_count_report_day_key')"
    )
    assert site.psql(db, indexes) == "2"
    triggers = (
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'stock_accuracy_count_line'::regclass"
    )
    triggers += " AND tgname LIKE 'stock\\_accuracy\\_count\\_report\\_day\\_%'"
    assert site.psql(db, triggers) == "3"


def test_upgrade_keeps_settings_and_data(site, tenant, tmp_path):
    site.psql(tenant, "UPDATE res_company SET accuracy_dead_stock_days = 99")
    before = site.psql(tenant, XMLIDS_BY_MODULE)
    log = tmp_path / "upgrade.log"
    modules = ",".join(odoo.MODULES)
    site.odoo_bin("-d", tenant, "-u", modules, "--stop-after-init", "--no-http", log=log)
    text = log.read_text()
    assert " ERROR " not in text and " CRITICAL " not in text, text[-3000:]
    for module in odoo.MODULES:
        assert odoo.module_state(site.cluster, tenant, module) == "installed", module
    assert site.psql(tenant, "SELECT accuracy_dead_stock_days FROM res_company LIMIT 1") == "99"
    after = site.psql(tenant, XMLIDS_BY_MODULE)
    assert before == after
    assert len(before.split(",")) == len(odoo.MODULES) - 1  # the suite module has none


XMLIDS_BY_MODULE = (
    "SELECT string_agg(module || ' ' || n, ',' ORDER BY module) FROM"
    " (SELECT module, count(*) n FROM ir_model_data WHERE module LIKE 'stock\\_accuracy%'"
    " GROUP BY module) t"
)

GONE = {
    "stock_accuracy_sync": {
        "tables": "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        " AND (table_name LIKE 'stock\\_accuracy\\_sync\\_%'"
        " OR table_name LIKE 'stock\\_accuracy\\_backend%')",
        "xml ids": "SELECT count(*) FROM ir_model_data WHERE module = 'stock_accuracy_sync'",
        "menus": "SELECT count(*) FROM ir_ui_menu WHERE name->>'en_US' = 'External Systems'",
        "crons": "SELECT count(*) FROM ir_cron c JOIN ir_act_server a"
        " ON a.id = c.ir_actions_server_id WHERE a.code LIKE '%model._cron_sync()%'",
    },
    "stock_accuracy_kpi": {
        "tables": "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        " AND (table_name LIKE 'stock\\_accuracy\\_kpi\\_%'"
        " OR table_name LIKE 'stock\\_accuracy\\_%\\_report%')",
        "xml ids": "SELECT count(*) FROM ir_model_data WHERE module = 'stock_accuracy_kpi'",
        "menus": "SELECT count(*) FROM ir_ui_menu WHERE name->>'en_US' = 'Overview'"
        " AND parent_id IN (SELECT id FROM ir_ui_menu WHERE name->>'en_US' = 'Accuracy')",
        "functions and triggers": "SELECT (SELECT count(*) FROM pg_proc"
        " WHERE proname LIKE 'stock\\_accuracy\\_%') + (SELECT count(*) FROM pg_trigger"
        " WHERE tgname LIKE 'stock\\_accuracy\\_%')",
    },
}


@pytest.mark.parametrize("module", sorted(GONE))
def test_an_add_on_uninstalls_alone_and_the_base_keeps_working(site, tenant, tmp_path, module):
    """A tenant drops one add-on: its tables, menus, crons and SQL go, the rest of the suite
    stays installed and works; installing it again brings it back."""
    gone = GONE[module]
    exceptions = site.psql(tenant, "SELECT count(*) FROM stock_accuracy_exception")
    site.call(tenant, "odoo_tasks.uninstall", [module])
    output = site.last_output
    assert " ERROR " not in output, output[-3000:]
    assert odoo.module_state(site.cluster, tenant, module) == "uninstalled"
    assert odoo.module_state(site.cluster, tenant, "stock_accuracy") == "installed"
    found = {name: site.psql(tenant, sql) for name, sql in gone.items()}
    assert found == dict.fromkeys(gone, "0"), found
    assert site.psql(tenant, "SELECT count(*) FROM stock_accuracy_exception") == exceptions
    assert site.call(tenant, "odoo_tasks.physical_inventory_as_odoo") == "OPT-IN-OK"
    odoo.install(site.cluster, site.config, tenant, [module], log=tmp_path / "again.log")
    assert site.psql(tenant, gone["menus"]) == "1"


def test_uninstall_leaves_inventory_working(site, tenant, tmp_path):
    site.call(tenant, "odoo_tasks.uninstall", ["stock_accuracy"])
    output = site.last_output
    assert " ERROR " not in output, output[-3000:]
    for module in odoo.MODULES:
        assert odoo.module_state(site.cluster, tenant, module) == "uninstalled", module
    leftovers = {
        "xml ids": "SELECT count(*) FROM ir_model_data WHERE module LIKE 'stock\\_accuracy%'"
        " AND module != 'stock_accuracy_demo_parked'"
        " AND model NOT IN ('ir.model', 'ir.model.fields')",
        "menus": "SELECT count(*) FROM ir_ui_menu WHERE name->>'en_US' = 'Accuracy'",
        "views": "SELECT count(*) FROM ir_ui_view WHERE arch_db::text LIKE '%accuracy_%'",
        "crons": "SELECT count(*) FROM ir_cron c"
        " JOIN ir_act_server a ON a.id = c.ir_actions_server_id WHERE a.code LIKE '%accuracy%'",
        "columns": "SELECT count(*) FROM information_schema.columns"
        " WHERE column_name LIKE 'accuracy\\_%' AND table_schema = 'public'",
        "tables": "SELECT count(*) FROM information_schema.tables"
        " WHERE table_name LIKE 'stock\\_accuracy\\_%' AND table_schema = 'public'",
        "functions and triggers": "SELECT (SELECT count(*) FROM pg_proc"
        " WHERE proname LIKE 'stock\\_accuracy\\_%') + (SELECT count(*) FROM pg_trigger"
        " WHERE tgname LIKE 'stock\\_accuracy\\_%')",
        "groups": "SELECT count(*) FROM res_groups g JOIN ir_module_category c"
        " ON c.id = g.category_id WHERE c.name->>'en_US' = 'Inventory Accuracy'",
    }
    found = {name: site.psql(tenant, sql) for name, sql in leftovers.items()}
    assert found == dict.fromkeys(leftovers, "0"), found
    assert site.call(tenant, "odoo_tasks.inventory_still_works") == "INVENTORY-OK"
    # Demo products and the demo warehouse have stock history: they stay, as ordinary data.
    kept = site.psql(tenant, "SELECT count(*) FROM product_template WHERE default_code LIKE 'SA-%'")
    assert int(kept) >= 40


def test_reinstall_after_uninstall(site, tenant, tmp_path):
    site.call(tenant, "odoo_tasks.uninstall", ["stock_accuracy"])
    log = tmp_path / "reinstall.log"
    odoo.install(site.cluster, site.config, tenant, [odoo.SUITE], log=log)
    for module in odoo.MODULES:
        assert odoo.module_state(site.cluster, tenant, module) == "installed", module
