"""Double-random teams: recusal is hard, and a township nobody may staff is refused (rotation.teams)."""

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


def test_a_township_without_two_eligible_inspectors_is_refused_not_skipped():
    inspectors = (r.InspectorState("a", "520581001"), r.InspectorState("b", "520581001"), r.InspectorState("c"))
    with pytest.raises(r.RotationInputError, match="520581001"):
        r.draw(qianxi_inputs(inspectors=inspectors), b"k" * 32)
