"""导出暗查和问题清单 (commission, observer): choose a period, a township and a list, download it
as CSV or an Excel workbook. The rows, the file and the audit record are `inspection.export_rows`'s,
the same the API (`/api/v1/exports/...`) returns."""

from django.shortcuts import render

from inspection.access import visible_townships
from inspection.errors import InspectionError
from inspection.export_rows import KINDS, export_request, export_response
from inspection.models import Role
from inspection.summaries import quarter_of, quarter_span
from inspection.web.common import role_view, today
from inspection.web.summary import chosen_period


def _defaults(params) -> dict:
    """The form's period: the one the summary page passed on, else the current quarter."""
    try:
        first, last, _quarter = chosen_period(params, today())
    except InspectionError:
        first, last = quarter_span(quarter_of(today()))
    return {"from": first.isoformat(), "to": last.isoformat()}


@role_view(Role.COMMISSION, Role.OBSERVER)
def export_page(request):
    context = {
        "section": "summary",
        "values": {**_defaults(request.GET), "township": request.GET.get("township", "")},
        "townships": list(visible_townships(request.user).order_by("code").values_list("code", "name")),
        "kinds": list(KINDS.items()),
    }
    return render(request, "web/exports.html", context)


@role_view(Role.COMMISSION, Role.OBSERVER)
def export_download(request):
    params = request.GET
    try:
        req = export_request(request.user, what=params.get("what", ""), fmt=params.get("format", ""),
                             first=params.get("from", ""), last=params.get("to", ""),
                             township=params.get("township") or None)
    except InspectionError as exc:
        context = {
            "section": "summary",
            "error": exc.detail,
            "values": {k: params.get(k, "") for k in ("from", "to", "township", "what", "format")},
            "townships": list(visible_townships(request.user).order_by("code").values_list("code", "name")),
            "kinds": list(KINDS.items()),
        }
        return render(request, "web/exports.html", context, status=exc.status if exc.status != 404 else 400)
    return export_response(request.user, request.profile.county, req)
