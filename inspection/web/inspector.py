"""The inspector's pages, made for a phone: today's assignment, the checklist, findings with photos, submit.

The pages work without JavaScript (plain forms posting here, each finding form carrying an
idempotency key chosen when the page was drawn, so a double tap files once). With JavaScript,
static/js/inspector.js takes the same forms over: it keeps what was filed on the phone
(IndexedDB) and sends it to the API with the same kind of key whenever there is a connection,
so nothing is lost in a valley without signal. No inline script anywhere (CSP: script-src 'self').
"""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import privacy
from inspection.access import get_visible, visible_inspections
from inspection.errors import InspectionError, NotFound
from inspection.models import Evidence, Inspection, Role, Severity
from inspection.security.hygiene import strict_id
from inspection.services import idempotency
from inspection.services.inspections import (
    add_evidence,
    evidence_max_bytes,
    file_finding,
    is_team_member,
    score_inspection,
    submit_inspection,
)
from inspection.uploads import human_size
from inspection.web.common import refuse, role_view, run_action
from inspection.web.forms import FILES_PER_FINDING, FindingForm, SubmitForm
from inspection.web.visit_codes import code_context

app_name = "inspector"


def _mine(request, pk) -> Inspection:
    """One of the inspections dispatched to this inspector (access scopes it), else 404."""
    qs = visible_inspections(request.user).select_related("township", "checklist", "county")
    inspection = get_visible(qs, pk=pk)
    if not is_team_member(inspection, request.user):
        raise NotFound("未找到")
    return inspection


@role_view(Role.INSPECTOR)
def home(request):
    mine = visible_inspections(request.user).select_related("township").annotate(n_findings=Count("findings"))
    today = timezone.localdate()
    open_ = mine.filter(status=Inspection.Status.DISPATCHED).order_by("date", "township__code")
    done = mine.filter(status=Inspection.Status.SUBMITTED, date__gte=today - timedelta(days=60)).order_by("-date")[:10]
    return render(request, "inspector/home.html", {"open": open_, "done": done, "today": today, "section": "inspector"})


@role_view(Role.INSPECTOR)
def inspection_page(request, pk):
    return _render_page(request, _mine(request, pk))


def _render_page(request, inspection, *, form=None, status=200):
    """The assignment page; a refused finding comes back here with what was typed still in the form
    (under a fresh key: nothing was filed)."""
    items = list(inspection.checklist.items.order_by("position"))
    findings = list(
        inspection.findings.select_related("item", "recorded_by")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("id")))
        .order_by("id")
    )
    corrected = {f.corrects_id for f in findings if f.corrects_id}
    selected = request.GET.get("item", "") if form is None else form.data.get("item_id", "")
    context = {
        "inspection": inspection,
        "items": items,
        "findings": findings,
        "corrected": corrected,
        "team": [m.inspector.name for m in inspection.members.select_related("inspector").order_by("id")],
        "open": inspection.status == Inspection.Status.DISPATCHED,
        "selected_item": strict_id(selected),
        "form_key": uuid.uuid4().hex,
        "form": form or FindingForm(),
        "preview_score": score_inspection(inspection).score if inspection.status == Inspection.Status.DISPATCHED else None,
        "api_base": f"/api/v1/inspections/{inspection.pk}",
        "severities": Severity.choices,
        "max_bytes": evidence_max_bytes(),
        "max_label": human_size(evidence_max_bytes()),
        "section": "inspector",
        **code_context(request, inspection),
    }
    return render(request, "inspector/inspection.html", context, status=status)


def _file_once(request, inspection, form: FindingForm) -> idempotency.Reply:
    """File the form's finding once per form key; the reply's body is the finding's id."""
    data = form.cleaned_data

    def action():
        finding = file_finding(inspection=inspection, user=request.user, data=form.finding(),
                               corrects=data["corrects"], reason=data["correction_reason"])
        return 201, str(finding.pk).encode()

    try:
        return idempotency.run_once(
            user=request.user,
            key=data["idempotency_key"] or None,
            request_hash=idempotency.fingerprint("finding.form", {"inspection": inspection.pk, **form.payload()}),
            action=action,
        )
    except idempotency.KeyReused:
        raise InspectionError(_("这张表单已经提交过别的内容；请在刷新后的页面上重新登记。")) from None


@require_POST
@role_view(Role.INSPECTOR)
def add_finding_form(request, pk):
    """The form without JavaScript: one finding, its photos, exactly once per form key."""
    back = reverse("inspector:inspection", args=[pk])
    inspection = _mine(request, pk)
    form = FindingForm(request.POST, request.FILES)
    # A refused new finding comes back in the form; a refused correction goes back to its finding.
    keep = not request.POST.get("corrects")
    if not form.is_valid():
        refuse(request, form)
        return _render_page(request, inspection, form=form, status=422) if keep else redirect(back)
    reply = run_action(request, lambda: _file_once(request, inspection, form))
    if reply is None:
        return _render_page(request, inspection, form=form, status=422) if keep else redirect(back)
    if reply.replayed:
        messages.info(request, _("该问题已保存过，没有重复登记。"))
        return redirect(back)
    finding = get_visible(inspection.findings.all(), pk=int(reply.body))
    problems = []
    for upload in form.cleaned_data["files"][:FILES_PER_FINDING]:
        try:
            add_evidence(finding=finding, user=request.user, upload=upload)
        except InspectionError as exc:
            problems.append(_("佐证材料未保存 —— %(name)s：%(problem)s") % {"name": upload.name, "problem": exc.detail})
    messages.success(request, _("问题已保存。"))
    for warning in privacy.warnings(f"{finding.text}\n{finding.location}"):
        messages.warning(request, _("个人信息提示：%(warning)s") % {"warning": warning})
    for problem in problems:
        messages.error(request, problem)
    return redirect(back)


def _submitted(result) -> str:
    inspection, newly = result
    return _("检查结果已提交，得分 %(score)s。") % {"score": inspection.score} if newly else _("检查结果此前已提交。")


@require_POST
@role_view(Role.INSPECTOR)
def submit_form(request, pk):
    inspection = _mine(request, pk)
    form = SubmitForm(request.POST)
    if form.is_valid():
        run_action(request, lambda: submit_inspection(inspection=inspection, user=request.user), success=_submitted)
    else:
        refuse(request, form)
    return redirect("inspector:inspection", pk=pk)


urlpatterns = [
    path("", home, name="home"),
    path("inspections/<int:pk>/", inspection_page, name="inspection"),
    path("inspections/<int:pk>/findings/", add_finding_form, name="add_finding"),
    path("inspections/<int:pk>/submit/", submit_form, name="submit"),
]
