"""The accountability ledger (问责台账): per official and per township, read from the decisions.

Every summons with its warning, key-management period, overdue rectification and referral, with
its dates and document number. An entry belongs to the official who held the township's post on
the day (the `Decision.official` the escalation service recorded), so a person keeps their record
when they move to another post, and a newcomer does not inherit their predecessor's.

    ledger_entries(county=, official=None, township=None) -> list[LedgerEntry]   oldest first
    ledger_summary(county=, entries=)  -> {"officials": [...], "townships": [...]}
    ledger_xlsx(county=, entries=)     -> bytes of an .xlsx workbook (three sheets)

Read-only; the web page and the API both call these, nothing recomputes them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import NamedTuple

from django.db.models import Prefetch, Q
from django.db.models.fields.json import KT

import privacy
from inspection.models import County, Decision, Notice, Official, Post, Rectification, Township
from inspection.spreadsheets import sheet_table, workbook_bytes
from scoring import RULES, DecisionKind, Level

KIND_LABELS = {
    "summons": "约谈、预警",
    "key_management": "纳入重点管理",
    "overdue": "整改逾期",
    "referral": "问责建议",
}
KINDS = tuple(KIND_LABELS)


@dataclass(frozen=True)
class LedgerEntry:
    kind: str  # summons | key_management | overdue | referral
    label: str
    date: date
    end_date: date | None  # key management: its exit; overdue: the day it was accepted
    due_on: date | None  # overdue: the missed deadline; summons: the deadline it set
    township_code: str
    township_name: str
    official_id: int | None
    official_name: str
    post: str
    notice_id: int | None
    number: str | None  # the document number once issued
    notice_state: str | None
    rule: str
    rule_title: str
    reason: str
    decision_id: int

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("date", "end_date", "due_on"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def _post_title(official_id, township_id, on: date, posts) -> str:
    for post in posts.get((official_id, township_id), ()):
        if post.started_on <= on and (post.ended_on is None or post.ended_on >= on):
            return post.title
    rows = posts.get((official_id, township_id))
    return rows[-1].title if rows else ""


class _Notice(NamedTuple):
    pk: int
    state: str
    number_text: str
    due_on: date | None


def _number(notice: _Notice | None) -> str | None:
    if notice is None or notice.state in (Notice.State.DRAFT, Notice.State.VOID):
        return None
    return notice.number_text or None


class _Decision(NamedTuple):
    """What the ledger reads of a decision, its township, official and notice: one row of one
    statement (`_decisions`), not four model instances (a year of the largest county is ~2,000
    decisions, read on every ledger page and every official's page)."""

    id: int
    kind: str
    township_id: int
    official_id: int | None
    effective_on: date
    notice_kind: str | None  # details["notice"]: which letter a notice decision sent
    rule: str
    reason: str
    inspection_id: int | None
    township_code: str
    township_name: str
    official_name: str | None
    notice: _Notice | None


class _Rectification(NamedTuple):
    due_on: date
    accepted_on: date | None
    notice: _Notice | None


NOTICE_FIELDS = tuple(f"notice__{name}" for name in _Notice._fields)  # a decision's or rectification's letter


def _notice(values) -> _Notice | None:
    return None if values[0] is None else _Notice(*values)


def ledger_entries(*, county: County, official: Official | None = None, township: Township | None = None) -> list[LedgerEntry]:
    rows = _decisions(county, township, official)
    posts = _posts(county)
    # An overdue entry reads its visit's rectification; one official's need only theirs.
    overdue = {r.inspection_id for r in rows if r.kind == DecisionKind.REMINDER.value} if official else None
    rects = _rectifications(county, township, overdue)
    exits: dict[int, list[_Decision]] = {}
    for row in rows:
        if row.kind == DecisionKind.KEY_MANAGEMENT_EXITED.value:
            exits.setdefault(row.township_id, []).append(row)
    entries = []
    for row in rows:
        what = _classify(row, exits, rects)
        if what is None or (official is not None and row.official_id != official.pk):
            continue
        entries.append(_entry(row, *what, posts))
    return entries


def _decisions(county: County, township: Township | None, official: Official | None = None) -> list[_Decision]:
    """The decisions that can make ledger entries, oldest first. For one official, theirs and every
    key-management exit (an exit ends an entry whoever held the post by then); the others could only
    be skipped, and reading them made a township page read the county's whole history."""
    wanted = [
        DecisionKind.NOTICE.value,
        DecisionKind.KEY_MANAGEMENT_ENTERED.value,
        DecisionKind.KEY_MANAGEMENT_EXITED.value,
        DecisionKind.REMINDER.value,
    ]
    rows = Decision.objects.filter(township__county=county, kind__in=wanted).order_by("effective_on", "id")
    if township is not None:
        rows = rows.filter(township=township)
    if official is not None:
        rows = rows.filter(Q(official=official) | Q(kind=DecisionKind.KEY_MANAGEMENT_EXITED.value))
    # Only the notice's kind of the details: the rest is the decision's record, not the ledger's.
    rows = rows.annotate(notice_kind=KT("details__notice")).values_list(
        "id", "kind", "township_id", "official_id", "effective_on", "notice_kind", "rule", "reason", "inspection_id",
        "township__code", "township__name", "official__name", *NOTICE_FIELDS)
    cut = len(_Decision._fields) - 1
    return [_Decision(*row[:cut], _notice(row[cut:])) for row in rows]


def _posts(county: County) -> dict[tuple[int, int], list[Post]]:
    """Every post of the county by (official, township), oldest first."""
    posts: dict[tuple[int, int], list[Post]] = {}
    for post in Post.objects.filter(township__county=county).order_by("started_on"):
        posts.setdefault((post.official_id, post.township_id), []).append(post)
    return posts


def _rectifications(county: County, township: Township | None, inspections: set[int] | None = None
                    ) -> dict[int, _Rectification]:
    """The rectifications that follow an inspection, by inspection (only those of `inspections`, if given)."""
    rect_rows = Rectification.objects.filter(township__county=county, inspection__isnull=False)
    if township is not None:
        rect_rows = rect_rows.filter(township=township)
    if inspections is not None:
        rect_rows = rect_rows.filter(inspection_id__in=inspections)
    return {row[0]: _Rectification(row[1], row[2], _notice(row[3:])) for row in rect_rows.values_list(
        "inspection_id", "due_on", "accepted_on", *NOTICE_FIELDS)}


def _classify(row: _Decision, exits, rects) -> tuple[str, date | None, date | None, _Notice | None] | None:
    """(kind, end date, due date, notice) of the ledger entry a decision makes, or None when it makes none."""
    notice = row.notice
    end = due = None
    if row.kind == DecisionKind.NOTICE.value:
        kind = {"summons": "summons", "referral": "referral"}.get(row.notice_kind)
        if kind is None or (notice is not None and notice.state == Notice.State.VOID):
            return None
        due = notice.due_on if notice else None
    elif row.kind == DecisionKind.KEY_MANAGEMENT_ENTERED.value:
        kind = "key_management"
        later = [e for e in exits.get(row.township_id, ()) if (e.effective_on, e.id) >= (row.effective_on, row.id)]
        end = later[0].effective_on if later else None
    elif row.kind == DecisionKind.REMINDER.value:
        kind = "overdue"
        rect = rects.get(row.inspection_id)
        if rect is not None:
            due, end, notice = rect.due_on, rect.accepted_on, rect.notice
    else:
        return None
    return kind, end, due, notice


def _entry(row: _Decision, kind: str, end: date | None, due: date | None, notice: _Notice | None, posts) -> LedgerEntry:
    return LedgerEntry(
        kind=kind,
        label=KIND_LABELS[kind],
        date=row.effective_on,
        end_date=end,
        due_on=due,
        township_code=row.township_code,
        township_name=row.township_name,
        official_id=row.official_id,
        official_name=row.official_name or "",
        post=_post_title(row.official_id, row.township_id, row.effective_on, posts) if row.official_id else "",
        notice_id=notice.pk if notice else None,
        number=_number(notice),
        notice_state=notice.state if notice else None,
        rule=row.rule,
        rule_title=RULES.get(row.rule, row.rule),
        reason=privacy.mask(row.reason),  # rows written before reasons were masked
        decision_id=row.id,
    )


def _counts(entries) -> dict[str, int]:
    return {kind: sum(1 for e in entries if e.kind == kind) for kind in KINDS}


def ledger_summary(*, county: County, entries: list[LedgerEntry]) -> dict:
    by_official: dict[int, list[LedgerEntry]] = {}
    by_township: dict[str, list[LedgerEntry]] = {}
    for e in entries:
        if e.official_id is not None:
            by_official.setdefault(e.official_id, []).append(e)
        by_township.setdefault(e.township_code, []).append(e)
    officials = []
    current = Prefetch("posts", queryset=Post.objects.filter(ended_on__isnull=True).select_related("township"),
                       to_attr="current_posts")
    for official in Official.objects.filter(pk__in=by_official).prefetch_related(current).order_by("name", "pk"):
        post = official.current_posts[0] if official.current_posts else None  # one query, not one per official
        officials.append(
            {
                "id": official.pk,
                "name": official.name,
                "current_post": {"township": post.township.code, "township_name": post.township.name, "title": post.title}
                if post
                else None,
                "counts": _counts(by_official[official.pk]),
            }
        )
    townships = []
    for township in Township.objects.filter(county=county, code__in=by_township).order_by("code"):
        townships.append(
            {
                "code": township.code,
                "name": township.name,
                "level": township.level,
                "level_label": Level(township.level).label,
                "key_managed": township.key_managed,
                "counts": _counts(by_township[township.code]),
            }
        )
    return {"officials": officials, "townships": townships}


COLUMNS = [
    ("序号", 6),
    ("日期", 12),
    ("事项", 14),
    ("乡镇（街道）", 18),
    ("负责人", 10),
    ("职务", 14),
    ("文号", 26),
    ("整改期限", 12),
    ("结束日期", 12),
    ("依据规则", 26),
    ("事由", 80),
]


def _row(n: int, e: LedgerEntry) -> list:
    return [
        n,
        e.date,
        e.label,
        e.township_name,
        e.official_name,
        e.post,
        e.number or ("（草稿）" if e.notice_state == Notice.State.DRAFT else ""),
        e.due_on,
        e.end_date,
        e.rule_title,
        e.reason,
    ]


def ledger_xlsx(*, county: County, entries: list[LedgerEntry]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheets = [
        ("问责台账", sorted(entries, key=lambda e: (e.date, e.decision_id))),
        ("按负责人", sorted(entries, key=lambda e: (e.official_name, e.official_id or 0, e.date, e.decision_id))),
        ("按乡镇", sorted(entries, key=lambda e: (e.township_code, e.date, e.decision_id))),
    ]
    for index, (title, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet_table(sheet, title=title, heading=f"{county.name}未成年人保护工作暗查暗访问责台账（{title}）",
                    columns=COLUMNS, rows=(_row(n, e) for n, e in enumerate(rows, start=1)), wrap_last=True)
    return workbook_bytes(book)
