"""The mandatory-report fast lane (强制报告, issue 16): a suspected harm to a child, outside the ladder.

    file_and_transfer(actor=, ...)              file_report, then the letter (which may fail alone)
    file_report(actor=, ...)                    opens a case (a finding marked 疑似侵害未成年人, or
                                                a report filed directly); no Finding row is made
    issue_transfer_letter(report=, actor=)      the 强制报告线索移送函: 移 number, PDF, SHA-256
    record_receipt(report=, actor=, ...)        the agency confirmed receipt: the case closes
    set_report_roles(actor=, profile=, ...)     who is a designated officer, who is the head

The clock starts at discovery; `services.report_jobs` escalates late cases and purges closed
ones after the county's retention. A finding marked this way is taken out of the township
record entirely: it never becomes a Finding, so it scores nothing, escalates nothing, and no
letter, circular, ledger or export of the township can quote it. Every step is audited with
the SHA-256 of the case's text (`content_digest`), never the text itself.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from inspection.access import profile_of
from inspection.chain import canonical_json
from inspection.errors import Conflict, Forbidden, InspectionError, NotFound, Unprocessable
from inspection.models import Inspection, MandatoryReport, MandatoryReportEvent, Notice, Profile, Role
from inspection.notices import compose
from inspection.notices.numbering import SERIES_BY_KIND, format_number
from inspection.notices.snapshot import TRANSFER, SnapshotError, validate_snapshot
from inspection.services.audit import record_event
from inspection.services.inspections import is_team_member
from inspection.services.ladder_writer import letterhead
from inspection.services.notices import (
    RenderFailed,
    _take_number,
    display_verify_code,
    new_verify_code,
    verify_url,
)

logger = logging.getLogger("ancha.reports")

SERIES = SERIES_BY_KIND[TRANSFER]
MAX_TEXT = 2000
# What the person who filed is told, on the page and in the API's reply.
FILED_MESSAGE = "已受理：线索已转入强制报告通道，由未保办指定专员移送接收单位；本问题不计入乡镇检查结果。"
MAX_LINE = 200
# The department a county's agency is by default, for the letter's addressee.
AGENCY_OFFICE = {
    MandatoryReport.Agency.POLICE: "公安局",
    MandatoryReport.Agency.CIVIL_AFFAIRS: "民政局",
    MandatoryReport.Agency.EDUCATION: "教育局",
}
# The case fields that hold what was reported; their SHA-256 is what the audit log keeps.
CONTENT_FIELDS = ("what", "location", "discovered_at", "child_description", "child_identity", "agency",
                  "agency_name")


def _canonical(value) -> str:
    # A time in UTC, so that the digest of a case read back from the database is the filed one.
    return value.astimezone(dt_timezone.utc).isoformat() if isinstance(value, datetime) else str(value)


def content_digest(report: MandatoryReport) -> str:
    values = {f: _canonical(getattr(report, f)) for f in CONTENT_FIELDS}
    return hashlib.sha256(canonical_json(values).encode("utf-8")).hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add_event(report: MandatoryReport, *, kind: str, actor, digest: str, note: str = "", at=None) -> None:
    name = "" if actor is None or isinstance(actor, str) else actor.get_username()
    MandatoryReportEvent.objects.create(report=report, at=at or timezone.now(), actor=name, kind=kind,
                                        digest=digest, note=note)


# --------------------------------------------------------------------------- who may act


def is_report_officer(user) -> bool:
    profile = profile_of(user)
    return profile is not None and profile.role == Role.COMMISSION and profile.report_officer


def _filing_county(actor, inspection: Inspection | None):
    """The county the actor files in: the commission its own; an inspector only on a visit of
    their team (another team's visit is not found)."""
    profile = profile_of(actor)
    if profile is None or profile.role not in (Role.COMMISSION, Role.INSPECTOR):
        raise NotFound("未找到")
    if inspection is not None and inspection.county_id != profile.county_id:
        raise NotFound("未找到")
    if profile.role == Role.INSPECTOR:
        if inspection is None:
            raise Unprocessable("督查组成员请在所承担的检查中报告")
        if not is_team_member(inspection, actor) or inspection.status == Inspection.Status.PLANNED:
            raise NotFound("未找到")
    return profile.county


def _require_officer(actor, report: MandatoryReport) -> None:
    profile = profile_of(actor)
    if profile is None or profile.role != Role.COMMISSION or profile.county_id != report.county_id:
        raise NotFound("未找到")
    if not profile.report_officer:
        raise Forbidden("只有未保办指定的强制报告专员可以办理强制报告线索")


# --------------------------------------------------------------------------- filing


def _clean(value: str, label: str, limit: int, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise Unprocessable(f"请填写{label}")
    if len(text) > limit:
        raise Unprocessable(f"{label}不超过{limit}字")
    return text


def _discovery(discovered_at: datetime, now: datetime) -> datetime:
    if discovered_at is None:
        raise Unprocessable("请填写发现时间")
    if timezone.is_naive(discovered_at):
        discovered_at = timezone.make_aware(discovered_at)
    if discovered_at > now + timedelta(minutes=5):
        raise Unprocessable("发现时间不能晚于当前时间")
    if discovered_at < now - timedelta(days=366):
        raise Unprocessable("发现时间不能早于一年前")
    return discovered_at


def default_agency_name(county, agency: str) -> str:
    return f"{county.name}{AGENCY_OFFICE[agency]}"


@transaction.atomic
def file_report(*, actor, what: str, location: str, discovered_at: datetime, child_description: str,
                agency: str, inspection: Inspection | None = None, child_identity: str = "",
                agency_name: str = "") -> MandatoryReport:
    """Open a mandatory-report case. The clock starts at `discovered_at`."""
    county = _filing_county(actor, inspection)
    if agency not in MandatoryReport.Agency.values:
        raise Unprocessable("请选择接收单位：公安机关、民政部门或教育行政部门")
    now = timezone.now()
    found = _discovery(discovered_at, now)
    report = MandatoryReport(
        county=county, inspection=inspection, what=_clean(what, "线索情况", MAX_TEXT),
        location=_clean(location, "发现地点", MAX_LINE), discovered_at=found,
        child_description=_clean(child_description, "未成年人情况描述", MAX_LINE),
        child_identity=_clean(child_identity, "需移送的身份信息", MAX_TEXT, required=False),
        agency=agency, agency_name=_clean(agency_name, "接收单位名称", 128, required=False)
        or default_agency_name(county, agency),
        reported_by=actor, reported_at=now, due_at=found + timedelta(hours=county.report_receipt_hours),
    )
    report.content_sha256 = content_digest(report)
    report.save()
    add_event(report, kind="filed", actor=actor, digest=report.content_sha256, at=now)
    record_event("report.filed", actor=actor, obj=report, county=county,
                 # Not even which visit: office staff who read the audit log see only that a case exists.
                 data={"sha256": report.content_sha256, "agency": agency})
    return report


# --------------------------------------------------------------------------- the transfer letter


def _reporter(report: MandatoryReport) -> str:
    authority = report.county.authority_name
    if report.inspection_id is not None:
        return f"{authority}督查组"
    return authority


def transfer_snapshot(report: MandatoryReport, today) -> dict:
    """What the letter says: the child only by the description, never the identity field."""
    snapshot = compose.transfer(
        letterhead=letterhead(report.county), on=today, addressee=report.agency_name,
        what=report.what, location=report.location, discovered_at=timezone.localtime(report.discovered_at),
        child=report.child_description, reported_by=_reporter(report), agency=report.get_agency_display(),
    )
    try:
        return validate_snapshot(snapshot)
    except SnapshotError as exc:
        raise Unprocessable(f"移送函内容不完整：{exc}") from None


def _unused_code() -> str:
    while True:
        code = new_verify_code()
        if not (Notice.objects.filter(verify_code=code).exists()
                or MandatoryReport.objects.filter(verify_code=code).exists()):
            return code


def _render_letter(snapshot: dict, number: str, code: str) -> bytes:
    from inspection.notices.renderer import render_notice

    try:
        return render_notice(snapshot, number=number, verify_code=display_verify_code(code),
                             verify_url=verify_url(code))
    except InspectionError:
        raise
    except Exception as exc:  # noqa: BLE001 - any render failure rolls the number back
        logger.exception("transfer letter render failed")
        raise RenderFailed(f"移送函生成失败，文号未占用（{type(exc).__name__}）") from None


@transaction.atomic
def issue_transfer_letter(*, report: MandatoryReport, actor) -> MandatoryReport:
    """Number (移 series), render and store the letter with its SHA-256; once per case. The
    filer's own request issues it; should that fail, a designated officer or `check_reports`
    issues it later (the case itself is kept either way)."""
    report = MandatoryReport.objects.select_for_update(of=("self",)).select_related("county").get(pk=report.pk)
    if report.reported_by_id != getattr(actor, "pk", None) and actor is not None:
        _require_officer(actor, report)
    if report.letter_number:
        raise Conflict(f"移送函已印发（{report.letter_number}）")
    if report.purged_at is not None:
        raise Conflict("该线索全文已按保留期限清除，不能再印发移送函")
    now = timezone.now()
    today = timezone.localdate(now)
    snapshot = transfer_snapshot(report, today)
    serial = _take_number(report.county, SERIES, today.year)
    number = format_number(prefix=report.county.doc_prefix, series=SERIES, year=today.year, n=serial)
    code = _unused_code()
    pdf = _render_letter(snapshot, number, code)
    try:
        name = default_storage.save(f"reports/{today.year}/{code}.pdf", ContentFile(pdf))
    except OSError:
        raise RenderFailed("移送函文件无法保存（存储目录不可写），文号未占用") from None
    report.letter_year, report.letter_serial, report.letter_number = today.year, serial, number
    report.verify_code, report.pdf, report.pdf_sha256 = code, name, hashlib.sha256(pdf).hexdigest()
    report.letter_issued_at = now
    try:
        report.save(update_fields=["letter_year", "letter_serial", "letter_number", "verify_code", "pdf",
                                   "pdf_sha256", "letter_issued_at"])
        add_event(report, kind="letter", actor=actor, digest=report.pdf_sha256, note=number, at=now)
        record_event("report.letter_issued", actor=actor, obj=report, county=report.county,
                     data={"number": number, "sha256": report.pdf_sha256})
    except BaseException:
        default_storage.delete(name)
        raise
    return report


def file_and_transfer(*, actor, **fields) -> MandatoryReport:
    """File the case, then issue its letter at once. A letter that fails (a render, a full disk)
    rolls back alone: the case stands, and `check_reports` issues the letter on its next run."""
    report = file_report(actor=actor, **fields)
    try:
        return issue_transfer_letter(report=report, actor=actor)
    except Exception:  # noqa: BLE001 - the duty to report must not depend on the PDF
        logger.exception("transfer letter of report %s not issued on filing", report.pk)
        return report


# --------------------------------------------------------------------------- receipt, roles


@transaction.atomic
def record_receipt(*, report: MandatoryReport, actor, received_at: datetime, received_by: str,
                   receipt_number: str) -> MandatoryReport:
    """The agency confirmed it has the case (who, when, its receipt number): the case closes."""
    report = MandatoryReport.objects.select_for_update(of=("self",)).select_related("county").get(pk=report.pk)
    _require_officer(actor, report)
    if report.state == MandatoryReport.State.CLOSED:
        raise Conflict("该线索已记录接收并结案")
    now = timezone.now()
    if received_at is None:
        raise Unprocessable("请填写接收时间")
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > now + timedelta(minutes=5) or received_at < report.discovered_at:
        raise Unprocessable("接收时间应在发现时间之后、不晚于当前时间")
    report.received_at = received_at
    report.received_by = _clean(received_by, "接收人", 64)
    report.receipt_number = _clean(receipt_number, "接收回执编号", 64)
    report.receipt_recorded_by = actor
    report.state, report.closed_at = MandatoryReport.State.CLOSED, now
    report.save(update_fields=["received_at", "received_by", "receipt_number", "receipt_recorded_by", "state",
                               "closed_at"])
    receipt = text_digest(canonical_json({"by": report.received_by, "number": report.receipt_number,
                                          "at": received_at.isoformat()}))
    add_event(report, kind="received", actor=actor, digest=receipt, at=now)
    record_event("report.received", actor=actor, obj=report, county=report.county,
                 data={"sha256": receipt, "late": received_at > report.due_at})
    return report


@transaction.atomic
def _require_designator(mine: Profile) -> None:
    """Once the office has a head for mandatory reports, only the head designates (or, with no head,
    a designated officer): a member of staff cannot make themselves a reader of children's cases.
    Before anyone is designated, any member of the office may start (audited like every change)."""
    office = Profile.objects.filter(county_id=mine.county_id, role=Role.COMMISSION)
    if office.filter(commission_head=True).exists():
        allowed = mine.commission_head
    elif office.filter(report_officer=True).exists():
        allowed = mine.report_officer
    else:
        allowed = True
    if not allowed:
        raise Forbidden("强制报告专员和负责人只能由负责人指定")


def set_report_roles(*, actor, profile: Profile, report_officer: bool, commission_head: bool) -> Profile:
    """Designate (or stop designating) a member of the office; only the office itself may."""
    mine = profile_of(actor)
    if mine is None or mine.role != Role.COMMISSION or mine.county_id != profile.county_id:
        raise NotFound("未找到")
    _require_designator(mine)
    if profile.role != Role.COMMISSION and (report_officer or commission_head):
        raise Unprocessable("只能指定未保办工作人员")
    profile.report_officer, profile.commission_head = bool(report_officer), bool(commission_head)
    profile.save(update_fields=["report_officer", "commission_head"])
    record_event("report.roles_set", actor=actor, obj=profile, county=profile.county,
                 data={"user": profile.user.get_username(), "report_officer": profile.report_officer,
                       "commission_head": profile.commission_head})
    return profile
