"""A draft notice under the commission's control: wording, quoted findings, the summons meeting.

    edit_draft(notice=, actor=, ...)   change what a person may word; one audited difference

What a person may word is what the snapshot holds as free text (the title, the demands, a
summons' warning, a referral's suggestion), which of the inspection's findings the letter
quotes, and a summons' meeting (time, place, 约谈人 from the office's named staff). Everything
else (number, dates, recipient, grounds, score) stays the ladder's.

Every edit is recorded as `notice.edited` with the changed fields only, before and after, so no
one can quietly drop a finding: dropping one needs a reason, which the event keeps. The person
who edits becomes the drafter (拟稿人), and the drafter may not sign the letter off
(`services.notices.require_second_person`).

The limits below are the only ones: the web form and the API schema read them, and the
messages here are the ones all three show.
"""

from __future__ import annotations

import copy
import datetime as dt

from django.db import transaction
from django.utils import timezone

from inspection.access import commission_staff
from inspection.errors import Conflict, Forbidden, NotFound, Unprocessable
from inspection.models import Finding, Notice, NoticeKind
from inspection.notices.snapshot import SnapshotError, validate_snapshot
from inspection.services.audit import record_event
from inspection.services.calendar import work_calendar
from inspection.services.ladder_history import effective_findings
from inspection.services.ladder_writer import finding_facts

TITLE_MAX = 60
LINE_MAX = 200
LINES_MAX = 10
PARAGRAPH_MAX = 500
PLACE_MAX = 60
REASON_MAX = 500

# The free text each kind lets a person word (snapshot keys).
EDITABLE = {
    NoticeKind.RECTIFICATION: ("title", "requirements"),
    NoticeKind.SUMMONS: ("title", "requirements", "warning"),
    NoticeKind.REFERRAL: ("title", "suggestion"),
    NoticeKind.CIRCULAR: ("title", "requirements"),
}
# Only letters resting on one inspection quote a choice of its findings.
QUOTING = (NoticeKind.RECTIFICATION, NoticeKind.SUMMONS)
LABELS = {"title": "标题", "requirements": "要求", "warning": "预警内容", "suggestion": "问责建议"}


# --------------------------------------------------------------------------- checks (shared by the form)


def _one_line(value: str) -> str:
    return " ".join((value or "").split())


def bounded(value: str, *, label: str, limit: int, empty: str | None = None) -> str:
    """One line of text, required (`empty` is what is said when it is blank) and at most `limit` characters."""
    text = _one_line(value)
    if not text:
        raise Unprocessable(empty or f"{label}不能为空")
    if len(text) > limit:
        raise Unprocessable(f"{label}不超过{limit}字（现为{len(text)}字）")
    return text


def clean_title(value: str) -> str:
    return bounded(value, label="标题", limit=TITLE_MAX)


def clean_lines(value: str | list[str], label: str = "要求") -> list[str]:
    """One demand a line (a text) or a list; blank lines dropped."""
    raw = value.splitlines() if isinstance(value, str) else list(value)
    lines = [_one_line(line) for line in raw if _one_line(line)]
    if not lines:
        raise Unprocessable(f"{label}至少填写一条")
    if len(lines) > LINES_MAX:
        raise Unprocessable(f"{label}最多{LINES_MAX}条（现为{len(lines)}条）")
    for i, line in enumerate(lines, 1):
        if len(line) > LINE_MAX:
            raise Unprocessable(f"第{i}条{label}不超过{LINE_MAX}字（现为{len(line)}字）")
    return lines


def clean_paragraph(value: str, label: str) -> str:
    return bounded(value, label=label, limit=PARAGRAPH_MAX)


def clean_place(value: str) -> str:
    return bounded(value, label="约谈地点", limit=PLACE_MAX, empty="请填写约谈地点")


def clean_reason(value: str) -> str:
    reason = _one_line(value)
    if len(reason) > REASON_MAX:
        raise Unprocessable(f"删去问题的理由不超过{REASON_MAX}字（现为{len(reason)}字）")
    return reason


