"""The draw's randomness: seeds, commitments, week keys and the systematic sample (see docs/draw.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence

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
    message = canonical_json({"county": county, "week": week, "public_value": public_value})
    return hmac.new(seed, message, hashlib.sha256).digest()


def _mac(key: bytes, label: str) -> bytes:
    return hmac.digest(key, label.encode(), "sha256")


def start_ticks(week_key: bytes) -> int:
    return int.from_bytes(_mac(week_key, "start")[:4], "big")


def order_key(week_key: bytes, code: str) -> bytes:
    return _mac(week_key, "order:" + code)


def noise(week_key: bytes, label: str, n: int) -> list[float]:
    out: list[float] = []
    block = 0
    while len(out) < n:
        digest = _mac(week_key, f"{label}:{block}")
        out.extend(int.from_bytes(digest[i : i + 4], "big") / TICKS for i in range(0, 32, 4))
        block += 1
    return out[:n]


def systematic_select(ticks: Sequence[int], start: int) -> list[int]:
    """Indices drawn by a systematic sample: unit j when some start + t·TICKS lies in its interval."""
    picked = []
    low = 0
    for j, size in enumerate(ticks):
        high = low + size
        t = max(0, -((start - low) // TICKS))
        if start + t * TICKS < high:
            picked.append(j)
        low = high
    return picked
