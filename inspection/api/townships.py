"""Townships (DESIGN.md §4): escalation level, key management, score history — by role.

Commission and observer see every township of their county, an official only their own, an
inspector none. The escalation history is shown to all who may see the township, except the
follow-up planning (its window), which only the commission sees: the follow-up is unannounced;
an official does not see the decisions behind a letter not yet issued to them, nor its deadlines,
nor the level it announces (access.py decides all three, and which letters' ids a reader may see).
"""

from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery
from ninja import Field, Router, Schema

from inspection.access import (
    as_seen_by,
    get_visible,
    readable_notice_id,
    visible_decisions,
    visible_rectifications,
    visible_townships,
)
from inspection.models import Decision, Inspection, Rectification, Township
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
    last_inspection: date | None  # annotated by `_with_last`
    last_score: int | None

    @staticmethod
    def resolve_level_label(township: Township) -> str:
        return Level(township.level).label


class ScoreOut(Schema):
    inspection: int = Field(alias="pk")
    date: date
    kind: str
    score: int


class RectificationOut(Schema):
    id: int
    inspection: int | None = Field(alias="inspection_id")
    notice: int | None  # resolved: a draft's id is the commission's
    opened_on: date | None
    due_on: date
    state: str
    light: str
    reminded_on: date | None
    accepted_on: date | None

    @staticmethod
    def resolve_notice(rectification: Rectification, context) -> int | None:
        return readable_notice_id(context["request"].auth, rectification.notice_id)


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
    notice: int | None  # resolved: a draft's id is the commission's

    @staticmethod
    def resolve_date(decision: Decision):
        return decision.effective_on

    @staticmethod
    def resolve_rule_title(decision: Decision) -> str:
        return RULES.get(decision.rule, decision.rule)

    @staticmethod
    def resolve_notice(decision: Decision, context) -> int | None:
        return readable_notice_id(context["request"].auth, decision.notice_id)


class OfficialOut(Schema):
    name: str = Field(alias="official.name")
    post: str = Field(alias="title")


class TownshipDetailOut(TownshipOut):
    official: OfficialOut | None
    score_history: list[ScoreOut]
    rectifications: list[RectificationOut]
    decisions: list[DecisionOut]

    @staticmethod
    def resolve_official(township: Township):
        return current_post(township)

    @staticmethod
    def resolve_score_history(township: Township):
        return _submitted().filter(township=township).order_by("date", "id")

    @staticmethod
    def resolve_rectifications(township: Township, context):
        return visible_rectifications(context["request"].auth, township).order_by("due_on", "id")

    @staticmethod
    def resolve_decisions(township: Township, context):
        return visible_decisions(context["request"].auth, township).order_by("effective_on", "id")


def _submitted() -> QuerySet[Inspection]:
    return Inspection.objects.filter(status=Inspection.Status.SUBMITTED)


def _with_last(townships: QuerySet[Township]) -> QuerySet[Township]:
    """Each township with the date and score of its last submitted inspection."""
    last = _submitted().filter(township=OuterRef("pk")).order_by("-date", "-id")
    return townships.annotate(
        last_inspection=Subquery(last.values("date")[:1]), last_score=Subquery(last.values("score")[:1])
    )


@router.get("", response=list[TownshipOut], url_name="townships")
def list_townships(request):
    return [as_seen_by(request.auth, t) for t in _with_last(visible_townships(request.auth)).order_by("code")]


@router.get("/{code}", response=TownshipDetailOut, url_name="township")
def township_detail(request, code: str):
    return as_seen_by(request.auth, get_visible(_with_last(visible_townships(request.auth)), code=code))
