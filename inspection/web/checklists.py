"""检查清单 versions for the commission: every version with the day it took effect, a new version drafted
as a copy of the current one, its items edited (area, text, severity; added, removed, reordered), and
published. Writes go through inspection.services.checklists.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspection.access import get_visible, visible_checklists
from inspection.errors import InspectionError, NotFound
from inspection.models import Checklist, Role, Severity
from inspection.services import checklists as service
from inspection.web.admin_forms import ChecklistItemFormSet, ChecklistMetaForm, PublishForm
from inspection.web.common import refuse, role_view, run_action, today


@role_view(Role.COMMISSION)
def checklist_list(request):
    county = request.profile.county
    versions = visible_checklists(request.user).order_by("-version")
    context = {"section": "accounts", "versions": versions, "in_force": Checklist.objects.in_force(county, today()),
               "today": today()}
    return render(request, "web/checklists.html", context)


@require_POST
@role_view(Role.COMMISSION)
def checklist_new(request):
    draft = run_action(request, lambda: service.start_checklist_draft(actor=request.user, county=request.profile.county))
    return redirect("web:checklist", pk=draft.pk) if draft else redirect("web:checklists")


def _initial(checklist):
    return [{"area": i.area, "text": i.text, "severity": i.severity, "position": i.position}
            for i in checklist.items.order_by("position")]


def _page(request, checklist, formset=None, meta=None, publish=None):
    context = {
        "section": "accounts", "checklist": checklist, "items": checklist.items.order_by("position"),
        "formset": formset or ChecklistItemFormSet(initial=_initial(checklist), prefix="items"),
        "meta": meta or ChecklistMetaForm(initial={"name": checklist.name}),
        "publish": publish or PublishForm(initial={"effective_on": today()}),
        "severities": Severity.choices, "today": today(),
    }
    return render(request, "web/checklist.html", context)


@role_view(Role.COMMISSION)
def checklist_detail(request, pk):
    return _page(request, get_visible(visible_checklists(request.user), pk=pk))


def _ordered_items(formset):
    rows = [(n, f.cleaned_data) for n, f in enumerate(formset.forms)
            if f.cleaned_data and not f.cleaned_data.get("DELETE")]
    # A number typed in 序号 moves the item there, ahead of the one that held that place.
    rows.sort(key=lambda row: (row[1].get("position") or row[0] + 1, 0 if row[1].get("position") else 1, row[0]))
    return [service.ItemData(d["area"], d["text"], d["severity"]) for _, d in rows]


@require_POST
@role_view(Role.COMMISSION)
def checklist_save(request, pk):
    checklist = get_visible(visible_checklists(request.user), pk=pk)
    formset = ChecklistItemFormSet(request.POST, prefix="items")
    meta = ChecklistMetaForm(request.POST)
    blank = [f for f in formset.forms if not f.has_changed()]
    for form in blank:
        form.empty_permitted = True
    if not (formset.is_valid() and meta.is_valid()):
        for form in formset.forms:
            refuse(request, form)
        refuse(request, meta)
        for message in formset.non_form_errors():
            messages.error(request, message)
        return _page(request, checklist, formset=formset, meta=meta)
    try:
        service.save_checklist_draft(actor=request.user, checklist=checklist, name=meta.cleaned_data["name"],
                                     items=_ordered_items(formset))
    except NotFound:
        raise Http404 from None
    except InspectionError as exc:
        messages.error(request, exc.detail)
        return _page(request, checklist, formset=formset, meta=meta)  # nothing typed is lost
    messages.success(request, _("草稿已保存。"))
    return redirect("web:checklist", pk=pk)


@require_POST
@role_view(Role.COMMISSION)
def checklist_publish(request, pk):
    checklist = get_visible(visible_checklists(request.user), pk=pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        refuse(request, form)
        return _page(request, checklist, publish=form)
    done = run_action(request, lambda: service.publish_checklist(
        actor=request.user, checklist=checklist, effective_on=form.cleaned_data["effective_on"]),
        success=lambda c: _("已发布%(label)s。此后安排的检查使用新版清单，此前的检查仍按原清单。") % {"label": c.label})
    return redirect("web:checklist", pk=pk) if done else _page(request, checklist, publish=form)


@require_POST
@role_view(Role.COMMISSION)
def checklist_discard(request, pk):
    checklist = get_visible(visible_checklists(request.user), pk=pk)
    run_action(request, lambda: service.discard_checklist_draft(actor=request.user, checklist=checklist),
               success=_("草稿已删除。"))
    return redirect("web:checklists")
