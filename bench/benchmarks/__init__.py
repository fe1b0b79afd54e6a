"""Every module in this package is a benchmark topic exposing run(ctx); see bench/README.md."""

import importlib
import pkgutil


def discover():
    """The benchmark modules, in name order (dataset first: it reports what the others use)."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.ispkg)
    names.sort(key=lambda name: (name != "dataset", name))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]
