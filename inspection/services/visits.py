"""Visits that did not happen (issue 17): missed and cancelled inspections, and the filing that comes late.

Entry points (keyword-only):

    mark_missed(inspection=, actor=, reason=) -> Inspection
        the commission: a dispatched visit was not carried out (team ill, road closed)
    cancel_inspection(inspection=, actor=, reason=) -> Inspection
        the commission: a planned visit is withdrawn before it is dispatched
    miss_overdue(county=, now=None) -> list[Inspection]
        the morning job: a dispatched visit not submitted within the county's grace after its day

A filing that arrives after its visit was marked missed is still taken and turns it back to
submitted (`inspections.submit_inspection`, audit "inspection.filed_late"): the offline outbox
never loses a filing.

Each transition is audited. A missed or cancelled visit no longer counts for coverage, deadlines or
the draw (`InspectionQuerySet.counted`); its township goes back to the pool, and a make-up draw
places it if its deadline is at risk (`makeups.plan_makeups`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from inspection.errors import Conflict, Unprocessable
from inspection.models import County, Inspection, grace_hours
from inspection.services.audit import record_event
from inspection.services.coverage_summary import refresh_coverage
from inspection.services.notices import require_commission

MAX_REASON = 500
MISSED = "inspection.missed"
CANCELLED = "inspection.cancelled"
OVERDUE_REASON = "派出后超过宽限期（{hours} 小时）未提交检查结果"


def _reason(reason: str | None, what: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise Unprocessable(f"请填写{what}原因")
    if len(reason) > MAX_REASON:
        raise Unprocessable(f"{what}原因不超过{MAX_REASON}字")
    return reason


def _locked(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().select_related("county", "township").get(pk=inspection.pk)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _miss(inspection: Inspection, *, actor, reason: str, by_job: bool) -> Inspection:
    inspection.status = Inspection.Status.MISSED
    inspection.missed_at = timezone.now()
    inspection.missed_by = _user(actor)
    inspection.missed_reason = reason
    inspection.save(update_fields=["status", "missed_at", "missed_by", "missed_reason"])
    record_event(
        MISSED, actor=actor, obj=inspection, county=inspection.county,
        data={"township": inspection.township.code, "date": inspection.date.isoformat(), "reason": reason,
              "by": "job" if by_job else "commission"},
    )
    refresh_coverage(township=inspection.township)
    return inspection


def _commission_takes(inspection: Inspection, *, actor, reason: str, what: str, status: str, refusal: str):
    """The locked inspection and the cleaned reason, once the commission may act on it in this state."""
    inspection = _locked(inspection)
    require_commission(actor, inspection.county)
    reason = _reason(reason, what)
    if inspection.status != status:
        raise Conflict(f"{refusal}（当前：{inspection.get_status_display()}）")
    return inspection, reason


@transaction.atomic
def mark_missed(*, inspection: Inspection, actor, reason: str) -> Inspection:
    """A dispatched visit that was not carried out. Its township goes back to the pool."""
    inspection, reason = _commission_takes(inspection, actor=actor, reason=reason, what="未实施",
                                           status=Inspection.Status.DISPATCHED,
                                           refusal="只有已派出、尚未提交的检查可以登记为未实施")
    return _miss(inspection, actor=actor, reason=reason, by_job=False)


@transaction.atomic
def cancel_inspection(*, inspection: Inspection, actor, reason: str) -> Inspection:
    """A planned visit withdrawn before its morning. Its township goes back to the pool."""
    inspection, reason = _commission_takes(inspection, actor=actor, reason=reason, what="撤销",
                                           status=Inspection.Status.PLANNED, refusal="只有尚未派出的检查可以撤销")
    inspection.status = Inspection.Status.CANCELLED
    inspection.cancelled_at = timezone.now()
    inspection.cancelled_by = _user(actor)
    inspection.cancelled_reason = reason
    inspection.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancelled_reason"])
    record_event(
        CANCELLED, actor=actor, obj=inspection, county=inspection.county,
        data={"township": inspection.township.code, "date": inspection.date.isoformat(), "reason": reason},
    )
    return inspection


def grace_ends(inspection: Inspection, county: County) -> datetime:
    """The end of a visit's grace: its day's end plus the county's grace hours, local time."""
    day_end = timezone.make_aware(datetime.combine(inspection.date + timedelta(days=1), datetime.min.time()))
    return day_end + timedelta(hours=grace_hours(county))


def miss_overdue(*, county: County, now: datetime | None = None) -> list[Inspection]:
    """The morning job: dispatched visits whose grace has run out become missed, each in its own transaction."""
    now = now or timezone.now()
    hours = grace_hours(county)
    cutoff = timezone.localtime(now - timedelta(hours=hours)).date()
    missed = []
    overdue = Inspection.objects.filter(county=county, status=Inspection.Status.DISPATCHED, date__lt=cutoff)
    for pk in overdue.order_by("date", "id").values_list("pk", flat=True):
        with transaction.atomic():
            inspection = Inspection.objects.select_for_update().select_related("county", "township").get(pk=pk)
            if inspection.status != Inspection.Status.DISPATCHED:  # filed meanwhile
                continue
            missed.append(_miss(inspection, actor=None, reason=OVERDUE_REASON.format(hours=hours), by_job=True))
    return missed

