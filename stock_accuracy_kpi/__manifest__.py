# Copyright 2026 stock_accuracy authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Inventory Accuracy: KPIs",
    "summary": "Accuracy KPIs reviewed monthly: reports, variance Pareto, monthly snapshots, "
    "the overview dashboard and the Excel export",
    "version": "18.0.2.0.0",
    "category": "Inventory/Inventory",
    "website": "https://github.com/stock-accuracy/stock_accuracy",
    "author": "stock_accuracy authors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["stock_accuracy"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/ir.model.access.csv",
        "security/stock_accuracy_kpi_security.xml",
        "data/ir_cron_data.xml",
        "report/stock_accuracy_count_report_views.xml",
        "report/stock_accuracy_check_report_views.xml",
        "report/stock_accuracy_exception_report_views.xml",
        "report/stock_accuracy_pareto_report_views.xml",
        "views/stock_accuracy_kpi_snapshot_views.xml",
        "views/stock_accuracy_kpi_dashboard_views.xml",
        "wizards/stock_accuracy_kpi_export_wizard_views.xml",
        "views/stock_accuracy_kpi_menus.xml",
    ],
    "uninstall_hook": "uninstall_hook",
    "assets": {
        "web.assets_backend": [
            "stock_accuracy_kpi/static/src/**/*",
        ],
        "web.assets_tests": [
            "stock_accuracy_kpi/static/tests/tours/*.js",
        ],
    },
}
