from . import stock_accuracy_check_report
from . import stock_accuracy_count_report
from . import stock_accuracy_exception_report
from . import stock_accuracy_pareto_report
