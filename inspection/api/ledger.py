"""The accountability ledger (DESIGN.md §4): commission and observer; JSON or XLSX."""

from typing import Literal, get_type_hints
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import create_model

from inspection.access import ledger_county, visible_officials, visible_townships
from inspection.errors import NotFound
from inspection.services.audit import record_event
from inspection.services.ledger import LedgerEntry, ledger_entries, ledger_summary, ledger_xlsx

router = Router(tags=["ledger"])

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LedgerFilter(Schema):
    official: int | None = None
    township: str | None = None
    format: Literal["json", "xlsx"] = "json"


# The entry's fields are the service's LedgerEntry, one definition for the JSON and the workbook.
EntryOut = create_model(
    "EntryOut", __base__=Schema, **{name: (hint, ...) for name, hint in get_type_hints(LedgerEntry).items()}
)


class CountsOut(Schema):
    summons: int
    key_management: int
    overdue: int
    referral: int


class PostOut(Schema):
    township: str
    township_name: str
    title: str


class LedgerOfficialOut(Schema):
    id: int
    name: str
    current_post: PostOut | None
    counts: CountsOut


class TownshipSummaryOut(Schema):
    code: str
    name: str
    level: str
    level_label: str
    key_managed: bool
    counts: CountsOut


class LedgerOut(Schema):
    county: str
    generated_at: str
    entries: list[EntryOut]
    officials: list[LedgerOfficialOut]
    townships: list[TownshipSummaryOut]


@router.get("", response=LedgerOut, url_name="ledger", openapi_extra={
    "responses": {"200": {"description": "问责台账（JSON，或 ?format=xlsx 时为 Excel 文件）", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/LedgerOut"}},
        XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}})
def ledger(request, filters: Query[LedgerFilter]):
    county = ledger_county(request.auth)
    official = township = None
    if filters.official is not None:
        official = visible_officials(request.auth).filter(pk=filters.official).first()
        if official is None:
            raise NotFound("未找到该负责人")
    if filters.township is not None:
        township = visible_townships(request.auth).filter(code=filters.township).first()
        if township is None:
            raise NotFound("未找到该乡镇（街道）")
    entries = ledger_entries(county=county, official=official, township=township)
    if filters.format == "xlsx":
        record_event(
            "ledger.exported",
            actor=request.auth,
            county=county,
            data={"entries": len(entries), "official": filters.official, "township": filters.township},
        )
        name = f"{county.name}问责台账{timezone.localdate().isoformat()}.xlsx"
        response = HttpResponse(ledger_xlsx(county=county, entries=entries), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f"attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''{quote(name)}"
        return response
    return {
        "county": county.code,
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "entries": [e.as_dict() for e in entries],
        **ledger_summary(county=county, entries=entries),
    }
