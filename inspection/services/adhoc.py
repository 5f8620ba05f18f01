"""Ad-hoc inspections (专项暗访): ordered by hand on a complaint (投诉举报), a lead (问题线索) or a
回头看 the commission decides itself, outside the weekly draw.

Entry point (keyword-only):

    order_inspection(county=, township=, on=, source=, reason=, team=, actor=) -> Inspection
        kind ad_hoc, no draw; planned (dispatched at once when it is for today, else the morning
        job dispatches it with the drawn visits); audit "inspection.ordered"

An ad-hoc visit is not part of the draw's design: the estimate reads only the main draws' visits,
and it counts for coverage and the draw's last visits only once submitted
(`InspectionQuerySet.counted`). Its team's day is an input of the week's draw (`busy`), so a team
drawn later never sends them to two townships that day.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from inspection.errors import InspectionError, Unprocessable
from inspection.models import Checklist, County, Inspection, Inspector, TeamMember, Township
from inspection.services.audit import record_event
from inspection.services.dispatch import dispatch_planned
from inspection.services.availability import why_not
from inspection.services.leave import clean_reason
from inspection.services.notices import require_commission

MAX_TEAM = 6
MAX_DAYS_AHEAD = 90
ORDERED = "inspection.ordered"


def _team(county: County, township: Township, on: date, team) -> list[Inspector]:
    members = list({i.pk: i for i in team}.values())
    needed = max(2, county.team_size)
    if len(members) < needed:
        raise Unprocessable(f"督查组至少{needed}人，请选择督查员")
    if len(members) > MAX_TEAM:
        raise Unprocessable(f"督查组不超过{MAX_TEAM}人")
    refusals = [r for r in (why_not(county=county, township=township, on=on, inspector=i) for i in members) if r]
    if refusals:
        raise Unprocessable("以下督查员不能参加这次检查：" + "；".join(refusals))
    return members


@transaction.atomic
def order_inspection(*, county: County, township: Township, on: date, source: str, reason: str, team,
                     actor) -> Inspection:
    require_commission(actor, county)
    if township.county_id != county.pk:
        raise Unprocessable("该乡镇不属于本县")
    if not township.active:
        raise Unprocessable(f"{township.name}已不在检查范围内（已撤并或停用），不能安排检查")
    if source not in Inspection.Source.values:
        raise Unprocessable("来由应为“投诉举报”“问题线索”或“回头看”")
    reason = clean_reason(reason, "事由")
    today = timezone.localdate()
    if on < today:
        raise Unprocessable("检查日期不能早于今天")
    if (on - today).days > MAX_DAYS_AHEAD:
        raise Unprocessable(f"检查日期不能晚于{MAX_DAYS_AHEAD}天以后")
    members = _team(county, township, on, team)
    checklist = Checklist.objects.filter(county=county).order_by("-version").first()
    if checklist is None:
        raise InspectionError(f"{county.name}尚无检查清单，不能安排检查")
    inspection = Inspection.objects.create(
        county=county, township=township, kind=Inspection.Kind.AD_HOC, date=on, status=Inspection.Status.PLANNED,
        checklist=checklist, source=source, reason=reason,
        ordered_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    TeamMember.objects.bulk_create(TeamMember(inspection=inspection, inspector=i) for i in members)
    # No day and no names: observers read the audit log, and the visit is unannounced.
    record_event(ORDERED, actor=actor, obj=inspection, county=county,
                 data={"township": township.code, "source": source, "reason": reason, "team_size": len(members)})
    if on == today:
        dispatch_planned(Inspection.objects.filter(pk=inspection.pk), actor=actor)
        inspection.refresh_from_db()
    return inspection
