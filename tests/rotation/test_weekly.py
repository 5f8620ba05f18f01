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


def _requirements_slot_by_slot(deadlines, this_days, future, after):
    """The look-ahead's bounds as first written (one step per future slot): the oracle for the
    run-by-run version (issue 14), which must give the same bounds and shortfall."""
    from bisect import bisect_left

    n, slots = len(deadlines), len(this_days)
    generated = sorted(after(x) for x in this_days)
    cuts, shortfall, di, gi = {}, None, 0, 0
    for k, z in enumerate(future):
        gi = bisect_left(generated, z, gi)
        spent = k - gi
        generated.append(after(z))
        di = bisect_left(deadlines, z, di)
        need = di - spent
        if need > 0:
            if need > min(di, slots) and shortfall is None:
                shortfall = z
            if di < n and min(need, di, slots) > cuts.get(di, 0):
                cuts[di] = min(need, di, slots)
    return cuts, shortfall


def test_the_look_ahead_bounds_match_the_slot_by_slot_computation():
    """Random weeks: few or many townships, deadlines bunched or spread, slots several a day, capacity
    short (a shortfall) or ample, and `after` with and without a margin."""
    import random

    from rotation.weekly import _requirements

    rng = random.Random(14)
    shortfalls = bounded = 0
    for case in range(1500):
        start = 739_000 + 7 * rng.randrange(50)
        per_week = rng.randint(1, 9)
        this_days = sorted(start + rng.randrange(5) for _ in range(rng.randint(1, per_week)))
        future = sorted(start + 7 + rng.randrange(7 * rng.randint(1, 16)) for _ in range(rng.randint(0, 90)))
        deadlines = sorted(start + rng.randrange(-3, 7 * rng.randint(1, 18)) for _ in range(rng.randint(1, 40)))
        gap, margin = rng.choice([(56, 0), (60, 3), (35, 0), (90, 9)])

        def after(x, gap=gap, margin=margin):
            return x + gap - margin

        expected = _requirements_slot_by_slot(deadlines, this_days, future, after)
        assert _requirements(deadlines, this_days, future, after) == expected, case
        shortfalls += expected[1] is not None
        bounded += bool(expected[0])
    assert shortfalls > 100 and bounded > 300  # both kinds of week were exercised


def test_the_water_fill_sums_its_suffixes_exactly_as_before():
    """`_water_fill` sums its suffixes with `accumulate` (issue 14, session six): the same additions
    in the same order as the loop it replaced, so the same probabilities to the last bit."""
    import math
    import random

    from rotation.weekly import _water_fill

    def loop(weights, total):
        n = len(weights)
        if total >= n:
            return [1.0] * n, math.inf
        if total <= 0:
            return [0.0] * n, 0.0
        order = sorted(range(n), key=weights.__getitem__, reverse=True)
        suffix = [0.0] * (n + 1)
        for pos in range(n - 1, -1, -1):
            suffix[pos] = suffix[pos + 1] + weights[order[pos]]
        k = 0
        while k < n and weights[order[k]] * (total - k) >= suffix[k]:
            k += 1
        lam = (total - k) / suffix[k]
        out = [0.0] * n
        for pos, i in enumerate(order):
            out[i] = 1.0 if pos < k else weights[i] * lam
        return out, lam

    rng = random.Random(14)
    for _ in range(5000):
        weights = [rng.choice([1.0, 2.0, rng.random() * 5, math.exp(rng.uniform(-3, 3)), 1e-9])
                   for _ in range(rng.randint(1, 30))]
        total = rng.choice([rng.randint(0, len(weights)), rng.random() * len(weights)])
        assert _water_fill(weights, total) == loop(weights, total)


def test_the_look_ahead_reads_a_shorter_future_from_the_longest_one_known():
    """`weekly._spent` keeps the longest future asked for a week's slots (session seven): a prefix of
    it, one that extends it (the walk resumed) and a different one must each give what walking their
    own slots gives."""
    import random
    from bisect import bisect_left

    from rotation.calendar import next_deadline_ord
    from rotation.weekly import _longest_spent, _spent

    def walked(this_days, future, after):
        generated = sorted(after(x) for x in this_days)
        out = []
        for k, z in enumerate(future):
            out.append(k - bisect_left(generated, z))
            generated = sorted([*generated, after(z)])
        return tuple(out)

    rng = random.Random(14)
    _longest_spent.cache_clear()
    this_days = (740650, 740651, 740653)
    for _ in range(300):
        start = 740657 + rng.randrange(0, 3)
        future = tuple(sorted({start + rng.randrange(0, 200) for _ in range(rng.randrange(0, 60))}))
        for cut in (len(future) // 2, len(future), len(future) // 3, 0):  # fresh or read, resumed, read
            assert _spent(this_days, future[:cut], next_deadline_ord) == walked(this_days, future[:cut], next_deadline_ord)


def test_the_frame_order_is_by_deadlines_then_order_keys():
    """`frame._by_deadline` sorts once by (planned, real deadline) and each run of equal deadlines by
    its order keys (session nine): the definition's order, sorting every township by (planned, real,
    order key), on random weeks with many ties, margins that split equal real deadlines, and none."""
    import random

    from rotation.frame import _by_deadline
    from rotation.randomness import order_key

    rng = random.Random(9)
    for _ in range(400):
        n = rng.randint(1, 30)
        codes = sorted({f"52058{rng.randrange(10**4):04d}" for _ in range(n)})
        real = [740700 + rng.randrange(0, rng.choice([1, 3, 20, 60])) for _ in codes]
        planned = real if rng.random() < 0.5 else [d - rng.choice([0, 0, 7]) for d in real]
        key = bytes(rng.randrange(256) for _ in range(32))
        expected = sorted(range(len(codes)), key=lambda k: (planned[k], real[k], order_key(key, codes[k])))
        assert _by_deadline(codes, planned, real, key) == expected


def test_quantising_with_ticks_as_a_float_is_the_integer_product():
    """`weekly._quantise` multiplies the running fraction by TICKS as a float (session nine): the loop
    with the integer TICKS gives the same ticks, bit for bit."""
    import math
    import random

    from rotation.randomness import TICKS
    from rotation.weekly import _quantise

    def loop(probs):
        out, frac, prev = [], 0.0, 0
        for p in probs:
            if p >= 1.0:
                out.append(TICKS)
                continue
            frac += p
            now = round(frac * TICKS)
            step = now - prev
            out.append(step if step < TICKS else TICKS)
            prev = now
        return out

    rng = random.Random(14)
    assert _quantise([]) == []
    for _ in range(5000):
        probs = [rng.choice([1.0, 0.0, rng.random(), 1 - 1e-12, 1e-12, 0.5, math.nextafter(1.0, 0), 2.0 / 3])
                 for _ in range(rng.randint(1, 30))]
        assert _quantise(probs) == loop(probs)


def test_a_whole_weeks_slot_days_are_a_fresh_list_each_time():
    """`slots.week_slots` keeps a whole week's slot days (session nine); each caller gets its own list,
    so a draw taking slots from it never changes another's."""
    from datetime import date

    from rotation.slots import week_slots
    from rotation.workdays import PLAIN

    monday = date(2026, 12, 7)
    first = week_slots(PLAIN, monday, 8, 3)
    again = week_slots(PLAIN, monday, 8, 3)
    assert first == again and first is not again
    first.pop()
    assert week_slots(PLAIN, monday, 8, 3) == again and len(again) == 8
