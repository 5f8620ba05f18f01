"""The weekly draw at scale (issue 3), each figure beside plain earliest-deadline-first in the same run.

- national week: one week's draw for all 41,352 townships of the national list, as 2,978 counties,
  from a mid-rotation state (last visits spread over the past eight weeks); target < 1 s (issue 14).
- province 104 weeks: `simulate` (the real draw, fresh start) for every county of the province
  with the most townships; target < 10 s.
- faults (issue 17, printed, not timed against an anchor): 黔西市 at 8 a week from 2025-09-01 with
  China's calendar and a margin of 5 working days, for every one of the 52 placements in a year of
  `--skip-week N` and of `--miss-week N` (60 weeks each): the violations, off-calendar visits and
  double bookings of each (the suite runs a seeded sample of these placements).

The anchor is plain EDF: each week the `capacity` townships with the earliest deadlines, in that
order on the week's slots, and the first eligible inspectors as the team. It keeps every deadline
but is a fixed rotation (floor 0); ours adds the look-ahead bounds, the exact random fill, age
balancing and min-cost double-random teams. Capacity per county is Qianxi's 8 per 30 townships.
"""

import csv
import math
import sys
import time
from collections import defaultdict
from datetime import timedelta
from functools import partial
from pathlib import Path

from bench._results import record
import rotation as r
from rotation.parallel import default_processes, map_counties

STREETS = Path(__file__).resolve().parent.parent / "inspection" / "fixtures" / "divisions" / "streets.csv"
WEEK = "2026-W49"
SEED = b"bench-seed"


def load_counties() -> dict[str, tuple[str, list[str]]]:
    counties: dict[str, tuple[str, list[str]]] = {}
    with STREETS.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            counties.setdefault(row["areaCode"], (row["provinceCode"], []))[1].append(row["code"])
    return counties


def setup(codes: list[str]) -> tuple[int, list[str], tuple[r.InspectorState, ...]]:
    codes = sorted(codes)
    capacity = math.ceil(len(codes) * 8 / 30)
    return capacity, codes[::6], r.default_roster(codes, max(6, math.ceil(1.5 * capacity)))


def mid_rotation_inputs(area: str, codes: list[str]) -> r.DrawInputs:
    capacity, key, roster = setup(codes)
    monday = r.parse_week(WEEK)
    key_set = set(key)
    towns = tuple(
        r.TownshipState(code, code in key_set, monday - timedelta(days=7 * (1 + i % 8) - i % 5))
        for i, code in enumerate(sorted(codes))
    )
    return r.DrawInputs(area, WEEK, capacity, towns, roster, origin=monday - timedelta(days=7 * 52))


# --- the anchor: plain earliest-deadline-first -----------------------------------------------------


def edf_week(inputs: r.DrawInputs) -> list[tuple[str, object, tuple[str, ...]]]:
    monday = inputs.week_start
    origin = inputs.origin or monday
    towns = sorted(
        inputs.townships,
        key=lambda t: (r.next_deadline(t.last_inspected or origin - timedelta(days=1)), t.code),
    )
    slots = min(inputs.capacity, len(towns))
    days = [monday + timedelta(days=d) for d in r.default_weekdays(slots)]
    visits = []
    busy: dict[object, set[str]] = defaultdict(set)
    for town, day in zip(towns[:slots], days):
        team = [i.username for i in inputs.inspectors if i.home != town.code and i.username not in busy[day]]
        team = team[: inputs.team_size]
        busy[day].update(team)
        visits.append((town.code, day, tuple(team)))
    return visits


def edf_simulate(area: str, codes: list[str], weeks: int) -> int:
    capacity, key, roster = setup(codes)
    start = r.parse_week(WEEK)
    key_set = set(key)
    towns = {code: r.TownshipState(code, code in key_set) for code in codes}
    visits = 0
    for w in range(weeks):
        label = r.week_label(start + timedelta(days=7 * w))
        inputs = r.DrawInputs(area, label, capacity, tuple(towns.values()), roster, origin=start)
        for code, day, _ in edf_week(inputs):
            towns[code] = r.TownshipState(code, code in key_set, day)
            visits += 1
    return visits


# --- the figures ----------------------------------------------------------------------------------


def _cold() -> None:
    """Forget every cached calendar fact of `rotation`, so that each timed run (serial or in worker
    processes, which inherit the parent's caches) builds its own, as a fresh process would."""
    for name, module in list(sys.modules.items()):
        if name == "rotation" or name.startswith("rotation."):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()



