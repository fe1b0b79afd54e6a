from . import stock_accuracy_kpi_snapshot
