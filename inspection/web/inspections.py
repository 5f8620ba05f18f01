"""One inspection: its score, findings and the notices it produced (drafts are issued from here)."""

from collections import Counter

from django.shortcuts import render

from inspection.access import get_visible, sees_team, visible_notices, visible_visits
from inspection.models import Role, Severity, VisitConfirmation
from inspection.services.visits import MAX_REASON
from inspection.web.common import role_view


@role_view(Role.COMMISSION, Role.OBSERVER, Role.OFFICIAL)
def inspection_detail(request, pk):
    user = request.user
    inspection = get_visible(visible_visits(user).select_related("township", "checklist"), pk=pk)
    rank = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2}
    findings = sorted(
        inspection.findings.filter(corrections__isnull=True)
        .select_related("item", "corrects")
        .prefetch_related("evidence"),
        key=lambda f: (rank.get(f.severity, 3), f.item.position if f.item else 99, f.id),
    )
    severities = Counter(f.severity for f in findings)
    role = request.profile.role
    context = {
        "section": "township" if role == Role.OFFICIAL else "townships",
        "inspection": inspection,
        "findings": findings,
        "severity_counts": [(s.label, s.value, severities.get(s.value, 0)) for s in Severity],
        "notices": list(visible_notices(user).filter(inspection=inspection).select_related("township").order_by("id")),
        "team": list(inspection.team.order_by("name")) if sees_team(user) else [],
        "can_issue": role == Role.COMMISSION,
        "reason_max": MAX_REASON,
        **confirmation_context(inspection, role),
    }
    return render(request, "web/inspection.html", context)


def confirmation_context(inspection, role) -> dict:
    """Whether and when the township confirmed the visit with its code: the commission's and the
    observer's proof that the visit happened (a submitted visit without it is flagged)."""
    if role not in (Role.COMMISSION, Role.OBSERVER):
        return {}
    confirmation = VisitConfirmation.objects.filter(inspection=inspection).select_related("confirmed_by").first()
    return {"show_confirmation": True, "confirmation": confirmation,
            "unconfirmed": confirmation is None and inspection.status == "submitted"}
