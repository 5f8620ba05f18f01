"""Inspections, findings, evidence and submission (DESIGN.md §4): load, authorize, call a service, reply.

Everything is looked up through inspection.access, so an inspection, finding or file outside the
caller's scope answers 404 whatever it is.
"""

import json
from datetime import date, datetime
from typing import Literal

from django.db.models import Prefetch
from django.http import FileResponse, HttpResponse
from django.core.files.storage import default_storage
from django.http.multipartparser import MultiPartParserError
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from inspection.access import get_visible, role_of, sees_team, visible_evidence, visible_inspections
from inspection.errors import Forbidden, InspectionError, NotFound
from inspection.models import Evidence, Finding, Inspection, Role
from inspection.services import idempotency
from inspection.services.inspections import (
    FindingData,
    add_evidence,
    file_finding,
    is_team_member,
    score_inspection,
    submit_inspection,
)
from scoring import Severity

router = Router(tags=["inspections"])

MAX_ID = 2**63 - 1
PAGE_MAX = 200
JSON_TYPE = "application/json; charset=utf-8"
# Literal["minor", "major", "critical"], from the one vocabulary (an enum type would change the OpenAPI schema).
SeverityValue = Literal[tuple(s.value for s in Severity)]


# ---------------------------------------------------------------------------
# Schemas


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


class FindingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    item_id: int | None = Field(None, ge=1, le=MAX_ID, description="本次检查清单中的检查项；清单以外的问题为 null")
    severity: SeverityValue | None = Field(None, description="缺省为检查项的严重程度")
    text: str = Field(..., max_length=2000)
    location: str = Field("", max_length=200)
    observed_at: datetime | None = None
    corrects: int | None = Field(None, ge=1, le=MAX_ID, description="更正时：被更正的问题 id")
    correction_reason: str = Field("", max_length=1000)


class FindingOut(Schema):
    id: int
    inspection: int
    item_id: int | None
    severity: str
    text: str
    location: str
    observed_at: datetime | None
    created_at: datetime
    recorded_by: str
    recorded_by_name: str
    corrects: int | None
    correction_reason: str
    corrected_by: int | None
    evidence: list[EvidenceOut]


class InspectionOut(Schema):
    id: int
    township: str
    township_name: str
    date: date
    status: str
    kind: str
    score: int | None
    dispatched_at: datetime | None
    submitted_at: datetime | None


class InspectionDetailOut(InspectionOut):
    provisional_score: int | None = Field(None, description="检查中：按目前已收到的问题计算的得分")
    checklist_version: int
    checklist: list[ChecklistItemOut]
    findings: list[FindingOut]
    team: list[str] | None


class InspectionPage(Schema):
    items: list[InspectionOut]
    count: int


class ErrorOut(Schema):
    detail: str


class InspectionFilter(Schema):
    status: Literal["planned", "dispatched", "submitted"] | None = None
    township: str | None = Field(None, max_length=12)
    date_from: date | None = None
    date_to: date | None = None
    limit: int = Field(50, ge=1, le=PAGE_MAX)
    offset: int = Field(0, ge=0, le=10**9)


# ---------------------------------------------------------------------------
# Shapes


# Who on the team filed what is the commission's and the team's business: a township (and the
# observer) reads the findings as the team's, not as a named inspector's.
TEAM = "督查组"


def evidence_out(evidence: Evidence, *, named: bool = True) -> dict:
    return {
        "id": evidence.pk,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "created_at": evidence.created_at,
        "uploaded_by": evidence.uploaded_by.get_username() if named else TEAM,
    }


def finding_out(finding: Finding, *, corrected_by: int | None = None, named: bool = True) -> dict:
    recorder = finding.recorded_by
    return {
        "id": finding.pk,
        "inspection": finding.inspection_id,
        "item_id": finding.item_id,
        "severity": finding.severity,
        "text": finding.text,
        "location": finding.location,
        "observed_at": finding.observed_at,
        "created_at": finding.created_at,
        "recorded_by": recorder.get_username() if named else TEAM,
        "recorded_by_name": (recorder.get_full_name() or recorder.get_username()) if named else TEAM,
        "corrects": finding.corrects_id,
        "correction_reason": finding.correction_reason,
        "corrected_by": corrected_by,
        "evidence": [evidence_out(e, named=named) for e in finding.evidence.all()],
    }


def inspection_out(inspection: Inspection) -> dict:
    return {
        "id": inspection.pk,
        "township": inspection.township.code,
        "township_name": inspection.township.name,
        "date": inspection.date,
        "status": inspection.status,
        "kind": inspection.kind,
        "score": inspection.score,
        "dispatched_at": inspection.dispatched_at,
        "submitted_at": inspection.submitted_at,
    }


def findings_of(inspection: Inspection, *, named: bool = True) -> list[dict]:
    findings = list(
        inspection.findings.select_related("recorded_by")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by").order_by("id")))
        .order_by("id")
    )
    corrected_by = {f.corrects_id: f.pk for f in findings if f.corrects_id}
    return [finding_out(f, corrected_by=corrected_by.get(f.pk), named=named) for f in findings]


