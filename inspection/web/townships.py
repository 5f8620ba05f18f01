"""Townships: the list (commission, observer) and one township's page (also its own official's)."""

from django.db.models import Count, Max, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from inspection.access import (
    as_seen_by,
    get_visible,
    official_township,
    sees_team,
    visible_decisions,
    visible_notices,
    visible_townships,
    visible_visits,
)
from inspection.models import Finding, Inspection, Level, Post, Role
from inspection.web import charts, ledger
from inspection.web.common import Page, role_view

HISTORY_POINTS = 24


@role_view(Role.COMMISSION, Role.OBSERVER)
def township_list(request):
    qs = visible_townships(request.user).filter(active=True)
    level = request.GET.get("level", "")
    if level in Level.values:
        qs = qs.filter(level=level)
    if request.GET.get("key") == "1":
        qs = qs.filter(key_managed=True)
    q = request.GET.get("q", "").strip()[:64]
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    submitted = Q(inspections__status=Inspection.Status.SUBMITTED)
    qs = qs.annotate(
        last_visit=Max("inspections__date", filter=submitted),
        visits=Count("inspections", filter=submitted),
    ).order_by("code")
    context = {
        "section": "townships",
        "page": Page(request, qs, per_page=30),
        "levels": Level.choices,
        "level": level,
        "key": request.GET.get("key") == "1",
        "q": q,
    }
    return render(request, "web/townships.html", context)


@role_view(Role.OFFICIAL)
def my_township(request):
    township = official_township(request.user)
    if township is None:
        return redirect("home")
    return redirect("web:township", code=township.code)


def score_chart(township, inspections):
    points = [(i.date.isoformat(), i.score) for i in reversed(inspections)]
    if points:
        desc = _("最近 %(n)s 次暗查的得分，最近一次 %(last)s 分，最低 %(low)s 分，60分以下为突出问题。") % {
            "n": len(points), "last": points[-1][1], "low": min(p[1] for p in points)
        }
    else:
        desc = _("尚无已提交的暗查。")
    return charts.line_chart(
        points,
        title=_("%(name)s 暗查得分变化") % {"name": township.name},
        desc=desc,
        columns=(_("检查日期"), _("得分")),
        threshold=60,
        threshold_label=_("60分"),
        unit=_("分"),
    )


@role_view(Role.COMMISSION, Role.OBSERVER, Role.OFFICIAL)
def township_detail(request, code):
    user = request.user
    township = as_seen_by(user, get_visible(visible_townships(user), code=code))
    role = request.profile.role
    inspections = visible_visits(user).filter(township=township)
    submitted = inspections.filter(status=Inspection.Status.SUBMITTED)
    history = list(submitted.order_by("-date", "-id").only("id", "date", "score")[:HISTORY_POINTS])
    inspection_page = Page(
        request,
        inspections.annotate(
            n_findings=Count("findings", filter=Q(findings__corrections__isnull=True))
        ).order_by("-date", "-id"),
        param="ip",
        per_page=10,
    )
    finding_page = Page(
        request,
        Finding.objects.filter(inspection__in=submitted, corrections__isnull=True)
        .select_related("inspection", "item")
        .order_by("-inspection__date", "-inspection_id", "id"),
        param="fp",
        per_page=10,
    )
    notice_page = Page(
        request,
        visible_notices(user).filter(township=township).select_related("official").order_by("-created_at", "-id"),
        param="np",
        per_page=10,
    )
    context = {
        "section": "township" if role == Role.OFFICIAL else "townships",
        "township": township,
        "post": Post.objects.filter(township=township, ended_on__isnull=True).select_related("official").first(),
        "chart": score_chart(township, history),
        "inspections": inspection_page,
        "findings": finding_page,
        "notices": notice_page,
        "show_team": sees_team(user),
    }
    if role in (Role.COMMISSION, Role.OBSERVER):
        context["decisions"] = Page(
            request,
            visible_decisions(user, township).select_related("official", "notice").order_by("-effective_on", "-id"),
            param="dp",
            per_page=10,
        )
        context["ledger"] = ledger.rows_for(request, township=township)
        context["official_history"] = ledger.official_history_for(request, post=context["post"])
    return render(request, "web/township.html", context)
