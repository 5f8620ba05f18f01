"""Inspectors' leave and unavailability (请假/不可派), and who may be sent where on a day.

Entry points (keyword-only):

    add_leave(county=, inspector=, starts_on=, ends_on=, reason=, actor=) -> InspectorLeave
    withdraw_leave(leave=, actor=) -> InspectorLeave          (kept on record, no longer in force)
    away_days(county=, first=, last=) -> {username: (date, ...)}   the draw's input (`InspectorState.away`)
    eligible_inspectors(county=, township=, on=, exclude=()) -> [Inspector]
        active, not from the township, not on leave that day, not on another visit that day

The draw records each inspector's leave days of its window in its sealed inputs, so a week drawn
while someone was on leave recomputes the same whatever is entered or withdrawn later.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from inspection.errors import Conflict, Unprocessable
from inspection.models import County, Inspection, Inspector, InspectorLeave, TeamMember, Township
from inspection.services.audit import record_event
from inspection.services.notices import require_commission

MAX_REASON = 200
MAX_SPAN_DAYS = 366
LIVE = [Inspection.Status.PLANNED, Inspection.Status.DISPATCHED]


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def clean_reason(reason: str | None, what: str = "事由") -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise Unprocessable(f"请填写{what}")
    if len(reason) > MAX_REASON:
        raise Unprocessable(f"{what}不超过{MAX_REASON}字")
    return reason


def in_force(county: County):
    return InspectorLeave.objects.filter(county=county, withdrawn_at__isnull=True)


@transaction.atomic
def add_leave(*, county: County, inspector: Inspector, starts_on: date, ends_on: date, reason: str,
              actor) -> InspectorLeave:
    require_commission(actor, county)
    if inspector.county_id != county.pk:
        raise Unprocessable("该督查员不属于本县")
    reason = clean_reason(reason, "请假事由")
    if ends_on < starts_on:
        raise Unprocessable("结束日期不能早于开始日期")
    if (ends_on - starts_on).days >= MAX_SPAN_DAYS:
        raise Unprocessable("一次登记不超过一年；长期不能参加督查的，请将其调整为不在岗")
    if ends_on < timezone.localdate():
        raise Unprocessable("不能登记已经结束的请假")
    overlap = in_force(county).filter(inspector=inspector, starts_on__lte=ends_on, ends_on__gte=starts_on).first()
    if overlap is not None:
        raise Conflict(f"{inspector.name}在{overlap.starts_on:%Y年%-m月%-d日}至{overlap.ends_on:%Y年%-m月%-d日}已登记请假，"
                       "请勿重复登记")
    leave = InspectorLeave.objects.create(county=county, inspector=inspector, starts_on=starts_on, ends_on=ends_on,
                                          reason=reason, created_by=_user(actor))
    record_event("inspector.leave_added", actor=actor, obj=leave, county=county,
                 data={"inspector": inspector.user.get_username(), "starts_on": starts_on.isoformat(),
                       "ends_on": ends_on.isoformat(), "reason": reason})
    return leave


@transaction.atomic
def withdraw_leave(*, leave: InspectorLeave, actor) -> InspectorLeave:
    leave = InspectorLeave.objects.select_for_update().select_related("county", "inspector__user").get(pk=leave.pk)
    require_commission(actor, leave.county)
    if leave.withdrawn_at is not None:
        raise Conflict("这条请假已经撤回")
    leave.withdrawn_at = timezone.now()
    leave.withdrawn_by = _user(actor)
    leave.save(update_fields=["withdrawn_at", "withdrawn_by"])
    record_event("inspector.leave_withdrawn", actor=actor, obj=leave, county=leave.county,
                 data={"inspector": leave.inspector.user.get_username(), "starts_on": leave.starts_on.isoformat(),
                       "ends_on": leave.ends_on.isoformat()})
    return leave


def away_days(*, county: County, first: date, last: date) -> dict[str, tuple[date, ...]]:
    """Each inspector's days on leave between `first` and `last`, as the draw records them."""
    days: dict[str, set[date]] = {}
    rows = in_force(county).filter(starts_on__lte=last, ends_on__gte=first).values_list(
        "inspector__user__username", "starts_on", "ends_on")
    for username, starts_on, ends_on in rows:
        day = max(starts_on, first)
        while day <= min(ends_on, last):
            days.setdefault(username, set()).add(day)
            day += timedelta(days=1)
    return {name: tuple(sorted(d)) for name, d in days.items()}


def on_leave(*, county: County, on: date) -> set[int]:
    return set(in_force(county).filter(starts_on__lte=on, ends_on__gte=on).values_list("inspector_id", flat=True))


def busy_on(*, county: County, on: date) -> set[int]:
    """Inspectors already on a visit still to be made that day (one township a day)."""
    return set(TeamMember.objects.filter(inspection__county=county, inspection__date=on,
                                         inspection__status__in=LIVE).values_list("inspector_id", flat=True))


def eligible_inspectors(*, county: County, township: Township, on: date, exclude=()) -> list[Inspector]:
    """Who may be sent to `township` on `on`, by username: active, not from it, free that day."""
    out = set(exclude) | on_leave(county=county, on=on) | busy_on(county=county, on=on)
    return list(Inspector.objects.filter(county=county, active=True).exclude(pk__in=out)
                .exclude(home_township=township).select_related("user").order_by("user__username"))


def why_not(*, county: County, township: Township, on: date, inspector: Inspector) -> str | None:
    """Why `inspector` may not go to `township` on `on`, in a sentence, or None."""
    if inspector.county_id != county.pk or not inspector.active:
        return f"{inspector.name}不在岗"
    if inspector.home_township_id == township.pk:
        return f"{inspector.name}的户籍或工作单位在{township.name}，应当回避"
    if inspector.pk in on_leave(county=county, on=on):
        return f"{inspector.name}当天请假"
    if inspector.pk in busy_on(county=county, on=on):
        return f"{inspector.name}当天已有其他检查任务"
    return None
