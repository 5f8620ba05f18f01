"""Notices (DESIGN.md §4): list and read by role, the PDF, issue, void, 签收, 整改报告, review.

Load through inspection.access (anything outside the caller's scope is 404), check the role,
call inspection.services.notices, reply.
"""

from datetime import date, datetime
from typing import Annotated, Literal

from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.http import content_disposition_header
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from inspection.access import commission_staff, get_visible, notice_events, profile_of, role_of, visible_notices
from inspection.api.common import Blank, ErrorOut, Id, LimitOffset, Week, binary, multipart
from inspection.api.drafts import DraftEditIn, EditOut, StaffOut, edit_history
from inspection.errors import InspectionError, NotFound
from inspection.models import Notice, NoticeResponse, Role
from inspection.notices.snapshot import KIND_LABELS
from inspection.services import drafts
from inspection.services import notices as service
from inspection.services import responses as reports

router = Router(tags=["notices"])

KINDS = Literal["rectification", "summons", "referral", "circular", "reminder"]
STATES = Literal["draft", "issued", "acknowledged", "responded", "accepted", "void"]


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
    official: str = Field(alias="official.name")
    submitted_at: datetime
    reviewed_at: datetime | None
    review_comment: str
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(response: NoticeResponse):
        return response.attachments.order_by("id")


class NoticeOut(Schema):
    id: int
    kind: KINDS
    kind_label: str
    number: str | None = Field(description="发文字号；草稿为 null")
    state: STATES
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

    @staticmethod
    def resolve_kind_label(notice: Notice) -> str:
        return KIND_LABELS.get(notice.kind, notice.get_kind_display())

    @staticmethod
    def resolve_number(notice: Notice) -> str | None:
        return notice.number_text or None

    @staticmethod
    def resolve_township(notice: Notice) -> str | None:
        return notice.township.code if notice.township_id else None

    @staticmethod
    def resolve_township_name(notice: Notice) -> str | None:
        return notice.township.name if notice.township_id else None

    @staticmethod
    def resolve_title(notice: Notice) -> str:
        return (notice.snapshot or {}).get("title", "")

    @staticmethod
    def resolve_verify_code(notice: Notice) -> str | None:
        issued = notice.state != Notice.State.DRAFT and bool(notice.verify_code)
        return service.display_verify_code(notice.verify_code) if issued else None

    @staticmethod
    def resolve_pdf_sha256(notice: Notice) -> str | None:
        return notice.pdf_sha256 or None


class NoticeDetailOut(NoticeOut):
    official: str | None
    void_reason: str | None
    snapshot: dict
    responses: list[ResponseOut]
    drafted_by: str | None = Field(description="拟稿人（最后修改草稿的人）；系统起草且无人修改时为 null")
    quoted_findings: list[int] | None = Field(description="草稿引用的本次暗查问题编号；null 为按规则生成")
    edits: list[EditOut] = Field(description="拟稿与修改记录（仅未保办与纪委监委可见）")

    @staticmethod
    def resolve_drafted_by(notice: Notice) -> str | None:
        return notice.drafted_by.get_username() if notice.drafted_by_id else None

    @staticmethod
    def resolve_edits(notice: Notice, context) -> list[dict]:
        return edit_history(notice_events(context["request"].auth, notice))

    @staticmethod
    def resolve_official(notice: Notice) -> str | None:
        return notice.official.name if notice.official_id else None

    @staticmethod
    def resolve_void_reason(notice: Notice) -> str | None:
        return notice.void_reason or None

    @staticmethod
    def resolve_snapshot(notice: Notice) -> dict:
        return notice.snapshot or {}

    @staticmethod
    def resolve_responses(notice: Notice):
        return notice.responses.select_related("official").order_by("submitted_at", "id")


class NoticeFilter(FilterSchema):
    state: STATES | None = None
    kind: KINDS | None = None
    township: Annotated[str | None, Blank, FilterLookup("township__code")] = Field(None, max_length=12)


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
    week: Week = Field(..., pattern=r"^[0-9]{4}-W[0-9]{2}$", description="YYYY-Www")


def _visible(request, notice_id: int) -> Notice:
    return get_visible(visible_notices(request.auth).select_related("county", "township", "official"), pk=notice_id)


def _commission(request) -> None:
    if role_of(request.auth) != Role.COMMISSION:
        raise NotFound("未找到")


# ---------------------------------------------------------------------------
# Endpoints


@router.get("", response=list[NoticeOut], url_name="notices")
@paginate(LimitOffset)
def list_notices(request, filters: Query[NoticeFilter]):
    """Officials see only the issued notices addressed to them (and issued circulars)."""
    return filters.filter(visible_notices(request.auth).select_related("township")).order_by("-created_at", "-id")


