# Copyright 2026 stock_accuracy authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Inventory Accuracy",
    "summary": "Make book inventory match physical inventory and keep it that way: "
    "double-check, ABC cycle counts, reason codes, exceptions, KPIs",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "website": "https://github.com/stock-accuracy/stock_accuracy",
    "author": "stock_accuracy authors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["stock", "barcodes", "mail"],
    "external_dependencies": {"python": ["xlsxwriter", "zeep"]},
    "data": [
        "security/stock_accuracy_security.xml",
        "security/ir.model.access.csv",
        "data/mail_activity_type_data.xml",
        "data/stock_accuracy_exception_type_data.xml",
        "data/stock_accuracy_reason_data.xml",
        "data/ir_cron_data.xml",
        "views/res_config_settings_views.xml",
        "views/stock_accuracy_exception_views.xml",
        "views/stock_accuracy_exception_type_views.xml",
        "views/stock_accuracy_exception_rule_views.xml",
        "views/stock_accuracy_reason_views.xml",
        "views/stock_warehouse_views.xml",
        "views/stock_location_views.xml",
        "views/stock_picking_views.xml",
        "views/product_template_views.xml",
        "views/stock_accuracy_backend_views.xml",
        "views/stock_accuracy_sync_run_views.xml",
        "views/stock_accuracy_sync_outbox_views.xml",
        "views/stock_accuracy_menus.xml",
    ],
    "pre_init_hook": "pre_init_hook",
    "uninstall_hook": "uninstall_hook",
    "assets": {
        "web.assets_tests": [
            "stock_accuracy/static/tests/tours/*.js",
        ],
    },
    "demo": [
        "demo/stock_accuracy_demo.xml",
    ],
}
