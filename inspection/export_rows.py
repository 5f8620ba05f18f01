"""Lists of inspections and findings for download (暗查清单, 问题清单): CSV (UTF-8 with a BOM, so
Excel opens it as Chinese) and XLSX, for the commission and the observer.

Read only. What a reader gets is what `access.visible_visits` lets them see (never a planned visit
of a sealed week; the observer only submitted ones), filtered by period and township. Each list is
one query read in chunks (`iterator`), and the files are written as the rows arrive (CSV streamed
to the client, XLSX in openpyxl's write-only mode into a spooled temporary file), so a large county
is never held in memory. Every free text goes through `privacy.mask` and every cell through
`spreadsheets.safe_cell`. Mandatory-report cases are never findings, so they never appear.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

import privacy
from inspection.access import visible_townships, visible_visits
from inspection.errors import NotFound, Unprocessable
from inspection.models import Finding, Inspection, Severity
from inspection.spreadsheets import XLSX_TYPE, safe_cell
from inspection.summaries import period_span, span_text

CHUNK = 2000
KINDS = {"inspections": "暗查清单", "findings": "问题清单"}
FORMATS = ("csv", "xlsx")

INSPECTION_COLUMNS = [("编号", 8), ("检查日期", 12), ("乡镇（街道）", 18), ("类别", 10), ("状态", 10), ("得分", 8),
                      ("问题数", 8), ("其中较重及以上", 14), ("提交时间", 18)]
FINDING_COLUMNS = [("问题编号", 10), ("暗查编号", 10), ("检查日期", 12), ("乡镇（街道）", 18), ("检查领域", 18),
                   ("检查内容", 40), ("严重程度", 10), ("问题描述", 60), ("地点", 20), ("发现时间", 18),
                   ("更正说明", 40)]


@dataclass(frozen=True)
class ExportRequest:
    what: str
    fmt: str
    first: date
    last: date
    township_code: str | None
    township_name: str | None

    @property
    def title(self) -> str:
        where = self.township_name or ""
        return f"{where}{KINDS[self.what]}（{span_text(self.first, self.last)}）"


def export_request(user, *, what: str, fmt: str, first: str, last: str, township: str | None) -> ExportRequest:
    """Checks what was asked, in words: an unknown list or format, a bad period, a township the
    reader does not see (NotFound, as everywhere)."""
    if what not in KINDS:
        raise Unprocessable("请选择导出暗查清单或问题清单")
    if fmt not in FORMATS:
        raise Unprocessable("导出格式应为CSV或Excel表格")
    start, end = period_span(first, last)
    name = None
    if township:
        name = visible_townships(user).filter(code=township).values_list("name", flat=True).first()
        if name is None:
            raise NotFound("未找到该乡镇（街道）")
    return ExportRequest(what, fmt, start, end, township or None, name)


def _visits(user, req: ExportRequest):
    visits = visible_visits(user).filter(date__range=(req.first, req.last))
    if req.township_code:
        visits = visits.filter(township__code=req.township_code)
    return visits


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def inspection_rows(user, req: ExportRequest) -> Iterator[list]:
    counted = Q(findings__corrections__isnull=True)
    rows = (_visits(user, req)
            .annotate(n=Count("findings", filter=counted),
                      serious=Count("findings", filter=counted & ~Q(findings__severity=Severity.MINOR)))
            .values_list("id", "date", "township__name", "kind", "status", "score", "n", "serious", "submitted_at")
            .order_by("date", "id"))
    kinds, states = dict(Inspection.Kind.choices), dict(Inspection.Status.choices)
    for pk, day, township, kind, status, score, n, serious, submitted in rows.iterator(chunk_size=CHUNK):
        yield [pk, day, township, str(kinds.get(kind, kind)), str(states.get(status, status)), score,
               n, serious, _local(submitted)]


def finding_rows(user, req: ExportRequest) -> Iterator[list]:
    findings = (Finding.objects.filter(inspection__in=_visits(user, req), corrections__isnull=True)
                .values_list("id", "inspection_id", "inspection__date", "inspection__township__name", "item__area",
                             "item__text", "severity", "text", "location", "observed_at", "corrects_id",
                             "correction_reason")
                .order_by("inspection__date", "inspection_id", "id"))
    severities = dict(Severity.choices)
    for (pk, visit, day, township, area, item, severity, text, location, observed, corrects,
         reason) in findings.iterator(chunk_size=CHUNK):
        note = f"更正第{corrects}号问题：{privacy.mask(reason)}" if corrects else ""
        yield [pk, visit, day, township, area or "其他问题", item or "", str(severities.get(severity, severity)),
               privacy.mask(text), privacy.mask(location), _local(observed), note]


def columns_of(req: ExportRequest) -> list[tuple[str, int]]:
    return INSPECTION_COLUMNS if req.what == "inspections" else FINDING_COLUMNS


def rows_of(user, req: ExportRequest) -> Iterator[list]:
    return inspection_rows(user, req) if req.what == "inspections" else finding_rows(user, req)


class _Line:
    """csv.writer writes into this; each row is handed on as it is written."""

    def write(self, text: str) -> str:
        return text


def _csv_value(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(safe_cell(value))


def csv_stream(user, req: ExportRequest) -> Iterator[bytes]:
    """The BOM, the header, then one encoded line per row as the query yields it."""
    writer = csv.writer(_Line())
    yield "\ufeff".encode()
    yield writer.writerow([name for name, _ in columns_of(req)]).encode()
    for row in rows_of(user, req):
        yield writer.writerow([_csv_value(v) for v in row]).encode()


def xlsx_file(user, req: ExportRequest, *, county_name: str):
    """A spooled temporary file holding the workbook (write-only mode: rows are not kept)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(KINDS[req.what])
    columns = columns_of(req)
    for i, (_, width) in enumerate(columns):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.freeze_panes = "A3"
    heading = WriteOnlyCell(sheet, value=f"{county_name}{req.title}")
    heading.font = Font(bold=True, size=14)
    sheet.append([heading])
    sheet.append([_bold(sheet, name) for name, _ in columns])
    for row in rows_of(user, req):
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - the response closes it
    book.save(out)
    out.seek(0)
    return out


def _bold(sheet, value):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if hasattr(value, "hour"):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return safe_cell(value)


def export_response(user, county, req: ExportRequest):
    """The download both the web page and the API return, its taking put on the audit record first."""
    from urllib.parse import quote

    from django.http import FileResponse, StreamingHttpResponse

    from inspection.services.exports import record_export

    record_export(user=user, county=county, what=req.what, fmt=req.fmt, first=req.first, last=req.last,
                  township=req.township_code)
    name = f"{county.name}{req.title}.{req.fmt}"
    if req.fmt == "csv":
        response = StreamingHttpResponse(csv_stream(user, req), content_type="text/csv; charset=utf-8")
    else:
        response = FileResponse(xlsx_file(user, req, county_name=county.name), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename=\"{req.what}.{req.fmt}\"; filename*=UTF-8''{quote(name)}"
    return response
