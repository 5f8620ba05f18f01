"""申辩 on the letter page (issue 15): the objections to a letter, the official's form within the
period, and the commission's decision. Every change goes through inspection.services.objections."""

from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import privacy
from inspection.access import OBJECTION_KINDS, get_visible, visible_notices, visible_objections
from inspection.models import Role, Severity
from inspection.services import objections as service
from inspection.services.inspections import FindingData
from inspection.services.notices import MAX_REASON
from inspection.web.common import role_view, run_action

DRAFTS = "objection_drafts"  # what an official typed, kept across a refused submission


def _label(finding) -> str:
    text = privacy.mask(" ".join(finding.text.split()))
    return f"{finding.get_severity_display()}问题：{text[:60]}{'…' if len(text) > 60 else ''}"


def objection_context(request, notice) -> dict:
    """The letter page's 申辩 section; empty for a letter no one objects to."""
    if notice.kind not in OBJECTION_KINDS or notice.state == notice.State.DRAFT:
        return {"objections": None}
    rows = list(visible_objections(request.user).filter(notice=notice)
                .select_related("finding", "correction").order_by("filed_at", "id"))
    for row in rows:
        row.finding_label = _label(row.finding)
        row.correction_label = _label(row.correction) if row.correction_id else ""
    deadline = service.objection_deadline(notice=notice)
    role = request.profile.role
    period_open = notice.state in service.OBJECTABLE_STATES and deadline is not None and timezone.localdate() <= deadline
    objectable = []
    if role == Role.OFFICIAL and period_open:
        taken = {row.finding_id for row in rows}
        objectable = [(f.pk, _label(f)) for f in service.objectable_findings(notice=notice) if f.pk not in taken]
    return {
        "objections": rows,
        "objection_deadline": deadline,
        "objectable": objectable,
        "objection_draft": request.session.get(DRAFTS, {}).get(str(notice.pk), ""),
        "objection_max": service.MAX_OBJECTION_REASON,
        "can_decide": role == Role.COMMISSION,
        "decision_max": MAX_REASON,
        "severities": Severity.choices,
    }


def _keep(request, notice, text: str | None) -> None:
    drafts = dict(request.session.get(DRAFTS, {}))
    if text:
        drafts[str(notice.pk)] = text
    else:
        drafts.pop(str(notice.pk), None)
    request.session[DRAFTS] = drafts


@require_POST
@role_view(Role.OFFICIAL)
def objection_file(request, pk):
    notice = get_visible(visible_notices(request.user), pk=pk)
    reason = request.POST.get("reason", "")
    done = run_action(request, lambda: service.file_objection(
        notice=notice, user=request.user, finding_id=request.POST.get("finding"), reason=reason),
        success=_("申辩已提交，待未保办作出决定。"))
    _keep(request, notice, None if done else reason)
    return redirect("web:notice", pk=notice.pk)


@require_POST
@role_view(Role.COMMISSION)
def objection_decide(request, pk, objection_id):
    notice = get_visible(visible_notices(request.user), pk=pk)
    objection = get_visible(visible_objections(request.user).filter(notice=notice), pk=objection_id)
    decision = request.POST.get("decision")
    if decision not in ("upheld", "rejected"):
        raise Http404
    correction = None
    if decision == "upheld" and request.POST.get("text", "").strip():
        correction = FindingData(text=request.POST["text"], severity=request.POST.get("severity") or None,
                                 item_id=objection.finding.item_id)
    run_action(request, lambda: service.decide_objection(
        objection=objection, actor=request.user, upheld=decision == "upheld",
        comment=request.POST.get("comment", ""), correction=correction),
        success=_("已作出决定。"))
    return redirect("web:notice", pk=notice.pk)
