"""Double-random teams: recusal and one township a day are hard; a visit nobody may staff is flagged (rotation.teams)."""

import pytest

import rotation as r
from tests.rotation.qianxi_fixtures import key_for, qianxi_inputs


def test_no_inspector_goes_to_their_home_township():
    inputs = qianxi_inputs()
    homes = {i.username: i.home for i in inputs.inspectors}
    for seed in range(20):
        result = r.draw(inputs, key_for(bytes([seed]), inputs))
        for visit in result.visits:
            assert len(set(visit.inspectors)) == 2
            assert all(homes[name] != visit.township for name in visit.inspectors)


def test_a_township_without_two_eligible_inspectors_is_still_drawn_and_flagged_not_refused():
    """Issue 17: too few inspectors no longer refuses (and so skips) the county; the visit is flagged."""
    inspectors = (r.InspectorState("a", "520581001"), r.InspectorState("b", "520581001"), r.InspectorState("c"))
    inputs = qianxi_inputs(inspectors=inspectors, per_day=3)
    flagged = 0
    for seed in range(12):
        result = r.draw(inputs, key_for(bytes([seed]), inputs))
        assert len(result.visits) == 8
        staffed = [v for v in result.visits if v.inspectors]
        assert {v.township for v in result.visits if not v.inspectors} == set(result.unstaffed)
        for v in staffed:
            assert len(v.inspectors) == 2 and not ({"a", "b"} <= set(v.inspectors) and v.township == "520581001")
        by_day = {}
        for v in staffed:
            for name in v.inspectors:
                assert (name, v.date) not in by_day  # one inspector, one township a day
                by_day[(name, v.date)] = v.township
        flagged += bool(result.unstaffed)
        if result.unstaffed:
            assert any("须由委员会另行派员" in w for w in result.warnings)
    assert flagged  # three inspectors make at most one team a day: some visits go unstaffed


def test_a_v1_record_still_refuses_too_few_inspectors():
    inspectors = (r.InspectorState("a", "520581001"), r.InspectorState("b", "520581001"), r.InspectorState("c"))
    with pytest.raises(r.RotationInputError, match="520581001"):
        r.draw(qianxi_inputs(inspectors=inspectors, algorithm="ancha-rotation-v1"), b"k" * 32)


def _textbook_hungarian(cost):
    """The O(n²m) Hungarian method as written before issue 14's sixth session (every column scanned)."""
    rows, cols = len(cost), len(cost[0])
    inf = float("inf")
    u, v, match, way = [0.0] * (rows + 1), [0.0] * (cols + 1), [0] * (cols + 1), [0] * (cols + 1)
    for i in range(1, rows + 1):
        match[0], j0 = i, 0
        minv, used = [inf] * (cols + 1), [False] * (cols + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = match[j0], inf, 0
            for j in range(1, cols + 1):
                if not used[j]:
                    cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(cols + 1):
                if used[j]:
                    u[match[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    result = [0] * rows
    for j in range(1, cols + 1):
        if match[j]:
            result[match[j] - 1] = j - 1
    return result


def test_the_hungarian_method_gives_the_textbook_assignment_on_ties_and_forbidden_seats():
    """`_hungarian` scans only the columns it has not reached yet, in the same order: the same
    assignment as the textbook loop, ties (which it breaks by column order) included."""
    import random

    from rotation.teams import _FORBIDDEN, _hungarian

    rng = random.Random(6)
    for case in range(3000):
        rows = rng.randint(1, 6)
        cols = rng.randint(2 * rows, 14)
        values = [[_FORBIDDEN, 2.0, 0.0, 8.0], [0.0, 1.0, 2.0, 3.0], None][case % 3]
        cost = [[rng.choice(values) if values else rng.random() * 10 for _ in range(cols)] for _ in range(rows)]
        seats = [row for row in cost for _ in range(2)]  # teams of two: each visit's row twice
        assert _hungarian(seats) == _textbook_hungarian(seats)
        assert _hungarian(cost) == _textbook_hungarian(cost)
