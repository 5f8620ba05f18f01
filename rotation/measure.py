"""Measures of a simulate_draws JSON, from its dates alone (not through the draw's own deadline arithmetic).

Only submitted visits count. `measure` returns the coverage violations, the team rules, visits
off the calendar (public holidays, ordinary weekends), the make-up working days used, the age
curves h(k) = P(visited in a week | k weeks since the last visit) over every week and over the
weeks with at least four working days, and the within-week conditional probability: for every
(class, age, working day) cell, P(visited on that day or later this week | not visited before it
this week) against the share of the week's visits still to come times the planned weekly probability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from rotation.calendar import MAX_GAP_DAYS, period_bounds, period_index
from rotation.inputs import DEFAULT_TEAM_SIZE
from rotation.workdays import WorkCalendar

FULL_WEEK = 4  # working days of a week the ordinary floor is measured over


def measure(simulation: Mapping, townships: Sequence[str], *, team_size: int = DEFAULT_TEAM_SIZE, k_max: int = 7) -> dict:
    """violations: a gap over 61 days (also between the fresh start and the first visit, and from the
    last visit to the end while it is already overdue) or a complete two-month period without a
    visit (the partial period of the start is exempt). floor = min of h(k) over k = 1..k_max."""
    weeks = simulation["weeks"]
    start = date.fromisoformat(weeks[0]["start"])
    end = date.fromisoformat(weeks[-1]["start"]) + timedelta(days=6)
    key_set = set(simulation.get("key_managed", ()))
    homes = {name: info.get("home") for name, info in simulation.get("inspectors", {}).items()}
    calendar = WorkCalendar.from_dict(simulation.get("calendar"))
    visits, recusal, double_booked = _visits_by_township(weeks, townships, homes, team_size)
    full = [w.get("workdays", 5) >= FULL_WEEK for w in weeks]
    hits, exposure, counts = _age_hits(visits, key_set, len(weeks), k_max, [True] * len(weeks))
    full_hits, full_exposure, _ = _age_hits(visits, key_set, len(weeks), k_max, full)

    def curve(h, e, key):
        return {k: h[key][k] / e[key][k] for k in range(1, k_max + 1) if e[key][k]}

    def rate(key):
        return sum(hits[key]) / (counts[key] * len(weeks)) if counts[key] else 0.0

    h_ordinary, h_key = curve(hits, exposure, False), curve(hits, exposure, True)
    days = [day for rows in visits.values() for _, day, _ in rows]
    cells = within_week(simulation, visits, key_set, k_max)
    return {
        "violations": _coverage_violations(visits, start, end),
        "recusal_violations": recusal,
        "double_booked": double_booked,
        "repeat_teams": sum(_repeat_teams(rows) for rows in visits.values()),
        "off_calendar": sum(1 for day in days if not calendar.is_workday(day)),
        "make_up_visits": sum(1 for day in days if day in calendar.make_up_days),
        "make_up_days": sorted({d.isoformat() for d in calendar.make_up_days if start <= d <= end}),
        "missed_visits": sum(1 for w in weeks for row in w["inspections"] if row.get("state") == "missed"),
        "lost_weeks": sum(1 for w in weeks if w.get("lost")),
        "h": {"ordinary": h_ordinary, "key": h_key},
        "floor": min(h_ordinary.values(), default=0.0),
        "key_floor": min(h_key.values(), default=0.0),
        "floor_full_weeks": min(curve(full_hits, full_exposure, False).values(), default=0.0),
        "visit_rate": {"ordinary": rate(False), "key": rate(True)},
        "visit_rate_ratio": rate(True) / rate(False) if counts[True] and rate(False) else None,
        "within_week": cells,
    }


def pool_cells(*cell_lists: Sequence[Mapping]) -> list[dict]:
    """The within-week cells of several simulations (e.g. several seeds) added up, cell by cell."""
    sums: dict[tuple, list[float]] = {}
    for cells in cell_lists:
        for c in cells:
            acc = sums.setdefault((c["key_managed"], c["age"], c["weekday"]), [0, 0.0, 0.0])
            acc[0] += c["township_weeks"]
            acc[1] += c["measured"] * c["township_weeks"]
            acc[2] += c["expected"] * c["township_weeks"]
    return [
        {"key_managed": key, "age": age, "weekday": wd, "township_weeks": n, "measured": hits / n, "expected": exp / n}
        for (key, age, wd), (n, hits, exp) in sorted(sums.items())
    ]


def worst_cell(cells: Sequence[Mapping], *, least: int = 200) -> Mapping | None:
    """The cell with at least `least` township-weeks whose measured/expected ratio is lowest."""
    big = [c for c in cells if c["township_weeks"] >= least and c["expected"] > 0]
    return min(big, key=lambda c: c["measured"] / c["expected"], default=None)


Visits = dict[str, list[tuple[int, date, tuple[str, ...]]]]  # township -> (week index, day, team), by date


def _visits_by_township(weeks: Sequence[Mapping], townships: Sequence[str], homes: Mapping[str, str | None],
                        team_size: int) -> tuple[Visits, int, int]:
    """Every submitted visit by township; the visits whose team breaks a rule (too small, a member
    twice, an inspector at home); and the times an inspector is booked twice on one day."""
    visits: Visits = {code: [] for code in townships}
    recusal = double_booked = 0
    busy: set[tuple[str, str]] = set()
    for w, week in enumerate(weeks):
        for row in week["inspections"]:
            if row.get("state", "submitted") != "submitted":
                continue
            day = date.fromisoformat(row["date"])
            team = tuple(row["inspectors"])
            visits[row["township"]].append((w, day, team))
            bad = len(team) < team_size or len(set(team)) != len(team)
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


def _age_hits(visits: Visits, key_set: set[str], weeks: int, k_max: int, counted: Sequence[bool]):
    """Per class (key-managed or not) and k weeks since the last visit (k_max + 1 for longer): the
    visits made and the township-weeks at risk in the `counted` weeks; and the number of townships per class."""
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
            exposure[key][k] += counted[w]
            if w in by_week:
                hits[key][k] += counted[w]
                last = w
    return hits, exposure, counts


def within_week(simulation: Mapping, visits: Visits, key_set: set[str], k_max: int) -> list[dict]:
    """P(visited on day d or later this week | not visited before d this week), per (class, age, weekday of d).

    Expected: the share of the week's visits on day d or later times the plan's weekly probability
    of the class. Lost weeks and weeks without visits have no slots and are left out.
    """
    plan = simulation.get("plan", {})
    p = {False: plan.get("floor", 0.0), True: plan.get("key_floor", 0.0)}
    cells: dict[tuple, list[float]] = {}
    day_of = {(code, w): day for code, rows in visits.items() for w, day, _ in rows}
    last_week = {code: -1 for code in visits}
    for w, week in enumerate(simulation["weeks"]):
        days = sorted(date.fromisoformat(row["date"]) for row in week["inspections"])
        if not days:
            continue
        # Per slot day, once a week rather than once per township: its weekday and the share of the
        # week's visits on it or later.
        slot_days = [(d, d.weekday(), sum(1 for x in days if x >= d) / len(days)) for d in sorted(set(days))]
        for code in visits:
            key = code in key_set
            age = min(w - last_week[code], k_max + 1)
            seen = day_of.get((code, w))
            for d, weekday, later in slot_days:
                if seen is not None and seen < d:
                    break
                cell = cells.setdefault((key, age, weekday), [0, 0, 0.0])
                cell[0] += 1
                cell[1] += seen is not None
                cell[2] += later * p[key]
            if seen is not None:
                last_week[code] = w
    return [
        {"key_managed": key, "age": age, "weekday": wd, "township_weeks": n, "measured": hits / n,
         "expected": expected / n}
        for (key, age, wd), (n, hits, expected) in sorted(cells.items())
    ]
