"""18.0.1.2.0 seals the finished history (count lines, double-checks, inventory adjustments).

The history finished before the upgrade is sealed once, here, in id order: from now on a change
to it is detected, but what was changed before the upgrade cannot be (see USAGE, "Tamper-evident
history")."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["stock.accuracy.history.seal"]._seal_existing_history()
