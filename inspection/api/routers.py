"""Registers each area's router on the API: one line per area."""

from inspection.api import api, draws, inspections, ledger, notices, townships, verify

api.add_router("/townships", townships.router)
api.add_router("/inspections", inspections.router)
api.add_router("/draws", draws.router)
api.add_router("/notices", notices.router)
api.add_router("/ledger", ledger.router)
api.add_router("/verify", verify.router)