def wall_clock(value: dt.datetime) -> dt.datetime:
    """A time as the letter prints it: Asia/Shanghai wall clock, to the minute, no zone."""
    if timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)
    return value.replace(second=0, microsecond=0)


def clean_meeting_start(value: dt.datetime, county) -> dt.datetime:
    start = wall_clock(value)
    now = wall_clock(timezone.now())
    if start <= now:
        raise Unprocessable("约谈时间须晚于现在")
    if not work_calendar(county=county, first=start.date(), last=start.date()).is_workday(start.date()):
        raise Unprocessable(f"约谈日期{start.year}年{start.month}月{start.day}日不是工作日，请另选日期")
    return start


# --------------------------------------------------------------------------- what a draft quotes and names


def finding_pool(notice: Notice) -> list[Finding]:
    """The findings a draft may quote: those of its own inspection as they stand (never another's)."""
    if notice.kind not in QUOTING or notice.inspection_id is None:
        return []
    return effective_findings(notice.inspection)


def _same(facts: dict, quoted: dict) -> bool:
    masked = validate_snapshot_finding(facts)
    return all(masked.get(k) == quoted.get(k) for k in ("area", "severity", "text", "location"))


def validate_snapshot_finding(facts: dict) -> dict:
    from inspection.notices.snapshot import FindingFacts

    return FindingFacts.model_validate(facts).model_dump()


def quoted_ids(notice: Notice, pool: list[Finding]) -> list[int]:
    """Which of the pool the draft quotes now: as chosen, or (never edited) as the ladder composed it."""
    if notice.quoted_findings is not None:
        return [int(i) for i in notice.quoted_findings]
    quoted = (notice.snapshot or {}).get("findings") or []
    return [f.pk for f in pool if any(_same(finding_facts(f), q) for q in quoted)]


def host_label(profile) -> str:
    """约谈人 as the letter names them: title and name (市未保办主任王某)."""
    return f"{profile.title}{profile.name}"


def _host(county, host_id: int):
    profile = commission_staff(county).filter(user_id=host_id).first()
    if profile is None:
        raise Unprocessable("约谈人须从本单位未保办人员名单中选择")
    return profile


# --------------------------------------------------------------------------- the edit


class _Diff:
    def __init__(self, snapshot: dict):
        self.snapshot = copy.deepcopy(snapshot)
        self.before: dict = {}
        self.after: dict = {}

    def set(self, key: str, old, new, label_value=None) -> None:
        if old == new:
            return
        self.before[key] = old
        self.after[key] = new if label_value is None else label_value


def _edit_text(diff: _Diff, notice: Notice, texts: dict) -> None:
    allowed = EDITABLE.get(notice.kind, ())
    cleaners = {"title": clean_title, "requirements": clean_lines,
                "warning": lambda v: clean_paragraph(v, "预警内容"),
                "suggestion": lambda v: clean_paragraph(v, "问责建议")}
    for key, value in texts.items():
        if value is None:
            continue
        if key not in allowed:
            raise Unprocessable(f"此类文书没有可修改的{LABELS[key]}")
        new = cleaners[key](value)
        diff.set(key, diff.snapshot.get(key), new)
        diff.snapshot[key] = new


def _edit_findings(diff: _Diff, notice: Notice, chosen: list[int], reason: str) -> list[int] | None:
    pool = finding_pool(notice)
    if not pool:
        raise Unprocessable("此文书不引用暗查发现的问题")
    by_id = {f.pk: f for f in pool}
    if any(i not in by_id for i in chosen):
        raise Unprocessable("只能引用本次暗查发现的问题")
    if not chosen:
        raise Unprocessable("文书至少引用一个问题")
    current = quoted_ids(notice, pool)
    new = [f.pk for f in pool if f.pk in set(chosen)]
    dropped = [i for i in current if i not in new]
    if dropped and not reason:
        raise Unprocessable("删去引用的问题须说明理由")
    if new == current:
        return None
    diff.snapshot["findings"] = [finding_facts(by_id[i]) for i in new]
    diff.set("findings", _finding_titles(by_id, current), _finding_titles(by_id, new))
    if dropped:
        diff.after["dropped"] = _finding_titles(by_id, dropped)
        diff.after["dropped_ids"] = dropped
        diff.after["reason"] = reason
    return new


