"""情况汇总 (commission, observer): problems by checklist area, by township and by month, and the
county-wide compliance estimate, for a quarter (`?quarter=2026-Q4`, the default), a month
(`?month=2026-11`) or a chosen period (`?from=2026-10-01&to=2026-11-30`); each as a page, a PDF
and an XLSX workbook. The numbers come from `inspection.summaries`, the files from
`inspection.summary_files`; each download is put on the audit record."""

from urllib.parse import quote, urlencode

from django.http import HttpResponse
from django.shortcuts import render

from inspection.errors import Unprocessable
from inspection.models import Role
from inspection.services.exports import record_export
from inspection.summaries import (
    month_span,
    period_span,
    period_summary,
    quarter_of,
    quarter_span,
    shift_quarter,
)
from inspection.summary_files import XLSX_TYPE, summary_pdf, summary_xlsx
from inspection.web.common import role_view, today


def chosen_period(params, day) -> tuple:
    """(first, last, quarter code or "") of what the query asks for; a bad value is Unprocessable."""
    if params.get("from") or params.get("to"):
        first, last = period_span(params.get("from", ""), params.get("to", ""))
        return first, last, ""
    if params.get("month"):
        first, last = month_span(params["month"])
        return first, last, ""
    quarter = params.get("quarter") or quarter_of(day)
    first, last = quarter_span(quarter)
    return first, last, quarter


def _query(params) -> str:
    keep = {k: params[k] for k in ("quarter", "month", "from", "to") if params.get(k)}
    return urlencode(keep)


def _summary(request):
    day = today()
    first, last, quarter = chosen_period(request.GET, day)
    summary = period_summary(user=request.user, county=request.profile.county, first=first, last=last,
                             today=day, quarter=quarter)
    return summary, day


@role_view(Role.COMMISSION, Role.OBSERVER)
def summary_page(request):
    current = quarter_of(today())
    try:
        summary, _day = _summary(request)
    except Unprocessable as exc:
        context = {"section": "summary", "error": exc.detail, "current": current, "params": request.GET}
        return render(request, "web/summary.html", context, status=400)
    quarter = summary.quarter
    context = {
        "section": "summary",
        "summary": summary,
        "current": current,
        "params": request.GET,
        "query": _query(request.GET) or urlencode({"quarter": quarter}),
        "previous": shift_quarter(quarter, -1) if quarter else None,
        "next": shift_quarter(quarter, 1) if quarter and quarter < current else None,
    }
    return render(request, "web/summary.html", context)


def _download(request, kind: str):
    try:
        summary, _day = _summary(request)
    except Unprocessable as exc:
        context = {"section": "summary", "error": exc.detail, "current": quarter_of(today()), "params": request.GET}
        return render(request, "web/summary.html", context, status=400)
    county = request.profile.county
    record_export(user=request.user, county=county, what="summary", fmt=kind, first=summary.first, last=summary.last)
    if kind == "pdf":
        body, content_type = summary_pdf(county=county, summary=summary), "application/pdf"
    else:
        body, content_type = summary_xlsx(county=county, summary=summary), XLSX_TYPE
    name = f"{county.name}{summary.label}暗查暗访情况汇总.{kind}"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"summary.{kind}\"; filename*=UTF-8''{quote(name)}"
    return response


@role_view(Role.COMMISSION, Role.OBSERVER)
def summary_pdf_download(request):
    return _download(request, "pdf")


@role_view(Role.COMMISSION, Role.OBSERVER)
def summary_xlsx_download(request):
    return _download(request, "xlsx")
