"""The planner: weekly probabilities from capacity, the key-managed ratio and the two-month cap.

The key-managed ratio is a ratio of visit *rates*, as the commission means it. The planner turns
it into hazards p (ordinary) and q (key-managed) with N_o·r(p) + N_k·r(q) = C and r(q) = ratio·r(p),
where r(p) = 1 / E[weeks between visits] with weekly probability p until the township is due
(`cycle_caps` gives when that is, from the real calendar). When honouring the ratio would leave
ordinary townships less than `floor_share` (half) of the probability they would have with no
key-managed weighting, the ratio is lowered, and said so. `hazards` is what the weekly draw uses
to weight key-managed townships; `plan_capacity` and `capacity_for_floor` show a county what its
capacity buys; `minimum_capacity` is the least capacity that keeps the coverage rules at all.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from datetime import date, timedelta
from functools import lru_cache

from rotation.calendar import (
    MAX_GAP_DAYS,
    WEEKS_LIMIT,
    RotationInputError,
    default_weekdays,
    next_deadline_ord,
)
from rotation.inputs import DEFAULT_FLOOR_SHARE, DEFAULT_RATIO, Plan


def _mean_cycle(p: float, caps: tuple[tuple[int, float], ...]) -> float:
    """Expected weeks between visits with weekly probability p until forced at week L (L weighted by caps)."""
    if p <= 0:
        return sum(weight * cap for cap, weight in caps)
    if p >= 1:
        return 1.0
    return sum(weight * (1 - (1 - p) ** cap) / p for cap, weight in caps)


def _rate(p: float, caps) -> float:
    return 1.0 / _mean_cycle(p, caps)


def _inverse_rate(rate: float, caps) -> float:
    """The weekly probability whose visit rate is `rate` (rates below the forced minimum give 0)."""
    if rate <= _rate(0.0, caps):
        return 0.0
    if rate >= 1.0:
        return 1.0
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        if _rate(mid, caps) < rate:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _capacity_used(p: float, ordinary: int, key: int, ratio: float, caps) -> float:
    rate = _rate(p, caps)
    return ordinary * rate + key * min(1.0, ratio * rate)


def _solve_floor(ordinary: int, key: int, capacity: float, ratio: float, caps) -> float:
    """The largest ordinary weekly probability whose visits, with key-managed at `ratio` times the rate, fit."""
    if _capacity_used(0.0, ordinary, key, ratio, caps) > capacity:
        return -1.0  # the ratio itself does not fit
    if _capacity_used(1.0, ordinary, key, ratio, caps) <= capacity:
        return 1.0
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        if _capacity_used(mid, ordinary, key, ratio, caps) <= capacity:
            low = mid
        else:
            high = mid
    return low


ISSUE_CAPS = ((WEEKS_LIMIT, 1.0),)  # the issue's formula: forced in the 8th week


@lru_cache(maxsize=256)
def cycle_caps(weekdays: tuple[int, ...], iso_year: int) -> tuple[tuple[int, float], ...]:
    """How many weeks after a visit a township becomes due, over every slot of an ISO year.

    The issue's limit counts 8 weeks. With the real rules it depends on the day: a Monday visit is
    due by Saturday of the 8th week after, a Friday visit by Wednesday of the 9th, and a visit in
    late December by the end of February. Weighting each slot of the year equally gives the
    calendar-adjusted distribution of that cap, which the planner uses instead of a flat 8.
    """
    first = date.fromisocalendar(iso_year, 1, 1).toordinal()
    weeks = date(iso_year, 12, 28).isocalendar()[1]
    counts: dict[int, int] = {}
    for w in range(weeks):
        for d in weekdays:
            due = next_deadline_ord(first + 7 * w + d)
            cap = (due - weekdays[0] - first) // 7 - w  # the last week whose first slot is on or before the deadline
            counts[cap] = counts.get(cap, 0) + 1
    total = sum(counts.values())
    return tuple((cap, counts[cap] / total) for cap in sorted(counts))


def calendar_caps(slot_days: tuple[int, ...], after) -> tuple[tuple[int, float], ...]:
    """`cycle_caps` on real slot days (ordinals): the week, counted from the visit's week, of the
    (planned) deadline `after(x)` that a visit on day x creates, weighted over the given slots."""
    # (x + 6) % 7: the weekday of ordinal x, Monday 0; after(x) - (x - weekday) computed as after(x) - x + weekday
    weeks = Counter([(due - x + (x + 6) % 7) // 7 for due, x in zip(map(after, slot_days), slot_days)])
    counts: dict[int, int] = {}
    for cap, count in weeks.items():
        cap = max(1, cap)
        counts[cap] = counts.get(cap, 0) + count
    total = sum(counts.values())
    if not total:
        return ISSUE_CAPS
    return tuple((cap, counts[cap] / total) for cap in sorted(counts))


@lru_cache(maxsize=4096)
def hazards(ordinary: int, key: int, capacity: int, ratio: float, floor_share: float, caps):
    """(ordinary p, key-managed q, effective ratio, lowered?) for the random fill."""
    n = ordinary + key
    if capacity >= n:
        return 1.0, 1.0, 1.0, False
    best = _solve_floor(n, 0, capacity, 1.0, caps)  # everyone equal: the most unpredictability
    if best < 1e-6:  # no room beyond the deadlines: a rotation whatever the weights
        return 0.0, 0.0, 1.0, key > 0 and ratio > 1
    if key == 0 or ordinary == 0:
        return best, best, float(ratio), False
    p = _solve_floor(ordinary, key, capacity, ratio, caps)
    lowered = False
    if p < floor_share * best:
        # Honouring the ratio would cost ordinary townships more than the allowed share of their
        # unpredictability: keep that share and give key-managed townships what is left.
        p = floor_share * best
        lowered = True
    rate = _rate(p, caps)
    key_rate = min(1.0, (capacity - ordinary * rate) / key)
    effective = key_rate / rate
    if not lowered and effective < ratio - 1e-9:
        lowered = True  # key-managed townships are already drawn every week
    return p, _inverse_rate(key_rate, caps), min(float(ratio), effective), lowered


@lru_cache(maxsize=1024)
def _edf_feasible(n: int, weekdays: tuple[int, ...], start_ord: int, weeks: int) -> bool:
    """Plain EDF from a fresh start keeps every deadline for `weeks` weeks (EDF is optimal, see `rotation.weekly`)."""
    slots = len(weekdays)
    if slots >= n:
        return True
    first = next_deadline_ord(start_ord - 1)
    heap = [first] * n
    for w in range(weeks):
        base = start_ord + 7 * w
        for d in weekdays:
            x = base + d
            due = heapq.heappop(heap)
            if due < x:
                return False
            heapq.heappush(heap, next_deadline_ord(x))
    return True


def minimum_capacity(n: int, *, start: date, weeks: int = 104) -> int:
    """The least weekly capacity that keeps both coverage rules for `weeks` weeks from a fresh start."""
    if n <= 0:
        return 0
    capacity = max(1, math.ceil(n * 7 / (MAX_GAP_DAYS + 7)))
    start_ord = start.toordinal()
    while capacity < n:
        if _edf_feasible(n, default_weekdays(capacity), start_ord, weeks):
            return capacity
        capacity += 1
    return n


def _percent(x: float) -> str:
    return f"{x * 100:.1f}%"


def plan_capacity(
    townships: int,
    capacity: int,
    *,
    key_managed: int = 0,
    ratio: float = DEFAULT_RATIO,
    floor_share: float = DEFAULT_FLOOR_SHARE,
    start: date | None = None,
    caps=None,
) -> Plan:
    """The floor a capacity buys, with the issue's limit (1−(1−p)^8)/p = N/C generalised to key-managed
    townships drawn at `ratio` times the ordinary visit rate, and the coverage check against the calendar."""
    if townships <= 0 or capacity <= 0:
        raise RotationInputError("乡镇数和每周检查次数都必须大于 0")
    start = start or date.today()
    start = start - timedelta(days=start.weekday())
    if caps is None:
        caps = cycle_caps(default_weekdays(min(capacity, townships)), start.isocalendar()[0])
    key_managed = min(key_managed, townships)
    ordinary = townships - key_managed
    needed = minimum_capacity(townships, start=start)
    feasible = capacity >= needed
    warnings = []
    if not feasible:
        warnings.append(
            f"每周 {capacity} 次不足以保证每个乡镇每两个月、且每 61 天内至少检查一次，至少需要每周 {needed} 次"
        )
        return Plan(townships, key_managed, capacity, ratio, 1.0, 0.0, 0.0, needed, False, tuple(warnings))
    p, q, effective, lowered = hazards(ordinary, key_managed, capacity, float(ratio), floor_share, caps)
    if capacity < math.ceil(needed * 1.15) and capacity < townships:
        warnings.append(
            f"覆盖要求有风险：每周 {capacity} 次仅略高于最低需要的 {needed} 次，"
            "节假日或人员缺岗都可能导致逾期"
        )
    if key_managed and lowered:
        warnings.append(
            f"每周 {capacity} 次无法在保持普通乡镇不可预测性的同时实现重点管理乡镇 {ratio:g} 倍的检查频次，"
            f"倍数已降至 {effective:.2f}"
        )
    if 0 < p < 0.05:
        warnings.append(f"普通乡镇每周被抽中的概率仅 {_percent(p)}，检查接近固定轮换，建议增加每周检查次数")
    return Plan(townships, key_managed, capacity, float(ratio), effective, p, q, needed, True, tuple(warnings))


def capacity_for_floor(townships: int, floor: float, **options) -> Plan:
    """The planner's inverse: the first capacity whose plan gives ordinary townships at least `floor`.

    `options` are `plan_capacity`'s keywords (key_managed, ratio, floor_share, start, caps), passed on as given.
    """
    if not 0 < floor <= 1:
        raise RotationInputError("目标概率应在 0 与 1 之间")
    for capacity in range(1, townships + 1):
        plan = plan_capacity(townships, capacity, **options)
        if plan.feasible and plan.floor >= floor - 1e-12:
            return plan
    # Every township every week: hazards() is 1 whatever floor_share, so passing it on changes nothing.
    return plan_capacity(townships, townships, **options)
