"""Who may be sent where on a day: inspectors' leave in force, the days their visits already take,
and the eligible pool (read only; the draw, ad-hoc orders, replacements and follow-ups ask here).

    away_days(county=, first=, last=) -> {username: (date, ...)}   the draw's input (`InspectorState.away`)
    eligible_inspectors(county=, township=, on=, exclude=()) -> [Inspector]
        active, not from the township, not on leave that day, not on another visit that day
    why_not(county=, township=, on=, inspector=) -> str | None       the refusal, in a sentence
"""

from __future__ import annotations

from datetime import date, timedelta

from inspection.models import County, Inspection, Inspector, InspectorLeave, TeamMember, Township

LIVE = [Inspection.Status.PLANNED, Inspection.Status.DISPATCHED]


def in_force(county: County):
    return InspectorLeave.objects.filter(county=county, withdrawn_at__isnull=True)


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
