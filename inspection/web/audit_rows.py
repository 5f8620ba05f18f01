"""One page of audit events as 纪委监委 reads them: the action's name, the object as a link with its
name where the reader may open it, the content as labelled, formatted fields.

Bounded: one query per kind of object named on the page and one for the county's townships,
whatever the page holds. Every read goes through `inspection.access`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
# Spelled out: makemessages only reads the names it knows, and `_lazy` is not one of them.
from django.utils.translation import gettext_lazy

from inspection.access import (
    visible_decisions,
    visible_draws,
    visible_inspections,
    visible_notices,
    visible_reports,
    visible_townships,
)
from inspection.models import Finding, NoticeResponse
from inspection.web.audit_labels import ACTIONS, CODES, KEYS, OBJECTS
from scoring import RULES
from scoring.vocabulary import Level, NoticeKind, Severity, label_of

_HEX = re.compile(r"^[0-9a-f]{32,}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_DAY_IN_TEXT = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_WEEK_IN_TEXT = re.compile(r"\b\d{4}-W\d{2}\b")
_DRAW_LABELS = {"weekly": gettext_lazy("每周例行抽签"), "late": gettext_lazy("补抽")}
_ID_KEYS = {"inspection", "finding", "findings", "notice", "decisions", "corrects", "item", "official"}
_FILE_TYPES = {"image/jpeg": gettext_lazy("JPEG 图片"), "image/png": gettext_lazy("PNG 图片"),
               "application/pdf": gettext_lazy("PDF 文件")}
_FORMATS = {"csv": gettext_lazy("CSV 表格"), "xlsx": gettext_lazy("Excel 工作簿"), "pdf": gettext_lazy("PDF 文件")}


@dataclass
class Field:
    label: str
    value: str
    digest: str = ""  # a hash shown short, the whole value on demand


@dataclass
class Row:
    event: object
    action: str
    object_label: str = ""
    object_name: str = ""
    object_url: str = ""
    object_digest: str = ""
    fields: list[Field] = field(default_factory=list)


def action_label(code: str) -> str:
    label = ACTIONS.get(code)
    return str(label) if label else _("其他操作")


def day_text(value: date) -> str:
    return _("%(y)d年%(m)d月%(d)d日") % {"y": value.year, "m": value.month, "d": value.day}


def moment_text(value: datetime) -> str:
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{day_text(local.date())} {local:%H:%M:%S}"


def _day_or_text(text: str) -> str:
    try:
        return day_text(date.fromisoformat(text))
    except ValueError:
        return text


def week_text(value: str) -> str:
    match = _WEEK.match(value)
    if not match:
        return value
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        return value
    sunday = date.fromordinal(monday.toordinal() + 6)
    return _("%(first)s至%(last)s") % {"first": day_text(monday), "last": day_text(sunday)}


class _Formatter:
    def __init__(self, townships: dict[str, str]):
        self.townships = townships

    def field(self, key: str, value) -> Field:
        label = str(KEYS.get(key, key))
        if isinstance(value, str) and _HEX.match(value):
            return Field(label, value[:12] + "…", digest=value)
        return Field(label, self.value(key, value))

    def value(self, key: str, value) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if isinstance(value, list):
            if key == "level" and len(value) == 2:
                return " → ".join(label_of(Level, v) or _("无") for v in value)
            if key == "window" and len(value) == 2:
                return _("%(first)s至%(last)s") % {"first": self.value("date", value[0]), "last": self.value("date", value[1])}
            return "、".join(self.value(key, v) for v in value)
        if isinstance(value, dict):
            return "；".join(f"{KEYS.get(k, k)}：{self.value(k, v)}" for k, v in value.items())
        return self.scalar(key, value)

    def scalar(self, key: str, value) -> str:
        text = str(value)
        if key in _ID_KEYS and isinstance(value, int):
            return _("第%(n)d号") % {"n": value}
        if key == "township":
            return self.townships.get(text, text)
        if key in ("policy_version", "scoring_version", "version"):
            return _("第%(n)s版") % {"n": text.removeprefix("v")}
        if key == "size" and isinstance(value, int):
            return f"{value / 1024:.1f} KB" if value < 1024 * 1024 else f"{value / 1024 / 1024:.1f} MB"
        if key == "rule":
            return RULES.get(text, text)
        if key == "week":
            return week_text(text)
        if key == "label" and text in _DRAW_LABELS:
            return str(_DRAW_LABELS[text])
        if key == "label" and text.startswith("makeup-") and text[7:].isdigit():
            return _("第%(n)s次补充抽签") % {"n": text[7:]}
        if key == "content_type":
            return str(_FILE_TYPES.get(text, text))
        if key == "format":
            return str(_FORMATS.get(text, text))
        if key in CODES and text in CODES[key]:
            return str(CODES[key][text])
        if key in ("severity", "kind"):
            return label_of(Severity, text) or label_of(NoticeKind, text) or label_of(Level, text) or text
        if _DAY.match(text):
            return _day_or_text(text)
        if _MOMENT.match(text):
            try:
                return moment_text(datetime.fromisoformat(text))
            except ValueError:
                return text
        # Dates inside a sentence a service wrote ("2026-12-05 前将有乡镇逾期"), and week labels.
        text = _DAY_IN_TEXT.sub(lambda m: _day_or_text(m[0]), text)
        return _WEEK_IN_TEXT.sub(lambda m: week_text(m[0]), text)


def _ids(rows: list[Row], object_type: str) -> set[int]:
    return {int(r.event.object_id) for r in rows
            if r.event.object_type == object_type and r.event.object_id.isascii() and r.event.object_id.isdigit()}


def _inspection_name(inspection) -> str:
    # The context keeps this 暗查 apart from the site's name, which English gives as "Ancha".
    what = _("回头看") if inspection.kind == "follow_up" else pgettext("审计记录页", "暗查")
    return _("%(township)s%(m)d月%(d)d日%(what)s") % {
        "township": inspection.township.name, "m": inspection.date.month, "d": inspection.date.day, "what": what}


def _linkers(user, rows: list[Row]) -> dict[str, dict[str, tuple[str, str]]]:
    """(name, url) of each object on the page the reader may open, by object type and id."""
    links: dict[str, dict[str, tuple[str, str]]] = {}
    ids = _ids(rows, "inspection.inspection")
    finding_ids = _ids(rows, "inspection.finding")
    findings = {f.pk: f.inspection_id for f in Finding.objects.filter(pk__in=finding_ids).only("id", "inspection_id")}
    ids |= set(findings.values())
    inspections = {i.pk: i for i in visible_inspections(user).filter(pk__in=ids).select_related("township")}
    links["inspection.inspection"] = {
        str(pk): (_inspection_name(i), reverse("web:inspection", args=[pk])) for pk, i in inspections.items()}
    links["inspection.finding"] = {
        str(pk): (_("%(visit)s发现的问题") % {"visit": _inspection_name(inspections[ins])},
                  reverse("web:inspection", args=[ins]))
        for pk, ins in findings.items() if ins in inspections}
    response_ids = _ids(rows, "inspection.noticeresponse")
    responses = dict(NoticeResponse.objects.filter(pk__in=response_ids).values_list("id", "notice_id"))
    notices = {n.pk: n for n in visible_notices(user).filter(pk__in=_ids(rows, "inspection.notice") | set(responses.values()))}
    links["inspection.notice"] = {str(pk): (_notice_name(n), reverse("web:notice", args=[pk])) for pk, n in notices.items()}
    links["inspection.noticeresponse"] = {
        str(pk): (_("%(notice)s的整改报告") % {"notice": _notice_name(notices[n])}, reverse("web:notice", args=[n]))
        for pk, n in responses.items() if n in notices}
    links["inspection.township"] = {
        str(t.pk): (t.name, reverse("web:township", args=[t.code]))
        for t in visible_townships(user).filter(pk__in=_ids(rows, "inspection.township"))}
    links["inspection.draw"] = {
        str(d.pk): (_("%(week)s的抽签") % {"week": week_text(d.week)}, reverse("web:draw", args=[d.week]))
        for d in visible_draws(user).filter(pk__in=_ids(rows, "inspection.draw"))}
    links["inspection.decision"] = {
        str(d.pk): (_("对%(township)s的处置决定") % {"township": d.township.name},
                    reverse("web:township", args=[d.township.code]))
        for d in visible_decisions(user).filter(pk__in=_ids(rows, "inspection.decision")).select_related("township")}
    links["inspection.mandatoryreport"] = {
        str(r.pk): (_("强制报告线索第%(n)d号") % {"n": r.pk}, reverse("web:report", args=[r.pk]))
        for r in visible_reports(user).filter(pk__in=_ids(rows, "inspection.mandatoryreport")).only("id")}
    return links


def _notice_name(notice) -> str:
    kind = label_of(NoticeKind, notice.kind) or _("文书")
    return f"{kind}（{notice.number_text}）" if notice.number_text else _("%(kind)s（草稿）") % {"kind": kind}


def readable_rows(user, events) -> list[Row]:
    rows = [Row(event=e, action=action_label(e.action)) for e in events]
    townships = dict(visible_townships(user).values_list("code", "name")) if rows else {}
    formatter = _Formatter(townships)
    links = _linkers(user, rows) if rows else {}
    for row in rows:
        e = row.event
        data = json.loads(e.payload).get("data") or {}
        row.fields = [formatter.field(k, v) for k, v in data.items()]
        if e.object_type:
            row.object_label = str(OBJECTS.get(e.object_type, _("其他对象")))
            name, url = links.get(e.object_type, {}).get(e.object_id, ("", ""))
            if name:
                row.object_name, row.object_url = name, url
            elif _HEX.match(e.object_id):
                row.object_name, row.object_digest = e.object_id[:12] + "…", e.object_id
            else:
                row.object_name = _("第%(id)s号") % {"id": e.object_id}
    return rows
