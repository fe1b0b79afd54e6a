from . import stock_accuracy_kpi_export_wizard
