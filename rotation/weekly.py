"""One week's draw: lower bounds from the deadlines, water-filled probabilities, the sample, the teams."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from rotation.calendar import (
    MAX_GAP_DAYS,
    WORKDAYS,
    RotationInputError,
    _deadline_ord,
    default_weekdays,
)
from rotation.inputs import DrawInputs, DrawResult, TownshipState, Visit
from rotation.planner import _hazards, cycle_caps
from rotation.randomness import TICKS, order_key, start_ticks, systematic_select
from rotation.teams import _assign_teams


def _requirements(deadlines: list[int], pattern: Sequence[int], start_ord: int) -> tuple[list[tuple[int, int]], int | None]:
    """Lower bounds (prefix length in deadline order, least picks from it) this week's selection must meet.

    Also returns the first day on which coverage fails whatever is chosen now (capacity short), or None.
    """
    n = len(deadlines)
    slots = len(pattern)
    generated = [_deadline_ord(start_ord + d) for d in pattern]  # sorted: f is monotone
    horizon = (deadlines[-1] if deadlines else start_ord) + MAX_GAP_DAYS + 7
    cuts: dict[int, int] = {}
    shortfall = None
    gi = di = 0
    k = 0  # future slots before z
    week = 1
    while start_ord + 7 * week <= horizon:
        base = start_ord + 7 * week
        for d in pattern:
            z = base + d
            while gi < len(generated) and generated[gi] < z:
                gi += 1
            while di < n and deadlines[di] < z:
                di += 1
            need = di - (k - gi)
            if need > 0:
                if need > min(di, slots) and shortfall is None:
                    shortfall = z
                if di < n:
                    need = min(need, di, slots)
                    if need > cuts.get(di, 0):
                        cuts[di] = need
            generated.append(_deadline_ord(z))
            k += 1
        week += 1
    return sorted(cuts.items()), shortfall


def _water_fill(weights: Sequence[float], total: float) -> tuple[list[float], float]:
    """Probabilities min(1, λ·w) summing to `total`, and λ (inf when every unit is taken)."""
    n = len(weights)
    if total >= n:
        return [1.0] * n, math.inf
    if total <= 0:
        return [0.0] * n, 0.0
    order = sorted(range(n), key=lambda i: -weights[i])
    suffix = [0.0] * (n + 1)  # summed from the small end: no cancellation when heavy units are capped
    for pos in range(n - 1, -1, -1):
        suffix[pos] = suffix[pos + 1] + weights[order[pos]]
    k = 0
    while k < n and weights[order[k]] * (total - k) >= suffix[k]:
        k += 1
    lam = (total - k) / suffix[k]
    out = [0.0] * n
    for pos, i in enumerate(order):
        out[i] = 1.0 if pos < k else weights[i] * lam
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
            _, cut_lam = _water_fill(weights[low:cut], need - base)
            if binding is None or cut_lam >= binding[2]:
                binding = (cut, need, cut_lam)
        if binding is None:
            probs[low:] = rest
            return probs
        cut, need, _ = binding
        probs[low:cut], _ = _water_fill(weights[low:cut], need - base)
        low, base = cut, need


def _quantise(probs: Sequence[float]) -> list[int]:
    """Exact ticks: whole units stay TICKS, fractions are rounded cumulatively so every prefix sum is kept."""
    out = []
    frac = 0.0
    prev = 0
    for p in probs:
        if p >= 1.0:
            out.append(TICKS)
            continue
        frac += p
        now = round(frac * TICKS)
        out.append(min(TICKS, now - prev))
        prev = now
    return out


BALANCE_GAIN = 0.5


BALANCE_CLASSES = 8


def _age_class(town: TownshipState, start_ord: int, origin_ord: int) -> str:
    last = town.last_inspected.toordinal() if town.last_inspected else origin_ord - 1
    age = (start_ord - (last - date.fromordinal(last).weekday())) // 7
    return ("k" if town.key_managed else "o") + str(max(1, min(age, BALANCE_CLASSES)))


def _tilt(debt_ticks: int) -> float:
    return math.exp(max(-3.0, min(3.0, BALANCE_GAIN * debt_ticks / TICKS)))


def validate(inputs: DrawInputs) -> None:
    inputs.week_start  # noqa: B018 - parses the week
    if inputs.capacity < 1:
        raise RotationInputError("每周检查次数必须至少为 1")
    if not inputs.townships:
        raise RotationInputError("没有可抽取的乡镇")
    codes = [t.code for t in inputs.townships]
    if len(set(codes)) != len(codes):
        raise RotationInputError("乡镇代码重复")
    if inputs.ratio < 1:
        raise RotationInputError("重点管理倍率不能小于 1")
    pattern = inputs.weekdays
    if pattern is not None and (len(pattern) != inputs.capacity or any(not 0 <= d < WORKDAYS for d in pattern)):
        raise RotationInputError("每次检查的工作日须为周一至周五（0–4），数量与每周检查次数相同")
    if inputs.inspectors:
        if inputs.team_size < 2:
            raise RotationInputError("每个督查组至少 2 人")
        names = [i.username for i in inputs.inspectors]
        if len(set(names)) != len(names):
            raise RotationInputError("督查员重复")
        for code in codes:
            eligible = sum(1 for i in inputs.inspectors if i.home != code)
            if eligible < inputs.team_size:
                raise RotationInputError(f"可派往 {code} 的非本乡镇督查员不足 {inputs.team_size} 人")



def draw(inputs: DrawInputs, week_key: bytes) -> DrawResult:
    """One week's sealed draw. Deterministic given the inputs and the week key."""
    validate(inputs)
    start = inputs.week_start
    start_ord = start.toordinal()
    towns = sorted(inputs.townships, key=lambda t: t.code)
    n = len(towns)
    slots = min(inputs.capacity, n)
    pattern = tuple(sorted(inputs.weekdays[:slots])) if inputs.weekdays else default_weekdays(slots)
    origin_ord = (inputs.origin or start).toordinal()

    deadline = {t.code: _deadline_ord(t.last_inspected.toordinal() if t.last_inspected else origin_ord - 1) for t in towns}
    frame = sorted(towns, key=lambda t: (deadline[t.code], order_key(week_key, t.code)))
    frame_deadlines = [deadline[t.code] for t in frame]

    key_count = sum(1 for t in towns if t.key_managed)
    caps = cycle_caps(pattern, start.isocalendar()[0])
    p, q, effective, lowered = _hazards(n - key_count, key_count, slots, float(inputs.ratio), inputs.floor_share, caps)
    weight_key = q / p if p > 0 and q > 0 else max(1.0, effective)
    weights = [weight_key if t.key_managed else 1.0 for t in frame]

    cuts, shortfall = _requirements(frame_deadlines, pattern, start_ord)
    base_ticks = _quantise(_inclusion(weights, cuts, slots))
    classes = [_age_class(t, start_ord, origin_ord) for t in frame]
    balance = dict(inputs.balance or {})
    tilted = [w * _tilt(balance.get(c, 0)) for w, c in zip(weights, classes)]
    ticks = _quantise(_inclusion(tilted, cuts, slots))
    assert sum(ticks) == slots * TICKS, "inclusion probabilities must sum to the capacity"
    running = 0
    prefix_ticks = []
    for t in ticks:
        running += t
        prefix_ticks.append(running)
    for cut, need in cuts:
        assert prefix_ticks[cut - 1] >= need * TICKS, "a deadline bound is not met"
    u = start_ticks(week_key)
    picked = systematic_select(ticks, u)
    for j, c in enumerate(classes):
        balance[c] = balance.get(c, 0) + base_ticks[j]
    for j in picked:
        balance[classes[j]] -= TICKS

    # Days: what is due this week goes first, by deadline; the rest takes the remaining slots in frame order.
    next_monday = start_ord + 7
    urgent = sorted((j for j in picked if frame_deadlines[j] < next_monday), key=lambda j: frame_deadlines[j])
    others = [j for j in picked if frame_deadlines[j] >= next_monday]
    slot_days = [start_ord + d for d in pattern]
    placed = list(zip(urgent + others, slot_days))
    chosen = set(picked)
    missed = sorted(
        {frame[j].code for j, day in placed if frame_deadlines[j] < day}
        | {frame[j].code for j in range(n) if frame_deadlines[j] < next_monday and j not in chosen}
    )

    by_code = {t.code: t for t in towns}
    teams = _assign_teams(
        sorted((day, frame[j].code) for j, day in placed), by_code, tuple(sorted(inputs.inspectors, key=lambda i: i.username)),
        inputs.team_size, week_key,
    )
    visits = tuple(
        sorted(
            (
                Visit(frame[j].code, date.fromordinal(day), teams[frame[j].code], ticks[j] / TICKS, ticks[j] == TICKS)
                for j, day in placed
            ),
            key=lambda v: (v.date, v.township),
        )
    )
    warnings = []
    if shortfall is not None:
        warnings.append(
            f"每周 {inputs.capacity} 次的检查能力无法保证覆盖要求，{date.fromordinal(shortfall).isoformat()} 前将有乡镇逾期"
        )
    if missed:
        warnings.append("以下乡镇本周无法按期检查：" + "、".join(missed))
    if key_count and lowered:
        warnings.append(f"检查能力不足以实现重点管理 {inputs.ratio:g} 倍的检查频次，本周按 {effective:.2f} 倍抽取")
    return DrawResult(
        county=inputs.county,
        week=inputs.week,
        week_start=start,
        visits=visits,
        deadlines={t.code: date.fromordinal(deadline[t.code]) for t in towns},
        ticks={frame[j].code: ticks[j] for j in range(n)},
        start=u,
        floor=p,
        key_floor=q,
        effective_ratio=effective,
        missed=tuple(missed),
        warnings=tuple(warnings),
        balance={c: balance[c] for c in sorted(balance)},
    )
