"""The compliance estimate (issue 16): small cases worked by hand, then simulated counties drawn with
the real weekly draw, where the 95% intervals must cover the true share and the plain mean is shown
biased.

The compliance model of the simulation: a county of 30 townships, 6 of them key-managed (drawn at
the county's ratio 2), 6 visits a week on China's working calendar (National Day inside the
period). Ordinary townships meet the three items in a week with probability 0.92, 0.78 and 0.62;
key-managed ones 0.35 less (0.57, 0.43, 0.27), each township-week independently. One drawn visit in
twenty is missed, at random. The county is run 8 weeks before the period (so the draw is in its
steady state, not a fresh start), then the two-month period of September–October (9 weeks) is
drawn 400 times with seeds run0..run399, each with its own compliance.
"""

import random
import statistics
from dataclasses import replace
from datetime import date, timedelta
from functools import cache

import pytest

from rotation.calendar import week_label
from rotation.holidays import official_calendar
from rotation.inputs import DrawInputs, TownshipState
from rotation.randomness import TICKS, draw_key
from rotation.weekly import draw
from scoring.estimate import DrawnVisit, Item, WeekSample, estimate, estimate_item, wilson_interval

A, B, C = Item("a", "关爱服务", "留守儿童关爱台账", 1), Item("b", "场所", "未成年人保护工作站", 2), Item("c", "机制", "强制报告", 3)


def visit(p, failed=(), submitted=True, checked=None):
    return DrawnVisit("t", p, submitted, frozenset(failed), checked)


# --- worked by hand ----------------------------------------------------------------------------------


def test_forced_visits_alone_are_a_census_with_no_variance():
    week = WeekSample("2026-W49", frame=3, unreachable=1, visits=(visit(1.0), visit(1.0, ["a"])))
    one = estimate([week], [A]).items[0]
    assert one.estimate == 0.5 and one.std_error == 0 and one.visits == 2


def test_random_visits_are_weighted_by_the_inverse_of_their_probability():
    # 10 townships: one forced (met), 9 drawn at random; two visits, π 0.2 (met) and 0.5 (failed).
    week = WeekSample("2026-W49", frame=10, visits=(visit(1.0), visit(0.2), visit(0.5, ["a"])))
    one = estimate([week], [A]).items[0]
    rate = (1 / 0.2) / (1 / 0.2 + 1 / 0.5)  # Hájek: Σ(y/π) / Σ(1/π) = 5/7
    assert one.estimate == pytest.approx((1 + 9 * rate) / 10)
    assert one.plain_mean == pytest.approx(2 / 3)
    # linearised with-replacement variance: u = (y − rate)/π, n/(n−1)·Σ(u − ū)², scaled by (9/Σ1/π)²
    u = [(1 - rate) / 0.2, (0 - rate) / 0.5]
    mean = sum(u) / 2
    variance = (9 / 7) ** 2 * 2 * sum((x - mean) ** 2 for x in u)
    assert one.std_error == pytest.approx(variance**0.5 / 10)
    assert one.low < one.estimate < one.high


def test_the_random_part_is_one_ratio_over_all_weeks_and_the_variances_add_up():
    w1 = WeekSample("2026-W49", frame=4, visits=(visit(0.5), visit(0.5, ["a"])))
    w2 = WeekSample("2026-W50", frame=4, visits=(visit(0.25), visit(0.5)))
    one = estimate_item([w1, w2], A)
    rate = (2 + 4 + 2) / (2 + 2 + 4 + 2)
    assert one.estimate == pytest.approx(rate)
    var = 0.0
    for week in ([(1, 0.5), (0, 0.5)], [(1, 0.25), (1, 0.5)]):
        u = [(y - rate) / p for y, p in week]
        var += 2 * sum((x - sum(u) / 2) ** 2 for x in u)
    assert one.std_error == pytest.approx((8 / 10) * var**0.5 / 8)


def test_a_missed_visit_is_carried_by_the_others_and_widens_a_forced_census():
    full = WeekSample("w", frame=6, visits=(visit(1.0), visit(1.0), visit(1.0, ["a"]), visit(0.5), visit(0.5)))
    missed = replace(full, visits=full.visits[:2] + (visit(1.0, ["a"], submitted=False),) + full.visits[3:])
    a, b = estimate([full], [A]), estimate([missed], [A])
    assert a.items[0].estimate == pytest.approx(5 / 6) and b.items[0].estimate == pytest.approx(1.0)
    assert b.missed == 1 and b.visits == 4
    assert b.items[0].high - b.items[0].low > 0 and b.items[0].std_error > a.items[0].std_error


def test_a_visit_whose_checklist_lacks_the_item_does_not_count_for_it():
    week = WeekSample("w", frame=5, visits=(visit(0.4, checked=frozenset({"b"})), visit(0.4, ["a"])))
    assert estimate([week], [A]).items[0].estimate == 0 and estimate([week], [A]).items[0].visits == 1
    nobody = WeekSample("w", frame=5, visits=(visit(0.4, checked=frozenset({"b"})),))
    assert estimate([nobody], [A]).items[0] == estimate([], [A]).items[0]
    assert estimate([], [A]).items[0].estimate is None


def test_weeks_with_a_single_random_visit_are_collapsed_and_never_claim_certainty():
    weeks = [WeekSample(f"w{i}", frame=5, visits=(visit(1.0), visit(0.25, ["a"] if i % 2 else []))) for i in range(4)]
    one = estimate(weeks, [A]).items[0]
    assert one.estimate == pytest.approx((4 + 2 * 4) / 20)
    assert one.std_error > 0
    alone = estimate(weeks[:1], [A]).items[0]
    assert alone.estimate == 1 and alone.std_error == 0 and alone.low < 0.75  # at most its visits' worth


