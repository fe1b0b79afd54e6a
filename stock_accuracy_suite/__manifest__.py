# Copyright 2026 stock_accuracy authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Inventory Accuracy: the Whole Suite",
    "summary": "Installs every Inventory Accuracy module at once; tests them together",
    "version": "18.0.2.0.0",
    "category": "Inventory/Inventory",
    "website": "https://github.com/stock-accuracy/stock_accuracy",
    "author": "stock_accuracy authors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["stock_accuracy", "stock_accuracy_kpi", "stock_accuracy_sync"],
}
