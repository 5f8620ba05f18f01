"""The frozen snapshot a notice is rendered from, per kind, and its validation.

At issue time the service copies everything a letter says onto the notice as one JSON
object; the PDF is rendered from that object only, so re-rendering a notice years later
prints the same letter even if townships, people or rules have changed since.  The number
and the verification code are not part of the snapshot: they are passed to the renderer
beside it (a draft has neither).

Keys are strict: an unknown key is an error, so nothing (a child's name, say) can ride
along into a letter unnoticed; the free text that may quote a finding (a finding's text and
place, a problem's text, grounds, a suggestion) is masked by ``privacy.mask`` as it is validated.
``Opt`` keys may be absent or null and are filled with None.  The pydantic models below are the schema; this text is its only description.
``schema`` is the version: a change of shape gets a new number and models of its own, so
snapshots frozen under an older version still validate and render.  Snapshots are composed
from plain values by ``inspection.notices.compose``.  Dates are ISO ``YYYY-MM-DD`` strings, times ``YYYY-MM-DDTHH:MM`` (Asia/Shanghai
wall-clock time, as printed).

Common to every kind::

    schema        1
    kind          "rectification" | "summons" | "referral" | "circular"
    authority     {name: 发文机关全称 (署名, 印发机关), mark: 发文机关标志 (红头, e.g. "…办公室文件")}
    title         标题
    addressee     主送机关, without the colon
    township      {code, name} of the recipient township; null for a circular
    date          成文日期
    copy_to       [抄送机关]              (may be empty: no 抄送 line)
    printed_by    印发机关
    printed_date  印发日期
    attachments   [附件名称]              (may be empty: no 附件 note; only the names in ANNEXES,
                                           each appended to the letter on its own page)
    contact       Opt {name, phone}       (联系人)

rectification (整改通知书)::

    inspection    {date, team, score, checklist_version}
    findings      [FINDING, ...]  (at least one)
    deadline      整改期限 (date)
    requirements  [整改要求]

summons (约谈通知书, with the warning and the key-management decision)::

    inspection    {date, team, score, checklist_version}
    findings      [FINDING, ...]  (the findings behind the summons)
    grounds       [突出问题认定依据]  (e.g. "存在严重问题1项", "得分52分，低于60分")
    official      {name, post}    (被约谈人)
    meeting       {start: time, place, host: 约谈人, attendees: [参加人员], bring: [需携带材料]}
    warning       预警内容
    key_management {start: date, ratio: 抽取权重倍数, min_weeks, follow_up: 回头看安排}
    requirements  [有关要求]
    rectification Opt {deadline: date, requirements: [整改要求]}   (MERGED below)
    covers        Opt ["rectification" | "summons"]                 (MERGED below)

referral (问责建议函, to the discipline commission)::

    official      {name, post}
    grounds       [问责事由]
    history       [{date, event, number: Opt 文号}]   (the escalation so far)
    findings      [FINDING, ...]
    suggestion    问责建议
    rectification Opt, covers Opt  (MERGED below)

MERGED (issue 15): one letter per township and event. When one event (a submitted inspection,
a day's sweep) calls for several letters, the highest (summons < referral) is drafted and
carries the lower ones: ``covers`` names the kinds it stands for, ``rectification`` the
整改要求 and the due date of a rectification notice it replaces. Both are absent in letters
drafted before, and in a letter that stands for itself alone.

circular (暗查暗访情况通报, weekly; townships named, never a child)::

    week          {iso: "2026-W49", label: "2026年第49周", start: date, end: date}
    summary       {inspections, townships, findings, critical, major, average_score}
    inspections   [{rank, township: {code, name}, date, team, score, findings, major, critical}]
    problems      [{township: name, area, severity, text}]
    requirements  [下步工作要求]
    compliance    Opt {period, weeks, visits, rows: [{position, area, text, estimate, low, high}],
                       others, others_lowest}
                  (the period's estimate so far, lowest items first, shares 0..1; issue 16)

transfer (强制报告线索移送函, to the police, civil affairs or education department; kept with
the mandatory-report case, never a township's notice; the child only as described)::

    township      null
    report        {what: 线索情况, location: 发现地点, discovered_at: time, child: 未成年人情况描述,
                   reported_by: 报告人, agency: 接收单位}
    requirements  [有关要求]

FINDING::

    {area: 检查领域, item: Opt 检查项目, severity: "minor" | "major" | "critical",
     text: 问题描述, location: Opt 地点, observed_at: Opt 发现时间}
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictInt,
    TypeAdapter,
    ValidationError,
)

import privacy
from scoring import NoticeKind, Severity

# From the one vocabulary (scoring.vocabulary): the kinds that have a letter template, and the labels.
# transfer is no NoticeKind: it never enters the ladder, so scoring does not know it.
TRANSFER = "transfer"
KINDS = tuple(k.value for k in NoticeKind if k is not NoticeKind.REMINDER) + (TRANSFER,)
KIND_LABELS = {k.value: k.label for k in NoticeKind} | {TRANSFER: "强制报告线索移送函"}
SEVERITIES = tuple(s.value for s in Severity)
SEVERITY_LABELS = {s.value: s.label for s in Severity}
SCHEMA_VERSION = 1
# The 附件 a letter can announce, each appended by the renderer from the snapshot itself
# (templates/notices/_annex.html.j2): an announced 附件 always follows the letter.
ANNEXES = {"暗查暗访问题清单": "problem_list", "暗查暗访及整改情况汇总表": "case_summary"}


class SnapshotError(ValueError):
    """A snapshot that does not match its kind's schema; the message names the path."""


