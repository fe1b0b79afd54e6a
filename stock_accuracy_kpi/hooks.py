"""Uninstall hook: the SQL the module keeps besides its models."""

from .report.stock_accuracy_count_report import DAY_FUNCTION, DAY_TABLE


def uninstall_hook(env):
    # The count report's daily totals are SQL of its own (a table and the trigger function
    # keeping it): Odoo does not know them, so they go here.
    env.cr.execute(f"DROP TABLE IF EXISTS {DAY_TABLE} CASCADE")
    env.cr.execute(f"DROP FUNCTION IF EXISTS {DAY_FUNCTION}() CASCADE")
    # The index the double-check KPIs read checked lines by is on the base module's table.
    env.cr.execute("DROP INDEX IF EXISTS stock_accuracy_check_line_checked_on_index")
