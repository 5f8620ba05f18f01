"""Draws (DESIGN.md §4): the commission seals and reads them; once revealed they are public within the county.

A sealed draw's schedule is read by the commission only, and each read is written to the audit
log (`record_look`). Anyone else gets 404 for a sealed week, as for a week never drawn. A revealed
week reads with names for the commission and the observer, with pseudonyms for everyone else.
"""

from datetime import date, datetime

from ninja import Field, Router, Schema, Status

from inspection.access import draw_record_for, profile_of, role_of, visible_draws
from inspection.errors import Forbidden, NotFound
from inspection.security.hygiene import require_week
from inspection.models import Draw, Role
from inspection.services.draws import MAIN_LABELS, record_look, seal_draw

router = Router(tags=["draws"])


class VisitOut(Schema):
    township: str
    date: date
    inspectors: list[str]
    probability: float


class DrawOut(Schema):
    week: str
    week_start: date
    state: str
    period_starts_on: date = Field(alias="period.starts_on")
    period_ends_on: date = Field(alias="period.ends_on")
    commitment: str = Field(alias="period.commitment")
    result_hash: str
    public_value: str | None
    created_at: datetime
    revealed_at: datetime | None
    seed: str | None  # once the period is over and its seed revealed
    label: str  # weekly, late (sealed after the Friday job did not run) or makeup-<n>
    accepted_shortfall: str | None  # the commission's reason for drawing below the minimum
    unstaffed: list[str]  # townships drawn whose visit no team could take: flagged, never dropped

    @staticmethod
    def resolve_accepted_shortfall(draw: Draw) -> str | None:
        return draw.accepted_shortfall or None

    @staticmethod
    def resolve_unstaffed(draw: Draw) -> list[str]:
        return list((draw.result or {}).get("unstaffed", []))

    @staticmethod
    def resolve_public_value(draw: Draw) -> str | None:
        return draw.public_value or None

    @staticmethod
    def resolve_seed(draw: Draw) -> str | None:
        return draw.period.seed if draw.period.revealed_at else None


class DrawDetailOut(DrawOut):
    visits: list[VisitOut]
    floor: float | None
    key_floor: float | None
    effective_ratio: float | None
    record: dict | None  # once revealed: the canonical inputs and result, to re-check (docs/draw.md)

    @staticmethod
    def resolve_visits(draw: Draw, context) -> list[dict]:
        # A sealed week is read by the commission only; a revealed one by role (pseudonyms for officials).
        if draw.state != Draw.State.REVEALED:
            return (draw.result or {}).get("visits", [])
        return draw_record_for(context["request"].auth, draw)["result"].get("visits", [])

    @staticmethod
    def resolve_floor(draw: Draw) -> float | None:
        return (draw.result or {}).get("floor")

    @staticmethod
    def resolve_key_floor(draw: Draw) -> float | None:
        return (draw.result or {}).get("key_floor")

    @staticmethod
    def resolve_effective_ratio(draw: Draw) -> float | None:
        return (draw.result or {}).get("effective_ratio")

    @staticmethod
    def resolve_record(draw: Draw, context) -> dict | None:
        return draw_record_for(context["request"].auth, draw) if draw.state == Draw.State.REVEALED else None


class DrawIn(Schema):
    week: str  # checked by require_week: a bad week is a 400 {"detail"} (DESIGN.md §4), not a 422 list
    public_value: str | None = None
    accept_shortfall: str | None = None  # a reason: draw even below the minimum capacity


def _visible(request):
    return visible_draws(request.auth).select_related("period", "county")


@router.get("", response=list[DrawOut], url_name="draws")
def list_draws(request):
    return _visible(request).order_by("-week_start")


@router.post("", response={201: DrawOut}, url_name="draws_create")
def create_draw(request, body: DrawIn):
    profile = profile_of(request.auth)
    if profile is None or profile.role != Role.COMMISSION:
        raise Forbidden("只有未保办可以抽签")
    draw = seal_draw(county=profile.county, week=require_week(body.week), actor=request.auth,
                     public_value=(body.public_value or "").strip() or None,
                     accept_shortfall=body.accept_shortfall or "")
    return Status(201, draw)


@router.get("/{week}", response=DrawDetailOut, url_name="draw")
def get_draw(request, week: str, label: str | None = None):
    draws = _visible(request).filter(week=require_week(week))
    draw = (draws.filter(label=label) if label else draws.filter(label__in=MAIN_LABELS)).first()
    if draw is None:
        raise NotFound("未找到")
    if role_of(request.auth) == Role.COMMISSION:
        record_look(draw=draw, user=request.auth, via="api")
    return draw
