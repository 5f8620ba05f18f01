"""The draw's randomness and its public re-computation (rotation.randomness, docs/draw.md)."""

import hashlib
import hmac
import json
import os
from datetime import date, timedelta

import pytest

import rotation as r
from rotation import randomness
from tests.rotation.qianxi_fixtures import KEY_MANAGED, QIANXI, QIANXI_TOWNSHIPS, START, key_for, qianxi_inputs


def test_the_commitment_is_the_sha256_of_the_seed():
    assert r.seed_commitment(b"period seed") == hashlib.sha256(b"period seed").hexdigest()


def test_the_week_key_is_an_hmac_of_county_week_and_public_value():
    message = b'{"county":"520581","public_value":"03 11 19","week":"2026-W49"}'
    assert r.derive_week_key(b"s", QIANXI, START, "03 11 19") == hmac.new(b"s", message, hashlib.sha256).digest()
    assert r.derive_week_key(b"s", QIANXI, START, "03 11 19") != r.derive_week_key(b"s", QIANXI, START)


def test_a_short_independent_script_recomputes_the_selection_from_the_seed():
    """The steps docs/draw.md gives the public, written out with hashlib and hmac only."""
    inputs = qianxi_inputs(townships=tuple(
        r.TownshipState(code, code in KEY_MANAGED, date(2026, 10, 5) + timedelta(days=3 * i))
        for i, code in enumerate(QIANXI_TOWNSHIPS)
    ))
    seed = b"\x01" * 32
    record = json.loads(json.dumps(r.draw(inputs, key_for(seed, inputs)).to_dict()))

    message = json.dumps({"county": QIANXI, "week": START, "public_value": None}, sort_keys=True,
                         separators=(",", ":")).encode()
    key = hmac.new(seed, message, "sha256").digest()
    tick = 2**32
    frame = sorted(record["frame"], key=lambda row: (record["deadlines"][row[0]],
                                                     hmac.new(key, b"order:" + row[0].encode(), "sha256").digest()))
    start = int.from_bytes(hmac.new(key, b"start", "sha256").digest()[:4], "big")
    picked, low = [], 0
    for code, ticks in frame:
        t = max(0, -((start - low) // tick))
        if start + t * tick < low + ticks:
            picked.append(code)
        low += ticks
    assert sorted(picked) == sorted(v["township"] for v in record["visits"])
    assert low == inputs.capacity * tick


def test_logged_probabilities_are_the_real_inclusion_frequencies():
    inputs = qianxi_inputs(townships=tuple(
        r.TownshipState(code, code in KEY_MANAGED, date(2026, 10, 19) + timedelta(days=7 * (i % 6)))
        for i, code in enumerate(QIANXI_TOWNSHIPS)
    ), inspectors=())
    runs = 1500
    counts = dict.fromkeys(QIANXI_TOWNSHIPS, 0)
    probability = None
    for n in range(runs):
        result = r.draw(inputs, key_for(n.to_bytes(4, "big"), inputs))
        probability = probability or {code: result.probability(code) for code in QIANXI_TOWNSHIPS}
        for visit in result.visits:
            counts[visit.township] += 1
    for code, p in probability.items():
        spread = 4 * (p * (1 - p) / runs) ** 0.5 + 1e-9
        assert abs(counts[code] / runs - p) <= spread, code


@pytest.mark.parametrize("length", [0, 1, 31, 32, 63, 64, 65, 100, 200])
def test_the_draws_hmac_is_hmac_sha256_for_keys_of_every_length(length):
    """`_hmac` starts from cached pad states (issue 14); its bytes must be the standard library's
    HMAC for short keys, block-sized ones and keys longer than a block (hashed first)."""
    import os

    for _ in range(5):
        key = os.urandom(length)
        for message in (b"", b"start", "order:510101001".encode(), os.urandom(300)):
            assert randomness._hmac(key, message) == hmac.digest(key, message, "sha256")
            assert randomness._hmac(key, message) == hmac.new(key, message, "sha256").digest()  # twice: the cached pads are unchanged


def test_order_keys_are_each_codes_order_key_with_either_sha256():
    """`order_keys` (a draw's tied townships at once) is `order_key` per code, the documented HMAC; and the
    built-in SHA-256 the pads start from gives OpenSSL's digests (session seven)."""
    for key in (b"", b"k", bytes(range(32)), b"x" * 100):
        codes = ["510101001", "520581203", "黔西", ""]
        expected = [hmac.digest(key, ("order:" + code).encode(), "sha256") for code in codes]
        assert randomness.order_keys(key, codes) == expected == [r.order_key(key, code) for code in codes]
    data = os.urandom(1000)
    assert randomness._sha256(data).digest() == hashlib.sha256(data).digest()
    state = randomness._sha256(data[:64])
    copy = state.copy()
    copy.update(data[64:])
    assert copy.digest() == hashlib.sha256(data).digest() and state.digest() == hashlib.sha256(data[:64]).digest()


@pytest.mark.parametrize("county, week, public_value", [
    ("520581", "2026-W49", None),
    ("520581", "2026-W49/makeup-1", "03 11 19"),
    ("", "", ""),
    ('黔西"\\市\n', "2026-W49\u2028", '公开 "值"\t\x00\x1f\x7f'),
])
def test_the_week_key_message_is_canonical_json_for_any_strings(county, week, public_value):
    """`derive_week_key` writes its three-field message itself (issue 14, session six); it must be
    exactly `canonical_json`'s bytes, quotes, backslashes, control and non-ASCII characters included."""
    message = randomness.canonical_json({"county": county, "week": week, "public_value": public_value})
    assert r.derive_week_key(b"seed", county, week, public_value) == hmac.digest(b"seed", message, "sha256")


def test_noise_is_the_documented_hmac_stream():
    """Team and day noise: HMAC-SHA256(week_key, "<label>:<block>") as 4-byte big-endian words / 2**32."""
    import struct

    for key in (b"k", bytes(range(32)), b"x" * 100):
        for label in ("team", "day"):
            for n in (0, 1, 7, 8, 9, 41, 300):
                blocks = -(-n // 8)
                stream = b"".join(hmac.digest(key, f"{label}:{b}".encode(), "sha256") for b in range(blocks))
                words = struct.unpack(f">{8 * blocks}I", stream)
                assert randomness.noise(key, label, n) == [words[i] / 2**32 for i in range(n)]


def test_the_systematic_sample_picks_every_interval_a_point_falls_in():
    """The sample walks the intervals with the next point instead of dividing per unit (issue 14);
    against the definition (unit j drawn when some U + t·TICKS, t >= 0, lies in its interval) on
    random ticks, empty, whole, wider than a tick and (never from a draw) negative ones included."""
    import random

    tick = randomness.TICKS
    rng = random.Random(14)
    for _ in range(3000):
        ticks = [rng.choice([0, tick, rng.randrange(tick), rng.randrange(3 * tick), -rng.randrange(tick)])
                 for _ in range(rng.randint(0, 20))]
        start = rng.choice([0, tick - 1, rng.randrange(tick)])
        expected, low = [], 0
        for j, size in enumerate(ticks):
            if any(low <= start + t * tick < low + size for t in range(0, 70)):
                expected.append(j)
            low += size
        assert r.systematic_select(ticks, start) == expected
