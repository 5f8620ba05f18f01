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
