"""The draw at scale stays byte-identical: the national week and a year of province runs (issue 14).

The speed work on the draw (cached calendar facts, teams without the Hungarian method when each
visit's cheapest team is its own, no second water-fill without an age debt) must not change a
single draw. These digests were computed before that work (commit 5e6baba) over exactly the inputs
bench/bench_draw.py times: every county of the national township list drawing one week from a
mid-rotation state, and twelve counties of province 51 simulated for 104 weeks from a fresh start.
"""

import hashlib
from functools import lru_cache

import rotation as r
from rotation.teams import _FORBIDDEN, _hungarian, _staff_one_day
from bench import bench_draw as b

NATIONAL = "bc6fb82428ed51b803c32dd17d992ba5f9b5fac34b4468e6336e5f261bfe2daf"
PROVINCE = "82d95ebba64c50785856fcd4dffc579bcebdd5dffef090637f95db3073a88ed4"


@lru_cache(maxsize=1)
def counties():
    return b.load_counties()


def test_the_national_week_is_drawn_exactly_as_before():
    digest = hashlib.sha256()
    for area, (_, codes) in sorted(counties().items()):
        inputs = b.mid_rotation_inputs(area, codes)
        result = r.draw(inputs, r.derive_week_key(b.SEED, inputs.county, inputs.week))
        digest.update(r.canonical_json(result.to_dict()))
    assert len(counties()) == 2978
    assert digest.hexdigest() == NATIONAL


def test_province_runs_of_104_weeks_are_drawn_exactly_as_before():
    members = sorted((area, codes) for area, (province, codes) in counties().items() if province == "51")[:12]
    digest = hashlib.sha256()
    for area, codes in members:
        capacity, key, roster = b.setup(codes)
        digest.update(r.canonical_json(r.simulate(county=area, townships=codes, capacity=capacity, weeks=104, seed=1,
                                                  start_week=b.WEEK, key_managed=key, inspectors=roster)))
    assert digest.hexdigest() == PROVINCE


def _hungarian_teams(rows, team_size):
    seats = [row for row in rows for _ in range(team_size)]
    columns = _hungarian(seats)
    if any(seats[s][c] >= _FORBIDDEN for s, c in enumerate(columns)):
        return None
    return [sorted(columns[i * team_size : (i + 1) * team_size]) for i in range(len(rows))]


def test_a_day_staffed_without_the_hungarian_method_gets_the_teams_it_would_give():
    """Random days (costs as `_cost_rows` makes them: loads, recusal penalties, forbidden homes, and
    ties): whenever the Hungarian method finds full teams, the day's teams are the ones it found."""
    noise = r.randomness.noise(b"golden-teams", "team", 30_000)
    at = 0
    shortcut = compared = 0
    for case in range(1500):
        free = 2 + case % 11
        visits = 1 + case % 3
        if visits * 2 > free:
            continue
        rows = []
        forbidden = 0.6 if case % 4 == 0 else 0.08  # some days where few inspectors may go
        for _ in range(visits):
            row = []
            for _ in range(free):
                u = noise[at]
                at += 1
                if u < forbidden:
                    row.append(_FORBIDDEN)
                elif u < forbidden + 0.04:
                    row.append(2.0)  # a tie: two inspectors with the same load and no noise left
                else:
                    row.append(2.0 * int(u * 3) + u + (8.0 if u > 0.9 else 0.0))
            rows.append(row)
        expected = _hungarian_teams(rows, 2)
        got = [sorted(t) for t in _staff_one_day([(i, str(i)) for i in range(visits)], rows, list(range(free)), 2)]
        for row, team in zip(rows, got):  # never a forbidden inspector; a visit no team can take stays empty
            assert all(row[c] < _FORBIDDEN for c in team)
        if expected is not None and all(len(set(t)) == 2 for t in expected):
            compared += 1
            # Equal costs may be swapped between tied inspectors; the total cost is what is optimal.
            assert sum(rows[i][c] for i, t in enumerate(got) for c in t) == sum(
                rows[i][c] for i, t in enumerate(expected) for c in t)
            if all(len(set(row)) == len(row) for row in rows):
                assert got == expected
                shortcut += 1
    assert compared > 500 and shortcut > 300
