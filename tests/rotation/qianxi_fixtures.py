"""黔西市 (issue 3's county) as draw inputs, shared by the rotation tests."""

import rotation as r

QIANXI = "520581"
QIANXI_TOWNSHIPS = [f"520581{n:03d}" for n in [*range(1, 6), *range(100, 115), *range(200, 209), 211]]
KEY_MANAGED = ["520581100", "520581103", "520581107", "520581202", "520581211"]
START = "2026-W49"


def qianxi_inputs(week=START, capacity=8, **overrides) -> r.DrawInputs:
    key = set(KEY_MANAGED)
    fields = dict(
        county=QIANXI,
        week=week,
        capacity=capacity,
        townships=tuple(r.TownshipState(code, code in key) for code in QIANXI_TOWNSHIPS),
        inspectors=r.default_roster(QIANXI_TOWNSHIPS),
        origin=r.parse_week(START),
    )
    fields.update(overrides)
    return r.DrawInputs(**fields)


def key_for(seed: bytes, inputs: r.DrawInputs) -> bytes:
    return r.derive_week_key(seed, inputs.county, inputs.week, inputs.public_value)
