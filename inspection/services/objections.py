"""申辩: a township's objection to a finding its letter quotes, and the commission's decision (issue 15).

    objection_deadline(notice=) -> date | None     the last day to object: the county's
                                                  `objection_days` working days after the letter
                                                  is issued (the county's calendar, 调休 included)
    objectable_findings(notice=) -> QuerySet[Finding]
    file_objection(notice=, user=, finding_id=, reason=) -> Objection      the addressed official
    decide_objection(objection=, actor=, upheld=, comment=, correction=None) -> Objection
                                                  upheld: the finding is corrected by the existing
                                                  path (a new finding with a reason) and the ladder
                                                  re-evaluated (`corrections`); rejected: it stands
    holding_objections(notice) / require_not_held(notice)
                                                  while an objection to a finding of an inspection is
                                                  pending, no summons or referral resting on that
                                                  inspection is issued (the issuing service asks)
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from inspection.errors import Conflict, Unprocessable
from inspection.models import Finding, Notice, NoticeKind, Objection
from inspection.services.audit import record_event
from inspection.services.calendar import work_calendar
from inspection.services.corrections import correct_submitted_finding
from inspection.services.inspections import FindingData
from inspection.services.notices import MAX_REASON, locked_notice, require_commission, require_recipient

MAX_OBJECTION_REASON = 1000
OBJECTABLE_STATES = (Notice.State.ISSUED, Notice.State.ACKNOWLEDGED, Notice.State.RESPONDED)
HELD_KINDS = (NoticeKind.SUMMONS, NoticeKind.REFERRAL)


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def objection_deadline(*, notice: Notice) -> date | None:
    if notice.issued_at is None:
        return None
    day = timezone.localdate(notice.issued_at)
    left = notice.county.objection_days
    calendar = work_calendar(county=notice.county, first=day, last=day + timedelta(days=3 * left + 30))
    while left > 0:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            left -= 1
    return day


def objectable_findings(*, notice: Notice) -> QuerySet[Finding]:
    """The findings the letter rests on, as they stand (a corrected one through its correction)."""
    if notice.inspection_id is None:
        return Finding.objects.none()
    return Finding.objects.filter(inspection_id=notice.inspection_id, corrections__isnull=True).order_by("id")


def _clean_reason(reason: str | None, *, field: str, limit: int) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Unprocessable(f"请写明{field}")
    if len(reason) > limit:
        raise Unprocessable(f"{field}不超过{limit}字（现为{len(reason)}字）")
    if any(ord(c) < 32 and c not in "\n\r\t" for c in reason):
        raise Unprocessable(f"{field}含有无效的控制字符")
    return reason


@transaction.atomic
def file_objection(*, notice: Notice, user, finding_id, reason: str) -> Objection:
    notice = locked_notice(notice)
    require_recipient(notice, user)
    if notice.state not in OBJECTABLE_STATES:
        raise Conflict(f"文书{notice.get_state_display()}，不能提出申辩")
    deadline = objection_deadline(notice=notice)
    if deadline is not None and timezone.localdate() > deadline:
        raise Conflict(f"申辩期限已于{_cn(deadline)}届满，不能再提出申辩")
    reason = _clean_reason(reason, field="申辩理由", limit=MAX_OBJECTION_REASON)
    try:
        finding = objectable_findings(notice=notice).filter(pk=int(finding_id)).first()
    except (TypeError, ValueError):
        finding = None
    if finding is None:
        raise Unprocessable("请选择本文书所列的问题提出申辩")
    if Objection.objects.filter(notice=notice, finding=finding).exists():
        raise Conflict("已对该问题提出过申辩，请等待决定")
    objection = Objection.objects.create(county=notice.county, notice=notice, finding=finding,
                                         official=notice.official, reason=reason, filed_by=user)
    # The reason stays on the row (it may describe a child); the log names the records.
    record_event("objection.filed", actor=user, obj=objection, county=notice.county, data={
        "notice": notice.pk, "number": notice.number_text, "finding": finding.pk, "deadline": deadline.isoformat(),
    })
    return objection


@transaction.atomic
def decide_objection(*, objection: Objection, actor, upheld: bool, comment: str,
                     correction: FindingData | None = None) -> Objection:
    objection = Objection.objects.select_for_update(of=("self",)).select_related("notice", "county", "finding").get(
        pk=objection.pk)
    require_commission(actor, objection.county)
    if objection.state != Objection.State.PENDING:
        raise Conflict(f"该申辩已作出决定（{objection.get_state_display()}）")
    comment = _clean_reason(comment, field="决定意见", limit=MAX_REASON)
    if upheld:
        if correction is None:
            raise Unprocessable("申辩成立的，请填写更正后的问题（问题描述和严重程度）")
        objection.correction = correct_submitted_finding(
            finding=objection.finding, actor=actor, data=correction, reason=f"申辩成立：{comment}")
    objection.state = Objection.State.UPHELD if upheld else Objection.State.REJECTED
    objection.decided_at = timezone.now()
    objection.decided_by = actor
    objection.decision_comment = comment
    objection.save(update_fields=["state", "decided_at", "decided_by", "decision_comment", "correction"])
    record_event("objection.upheld" if upheld else "objection.rejected", actor=actor, obj=objection, county=objection.county, data={
        "notice": objection.notice_id, "finding": objection.finding_id, "correction": objection.correction_id,
    })
    return objection


def holding_objections(notice: Notice) -> QuerySet[Objection]:
    """The pending objections that hold this letter (a summons or referral resting on their inspection)."""
    if notice.kind not in HELD_KINDS or notice.inspection_id is None:
        return Objection.objects.none()
    return Objection.objects.filter(finding__inspection_id=notice.inspection_id, state=Objection.State.PENDING)


def require_not_held(notice: Notice) -> None:
    if holding_objections(notice).exists():
        raise Conflict("该文书所依据的问题有申辩尚未决定，暂缓印发；请先对申辩作出决定")
