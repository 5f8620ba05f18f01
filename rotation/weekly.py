"""One week's draw: lower bounds from the deadlines, water-filled probabilities, the sample, the teams.

- The draw never paints itself into a corner. The next deadline after a visit, f(x) of
  `rotation.calendar`, is the same for every township and monotone in x, so earliest-deadline-
  first (EDF), filling every slot, is an optimal completion, and its service order is the sorted
  merge of today's deadlines with the deadlines the future slots create. A week's selection S is
  therefore feasible exactly when, for every future slot z_k,
      #{township not in S with deadline < z_k} <= (future slots before z_k)
                                                 - (deadlines created by earlier slots that fall before z_k)
  These are lower bounds on how many of the townships with the earliest deadlines S must contain.
- Free choice is random with exact inclusion probabilities: weights (ordinary 1, key-managed the
  planner's hazard ratio) are water-filled into probabilities that sum to the capacity and meet
  every lower bound above; a systematic sample (`rotation.randomness`) over the townships in
  deadline order then meets every bound by construction (a prefix whose probabilities sum to n
  always holds n picks).
- Age balancing: per class (ordinary/key-managed × weeks since the last visit, 1..8) the draw
  carries the planned minus the realised number of visits (`balance`, in ticks) from week to week
  and tilts that class's weights by exp(0.5 · debt), so that the realised probability at every
  age stays at the planned one instead of drifting by chance. It changes which probabilities are
  used, never their exactness: each week's probabilities are still computed before the sample.
- Then the drawn townships take the week's slots (what is due this week first) and get their
  teams (`rotation.teams`).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from itertools import accumulate, repeat
from operator import attrgetter, mul

from rotation.carry import Carry, Roster
from rotation.calendar import WORKDAYS, RotationInputError, next_deadline_ord
from rotation.frame import Week, missed, place_at_random, place_in_order, week_v1, week_v2
from rotation.inputs import ALGORITHMS, V1, DrawInputs, DrawResult, TownshipState, Visit, built, visit
from rotation.notes import Facts, warnings_v1, warnings_v2
from rotation.planner import hazards
from rotation.randomness import TICKS, start_ticks, systematic_select
from rotation.teams import assign_teams, staff_days

_CODE = attrgetter("code")
_KEY_MANAGED = attrgetter("key_managed")
# One date object per day for every draw of a process (dates are immutable), made once.
_day = lru_cache(maxsize=4096)(date.fromordinal)


@lru_cache(maxsize=2048)
def _longest_spent(this_days: tuple[int, ...], after: Callable[[int], int]) -> list:
    """The walk of `_spent` over the longest future asked so far for these slots and deadline rule:
    [future, spent, deadlines generated, position in them], to read prefixes from and resume."""
    return [(), [], sorted(after(x) for x in this_days), 0]  # sorted: `after` is monotone


def _spent(this_days: tuple[int, ...], future: tuple[int, ...], after: Callable[[int], int]) -> tuple[int, ...]:
    """For each future slot z_k: the future slots before it minus the deadlines that this week's and
    the earlier future slots create before it. It depends on the calendar alone, not on the townships,
    so every county drawing the same week with the same slots shares it.

    Entry k depends on the future slots up to z_k only, and the counties of a week ask for prefixes
    of the same future (their horizons differ): a future that is a prefix of the longest one walked
    reads its entries, and one that extends it resumes the walk where it stopped.
    """
    known = _longest_spent(this_days, after)
    longest = known[0]
    n, m = len(future), len(longest)
    if n <= m and longest[:n] == future:
        return tuple(known[1][:n])
    if n > m and future[:m] == longest:
        _walk(future, known, after)
        return tuple(known[1])
    fresh = [(), [], sorted(after(x) for x in this_days), 0]  # another future of the same slots
    _walk(future, fresh, after)
    if n > m:
        known[:] = fresh
    return tuple(fresh[1])


def _walk(future: tuple[int, ...], state: list, after: Callable[[int], int]) -> None:
    """Extend `state` ([future walked, spent, generated, gi]) over the rest of `future`."""
    walked, spent, generated, gi = state
    for k in range(len(walked), len(future)):  # k: future slots before z
        z = future[k]
        gi = bisect_left(generated, z, gi)  # sorted, and z only grows
        spent.append(k - gi)
        generated.append(after(z))
    state[0], state[3] = future, gi


def _requirements(deadlines: list[int], this_days: Sequence[int], future: Sequence[int],
                  after: Callable[[int], int]) -> tuple[dict[int, int], int | None]:
    """Lower bounds {prefix length in deadline order: least picks from it} this week's selection must meet.

    `this_days` are this week's slot days, `future` every later slot day up to the horizon (both sorted
    ordinals), `after(x)` the (planned) deadline a visit on day x creates. Also returns the first day
    on which coverage fails whatever is chosen now (capacity short), or None.
    """
    n = len(deadlines)
    slots = len(this_days)
    spent = _spent(tuple(this_days), tuple(future), after)
    cuts: dict[int, int] = {}
    shortfall = None
    count = len(future)
    lo = di = 0
    # Slot z_k needs di - spent_k picks among the di townships due before it. di only changes at a
    # deadline, so the slots run by runs of equal di: one minimum per run, not one step per slot.
    while lo < count:
        di = bisect_left(deadlines, future[lo], di)  # townships due before every slot of this run
        hi = bisect_right(future, deadlines[di], lo) if di < n else count
        if hi - lo < 8:  # short runs (nearly all) by hand: a min() call alone costs more in 3.11
            fewest = spent[lo]
            for k in range(lo + 1, hi):
                if spent[k] < fewest:
                    fewest = spent[k]
        else:
            fewest = min(spent[lo:hi])
        need = di - fewest
        if need > 0:
            most = di if di < slots else slots
            if need > most and shortfall is None:  # the run's first slot that cannot be covered
                shortfall = next(future[k] for k in range(lo, hi) if di - spent[k] > most)
            least = need if need < most else most
            if di < n and least > cuts.get(di, 0):
                cuts[di] = least
        lo = hi
    return cuts, shortfall


def _water_fill(weights: Sequence[float], total: float) -> tuple[list[float], float]:
    """Probabilities min(1, λ·w) summing to `total`, and λ (inf when every unit is taken)."""
    n = len(weights)
    if total >= n:
        return [1.0] * n, math.inf
    if total <= 0:
        return [0.0] * n, 0.0
    order = sorted(range(n), key=weights.__getitem__, reverse=True)  # stable: ties keep their frame order
    ordered = list(map(weights.__getitem__, order))
    # Summed from the small end (no cancellation when heavy units are capped): suffix[pos] is
    # ordered[pos] + ... + ordered[n - 1], added in exactly that order from the end, then 0.
    suffix = list(accumulate(reversed(ordered)))
    suffix.reverse()
    suffix.append(0.0)
    k = 0
    while k < n and ordered[k] * (total - k) >= suffix[k]:
        k += 1
    lam = (total - k) / suffix[k]
    out = [0.0] * n
    for pos, i in enumerate(order):
        out[i] = 1.0 if pos < k else ordered[pos] * lam
    return out, lam


def _inclusion(weights: list[float], cuts: list[tuple[int, int]], total: int) -> list[float]:
    """Water-filled probabilities meeting every prefix lower bound (weights in deadline order).

    The most demanding prefix gets its own, higher level; the rest is filled again after it.
    """
    n = len(weights)
    probs = [0.0] * n
    low = 0
    base = 0
    while True:
        rest, lam = _water_fill(weights[low:], total - base)
        binding = None
        for cut, need in cuts:
            if cut <= low or need - base <= 0:
                continue
            prefix = cut - low
            if sum(rest[:prefix]) >= need - base - 1e-11:
                continue
            filled, cut_lam = _water_fill(weights[low:cut], need - base)
            if binding is None or cut_lam >= binding[2]:
                binding = (cut, need, cut_lam, filled)  # kept: filling the binding prefix again gives the same
        if binding is None:
            probs[low:] = rest
            return probs
        cut, need, _, probs[low:cut] = binding
        low, base = cut, need


# TICKS as a float: the same products (the int is converted to exactly this double), without converting a
# two-digit int for every township.
_TICKS_FLOAT = float(TICKS)


def _quantise(probs: Sequence[float]) -> list[int]:
    """Exact ticks: whole units stay TICKS, fractions are rounded cumulatively so every prefix sum is kept."""
    out: list[int] = []
    append = out.append  # bound once: this runs twice a draw over every township
    whole = TICKS
    frac = 0.0
    prev = 0
    for p in probs:
        if p >= 1.0:
            append(whole)
            continue
        frac += p
        now = round(frac * _TICKS_FLOAT)
        step = now - prev
        append(step if step < whole else whole)
        prev = now
    return out


BALANCE_GAIN = 0.5


BALANCE_CLASSES = 8


_CLASS_NAMES = {(prefix, age): prefix + str(age) for prefix in "ko" for age in range(1, BALANCE_CLASSES + 1)}


_BY_AGE = {prefix: [None, *(_CLASS_NAMES[prefix, age] for age in range(1, BALANCE_CLASSES + 1))] for prefix in "ko"}


def _age_classes(frame: Sequence[TownshipState], lasts: Sequence[int], start_ord: int) -> list[str]:
    """Each township's age class: key-managed or ordinary × whole weeks since the Monday of its last
    visit's week, 1..BALANCE_CLASSES; `lasts` the frame's last visits as ordinals (never visited: the
    day before the origin; `Week.frame_lasts`, read instead of each township's date again)."""
    out = []
    append = out.append
    key_names, ordinary_names = _BY_AGE["k"], _BY_AGE["o"]
    for t, last in zip(frame, lasts):
        age = (start_ord - (last - (last + 6) % 7)) // 7  # ordinal 1 is a Monday
        append((key_names if t.key_managed else ordinary_names)[
            1 if age < 1 else age if age < BALANCE_CLASSES else BALANCE_CLASSES])
    return out


def validate(inputs: DrawInputs, carry: Carry | None = None) -> Roster | None:
    """Refuse inputs that cannot be drawn at all. Too few inspectors is not one of them (v2): the
    townships are still drawn and the visits no team can take are flagged (`DrawResult.unstaffed`).
    Returns the roster's facts (its names checked; from a `carry` when one is given), or None without inspectors."""
    inputs.week_start  # noqa: B018 - parses the week
    if inputs.algorithm not in ALGORITHMS:
        raise RotationInputError(f"不支持的抽签算法版本：{inputs.algorithm!r}")
    if inputs.capacity < 1 or inputs.weekly_capacity < 1:
        raise RotationInputError("每周检查次数必须至少为 1")
    if not inputs.townships:
        raise RotationInputError("没有可抽取的乡镇")
    codes = list(map(_CODE, inputs.townships))
    if len(set(codes)) != len(codes):
        raise RotationInputError("乡镇代码重复")
    if inputs.ratio < 1:
        raise RotationInputError("重点管理倍率不能小于 1")
    if inputs.margin < 0 or (inputs.per_day is not None and inputs.per_day < 1):
        raise RotationInputError("余量不能为负数，每天检查次数上限至少为 1")
    pattern = inputs.weekdays
    if pattern is not None and (len(pattern) != inputs.capacity or any(not 0 <= d < WORKDAYS for d in pattern)):
        raise RotationInputError("每次检查的工作日须为周一至周五（0–4），数量与每周检查次数相同")
    if inputs.inspectors:
        if inputs.team_size < 2:
            raise RotationInputError("每个督查组至少 2 人")
        # The roster's facts, which refuse duplicate names: the county's carried ones when a simulation
        # passes its `carry` (v2 only), else made for this draw.
        roster = carry.roster(inputs.inspectors) if carry is not None else Roster(inputs.inspectors)
        if inputs.algorithm == V1:
            for code in codes:
                eligible = sum(1 for i in inputs.inspectors if i.home != code)
                if eligible < inputs.team_size:
                    raise RotationInputError(f"可派往 {code} 的非本乡镇督查员不足 {inputs.team_size} 人")
        return roster
    return None


def _weights(week: Week, inputs: DrawInputs, key_count: int) -> tuple[list[float], tuple]:
    """Frame-order weights (ordinary 1, key-managed the hazard ratio) and the planner's hazards behind them."""
    ordinary = len(week.frame) - key_count
    hazard = hazards(ordinary, key_count, week.rate_capacity, float(inputs.ratio), inputs.floor_share, week.caps)
    p, q, effective, lowered = hazard
    if inputs.algorithm != V1 and ordinary == 0:
        hazard = (p, q, 1.0, False)  # all key-managed: the ratio has nothing to weigh against
    weight_key = q / p if p > 0 and q > 0 else max(1.0, effective)
    return [weight_key if t.key_managed else 1.0 for t in week.frame], hazard


def _check_ticks(ticks: list[int], cuts: list[tuple[int, int]], slots: int) -> None:
    assert sum(ticks) == slots * TICKS, "inclusion probabilities must sum to the capacity"
    prefix_ticks = list(accumulate(ticks))
    for cut, need in cuts:
        assert prefix_ticks[cut - 1] >= need * TICKS, "a deadline bound is not met"


@lru_cache(maxsize=4096)
def _planned_ticks(weights: tuple[float, ...], cuts: tuple[tuple[int, int], ...], slots: int) -> tuple[int, ...]:
    """The untilted ticks. A county's weights (1 or the key ratio in frame order) and bounds often
    repeat from one week to another (a quarter of a province run's draws), and so do other counties'."""
    return tuple(_quantise(_inclusion(weights, cuts, slots)))


def _balanced_ticks(weights, classes, balance, cuts, slots) -> tuple[Sequence[int], Sequence[int]]:
    """The planned ticks, and the ticks drawn with: the weights tilted by each age class's carried debt."""
    planned = _planned_ticks(tuple(weights), tuple(cuts), slots)
    # A class without debt has tilt exp(0) = 1 exactly; a debt of even one tick gives a tilt other than 1.
    present = set(classes)
    tilts = {}
    for c, debt in balance.items():
        if debt and c in present:
            x = BALANCE_GAIN * debt / _TICKS_FLOAT  # tilt exp(gain · debt), clamped to exp(±3), inline
            tilts[c] = math.exp(3.0 if x > 3.0 else -3.0 if x < -3.0 else x)
    if not tilts:  # no debt carried (a first draw, a national week): the same weights
        ticks = planned
    else:
        tilted = list(map(mul, weights, map(tilts.get, classes, repeat(1.0))))  # w · tilt of its class, else w · 1.0
        ticks = _quantise(_inclusion(tilted, cuts, slots))
    _check_ticks(ticks, cuts, slots)
    return planned, ticks


def _next_balance(balance: Mapping[str, int], classes: list[str], planned: list[int], picked: list[int]) -> dict:
    """Each age class's planned minus realised visits, in ticks, carried to the next week's draw."""
    carried = dict(balance)
    for c, ticks in zip(classes, planned):
        carried[c] = carried.get(c, 0) + ticks
    for j in picked:
        carried[classes[j]] -= TICKS
    return {c: carried[c] for c in sorted(carried)}


def _cuts(week: Week, v1: bool, robust: bool) -> tuple[list[tuple[int, int]], int | None]:
    """The look-ahead's bounds: against the real deadlines; v2 with a margin also against the planned
    ones, and against the real ones with any one future week lost (`robust`: the slack is kept in the
    draw itself, not only hoped for from the margin, e.g. before 春节 when a period ends after it).

    The frame is sorted by planned then real deadline and planning is monotone, so every family of
    bounds is prefixes of the same frame; the strongest bound of each prefix holds. The shortfall is
    the real one without faults: a margin that cannot be kept is not yet a missed deadline.
    """
    cuts, shortfall = _requirements(week.frame_real, week.slot_days, week.future, next_deadline_ord)
    if v1:
        return sorted(cuts.items()), shortfall
    families = []
    if week.frame_deadlines != week.frame_real:
        families.append(_requirements(week.frame_deadlines, week.slot_days, week.future, week.planned_after)[0])
    if robust:
        weeks = sorted({(x - week.start_ord) // 7 for x in week.future})
        for lost in weeks:
            kept = [x for x in week.future if (x - week.start_ord) // 7 != lost]
            families.append(_requirements(week.frame_real, week.slot_days, kept, next_deadline_ord)[0])
    for family in families:
        for cut, need in family.items():
            if need > cuts.get(cut, 0):
                cuts[cut] = need
    return sorted(cuts.items()), shortfall


def _visits(week: Week, placed, ticks: list[int], inputs: DrawInputs, week_key: bytes,
            v1: bool, roster: Roster | None) -> tuple[tuple[Visit, ...], tuple[str, ...]]:
    frame = week.frame
    day_visits = sorted((day, frame[j].code) for j, day in placed)
    inspectors = () if roster is None else roster.sorted(inputs.inspectors)  # by name
    towns = {frame[j].code: frame[j] for j, _ in placed}  # the teams read the drawn townships only
    if v1:
        teams, unstaffed = assign_teams(day_visits, towns, inspectors, inputs.team_size, week_key), []
    else:
        teams, unstaffed = staff_days(day_visits, towns, inspectors, inputs.team_size, week_key, roster)
    drawn = {frame[j].code: ticks[j] for j, _ in placed}
    # In (date, township) order, as `day_visits` already is: each township is visited once.
    visits = tuple(
        visit(code, _day(day), teams[code], drawn[code] / TICKS, drawn[code] == TICKS)  # a Visit
        for day, code in day_visits
    )
    return visits, tuple(sorted(unstaffed))


def _dates(ordinals: dict[str, int]) -> dict[str, date]:
    """The deadlines as dates, one object per day: most townships share a few dozen days, and a result
    sent between processes then carries each day once."""
    return {code: _day(d) for code, d in ordinals.items()}


def draw(inputs: DrawInputs, week_key: bytes, carry: Carry | None = None) -> DrawResult:
    """One draw of a week. Deterministic given the inputs and the key (`rotation.randomness.draw_key`).

    `carry`: the county's `rotation.carry.Carry` from its previous weeks (a simulation passes one);
    it only spares recomputing what did not change, the result is the same without it.
    """
    v1 = inputs.algorithm == V1
    roster = validate(inputs, None if v1 else carry)
    week = (week_v1 if v1 else week_v2)(inputs, week_key)
    key_count = sum(map(_KEY_MANAGED, week.frame))  # bools: the key-managed count
    weights, (p, q, effective, lowered) = _weights(week, inputs, key_count)
    cuts, shortfall = _cuts(week, v1, inputs.margin > 0)
    classes = _age_classes(week.frame, week.frame_lasts, week.start_ord)
    balance = inputs.balance or {}
    planned, ticks = _balanced_ticks(weights, classes, balance, cuts, week.slots)
    u = start_ticks(week_key)
    picked = systematic_select(ticks, u)
    placed = (place_in_order if v1 else place_at_random)(week, picked, week_key)
    late = missed(week, picked, placed, v1)
    visits, unstaffed = _visits(week, placed, ticks, inputs, week_key, v1, roster)
    facts = Facts(shortfall, late, bool(key_count and lowered), effective, key_count, unstaffed)
    return built(
        DrawResult,
        county=inputs.county,
        week=inputs.week,
        week_start=week.start,
        visits=visits,
        deadlines=_dates(week.deadlines),
        ticks=dict(zip(map(_CODE, week.frame), ticks)),
        start=u,
        floor=p,
        key_floor=q,
        effective_ratio=effective,
        missed=tuple(late),
        warnings=(warnings_v1 if v1 else warnings_v2)(inputs, week, facts),
        balance=_next_balance(balance, classes, planned, picked),
        unstaffed=unstaffed,
        shortfall=date.fromordinal(shortfall) if shortfall is not None and not v1 else None,
        algorithm=inputs.algorithm,
    )
