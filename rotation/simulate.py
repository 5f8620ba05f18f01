"""Simulation of the real draw forward from a fresh start, and its measures (floor, ratio, violations).

`simulate` runs `rotation.weekly.draw` week after week, feeding each week's visits and age
balance into the next, and returns the DESIGN.md §4 `simulate_draws` JSON. `measure` checks such
a JSON from its dates alone, independently of the draw's own deadline arithmetic, so the
simulator is how the suite, `manage.py simulate_draws` and bench/bench_draw.py show that the
planner's promises hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

from rotation.calendar import (
    MAX_GAP_DAYS,
    WORKDAYS,
    parse_week,
    period_bounds,
    period_index,
    week_label,
)
from rotation.inputs import (
    DEFAULT_FLOOR_SHARE,
    DEFAULT_RATIO,
    DEFAULT_TEAM_SIZE,
    DrawInputs,
    DrawResult,
    InspectorState,
    TownshipState,
)
from rotation.planner import plan_capacity
from rotation.randomness import derive_week_key
from rotation.weekly import draw


def default_roster(codes: Sequence[str], count: int = 12) -> tuple[InspectorState, ...]:
    """inspector1..count with home townships spread evenly over the county (for simulations).

    In a county of one township the inspectors come from elsewhere (no home in the county).
    """
    codes = sorted(codes)
    return tuple(
        InspectorState(f"inspector{i + 1}", codes[(i * len(codes)) // count] if len(codes) > 1 else None)
        for i in range(count)
    )


def _seed_bytes(seed) -> bytes:
    return seed if isinstance(seed, bytes) else str(seed).encode()


def simulate(
    *,
    county: str,
    townships: Sequence[str],
    capacity: int,
    weeks: int,
    seed,
    start_week: str,
    key_managed: Iterable[str] = (),
    ratio: float = DEFAULT_RATIO,
    inspectors: Sequence[InspectorState] | None = None,
    team_size: int = DEFAULT_TEAM_SIZE,
    floor_share: float = DEFAULT_FLOOR_SHARE,
) -> dict:
    """Run the real draw forward `weeks` weeks from a fresh start; the DESIGN.md §4 simulate_draws JSON.

    Fresh start: every township counts as inspected the day before the first week, and the partial
    two-month period the simulation starts in is exempt (the draw's `origin` does both).
    """
    start = parse_week(start_week)
    key_set = set(key_managed)
    codes = sorted(townships)
    roster = {i.username: i for i in (default_roster(codes) if inspectors is None else inspectors)}
    towns = {code: TownshipState(code, code in key_set) for code in codes}
    secret = _seed_bytes(seed)
    plan = plan_capacity(len(codes), capacity, key_managed=len(key_set & set(codes)), ratio=ratio,
                         floor_share=floor_share, start=start)
    out_weeks = []
    balance: dict[str, int] = {}
    warnings: list[str] = list(plan.warnings)
    for w in range(weeks):
        monday = start + timedelta(days=7 * w)
        label = week_label(monday)
        inputs = DrawInputs(
            county=county, week=label, capacity=capacity, townships=tuple(towns.values()),
            inspectors=tuple(roster.values()), ratio=ratio, team_size=team_size, origin=start,
            floor_share=floor_share, balance=balance,
        )
        result = draw(inputs, derive_week_key(secret, county, label))
        balance = result.balance
        for message in result.warnings:
            if message not in warnings:
                warnings.append(message)
        _record_visits(result, towns, roster)
        out_weeks.append(_week_json(label, monday, result))
    return {
        "county": county,
        "per_week": capacity,
        "seed": seed if isinstance(seed, int) else secret.hex(),
        "ratio": float(ratio),
        "key_managed": sorted(key_set),
        "inspectors": {name: {"home": i.home} for name, i in sorted(roster.items())},
        "plan": plan.to_dict(),
        "warnings": warnings,
        "weeks": out_weeks,
    }


def _record_visits(result: DrawResult, towns: dict[str, TownshipState], roster: dict[str, InspectorState]) -> None:
    """What the next week's draw sees: each township's last visit and team, each inspector's last township."""
    for visit in result.visits:
        towns[visit.township] = replace(towns[visit.township], last_inspected=visit.date, last_team=visit.inspectors)
        for name in visit.inspectors:
            roster[name] = replace(roster[name], last_township=visit.township)


def _week_json(label: str, monday: date, result: DrawResult) -> dict:
    return {
        "week": label,
        "start": monday.isoformat(),
        "inspections": [
            {
                "township": v.township,
                "date": v.date.isoformat(),
                "inspectors": list(v.inspectors),
                "probability": round(v.probability, 6),
            }
            for v in result.visits
        ],
    }


Visits = dict[str, list[tuple[int, date, tuple[str, ...]]]]  # township -> (week index, day, team), by date


def measure(simulation: Mapping, townships: Sequence[str], *, team_size: int = DEFAULT_TEAM_SIZE, k_max: int = 7) -> dict:
    """Check a simulate_draws JSON against the rules, from its dates alone (not through the draw's deadlines).

    violations: a gap over 61 days (also between the fresh start and the first visit, and from the
    last visit to the end while it is already overdue) or a complete two-month period without a
    visit (the partial period of the start is exempt). h(k) = P(visited in a week | k weeks since
    the last visit), per ordinary and key-managed townships; floor = min over k = 1..k_max.
    """
    weeks = simulation["weeks"]
    start = date.fromisoformat(weeks[0]["start"])
    end = date.fromisoformat(weeks[-1]["start"]) + timedelta(days=6)
    key_set = set(simulation.get("key_managed", ()))
    homes = {name: info.get("home") for name, info in simulation.get("inspectors", {}).items()}
    visits, recusal, double_booked = _visits_by_township(weeks, townships, homes, team_size)
    hits, exposure, counts = _age_hits(visits, key_set, len(weeks), k_max)

    def curve(key):
        return {k: hits[key][k] / exposure[key][k] for k in range(1, k_max + 1) if exposure[key][k]}

    def rate(key):
        return sum(hits[key]) / (counts[key] * len(weeks)) if counts[key] else 0.0

    h_ordinary, h_key = curve(False), curve(True)
    return {
        "violations": _coverage_violations(visits, start, end),
        "recusal_violations": recusal,
        "double_booked": double_booked,
        "repeat_teams": sum(_repeat_teams(rows) for rows in visits.values()),
        "h": {"ordinary": h_ordinary, "key": h_key},
        "floor": min(h_ordinary.values(), default=0.0),
        "key_floor": min(h_key.values(), default=0.0),
        "visit_rate": {"ordinary": rate(False), "key": rate(True)},
        "visit_rate_ratio": rate(True) / rate(False) if counts[True] and rate(False) else None,
    }


def _visits_by_township(weeks: Sequence[Mapping], townships: Sequence[str], homes: Mapping[str, str | None],
                        team_size: int) -> tuple[Visits, int, int]:
    """Every visit by township; the visits whose team breaks a rule (too small, a member twice, a
    weekend, an inspector at home); and the times an inspector is booked twice on one day."""
    visits: Visits = {code: [] for code in townships}
    recusal = double_booked = 0
    busy: set[tuple[str, str]] = set()
    for w, week in enumerate(weeks):
        for row in week["inspections"]:
            day = date.fromisoformat(row["date"])
            team = tuple(row["inspectors"])
            visits[row["township"]].append((w, day, team))
            bad = len(team) < team_size or len(set(team)) != len(team) or day.weekday() >= WORKDAYS
            bad |= any(homes.get(name) == row["township"] for name in team)
            recusal += bad
            double_booked += any((name, row["date"]) in busy for name in team)
            busy.update((name, row["date"]) for name in team)
    return visits, recusal, double_booked


def _coverage_violations(visits: Visits, start: date, end: date) -> int:
    fresh = start - timedelta(days=1)
    first_period = period_index(start) + (1 if period_index(fresh) == period_index(start) else 0)
    last_period = period_index(end) - (0 if end == period_bounds(period_index(end))[1] else 1)
    violations = 0
    for rows in visits.values():
        days = [fresh] + [day for _, day, _ in rows]
        violations += sum(1 for a, b in zip(days, days[1:]) if (b - a).days > MAX_GAP_DAYS)
        violations += (end - days[-1]).days > MAX_GAP_DAYS
        covered = {period_index(day) for day in days[1:]}
        violations += sum(1 for p in range(first_period, last_period + 1) if p not in covered)
    return violations


def _repeat_teams(rows) -> int:
    """Consecutive visits to one township that share an inspector."""
    return sum(1 for (_, _, a), (_, _, b) in zip(rows, rows[1:]) if set(a) & set(b))


def _age_hits(visits: Visits, key_set: set[str], weeks: int, k_max: int):
    """Per class (key-managed or not) and k weeks since the last visit (k_max + 1 for longer): the
    visits made and the township-weeks at risk; and the number of townships per class."""
    hits = {False: [0] * (k_max + 2), True: [0] * (k_max + 2)}
    exposure = {False: [0] * (k_max + 2), True: [0] * (k_max + 2)}
    counts = {False: 0, True: 0}
    for code, rows in visits.items():
        key = code in key_set
        counts[key] += 1
        by_week = {w for w, _, _ in rows}
        last = -1
        for w in range(weeks):
            k = min(w - last, k_max + 1)
            exposure[key][k] += 1
            if w in by_week:
                hits[key][k] += 1
                last = w
    return hits, exposure, counts
