"""Re-checking a published week from its public record. Pure and standard library only.

`tools/verify_draw.py` carries this module (and the modules it imports) inlined, so the public
and the commission's `verify_draw` run one implementation. A published record (docs/draw.md) has
the canonical inputs with inspectors as pseudonyms and without homes: those fields decide who is
sent, never which township or day is drawn, so the comparison leaves the teams out and checks
everything else the draw decides.

Exit statuses: 0 verified, 1 mismatch, 3 not yet verifiable (the period's seed is still secret).
"""

from __future__ import annotations

from collections.abc import Mapping

from rotation.calendar import RotationInputError
from rotation.inputs import inputs_from_canonical
from rotation.randomness import draw_key, seed_commitment
from rotation.weekly import draw

VERIFIED, MISMATCH, NOT_YET = 0, 1, 3
# What a draw decides apart from the teams, compared field by field.
DECIDED = ("county", "week", "week_start", "frame", "start", "deadlines", "floor", "key_floor",
           "effective_ratio", "balance", "missed")
VISIT_FIELDS = ("township", "date", "probability", "forced")


def week_key(inputs, seed: bytes) -> bytes:
    """The draw's key from the period seed, exactly as it was sealed with it (a late or make-up draw: its label's)."""
    return draw_key(seed, inputs.county, inputs.week, inputs.label, inputs.public_value)


def decided(result: Mapping) -> dict:
    """The part of a result anyone can recompute from the published inputs: everything but the teams."""
    out = {k: result.get(k) for k in DECIDED}
    out["visits"] = sorted(
        ({k: v.get(k) for k in VISIT_FIELDS} for v in result.get("visits", [])),
        key=lambda v: (str(v["date"]), str(v["township"])),
    )
    return out


def differences(recorded: Mapping, recomputed: Mapping) -> list[str]:
    """What differs between a recorded and a recomputed result, in words, visits first."""
    have, want = decided(recorded), decided(recomputed)
    problems = []
    rows_have = {v["township"]: v for v in have["visits"]}
    rows_want = {v["township"]: v for v in want["visits"]}
    for code in sorted(set(rows_have) | set(rows_want)):
        a, b = rows_have.get(code), rows_want.get(code)
        if a is None:
            problems.append(f"重算抽中 {code}（{b['date']}），记录中没有")
        elif b is None:
            problems.append(f"记录抽中 {code}（{a['date']}），重算没有抽中")
        else:
            for k in VISIT_FIELDS[1:]:
                if a[k] != b[k]:
                    problems.append(f"{code} 的 {k}：记录为 {a[k]}，重算为 {b[k]}")
    for k in DECIDED:
        if have[k] != want[k]:
            problems.append(f"{k}：记录与重算不一致")
    return problems


def _seed(record: Mapping) -> bytes | None:
    value = record.get("seed")
    if not value:
        return None
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError):
        raise RotationInputError("公开的种子不是十六进制") from None


def check_week(record: Mapping, commitment: str | None = None) -> tuple[int, list[str], list[str]]:
    """(status, what held, what differs) for one published week.

    `commitment` is the one published when the period started (the feed's period list, the
    county's website, the copy held by the discipline commission); without it, the record's own.
    A forged record with a new seed and a matching commitment of its own fails against it.
    """
    checks: list[str] = []
    problems: list[str] = []
    week = record.get("week", "?")
    try:
        seed = _seed(record)
    except RotationInputError as exc:
        return MISMATCH, checks, [f"{week}：{exc}"]
    if seed is None:
        return NOT_YET, checks, [f"{week}：本期种子尚未公开，暂不能验证"]
    published = commitment or record.get("commitment")
    if record.get("commitment") != published:
        problems.append(f"{week}：记录中的承诺与期初公布的承诺不一致")
    if seed_commitment(seed) == published:
        checks.append(f"{week}：种子的 SHA-256 与期初公布的承诺一致")
    else:
        problems.append(f"{week}：种子的 SHA-256 与期初公布的承诺不一致")
    try:
        inputs = inputs_from_canonical(record["inputs"])
        recomputed = draw(inputs, week_key(inputs, seed)).to_dict()
    except (RotationInputError, KeyError, TypeError, ValueError, AttributeError) as exc:
        return MISMATCH, checks, problems + [f"{week}：无法按公开的输入重算：{exc}"]
    if (inputs.county, inputs.week) != (record.get("county"), week):
        problems.append(f"{week}：输入中的县或周与记录不符")
    found = differences(record.get("result") or {}, recomputed)
    if found:
        problems.extend(f"{week}：{line}" for line in found)
    else:
        checks.append(f"{week}：按公开的种子和输入重算，{len(recomputed['visits'])} 次检查的乡镇、日期和入选概率与记录一致")
    return (MISMATCH if problems else VERIFIED), checks, problems
