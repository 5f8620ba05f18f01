"""Draws (DESIGN.md §4): the commission seals and reads them; once revealed they are public within the county.

A sealed draw's schedule is read by the commission only, and each read is written to the audit
log (`record_look`). Anyone else gets 404 for a sealed week, as for a week never drawn.
"""

from datetime import date, datetime

from ninja import Router, Schema, Status

from inspection.access import profile_of, role_of, visible_draws
from inspection.errors import Forbidden, NotFound
from inspection.models import Draw, Role
from inspection.services.draws import public_record, record_look, seal_draw

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
    period_starts_on: date
    period_ends_on: date
    commitment: str
    result_hash: str
    public_value: str | None
    created_at: datetime
    revealed_at: datetime | None
    seed: str | None  # once the period is over and its seed revealed


class DrawDetailOut(DrawOut):
    visits: list[VisitOut]
    floor: float | None
    key_floor: float | None
    effective_ratio: float | None
    record: dict | None  # once revealed: the canonical inputs and result, to re-check (docs/draw.md)


class DrawIn(Schema):
    week: str
    public_value: str | None = None


def _out(draw: Draw) -> dict:
    period = draw.period
    return {
        "week": draw.week,
        "week_start": draw.week_start,
        "state": draw.state,
        "period_starts_on": period.starts_on,
        "period_ends_on": period.ends_on,
        "commitment": period.commitment,
        "result_hash": draw.result_hash,
        "public_value": draw.public_value or None,
        "created_at": draw.created_at,
        "revealed_at": draw.revealed_at,
        "seed": period.seed if period.revealed_at else None,
    }


def _detail(draw: Draw) -> dict:
    result = draw.result or {}
    return _out(draw) | {
        "visits": [
            {"township": v["township"], "date": v["date"], "inspectors": v["inspectors"], "probability": v["probability"]}
            for v in result.get("visits", [])
        ],
        "floor": result.get("floor"),
        "key_floor": result.get("key_floor"),
        "effective_ratio": result.get("effective_ratio"),
        "record": public_record(draw) if draw.state == Draw.State.REVEALED else None,
    }


def _scope(user):
    """The draws the caller may see: the commission all of its county's, others only the revealed ones."""
    return visible_draws(user).select_related("period", "county"), role_of(user) == Role.COMMISSION


@router.get("", response=list[DrawOut], url_name="draws")
def list_draws(request):
    draws, _ = _scope(request.auth)
    return [_out(d) for d in draws.order_by("-week_start")]


@router.post("", response={201: DrawOut}, url_name="draws_create")
def create_draw(request, body: DrawIn):
    profile = profile_of(request.auth)
    if profile is None or profile.role != Role.COMMISSION:
        raise Forbidden("只有未保办可以抽签")
    draw = seal_draw(county=profile.county, week=body.week.strip(), actor=request.auth,
                     public_value=(body.public_value or "").strip() or None)
    return Status(201, _out(draw))


@router.get("/{week}", response=DrawDetailOut, url_name="draw")
def get_draw(request, week: str):
    draws, commission = _scope(request.auth)
    draw = draws.filter(week=week).first()
    if draw is None:
        raise NotFound("未找到")
    if commission:
        record_look(draw=draw, user=request.auth, via="api")
    return _detail(draw)