def test_township_weeks_the_draw_could_not_reach_are_reported_not_estimated():
    week = WeekSample("w", frame=30, unreachable=24, visits=tuple(visit(1.0) for _ in range(6)))
    result = estimate([week], [A])
    assert (result.township_weeks, result.reachable) == (30, 24 - 18)
    assert result.to_dict()["reachable_township_weeks"] == 6


def test_the_wilson_interval_stays_inside_zero_and_one_and_narrows_with_more_visits():
    assert wilson_interval(1.0, 0.0, 10)[0] == pytest.approx(0.722, abs=1e-3)
    assert wilson_interval(0.0, 0.0, 10) == (0.0, pytest.approx(0.278, abs=1e-3))
    low, high = wilson_interval(0.5, 0.05, 400)
    assert low == pytest.approx(0.5 - 1.96 * 0.05, abs=0.005) and high == pytest.approx(0.5 + 1.96 * 0.05, abs=0.005)


# --- simulated counties drawn with the real algorithm ----------------------------------------------

TOWNSHIPS = tuple(f"520581{100 + i}" for i in range(30))
KEY = frozenset(TOWNSHIPS[::5])
ORDINARY = {"a": 0.92, "b": 0.78, "c": 0.62}
KEY_DROP = 0.35
CAPACITY = 6
ORIGIN = date(2026, 5, 4)  # the county starts 17 weeks (two periods) before this one
PERIOD = date(2026, 8, 31)  # the Monday of the first week whose Thursday is in September
WEEKS = 9
MISS = 0.05
RUNS = 400


@cache
def _calendar():
    return official_calendar(ORIGIN - timedelta(days=60), ORIGIN + timedelta(days=400))


def _weeks(secret: bytes, towns: dict, balance: dict, start: date, count: int, rng: random.Random | None):
    """The real weekly draw, week after week as `rotation.simulate` runs it; `rng` misses visits."""
    out = []
    for w in range(count):
        label = week_label(start + timedelta(days=7 * w))
        inputs = DrawInputs(county="520581", week=label, capacity=CAPACITY, townships=tuple(towns.values()),
                            balance=balance, origin=ORIGIN, calendar=_calendar().window(start, start + timedelta(days=300)))
        result = draw(inputs, draw_key(secret, "520581", label, "weekly"))
        balance = result.balance
        missed = {v.township for v in result.visits if rng is not None and rng.random() < MISS}
        for v in result.visits:
            if v.township not in missed:
                towns[v.township] = replace(towns[v.township], last_inspected=v.date)
        out.append((result, missed))
    return out, towns, balance


@cache
def _steady_state():
    towns = {c: TownshipState(c, c in KEY) for c in TOWNSHIPS}
    _, towns, balance = _weeks(b"burn-in", towns, {}, ORIGIN, 17, None)
    return towns, balance


def _run(seed: int):
    """One period: the township-weeks' compliance, the draw, and (truth, estimate) per item."""
    rng = random.Random(seed)
    towns, balance = _steady_state()
    weeks, _, _ = _weeks(f"run{seed}".encode(), dict(towns), dict(balance), PERIOD, WEEKS, rng)
    samples, met, reach = [], dict.fromkeys(ORDINARY, 0), 0
    for result, missed in weeks:
        failed = {c: frozenset(k for k, p in ORDINARY.items() if rng.random() >= p - KEY_DROP * (c in KEY))
                  for c in TOWNSHIPS}
        for code, ticks in result.ticks.items():
            if ticks:
                reach += 1
                for k in ORDINARY:
                    met[k] += k not in failed[code]
        visits = tuple(DrawnVisit(v.township, result.ticks[v.township] / TICKS, v.township not in missed,
                                  failed[v.township]) for v in result.visits)
        samples.append(WeekSample(result.week, len(result.ticks), sum(1 for t in result.ticks.values() if not t), visits))
    found = estimate(samples, [A, B, C])
    return {i.item.key: (met[i.item.key] / reach, i) for i in found.items}, found


@pytest.fixture(scope="module")
def runs():
    return [_run(seed) for seed in range(RUNS)]


def test_the_95_percent_intervals_cover_the_true_share_and_the_estimate_is_unbiased(runs):
    for key in ORDINARY:
        pairs = [by_item[key] for by_item, _ in runs]
        covered = sum(one.low <= truth <= one.high for truth, one in pairs) / RUNS
        errors = [one.estimate - truth for truth, one in pairs]
        assert covered >= 0.91, (key, covered)
        assert abs(statistics.mean(errors)) < 0.01, (key, statistics.mean(errors))


def test_the_plain_mean_over_inspected_township_weeks_is_biased_in_the_same_runs(runs):
    """Key-managed townships are drawn twice as often and comply less: the plain mean is too low."""
    for key in ORDINARY:
        errors = [one.plain_mean - truth for truth, one in (by_item[key] for by_item, _ in runs)]
        bias = statistics.mean(errors)
        assert bias < -0.02, (key, bias)
        assert abs(bias) > 5 * statistics.stdev(errors) / RUNS**0.5  # far beyond the runs' own noise


def test_the_simulation_exercised_what_it_claims(runs):
    """Visits were missed, and the National Day week (four working days, its visits all but forced)
    left township-weeks out of the draw's reach: they are reported, and the truth the intervals are
    held to is the share over the reachable ones, which is what the estimate claims to speak for."""
    results = [found for _, found in runs]
    assert sum(r.missed for r in results) > RUNS  # about one in twenty of some 50 visits
    assert all(r.weeks == WEEKS and r.township_weeks == WEEKS * len(TOWNSHIPS) for r in results)
    unreachable = [r.township_weeks - r.reachable for r in results]
    assert 0 < statistics.mean(unreachable) < 30 and max(unreachable) < 60
