"""Issue 17, done when: 黔西市 through a real county year (China's holidays and 调休 days), with lost
weeks and missed visits (rotation.simulate, rotation.measure, rotation.calendar_plan).

The simulations are shared by the module (each runs the real draw 104 weeks). The sweep of every
one of the 52 placements of a lost week and of a missed visit is bench/bench_draw.py's `faults`;
the suite runs a seeded sample of placements that always includes the weeks around 国庆 and 春节.
"""

import random
from datetime import date

import pytest

import rotation as r
from tests.rotation.qianxi_fixtures import QIANXI, QIANXI_TOWNSHIPS

KEY_MANAGED = ["520581100", "520581105", "520581110", "520581203", "520581205"]  # issue 17's five
START = "2025-09-01"
SEEDS = (7, 2025)


def run(capacity, seed, weeks=104, **faults):
    sim = r.simulate(county=QIANXI, townships=QIANXI_TOWNSHIPS, capacity=capacity, weeks=weeks, seed=seed,
                     start_week=START, key_managed=KEY_MANAGED, calendar="cn", margin=5, **faults)
    return sim, r.measure(sim, QIANXI_TOWNSHIPS)


@pytest.fixture(scope="module")
def year_runs():
    return {(c, s): run(c, s) for c in (5, 6, 8) for s in SEEDS}


# 1-based from 2025-09-01: 国庆 2025 (5, 6), 元旦 (18), 春节 2026 (24-26; 25 has no working day), 清明 (32), 劳动节 (35, 36)
HOLIDAY_WEEKS = {5, 6, 18, 24, 25, 26, 32, 35, 36}
SAMPLE = sorted(HOLIDAY_WEEKS | set(random.Random(17).sample(range(1, 53), 5)))


@pytest.fixture(scope="module")
def fault_runs():
    runs = {}
    for kind in ("skip_weeks", "miss_weeks"):
        for n in SAMPLE:
            runs[kind, n] = run(8, 7, weeks=60, **{kind: [n]})
    return runs


@pytest.mark.parametrize("capacity", [5, 6, 8])
def test_a_real_year_keeps_every_deadline_and_no_visit_falls_on_a_holiday_or_a_weekend(year_runs, capacity):
    for seed in SEEDS:
        sim, m = year_runs[capacity, seed]
        assert len(sim["weeks"]) == 104 and sim["calendar"]["source"] == "cn"
        assert m["violations"] == 0
        assert m["off_calendar"] == 0
        assert m["recusal_violations"] == 0 and m["double_booked"] == 0
        assert m["make_up_visits"] > 0  # 调休 Saturdays and Sundays are worked like any other day


def test_the_holidays_are_really_off(year_runs):
    sim, _ = year_runs[8, 7]
    days = {row["date"] for w in sim["weeks"] for row in w["inspections"]}
    assert not days & {f"2025-10-0{d}" for d in range(1, 9)}  # 国庆 and 中秋 2025
    assert not days & {f"2026-02-{d}" for d in range(15, 24)}  # 春节 2026
    spring = next(w for w in sim["weeks"] if w["start"] == "2026-02-16")
    assert spring["workdays"] == 0 and spring["inspections"] == []


@pytest.mark.parametrize("capacity", [5, 6, 8])
def test_the_ordinary_floor_in_ordinary_weeks_reaches_the_holiday_aware_plan(year_runs, capacity):
    for seed in SEEDS:
        sim, m = year_runs[capacity, seed]
        assert m["floor_full_weeks"] >= 0.9 * sim["plan"]["floor"] > 0


def test_at_eight_a_week_the_floor_is_at_least_015_and_key_managed_are_visited_twice_as_often(year_runs):
    for seed in SEEDS:
        sim, m = year_runs[8, seed]
        assert m["floor_full_weeks"] >= 0.15
        assert m["visit_rate_ratio"] >= 1.8


