"""Notices on the web: the list, one notice with its history, and the workflow buttons.

Every change goes through inspection.services.notices; these views only load, scope and call.
"""

from django.db.models import Q
from django.shortcuts import render

from inspection.access import get_visible, visible_notices
from inspection.models import Notice, NoticeKind, Role
from inspection.web.common import Page, role_view

ALL_ROLES = (Role.COMMISSION, Role.OBSERVER, Role.OFFICIAL)


@role_view(*ALL_ROLES)
def notice_list(request):
    qs = visible_notices(request.user).select_related("township", "official")
    state = request.GET.get("state", "")
    if state in Notice.State.values:
        qs = qs.filter(state=state)
    kind = request.GET.get("kind", "")
    if kind in NoticeKind.values:
        qs = qs.filter(kind=kind)
    q = request.GET.get("q", "").strip()[:64]
    if q:
        qs = qs.filter(Q(number_text__contains=q) | Q(township__name__contains=q) | Q(township__code=q))
    states = Notice.State.choices
    if request.profile.role != Role.COMMISSION:
        states = [(v, label) for v, label in states if v != Notice.State.DRAFT]
    context = {
        "section": "home" if request.profile.role == Role.OFFICIAL else "notices",
        "page": Page(request, qs.order_by("-created_at", "-id")),
        "states": states,
        "kinds": NoticeKind.choices,
        "state": state,
        "kind": kind,
        "q": q,
    }
    return render(request, "web/notices.html", context)


def _timeline(notice, responses):
    steps = [("created", notice.created_at, None)]
    if notice.issued_at:
        steps.append(("issued", notice.issued_at, notice.issued_by))
    if notice.delivered_at:
        steps.append(("delivered", notice.delivered_at, None))
    if notice.acknowledged_at:
        steps.append(("acknowledged", notice.acknowledged_at, notice.acknowledged_by))
    for response in responses:
        steps.append(("responded", response.submitted_at, response.submitted_by))
        if response.reviewed_at:
            steps.append((response.state, response.reviewed_at, response.reviewed_by))
    return steps


@role_view(*ALL_ROLES)
def notice_detail(request, pk):
    notice = get_visible(
        visible_notices(request.user).select_related("township", "official", "inspection", "issued_by", "acknowledged_by"),
        pk=pk,
    )
    responses = list(
        notice.responses.select_related("submitted_by", "reviewed_by", "official")
        .prefetch_related("attachments")
        .order_by("submitted_at", "id")
    )
    role = request.profile.role
    is_recipient = role == Role.OFFICIAL and notice.kind != NoticeKind.CIRCULAR
    awaiting_report = notice.kind in (NoticeKind.RECTIFICATION, NoticeKind.SUMMONS, NoticeKind.REMINDER)
    pending = [r for r in responses if r.state == r.State.PENDING]
    context = {
        "section": "home" if role == Role.OFFICIAL else "notices",
        "notice": notice,
        "snap": notice.snapshot or {},
        "responses": responses,
        "timeline": _timeline(notice, responses),
        "can_issue": role == Role.COMMISSION and notice.state == Notice.State.DRAFT,
        "can_acknowledge": is_recipient and notice.state == Notice.State.ISSUED,
        "can_respond": is_recipient and awaiting_report and notice.state == Notice.State.ACKNOWLEDGED,
        "can_review": role == Role.COMMISSION and bool(pending),
        "pending": pending,
        "show_delivery": role in (Role.COMMISSION, Role.OBSERVER),
    }
    return render(request, "web/notice.html", context)
