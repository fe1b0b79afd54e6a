from . import test_kpi
from . import test_kpi_export
from . import test_kpi_report_totals
from . import test_kpi_tour
