"""The audit log page (commission, observer): the county's events, newest first, read-only.

The chain itself is checked by `manage.py verify_audit` (a walk of every event); the page shows
the head of the county's chain that a checkpoint would copy, and each event's own hash.
"""

import json

from django.shortcuts import render

from inspection.access import visible_audit_events, visible_audit_head
from inspection.models import Role
from inspection.web.common import Page, role_view


@role_view(Role.COMMISSION, Role.OBSERVER)
def audit_log(request):
    events = visible_audit_events(request.user).order_by("-seq")
    action = request.GET.get("action", "").strip()[:64]
    if action:
        events = events.filter(action__startswith=action)
    page = Page(request, events)
    for event in page:
        event.data = json.dumps(json.loads(event.payload).get("data") or {}, ensure_ascii=False, sort_keys=True)
    context = {
        "section": "audit",
        "page": page,
        "action": action,
        "areas": ["auth", "draw", "inspection", "finding", "decision", "notice", "user"],
        "head": visible_audit_head(request.user),
    }
    return render(request, "web/audit.html", context)
