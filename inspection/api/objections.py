"""申辩 (issue 15) on a letter: read, file (the addressed official), decide (the commission).

    GET  /api/v1/notices/{notice_id}/objections
    POST /api/v1/notices/{notice_id}/objections            {finding, reason}
    POST /api/v1/notices/{notice_id}/objections/decide     {objection, upheld, comment, correction?}

Load through inspection.access (outside the caller's scope is 404), call
inspection.services.objections, reply; errors are {"detail": ...} in Chinese.
"""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from inspection.access import get_visible, role_of, visible_notices, visible_objections
from inspection.api.common import ErrorOut, Id
from inspection.errors import NotFound
from inspection.models import Objection, Role
from inspection.services import objections as service
from inspection.services.inspections import FindingData

router = Router(tags=["notices"])


class ObjectionOut(Schema):
    id: int
    notice: int = Field(alias="notice_id")
    finding: int = Field(alias="finding_id")
    state: Literal["pending", "upheld", "rejected"]
    state_label: str
    reason: str
    filed_at: datetime
    decided_at: datetime | None
    decision_comment: str
    correction: int | None = Field(None, alias="correction_id")

    @staticmethod
    def resolve_state_label(objection: Objection) -> str:
        return objection.get_state_display()


class ObjectionsOut(Schema):
    deadline: date | None = Field(description="申辩截止日（含）；未印发的文书为 null")
    objections: list[ObjectionOut]


class ObjectionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    finding: int = Field(..., ge=1, description="所申辩的问题（本文书所列）")
    reason: str = Field(..., max_length=service.MAX_OBJECTION_REASON * 2)


class CorrectionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(..., max_length=4000)
    severity: Literal["minor", "major", "critical"] | None = None
    item_id: int | None = None
    location: str = Field("", max_length=400)


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    objection: int = Field(..., ge=1)
    upheld: bool
    comment: str = Field(..., max_length=4000)
    correction: CorrectionIn | None = None


def _notice(request, notice_id: int):
    notice = get_visible(visible_notices(request.auth).select_related("county"), pk=notice_id)
    if notice.kind not in ("rectification", "summons", "referral"):
        raise NotFound("未找到")
    return notice


@router.get("/{notice_id}/objections", response={200: ObjectionsOut, 404: ErrorOut}, url_name="notice_objections")
def list_objections(request, notice_id: Id):
    """The objections to a letter, with the last day to object."""
    notice = _notice(request, notice_id)
    rows = visible_objections(request.auth).filter(notice=notice).order_by("filed_at", "id")
    return {"deadline": service.objection_deadline(notice=notice), "objections": list(rows)}


@router.post("/{notice_id}/objections", response={201: ObjectionOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             url_name="notice_objection_file")
def post_objection(request, body: ObjectionIn, notice_id: Id):
    """申辩: the addressed official objects to a finding of the letter, within the period."""
    objection = service.file_objection(notice=_notice(request, notice_id), user=request.auth,
                                       finding_id=body.finding, reason=body.reason)
    return Status(201, objection)


@router.post("/{notice_id}/objections/decide", response={200: ObjectionOut, 404: ErrorOut, 409: ErrorOut,
                                                          422: ErrorOut}, url_name="notice_objection_decide")
def post_decision(request, body: DecisionIn, notice_id: Id):
    """The commission decides an objection: upheld (with the corrected finding) or rejected."""
    if role_of(request.auth) != Role.COMMISSION:
        raise NotFound("未找到")
    notice = _notice(request, notice_id)
    objection = get_visible(visible_objections(request.auth).filter(notice=notice), pk=body.objection)
    correction = None
    if body.correction is not None:
        c = body.correction
        correction = FindingData(text=c.text, severity=c.severity, item_id=c.item_id, location=c.location)
    return service.decide_objection(objection=objection, actor=request.auth, upheld=body.upheld,
                                    comment=body.comment, correction=correction)
