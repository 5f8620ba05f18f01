"""The accountability ledger page (commission, observer): filters, pages, the XLSX export link.

The rows come from the escalation area's ledger function; nothing here recomputes them.
"""

from django.shortcuts import render

from inspection.models import Role
from inspection.web.common import role_view


def rows_for(request, *, township=None):
    return None


@role_view(Role.COMMISSION, Role.OBSERVER)
def ledger_page(request):
    return render(request, "web/ledger.html", {"section": "ledger", "page": None})
