"""Draw pages, for the commission only: the weeks, a sealed week (each look logged), a revealed week.

The list shows no township of a sealed week; opening a sealed week is a look at the secret
schedule and is written to the audit log before the page is drawn, and the page says so.
"""

from django.shortcuts import render

from inspection.access import get_visible, visible_draws
from inspection.models import Draw, Inspection, Inspector, Role, Township
from inspection.security.hygiene import require_week
from inspection.services.draws import record_look, verify_draw
from inspection.web.common import Page, role_view


@role_view(Role.COMMISSION)
def draw_list(request):
    county = request.profile.county
    qs = visible_draws(request.user).select_related("period").order_by("-week_start")
    context = {"section": "draws", "page": Page(request, qs, per_page=26), "county": county}
    return render(request, "web/draws.html", context)


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
        for i in Inspection.objects.filter(draw=draw).select_related("township")
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
        })
    return rows


@role_view(Role.COMMISSION)
def draw_detail(request, week):
    draw = get_visible(visible_draws(request.user).select_related("period"), week=require_week(week))
    sealed = draw.state == Draw.State.SEALED
    # The look is on the record before a single township of the sealed week is shown.
    look = record_look(draw=draw, user=request.user, via="web") if sealed else None
    context = {
        "section": "draws",
        "draw": draw,
        "sealed": sealed,
        "look": look,
        "visits": _visits(draw),
        "seed_public": draw.period.revealed_at is not None,
        "verification": verify_draw(county=draw.county, week=draw.week)
        if not sealed and draw.period.revealed_at is not None else None,
        "county_code": draw.county.code,
    }
    return render(request, "web/draw.html", context)
