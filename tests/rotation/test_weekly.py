"""One week's draw: determinism, exact probabilities, the deadline bounds, age balancing (rotation.weekly)."""

from datetime import timedelta

import rotation as r
from tests.rotation.qianxi_fixtures import QIANXI_TOWNSHIPS, START, key_for, qianxi_inputs


def test_the_same_seed_and_inputs_give_the_same_draw():
    inputs = qianxi_inputs()
    assert r.draw(inputs, key_for(b"seed-a", inputs)).to_dict() == r.draw(inputs, key_for(b"seed-a", inputs)).to_dict()


def test_a_changed_seed_changes_the_draw():
    inputs = qianxi_inputs()
    first = r.draw(inputs, key_for(b"seed-a", inputs))
    second = r.draw(inputs, key_for(b"seed-b", inputs))
    assert [v.township for v in first.visits] != [v.township for v in second.visits]


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