def test_no_day_of_the_week_makes_a_township_safe(year_runs):
    """P(visited later this week | not yet) stays at least half its expected value in every cell of ≥ 200
    township-weeks, the seeds of each capacity pooled (a single seed's Friday cell expects about three visits)."""
    checked = 0
    for capacity in (5, 6, 8):
        cells = r.pool_cells(*(year_runs[capacity, seed][1]["within_week"] for seed in SEEDS))
        checked += sum(1 for c in cells if c["township_weeks"] >= 200)
        worst = r.worst_cell(cells)
        assert worst["measured"] >= 0.5 * worst["expected"], (capacity, worst)
    assert checked > 100


def test_a_lost_week_never_breaks_coverage_at_eight_a_week(fault_runs):
    for n in SAMPLE:
        sim, m = fault_runs["skip_weeks", n]
        assert sim["weeks"][n - 1]["lost"] and sim["weeks"][n - 1]["inspections"] == []
        assert m["lost_weeks"] == 1
        assert m["violations"] == 0, n
        assert m["off_calendar"] == 0


def test_a_missed_visit_never_breaks_coverage_and_is_made_up(fault_runs):
    made_up = 0
    for n in SAMPLE:
        sim, m = fault_runs["miss_weeks", n]
        rows = sim["weeks"][n - 1]["inspections"]
        missed = [row for row in rows if row["state"] == "missed"]
        assert m["missed_visits"] == len(missed) == (1 if sim["weeks"][n - 1]["workdays"] else 0)
        assert m["violations"] == 0, n
        assert m["off_calendar"] == 0 and m["double_booked"] == 0
        made_up += any(row["draw"] == "makeup-1" for row in rows)
    assert made_up  # the freed slot is drawn again for the rest of the week


def test_missed_visits_chosen_by_the_seed_are_absorbed_and_count_for_nothing():
    sim, m = run(8, 7, weeks=40, miss=8)
    rows = [row for w in sim["weeks"] for row in w["inspections"]]
    assert m["missed_visits"] == sum(1 for row in rows if row["state"] == "missed") >= 7  # a week may have no visit
    assert {row["state"] for row in rows} == {"submitted", "missed"}
    assert m["violations"] == 0
    # measure counts submitted visits only: the same record with one township's visits all missed breaks coverage
    code = QIANXI_TOWNSHIPS[0]
    for row in rows:
        if row["township"] == code:
            row["state"] = "missed"
    assert r.measure(sim, QIANXI_TOWNSHIPS)["violations"] > 0


def test_the_planner_is_holiday_aware_and_qianxi_is_robust_at_eight_or_less():
    from rotation.holidays import official_calendar

    calendar = official_calendar(date(2025, 8, 1), date(2027, 3, 1))
    plan = r.calendar_plan(30, 8, calendar=calendar, start=date(2025, 9, 1), margin=5, per_day=6, key_managed=5)
    assert plan.robust_capacity <= 8
    assert plan.minimum_capacity <= plan.robust_capacity
    assert plan.weekly_slots < 8  # 国庆 and 春节 weeks have fewer working days
    assert 0 < plan.margin_cost < plan.floor
    plain = r.calendar_plan(30, 8, start=date(2025, 9, 1), margin=0, per_day=6, key_managed=5)
    assert plain.floor > plan.floor and plain.weekly_slots == 8
    assert plan.to_dict()["robust_capacity"] == plan.robust_capacity


def test_below_the_holiday_aware_minimum_the_real_year_really_breaks():
    from rotation.holidays import official_calendar

    calendar = official_calendar(date(2025, 8, 1), date(2027, 3, 1))
    plan = r.calendar_plan(30, 3, calendar=calendar, start=date(2025, 9, 1), margin=0, per_day=6, robust=False)
    assert not plan.feasible and plan.warnings
    sim = r.simulate(county=QIANXI, townships=QIANXI_TOWNSHIPS, capacity=plan.minimum_capacity - 1, weeks=40, seed=1,
                     start_week=START, calendar="cn")
    assert r.measure(sim, QIANXI_TOWNSHIPS)["violations"] > 0
    assert any("逾期" in w or "无法按期" in w for w in sim["warnings"])
