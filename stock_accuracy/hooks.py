"""Install and uninstall hooks.

Demo records that have stock history (products, their categories, the demo company and its
warehouse) cannot be deleted when the module is uninstalled. Instead of letting Odoo fail on
them, the uninstall hook parks their external ids under a module name of their own, so they
stay as ordinary data; a later install picks them up again and updates them instead of
creating duplicates.
"""

PARKED_MODULE = "stock_accuracy_demo_parked"
KEPT_MODELS = (
    "product.template",
    "product.product",
    "product.category",
    "stock.warehouse",
    "res.company",
)


def pre_init_hook(env):
    env.cr.execute(
        "UPDATE ir_model_data SET module = 'stock_accuracy' WHERE module = %s",
        [PARKED_MODULE],
    )


def uninstall_hook(env):
    env.cr.execute(
        """
        UPDATE ir_model_data SET module = %s
         WHERE module = 'stock_accuracy' AND model IN %s
        """,
        [PARKED_MODULE, KEPT_MODELS],
    )
