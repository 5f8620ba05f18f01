"""Simulation of the real draw forward from a fresh start, and its measures (floor, ratio, violations).

`simulate` runs `rotation.weekly.draw` week after week, feeding each week's visits and age
balance into the next, and returns the DESIGN.md §4 `simulate_draws` JSON. `start_week`: a week
(YYYY-Www) or a day (YYYY-MM-DD, its week); `calendar`: "cn" (China's holidays and make-up days),
"none" or a WorkCalendar. Faults, weeks 1-based: `skip_weeks` are never drawn (the week is lost); in
`miss_weeks` the visit with the earliest deadline is missed; `miss` more visits, chosen by the
seed, are missed. A missed visit moves nothing; a make-up draw for the rest of its week (label
makeup-1) takes the freed slots, and places the township if its deadline is at risk. `measure` checks such
a JSON from its dates alone, independently of the draw's own deadline arithmetic, so the
simulator is how the suite, `manage.py simulate_draws` and bench/bench_draw.py show that the
planner's promises hold.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter

from rotation.calendar import (
    RotationInputError,
    parse_week,
    week_label,
)
from rotation.carry import Carry
from rotation.inputs import (
    ALGORITHM,
    DEFAULT_FLOOR_SHARE,
    DEFAULT_RATIO,
    DEFAULT_TEAM_SIZE,
    DrawInputs,
    DrawResult,
    InspectorState,
    TownshipState,
    built,
    inspector_state,
    township_state,
)
from rotation.randomness import draw_key
from rotation.robust import calendar_plan
from rotation.slots import week_workdays
from rotation.weekly import draw
from rotation.workdays import PLAIN, WorkCalendar


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


def _start(start) -> date:
    """A week label or any day (its week's Monday)."""
    if isinstance(start, date):
        day = start
    elif "W" in str(start):
        day = parse_week(str(start))
    else:
        try:
            day = date.fromisoformat(str(start))
        except ValueError:
            raise RotationInputError(f"起始日期应为 YYYY-MM-DD 或 YYYY-Www：{start!r}") from None
    return day - timedelta(days=day.weekday())


def _calendar(calendar, first: date, last: date) -> tuple[str, WorkCalendar]:
    if calendar in (None, "none"):
        return "none", PLAIN
    if calendar == "cn":
        from rotation.holidays import official_calendar  # the national data; not needed by the verifier

        return "cn", official_calendar(first, last)
    if isinstance(calendar, WorkCalendar):
        return "custom", calendar.window(first, last)
    raise RotationInputError(f"不支持的工作日历：{calendar!r}（可选 cn 或 none）")


@dataclass
class _Run:
    """The simulation's running state: what the next draw sees, and the faults still to inject."""

    county: str
    capacity: int
    calendar: WorkCalendar
    base: dict  # the DrawInputs fields every draw shares
    secret: bytes
    towns: dict[str, TownshipState]
    roster: dict[str, InspectorState]
    carry: Carry  # what the county's draws share from week to week (one per run, never module state)
    balance: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def note(self, messages) -> None:
        self.warnings.extend(m for m in messages if m not in self.warnings)


def simulate(
    *,
    county: str,
    townships: Sequence[str],
    capacity: int,
    weeks: int,
    seed,
    start_week,
    key_managed: Iterable[str] = (),
    ratio: float = DEFAULT_RATIO,
    inspectors: Sequence[InspectorState] | None = None,
    team_size: int = DEFAULT_TEAM_SIZE,
    floor_share: float = DEFAULT_FLOOR_SHARE,
    calendar="none",
    margin: int = 0,
    skip_weeks: Iterable[int] = (),
    miss_weeks: Iterable[int] = (),
    miss: int = 0,
) -> dict:
    """Run the real draw forward `weeks` weeks from a fresh start; the DESIGN.md §4 simulate_draws JSON.

    Fresh start: every township counts as inspected the day before the first week, and the partial two-month
    period the simulation starts in is exempt (the draw's `origin` does both). Options, faults: the module doc.
    """
    start = _start(start_week)
    if weeks < 1 or capacity < 1 or margin < 0 or miss < 0:
        raise RotationInputError("周数、每周检查次数须至少为 1，余量和未完成次数不能为负数")
    codes = sorted(townships)
    key_set = set(key_managed) & set(codes)
    source, work = _calendar(calendar, start - timedelta(days=60), start + timedelta(days=7 * weeks + 200))
    roster = default_roster(codes) if inspectors is None else tuple(inspectors)
    run = _Run(county, capacity, work, dict(
        county=county, ratio=ratio, team_size=team_size, origin=start, floor_share=floor_share,
        margin=margin), _seed_bytes(seed), {c: TownshipState(c, c in key_set) for c in codes},
        {i.username: i for i in roster}, Carry())
    plan = _calendar_plan(len(codes), capacity, calendar=work, start=start, margin=margin,
                         per_day=max(1, len(roster) // team_size) if roster else None,
                         key_managed=len(key_set), ratio=ratio, floor_share=floor_share, robust=False)
    run.note(plan.warnings)
    misses = _seeded_misses(run.secret, weeks, miss)
    skipped, missed_weeks = set(skip_weeks), set(miss_weeks)
    out_weeks = [  # in week order: each week's draw reads what the weeks before it left
        _run_week(run, start + timedelta(days=7 * w), lost=w + 1 in skipped,
                  misses=misses.get(w, []) + (["earliest"] if w + 1 in missed_weeks else []))
        for w in range(weeks)
    ]
    return {
        "county": county,
        "per_week": capacity,
        "seed": seed if isinstance(seed, int) else run.secret.hex(),
        "ratio": float(ratio),
        "key_managed": sorted(key_set),
        "inspectors": {name: {"home": i.home} for name, i in sorted(run.roster.items())},
        "calendar": {"source": source, **work.to_dict()},
        "margin": margin,
        "faults": {"skip_weeks": sorted(skipped), "miss_weeks": sorted(missed_weeks), "miss": miss},
        "plan": plan.to_dict(),
        "warnings": run.warnings,
        "weeks": out_weeks,
    }


# Counties of a run with the same size, key-managed count and roster share their plan (a province
# has a few dozen sizes for ~180 counties); a Plan is immutable, the JSON is built from it afresh.
_calendar_plan = lru_cache(maxsize=256)(calendar_plan)


def _seeded_misses(secret: bytes, weeks: int, count: int) -> dict[int, list[float]]:
    """`count` missed visits chosen by the seed: (week, a number in [0, 1) that picks the visit)."""
    rng = random.Random(hashlib.sha256(b"miss:" + secret).digest())
    out: dict[int, list[float]] = {}
    for w in rng.sample(range(weeks), min(count, weeks)):
        out.setdefault(w, []).append(rng.random())
    return out


def _run_week(run: _Run, monday: date, *, lost: bool, misses: list) -> dict:
    label = week_label(monday)
    workdays = len(week_workdays(run.calendar, monday.toordinal()))
    week = {"week": label, "start": monday.isoformat(), "workdays": workdays, "lost": lost, "inspections": []}
    if lost:
        run.note([f"{label} 未抽签（模拟：该周丢失）"])
        return week
    result = _draw(run, label, run.capacity, "weekly")
    rows = [_row(v, "weekly") for v in result.visits]
    missed = _pick_misses(result, misses)
    for row in rows:
        if row["township"] in missed:
            row["state"] = "missed"
    done = [v for v in result.visits if v.township not in missed]
    makeups = _make_up(run, label, monday, result, missed) if missed else []
    if not makeups:  # the draw's visits are in (date, township) order already
        _record_visits(done, run.towns, run.roster, in_order=True, carry=run.carry)
        week["inspections"] = rows
        return week
    _record_visits(done + [v for _, v in makeups], run.towns, run.roster, carry=run.carry)
    week["inspections"] = sorted(rows + [_row(v, name) for name, v in makeups], key=lambda r: (r["date"], r["township"]))
    return week


def _draw(run: _Run, label: str, capacity: int, name: str, *, towns=None, roster=None, from_day=None) -> DrawResult:
    towns = run.towns if towns is None else towns
    roster = run.roster if roster is None else roster
    base = run.base
    # Every DrawInputs field, in field order (`built`: the same record as DrawInputs(...) makes).
    inputs = built(DrawInputs, county=run.county, week=label, capacity=capacity, townships=tuple(towns.values()),
                   inspectors=tuple(roster.values()), ratio=base["ratio"], team_size=base["team_size"],
                   weekdays=None, origin=base["origin"], public_value=None, floor_share=base["floor_share"],
                   balance=run.balance, calendar=_window(run.calendar, label), margin=base["margin"],
                   per_day=None, from_day=from_day, label=name, week_capacity=run.capacity, algorithm=ALGORITHM)
    result = draw(inputs, draw_key(run.secret, run.county, label, name), run.carry)
    run.balance = result.balance
    run.note(result.warnings)
    return result


@lru_cache(maxsize=256)
def _window(calendar: WorkCalendar, label: str) -> WorkCalendar:
    """The 26 weeks of the calendar a week's draw records: one object for every county drawing that
    week, so the draw's calendar caches find it by identity instead of comparing fresh copies."""
    monday = parse_week(label)
    return calendar.window(monday, monday + timedelta(days=7 * 26))


def _pick_misses(result: DrawResult, misses: list) -> set[str]:
    """Which of the week's visits are missed: "earliest" (deadline, then day) or a seeded position."""
    out: set[str] = set()
    if not misses:  # nearly every week
        return out
    visits = sorted(result.visits, key=lambda v: (result.deadlines[v.township], v.date, v.township))
    for rank in misses:
        left = [v for v in visits if v.township not in out]
        if left:
            out.add((left[0] if rank == "earliest" else left[int(rank * len(left))]).township)
    return out


def _make_up(run: _Run, label: str, monday: date, result: DrawResult, missed: set[str]) -> list:
    """The make-up draw for the rest of the week after the last missed visit: the freed slots, the
    townships not visited this week, each inspector's days already taken."""
    last_missed = max(v.date for v in result.visits if v.township in missed)
    rest = run.calendar.workdays(last_missed + timedelta(days=1), monday + timedelta(days=6))
    if not rest:
        return []
    visited = {v.township for v in result.visits} - missed
    towns = {c: t for c, t in run.towns.items() if c not in visited}
    busy: dict[str, list[date]] = {}
    for v in result.visits:
        for name in v.inspectors:
            busy.setdefault(name, []).append(v.date)
    roster = {n: replace(i, busy=tuple(busy.get(n, ()))) for n, i in run.roster.items()}
    name = "makeup-1"
    extra = _draw(run, label, len(missed), name, towns=towns, roster=roster, from_day=rest[0])
    return [(name, v) for v in extra.visits]


# A visit's day as text: a run's visits fall on a few hundred days, each formatted once (isoformat goes
# through printf-style formatting, dearer than the lookup); the same strings.
_iso = lru_cache(maxsize=4096)(date.isoformat)


def _row(v, name: str) -> dict:
    return {"township": v.township, "date": _iso(v.date), "state": "submitted", "draw": name,
            "inspectors": list(v.inspectors), "probability": round(v.probability, 6)}


_DATE = attrgetter("date")


def _record_visits(visits, towns: dict[str, TownshipState], roster: dict[str, InspectorState],
                   in_order: bool = False, carry: Carry | None = None) -> None:
    """What the next week's draw sees: each township's last visit and team, each inspector's last township.
    `in_order`: the visits are sorted by date already; `carry`: the county's, which keeps the inspectors' states."""
    last_township: dict[str, str] = {}
    for visit in visits if in_order else sorted(visits, key=_DATE):
        # Built directly, not with dataclasses.replace nor the frozen __init__ (on every visit of a run).
        town = towns[visit.township]
        towns[visit.township] = township_state(town.code, town.key_managed, visit.date, visit.inspectors)
        for name in visit.inspectors:
            last_township[name] = visit.township  # the week's last visit wins: one new state per inspector
    if carry is not None:
        for name, township in last_township.items():
            roster[name] = carry.moved(roster[name], township)
        return
    for name, township in last_township.items():
        i = roster[name]
        roster[name] = inspector_state(i.username, i.home, township, i.busy, i.away)
