"""Townships (DESIGN.md §4): escalation level, key management, score history — by role.

Commission and observer see every township of their county, an official only their own, an
inspector none. The escalation history is shown to all who may see the township, except the
follow-up planning (its window), which only the commission sees: the follow-up is unannounced;
an official does not see the decisions behind a letter not yet issued to them.
"""

from datetime import date

from ninja import Router, Schema

from inspection.access import get_visible, visible_decisions, visible_townships
from inspection.models import Inspection, Rectification, Township
from inspection.services.ladder_writer import current_post
from scoring import RULES, Level

router = Router(tags=["townships"])


class TownshipOut(Schema):
    code: str
    name: str
    kind: str
    level: str
    level_label: str
    key_managed: bool
    key_managed_since: date | None
    last_inspection: date | None
    last_score: int | None


class ScoreOut(Schema):
    inspection: int
    date: date
    kind: str
    score: int


class RectificationOut(Schema):
    id: int
    inspection: int | None
    notice: int | None
    opened_on: date | None
    due_on: date
    state: str
    light: str
    reminded_on: date | None
    accepted_on: date | None


class DecisionOut(Schema):
    id: int
    date: date
    kind: str
    rule: str
    rule_title: str
    policy_version: str
    from_level: str
    to_level: str
    reason: str
    notice: int | None


class OfficialOut(Schema):
    name: str
    post: str


class TownshipDetailOut(TownshipOut):
    official: OfficialOut | None
    score_history: list[ScoreOut]
    rectifications: list[RectificationOut]
    decisions: list[DecisionOut]


def _submitted(township_ids):
    return Inspection.objects.filter(township_id__in=township_ids, status=Inspection.Status.SUBMITTED)


def _summary(township: Township, last: Inspection | None) -> dict:
    return {
        "code": township.code,
        "name": township.name,
        "kind": township.kind,
        "level": township.level,
        "level_label": Level(township.level).label,
        "key_managed": township.key_managed,
        "key_managed_since": township.key_managed_since,
        "last_inspection": last.date if last else None,
        "last_score": last.score if last else None,
    }


@router.get("", response=list[TownshipOut], url_name="townships")
def list_townships(request):
    townships = list(visible_townships(request.auth).order_by("code"))
    last = {}
    for inspection in _submitted([t.pk for t in townships]).order_by("date", "id"):
        last[inspection.township_id] = inspection
    return [_summary(t, last.get(t.pk)) for t in townships]


@router.get("/{code}", response=TownshipDetailOut, url_name="township")
def township_detail(request, code: str):
    township = get_visible(visible_townships(request.auth), code=code)
    history = list(_submitted([township.pk]).order_by("date", "id"))
    decisions = visible_decisions(request.auth, township).order_by("effective_on", "id")
    post = current_post(township)
    return {
        **_summary(township, history[-1] if history else None),
        "official": {"name": post.official.name, "post": post.title} if post else None,
        "score_history": [
            {"inspection": i.pk, "date": i.date, "kind": i.kind, "score": i.score} for i in history
        ],
        "rectifications": [
            {
                "id": r.pk,
                "inspection": r.inspection_id,
                "notice": r.notice_id,
                "opened_on": r.opened_on,
                "due_on": r.due_on,
                "state": r.state,
                "light": r.light,
                "reminded_on": r.reminded_on,
                "accepted_on": r.accepted_on,
            }
            for r in Rectification.objects.filter(township=township).order_by("due_on", "id")
        ],
        "decisions": [
            {
                "id": d.pk,
                "date": d.effective_on,
                "kind": d.kind,
                "rule": d.rule,
                "rule_title": RULES.get(d.rule, d.rule),
                "policy_version": d.policy_version,
                "from_level": d.from_level,
                "to_level": d.to_level,
                "reason": d.reason,
                "notice": d.notice_id,
            }
            for d in decisions
        ],
    }
