"""The draw's inputs and their canonical JSON, as sealed draws record them (rotation.inputs)."""

import json
from datetime import date, timedelta

import rotation as r
from tests.rotation.qianxi_fixtures import KEY_MANAGED, QIANXI_TOWNSHIPS, key_for, qianxi_inputs


def test_canonical_inputs_survive_json_and_give_the_same_draw():
    inputs = qianxi_inputs(
        townships=tuple(
            r.TownshipState(code, code in KEY_MANAGED, date(2026, 11, 2) + timedelta(days=i % 20), ("inspector1",))
            for i, code in enumerate(QIANXI_TOWNSHIPS)
        ),
        public_value="lottery 2026-11-29",
        balance={"o1": 123, "k3": -456},
    )
    again = r.inputs_from_canonical(json.loads(json.dumps(r.canonical_inputs(inputs))))
    assert r.canonical_inputs(again) == r.canonical_inputs(inputs)
    assert r.draw(again, key_for(b"s", again)).to_dict() == r.draw(inputs, key_for(b"s", inputs)).to_dict()
