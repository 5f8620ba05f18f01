"""Inspections, findings, evidence and submission (DESIGN.md §4): load, authorize, call a service, reply.

Everything is looked up through inspection.access, so an inspection, finding or file outside the
caller's scope answers 404 whatever it is.
"""

import json
from datetime import date, datetime
from typing import Annotated, Literal

from django.db.models import Prefetch
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import Field, FilterLookup, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from inspection.access import get_visible, profile_of, role_of, sees_team, visible_evidence, visible_inspections
from inspection.api.common import MAX_ID, Blank, ErrorOut, Id, LimitOffset, SafeDate, SafeDateTime, binary, multipart
from inspection.api.privacy import warnings_for
from inspection.errors import Forbidden, InspectionError, NotFound
from inspection.models import Evidence, Finding, Inspection, Role
from inspection.security.visit_check import check_url
from inspection.services import filing, idempotency
from inspection.services.inspections import (
    FindingData,
    add_evidence,
    file_finding,
    is_team_member,
    score_inspection,
    submit_inspection,
)
from inspection.services import visit_codes
from inspection.services.visits import MAX_REASON, cancel_inspection, mark_missed
from inspection.security.stored_response import stored_file_response
from inspection.services.stored_files import evidence_file
from scoring import Severity

router = Router(tags=["inspections"])

JSON_TYPE = "application/json; charset=utf-8"
# Literal["minor", "major", "critical"], from the one vocabulary (an enum type would change the OpenAPI schema).
SeverityValue = Literal[tuple(s.value for s in Severity)]


# ---------------------------------------------------------------------------
# Schemas

# Who on the team filed what is the commission's and the team's business: a township (and the
# observer) reads the findings as the team's, not as a named inspector's.
TEAM = "督查组"


def _named(context) -> bool:
    """Whether the caller (the request in a resolver's context) reads the team's names."""
    return sees_team(context["request"].auth)


class ChecklistItemOut(Schema):
    id: int
    position: int
    area: str
    text: str
    severity: str


class EvidenceOut(Schema):
    id: int
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    uploaded_by: str

    @staticmethod
    def resolve_uploaded_by(evidence: Evidence, context) -> str:
        return evidence.uploaded_by.get_username() if _named(context) else TEAM


class FindingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    item_id: int | None = Field(None, ge=1, le=MAX_ID, description="本次检查清单中的检查项；清单以外的问题为 null")
    severity: SeverityValue | None = Field(None, description="缺省为检查项的严重程度")
    text: str = Field(..., max_length=2000)
    location: str = Field("", max_length=200)
    observed_at: SafeDateTime | None = None
    corrects: int | None = Field(None, ge=1, le=MAX_ID, description="更正时：被更正的问题 id")
    correction_reason: str = Field("", max_length=1000)


class FindingOut(Schema):
    id: int
    inspection: int = Field(alias="inspection_id")
    item_id: int | None
    severity: str
    text: str
    location: str
    observed_at: datetime | None
    created_at: datetime
    recorded_by: str
    recorded_by_name: str
    corrects: int | None = Field(alias="corrects_id")
    correction_reason: str
    corrected_by: int | None
    evidence: list[EvidenceOut]
    warnings: list[str] = Field([], description="疑似个人信息的中文提示（文书、通报、台账和日志中已隐去）")

    @staticmethod
    def resolve_recorded_by(finding: Finding, context) -> str:
        return finding.recorded_by.get_username() if _named(context) else TEAM

    @staticmethod
    def resolve_recorded_by_name(finding: Finding, context) -> str:
        recorder = finding.recorded_by
        return (recorder.get_full_name() or recorder.get_username()) if _named(context) else TEAM

    @staticmethod
    def resolve_warnings(finding: Finding) -> list[str]:
        return warnings_for(finding.text, finding.location)

    @staticmethod
    def resolve_corrected_by(finding: Finding) -> int | None:
        corrections = [c.pk for c in finding.corrections.all()]
        return corrections[-1] if corrections else None


