"""The draw run forward: no deadline or recusal broken at any feasible capacity; issue 3's 黔西市 over
two years (rotation.simulate)."""

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rotation as r
from tests.rotation.qianxi_fixtures import KEY_MANAGED, QIANXI, QIANXI_TOWNSHIPS, START


@pytest.fixture(scope="module")
def qianxi_runs():
    """104 weeks of 黔西市 from a fresh start at 4, 5, 6 and 8 a week, 5 key-managed townships (issue 3)."""
    runs = {}
    for capacity in (4, 5, 6, 8):
        sim = r.simulate(county=QIANXI, townships=QIANXI_TOWNSHIPS, capacity=capacity, weeks=104, seed=7,
                         start_week=START, key_managed=KEY_MANAGED)
        runs[capacity] = (sim, r.measure(sim, QIANXI_TOWNSHIPS))
    return runs


# --- properties -----------------------------------------------------------------------------------


@st.composite
def counties(draw):
    n = draw(st.integers(min_value=3, max_value=45))
    codes = [f"999999{i:03d}" for i in range(n)]
    start = date(2026, 1, 5) + timedelta(weeks=draw(st.integers(min_value=0, max_value=104)))
    minimum = r.minimum_capacity(n, start=start)
    capacity = draw(st.integers(min_value=minimum, max_value=min(n, minimum + 4)))
    key = draw(st.lists(st.sampled_from(codes), unique=True, max_size=n // 3))
    roster = draw(st.integers(min_value=4, max_value=14))
    homes = draw(st.lists(st.sampled_from(codes), min_size=roster, max_size=roster))
    ratio = draw(st.sampled_from([1.0, 1.5, 2.0, 3.0]))
    seed = draw(st.integers(min_value=0, max_value=2**32))
    return codes, r.week_label(start), capacity, key, homes, ratio, seed


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counties())
def test_no_deadline_is_missed_and_nobody_inspects_home_at_any_capacity_the_planner_calls_feasible(county):
    codes, week, capacity, key, homes, ratio, seed = county
    inspectors = [r.InspectorState(f"i{k}", home) for k, home in enumerate(homes)]
    if any(sum(1 for i in inspectors if i.home != code) < 2 for code in codes):
        inspectors.append(r.InspectorState("outside1"))
        inspectors.append(r.InspectorState("outside2"))
    plan = r.plan_capacity(len(codes), capacity, key_managed=len(key), ratio=ratio, start=r.parse_week(week))
    assert plan.feasible
    sim = r.simulate(county="999999", townships=codes, capacity=capacity, weeks=40, seed=seed, start_week=week,
                     key_managed=key, ratio=ratio, inspectors=inspectors)
    measured = r.measure(sim, codes)
    assert measured["violations"] == 0
    assert measured["recusal_violations"] == 0


# --- issue 3, done when: 黔西市 over 104 weeks --------------------------------------------------------


@pytest.mark.parametrize("capacity", [4, 5, 6, 8])
def test_qianxi_keeps_every_deadline_and_every_recusal_over_two_years(qianxi_runs, capacity):
    sim, measured = qianxi_runs[capacity]
    assert len(sim["weeks"]) == 104
    assert measured["violations"] == 0
    assert measured["recusal_violations"] == 0


def test_qianxi_at_eight_a_week_reaches_the_planner_floor_and_doubles_key_managed_visits(qianxi_runs):
    sim, measured = qianxi_runs[8]
    assert measured["floor"] >= 0.9 * sim["plan"]["floor"]
    assert measured["visit_rate_ratio"] >= 1.8
    assert measured["repeat_teams"] == 0


def test_qianxi_at_four_a_week_lowers_the_ratio_and_says_so(qianxi_runs):
    sim, measured = qianxi_runs[4]
    assert sim["plan"]["effective_ratio"] < 2.0
    assert any("倍数已降至" in w for w in sim["warnings"])
    assert measured["floor"] > 0  # still not a fixed rotation


def test_the_simulation_json_has_the_design_shape(qianxi_runs):
    sim, _ = qianxi_runs[8]
    assert {"county", "per_week", "seed", "ratio", "key_managed", "inspectors", "plan", "weeks"} <= set(sim)
    assert sim["county"] == QIANXI and sim["per_week"] == 8 and sim["seed"] == 7 and sim["ratio"] == 2.0
    assert sim["key_managed"] == sorted(KEY_MANAGED)
    assert {"floor", "key_floor"} <= set(sim["plan"])
    assert all(set(info) == {"home"} for info in sim["inspectors"].values())
    first = sim["weeks"][0]
    assert first["week"] == START and first["start"] == "2026-11-30"
    visit = first["inspections"][0]
    # issue 17: every visit says whether it was made (only submitted ones count) and which draw placed it
    assert set(visit) == {"township", "date", "state", "draw", "inspectors", "probability"}
    assert visit["state"] == "submitted" and visit["draw"] == "weekly"
    assert all(len(w["inspections"]) == 8 for w in sim["weeks"])
    json.dumps(sim)  # serialisable as is


def test_leave_taken_later_in_a_run_still_holds_after_the_inspector_has_been_out():
    """An inspector who works the first weeks and is on leave from week 4 on: the leave outlives the
    state each visit rebuilds, so no team from week 4 on includes them."""
    start = r.parse_week("2026-W10")
    leave = tuple(start + timedelta(days=d) for d in range(21, 7 * 12))
    roster = tuple(r.InspectorState(i.username, i.home, away=leave if i.username == "inspector1" else ())
                   for i in r.default_roster(QIANXI_TOWNSHIPS))
    sim = r.simulate(county=QIANXI, townships=QIANXI_TOWNSHIPS, capacity=8, weeks=10, seed=3, start_week="2026-W10",
                     key_managed=KEY_MANAGED, inspectors=roster)
    teams = [(w["week"], v["inspectors"]) for w in sim["weeks"] for v in w["inspections"]]
    assert any("inspector1" in team for week, team in teams if week < "2026-W13")  # worked before the leave
    assert not [week for week, team in teams if week >= "2026-W13" and "inspector1" in team]
