"""Notices (DESIGN.md §4): list and read by role, the PDF, issue, void, 签收, 整改报告, review.

Load through inspection.access (anything outside the caller's scope is 404), check the role,
call inspection.services.notices, reply.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.http import content_disposition_header
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from inspection.access import get_visible, profile_of, role_of, visible_notices
from inspection.errors import InspectionError, NotFound
from inspection.models import Notice, NoticeResponse, Role
from inspection.notices.snapshot import KIND_LABELS
from inspection.services import notices as service
from inspection.services import responses as reports

router = Router(tags=["notices"])

MAX_ID = 2**63 - 1
PAGE_MAX = 200


class ErrorOut(Schema):
    detail: str


class AttachmentOut(Schema):
    id: int
    content_type: str
    size: int
    sha256: str
    original_name: str


class ResponseOut(Schema):
    id: int
    state: Literal["pending", "accepted", "returned"]
    text: str
    official: str
    submitted_at: datetime
    reviewed_at: datetime | None
    review_comment: str
    attachments: list[AttachmentOut]


class NoticeOut(Schema):
    id: int
    kind: Literal["rectification", "summons", "referral", "circular", "reminder"]
    kind_label: str
    number: str | None = Field(description="发文字号；草稿为 null")
    state: Literal["draft", "issued", "acknowledged", "responded", "accepted", "void"]
    township: str | None = Field(description="乡镇统计代码；通报为 null")
    township_name: str | None
    title: str
    verify_code: str | None = Field(description="印发后的验证码")
    due_on: date | None
    created_at: datetime
    issued_at: datetime | None
    delivered_at: datetime | None = Field(description="收文人首次下载时间")
    acknowledged_at: datetime | None
    pdf_sha256: str | None


class NoticeDetailOut(NoticeOut):
    official: str | None
    void_reason: str | None
    snapshot: dict
    responses: list[ResponseOut]


class NoticePage(Schema):
    items: list[NoticeOut]
    count: int


class NoticeFilter(Schema):
    state: Literal["draft", "issued", "acknowledged", "responded", "accepted", "void"] | None = None
    kind: Literal["rectification", "summons", "referral", "circular", "reminder"] | None = None
    township: str | None = Field(None, max_length=12)
    limit: int = Field(50, ge=1, le=PAGE_MAX)
    offset: int = Field(0, ge=0, le=10**9)


class VoidIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., max_length=service.MAX_REASON)


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field("", max_length=service.MAX_REASON)


class BatchIssueIn(Schema):
    model_config = ConfigDict(extra="forbid")
    ids: list[int] = Field(..., min_length=1, max_length=200)


class CircularIn(Schema):
    model_config = ConfigDict(extra="forbid")
    week: str = Field(..., pattern=r"^[0-9]{4}-W[0-9]{2}$", description="YYYY-Www")


# ---------------------------------------------------------------------------
# Shapes


def notice_out(notice: Notice) -> dict:
    issued = notice.state != Notice.State.DRAFT and bool(notice.verify_code)
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "kind_label": KIND_LABELS.get(notice.kind, notice.get_kind_display()),
        "number": notice.number_text or None,
        "state": notice.state,
        "township": notice.township.code if notice.township_id else None,
        "township_name": notice.township.name if notice.township_id else None,
        "title": (notice.snapshot or {}).get("title", ""),
        "verify_code": service.display_verify_code(notice.verify_code) if issued else None,
        "due_on": notice.due_on,
        "created_at": notice.created_at,
        "issued_at": notice.issued_at,
        "delivered_at": notice.delivered_at,
        "acknowledged_at": notice.acknowledged_at,
        "pdf_sha256": notice.pdf_sha256 or None,
    }


def response_out(response: NoticeResponse) -> dict:
    return {
        "id": response.pk,
        "state": response.state,
        "text": response.text,
        "official": response.official.name,
        "submitted_at": response.submitted_at,
        "reviewed_at": response.reviewed_at,
        "review_comment": response.review_comment,
        "attachments": [
            {"id": a.pk, "content_type": a.content_type, "size": a.size, "sha256": a.sha256,
             "original_name": a.original_name}
            for a in response.attachments.order_by("id")
        ],
    }


def notice_detail(notice: Notice) -> dict:
    data = notice_out(notice)
    data["official"] = notice.official.name if notice.official_id else None
    data["void_reason"] = notice.void_reason or None
    data["snapshot"] = notice.snapshot or {}
    data["responses"] = [
        response_out(r) for r in notice.responses.select_related("official").order_by("submitted_at", "id")
    ]
    return data


def _visible(request, notice_id: int) -> Notice:
    return get_visible(visible_notices(request.auth).select_related("county", "township", "official"), pk=notice_id)


def _commission(request) -> None:
    if role_of(request.auth) != Role.COMMISSION:
        raise NotFound("未找到")


# ---------------------------------------------------------------------------
# Endpoints


@router.get("", response=NoticePage, url_name="notices")
def list_notices(request, filters: Query[NoticeFilter]):
    """Officials see only the issued notices addressed to them (and issued circulars)."""
    qs = visible_notices(request.auth).select_related("township")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.township:
        qs = qs.filter(township__code=filters.township)
    qs = qs.order_by("-created_at", "-id")
    page = qs[filters.offset: filters.offset + filters.limit]
    return {"items": [notice_out(n) for n in page], "count": qs.count()}


@router.post("/circulars", response={201: NoticeOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             url_name="notice_circular")
def post_circular(request, body: CircularIn):
    """Draft (or redraft) the weekly circular (暗查暗访情况通报) of a week."""
    _commission(request)
    notice = service.draft_circular(county=profile_of(request.auth).county, week=body.week, actor=request.auth)
    return Status(201, notice_out(notice))


@router.post("/issue-batch", response={200: list[NoticeOut], 404: ErrorOut, 409: ErrorOut, 503: ErrorOut},
             url_name="notices_issue_batch")
def post_issue_batch(request, body: BatchIssueIn):
    """Issue several drafts at once (e.g. a week's letters): all or none."""
    _commission(request)
    notices = [_visible(request, i) for i in body.ids]
    issued = service.issue_notices(notices=notices, actor=request.auth)
    return [notice_out(n) for n in issued]


@router.get("/{notice_id}", response={200: NoticeDetailOut, 404: ErrorOut}, url_name="notice")
def get_notice(request, notice_id: int = Path(..., ge=1, le=MAX_ID)):
    return notice_detail(_visible(request, notice_id))


@router.get("/{notice_id}/pdf", response={404: ErrorOut}, url_name="notice_pdf", openapi_extra={
    "responses": {"200": {"description": "文书 PDF（草稿为预览）", "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def get_notice_pdf(request, notice_id: int = Path(..., ge=1, le=MAX_ID)):
    """The issued PDF as stored (its SHA-256 is in the notice), or a 草稿 preview of a draft.
    The addressed official's first download is recorded as the delivery time."""
    notice = _visible(request, notice_id)
    data = service.notice_pdf(notice=notice, user=request.auth)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, service.pdf_filename(notice))
    return response


@router.post("/{notice_id}/issue", response={200: NoticeOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut,
                                             503: ErrorOut}, url_name="notice_issue")
def post_issue(request, notice_id: int = Path(..., ge=1, le=MAX_ID)):
    """Assign the number and freeze the PDF (commission)."""
    _commission(request)
    notice = service.issue_notice(notice=_visible(request, notice_id), actor=request.auth)
    return notice_out(notice)


@router.post("/{notice_id}/void", response={200: NoticeOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             url_name="notice_void")
def post_void(request, body: VoidIn, notice_id: int = Path(..., ge=1, le=MAX_ID)):
    """Void with a reason; the number stays taken (commission)."""
    _commission(request)
    notice = service.void_notice(notice=_visible(request, notice_id), actor=request.auth, reason=body.reason)
    return notice_out(notice)


@router.post("/{notice_id}/acknowledge", response={200: NoticeOut, 404: ErrorOut, 409: ErrorOut},
             url_name="notice_acknowledge")
def post_acknowledge(request, notice_id: int = Path(..., ge=1, le=MAX_ID)):
    """签收 by the addressed official; acknowledging again changes nothing."""
    notice = reports.acknowledge_notice(notice=_visible(request, notice_id), user=request.auth)
    return notice_out(notice)


@router.post(
    "/{notice_id}/responses",
    response={201: ResponseOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 415: ErrorOut,
              422: ErrorOut},
    url_name="notice_responses",
    openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object",
        "properties": {"text": {"type": "string"},
                       "files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
        "required": ["text"]}}}}},
)
def post_response(request, notice_id: int = Path(..., ge=1, le=MAX_ID)):
    """整改报告 by the addressed official: field `text`, files (JPEG, PNG, PDF) in `files`."""
    notice = _visible(request, notice_id)
    try:
        text = request.POST.get("text", "")
        files = request.FILES.getlist("files")
    except MultiPartParserError:
        raise InspectionError("上传内容格式无效：请以 multipart/form-data 上传") from None
    response = reports.file_response(notice=notice, user=request.auth, text=text, uploads=files)
    return Status(201, response_out(response))


def _response(request, notice_id: int, response_id: int) -> NoticeResponse:
    _commission(request)
    notice = _visible(request, notice_id)
    return get_visible(NoticeResponse.objects.filter(notice=notice).select_related("notice", "official"),
                       pk=response_id)


@router.post("/{notice_id}/responses/{response_id}/accept",
             response={200: ResponseOut, 404: ErrorOut, 409: ErrorOut}, url_name="notice_response_accept")
def post_accept(request, body: ReviewIn, notice_id: int = Path(..., ge=1, le=MAX_ID),
                response_id: int = Path(..., ge=1, le=MAX_ID)):
    """验收 a rectification report (commission)."""
    response = reports.accept_response(response=_response(request, notice_id, response_id),
                                       actor=request.auth, comment=body.comment)
    return response_out(response)


@router.post("/{notice_id}/responses/{response_id}/return",
             response={200: ResponseOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             url_name="notice_response_return")
def post_return(request, body: ReviewIn, notice_id: int = Path(..., ge=1, le=MAX_ID),
                response_id: int = Path(..., ge=1, le=MAX_ID)):
    """退回 a rectification report with the reason (commission)."""
    response = reports.return_response(response=_response(request, notice_id, response_id),
                                       actor=request.auth, comment=body.comment)
    return response_out(response)
