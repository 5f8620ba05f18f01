"""Notices on the web: the list, one notice with its history, and the workflow buttons.

Every change goes through inspection.services.notices; these views only load, scope and call.
"""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from inspection.access import commission_staff, get_visible, notice_events, visible_notices, visible_responses
from inspection.models import Notice, NoticeKind, ResponseAttachment, Role
from inspection.services import drafts
from inspection.services import notices as service
from inspection.services import responses as reports
from inspection.web.common import Page, refuse, role_view, run_action
from inspection.notices.history import history_rows
from inspection.web.files import before_photos
from inspection.web.forms import CircularForm, ReasonForm, ResponseForm, ReviewForm
from inspection.web.notice_forms import DraftForm
from inspection.web.objections import objection_context

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


def _notice(request, pk):
    return get_visible(
        visible_notices(request.user).select_related("township", "official", "inspection", "issued_by", "acknowledged_by"),
        pk=pk,
    )


@role_view(*ALL_ROLES)
def notice_detail(request, pk):
    return _render_detail(request, _notice(request, pk))


def _draft_form(request, notice, data=None):
    """The edit form of a draft the office may word, else None."""
    if request.profile.role != Role.COMMISSION or notice.state != Notice.State.DRAFT or notice.kind not in drafts.EDITABLE:
        return None
    pool = drafts.finding_pool(notice)
    return DraftForm(data, notice=notice, pool=pool, quoted=drafts.quoted_ids(notice, pool),
                     staff=list(commission_staff(notice.county)))


def _control(request, notice, draft_form, void_form) -> dict:
    """The commission's controls of a letter: edit, sign off (never one's own draft), withdraw or void."""
    role = request.profile.role
    is_draft = notice.state == Notice.State.DRAFT
    own = is_draft and notice.drafted_by_id is not None and notice.drafted_by_id == request.user.pk
    return {
        "draft_form": draft_form if draft_form is not None else _draft_form(request, notice),
        "own_draft": own,
        "can_issue": role == Role.COMMISSION and is_draft and not own,
        "can_void": role == Role.COMMISSION and notice.state != Notice.State.VOID,
        "void_form": void_form or ReasonForm(),
        "history": history_rows(notice_events(request.user, notice)) if role in (Role.COMMISSION, Role.OBSERVER) else [],
    }


def _render_detail(request, notice, *, response_form=None, draft_form=None, void_form=None, status=200):
    """The notice page; a refused report comes back here with the official's text still in the form."""
    responses = list(
        notice.responses.select_related("submitted_by", "reviewed_by", "official").order_by("submitted_at", "id")
    )
    # One query for the attachments whether or not there are reports yet (a prefetch skips it when
    # there are none), so the page costs the same on a fresh notice and an answered one.
    files: dict[int, list[ResponseAttachment]] = {}
    for attachment in ResponseAttachment.objects.filter(response__notice=notice).order_by("id"):
        files.setdefault(attachment.response_id, []).append(attachment)
    for response in responses:
        response.files = files.get(response.pk, [])
    role = request.profile.role
    is_recipient = role == Role.OFFICIAL and notice.kind != NoticeKind.CIRCULAR
    awaiting_report = reports.is_respondable(notice)
    pending = [r for r in responses if r.state == r.State.PENDING]
    context = {
        "section": "home" if role == Role.OFFICIAL else "notices",
        "notice": notice,
        "snap": notice.snapshot or {},
        "responses": responses,
        "timeline": _timeline(notice, responses),
        "can_acknowledge": is_recipient and notice.state == Notice.State.ISSUED,
        "can_respond": is_recipient and awaiting_report and notice.state == Notice.State.ACKNOWLEDGED,
        "can_review": role == Role.COMMISSION and bool(pending),
        "pending": pending,
        "show_delivery": role in (Role.COMMISSION, Role.OBSERVER),
        "pdf_url": reverse("api:notice_pdf", args=[notice.pk]),
        "before": before_photos(request.user, notice),
        "response_form": response_form or ResponseForm(),
        "review_form": ReviewForm(),
        **_control(request, notice, draft_form, void_form),
        **objection_context(request, notice),  # 申辩 (issue 15)
    }
    return render(request, "web/notice.html", context, status=status)


