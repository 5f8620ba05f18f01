"""The planner: floors, the key-managed ratio, the inverse, the minimum capacity (rotation.planner)."""

from datetime import date

import pytest

import rotation as r
from tests.rotation.qianxi_fixtures import QIANXI, QIANXI_TOWNSHIPS, START


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


def test_calendar_caps_counted_by_weeks_are_the_loop():
    """`planner.calendar_caps` counts each slot's week by a Counter (session nine): the same caps and
    weights as counting slot by slot, caps below one counted as one, for the real and planned rules."""
    import random

    from rotation.calendar import next_deadline_ord
    from rotation.planner import ISSUE_CAPS, calendar_caps

    def loop(slot_days, after):
        counts = {}
        for x in slot_days:
            cap = max(1, (after(x) - (x - (x + 6) % 7)) // 7)
            counts[cap] = counts.get(cap, 0) + 1
        total = sum(counts.values())
        return tuple((cap, counts[cap] / total) for cap in sorted(counts)) if total else ISSUE_CAPS

    rng = random.Random(3)
    for after in (next_deadline_ord, lambda x: next_deadline_ord(x) - 9, lambda x: x + x % 5):  # the last: caps 0 and 1
        for _ in range(200):
            days = tuple(sorted(740650 + rng.randrange(0, 400) for _ in range(rng.randrange(0, 50))))
            assert calendar_caps(days, after) == loop(days, after)
