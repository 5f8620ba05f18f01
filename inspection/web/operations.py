"""The commission's operations around the draw: ad-hoc inspections (专项暗访), inspectors' leave
(督查员请假) and replacing an inspector of a sealed visit (更换督查员).

Each write goes through its service (`adhoc`, `leave`, `replacements`), which checks the role,
validates and audits it; a page only loads, asks its form and says the outcome.
"""

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspection.access import get_visible, visible_ad_hoc, visible_inspections, visible_leaves
from inspection.models import Inspection, Inspector, Replacement, Role, Township
from inspection.services import adhoc, availability, leave, replacements
from inspection.services.draws import record_look
from inspection.web.common import Page, refuse, role_view, run_action, today
from inspection.web.operation_forms import AdHocForm, LeaveForm, ReplaceForm


def _inspectors(county):
    return Inspector.objects.filter(county=county, active=True).select_related("user", "home_township")


def _day(d):
    return f"{d.year}年{d.month}月{d.day}日"


@role_view(Role.COMMISSION)
def adhoc_page(request):
    county = request.profile.county
    now = today()
    away = availability.on_leave(county=county, on=now)
    orders = Page(request, visible_ad_hoc(request.user).select_related("township", "ordered_by")
                  .prefetch_related("members__inspector").order_by("-date", "-id"))
    return render(request, "web/adhoc.html", {
        "section": "adhoc", "orders": orders, "today": now,
        "townships": Township.objects.filter(county=county, active=True).order_by("code"),
        "inspectors": [(i, i.pk in away) for i in _inspectors(county)],
        "sources": Inspection.Source.choices, "team_size": max(2, county.team_size),
        "form": AdHocForm(townships=Township.objects.none(), inspectors=Inspector.objects.none()),
    })


@require_POST
@role_view(Role.COMMISSION)
def adhoc_order(request):
    county = request.profile.county
    form = AdHocForm(request.POST, townships=Township.objects.filter(county=county, active=True),
                     inspectors=_inspectors(county))
    if not form.is_valid():
        refuse(request, form)
        return redirect("web:adhoc")
    data = form.cleaned_data
    done = run_action(request, lambda: adhoc.order_inspection(
        county=county, township=data["township"], on=data["date"], source=data["source"], reason=data["reason"],
        team=list(data["team"]), actor=request.user),
        success=lambda v: _("已安排%(day)s对%(township)s的专项暗访（%(source)s），督查组当天早上收到任务。")
        % {"day": _day(v.date), "township": v.township.name, "source": v.get_source_display()})
    return redirect("web:inspection", pk=done.pk) if done and done.status != "planned" else redirect("web:adhoc")


@role_view(Role.COMMISSION)
def leave_page(request):
    county = request.profile.county
    leaves = Page(request, visible_leaves(request.user).select_related("inspector", "created_by")
                  .order_by("withdrawn_at", "-starts_on", "-id"))
    return render(request, "web/leave.html", {
        "section": "leave", "leaves": leaves, "inspectors": _inspectors(county), "today": today(),
        "form": LeaveForm(inspectors=Inspector.objects.none()),
    })


@require_POST
@role_view(Role.COMMISSION)
def leave_add(request):
    county = request.profile.county
    form = LeaveForm(request.POST, inspectors=_inspectors(county))
    if not form.is_valid():
        refuse(request, form)
        return redirect("web:leave")
    data = form.cleaned_data
    run_action(request, lambda: leave.add_leave(
        county=county, inspector=data["inspector"], starts_on=data["starts_on"], ends_on=data["ends_on"],
        reason=data["reason"], actor=request.user),
        success=lambda entry: _("已登记%(name)s %(a)s至%(b)s请假。此后抽签、安排专项暗访和更换督查员都不会安排其在这段时间出勤。")
        % {"name": entry.inspector.name, "a": _day(entry.starts_on), "b": _day(entry.ends_on)})
    return redirect("web:leave")


@require_POST
@role_view(Role.COMMISSION)
def leave_withdraw(request, pk):
    entry = get_visible(visible_leaves(request.user).select_related("inspector"), pk=pk)
    run_action(request, lambda: leave.withdraw_leave(leave=entry, actor=request.user),
               success=_("已撤回%(name)s的请假登记；已封存的周不受影响。") % {"name": entry.inspector.name})
    return redirect("web:leave")


@role_view(Role.COMMISSION)
def replace_page(request, pk):
    visit = get_visible(visible_inspections(request.user).select_related("township", "draw"), pk=pk)
    team = Inspector.objects.filter(memberships__inspection=visit).select_related("user").order_by("user__username")
    if request.method == "POST":
        form = ReplaceForm(request.POST, team=team)
        if not form.is_valid():
            refuse(request, form)
        else:
            run_action(request, lambda: replacements.replace_inspector(
                inspection=visit, inspector=form.cleaned_data["inspector"], reason=form.cleaned_data["reason"],
                actor=request.user),
                success=lambda r: _("已抽取%(new)s接替%(old)s（本周第%(n)s次更换，可在公布种子后复核）。")
                % {"new": r.replacement.name, "old": r.replaced.name, "n": r.index})
        return redirect("web:inspection_replace", pk=visit.pk)
    if visit.draw_id and visit.status == Inspection.Status.PLANNED:
        record_look(draw=visit.draw, user=request.user, via="replace")  # the sealed schedule, read
    return render(request, "web/replace.html", {
        "section": "draws", "visit": visit, "team": team,
        "history": Replacement.objects.filter(inspection=visit).select_related("replaced", "replacement", "created_by"),
        "open": visit.draw_id is not None and visit.status in replacements.OPEN,
        "form": ReplaceForm(team=Inspector.objects.none()),
    })
