from . import test_rpc_attacks
from . import test_export_privacy
