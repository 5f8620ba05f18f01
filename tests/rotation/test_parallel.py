"""Counties drawn in parallel processes give the same bytes as one process (rotation.parallel, issue 14)."""

import os

import pytest

import rotation as r
from bench import bench_draw as b
from rotation import parallel
from tests.rotation.test_golden_scale import counties


def _draw(inputs):
    return r.draw(inputs, r.derive_week_key(b.SEED, inputs.county, inputs.week))


def _canonical(results):
    return b"\n".join(r.canonical_json(res.to_dict()) for res in results)


def test_a_week_drawn_in_two_processes_is_byte_identical_to_one_process():
    # every 10th county of the national list: small and large ones, several chunks per worker
    inputs = [b.mid_rotation_inputs(area, codes) for area, (_, codes) in sorted(counties().items())][::10]
    serial = [_draw(i) for i in inputs]
    forked = parallel.map_counties(_draw, inputs, 2)
    assert [res.county for res in forked] == [i.county for i in inputs]
    assert _canonical(forked) == _canonical(serial)


def test_simulations_in_two_processes_are_byte_identical_to_one_process():
    members = sorted((area, codes) for area, (province, codes) in counties().items() if province == "51")[:5]

    def run(member):
        return b._simulate_county(member, weeks=20)

    serial = [run(m) for m in members]
    forked = parallel.map_counties(run, members, 2)
    assert [r.canonical_json(s) for s in forked] == [r.canonical_json(s) for s in serial]


def test_a_failing_county_fails_the_whole_map_with_its_own_error():
    inputs = [b.mid_rotation_inputs(area, codes) for area, (_, codes) in sorted(counties().items())[:4]]
    broken = inputs[:2] + [r.DrawInputs(inputs[2].county, "2026-W99", 3, inputs[2].townships, ())] + inputs[3:]
    with pytest.raises(r.RotationInputError):
        parallel.map_counties(_draw, broken, 2)
    assert parallel._JOB is None  # nothing of the failed job is left for the next one


@pytest.mark.parametrize("count, parts", [(0, 3), (1, 8), (7, 3), (183, 8), (2978, 8)])
def test_chunks_cover_every_item_once_in_order(count, parts):
    chunks = parallel._chunks(count, parts)
    assert [i for a, b_ in chunks for i in range(a, b_)] == list(range(count))
    sizes = [b_ - a for a, b_ in chunks]
    assert not sizes or max(sizes) - min(sizes) <= 1


def test_one_process_or_one_item_runs_here():
    here = os.getpid()
    assert parallel.map_counties(lambda _: os.getpid(), [1, 2, 3], 1) == [here] * 3
    assert parallel.map_counties(lambda _: os.getpid(), [1], 4) == [here]
    pids = parallel.map_counties(lambda _: os.getpid(), list(range(8)), 2)
    assert here not in pids and len(set(pids)) <= 2


def test_a_result_survives_the_trip_between_processes_unchanged():
    import pickle
    from datetime import date

    visit = r.Visit("510101001", date(2026, 12, 2), ("inspector1", "inspector4"), 0.25, False)
    back = pickle.loads(pickle.dumps(visit, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == visit and type(back) is r.Visit and hash(back) == hash(visit)
    inputs = b.mid_rotation_inputs(*next((a, c) for a, (_, c) in sorted(counties().items())))
    result = _draw(inputs)
    again = pickle.loads(pickle.dumps(result))
    assert again == result and r.canonical_json(again.to_dict()) == r.canonical_json(result.to_dict())
