"""The weekly draw and its planner (rotation/), without a database."""

import hashlib
import hmac
import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rotation as r

QIANXI = "520581"
QIANXI_TOWNSHIPS = [f"520581{n:03d}" for n in [*range(1, 6), *range(100, 115), *range(200, 209), 211]]
KEY_MANAGED = ["520581100", "520581103", "520581107", "520581202", "520581211"]
START = "2026-W49"


def qianxi_inputs(week=START, capacity=8, **overrides) -> r.DrawInputs:
    key = set(KEY_MANAGED)
    fields = dict(
        county=QIANXI,
        week=week,
        capacity=capacity,
        townships=tuple(r.TownshipState(code, code in key) for code in QIANXI_TOWNSHIPS),
        inspectors=r.default_roster(QIANXI_TOWNSHIPS),
        origin=r.parse_week(START),
    )
    fields.update(overrides)
    return r.DrawInputs(**fields)


def key_for(seed: bytes, inputs: r.DrawInputs) -> bytes:
    return r.derive_week_key(seed, inputs.county, inputs.week, inputs.public_value)


@pytest.fixture(scope="module")
def qianxi_runs():
    """104 weeks of 黔西市 from a fresh start at 4, 5, 6 and 8 a week, 5 key-managed townships (issue 3)."""
    runs = {}
    for capacity in (4, 5, 6, 8):
        sim = r.simulate(county=QIANXI, townships=QIANXI_TOWNSHIPS, capacity=capacity, weeks=104, seed=7,
                         start_week=START, key_managed=KEY_MANAGED)
        runs[capacity] = (sim, r.measure(sim, QIANXI_TOWNSHIPS))
    return runs


# --- the calendar ---------------------------------------------------------------------------------


def test_the_deadline_is_61_days_after_a_visit():
    assert r.next_deadline(date(2026, 3, 2)) == date(2026, 5, 2)


def test_a_visit_on_new_years_eve_is_due_by_the_end_of_february():
    assert r.next_deadline(date(2026, 12, 31)) == date(2027, 2, 28)


def test_a_visit_just_after_a_period_boundary_counts_for_the_new_period():
    assert r.next_deadline(date(2026, 2, 27)) == date(2026, 4, 29)
    assert r.next_deadline(date(2026, 3, 2)) == date(2026, 5, 2)


def test_weekly_slots_are_spread_over_the_working_week():
    assert r.default_weekdays(8) == (0, 0, 1, 2, 2, 3, 4, 4)
    assert r.default_weekdays(5) == (0, 1, 2, 3, 4)
    assert r.default_weekdays(2) == (1, 3)


def test_a_malformed_week_is_refused():
    with pytest.raises(r.RotationInputError):
        r.parse_week("2026-49")


def test_a_week_runs_from_its_monday_to_its_sunday_and_its_label_reads_back():
    assert r.week_bounds("2026-W01") == (date(2025, 12, 29), date(2026, 1, 4))
    assert r.week_label(date(2026, 1, 4)) == "2026-W01"
    with pytest.raises(r.RotationInputError):
        r.week_bounds("2026-W54")


# --- randomness and verification ------------------------------------------------------------------


def test_the_commitment_is_the_sha256_of_the_seed():
    assert r.seed_commitment(b"period seed") == hashlib.sha256(b"period seed").hexdigest()


def test_the_week_key_is_an_hmac_of_county_week_and_public_value():
    message = b'{"county":"520581","public_value":"03 11 19","week":"2026-W49"}'
    assert r.derive_week_key(b"s", QIANXI, START, "03 11 19") == hmac.new(b"s", message, hashlib.sha256).digest()
    assert r.derive_week_key(b"s", QIANXI, START, "03 11 19") != r.derive_week_key(b"s", QIANXI, START)


def test_the_same_seed_and_inputs_give_the_same_draw():
    inputs = qianxi_inputs()
    assert r.draw(inputs, key_for(b"seed-a", inputs)).to_dict() == r.draw(inputs, key_for(b"seed-a", inputs)).to_dict()


def test_a_changed_seed_changes_the_draw():
    inputs = qianxi_inputs()
    first = r.draw(inputs, key_for(b"seed-a", inputs))
    second = r.draw(inputs, key_for(b"seed-b", inputs))
    assert [v.township for v in first.visits] != [v.township for v in second.visits]


