from . import stock_accuracy_demo
