"""Every op-spec row, gathered from one module per op family."""

from __future__ import annotations

import importlib
import pkgutil

from ..opspec import OpSpec

SPECS: list[OpSpec] = []
for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    SPECS.extend(importlib.import_module(f"{__name__}.{_info.name}").SPECS)
