"""The accountability ledger page (commission, observer): filters, pages, the XLSX export link.

The rows come from inspection.services.ledger (the escalation area's); nothing here recomputes
them. The export is the API's (`/api/v1/ledger?format=xlsx`), with the same township and
official filters.
"""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from inspection.access import visible_officials, visible_townships
from inspection.models import Role
from inspection.services.ledger import KIND_LABELS, ledger_entries
from inspection.web.common import Page, role_view


def rows_for(request, *, township):
    """A township's ledger entries, newest first, one page of them (param `lp`)."""
    entries = ledger_entries(county=request.profile.county, township=township)
    return Page(request, list(reversed(entries)), param="lp", per_page=10)


def official_history_for(request, *, post):
    """The record a township's current official brought from earlier posts (调任): the ledger follows the
    person, so the page of their new township shows it; entries of this township are in its own ledger."""
    if post is None:
        return None
    entries = [e for e in ledger_entries(county=request.profile.county, official=post.official)
               if e.township_code != post.township.code]
    return Page(request, list(reversed(entries)), param="hp", per_page=10) if entries else None


@role_view(Role.COMMISSION, Role.OBSERVER)
def ledger_page(request):
    county = request.profile.county
    townships = list(visible_townships(request.user).order_by("code").only("id", "code", "name"))
    officials = list(visible_officials(request.user).order_by("name", "id").only("id", "name"))
    township = official = None
    code = request.GET.get("township", "")
    if code:
        township = next((t for t in townships if t.code == code), None)
        if township is None:
            raise Http404
    official_id = request.GET.get("official", "")
    if official_id:
        official = next((o for o in officials if str(o.id) == official_id), None)
        if official is None:
            raise Http404
    kind = request.GET.get("kind", "")
    entries = ledger_entries(county=county, official=official, township=township)
    counts = {k: sum(1 for e in entries if e.kind == k) for k in KIND_LABELS}
    if kind in KIND_LABELS:
        entries = [e for e in entries if e.kind == kind]
    export = {"format": "xlsx"}
    if township:
        export["township"] = township.code
    if official:
        export["official"] = official.id
    context = {
        "section": "ledger",
        "page": Page(request, list(reversed(entries))),
        "townships": townships,
        "officials": officials,
        "kinds": list(KIND_LABELS.items()),
        "counts": [(k, label, counts[k]) for k, label in KIND_LABELS.items()],
        "township": township,
        "official": official,
        "kind": kind if kind in KIND_LABELS else "",
        "export_url": reverse("api:ledger") + "?" + urlencode(export),
    }
    return render(request, "web/ledger.html", context)