def test_canonical_inputs_survive_json_and_give_the_same_draw():
    inputs = qianxi_inputs(
        townships=tuple(
            r.TownshipState(code, code in KEY_MANAGED, date(2026, 11, 2) + timedelta(days=i % 20), ("inspector1",))
            for i, code in enumerate(QIANXI_TOWNSHIPS)
        ),
        public_value="lottery 2026-11-29",
        balance={"o1": 123, "k3": -456},
    )
    again = r.inputs_from_canonical(json.loads(json.dumps(r.canonical_inputs(inputs))))
    assert r.canonical_inputs(again) == r.canonical_inputs(inputs)
    assert r.draw(again, key_for(b"s", again)).to_dict() == r.draw(inputs, key_for(b"s", inputs)).to_dict()


def test_a_short_independent_script_recomputes_the_selection_from_the_seed():
    """The steps docs/draw.md gives the public, written out with hashlib and hmac only."""
    inputs = qianxi_inputs(townships=tuple(
        r.TownshipState(code, code in KEY_MANAGED, date(2026, 10, 5) + timedelta(days=3 * i))
        for i, code in enumerate(QIANXI_TOWNSHIPS)
    ))
    seed = b"\x01" * 32
    record = json.loads(json.dumps(r.draw(inputs, key_for(seed, inputs)).to_dict()))

    message = json.dumps({"county": QIANXI, "week": START, "public_value": None}, sort_keys=True,
                         separators=(",", ":")).encode()
    key = hmac.new(seed, message, "sha256").digest()
    tick = 2**32
    frame = sorted(record["frame"], key=lambda row: (record["deadlines"][row[0]],
                                                     hmac.new(key, b"order:" + row[0].encode(), "sha256").digest()))
    start = int.from_bytes(hmac.new(key, b"start", "sha256").digest()[:4], "big")
    picked, low = [], 0
    for code, ticks in frame:
        t = max(0, -((start - low) // tick))
        if start + t * tick < low + ticks:
            picked.append(code)
        low += ticks
    assert sorted(picked) == sorted(v["township"] for v in record["visits"])
    assert low == inputs.capacity * tick


def test_logged_probabilities_are_the_real_inclusion_frequencies():
    inputs = qianxi_inputs(townships=tuple(
        r.TownshipState(code, code in KEY_MANAGED, date(2026, 10, 19) + timedelta(days=7 * (i % 6)))
        for i, code in enumerate(QIANXI_TOWNSHIPS)
    ), inspectors=())
    runs = 1500
    counts = dict.fromkeys(QIANXI_TOWNSHIPS, 0)
    probability = None
    for n in range(runs):
        result = r.draw(inputs, key_for(n.to_bytes(4, "big"), inputs))
        probability = probability or {code: result.probability(code) for code in QIANXI_TOWNSHIPS}
        for visit in result.visits:
            counts[visit.township] += 1
    for code, p in probability.items():
        spread = 4 * (p * (1 - p) / runs) ** 0.5 + 1e-9
        assert abs(counts[code] / runs - p) <= spread, code


# --- the draw's guarantees ------------------------------------------------------------------------


def test_probabilities_sum_to_the_capacity_and_due_townships_are_certain():
    monday = r.parse_week(START)
    due = {"520581001": monday - timedelta(days=58), "520581002": monday - timedelta(days=60)}
    inputs = qianxi_inputs(townships=tuple(
        r.TownshipState(code, False, due.get(code, monday - timedelta(days=10))) for code in QIANXI_TOWNSHIPS
    ))
    result = r.draw(inputs, key_for(b"x", inputs))
    assert sum(result.ticks.values()) == 8 * r.TICKS
    visits = {v.township: v for v in result.visits}
    for code, last in due.items():
        assert visits[code].probability == 1.0 and visits[code].forced
        assert visits[code].date <= r.next_deadline(last)
    assert result.missed == ()


def test_when_next_week_cannot_hold_its_due_townships_the_overflow_is_drawn_now():
    """Two slots a week (Tue, Thu); three townships due next Wednesday: two must go this week."""
    monday = r.parse_week(START)
    crowded = ["520581001", "520581002", "520581003"]
    last = monday + timedelta(days=9) - timedelta(days=61)  # due Wednesday next week
    towns = tuple(
        r.TownshipState(code, False, last if code in crowded else monday - timedelta(days=3))
        for code in QIANXI_TOWNSHIPS
    )
    inputs = qianxi_inputs(capacity=2, townships=towns)
    for seed in (b"a", b"b", b"c", b"d"):
        result = r.draw(inputs, key_for(seed, inputs))
        assert sum(result.ticks[c] for c in crowded) == 2 * r.TICKS
        assert {v.township for v in result.visits} <= set(crowded)
        assert len(result.visits) == 2


def test_the_age_balance_is_zero_sum():
    inputs = qianxi_inputs()
    balance = {}
    for w in range(6):
        week = r.week_label(r.parse_week(START) + timedelta(days=7 * w))
        result = r.draw(qianxi_inputs(week=week, balance=balance), key_for(b"z", inputs))
        balance = result.balance
        assert sum(balance.values()) == 0


def test_no_inspector_goes_to_their_home_township():
    inputs = qianxi_inputs()
    homes = {i.username: i.home for i in inputs.inspectors}
    for seed in range(20):
        result = r.draw(inputs, key_for(bytes([seed]), inputs))
        for visit in result.visits:
            assert len(set(visit.inspectors)) == 2
            assert all(homes[name] != visit.township for name in visit.inspectors)


def test_a_township_without_two_eligible_inspectors_is_refused_not_skipped():
    inspectors = (r.InspectorState("a", "520581001"), r.InspectorState("b", "520581001"), r.InspectorState("c"))
    with pytest.raises(r.RotationInputError, match="520581001"):
        r.draw(qianxi_inputs(inspectors=inspectors), b"k" * 32)


# --- the planner ----------------------------------------------------------------------------------


def test_the_planner_floor_solves_the_issue_formula():
    plan = r.plan_capacity(30, 8, start=date(2026, 11, 30), caps=r.ISSUE_CAPS)
    p = plan.floor
    assert (1 - (1 - p) ** 8) / p == pytest.approx(30 / 8, rel=1e-6)


def test_the_planner_gives_key_managed_townships_ratio_times_the_visit_rate():
    plan = r.plan_capacity(30, 8, key_managed=5, start=date(2026, 11, 30), caps=r.ISSUE_CAPS)

    def rate(p):
        return p / (1 - (1 - p) ** 8)

    assert rate(plan.key_floor) == pytest.approx(2 * rate(plan.floor), rel=1e-6)
    assert 25 * rate(plan.floor) + 5 * rate(plan.key_floor) == pytest.approx(8, rel=1e-6)
    assert plan.effective_ratio == 2.0 and plan.warnings == ()


def test_the_planner_inverse_finds_the_least_capacity_for_a_floor():
    plan = r.capacity_for_floor(30, 0.15, key_managed=5, start=date(2026, 11, 30))
    below = r.plan_capacity(30, plan.capacity - 1, key_managed=5, start=date(2026, 11, 30))
    assert plan.floor >= 0.15 > below.floor


def test_below_the_minimum_capacity_the_planner_refuses_and_deadlines_are_really_missed():
    start = r.parse_week(START)
    minimum = r.minimum_capacity(30, start=start)
    plan = r.plan_capacity(30, minimum - 1, start=start)
    assert not plan.feasible and "至少需要每周" in plan.warnings[0]
    short = r.simulate(county=QIANXI, townships=QIANXI_TOWNSHIPS, capacity=minimum - 1, weeks=30, seed=1,
                       start_week=START)
    assert r.measure(short, QIANXI_TOWNSHIPS)["violations"] > 0
    enough = r.simulate(county=QIANXI, townships=QIANXI_TOWNSHIPS, capacity=minimum, weeks=30, seed=1,
                        start_week=START)
    assert r.measure(enough, QIANXI_TOWNSHIPS)["violations"] == 0


def test_the_planner_warns_when_coverage_has_little_slack():
    start = r.parse_week(START)
    plan = r.plan_capacity(30, r.minimum_capacity(30, start=start), start=start)
    assert plan.feasible and any("覆盖要求有风险" in w for w in plan.warnings)


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
    assert set(visit) == {"township", "date", "inspectors", "probability"}
    assert all(len(w["inspections"]) == 8 for w in sim["weeks"])
    json.dumps(sim)  # serialisable as is
