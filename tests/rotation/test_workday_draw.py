"""One draw on the real working days (issue 17): holidays off, 调休 days worked, the week's share of
the capacity, at most one team's worth a day, random days, late and make-up draws (rotation.weekly)."""

import json
from collections import Counter
from datetime import date, timedelta

import rotation as r
from rotation.holidays import official_calendar
from tests.rotation.qianxi_fixtures import QIANXI, QIANXI_TOWNSHIPS, qianxi_inputs

CN = official_calendar(date(2025, 8, 1), date(2026, 12, 31))


def inputs_for(week, **overrides):
    monday = r.parse_week(week)
    fields = dict(week=week, origin=monday - timedelta(days=21), margin=5,
                  calendar=CN.window(monday, monday + timedelta(days=7 * 26)))
    fields.update(overrides)
    return qianxi_inputs(**fields)


def drawn(inputs, seed=b"s"):
    return r.draw(inputs, r.draw_key(seed, inputs.county, inputs.week, inputs.label, inputs.public_value))


def test_a_holiday_week_takes_only_its_working_days_share():
    """2025-W40: 国庆 from Wednesday 1 October; Monday and Tuesday are the week's only working days."""
    result = drawn(inputs_for("2025-W40"))
    assert {v.date for v in result.visits} <= {date(2025, 9, 29), date(2025, 9, 30)}
    assert len(result.visits) == 4  # ceil(8 · 2 / 5)
    assert sum(result.ticks.values()) == 4 * r.TICKS


def test_a_make_up_saturday_is_a_working_day():
    """2025-W41: 8 October is still 国庆; Thursday, Friday and the 调休 Saturday 11 October are worked."""
    days = Counter(v.date for seed in (b"a", b"b", b"c") for v in drawn(inputs_for("2025-W41"), seed).visits)
    assert set(days) == {date(2025, 10, 9), date(2025, 10, 10), date(2025, 10, 11)}


def test_a_week_without_a_working_day_draws_nothing_and_says_so():
    result = drawn(inputs_for("2026-W08"))  # 春节 2026: 16–20 February
    assert result.visits == () and sum(result.ticks.values()) == 0
    assert any("没有工作日" in w for w in result.warnings)
    assert json.dumps(result.to_dict())


def test_never_more_visits_a_day_than_teams_and_nobody_twice_a_day():
    result = drawn(inputs_for("2025-W41", per_day=1))
    assert sorted(Counter(v.date for v in result.visits).values()) == [1, 1, 1]  # three working days, one a day
    assert any("每天最多安排 1 个督查组，本周只能安排 3 次检查" in w for w in result.warnings)
    result = drawn(inputs_for("2025-W41", per_day=2))
    assert max(Counter(v.date for v in result.visits).values()) == 2 and len(result.visits) == 5  # ceil(8 · 3 / 5)
    seen = set()
    for v in result.visits:
        for name in v.inspectors:
            assert (name, v.date) not in seen
            seen.add((name, v.date))


def test_the_days_come_from_the_key_not_from_the_deadlines():
    """With nobody due, the same townships fall on different days under different keys, and a
    township's day is not its deadline order (v1 placed them Monday first by deadline)."""
    inputs = inputs_for("2025-W47")
    placements = [{v.township: v.date for v in drawn(inputs, bytes([i])).visits} for i in range(30)]
    by_code: dict[str, set] = {}
    for placement in placements:
        for code, day in placement.items():
            by_code.setdefault(code, set()).add(day.weekday())
    assert sum(1 for days in by_code.values() if len(days) >= 3) >= 10


def test_a_due_township_is_placed_at_random_before_its_planned_deadline():
    monday = r.parse_week("2025-W47")  # 17 November 2025, an ordinary week
    due = "520581001"
    last = monday + timedelta(days=3) + timedelta(days=7) - timedelta(days=61)  # real deadline next Thursday
    towns = tuple(r.TownshipState(c, False, last if c == due else monday - timedelta(days=10)) for c in QIANXI_TOWNSHIPS)
    inputs = inputs_for("2025-W47", townships=towns)
    days = set()
    for i in range(30):
        result = drawn(inputs, bytes([i]))
        visit = next(v for v in result.visits if v.township == due)
        assert visit.forced and visit.date <= monday + timedelta(days=3)  # planned: 5 working days earlier
        days.add(visit.date)
    assert len(days) >= 3


def test_a_make_up_week_in_a_small_county_never_has_more_slots_than_townships():
    """2025-W39 has the 调休 Sunday 28 September: ceil(3 · 6 / 5) = 4 slots for three townships."""
    towns = tuple(r.TownshipState(c) for c in QIANXI_TOWNSHIPS[:3])
    result = drawn(inputs_for("2025-W39", capacity=3, townships=towns))
    assert sorted(v.township for v in result.visits) == sorted(QIANXI_TOWNSHIPS[:3])
    assert all(p == r.TICKS for p in result.ticks.values())


def test_all_key_managed_says_the_ratio_has_no_effect():
    towns = tuple(r.TownshipState(c, True) for c in QIANXI_TOWNSHIPS)
    result = drawn(inputs_for("2025-W47", townships=towns))
    assert result.effective_ratio == 1.0
    assert any("重点管理 2 倍的检查频次不起作用" in w for w in result.warnings)


def test_a_capacity_below_the_minimum_is_drawn_with_its_shortfall():
    result = drawn(inputs_for("2025-W47", capacity=2, origin=date(2025, 9, 29)))
    assert result.shortfall is not None and len(result.visits) == 2
    assert result.to_dict()["shortfall"] == result.shortfall.isoformat()
    assert any("无法保证覆盖要求" in w for w in result.warnings)


def test_a_make_up_draw_uses_its_own_key_the_rest_of_the_week_and_free_inspectors():
    week = "2025-W47"
    monday = r.parse_week(week)
    busy = {i.username: (monday + timedelta(days=3),) for i in r.default_roster(QIANXI_TOWNSHIPS)[:8]}
    roster = tuple(r.InspectorState(i.username, i.home, busy=busy.get(i.username, ())) for i in
                   r.default_roster(QIANXI_TOWNSHIPS))
    inputs = inputs_for(week, capacity=2, week_capacity=8, from_day=monday + timedelta(days=3), label="makeup-1",
                        inspectors=roster)
    assert r.draw_key(b"s", QIANXI, week, "makeup-1") == r.derive_week_key(b"s", QIANXI, f"{week}/makeup-1")
    assert r.draw_key(b"s", QIANXI, week) == r.derive_week_key(b"s", QIANXI, week)
    result = drawn(inputs)
    assert len(result.visits) == 2 and all(v.date >= monday + timedelta(days=3) for v in result.visits)
    for v in result.visits:
        assert not any(v.date in busy.get(name, ()) for name in v.inspectors)  # taken by the weekly draw that day
    again = r.inputs_from_canonical(json.loads(json.dumps(r.canonical_inputs(inputs))))
    assert r.canonical_inputs(again) == r.canonical_inputs(inputs)
    assert again.label == "makeup-1" and again.week_capacity == 8 and again.inspectors[0].busy
    assert drawn(again).to_dict() == result.to_dict()
