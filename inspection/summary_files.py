"""The summary (情况汇总) as files: a PDF through the one renderer (a plain report layout,
`templates/notices/report_summary.html.j2`) and an XLSX workbook through `inspection.spreadsheets`.
Both are built from the `QuarterSummary` the page shows, so the three never disagree."""

from __future__ import annotations

from django.utils import timezone

from inspection.models import County
from inspection.notices.renderer import render_report
from inspection.spreadsheets import XLSX_TYPE, sheet_table, workbook_bytes
from inspection.summaries import QuarterSummary, span_text

__all__ = ["XLSX_TYPE", "summary_pdf", "summary_title", "summary_xlsx"]


def summary_title(county: County, summary: QuarterSummary) -> str:
    return f"{county.name}{summary.label}未成年人保护工作暗查暗访情况汇总"


def _mean(value) -> str:
    return "—" if value is None else f"{value:.1f}"


def _compliance_rows(summary: QuarterSummary) -> list[dict]:
    table = summary.compliance
    if not (table.get("current") and table["current"].get("visits")):
        return []
    return [{"position": r["position"], "area": r["area"], "text": r["text"], **{
        k: r["cells"][-1][k] for k in ("estimate", "low", "high")}} for r in table["rows"]]


def summary_pdf(*, county: County, summary: QuarterSummary) -> bytes:
    most = max((m["findings"] for m in summary.by_month), default=0) or 1
    context = {
        "title": summary_title(county, summary),
        "county": county.name,
        "first": summary.first,
        "last": summary.last,
        "visits": summary.visits,
        "findings": summary.findings,
        "mean_score": _mean(summary.mean_score),
        "by_area": summary.by_area,
        "by_township": [{**r, "mean": _mean(r["mean"])} for r in summary.by_township],
        "by_month": [{**m, "share": round(100 * m["findings"] / most)} for m in summary.by_month],
        "compliance": _compliance_rows(summary),
        "generated": timezone.localdate(),
    }
    return render_report("report_summary.html.j2", context)


def summary_xlsx(*, county: County, summary: QuarterSummary) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    title = summary_title(county, summary)
    period = f"（{span_text(summary.first, summary.last)}）"
    sheets = [
        ("按检查领域", [("检查领域", 28), ("一般", 8), ("较重", 8), ("严重", 8), ("合计", 8)],
         [[r["area"], r["minor"], r["major"], r["critical"], r["total"]] for r in summary.by_area]),
        ("按乡镇", [("乡镇（街道）", 20), ("暗查次数", 10), ("问题数", 10), ("其中较重及以上", 16), ("平均得分", 10)],
         [[r["name"], r["visits"], r["findings"], r["serious"], None if r["mean"] is None else round(r["mean"], 1)]
          for r in summary.by_township]),
        ("按月趋势", [("月份", 14), ("暗查次数", 10), ("问题数", 10), ("其中较重及以上", 16)],
         [[m["label"], m["visits"], m["findings"], m["serious"]] for m in summary.by_month]),
        ("达标率估计", [("序号", 6), ("检查领域", 20), ("检查内容", 60), ("估计达标率", 12), ("置信区间下限", 14),
                   ("置信区间上限", 14)],
         [[r["position"], r["area"], r["text"], r["estimate"], r["low"], r["high"]] for r in _compliance_rows(summary)]),
    ]
    for index, (name, columns, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet_table(sheet, title=name, heading=f"{title}{period}（{name}）", columns=columns, rows=rows)
    return workbook_bytes(book)
