"""Mandatory reports (强制报告, issue 16): file, read, record the agency's receipt, fetch the letter.

A finding marked 疑似侵害未成年人 is filed here (with `inspection_id`), never as a finding: it stays
out of the township's record. Who reads what is `inspection.access`: the designated officers and
the observer read cases in full (the identity field: the officers only); other office staff the
counts (`/reports/summary`); an inspector the confirmation of what they filed; officials nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpResponse
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from inspection.access import (
    get_visible,
    report_counts,
    report_is_late,
    sees_child_identity,
    sees_report_details,
    visible_inspections,
    visible_reports,
)
from inspection.api.common import MAX_ID, ErrorOut, Id, SafeDateTime, binary
from inspection.api.inspections import idempotent_response
from inspection.errors import NotFound
from inspection.models import MandatoryReport
from inspection.services import idempotency
from inspection.services.report_jobs import escalate_late_reports
from inspection.services.reports import FILED_MESSAGE, file_and_transfer, record_receipt
from inspection.services.verification import letter_file

router = Router(tags=["reports"])

Agency = Literal[tuple(MandatoryReport.Agency.values)]


class ReportIn(Schema):
    model_config = ConfigDict(extra="forbid")

    inspection_id: int | None = Field(None, ge=1, le=MAX_ID, description="在检查中发现的：该次检查")
    what: str = Field(..., max_length=2000, description="线索情况")
    location: str = Field(..., max_length=200)
    discovered_at: SafeDateTime
    child_description: str = Field(..., max_length=200, description="如：约10岁女童；不写姓名、身份证号")
    child_identity: str = Field("", max_length=2000, description="接收单位需要的身份信息，只对指定专员显示")
    agency: Agency
    agency_name: str = Field("", max_length=128, description="缺省为本县（市）公安局、民政局或教育局")


class ReportFiledOut(Schema):
    """What the person who filed sees: a confirmation, not the case."""

    id: int
    state: str
    discovered_at: datetime
    due_at: datetime
    agency: str
    letter_issued: bool
    message: str = FILED_MESSAGE

    @staticmethod
    def resolve_letter_issued(report: MandatoryReport) -> bool:
        return bool(report.letter_number)


class ReportOut(Schema):
    id: int
    state: str
    late: bool
    inspection_id: int | None
    what: str
    location: str
    discovered_at: datetime
    due_at: datetime
    child_description: str
    child_identity: str | None
    agency: str
    agency_name: str
    reported_at: datetime
    letter_number: str
    letter_sha256: str = Field(alias="pdf_sha256")
    escalated_at: datetime | None
    received_at: datetime | None
    received_by: str
    receipt_number: str
    purged: bool

    @staticmethod
    def resolve_late(report: MandatoryReport) -> bool:
        return report_is_late(report)

    @staticmethod
    def resolve_child_identity(report: MandatoryReport, context) -> str | None:
        return report.child_identity if sees_child_identity(context["request"].auth) else None

    @staticmethod
    def resolve_purged(report: MandatoryReport) -> bool:
        return report.purged_at is not None


class CountsOut(Schema):
    open: int
    late: int


class ReceiptIn(Schema):
    model_config = ConfigDict(extra="forbid")

    received_at: SafeDateTime
    received_by: str = Field(..., max_length=64)
    receipt_number: str = Field(..., max_length=64)


def _inspection(request, inspection_id: int | None):
    if inspection_id is None:
        return None
    return get_visible(visible_inspections(request.auth), pk=inspection_id)


def _detailed(request, report_id: int) -> MandatoryReport:
    if not sees_report_details(request.auth):
        raise NotFound("未找到")
    return get_visible(visible_reports(request.auth).select_related("county"), pk=report_id)


@router.post("", response={201: ReportFiledOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                           422: ErrorOut}, url_name="reports")
def post_report(request, body: ReportIn):
    """File a mandatory report (or mark a finding of a visit 疑似侵害未成年人). Once per Idempotency-Key."""
    user = request.auth
    key = idempotency.check_key(request.headers.get(idempotency.HEADER))
    inspection = _inspection(request, body.inspection_id)
    request_hash = idempotency.fingerprint("report.file", body.model_dump(mode="json"))

    def action():
        fields = body.model_dump(exclude={"inspection_id"})
        report = file_and_transfer(actor=user, inspection=inspection, **fields)
        payload = ReportFiledOut.model_validate(report).model_dump_json().encode("utf-8")
        return 201, payload

    return idempotent_response(user=user, key=key, request_hash=request_hash, action=action)


@router.get("/summary", response={200: CountsOut, 404: ErrorOut}, url_name="reports_summary")
def get_summary(request):
    counts = report_counts(request.auth)
    if counts is None:
        raise NotFound("未找到")
    return counts


@router.get("", response={200: list[ReportOut], 404: ErrorOut}, url_name="report_list")
def list_reports(request):
    """Every case of the county, newest first: the designated officers and the observer only."""
    if not sees_report_details(request.auth):
        raise NotFound("未找到")
    escalate_late_reports(county=request.auth.profile.county)  # the clock is checked on read, too
    return visible_reports(request.auth).order_by("-discovered_at", "-id")[:200]


@router.get("/mine", response=list[ReportFiledOut], url_name="reports_mine")
def my_reports(request):
    """The confirmations of what the caller filed (all an inspector sees of the fast lane)."""
    return visible_reports(request.auth).filter(reported_by=request.auth).order_by("-discovered_at", "-id")[:200]


@router.get("/{report_id}", response={200: ReportOut, 404: ErrorOut}, url_name="report")
def get_report(request, report_id: Id):
    return _detailed(request, report_id)


@router.post("/{report_id}/receipt", response={200: ReportOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                                422: ErrorOut}, url_name="report_receipt")
def post_receipt(request, report_id: Id, body: ReceiptIn):
    report = _detailed(request, report_id)
    return record_receipt(report=report, actor=request.auth, **body.model_dump())


@router.get("/{report_id}/letter", response={200: None, 404: ErrorOut, 409: ErrorOut}, url_name="report_letter",
            openapi_extra=binary("强制报告线索移送函 PDF", "application/pdf"))
def get_letter(request, report_id: Id):
    report = _detailed(request, report_id)
    if not report.letter_number:
        raise NotFound("移送函尚未印发")
    response = HttpResponse(letter_file(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="transfer-{report.pk}.pdf"'
    return response

