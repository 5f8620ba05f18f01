"""Writing down one sealed draw, and the rules every kind of draw shares (weekly, late, make-up).

Split from `draws.py`, which seals, reveals and verifies around these: the key of each draw, what
counts as a shortfall, which draws may not coexist, and the rows and audit event a sealed draw leaves.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser

import rotation
from inspection.errors import Conflict, Unprocessable
from inspection.models import County, Draw, Inspection, Inspector, TeamMember, Township
from inspection.services.audit import record_event

SEALED = "draw.sealed"


def result_hash(result: dict) -> str:
    return hashlib.sha256(rotation.canonical_json(result)).hexdigest()


def _user(actor) -> AbstractBaseUser | None:
    return actor if getattr(actor, "is_authenticated", False) else None


MAIN_LABELS = ("weekly", "late")  # the week's own draw; "makeup-<n>" draws come after it


def week_busy(county: County, week_start: date, kinds=None) -> dict[str, tuple[date, ...]]:
    """Each inspector's days already taken this week by visits that still count (a make-up's input:
    one inspector, one township a day, across the week's draws; `kinds`: only visits of these kinds)."""
    busy: dict[str, set[date]] = {}
    rows = TeamMember.objects.filter(**({"inspection__kind__in": kinds} if kinds else {}),
        inspection__county=county, inspection__date__range=(week_start, week_start + timedelta(days=6)),
        inspection__status__in=[Inspection.Status.PLANNED, Inspection.Status.DISPATCHED, Inspection.Status.SUBMITTED],
    ).values_list("inspector__user__username", "inspection__date")
    for username, day in rows:
        busy.setdefault(username, set()).add(day)
    return {name: tuple(sorted(days)) for name, days in busy.items()}


def makeup_before(label: str, week_start: date) -> date | None:
    """A make-up draw sees the week's own visits still to come as done: they stay where they are."""
    return week_start + timedelta(days=7) if label.startswith("makeup-") else None


MAX_REASON = 500


def accepted_reason(text: str | None) -> str:
    """The commission's reason for drawing below the minimum, as recorded (one line, bounded)."""
    text = " ".join((text or "").split())
    if len(text) > MAX_REASON:
        raise Unprocessable(f"确认能力不足的理由不超过{MAX_REASON}字")
    return text


def shortfall_of(result: rotation.DrawResult) -> str:
    """Why this draw cannot keep every deadline (capacity below the holiday-aware minimum), or ''."""
    reasons = []
    if result.shortfall is not None:
        reasons.append(f"{result.shortfall.isoformat()} 前将有乡镇逾期")
    if result.missed:
        reasons.append("本周无法按期检查：" + "、".join(result.missed))
    return "；".join(reasons)


def refuse_clash(county: County, week: str, week_start: date, label: str) -> None:
    if Draw.objects.filter(county=county, week=week, label=label).exists():
        raise Conflict(f"{week} 已抽签并封存，不能重抽")
    if label in MAIN_LABELS:
        if Draw.objects.filter(county=county, week=week, label__in=MAIN_LABELS).exists():
            raise Conflict(f"{week} 已抽签并封存，不能重抽")
        later = Draw.objects.filter(county=county, week_start__gt=week_start).order_by("week_start").first()
        if later is not None:
            raise Conflict(f"已有更晚的 {later.week} 抽签，不能再补抽更早的周")


def record_draw(*, county, week, week_start, period, inputs, result, checklist, actor, accepted) -> Draw:
    record = result.to_dict()
    canonical = rotation.canonical_inputs(inputs)
    draw = Draw.objects.create(
        county=county, week=week, week_start=week_start, period=period, public_value=inputs.public_value or "",
        inputs=canonical, result=record, result_hash=result_hash(record), created_by=_user(actor),
        label=inputs.label, accepted_shortfall=accepted,
    )
    townships = {t.code: t for t in Township.objects.filter(county=county, code__in=[v.township for v in result.visits])}
    inspectors = {i.user.get_username(): i for i in Inspector.objects.filter(county=county).select_related("user")}
    for visit in result.visits:
        inspection = Inspection.objects.create(
            county=county, township=townships[visit.township], draw=draw, kind=Inspection.Kind.REGULAR,
            date=visit.date, status=Inspection.Status.PLANNED, checklist=checklist, probability=visit.probability,
        )
        TeamMember.objects.bulk_create(
            TeamMember(inspection=inspection, inspector=inspectors[name]) for name in visit.inspectors
        )
    # No township, date or name here: observers read the audit log, and the week is secret.
    record_event(
        SEALED, actor=actor, obj=draw, county=county,
        data={
            "week": week,
            "label": inputs.label,
            "commitment": period.commitment,
            "inputs_hash": hashlib.sha256(rotation.canonical_json(canonical)).hexdigest(),
            "result_hash": draw.result_hash,
            "visits": len(result.visits),
            "missed": len(result.missed),
            "unstaffed": len(result.unstaffed),
            "shortfall": shortfall_of(result) or None,
            "accepted_shortfall": accepted or None,
            "public_value": inputs.public_value,
        },
    )
    return draw
