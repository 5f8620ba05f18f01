"""Draws sealed with ancha-rotation-v1 still recompute exactly (their records stay verifiable).

v1_records.json holds ten chained weeks of 黔西市 (capacities 3 to 8, with and without a public
value) as the v1 code sealed them: canonical inputs, result and week key, generated from the
commit before the v2 draw (a633d01).
"""

import json
from pathlib import Path

import rotation as r

RECORDS = json.loads((Path(__file__).parent / "v1_records.json").read_text(encoding="utf-8"))


def test_every_v1_record_recomputes_to_the_byte():
    assert len(RECORDS) == 10
    for record in RECORDS:
        inputs = r.inputs_from_canonical(record["inputs"])
        assert inputs.algorithm == r.V1
        assert r.canonical_inputs(inputs) == record["inputs"]
        recomputed = r.draw(inputs, bytes.fromhex(record["key"])).to_dict()
        assert recomputed == record["result"], record["inputs"]["week"]


def test_a_tampered_v1_record_does_not_recompute():
    record = json.loads(json.dumps(RECORDS[3]))
    record["inputs"]["townships"][0]["last_inspected"] = "2026-10-20"  # now due in this week
    inputs = r.inputs_from_canonical(record["inputs"])
    recomputed = r.draw(inputs, bytes.fromhex(record["key"])).to_dict()
    assert recomputed["deadlines"] != record["result"]["deadlines"]
    assert recomputed["visits"] != record["result"]["visits"]