class InspectionOut(Schema):
    id: int
    township: str = Field(alias="township.code")
    township_name: str = Field(alias="township.name")
    date: date
    status: str
    kind: str
    score: int | None
    dispatched_at: datetime | None
    submitted_at: datetime | None
    missed_at: datetime | None  # a visit not carried out (it stays on record after a late filing)
    missed_reason: str | None
    cancelled_reason: str | None

    @staticmethod
    def resolve_missed_reason(inspection: Inspection) -> str | None:
        return inspection.missed_reason or None

    @staticmethod
    def resolve_cancelled_reason(inspection: Inspection) -> str | None:
        return inspection.cancelled_reason or None


class InspectionDetailOut(InspectionOut):
    provisional_score: int | None = Field(None, description="检查中：按目前已收到的问题计算的得分")
    checklist_version: int = Field(alias="checklist.version")
    checklist: list[ChecklistItemOut]
    findings: list[FindingOut]
    team: list[str] | None
    confirmed_at: datetime | None = Field(None, description="乡镇分管负责人用核验码确认来访的时间")
    unconfirmed: bool = Field(False, description="已提交但乡镇未确认来访")

    @staticmethod
    def resolve_confirmed_at(inspection: Inspection) -> datetime | None:
        confirmation = getattr(inspection, "confirmation", None)
        return confirmation.confirmed_at if confirmation else None

    @staticmethod
    def resolve_unconfirmed(inspection: Inspection) -> bool:
        return visit_codes.unconfirmed(inspection)

    @staticmethod
    def resolve_provisional_score(inspection: Inspection) -> int | None:
        if inspection.status not in (Inspection.Status.DISPATCHED, Inspection.Status.MISSED):
            return None
        return score_inspection(inspection).score

    @staticmethod
    def resolve_checklist(inspection: Inspection):
        return inspection.checklist.items.order_by("position")

    @staticmethod
    def resolve_findings(inspection: Inspection):
        evidence = Evidence.objects.select_related("uploaded_by").order_by("id")
        return (
            inspection.findings.select_related("recorded_by")
            .prefetch_related(
                Prefetch("evidence", queryset=evidence), Prefetch("corrections", queryset=Finding.objects.order_by("id"))
            )
            .order_by("id")
        )

    @staticmethod
    def resolve_team(inspection: Inspection, context) -> list[str] | None:
        # Townships never see the roster.
        if not _named(context):
            return None
        return [m.inspector.name for m in inspection.members.select_related("inspector").order_by("id")]


class InspectionFilter(FilterSchema):
    status: Literal["planned", "dispatched", "submitted", "missed", "cancelled"] | None = None
    township: Annotated[str | None, Blank, FilterLookup("township__code")] = Field(None, max_length=12)
    date_from: Annotated[SafeDate | None, FilterLookup("date__gte")] = None
    date_to: Annotated[SafeDate | None, FilterLookup("date__lte")] = None


