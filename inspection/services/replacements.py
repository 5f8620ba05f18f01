"""Replacing an inspector of a sealed visit (an inspector falls ill, 更换督查员).

Entry point (keyword-only):

    replace_inspector(inspection=, inspector=, reason=, actor=) -> Replacement

The replacement is drawn, not chosen: `rotation.pick_replacement` over the inspectors eligible that
day (`leave.eligible_inspectors`: active, not from the township, not on leave, not on another visit,
not on this team), from the draw's own key and the replacement's index within the draw. The sealed
draw stays as it was; the `Replacement` row (with the candidates it was drawn from) and the audit
event are the additional record, and `verify_draw` recomputes each pick once the seed is revealed.
"""

from __future__ import annotations

import hashlib

from django.db import transaction

import rotation
from inspection.errors import Conflict, Unprocessable
from inspection.models import Draw, Inspection, Inspector, Replacement, TeamMember
from inspection.services.audit import record_event
from inspection.services.availability import eligible_inspectors
from inspection.services.leave import clean_reason
from inspection.services.notices import require_commission

REPLACED = "inspection.inspector_replaced"
OPEN = (Inspection.Status.PLANNED, Inspection.Status.DISPATCHED)


def replacement_key(draw: Draw) -> bytes:
    """The draw's own key (rotation.draw_key): secret while the period's seed is."""
    return rotation.draw_key(bytes.fromhex(draw.period.seed), draw.county.code, draw.week, draw.label,
                             draw.public_value or None)


def record_digest(r: Replacement) -> str:
    """What the audit log keeps of a replacement: names and day stay off it while the week is secret."""
    return hashlib.sha256(rotation.canonical_json({
        "index": r.index, "township": r.inspection.township.code, "date": r.inspection.date.isoformat(),
        "replaced": r.replaced.user.get_username(), "replacement": r.replacement.user.get_username(),
        "candidates": r.candidates,
    })).hexdigest()


@transaction.atomic
def replace_inspector(*, inspection: Inspection, inspector: Inspector, reason: str, actor) -> Replacement:
    inspection = (Inspection.objects.select_for_update(of=("self",))
                  .select_related("county", "township", "draw__period", "draw__county").get(pk=inspection.pk))
    require_commission(actor, inspection.county)
    reason = clean_reason(reason, "更换原因")
    if inspection.draw_id is None:
        raise Conflict("只有抽签产生的检查可以抽取替换人员；专项暗访请撤销后重新安排")
    if inspection.status not in OPEN:
        raise Conflict(f"这次检查{inspection.get_status_display()}，不能再更换督查员")
    team = list(TeamMember.objects.filter(inspection=inspection).select_related("inspector__user"))
    if inspector.pk not in {m.inspector_id for m in team}:
        raise Unprocessable(f"{inspector.name}不在这次检查的督查组中")
    draw = Draw.objects.select_for_update().get(pk=inspection.draw_id)
    pool = eligible_inspectors(county=inspection.county, township=inspection.township, on=inspection.date,
                               exclude={m.inspector_id for m in team})
    if not pool:
        raise Conflict(f"{inspection.date.month}月{inspection.date.day}日没有可以替换的督查员"
                       "（其余在岗督查员均已请假、已有任务、已在组内或户籍在该乡镇），未作更换")
    candidates = [i.user.get_username() for i in pool]
    index = Replacement.objects.filter(draw=draw).count() + 1
    chosen = rotation.pick_replacement(replacement_key(inspection.draw), index, candidates)
    replacement = next(i for i in pool if i.user.get_username() == chosen)
    TeamMember.objects.filter(inspection=inspection, inspector=inspector).delete()
    TeamMember.objects.create(inspection=inspection, inspector=replacement)
    record = Replacement.objects.create(
        draw=draw, inspection=inspection, index=index, replaced=inspector, replacement=replacement, reason=reason,
        candidates=sorted(candidates), created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_event(REPLACED, actor=actor, obj=inspection, county=inspection.county,
                 data={"week": draw.week, "label": draw.label, "index": index, "reason": reason,
                       "candidates": len(candidates), "digest": record_digest(record)})
    return record
