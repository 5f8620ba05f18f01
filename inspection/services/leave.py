"""Inspectors' leave and unavailability (请假/不可派), and who may be sent where on a day.

Entry points (keyword-only):

    add_leave(county=, inspector=, starts_on=, ends_on=, reason=, actor=) -> InspectorLeave
    withdraw_leave(leave=, actor=) -> InspectorLeave          (kept on record, no longer in force)

Who is free on a day (leave in force, visits already taken) is read in `availability.py`.

The draw records each inspector's leave days of its window in its sealed inputs, so a week drawn
while someone was on leave recomputes the same whatever is entered or withdrawn later.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from inspection.errors import Conflict, Unprocessable
from inspection.models import County, Inspector, InspectorLeave
from inspection.services.availability import in_force
from inspection.services.audit import record_event
from inspection.services.notices import require_commission

MAX_REASON = 200
MAX_SPAN_DAYS = 366


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def clean_reason(reason: str | None, what: str = "事由") -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise Unprocessable(f"请填写{what}")
    if len(reason) > MAX_REASON:
        raise Unprocessable(f"{what}不超过{MAX_REASON}字")
    return reason


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
