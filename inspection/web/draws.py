"""Draw pages, for the commission only: the weeks, a sealed week (each look logged), a revealed week.

The list shows no township of a sealed week; opening a sealed week is a look at the secret
schedule and is written to the audit log before the page is drawn, and the page says so.
"""

from datetime import timedelta

from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import rotation
from inspection.access import get_visible, visible_draws
from inspection.models import Draw, Inspection, Inspector, Role, Township
from inspection.security.hygiene import require_week
from inspection.services.calendar import LOOK_AHEAD_WEEKS, draw_provisional_years
from inspection.services.draw_verify import verify_draw
from inspection.services.draws import MAIN_LABELS, record_look, seal_draw
from inspection.services.visits import MAX_REASON
from inspection.web.common import Page, refuse, role_view, run_action
from inspection.web.forms import SealForm


@role_view(Role.COMMISSION)
def draw_list(request):
    county = request.profile.county
    qs = visible_draws(request.user).filter(label__in=MAIN_LABELS).select_related("period").order_by("-week_start")
    today = timezone.localdate()
    context = {"section": "draws", "page": Page(request, qs, per_page=26), "county": county,
               "next_week": rotation.week_label(today - timedelta(days=today.weekday()) + timedelta(days=7)),
               "reason_max": MAX_REASON}
    return render(request, "web/draws.html", context)


@require_POST
@role_view(Role.COMMISSION)
def draw_seal(request):
    """Seal a week; below the minimum capacity the service refuses unless a reason confirms it."""
    form = SealForm(request.POST)
    if not form.is_valid():
        refuse(request, form)
        return redirect("web:draws")
    data = form.cleaned_data
    draw = run_action(request, lambda: seal_draw(county=request.profile.county, week=data["week"].strip(),
                                                 actor=request.user, accept_shortfall=data["accept_shortfall"]),
                      success=lambda d: _("已封存 %(week)s 的抽签。") % {"week": d.week})
    return redirect("web:draw", week=draw.week) if draw else redirect("web:draws")


def _visits(draw):
    """The draw's visits, by township name, with the inspections actually made for it."""
    result = draw.result or {}
    visits = result.get("visits") or result.get("inspections") or []
    codes = {v.get("township") for v in visits}
    names = dict(Township.objects.filter(county_id=draw.county_id, code__in=codes).values_list("code", "name"))
    usernames = {u for v in visits for u in v.get("inspectors") or []}
    people = dict(
        Inspector.objects.filter(county_id=draw.county_id, user__username__in=usernames).values_list("user__username", "name")
    )
    made = {
        (i.township.code, i.date.isoformat()): i
        for i in Inspection.objects.filter(draw=draw).select_related("township", "confirmation")
    }
    rows = []
    for v in visits:
        code = v.get("township")
        probability = v.get("probability")
        rows.append({
            "code": code,
            "name": names.get(code, code),
            "date": v.get("date"),
            "inspectors": [people.get(u, u) for u in v.get("inspectors") or []],
            "percent": f"{probability * 100:.1f}%" if probability is not None else "—",
            "forced": v.get("forced", False),
            "inspection": made.get((code, v.get("date"))),
            **_confirmation(made.get((code, v.get("date")))),
        })
    return rows


def _confirmation(inspection) -> dict:
    """When the township confirmed the visit with its code; a submitted visit without it is flagged."""
    confirmation = getattr(inspection, "confirmation", None) if inspection is not None else None
    return {"confirmed_at": confirmation.confirmed_at if confirmation else None,
            "unconfirmed": confirmation is None and inspection is not None and inspection.status == "submitted"}


def _week_visits(draws):
    """The visits of the week's own draw and of its make-ups, each row saying which drew it."""
    rows = []
    for draw in draws:
        for row in _visits(draw):
            row["label"] = draw.label
            row["label_text"] = _("补抽") if draw.label == "late" else _("补充抽签")
            rows.append(row)
    return rows


@role_view(Role.COMMISSION)
def draw_detail(request, week):
    week = require_week(week)
    week_draws = visible_draws(request.user).select_related("period").filter(week=week)
    draw = get_visible(week_draws.filter(label__in=MAIN_LABELS), week=week)
    makeups = list(week_draws.filter(label__startswith="makeup-").order_by("created_at", "id"))
    sealed = draw.state == Draw.State.SEALED
    # The look is on the record before a single township of the sealed week is shown.
    look = record_look(draw=draw, user=request.user, via="web") if sealed else None
    for makeup in makeups:
        record_look(draw=makeup, user=request.user, via="web")
    context = {
        "section": "draws",
        "draw": draw,
        "sealed": sealed,
        "look": look,
        "visits": _week_visits([draw, *makeups]),
        "unstaffed": [c for d in [draw, *makeups] for c in (d.result or {}).get("unstaffed", [])],
        "reason_max": MAX_REASON,
        "seed_public": draw.period.revealed_at is not None,
        "verification": verify_draw(county=draw.county, week=draw.week)
        if not sealed and draw.period.revealed_at is not None else None,
        "county_code": draw.county.code,
        "provisional_years": draw_provisional_years(draw),
        "look_ahead": LOOK_AHEAD_WEEKS,
    }
    return render(request, "web/draw.html", context)