def _finding_titles(by_id: dict, ids: list[int]) -> list[str]:
    """A finding as the history names it: the start of its text (masked by record_event)."""
    out = []
    for i in ids:
        text = " ".join(by_id[i].text.split())
        out.append(f"{text[:30]}{'…' if len(text) > 30 else ''}")
    return out


def _edit_meeting(diff: _Diff, notice: Notice, start, place, host_id):
    if notice.kind != NoticeKind.SUMMONS:
        raise Unprocessable("只有约谈通知书有约谈安排")
    meeting = dict(diff.snapshot["meeting"])
    host = None
    if start is not None:
        new = clean_meeting_start(start, notice.county).strftime("%Y-%m-%dT%H:%M")
        diff.set("meeting_start", meeting["start"], new)
        meeting["start"] = new
    if place is not None:
        new = clean_place(place)
        diff.set("meeting_place", meeting["place"], new)
        meeting["place"] = new
    if host_id is not None:
        host = _host(notice.county, host_id)
        diff.set("meeting_host", meeting["host"], host_label(host))
        meeting["host"] = host_label(host)
    diff.snapshot["meeting"] = meeting
    return host


@transaction.atomic
def edit_draft(*, notice: Notice, actor, title: str | None = None, requirements=None, warning: str | None = None,
               suggestion: str | None = None, findings: list[int] | None = None, drop_reason: str = "",
               meeting_start: dt.datetime | None = None, meeting_place: str | None = None,
               meeting_host: int | None = None) -> Notice:
    """Change a draft's wording, quoted findings or meeting (None: leave as is); audited; the
    actor becomes the drafter. Refuses anything but a person of the county's office on a draft."""
    from inspection.services.notices import is_system, locked_notice, require_commission

    notice = locked_notice(notice)
    if is_system(actor):
        raise Forbidden("草稿只能由未保办人员修改")
    require_commission(actor, notice.county)
    if notice.state != Notice.State.DRAFT:
        raise Conflict(f"{notice}已{notice.get_state_display()}，不能再修改")
    if notice.kind not in EDITABLE:
        raise NotFound("未找到")
    diff = _Diff(notice.snapshot)
    _edit_text(diff, notice, {"title": title, "requirements": requirements, "warning": warning,
                              "suggestion": suggestion})
    chosen = None
    if findings is not None:
        chosen = _edit_findings(diff, notice, list(findings), clean_reason(drop_reason))
    host = None
    if (meeting_start, meeting_place, meeting_host) != (None, None, None):
        host = _edit_meeting(diff, notice, meeting_start, meeting_place, meeting_host)
    if not diff.before:
        raise Unprocessable("内容没有改动，无需保存")
    return _save(notice, actor, diff, chosen, host)


def _save(notice: Notice, actor, diff: _Diff, chosen, host) -> Notice:
    try:
        notice.snapshot = validate_snapshot(diff.snapshot)
    except SnapshotError as exc:
        raise Unprocessable(f"修改后的文书内容不完整：{exc}") from None
    previous = notice.drafted_by
    notice.drafted_by = actor
    fields = ["snapshot", "drafted_by"]
    if chosen is not None:
        notice.quoted_findings = chosen
        fields.append("quoted_findings")
    if host is not None:
        notice.meeting_host = host.user
        fields.append("meeting_host")
    notice.save(update_fields=fields)
    record_event("notice.edited", actor=actor, obj=notice, county=notice.county, data={
        "before": diff.before, "after": diff.after,
        "drafter_before": previous.get_username() if previous else None,
    })
    return notice