def render_json(obj, schema: type[Schema], request) -> bytes:
    payload = schema.model_validate(obj, context={"request": request}).model_dump(mode="json")
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def new_finding_json(finding: Finding, request) -> bytes:
    """The reply to a finding filed a moment ago: the bytes render_json(finding, FindingOut, request)
    gives (tests/inspection/test_filing_reply.py compares the two), built from the values at hand.
    A new finding has no corrections and no evidence yet, so nothing is read from the database, and
    FindingOut's own serializer formats the values its resolvers give, without validating a model
    instance field by field through ninja's attribute getter (the filing is the hot path, issue 14)."""
    context = {"request": request}
    reply = FindingOut.model_construct(
        id=finding.pk, inspection=finding.inspection_id, item_id=finding.item_id, severity=finding.severity,
        text=finding.text, location=finding.location, observed_at=finding.observed_at,
        created_at=finding.created_at, recorded_by=FindingOut.resolve_recorded_by(finding, context),
        recorded_by_name=FindingOut.resolve_recorded_by_name(finding, context), corrects=finding.corrects_id,
        correction_reason=finding.correction_reason, corrected_by=None, evidence=[],
        warnings=FindingOut.resolve_warnings(finding),
    )
    return json.dumps(reply.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _visible(request, inspection_id: int) -> Inspection:
    return get_visible(visible_inspections(request.auth).select_related("township", "county", "checklist"), pk=inspection_id)


def _writable(request, inspection_id: int) -> Inspection:
    """An inspection the caller may file on: their team's. Others see 403 if they may read it as
    the commission, else 404 like anything outside their scope."""
    inspection = _visible(request, inspection_id)
    if not is_team_member(inspection, request.auth):
        if role_of(request.auth) == Role.COMMISSION:
            raise Forbidden("只有本次检查的督查组成员可以登记、更正或提交")
        raise NotFound("未找到")
    return inspection


def _finding(inspection: Inspection, finding_id: int) -> Finding:
    return get_visible(Finding.objects.filter(inspection=inspection), pk=finding_id)


# ---------------------------------------------------------------------------
# Endpoints


@router.get("", response=list[InspectionOut], url_name="inspections")
@paginate(LimitOffset)
def list_inspections(request, filters: Query[InspectionFilter]):
    qs = filters.filter(visible_inspections(request.auth).select_related("township"))
    return qs.order_by("-date", "township__code", "id")


@router.get("/{inspection_id}", response={200: InspectionDetailOut, 404: ErrorOut}, url_name="inspection")
def get_inspection(request, inspection_id: Id):
    return _visible(request, inspection_id)


class VisitCodeOut(Schema):
    code: str = Field(description="出示给被检查单位的核验码，仅当天有效")
    date: date
    url: str = Field(description="二维码中的核验地址")


@router.get("/{inspection_id}/visit-code", response={200: VisitCodeOut, 404: ErrorOut, 409: ErrorOut},
            url_name="inspection_visit_code")
def get_visit_code(request, inspection_id: Id):
    """The team's code for the door: only its own members, only once dispatched, only on the day."""
    inspection = _visible(request, inspection_id)
    if not is_team_member(inspection, request.auth):
        raise NotFound("未找到")
    code = visit_codes.code_for(inspection)
    return {"code": code.text, "date": code.date, "url": check_url(request, code)}


@router.post(
    "/{inspection_id}/findings",
    response={201: FindingOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="inspection_findings",
    openapi_extra={
        "parameters": [
            {
                "in": "header",
                "name": idempotency.HEADER,
                "required": True,
                "schema": {"type": "string", "maxLength": 128},
                "description": "每次登记一个唯一值（如 UUID）；重发同一登记时使用同一个值",
            }
        ]
    },
)
def post_finding(request, body: FindingIn, inspection_id: Id):
    """File a finding (or, with `corrects`, a correction). Exactly once per Idempotency-Key."""
    user = request.auth
    key = idempotency.check_key(request.headers.get(idempotency.HEADER))
    payload = body.model_dump(mode="json")
    request_hash = idempotency.fingerprint("finding.add", {"inspection": inspection_id, **payload})
    data = FindingData(
        text=body.text, item_id=body.item_id, severity=body.severity, location=body.location,
        observed_at=body.observed_at,
    )

    def render(finding):
        return 201, new_finding_json(finding, request)

    if body.corrects is None and not body.correction_reason:
        profile = profile_of(user)
        try:
            reply = filing.file_new_finding(
                inspection_id=inspection_id, user=user, county=profile.county if profile else None, data=data,
                key=key, request_hash=request_hash, render=render,
            )
        except idempotency.InFlight as exc:
            return _in_flight_response(exc)
        if reply is not None:
            return _reply_response(reply)
    # Anything but the ordinary new finding (a replay, a refusal, a correction): the full path.
    inspection = _writable(request, inspection_id)

    def action():
        finding = file_finding(
            inspection=inspection, user=user, data=data, corrects=body.corrects, reason=body.correction_reason
        )
        return render(finding)

    return idempotent_response(user=user, key=key, request_hash=request_hash, action=action)


def idempotent_response(*, user, key, request_hash, action) -> HttpResponse:
    try:
        reply = idempotency.run_once(user=user, key=key, request_hash=request_hash, action=action)
    except idempotency.InFlight as exc:
        return _in_flight_response(exc)
    return _reply_response(reply)


def _in_flight_response(exc: idempotency.InFlight) -> HttpResponse:
    response = HttpResponse(json.dumps({"detail": exc.detail}, ensure_ascii=False), status=409, content_type=JSON_TYPE)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _reply_response(reply: idempotency.Reply) -> HttpResponse:
    response = HttpResponse(reply.body, status=reply.status, content_type=JSON_TYPE)
    if reply.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@router.post(
    "/{inspection_id}/findings/{finding_id}/evidence",
    response={201: EvidenceOut, 200: EvidenceOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
              413: ErrorOut, 415: ErrorOut, 422: ErrorOut},
    url_name="finding_evidence",
    openapi_extra=multipart({"file": {"type": "string", "format": "binary"}}, ["file"]),
)
def post_evidence(request, inspection_id: Id, finding_id: Id):
    """Attach a JPEG, PNG or PDF (field `file`). Photos are stored without their location metadata."""
    inspection = _writable(request, inspection_id)
    finding = _finding(inspection, finding_id)
    try:
        upload = request.FILES.get("file")
    except MultiPartParserError:
        raise InspectionError("上传内容格式无效：请以 multipart/form-data 上传，文件字段名为 file") from None
    if upload is None:
        raise InspectionError("请上传文件：以 multipart/form-data 上传，文件字段名为 file")
    evidence, created = add_evidence(finding=finding, user=request.auth, upload=upload)
    return Status(201 if created else 200, evidence)


@router.get(
    "/{inspection_id}/findings/{finding_id}/evidence/{evidence_id}",
    url_name="evidence_file",
    response={404: ErrorOut, 409: ErrorOut},
    openapi_extra=binary("The file as stored (photos without their metadata)", "image/jpeg", "image/png", "application/pdf"),
)
def get_evidence_file(request, inspection_id: Id, finding_id: Id, evidence_id: Id):
    """The stored file (as cleaned on upload)."""
    inspection = _visible(request, inspection_id)
    finding = _finding(inspection, finding_id)
    evidence = get_visible(visible_evidence(request.auth).filter(finding=finding), pk=evidence_id)
    data = evidence_file(evidence)  # the recorded bytes, or DamagedArchiveCopy (409)
    return stored_file_response(data, content_type=evidence.content_type, stem=f"evidence-{evidence.pk}")


@router.post(
    "/{inspection_id}/submit",
    response={200: InspectionDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="inspection_submit",
)
def post_submit(request, inspection_id: Id):
    """Freeze the findings, score, apply the escalation policy. Submitting again returns the same result."""
    inspection = _writable(request, inspection_id)
    inspection, _ = submit_inspection(inspection=inspection, user=request.auth)
    return Status(200, inspection)


class ReasonIn(Schema):
    reason: str = Field(max_length=MAX_REASON)


@router.post(
    "/{inspection_id}/missed",
    response={200: InspectionOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="inspection_missed",
)
def post_missed(request, inspection_id: Id, body: ReasonIn):
    """The commission: a dispatched visit was not carried out. It stops counting for coverage."""
    inspection = mark_missed(inspection=_visible(request, inspection_id), actor=request.auth, reason=body.reason)
    return Status(200, inspection)


@router.post(
    "/{inspection_id}/cancel",
    response={200: InspectionOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="inspection_cancel",
)
def post_cancel(request, inspection_id: Id, body: ReasonIn):
    """The commission: a planned visit is withdrawn before its morning."""
    inspection = cancel_inspection(inspection=_visible(request, inspection_id), actor=request.auth, reason=body.reason)
    return Status(200, inspection)
