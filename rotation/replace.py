"""Replacing one inspector of a sealed visit (an inspector falls ill): a draw of its own, verifiable.

The sealed draw is never edited. The replacement is drawn from the visit's draw key (the seed of the
period, so it is as unpredictable as the draw and recomputable once the seed is revealed) and the
replacement's index within that draw (1, 2, …), over the eligible inspectors as recorded:

    u    = first 4-byte word of HMAC-SHA256(week_key, "replace-<index>:0") / 2**32
    pick = sorted(candidates)[floor(u * len(candidates))]

Who is eligible (active, not from the township, not on leave or busy that day, not on the team) is
decided by the caller and recorded with the replacement, so anyone can re-check the pick.
"""

from __future__ import annotations

from collections.abc import Sequence

from rotation.calendar import RotationInputError
from rotation.randomness import noise


def replacement_label(index: int) -> str:
    if index < 1:
        raise RotationInputError("更换序号从 1 开始")
    return f"replace-{index}"


def pick_replacement(week_key: bytes, index: int, candidates: Sequence[str]) -> str:
    """The inspector drawn for the `index`-th replacement of a draw among `candidates` (usernames)."""
    pool = sorted(set(candidates))
    if not pool:
        raise RotationInputError("没有可替换的督查员")
    u = noise(week_key, replacement_label(index), 1)[0]
    return pool[min(int(u * len(pool)), len(pool) - 1)]
