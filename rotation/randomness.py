"""The draw's randomness: seeds, commitments, week keys and the systematic sample.

Everything random in a draw comes from one secret seed per two-month period, committed by its
SHA-256 when the period starts and revealed after it ends, so anyone can recompute a week with a
short script (docs/draw.md) from these definitions:

    week_key  = HMAC-SHA256(seed, canonical_json({"county", "week", "public_value"}))
                (a late or make-up draw: "week" is "<week>/<label>", e.g. "2026-W49/makeup-1")
    order key = HMAC-SHA256(week_key, "order:" + township code)          (32 bytes, compared as bytes)
    start U   = first 4 bytes, big-endian, of HMAC-SHA256(week_key, "start")  (0 <= U < 2**32)
    team noise= HMAC-SHA256(week_key, "team:<block>"), block = 0, 1, …, as 4-byte big-endian words / 2**32
    day noise = the same with "day:<block>": which slot of the week each drawn township takes (v2)

The frame is every township sorted by (deadline, order key); township j with `ticks_j` is drawn
when some U + t * 2**32 (t = 0, 1, …) falls in [sum of ticks before j, that sum + ticks_j).
Probabilities are integers of 2**-32 (`TICKS`), so each logged probability is exact.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Sequence
from functools import lru_cache
from json.encoder import encode_basestring

TICKS = 2**32  # probabilities are integers of 1/TICKS, so they are exact


def canonical_json(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def new_seed() -> bytes:
    import secrets

    return secrets.token_bytes(32)


def seed_commitment(seed: bytes) -> str:
    """Published when the period starts; the seed itself only after the period."""
    return hashlib.sha256(seed).hexdigest()


def derive_week_key(seed: bytes, county: str, week: str, public_value: str | None = None) -> bytes:
    if type(county) is str and type(week) is str and (public_value is None or type(public_value) is str):
        # canonical_json's exact bytes for three string fields, without json.dumps' per-call setup
        # (every draw of a simulation derives one key): keys sorted, `encode_basestring` is the
        # string encoder json.dumps uses with ensure_ascii=False.
        value = "null" if public_value is None else encode_basestring(public_value)
        message = f'{{"county":{encode_basestring(county)},"public_value":{value},"week":{encode_basestring(week)}}}'
        return _hmac(seed, message.encode())
    return _hmac(seed, canonical_json({"county": county, "week": week, "public_value": public_value}))


def draw_key(seed: bytes, county: str, week: str, label: str = "weekly", public_value: str | None = None) -> bytes:
    """The key of one draw of a week: the weekly draw's, or a late or make-up draw's own (its label)."""
    return derive_week_key(seed, county, week if label == "weekly" else f"{week}/{label}", public_value)


def _builtin_sha256():
    """CPython's own SHA-256 (`_sha256`, 3.12+ `_sha2`), else hashlib's OpenSSL one: the same digests.
    A draw's HMACs copy a hash state fed with the key's pads (`_pads`); the built-in state copies
    as a small struct where OpenSSL allocates an EVP context, a fifth fewer instructions per HMAC
    (a draw computes a dozen or more)."""
    builtin = getattr(hashlib, "__get_builtin_constructor", None)
    try:
        return builtin("sha256") if builtin else hashlib.sha256
    except ValueError:  # built without it
        return hashlib.sha256


_sha256 = _builtin_sha256()


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


@lru_cache(maxsize=64)
def _pads(key: bytes):
    """SHA-256 already fed with the key's inner and outer pads (RFC 2104). A draw computes about ten
    HMACs under its week key and every week key under one seed; starting each from a copy of these
    gives the same bytes as `hmac.digest` without hashing the pads again (a third of its time)."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return _sha256(key.translate(_IPAD)), _sha256(key.translate(_OPAD))


def _hmac(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256(key, message), exactly as `hmac.digest(key, message, "sha256")`."""
    inner, outer = _pads(key)
    inner = inner.copy()
    inner.update(message)
    outer = outer.copy()
    outer.update(inner.digest())
    return outer.digest()


def _mac(key: bytes, label: str) -> bytes:
    return _hmac(key, label.encode())


def start_ticks(week_key: bytes) -> int:
    return int.from_bytes(_mac(week_key, "start")[:4], "big")


def order_key(week_key: bytes, code: str) -> bytes:
    return _mac(week_key, "order:" + code)


def order_keys(week_key: bytes, codes) -> list[bytes]:
    """`order_key` of each code (the week key's pads looked up once for all of a draw's ties)."""
    inner, outer = _pads(week_key)
    out = []
    for code in codes:
        h = inner.copy()
        h.update(b"order:" + code.encode())
        o = outer.copy()
        o.update(h.digest())
        out.append(o.digest())
    return out


_UNIT = 1.0 / TICKS  # 2**-32 exactly: w * _UNIT == w / TICKS for every 4-byte word w


@lru_cache(maxsize=256)
def _messages(label: str, blocks: int) -> tuple[bytes, ...]:
    """The noise stream's block messages b"label:0", b"label:1", ... (the same for every draw)."""
    prefix = label.encode() + b":"
    return tuple(prefix + str(block).encode() for block in range(blocks))


def noise(week_key: bytes, label: str, n: int) -> list[float]:
    blocks = -(-n // 8)
    inner, outer = _pads(week_key)
    stream = []
    for message in _messages(label, blocks):  # _hmac(week_key, message), inlined: a draw asks for dozens of blocks
        h = inner.copy()
        h.update(message)
        o = outer.copy()
        o.update(h.digest())
        stream.append(o.digest())
    words = struct.unpack(f">{8 * blocks}I", b"".join(stream))  # eight 4-byte big-endian words a block
    # unit * w is w * unit (IEEE products commute): the same floats, mapped without a bytecode loop
    return list(map(_UNIT.__mul__, words[:n]))


def systematic_select(ticks: Sequence[int], start: int) -> list[int]:
    """Indices drawn by a systematic sample: unit j when some start + t·TICKS lies in its interval."""
    picked = []
    low = 0
    point = start  # the first point start + t·TICKS on or after `low`
    for j, size in enumerate(ticks):
        high = low + size
        if size < 0:  # never from a draw (ticks are quantised probabilities); kept exact all the same
            point = start + max(0, -((start - high) // TICKS)) * TICKS
        elif point < high:
            picked.append(j)
            while point < high:
                point += TICKS
        low = high
    return picked
