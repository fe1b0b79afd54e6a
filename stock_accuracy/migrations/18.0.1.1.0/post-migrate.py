"""18.0.1.1.0 makes the rules that change Odoo's flows opt-in per warehouse.

Before it, every warehouse applied Physical Inventory through the count rules, locked its
full counts, and new warehouses got the same. An upgraded tenant keeps exactly that: its
existing policies and its companies' defaults for new warehouses are turned on. (The spot-count
switches existed before and keep their values.)"""


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE stock_accuracy_policy SET apply_count_rules = TRUE, lock_full_counts = TRUE")
    cr.execute(
        """
        UPDATE res_company
           SET accuracy_default_apply_count_rules = TRUE,
               accuracy_default_lock_full_counts = TRUE,
               accuracy_default_spot_on_negative = TRUE,
               accuracy_default_spot_on_zero = TRUE
        """
    )
