"""Registers each area's router on the API. Add one line per area."""

import importlib

from inspection.api import api

AREAS = [
    # (module, prefix); a module that does not exist yet is skipped
    ("inspection.api.townships", "/townships"),
    ("inspection.api.inspections", "/inspections"),
    ("inspection.api.draws", "/draws"),
    ("inspection.api.notices", "/notices"),
    ("inspection.api.ledger", "/ledger"),
    ("inspection.api.verify", "/verify"),
]

for module_name, prefix in AREAS:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    api.add_router(prefix, module.router)
