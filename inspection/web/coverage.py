"""The coverage rule and the planner as the pages show them, from rotation/.

Nothing is recomputed here: the period, each township's deadline and the floor a county's
capacity buys are the draw's own functions, so the dashboard and the draw never disagree.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import rotation
from inspection.errors import InspectionError
from inspection.services.draws import county_plan

NEAR_DAYS = 14  # "deadline near" on the grid: two weeks, the time it takes to fit a visit in


def period_of(day: date) -> tuple[date, date]:
    return rotation.period_bounds(rotation.period_index(day))


def deadline(*, today: date, last_visit: date | None) -> date:
    """The latest day of the next visit. A township never visited counts, as in the draw's fresh
    start, as visited the day before this period began."""
    if last_visit is None:
        last_visit = period_of(today)[0] - timedelta(days=1)
    return rotation.next_deadline(last_visit)


@dataclass(frozen=True)
class Capacity:
    per_week: int
    key_managed: int
    floor_percent: str
    key_floor_percent: str
    effective_ratio: float
    minimum: int
    feasible: bool
    warnings: tuple[str, ...]
    choices: tuple[tuple[int, float], ...] = ()  # (inspections a week, ordinary floor) around the current one


def _percent(x: float) -> str:
    return f"{x * 100:.1f}%"


def capacity(county, townships, today: date | None = None) -> Capacity | None:
    """What the county's weekly capacity buys: the unpredictability floor (rotation.planner)."""
    keys = sum(1 for t in townships if t.key_managed)
    try:
        plan = county_plan(county=county, key_managed=keys, today=today, townships_count=len(townships))
    except InspectionError:
        return None
    # What one or two more (or fewer) inspections a week would buy: the same planner, no queries.
    low = max(plan.minimum_capacity, plan.capacity - 2, 1)
    choices = []
    for c in range(low, min(low + 6, len(townships)) + 1):
        option = rotation.plan_capacity(len(townships), c, key_managed=keys, ratio=county.key_ratio, start=today)
        if option.feasible:
            choices.append((c, option.floor))
    return Capacity(
        per_week=plan.capacity,
        key_managed=keys,
        floor_percent=_percent(plan.floor),
        key_floor_percent=_percent(plan.key_floor) if keys else "",
        effective_ratio=plan.effective_ratio,
        minimum=plan.minimum_capacity,
        feasible=plan.feasible,
        warnings=plan.warnings,
        choices=tuple(choices),
    )
