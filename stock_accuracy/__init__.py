from . import controllers
from . import demo
from . import models
from . import wizards
from .hooks import pre_init_hook, uninstall_hook
