from . import test_sync_reconcile
