from . import stock_accuracy_plan_wizard
from . import stock_accuracy_plan_wizard_line
from . import stock_accuracy_full_count_wizard
from . import stock_accuracy_check_override
from . import stock_accuracy_reason_wizard
