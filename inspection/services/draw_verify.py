"""`verify_draw`: the commission's and the observer's full check of a revealed week (docs/draw.md).

The public verifier (`tools/verify_draw.py`, the same `rotation.public` code) re-derives what anyone
can from the published record: the seed against the commitment, the sample, the days and every
probability. This check has the record as sealed, with the usernames and homes, and the tables, so
it also covers what the public cannot see:

- the seed against the commitment on the period row, and that commitment against the one the
  audit log took when it was published (or one given from outside: the county's website, the copy
  held by the discipline commission) — a forged record with its own seed and commitment fails;
- the stored inputs and result against the hashes the audit log took at sealing (a changed home,
  a flipped key-managed flag, a moved probability);
- the whole draw recomputed, teams included, against the record;
- the inspections actually planned (township, day, team) against the draw;
- the recorded last visits against the inspection records as they stood at sealing.

A week whose seed is still secret is not a failure: `status` is NOT_YET (exit 3).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta

import rotation
from rotation.public import MISMATCH, NOT_YET, VERIFIED, check_week, week_key
from inspection.errors import NotFound
from inspection.models import AuditEvent, County, Draw, Inspection, SeedPeriod
from inspection.publication import public_record
from inspection.services.replacements import REPLACED, record_digest
from inspection.services.draws import (
    COMMITTED,
    MAIN_LABELS,
    SEALED,
    _week_start,
    draw_inputs,
    makeup_before,
    result_hash,
)


@dataclass
class Verification:
    ok: bool
    checks: list[str] = field(default_factory=list)  # what was checked and held
    problems: list[str] = field(default_factory=list)
    status: int = MISMATCH  # rotation.public: VERIFIED 0, MISMATCH 1, NOT_YET 3

    @property
    def not_yet(self) -> bool:
        return self.status == NOT_YET


def _event_data(action: str, obj) -> dict | None:
    event = (
        AuditEvent.objects.filter(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("seq")
        .first()
    )
    return json.loads(event.payload)["data"] if event else None


def _visit_rows(visits) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {v["township"]: (v["date"], tuple(sorted(v["inspectors"]))) for v in visits}


def verify_draw(*, county: County, week: str, label: str | None = None, commitment: str | None = None) -> Verification:
    """Recompute a week (its own draw, or the late or make-up one of `label`) from the revealed seed and
    the recorded inputs; every way it could differ is a problem.

    `commitment`: the period's commitment as published outside this server, checked as well.
    """
    week = rotation.week_label(_week_start(week))
    draws = Draw.objects.select_related("period", "county").filter(county=county, week=week)
    draw = (draws.filter(label=label) if label else draws.filter(label__in=MAIN_LABELS)).first()
    if draw is None:
        raise NotFound(f"{week} 没有抽签" + (f"（{label}）" if label else ""))
    period = draw.period
    if period.revealed_at is None:
        return Verification(ok=False, status=NOT_YET, problems=[
            f"本期种子尚未公开（{period.ends_on.isoformat()} 之后公开），暂不能验证"
        ])
    try:
        seed = bytes.fromhex(period.seed)
    except ValueError:
        return Verification(ok=False, problems=["公开的种子不是十六进制"])
    v = Verification(ok=False)
    _check_commitment(v, period, seed, commitment)
    _check_public(v, draw, commitment)
    _check_hashes(v, draw)
    recomputed = _check_recomputation(v, draw, county, seed)
    _check_replacements(v, draw, seed)
    _check_inspections(v, draw, recomputed)
    _check_last_visits(v, draw, county)
    v.ok = not v.problems
    v.status = VERIFIED if v.ok else MISMATCH
    return v


def _check_commitment(v: Verification, period: SeedPeriod, seed: bytes, published: str | None) -> None:
    if rotation.seed_commitment(seed) == period.commitment:
        v.checks.append(f"种子的 SHA-256 与承诺一致：{period.commitment}")
    else:
        v.problems.append("种子的 SHA-256 与本期承诺不一致")
    if published is not None:
        if published.strip().lower() == period.commitment:
            v.checks.append("本期承诺与另行公布的承诺一致")
        else:
            v.problems.append("本期承诺与另行公布的承诺不一致：记录可能被整体伪造")
    # The audit log is hash-chained: it holds the commitment as it was when the period began.
    committed = _event_data(COMMITTED, period)
    if committed and committed.get("commitment") == period.commitment:
        v.checks.append("本期承诺与期初公布时审计日志记下的一致")
    else:
        v.problems.append("本期承诺与期初公布时审计日志记下的不一致（或无公布记录）：记录可能被整体伪造")


def _check_public(v: Verification, draw: Draw, published: str | None) -> None:
    """The check anyone can make from the public record, so the two never disagree."""
    status, _, problems = check_week(public_record(draw), published or draw.period.commitment)
    if status == VERIFIED:
        v.checks.append("公开记录（化名、不含住址）经公开验证程序重算一致")
    else:
        v.problems.extend(f"公开记录：{p}" for p in problems if "承诺" not in p)


def _check_hashes(v: Verification, draw: Draw) -> None:
    """The stored result and inputs against the hashes the audit log took when the draw was sealed."""
    sealed = _event_data(SEALED, draw) or {}
    stored_hash = result_hash(draw.result)
    if sealed.get("result_hash") == draw.result_hash == stored_hash:
        v.checks.append(f"抽签结果与封存时审计日志记录的哈希一致：{stored_hash}")
    else:
        v.problems.append("抽签结果已被改动：与封存时审计日志记录的哈希不一致")
    if sealed.get("inputs_hash") == hashlib.sha256(rotation.canonical_json(draw.inputs)).hexdigest():
        v.checks.append("抽签输入（含督查员住址、重点管理标记、上次检查日期）与封存时审计日志记录的哈希一致")
    else:
        v.problems.append("抽签输入已被改动：与封存时审计日志记录的哈希不一致")


def _check_recomputation(v: Verification, draw: Draw, county: County, seed: bytes) -> dict | None:
    """The draw recomputed from the seed and the recorded inputs (None when they cannot be drawn), against the record."""
    try:
        inputs = rotation.inputs_from_canonical(draw.inputs)
        recomputed = rotation.draw(inputs, week_key(inputs, seed)).to_dict()
    except (rotation.RotationInputError, KeyError, TypeError, ValueError) as exc:
        v.problems.append(f"无法按记录的输入重算：{exc}")
        return None
    if (inputs.county, inputs.week, inputs.public_value or "") != (county.code, draw.week, draw.public_value):
        v.problems.append("记录的输入与本周抽签的县、周或公开随机值不符")
    if recomputed == draw.result:
        v.checks.append(f"按公开种子和记录的输入重算，{len(recomputed['visits'])} 次检查（含督查组）与记录完全一致")
    else:
        want, have = _visit_rows(recomputed["visits"]), _visit_rows(draw.result.get("visits", []))
        diff = sorted(set(want) ^ set(have)) or sorted(c for c in want if want[c] != have.get(c))
        v.problems.append("按公开种子和记录的输入重算，结果与记录不一致" + (f"：{'、'.join(diff)}" if diff else ""))
    return recomputed


def _check_inspections(v: Verification, draw: Draw, recomputed: dict | None) -> None:
    """The inspections actually planned (township, day, team) against the draw."""
    made = {
        i.township.code: (i.date.isoformat(), tuple(sorted(m.inspector.user.get_username() for m in i.members.all())))
        for i in Inspection.objects.filter(draw=draw).select_related("township").prefetch_related("members__inspector__user")
    }
    drawn = _visit_rows((recomputed or draw.result).get("visits", []))
    for r in draw.replacements.select_related("inspection__township", "replaced__user", "replacement__user"):
        code = r.inspection.township.code
        if code in drawn:  # applied in order, as they were made: the sealed result itself is never edited
            day, team = drawn[code]
            team = {*team} - {r.replaced.user.get_username()} | {r.replacement.user.get_username()}
            drawn[code] = (day, tuple(sorted(team)))
    if made == drawn:
        v.checks.append("实际安排的检查（乡镇、日期、督查组）与抽签一致")
    else:
        diff = sorted(c for c in set(made) | set(drawn) if made.get(c) != drawn.get(c))
        v.problems.append("实际安排的检查与抽签不一致：" + "、".join(diff))


def _check_replacements(v: Verification, draw: Draw, seed: bytes) -> None:
    """Each replacement redrawn from the seed, its index and the candidates it recorded, and against
    the digest the audit log took; no candidate from the township, none on the team it joined."""
    rows = list(draw.replacements.select_related("inspection__township", "replaced__user", "replacement__user"))
    if not rows:
        return
    key = rotation.draw_key(seed, draw.county.code, draw.week, draw.label, draw.public_value or None)
    homes = {i["username"]: i.get("home") for i in draw.inputs.get("inspectors", [])}
    bad = []
    for r in rows:
        picked = rotation.pick_replacement(key, r.index, r.candidates) if r.candidates else None
        logged = _event_data_where(REPLACED, r.inspection, index=r.index)
        if (picked != r.replacement.user.get_username() or r.replaced.user.get_username() in r.candidates
                or homes.get(picked) == r.inspection.township.code
                or (logged or {}).get("digest") != record_digest(r)):
            bad.append(str(r.index))
    if bad:
        v.problems.append("更换督查员的记录与按种子重抽的结果或审计日志不一致：第" + "、".join(bad) + "次更换")
    else:
        v.checks.append(f"{len(rows)} 次更换督查员按种子和记录的候选人重抽一致，且与审计日志相符")


def _event_data_where(action: str, obj, **match) -> dict | None:
    for event in AuditEvent.objects.filter(action=action, object_type=obj._meta.label_lower,
                                           object_id=str(obj.pk)).order_by("seq"):
        data = json.loads(event.payload)["data"]
        if all(data.get(k) == val for k, val in match.items()):
            return data
    return None


def _check_last_visits(v: Verification, draw: Draw, county: County) -> None:
    """The recorded last visits against the inspection records as they stood when the draw was sealed."""
    on_record = rotation.canonical_inputs(
        # Just before the draw was written: a make-up's own visits (same week) were not yet on record.
        draw_inputs(county=county, week=draw.week, public_value=draw.public_value,
                    known_before=draw.created_at - timedelta(microseconds=1),
                    before=makeup_before(draw.label, draw.week_start))
    )["townships"]
    recorded = {t["code"]: t["last_inspected"] for t in draw.inputs.get("townships", [])}
    differing = sorted(t["code"] for t in on_record if recorded.get(t["code"]) != t["last_inspected"])
    if differing:
        v.problems.append("记录的上次检查日期与封存时的检查记录不符：" + "、".join(differing))
    else:
        v.checks.append("记录的各乡镇上次检查日期与封存时的检查记录一致")


def newest_verifiable_week(*, county) -> str | None:
    """The newest week whose draw and seed are both revealed: `verify_draw --week last`."""
    return (
        Draw.objects.filter(county=county, state=Draw.State.REVEALED, period__revealed_at__isnull=False)
        .order_by("-week_start").values_list("week", flat=True).first()
    )
