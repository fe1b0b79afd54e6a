"""18.0.2.0.0: stock_accuracy becomes a suite of modules.

What moved out of stock_accuracy (:data:`MOVED_MODELS`) still lives in the tenant's database:
its tables, its rows and the records that describe it (models, fields and their selection
values, access rights, record rules, views, actions, menus, crons, SQL constraints and many2many
tables). Before stock_accuracy loads its new, smaller data, this migration gives each of those
records to the module that owns it now, and marks that module to be upgraded from the version
the tenant had, so that the same run loads it: nothing is deleted and recreated, every id, xml
id, translation and access right stays as it was.
"""

from odoo.tools import SQL

# The models each module of the suite took from stock_accuracy in 18.0.2.0.0.
MOVED_MODELS = {
    "stock_accuracy_sync": (
        "stock.accuracy.backend",
        "stock.accuracy.backend.product",
        "stock.accuracy.backend.location",
        "stock.accuracy.sync.run",
        "stock.accuracy.sync.line",
        "stock.accuracy.sync.outbox",
    ),
    "stock_accuracy_kpi": (
        "stock.accuracy.count.report",
        "stock.accuracy.check.report",
        "stock.accuracy.exception.report",
        "stock.accuracy.pareto.report",
        "stock.accuracy.kpi.snapshot",
        "stock.accuracy.kpi.export.wizard",
    ),
}
# Records that moved and that no model describes (client actions and their menus).
MOVED_XMLIDS = {
    "stock_accuracy_kpi": ("action_accuracy_kpi_dashboard", "menu_accuracy_kpi_dashboard"),
}
# Files that moved with a module, as stored in the tenant's records: (table, column, old, new).
MOVED_PATHS = [
    (
        "stock_accuracy_backend",
        "wsdl_url",
        "stock_accuracy/static/wsdl/stock_accuracy_sync.wsdl",
        "stock_accuracy_sync/static/wsdl/stock_accuracy_sync.wsdl",
    ),
]

# The records that describe a model, found from the model: (their model, SQL of their ids
# given the ids of the moved ir.model rows as %(model_ids)s and their names as %(models)s).
DESCRIBING = [
    ("ir.model", "SELECT id FROM ir_model WHERE id IN %(model_ids)s"),
    ("ir.model.fields", "SELECT id FROM ir_model_fields WHERE model_id IN %(model_ids)s"),
    (
        "ir.model.fields.selection",
        (
            "SELECT s.id FROM ir_model_fields_selection s"
            " JOIN ir_model_fields f ON f.id = s.field_id WHERE f.model_id IN %(model_ids)s"
        ),
    ),
    ("ir.model.constraint", "SELECT id FROM ir_model_constraint WHERE model IN %(model_ids)s"),
    ("ir.model.access", "SELECT id FROM ir_model_access WHERE model_id IN %(model_ids)s"),
    ("ir.rule", "SELECT id FROM ir_rule WHERE model_id IN %(model_ids)s"),
    ("ir.ui.view", "SELECT id FROM ir_ui_view WHERE model IN %(models)s"),
    ("ir.actions.act_window", "SELECT id FROM ir_act_window WHERE res_model IN %(models)s"),
    ("ir.actions.server", "SELECT id FROM ir_act_server WHERE model_id IN %(model_ids)s"),
    (
        "ir.cron",
        (
            "SELECT c.id FROM ir_cron c JOIN ir_act_server s ON s.id = c.ir_actions_server_id"
            " WHERE s.model_id IN %(model_ids)s"
        ),
    ),
    (
        "ir.ui.menu",
        (
            "SELECT m.id FROM ir_ui_menu m JOIN ir_act_window w"
            " ON m.action = 'ir.actions.act_window,' || w.id WHERE w.res_model IN %(models)s"
        ),
    ),
]


def migrate(cr, version):
    if not version:
        return
    for module, models in MOVED_MODELS.items():
        move_models(cr, "stock_accuracy", module, models, version)
    for module, names in MOVED_XMLIDS.items():
        cr.execute(
            "UPDATE ir_model_data SET module = %s WHERE module = 'stock_accuracy' AND name IN %s",
            [module, names],
        )
    for table, column, old, new in MOVED_PATHS:
        cr.execute(
            SQL(
                "UPDATE %(table)s SET %(column)s = %(new)s WHERE %(column)s = %(old)s",
                table=SQL.identifier(table),
                column=SQL.identifier(column),
                new=new,
                old=old,
            )
        )


def move_models(cr, source, target, models, version):
    """Give ``target`` the records of ``source`` that describe ``models``, and mark ``target``
    to be upgraded from ``version`` (it is installed: its data is there)."""
    cr.execute("SELECT id FROM ir_model WHERE model IN %s", [tuple(models)])
    model_ids = tuple(row[0] for row in cr.fetchall())
    if not model_ids:
        return
    cr.execute("SELECT id FROM ir_module_module WHERE name = %s", [target])
    if not cr.rowcount:
        raise RuntimeError(f"module {target} is not in the addons path: it holds {models}")
    params = {"model_ids": model_ids, "models": tuple(models)}
    for model, ids_sql in DESCRIBING:
        cr.execute(
            f"UPDATE ir_model_data SET module = %(target)s"
            f" WHERE module = %(source)s AND model = %(model)s AND res_id IN ({ids_sql})",
            dict(params, target=target, source=source, model=model),
        )
    for table in ("ir_model_constraint", "ir_model_relation"):
        cr.execute(
            SQL(
                """
                UPDATE %(table)s
                   SET module = (SELECT id FROM ir_module_module WHERE name = %(target)s)
                 WHERE module = (SELECT id FROM ir_module_module WHERE name = %(source)s)
                   AND model IN %(model_ids)s
                """,
                table=SQL.identifier(table),
                target=target,
                source=source,
                model_ids=model_ids,
            )
        )
    cr.execute(
        """
        UPDATE ir_module_module
           SET state = 'to upgrade', latest_version = %s
         WHERE name = %s AND state IN ('uninstalled', 'to install')
        """,
        [version, target],
    )
