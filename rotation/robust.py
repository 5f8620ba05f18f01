"""Is a capacity robust? The laziest schedule the draw allows, with one week lost or one visit missed.

The weekly draw only promises to keep the *planned* deadlines feasible (`rotation.weekly`): its
random fill may leave every township as late as those allow. So robustness is checked against the
laziest draw there is: each week the look-ahead's bounds are met with the townships whose
deadlines are latest among those the bounds allow, and the rest of the slots go to the townships
due last. From that schedule, week w's draw is lost (no visit at all), or week w's visit with the
earliest deadline is not made (its township keeps its deadline; no make-up draw); the capacity is
robust when, for every w of the year, every real deadline still holds.

Standard library only, like the rest of the draw.
"""

from __future__ import annotations

from datetime import date, timedelta

from rotation.calendar import MAX_GAP_DAYS, RotationInputError, next_deadline_ord
from rotation.inputs import DEFAULT_FLOOR_SHARE, DEFAULT_RATIO, Plan
from rotation.planner import calendar_caps, hazards
from rotation.slots import Planned, future_slots, share, spread, workday_ordinals
from rotation.weekly import _requirements
from rotation.workdays import PLAIN


def _lazy_picks(order: list[int], cuts: dict[int, int], slots: int) -> list[int]:
    """Positions (in deadline order) of a selection meeting every prefix bound, as late as possible."""
    n = len(order)
    chosen: set[int] = set()
    for cut in sorted(cuts):
        have = sum(1 for j in chosen if j < cut)
        for j in range(cut - 1, -1, -1):
            if have >= cuts[cut]:
                break
            if j not in chosen:
                chosen.add(j)
                have += 1
    for j in range(n - 1, -1, -1):
        if len(chosen) >= slots:
            break
        chosen.add(j)
    return sorted(chosen)


def _week_bounds(state, slot_days, future, planned) -> dict[int, int]:
    real = [r for _, r in state]
    cuts, _ = _requirements(real, slot_days, future, next_deadline_ord)
    planned_cuts, _ = _requirements([p for p, _ in state], slot_days, future,
                                    lambda x: planned(next_deadline_ord(x)))
    for cut, need in planned_cuts.items():
        cuts[cut] = max(need, cuts.get(cut, 0))
    return cuts


def lazy_run(n: int, weeks_slots: list[list[int]], start_ord: int, planned: Planned, *,
             lost_week: int | None = None, miss_week: int | None = None, check_weeks: int | None = None) -> bool:
    """The laziest schedule over `weeks_slots` (each week's slot days; the weeks after `check_weeks`
    only feed the look-ahead) keeps every real deadline, with the given fault."""
    real0 = next_deadline_ord(start_ord - 1)
    state = [(planned(real0), real0)] * n  # (planned, real) deadline of every township
    check = len(weeks_slots) if check_weeks is None else check_weeks
    for w in range(check):
        slot_days = weeks_slots[w]
        future = [x for week in weeks_slots[w + 1:] for x in week]
        state.sort()
        next_slot = future[0] if future else slot_days[-1] + 7 if slot_days else start_ord + 7 * (w + 1)
        if w == lost_week or not slot_days:
            if any(r < next_slot for _, r in state):
                return False
            continue
        picks = _lazy_picks(state, _week_bounds(state, slot_days, future, planned), len(slot_days))
        chosen = set(picks)
        if any(state[j][1] < next_slot for j in range(n) if j not in chosen):
            return False
        for j, day in zip(picks, slot_days):  # earliest deadline on the earliest slot
            if state[j][1] < day:
                return False
        made = list(zip(picks, slot_days))
        for j, day in made[1:] if w == miss_week else made:
            after = next_deadline_ord(day)
            state[j] = (planned(after), after)
    return True


