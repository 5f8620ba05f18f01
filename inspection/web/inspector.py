"""The inspector's pages, made for a phone: today's assignment, the checklist, findings with photos, submit.

The pages work without JavaScript (plain forms posting here, each finding form carrying an
idempotency key chosen when the page was drawn, so a double tap files once). With JavaScript,
static/js/inspector.js takes the same forms over: it keeps what was filed on the phone
(IndexedDB) and sends it to the API with the same kind of key whenever there is a connection,
so nothing is lost in a valley without signal. No inline script anywhere (CSP: script-src 'self').
"""

import uuid
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from inspection.access import get_visible, require_role, visible_inspections
from inspection.errors import InspectionError, NotFound
from inspection.models import Evidence, Inspection, Role, Severity
from inspection.services import idempotency
from inspection.uploads import human_size
from inspection.services.inspections import (
    FindingData,
    add_evidence,
    evidence_max_bytes,
    file_finding,
    is_team_member,
    score_inspection,
    submit_inspection,
)

app_name = "inspector"


def inspector_view(view):
    """Signed in as an inspector, else the same 404 a made-up address gets."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            require_role(request.user, Role.INSPECTOR)
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapper


def _mine(request, pk) -> Inspection:
    """One of the inspections dispatched to this inspector (access scopes it), else 404."""
    qs = visible_inspections(request.user).select_related("township", "checklist", "county")
    inspection = get_visible(qs, pk=pk)
    if not is_team_member(inspection, request.user):
        raise NotFound("未找到")
    return inspection


@inspector_view
def home(request):
    mine = visible_inspections(request.user).select_related("township").annotate(n_findings=Count("findings"))
    today = timezone.localdate()
    open_ = mine.filter(status=Inspection.Status.DISPATCHED).order_by("date", "township__code")
    done = mine.filter(status=Inspection.Status.SUBMITTED, date__gte=today - timedelta(days=60)).order_by("-date")[:10]
    return render(request, "inspector/home.html", {"open": open_, "done": done, "today": today, "section": "inspector"})


@inspector_view
def inspection_page(request, pk):
    inspection = _mine(request, pk)
    items = list(inspection.checklist.items.order_by("position"))
    findings = list(
        inspection.findings.select_related("item", "recorded_by")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("id")))
        .order_by("id")
    )
    corrected = {f.corrects_id for f in findings if f.corrects_id}
    selected = request.GET.get("item", "")
    context = {
        "inspection": inspection,
        "items": items,
        "findings": findings,
        "corrected": corrected,
        "team": [m.inspector.name for m in inspection.members.select_related("inspector").order_by("id")],
        "open": inspection.status == Inspection.Status.DISPATCHED,
        "selected_item": int(selected) if selected.isdigit() else None,
        "form_key": uuid.uuid4().hex,
        "preview_score": score_inspection(inspection).score if inspection.status == Inspection.Status.DISPATCHED else None,
        "api_base": f"/api/v1/inspections/{inspection.pk}",
        "severities": Severity.choices,
        "max_bytes": evidence_max_bytes(),
        "max_label": human_size(evidence_max_bytes()),
        "section": "inspector",
    }
    return render(request, "inspector/inspection.html", context)


def _form_finding(request) -> tuple[FindingData, int | None, str]:
    item = request.POST.get("item_id", "").strip()
    if item and not item.isdigit():
        raise InspectionError("检查项无效")
    corrects = request.POST.get("corrects", "").strip()
    if corrects and not corrects.isdigit():
        raise InspectionError("要更正的问题无效")
    severity = request.POST.get("severity", "").strip() or None
    return (
        FindingData(
            text=request.POST.get("text", ""),
            item_id=int(item) if item else None,
            severity=severity,
            location=request.POST.get("location", ""),
        ),
        int(corrects) if corrects else None,
        request.POST.get("correction_reason", ""),
    )


@require_POST
@inspector_view
def add_finding_form(request, pk):
    """The form without JavaScript: one finding, its photos, exactly once per form key."""
    back = reverse("inspector:inspection", args=[pk])
    inspection = _mine(request, pk)
    try:
        data, corrects, reason = _form_finding(request)
        if len(data.text) > 20000 or len(data.location) > 2000:
            raise InspectionError("内容过长")
        payload = {"item_id": data.item_id, "severity": data.severity, "text": data.text.strip(),
                   "location": data.location.strip(), "corrects": corrects, "correction_reason": reason.strip()}
        finding_holder = {}

        def action():
            finding = file_finding(inspection=inspection, user=request.user, data=data, corrects=corrects, reason=reason)
            finding_holder["finding"] = finding
            return 201, str(finding.pk).encode()

        reply = idempotency.run_once(
            user=request.user,
            key=request.POST.get("idempotency_key"),
            request_hash=idempotency.fingerprint("finding.form", {"inspection": inspection.pk, **payload}),
            action=action,
        )
    except idempotency.KeyReused:
        messages.error(request, "这张表单已经提交过别的内容；请在刷新后的页面上重新登记。")
        return redirect(back)
    except InspectionError as exc:
        messages.error(request, exc.detail)
        return redirect(back)
    if reply.replayed:
        messages.info(request, "该问题已保存过，没有重复登记。")
        return redirect(back)
    finding = finding_holder["finding"]
    problems = []
    for upload in request.FILES.getlist("files")[:10]:
        try:
            add_evidence(finding=finding, user=request.user, upload=upload)
        except InspectionError as exc:
            problems.append(f"{upload.name}：{exc.detail}")
    messages.success(request, "问题已保存。")
    for problem in problems:
        messages.error(request, f"佐证材料未保存 —— {problem}")
    return redirect(back)


@require_POST
@inspector_view
def submit_form(request, pk):
    back = reverse("inspector:inspection", args=[pk])
    inspection = _mine(request, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "请先勾选确认，再提交检查结果。")
        return redirect(back)
    try:
        inspection, newly = submit_inspection(inspection=inspection, user=request.user)
    except InspectionError as exc:
        messages.error(request, exc.detail)
        return redirect(back)
    messages.success(request, f"检查结果已提交，得分 {inspection.score}。" if newly else "检查结果此前已提交。")
    return redirect(back)


urlpatterns = [
    path("", home, name="home"),
    path("inspections/<int:pk>/", inspection_page, name="inspection"),
    path("inspections/<int:pk>/findings/", add_finding_form, name="add_finding"),
    path("inspections/<int:pk>/submit/", submit_form, name="submit"),
]