def national_week(counties) -> None:
    inputs = [mid_rotation_inputs(area, codes) for area, (_, codes) in sorted(counties.items())]
    townships = sum(len(i.townships) for i in inputs)

    t0 = time.perf_counter()
    anchor_visits = sum(len(edf_week(i)) for i in inputs)
    anchor = time.perf_counter() - t0

    _cold()
    t0 = time.perf_counter()
    results = [_draw_county(i) for i in inputs]
    ours = time.perf_counter() - t0

    visits = sum(len(res.visits) for res in results)
    missed = sum(len(res.missed) for res in results)
    print(f"national week: {len(inputs)} counties, {townships} townships, {visits} visits drawn "
          f"(EDF {anchor_visits}), missed deadlines {missed}")
    record("draw: national week (41,352 townships)", ours=ours, anchor=anchor,
           anchor_name="plain EDF rotation, same week", unit="s", target="< 1 s")

    processes = default_processes()
    if processes > 1:
        _cold()
        t0 = time.perf_counter()
        parallel = map_counties(_draw_county, inputs, processes)
        ours = time.perf_counter() - t0
        same = [res.to_dict() for res in parallel] == [res.to_dict() for res in results]
        print(f"national week in {processes} processes: the same draws as one process: {same}")
        if not same:
            raise AssertionError("the parallel national week differs from the serial one")
        record(f"draw: national week (41,352 townships), {processes} processes", ours=ours, anchor=anchor,
               anchor_name="plain EDF rotation, same week, 1 process", unit="s", target="< 1 s")


def _draw_county(inputs: r.DrawInputs) -> r.DrawResult:
    return r.draw(inputs, r.derive_week_key(SEED, inputs.county, inputs.week))


def _simulate_county(member: tuple[str, list[str]], weeks: int = 104) -> dict:
    area, codes = member
    capacity, key, roster = setup(codes)
    return r.simulate(county=area, townships=codes, capacity=capacity, weeks=weeks, seed=1, start_week=WEEK,
                      key_managed=key, inspectors=roster)


def province_weeks(counties, weeks: int = 104) -> None:
    by_province: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for area, (province, codes) in counties.items():
        by_province[province].append((area, codes))
    province = max(by_province, key=lambda p: sum(len(c) for _, c in by_province[p]))
    members = sorted(by_province[province])
    townships = sum(len(c) for _, c in members)

    t0 = time.perf_counter()
    anchor_visits = sum(edf_simulate(area, codes, weeks) for area, codes in members)
    anchor = time.perf_counter() - t0

    _cold()
    t0 = time.perf_counter()
    simulations = [(codes, _simulate_county((area, codes), weeks)) for area, codes in members]
    ours = time.perf_counter() - t0

    violations = recusal = 0
    floors = []
    for codes, sim in simulations:
        m = r.measure(sim, codes)
        violations += m["violations"]
        recusal += m["recusal_violations"]
        floors.append(m["floor"] / sim["plan"]["floor"] if sim["plan"]["floor"] else 1.0)
    visits = sum(len(w["inspections"]) for _, sim in simulations for w in sim["weeks"])
    print(f"province {province}: {len(members)} counties, {townships} townships, {weeks} weeks, "
          f"{visits} visits (EDF {anchor_visits}); violations {violations}, recusal {recusal}; "
          f"ordinary floor / planner limit: median {sorted(floors)[len(floors) // 2]:.3f}, min {min(floors):.3f} "
          f"(EDF rotation: 0)")
    name = f"draw: province {province} 104 weeks ({townships} townships)"
    record(name, ours=ours, anchor=anchor, anchor_name="plain EDF rotation, same weeks", unit="s", target="< 10 s")

    processes = default_processes()
    if processes > 1:
        _cold()
        t0 = time.perf_counter()
        parallel = map_counties(partial(_simulate_county, weeks=weeks), members, processes)
        ours = time.perf_counter() - t0
        same = parallel == [sim for _, sim in simulations]
        print(f"province {province} in {processes} processes: the same simulations as one process: {same}")
        if not same:
            raise AssertionError("the parallel province run differs from the serial one")
        record(f"{name}, {processes} processes", ours=ours, anchor=anchor,
               anchor_name="plain EDF rotation, same weeks, 1 process", unit="s", target="< 10 s")


QIANXI_KEY = ["520581100", "520581105", "520581110", "520581203", "520581205"]


def faults() -> None:
    codes = [f"520581{n:03d}" for n in [*range(1, 6), *range(100, 115), *range(200, 209), 211]]  # its 30 townships
    for kind in ("skip_weeks", "miss_weeks"):
        bad = []
        t0 = time.perf_counter()
        for n in range(1, 53):
            sim = r.simulate(county="520581", townships=codes, capacity=8, weeks=60, seed=7, start_week="2025-09-01",
                             key_managed=QIANXI_KEY, calendar="cn", margin=5, **{kind: [n]})
            m = r.measure(sim, codes)
            if m["violations"] or m["off_calendar"] or m["double_booked"]:
                bad.append((n, m["violations"], m["off_calendar"], m["double_booked"]))
        print(f"faults {kind} at 8 a week, 52 placements: {len(bad)} with a violation {bad} "
              f"({time.perf_counter() - t0:.1f} s)")


def main() -> None:
    counties = load_counties()
    national_week(counties)
    province_weeks(counties)
    faults()


if __name__ == "__main__":
    main()