def calendar_plan(townships: int, capacity: int, *, calendar=None, start: date, margin: int = 0,
                  per_day: int | None = None, key_managed: int = 0, ratio: float = DEFAULT_RATIO,
                  floor_share: float = DEFAULT_FLOOR_SHARE, weeks: int = 52, robust: bool = True) -> Plan:
    """What `capacity` buys over the real coming working days of `calendar` from `start` (a fresh start).

    minimum_capacity: the least capacity that keeps both coverage rules on those days (holiday-aware);
    robust_capacity (when `robust`): the least at which, planning `margin` working days early, the
    laziest draw survives one lost week or one missed visit anywhere in the `weeks`; floor, key_floor:
    the weekly probabilities with that margin, and margin_cost what the margin takes from the floor.
    """
    if townships <= 0 or capacity <= 0:
        raise RotationInputError("乡镇数和每周检查次数都必须大于 0")
    first = (start - timedelta(days=start.weekday())).toordinal()
    ahead = weeks + (2 * (MAX_GAP_DAYS + 7)) // 7  # the look-ahead of the year's last week
    days = workday_ordinals(calendar or PLAIN, first - 7 * (margin // 5 + 3), first + 7 * (ahead + 12))
    planned, exact = Planned(days, margin), Planned(days, 0)

    def weeks_at(c: int) -> list[list[int]]:
        return [_slots_of_week(days, first + 7 * w, c, per_day or c) for w in range(ahead)]

    def least(fits, low: int = 1) -> int:
        return next((c for c in range(low, townships + 1) if fits(c)), townships)

    needed = least(lambda c: lazy_run(townships, weeks_at(c), first, exact, check_weeks=weeks))
    robust_at = least(lambda c: is_robust(townships, weeks_at(c), first, planned, weeks), needed) if robust else None
    slot_days = [x for week in weeks_at(capacity)[:weeks] for x in week]
    mean = len(slot_days) / weeks
    key_managed = min(key_managed, townships)

    def floors(plan_with) -> tuple:
        caps = calendar_caps(tuple(slot_days), lambda x: plan_with(next_deadline_ord(x)))
        return hazards(townships - key_managed, key_managed, mean, float(ratio), floor_share, caps)

    p, q, effective, lowered = floors(planned)
    cost = max(0.0, floors(exact)[0] - p)
    warnings = _calendar_warnings(capacity, needed, robust_at, margin, bool(key_managed and lowered), ratio, effective,
                                  key_managed == townships)
    if key_managed == townships:
        effective = 1.0
    return Plan(townships, key_managed, capacity, float(ratio), effective, p, q, needed, capacity >= needed,
                tuple(warnings), margin, robust_at, cost, mean)


def _slots_of_week(days: list[int], monday: int, capacity: int, per_day: int) -> list[int]:
    week = [d for d in days if monday <= d < monday + 7]
    return spread(week, min(share(capacity, len(week)), per_day * len(week)))


def is_robust(n: int, weeks_slots: list[list[int]], start_ord: int, planned: Planned, weeks: int) -> bool:
    """The laziest draw keeps the planned deadlines, and the real ones after any one lost week or missed visit."""
    if not lazy_run(n, weeks_slots, start_ord, Planned(planned.days, 0) if False else planned, check_weeks=weeks):
        return False
    return all(
        lazy_run(n, weeks_slots, start_ord, planned, lost_week=w, check_weeks=weeks)
        and lazy_run(n, weeks_slots, start_ord, planned, miss_week=w, check_weeks=weeks)
        for w in range(weeks)
    )


def _calendar_warnings(capacity, needed, robust, margin, lowered, ratio, effective, all_key) -> list[str]:
    warnings = []
    if capacity < needed:
        warnings.append(
            f"按实际工作日（含法定节假日和调休），每周 {capacity} 次不足以保证每个乡镇每两个月、且每 61 天内"
            f"至少检查一次，至少需要每周 {needed} 次"
        )
    elif robust is not None and capacity < robust:
        warnings.append(
            f"每周 {capacity} 次在提前 {margin} 个工作日安排的情况下，一周未抽签或一次检查未完成就可能导致逾期；"
            f"至少每周 {robust} 次才有余量"
        )
    if all_key and ratio != 1:
        warnings.append(f"全部乡镇均为重点管理，重点管理 {ratio:g} 倍的检查频次不起作用")
    elif lowered:
        warnings.append(
            f"每周 {capacity} 次无法在保持普通乡镇不可预测性的同时实现重点管理乡镇 {ratio:g} 倍的检查频次，"
            f"倍数已降至 {effective:.2f}"
        )
    return warnings
