"""Make-up and late draws (issue 17): a lost visit or a lost week is drawn again, verifiably.

    freed_slots(county=, week=) -> int
        the week's drawn visits missed or cancelled, less the slots make-up draws already gave out
    at_risk(county=, week=) -> list[str]
        townships whose deadline falls before the week after next can place them: the next weekly
        draw alone would leave no slack for them
    plan_makeup(county=, today=, from_day=, actor=None) -> Draw | None
        an audited make-up draw ("makeup-<n>") of the freed slots for the rest of the week, when a
        township is at risk; its randomness is the week key's own label, so it verifies like the week
    seal_missing_week(county=, today=, actor=None) -> Draw | None
        the Friday job did not run: the current week is sealed late ("late") for its remaining days

Both go through `draws.seal_draw`, so the inputs and result are stored like the weekly draw's and
`verify_draw(county=, week=, label=)` recomputes them.
"""

from __future__ import annotations

from datetime import date, timedelta

import rotation
from inspection.models import County, Draw, Inspection
from inspection.services import draws

LOST = [Inspection.Status.MISSED, Inspection.Status.CANCELLED]
AT_RISK_DAYS = 13  # through the Sunday of next week, counted from this week's Monday
MAKEUP_REASON = "补充抽签：只能使用本周因未实施或撤销而空出的 {slots} 个名额"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def freed_slots(*, county: County, week: str) -> int:
    given = sum(d.inputs.get("capacity", 0) for d in Draw.objects.filter(county=county, week=week,
                                                                          label__startswith="makeup-"))
    return lost_slots(county=county, week=week, given=given)


def lost_slots(*, county: County, week: str, given: int) -> int:
    """`freed_slots` when the make-up draws' capacities (`given`) are already known."""
    lost = Inspection.objects.filter(county=county, draw__week=week, status__in=LOST).count()
    return max(lost - given, 0)


def at_risk(*, county: County, week: str) -> list[str]:
    """Townships (codes) whose deadline, from the visits that count (this week's still to come
    included), falls before the end of next week."""
    week_start = rotation.parse_week(week)
    inputs = draws.draw_inputs(county=county, week=week, before=week_start + timedelta(days=7))
    fresh = (inputs.origin or week_start) - timedelta(days=1)
    limit = week_start + timedelta(days=AT_RISK_DAYS)
    return [t.code for t in inputs.townships if rotation.next_deadline(t.last_inspected or fresh) <= limit]


def plan_makeup(*, county: County, today: date, from_day: date, actor=None) -> Draw | None:
    """A make-up draw for the rest of `today`'s week, when slots were freed and a deadline is at risk."""
    monday = _monday(today)
    week = rotation.week_label(monday)
    if from_day > monday + timedelta(days=6):
        return None  # the week is over: next week's draw takes the pool
    if not Draw.objects.filter(county=county, week=week, label__in=draws.MAIN_LABELS).exists():
        return None
    slots = freed_slots(county=county, week=week)
    if not slots or not at_risk(county=county, week=week):
        return None
    label = f"makeup-{Draw.objects.filter(county=county, week=week, label__startswith='makeup-').count() + 1}"
    return draws.seal_draw(
        county=county, week=week, actor=actor, today=today, label=label, from_day=from_day, capacity=slots,
        accept_shortfall=MAKEUP_REASON.format(slots=slots),
    )


def seal_missing_week(*, county: County, today: date, actor=None) -> Draw | None:
    """The current week has no draw although the county draws every week: seal it late, from today."""
    monday = _monday(today)
    week = rotation.week_label(monday)
    if Draw.objects.filter(county=county, week=week).exists():
        return None
    if not Draw.objects.filter(county=county, week_start__lt=monday).exists():
        return None  # a county that has never drawn is not missing a week
    return draws.seal_draw(county=county, week=week, actor=actor, today=today, label="late", from_day=today)
