from . import stock_accuracy_backend
from . import stock_accuracy_backend_product
from . import stock_accuracy_backend_location
from . import stock_accuracy_sync_run
from . import stock_accuracy_sync_line
from . import stock_accuracy_sync_outbox
from . import stock_accuracy_exception
