"""The holiday-aware plan: what a capacity buys over the real coming working days, and whether it is robust.

Robust means: planning every deadline `margin` working days early, one lost week (its draw never
ran) or one missed visit anywhere in the coming year still keeps every real deadline. It is
checked on earliest-(planned-)deadline-first over the real slot days from a fresh start, with the
fault injected at each week in turn; the weekly draw keeps exactly that schedule feasible (its
look-ahead), so the check is what the draw can promise. It is not a worst case over every random
draw: a draw that happened to leave every township as late as the bounds allow can still be
caught by a lost week before 春节 when the two-month period ends just after it. The simulations
(`simulate_draws --skip-week/--miss-week`, bench/bench_draw.py) measure the real draw.

Standard library only, like the rest of the draw.
"""

from __future__ import annotations

import heapq
from datetime import date, timedelta

from rotation.calendar import MAX_GAP_DAYS, RotationInputError, next_deadline_ord
from rotation.inputs import DEFAULT_FLOOR_SHARE, DEFAULT_RATIO, Plan
from rotation.planner import calendar_caps, hazards
from rotation.slots import Planned, future_slots, workday_ordinals
from rotation.workdays import PLAIN


def edf_run(n: int, slot_days: list[int], start_ord: int, planned, *, strict: bool = False,
            lost_week: int | None = None, miss_week: int | None = None) -> bool:
    """Earliest-(planned-)deadline-first over real slot days from a fresh start keeps every real
    deadline (`strict`: every planned one). Faults: `lost_week` (0-based) has no visit at all; in
    `miss_week` the first visit (earliest planned deadline) is not made and its township goes back."""
    if n <= 0:
        return True
    real = next_deadline_ord(start_ord - 1)
    heap = [(planned(real), real, i) for i in range(n)]
    heapq.heapify(heap)
    checked = 0 if strict else 1
    missed = False
    for x in slot_days:
        week = (x - start_ord) // 7
        if week == lost_week:
            continue
        item = heapq.heappop(heap)
        if item[checked] < x:
            return False
        if week == miss_week and not missed:
            missed = True
            heapq.heappush(heap, item)
            continue
        after = next_deadline_ord(x)
        heapq.heappush(heap, (planned(after), after, item[2]))
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
    days = workday_ordinals(calendar or PLAIN, first - 7 * (margin // 5 + 3), first + 7 * weeks + 2 * (MAX_GAP_DAYS + 7))
    planned, exact = Planned(days, margin), Planned(days, 0)

    def slots_at(c: int) -> list[int]:
        return future_slots(days, first, c, per_day or c, first + 7 * (weeks - 1))

    def least(fits, low: int = 1) -> int:
        return next((c for c in range(low, townships + 1) if fits(c)), townships)

    needed = least(lambda c: edf_run(townships, slots_at(c), first, exact))
    robust_at = least(lambda c: is_robust(townships, slots_at(c), first, planned, weeks), needed) if robust else None
    slot_days = slots_at(capacity)
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


def is_robust(n: int, slot_days: list[int], start_ord: int, planned: Planned, weeks: int) -> bool:
    """The planned deadlines hold, and the real ones after any one lost week or any one missed visit."""
    if not edf_run(n, slot_days, start_ord, planned, strict=True):
        return False
    return all(
        edf_run(n, slot_days, start_ord, planned, lost_week=w) and edf_run(n, slot_days, start_ord, planned, miss_week=w)
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