def inspection_detail(inspection: Inspection, user) -> dict:
    data = inspection_out(inspection)
    data["checklist_version"] = inspection.checklist.version
    data["checklist"] = [
        {"id": i.pk, "position": i.position, "area": i.area, "text": i.text, "severity": i.severity}
        for i in inspection.checklist.items.order_by("position")
    ]
    named = sees_team(user)
    data["findings"] = findings_of(inspection, named=named)
    data["provisional_score"] = (
        score_inspection(inspection).score if inspection.status == Inspection.Status.DISPATCHED else None
    )
    # Townships never see the roster.
    if named:
        data["team"] = [m.inspector.name for m in inspection.members.select_related("inspector").order_by("id")]
    else:
        data["team"] = None
    return data


def render_json(data: dict, schema: type[Schema]) -> bytes:
    payload = schema.model_validate(data).model_dump(mode="json")
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


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


@router.get("", response=InspectionPage, url_name="inspections")
def list_inspections(request, filters: Query[InspectionFilter]):
    qs = visible_inspections(request.auth).select_related("township")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.township:
        qs = qs.filter(township__code=filters.township)
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    qs = qs.order_by("-date", "township__code", "id")
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"items": [inspection_out(i) for i in page], "count": qs.count()}


@router.get("/{inspection_id}", response={200: InspectionDetailOut, 404: ErrorOut}, url_name="inspection")
def get_inspection(request, inspection_id: int = Path(..., ge=1, le=MAX_ID)):
    inspection = _visible(request, inspection_id)
    return inspection_detail(inspection, request.auth)


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
def post_finding(request, body: FindingIn, inspection_id: int = Path(..., ge=1, le=MAX_ID)):
    """File a finding (or, with `corrects`, a correction). Exactly once per Idempotency-Key."""
    user = request.auth
    key = idempotency.check_key(request.headers.get(idempotency.HEADER))
    inspection = _writable(request, inspection_id)
    payload = body.model_dump(mode="json")
    request_hash = idempotency.fingerprint("finding.add", {"inspection": inspection.pk, **payload})

    def action():
        finding = file_finding(
            inspection=inspection,
            user=user,
            data=FindingData(
                text=body.text, item_id=body.item_id, severity=body.severity,
                location=body.location, observed_at=body.observed_at,
            ),
            corrects=body.corrects,
            reason=body.correction_reason,
        )
        return 201, render_json(finding_out(finding), FindingOut)

    return idempotent_response(user=user, key=key, request_hash=request_hash, action=action)


def idempotent_response(*, user, key, request_hash, action) -> HttpResponse:
    try:
        reply = idempotency.run_once(user=user, key=key, request_hash=request_hash, action=action)
    except idempotency.InFlight as exc:
        response = HttpResponse(
            json.dumps({"detail": exc.detail}, ensure_ascii=False), status=409, content_type=JSON_TYPE
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    response = HttpResponse(reply.body, status=reply.status, content_type=JSON_TYPE)
    if reply.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@router.post(
    "/{inspection_id}/findings/{finding_id}/evidence",
    response={201: EvidenceOut, 200: EvidenceOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
              413: ErrorOut, 415: ErrorOut, 422: ErrorOut},
    url_name="finding_evidence",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                }
            },
        }
    },
)
def post_evidence(
    request, inspection_id: int = Path(..., ge=1, le=MAX_ID), finding_id: int = Path(..., ge=1, le=MAX_ID)
):
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
    return Status(201 if created else 200, evidence_out(evidence))


@router.get(
    "/{inspection_id}/findings/{finding_id}/evidence/{evidence_id}",
    url_name="evidence_file",
    response={404: ErrorOut},
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file as stored (photos without their metadata)",
                "content": {
                    kind: {"schema": {"type": "string", "format": "binary"}}
                    for kind in ("image/jpeg", "image/png", "application/pdf")
                },
            }
        }
    },
)
def get_evidence_file(
    request,
    inspection_id: int = Path(..., ge=1, le=MAX_ID),
    finding_id: int = Path(..., ge=1, le=MAX_ID),
    evidence_id: int = Path(..., ge=1, le=MAX_ID),
):
    """The stored file (as cleaned on upload)."""
    inspection = _visible(request, inspection_id)
    finding = _finding(inspection, finding_id)
    evidence = get_visible(visible_evidence(request.auth).filter(finding=finding), pk=evidence_id)
    try:
        handle = default_storage.open(evidence.file.name, "rb")
    except OSError:
        raise NotFound("文件不存在") from None
    extension = evidence.file.name.rsplit(".", 1)[-1]
    return FileResponse(
        handle,
        content_type=evidence.content_type,
        as_attachment=evidence.content_type == "application/pdf",
        filename=f"evidence-{evidence.pk}.{extension}",
    )


@router.post(
    "/{inspection_id}/submit",
    response={200: InspectionDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="inspection_submit",
)
def post_submit(request, inspection_id: int = Path(..., ge=1, le=MAX_ID)):
    """Freeze the findings, score, apply the escalation policy. Submitting again returns the same result."""
    inspection = _writable(request, inspection_id)
    inspection, _ = submit_inspection(inspection=inspection, user=request.auth)
    return Status(200, inspection_detail(inspection, request.auth))