def _iso_date(value: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None
    return value


def _wall_clock(value: str) -> str:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected a time YYYY-MM-DDTHH:MM, got {value!r}") from None
    if parsed.tzinfo is not None:
        raise ValueError("give the wall-clock time without a zone")
    return value


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("expected a number")
    return value


def _known_version(value: int) -> int:
    if value != SCHEMA_VERSION:
        raise ValueError(f"expected schema version {SCHEMA_VERSION}, got {value!r}")
    return value


# Dates and times stay the ISO strings they were frozen as: checked, never converted.
Date = Annotated[str, AfterValidator(_iso_date)]
DateTime = Annotated[str, AfterValidator(_wall_clock)]
Number = Annotated[int | float, PlainValidator(_number)]
# Free text that may quote a finding: frozen masked (张某某, 138****5678), so no letter carries a
# child's name, ID number or a family's phone, whoever composed it. The finding keeps the full text.
Masked = Annotated[str, AfterValidator(privacy.mask)]
Severity = Literal["minor", "major", "critical"]
Annex = Literal[tuple(ANNEXES)]


class _Strict(BaseModel):
    # strict: no coercion (a number is not text, true is not 1); forbid: nothing rides along.
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class Authority(_Strict):
    name: str
    mark: str


class Township(_Strict):
    code: str
    name: str


class Contact(_Strict):
    name: str
    phone: str


class Person(_Strict):
    name: str
    post: str


class InspectionFacts(_Strict):
    date: Date
    team: str
    score: Number
    checklist_version: str


class FindingFacts(_Strict):
    area: str
    item: str | None = None
    severity: Severity
    text: Masked
    location: Masked | None = None
    observed_at: str | None = None


class _Letter(_Strict):
    """The header every kind shares (版头, 主送, 成文日期, 版记)."""

    version: Annotated[StrictInt, AfterValidator(_known_version)] = Field(alias="schema")
    kind: str  # each kind's model narrows it
    authority: Authority
    title: str
    addressee: str
    township: Township
    date: Date
    copy_to: list[str]
    printed_by: str
    printed_date: Date
    attachments: list[Annex]
    contact: Contact | None = None


class RectificationSnapshot(_Letter):
    kind: Literal["rectification"]
    inspection: InspectionFacts
    findings: Annotated[list[FindingFacts], Field(min_length=1)]
    deadline: Date
    requirements: list[str]


class Meeting(_Strict):
    start: DateTime
    place: str
    host: str
    attendees: list[str]
    bring: list[str]


class KeyManagementFacts(_Strict):
    start: Date
    ratio: Number
    min_weeks: int
    follow_up: str


class RectificationDemand(_Strict):
    """A rectification notice's demands, carried by the higher letter of the same event."""

    deadline: Date
    requirements: list[str]


Covered = Literal["rectification", "summons"]
MERGED_KEYS = ("rectification", "covers")


class SummonsSnapshot(_Letter):
    kind: Literal["summons"]
    inspection: InspectionFacts
    findings: Annotated[list[FindingFacts], Field(min_length=1)]
    grounds: Annotated[list[Masked], Field(min_length=1)]
    official: Person
    meeting: Meeting
    warning: str
    key_management: KeyManagementFacts
    requirements: list[str]
    rectification: RectificationDemand | None = None
    covers: list[Covered] | None = None


class HistoryEntry(_Strict):
    date: Date
    event: str
    number: str | None = None


class ReferralSnapshot(_Letter):
    kind: Literal["referral"]
    official: Person
    grounds: Annotated[list[Masked], Field(min_length=1)]
    history: list[HistoryEntry]
    findings: list[FindingFacts]
    suggestion: Masked
    rectification: RectificationDemand | None = None
    covers: list[Covered] | None = None


class Week(_Strict):
    iso: str
    label: str
    start: Date
    end: Date


class Summary(_Strict):
    inspections: int
    townships: int
    findings: int
    critical: int
    major: int
    average_score: Number


class CircularRow(_Strict):
    rank: int
    township: Township
    date: Date
    team: str
    score: Number
    findings: int
    major: int
    critical: int


class Problem(_Strict):
    township: str
    area: str
    severity: Severity
    text: Masked


# --- issue 16: the county-wide compliance estimate of the period so far (docs/statistics.md)
class ComplianceRow(_Strict):
    position: int
    area: str
    text: str
    estimate: Number  # share 0..1
    low: Number
    high: Number


class Compliance(_Strict):
    period: str  # 2026年11—12月
    weeks: int
    visits: int
    rows: list[ComplianceRow]  # the items with the lowest estimates
    others: int  # items not listed
    others_lowest: Number | None  # the lowest estimate among them


class CircularSnapshot(_Letter):
    kind: Literal["circular"]
    township: Township | None = None  # a circular goes to every township
    week: Week
    summary: Summary
    inspections: list[CircularRow]
    problems: list[Problem]
    requirements: list[str]
    compliance: Compliance | None = None  # absent in circulars issued before issue 16


class ReportFacts(_Strict):
    what: Masked
    location: Masked
    discovered_at: DateTime
    child: Masked
    reported_by: Masked
    agency: str


class TransferSnapshot(_Letter):
    kind: Literal["transfer"]
    township: None = None  # addressed to an agency, never to a township
    report: ReportFacts
    requirements: list[str]


MODELS: dict[str, type[_Letter]] = {
    "rectification": RectificationSnapshot,
    "summons": SummonsSnapshot,
    "referral": ReferralSnapshot,
    "circular": CircularSnapshot,
    TRANSFER: TransferSnapshot,
}
_ADAPTERS = {kind: TypeAdapter(model) for kind, model in MODELS.items()}


def validate_snapshot(snapshot: dict) -> dict:
    """Check ``snapshot`` against its kind's schema; return a normalized copy (absent
    optional keys filled with None).  Raises SnapshotError naming the first bad path."""
    if not isinstance(snapshot, dict):
        raise SnapshotError("snapshot: expected an object")
    kind = snapshot.get("kind")
    if kind not in KINDS:
        raise SnapshotError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    try:
        model = _ADAPTERS[kind].validate_python(snapshot)
    except ValidationError as exc:
        raise SnapshotError(_message(exc.errors(), kind)) from None
    out = model.model_dump(by_alias=True)
    for key in MERGED_KEYS:  # absent unless the letter carries another: snapshots frozen before stay as they were
        if key in out and out[key] is None:
            del out[key]
    return out


def _path(loc) -> str:
    out = "snapshot"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _message(errors: list[dict], kind: str) -> str:
    error = errors[0]
    loc, kind_of_error = tuple(error["loc"]), error["type"]
    if kind_of_error == "extra_forbidden":
        parent = loc[:-1]
        unknown = sorted(str(e["loc"][-1]) for e in errors
                         if e["type"] == "extra_forbidden" and tuple(e["loc"][:-1]) == parent)
        return f"{_path(parent)}: unknown key(s) {', '.join(unknown)}"
    if kind_of_error == "value_error":
        return f"{_path(loc)}: {error['msg'].removeprefix('Value error, ')}"
    if kind_of_error == "missing":
        return f"{_path(loc)}: missing"
    if kind_of_error == "too_short":
        return f"{_path(loc)}: a {kind} needs at least one"
    if loc == ("township",):
        return f"{_path(loc)}: a {kind} is addressed to a township"
    return f"{_path(loc)}: {error['msg'].removeprefix('Value error, ')}, got {error.get('input')!r}"