# --------------------------------------------------------------------------- the workflow buttons


def _back(notice):
    return redirect("web:notice", pk=notice.pk)


@require_POST
@role_view(Role.COMMISSION)
def notice_issue(request, pk):
    notice = get_visible(visible_notices(request.user), pk=pk)
    run_action(request, lambda: service.issue_notice(notice=notice, actor=request.user),
               success=_("已印发，文号已分配，正式 PDF 已生成。"))
    return _back(notice)


@require_POST
@role_view(Role.COMMISSION)
def notice_edit(request, pk):
    """Save a draft's wording; a refused edit comes back with everything typed still in the form."""
    notice = _notice(request, pk)
    form = _draft_form(request, notice, request.POST)
    if form is None:
        messages.error(request, _("该文书已不是草稿，不能再修改。"))
        return _back(notice)
    if form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("内容没有改动，无需保存。"))
            return _back(notice)
        edited = run_action(request, lambda: drafts.edit_draft(notice=notice, actor=request.user, **changes),
                            success=_("草稿已保存。您已成为拟稿人，须由另一位未保办人员审核签发。"))
        if edited is not None:
            return _back(notice)
    else:
        refuse(request, form)
    return _render_detail(request, notice, draft_form=form, status=422)


@require_POST
@role_view(Role.COMMISSION)
def notice_void(request, pk):
    """撤回 a draft or 作废 an issued letter, with the reason the recipient will read."""
    notice = _notice(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        refuse(request, form)
        return _render_detail(request, notice, void_form=form, status=422)
    was_draft = notice.state == Notice.State.DRAFT
    done = run_action(request, lambda: service.void_notice(notice=notice, actor=request.user,
                                                           reason=form.cleaned_data["reason"]),
                      success=_("草稿已撤回。") if was_draft else _("文书已作废，收文乡镇将看到作废原因。"))
    if done is None:
        return _render_detail(request, notice, void_form=form, status=422)
    return _back(notice)


@require_POST
@role_view(Role.OFFICIAL)
def notice_acknowledge(request, pk):
    notice = get_visible(visible_notices(request.user), pk=pk)
    run_action(request, lambda: reports.acknowledge_notice(notice=notice, user=request.user), success=_("已签收。"))
    return _back(notice)


@require_POST
@role_view(Role.OFFICIAL)
def notice_respond(request, pk):
    notice = _notice(request, pk)
    form = ResponseForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        filed = run_action(
            request,
            lambda: reports.file_response(notice=notice, user=request.user, text=data["text"], uploads=data["attachments"]),
            success=_("整改报告已提交，等待未保办审核。"),
        )
        if filed is not None:
            return _back(notice)
    else:
        refuse(request, form)
    # Nothing typed is lost: the page comes back with the text in the form (a browser never refills a file input,
    # so the message says to choose the files again).
    if request.FILES:
        messages.warning(request, _("报告内容已保留，请重新选择附件后再提交。"))
    return _render_detail(request, notice, response_form=form, status=422)


REVIEWS = {
    "accept": (reports.accept_response, gettext_lazy("整改报告已验收通过。")),
    "return": (reports.return_response, gettext_lazy("整改报告已退回。")),
}


@require_POST
@role_view(Role.COMMISSION)
def response_review(request, pk, response_id):
    notice = get_visible(visible_notices(request.user), pk=pk)
    response = get_visible(visible_responses(request.user).filter(notice=notice), pk=response_id)
    form = ReviewForm(request.POST)
    if "decision" in form.errors:
        raise Http404
    if not form.is_valid():
        refuse(request, form)
        return _back(notice)
    review, success = REVIEWS[form.cleaned_data["decision"]]
    run_action(request, lambda: review(response=response, actor=request.user, comment=form.cleaned_data["comment"]),
               success=str(success))
    return _back(notice)


@require_POST
@role_view(Role.COMMISSION)
def circular_draft(request):
    form = CircularForm(request.POST)
    if not form.is_valid():
        refuse(request, form)
        return redirect("home")
    notice = run_action(
        request,
        lambda: service.draft_circular(county=request.profile.county, week=form.cleaned_data["week"], actor=request.user),
        success=_("本周通报草稿已生成。"),
    )
    return _back(notice) if notice else redirect("home")
