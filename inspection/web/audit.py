"""The audit log page (commission, observer): the county's events, newest first, read-only.

The chain itself is checked by `manage.py verify_audit` (a walk of every event); the page shows
the head of the county's chain that a checkpoint would copy, and each event's own hash.

The observer (纪委) reads every event, including the dispatch and submission of visits of a week
whose draw is still sealed: hiding those rows would leave holes in the one record the discipline
commission is there to read. Instead, as on the commission's draw page, the look is itself put on
the record (`draw.viewed`, via "audit") before the page is shown.
"""

from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from inspection.access import sealed_draws_named_by, visible_audit_events, visible_audit_head
from inspection.models import Role
from inspection.services.draws import record_look
from inspection.web.audit_rows import readable_rows
from inspection.web.common import Page, role_view

# Each filter: its words, and the prefixes of the action codes the services write that it selects.
# tests/web/test_audit_page.py checks that every one matches events of a county at work.
FILTERS = {
    "auth": (_("登录与令牌"), ("auth.",)),
    "draw": (_("抽签与种子"), ("draw.", "seed.")),
    "inspection": (_("暗查派出与提交"), ("inspection.", "visit.")),
    "finding": (_("问题与佐证材料"), ("finding.", "evidence.")),
    "escalation": (_("处置决定与回头看"), ("escalation.", "follow_up.")),
    "notice": (_("文书"), ("notice.",)),
    "report": (_("强制报告"), ("report.",)),
    "calendar": (_("工作日历"), ("calendar.",)),
    "ledger": (_("台账与报表导出"), ("ledger.", "export.", "summary.")),
    "setup": (_("用户与基础数据"), ("user.", "divisions.", "checklist.", "demo.", "township.")),
}


def filtered(events, action: str):
    """`action` is a filter's key, or (as links and older bookmarks give it) an action code or its
    prefix, e.g. `notice.` or `draw.viewed`."""
    if action in FILTERS:
        match = Q()
        for prefix in FILTERS[action][1]:
            match |= Q(action__startswith=prefix)
        return events.filter(match)
    return events.filter(action__startswith=action) if action else events


@role_view(Role.COMMISSION, Role.OBSERVER)
def audit_log(request):
    action = request.GET.get("action", "").strip()[:64]
    page = Page(request, filtered(visible_audit_events(request.user).order_by("-seq"), action))
    if request.profile.role == Role.OBSERVER:
        for draw in sealed_draws_named_by(page):
            record_look(draw=draw, user=request.user, via="audit")
    context = {
        "section": "audit",
        "page": page,
        "rows": readable_rows(request.user, page.items),
        "action": action,
        "filters": [(key, label) for key, (label, _prefixes) in FILTERS.items()],
        "head": visible_audit_head(request.user),
    }
    return render(request, "web/audit.html", context)
