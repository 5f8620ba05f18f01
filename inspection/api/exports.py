"""Lists of inspections and findings (暗查清单, 问题清单) as CSV or XLSX: commission and observer.

    GET /api/v1/exports/inspections?from=2026-10-01&to=2026-12-31[&township=CODE][&format=csv|xlsx]
    GET /api/v1/exports/findings?...

Without from and to, the current quarter. A bad period or format is 422 `{"detail": ...}`, a
township the caller does not see 404. The rows come from `inspection.export_rows`."""

from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from inspection.access import ledger_county
from inspection.export_rows import export_request, export_response
from inspection.summaries import quarter_of, quarter_span

router = Router(tags=["exports"])


class ExportFilter(Schema):
    first: str = Field("", alias="from", max_length=10)
    last: str = Field("", alias="to", max_length=10)
    township: str | None = Field(None, max_length=12)
    format: Literal["csv", "xlsx"] = "csv"


def _export(request, what: str, filters: ExportFilter):
    county = ledger_county(request.auth)
    first, last = filters.first, filters.last
    if not first and not last:
        start, end = quarter_span(quarter_of(timezone.localdate()))
        first, last = start.isoformat(), end.isoformat()
    req = export_request(request.auth, what=what, fmt=filters.format, first=first, last=last,
                         township=filters.township)
    return export_response(request.auth, county, req)


FILE = {"responses": {"200": {"description": "CSV（UTF-8，带BOM）或Excel表格", "content": {
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}}}}}}


@router.get("/inspections", url_name="export_inspections", openapi_extra=FILE)
def export_inspections(request, filters: Query[ExportFilter]):
    return _export(request, "inspections", filters)


@router.get("/findings", url_name="export_findings", openapi_extra=FILE)
def export_findings(request, filters: Query[ExportFilter]):
    return _export(request, "findings", filters)
