"""Follow-up inspections (回头看): planned when the ladder asks for one, dispatched by the sweep.

A follow-up is an `Inspection` row of kind follow_up, status planned, dated on a random weekday
of the window the ladder asks for (2–4 weeks after the rectification deadline), with a team
drawn from the county's active inspectors minus the original team and anyone whose home is the
township. The exact date and team go nowhere but that row (not into the audit log, not into
any notice); the sweep dispatches it on its day.

When recusal leaves fewer free inspectors than a team needs, the follow-up is still planned with
those there are, but not quietly: `follow_up.understaffed` goes to the audit log and the
commission's home page lists it until the team is complete, so the office can add inspectors
(or decide otherwise) before the day.
"""

from __future__ import annotations

import random
from datetime import date

from django.db import transaction
from django.db.models import Count, F, IntegerField, QuerySet, Value
from django.db.models.functions import Greatest

from inspection.errors import InspectionError
from inspection.models import Checklist, County, EscalationCase, Inspection, Inspector, TeamMember, Township
from inspection.services.audit import record_event
from inspection.services.calendar import work_calendar
from inspection.services.dispatch import dispatch_planned
from inspection.services.availability import on_leave

_rng = random.SystemRandom()


@transaction.atomic
def schedule_follow_up(*, township: Township, case: EscalationCase | None, window: tuple[date, date], excluded, actor=None) -> Inspection:
    """Plan the follow-up (回头看): unannounced, on a working day of the window, by another team.

    A follow-up still only planned is moved to the new window rather than doubled.
    """
    start, end = window
    county = township.county
    on = _rng.choice(work_calendar(county=county, first=start, last=end).workdays(start, end) or [start])
    candidates = list(
        Inspector.objects.filter(county=county, active=True)
        .exclude(pk__in=list(excluded))
        .exclude(pk__in=on_leave(county=county, on=on))  # leave entered by the commission (services.leave)
        .exclude(home_township=township)
        .order_by("pk")
    )
    needed = required_team_size(county)
    size = min(needed, len(candidates))
    team = _rng.sample(candidates, size) if size else []
    checklist = Checklist.objects.in_force(county, on)
    if checklist is None:
        raise InspectionError(f"{county.name}尚无检查清单，无法安排“回头看”")
    planned = Inspection.objects.filter(
        township=township, kind=Inspection.Kind.FOLLOW_UP, status=Inspection.Status.PLANNED
    ).first()
    if planned is None:
        planned = Inspection.objects.create(
            county=county,
            township=township,
            kind=Inspection.Kind.FOLLOW_UP,
            follow_up_of=case,
            date=on,
            status=Inspection.Status.PLANNED,
            checklist=checklist,
        )
        action = "follow_up.scheduled"
    else:
        planned.date, planned.follow_up_of, planned.checklist = on, case, checklist
        planned.save(update_fields=["date", "follow_up_of", "checklist"])
        planned.members.all().delete()
        action = "follow_up.rescheduled"
    TeamMember.objects.bulk_create(TeamMember(inspection=planned, inspector=i) for i in team)
    # The day and the team stay on the row only: the audit log is readable by observers.
    record_event(
        action,
        actor=actor,
        obj=planned,
        county=county,
        data={"township": township.code, "window": [start.isoformat(), end.isoformat()], "team_size": len(team)},
    )
    if len(team) < needed:
        record_event(
            "follow_up.understaffed",
            actor=actor,
            obj=planned,
            county=county,
            data={"township": township.code, "needed": needed, "available": len(team)},
        )
    return planned


MIN_TEAM = 2  # a follow-up team is never smaller than two, nor than the county's team size


def required_team_size(county: County) -> int:
    return max(MIN_TEAM, county.team_size)


def understaffed(follow_ups: QuerySet[Inspection]) -> list[Inspection]:
    """The follow-ups of `follow_ups` still to be done whose team is smaller than the county's
    team size (`required_team_size`), each with `team_count` and `needed`; by township. The
    comparison is made in the query: a county's many fully staffed follow-ups never leave it."""
    return list(
        follow_ups.filter(kind=Inspection.Kind.FOLLOW_UP,
                          status__in=[Inspection.Status.PLANNED, Inspection.Status.DISPATCHED])
        .select_related("county", "township")
        .annotate(team_count=Count("members"), needed=Greatest(Value(MIN_TEAM), F("county__team_size"), output_field=IntegerField()))
        .filter(team_count__lt=F("needed"))
        .order_by("township__code", "id")
    )


def dispatch_follow_ups(*, county: County, day: date, actor=None) -> int:
    """The county's follow-ups planned on or before `day` go out (the sweep of that day)."""
    due = Inspection.objects.filter(county=county, kind=Inspection.Kind.FOLLOW_UP, date__lte=day)
    return dispatch_planned(due, actor=actor)
