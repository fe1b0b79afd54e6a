from . import stock_accuracy_check_override