@router.post("/circulars", response={201: NoticeOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             url_name="notice_circular")
def post_circular(request, body: CircularIn):
    """Draft (or redraft) the weekly circular (暗查暗访情况通报) of a week."""
    _commission(request)
    notice = service.draft_circular(county=profile_of(request.auth).county, week=body.week, actor=request.auth)
    return Status(201, notice)


@router.post("/issue-batch", response={200: list[NoticeOut], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                       422: ErrorOut, 503: ErrorOut},
             url_name="notices_issue_batch")
def post_issue_batch(request, body: BatchIssueIn):
    """Issue several drafts at once (e.g. a week's letters): all or none."""
    _commission(request)
    notices = [_visible(request, i) for i in body.ids]
    issued = service.issue_notices(notices=notices, actor=request.auth)
    return issued


@router.get("/staff", response={200: list[StaffOut], 404: ErrorOut}, url_name="notice_staff")
def list_staff(request):
    """The office's named staff, whom a summons may name as 约谈人 (`meeting.host` of an edit)."""
    _commission(request)
    return [{"id": p.user_id, "name": p.name, "title": p.title, "label": drafts.host_label(p)}
            for p in commission_staff(profile_of(request.auth).county)]


@router.patch("/{notice_id}", response={200: NoticeDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                        422: ErrorOut}, url_name="notice_edit")
def patch_notice(request, body: DraftEditIn, notice_id: Id):
    """Edit a draft (commission): wording, quoted findings (dropping one needs `drop_reason`), a
    summons' meeting. The editor becomes the drafter and may not sign it off; audited."""
    _commission(request)
    notice = _visible(request, notice_id)
    meeting = body.meeting
    drafts.edit_draft(
        notice=notice, actor=request.auth, title=body.title, requirements=body.requirements,
        warning=body.warning, suggestion=body.suggestion, findings=body.findings, drop_reason=body.drop_reason,
        meeting_start=meeting.start if meeting else None, meeting_place=meeting.place if meeting else None,
        meeting_host=meeting.host if meeting else None,
    )
    return _visible(request, notice_id)


@router.get("/{notice_id}", response={200: NoticeDetailOut, 404: ErrorOut}, url_name="notice")
def get_notice(request, notice_id: Id):
    return _visible(request, notice_id)


@router.get("/{notice_id}/pdf", response={404: ErrorOut, 409: ErrorOut}, url_name="notice_pdf",
            openapi_extra=binary("文书 PDF（草稿为预览）", "application/pdf"))
def get_notice_pdf(request, notice_id: Id):
    """The issued PDF as stored (its SHA-256 is in the notice), or a 草稿 preview of a draft.
    The addressed official's first download is recorded as the delivery time."""
    notice = _visible(request, notice_id)
    data = service.notice_pdf(notice=notice, user=request.auth)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, service.pdf_filename(notice))
    return response


@router.post("/{notice_id}/issue", response={200: NoticeOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                             422: ErrorOut, 503: ErrorOut}, url_name="notice_issue")
def post_issue(request, notice_id: Id):
    """审核签发: assign the number and freeze the PDF (commission; never the draft's own drafter: 403)."""
    _commission(request)
    notice = service.issue_notice(notice=_visible(request, notice_id), actor=request.auth)
    return notice


@router.post("/{notice_id}/void", response={200: NoticeOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             url_name="notice_void")
def post_void(request, body: VoidIn, notice_id: Id):
    """Void with a reason; the number stays taken (commission)."""
    _commission(request)
    notice = service.void_notice(notice=_visible(request, notice_id), actor=request.auth, reason=body.reason)
    return notice


@router.post("/{notice_id}/acknowledge", response={200: NoticeOut, 404: ErrorOut, 409: ErrorOut},
             url_name="notice_acknowledge")
def post_acknowledge(request, notice_id: Id):
    """签收 by the addressed official; acknowledging again changes nothing."""
    notice = reports.acknowledge_notice(notice=_visible(request, notice_id), user=request.auth)
    return notice


@router.post(
    "/{notice_id}/responses",
    response={201: ResponseOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 415: ErrorOut,
              422: ErrorOut},
    url_name="notice_responses",
    openapi_extra=multipart(
        {"text": {"type": "string"}, "files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
        ["text"],
    ),
)
def post_response(request, notice_id: Id):
    """整改报告 by the addressed official: field `text`, files (JPEG, PNG, PDF) in `files`."""
    notice = _visible(request, notice_id)
    try:
        text = request.POST.get("text", "")
        files = request.FILES.getlist("files")
    except MultiPartParserError:
        raise InspectionError("上传内容格式无效：请以 multipart/form-data 上传") from None
    response = reports.file_response(notice=notice, user=request.auth, text=text, uploads=files)
    return Status(201, response)


def _response(request, notice_id: int, response_id: int) -> NoticeResponse:
    _commission(request)
    notice = _visible(request, notice_id)
    return get_visible(NoticeResponse.objects.filter(notice=notice).select_related("notice", "official"),
                       pk=response_id)


@router.post("/{notice_id}/responses/{response_id}/accept",
             response={200: ResponseOut, 404: ErrorOut, 409: ErrorOut}, url_name="notice_response_accept")
def post_accept(request, body: ReviewIn, notice_id: Id,
                response_id: Id):
    """验收 a rectification report (commission)."""
    response = reports.accept_response(response=_response(request, notice_id, response_id),
                                       actor=request.auth, comment=body.comment)
    return response


@router.post("/{notice_id}/responses/{response_id}/return",
             response={200: ResponseOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             url_name="notice_response_return")
def post_return(request, body: ReviewIn, notice_id: Id,
                response_id: Id):
    """退回 a rectification report with the reason (commission)."""
    response = reports.return_response(response=_response(request, notice_id, response_id),
                                       actor=request.auth, comment=body.comment)
    return response
