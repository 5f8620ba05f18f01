"""The workbooks and tables the county downloads (问责台账, 情况汇总, 暗查和问题清单): one way to
lay out a sheet, and one rule for cells a spreadsheet would run.

A cell that begins with = + - @ (or a tab or carriage return) is a formula to Excel and WPS, so a
finding that reads "=HYPERLINK(...)" would run on the commission's machine: `safe_cell` prefixes
such text with an apostrophe, which the spreadsheet shows as text. Every cell of every export goes
through it (openpyxl would also store such a string as a formula).

    sheet_table(sheet, title=, heading=, columns=[(name, width)], rows=iterable, wrap_last=False)
    workbook_bytes(book) -> bytes
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def sheet_table(sheet, *, title: str, heading: str, columns: list[tuple[str, int]], rows: Iterable[list],
                wrap_last: bool = False) -> None:
    """A heading line, a bold header row, then the rows; column widths, dates as dates, the header frozen."""
    from openpyxl.styles import Alignment, Font

    sheet.title = title
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([name for name, _ in columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    for i, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=2, column=i).column_letter].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
        if wrap_last:
            row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"


def workbook_bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
