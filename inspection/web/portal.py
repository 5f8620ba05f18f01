"""The township official's portal: my notices (download, acknowledge, report), my township's results.

Never a draw or a schedule: only submitted inspections and issued notices reach this page.
"""

from django.db.models import Count, Q
from django.shortcuts import render

from inspection.access import as_seen_by, official_township, visible_inspections, visible_notices
from inspection.models import Notice, NoticeKind
from inspection.web.common import Page


def portal(request, profile):
    user = request.user
    township = official_township(user)
    township = as_seen_by(user, township) if township else None
    notices = visible_notices(user).select_related("township")
    todo = notices.exclude(kind=NoticeKind.CIRCULAR).filter(
        state__in=[Notice.State.ISSUED, Notice.State.ACKNOWLEDGED]
    ).order_by("due_on", "issued_at")
    context = {
        "section": "home",
        "township": township,
        "todo": list(todo[:10]),
        "notices": Page(request, notices.order_by("-issued_at", "-id"), param="np", per_page=10),
        "inspections": Page(
            request,
            visible_inspections(user)
            .annotate(n_findings=Count("findings", filter=Q(findings__corrections__isnull=True)))
            .order_by("-date", "-id"),
            param="ip",
            per_page=10,
        ),
    }
    return render(request, "web/portal.html", context)
