# Copyright 2026 stock_accuracy authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Inventory Accuracy: SOAP Reconciliation",
    "summary": "Reconcile Odoo's stock with external systems over SOAP and post counts to them",
    "version": "18.0.2.0.0",
    "category": "Inventory/Inventory",
    "website": "https://github.com/stock-accuracy/stock_accuracy",
    "author": "stock_accuracy authors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["stock_accuracy"],
    "external_dependencies": {"python": ["zeep"]},
    "data": [
        "security/ir.model.access.csv",
        "security/stock_accuracy_sync_security.xml",
        "data/ir_cron_data.xml",
        "views/stock_accuracy_backend_views.xml",
        "views/stock_accuracy_sync_run_views.xml",
        "views/stock_accuracy_sync_outbox_views.xml",
        "views/stock_accuracy_sync_menus.xml",
    ],
}
