"""Field work on a dispatched inspection: findings, corrections, evidence, submission.

Rules kept here (the database guards in inspection/finding_sql.py back them up):
- Only members of the inspection's team write, and only while it is dispatched.
- A finding is never edited or deleted. A mistake is put right by a correction: a new finding
  that names the one it corrects and says why; the corrected finding stays on record and no
  longer counts. Corrections are filed by the team before submission.
- Submission freezes the record: from then on nothing is added, changed or removed, by anyone.
  The score is computed once, at submission, from the findings that count. (Putting right a
  submitted record is the commission's business through the notices, which keep their own
  history; it never rewrites what the team filed.)
- Every inspection row a write depends on is locked first (SELECT ... FOR UPDATE; SQLite's
  immediate transactions serialise writers anyway), so a finding cannot slip in beside a
  concurrent submission and be left out of the score.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from inspection.errors import Conflict, Forbidden, Unprocessable
from inspection.models import ChecklistItem, Evidence, Finding, Inspection, Severity, TeamMember, Township
from inspection.services import escalation
from inspection.services.audit import record_event
from inspection.services.coverage_summary import refresh_coverage
from inspection.uploads import clean_evidence, read_limited
from scoring import Severity as Severities
from scoring.checklist import ScoreResult

TEXT_MAX = 2000
LOCATION_MAX = 200
REASON_MAX = 1000
# minor 一般 / major 较重 / critical 严重: the values a client sends, with what each means.
SEVERITY_HELP = " / ".join(f"{s.value} {s.label}" for s in Severities)
# Phones' clocks drift; an observation a few minutes "in the future" is a clock, not a lie.
CLOCK_SKEW = timedelta(minutes=10)


# ---------------------------------------------------------------------------
# Guards


def _locked(inspection: Inspection, user=None) -> Inspection:
    """The inspection row locked (only it: `of=self`, so the county and township rows it joins stay
    free for the county's other teams); with `user`, whether they are on its team, in the same query."""
    rows = Inspection.objects.select_for_update(of=("self",)).select_related("county", "township")
    if user is not None:
        rows = rows.annotate(
            on_team=Exists(TeamMember.objects.filter(inspection=OuterRef("pk"), inspector__user=user))
        )
    return rows.get(pk=inspection.pk)


def is_team_member(inspection: Inspection, user) -> bool:
    return TeamMember.objects.filter(inspection=inspection, inspector__user=user).exists()


def _require_team_member(inspection: Inspection, user) -> None:
    on_team = getattr(inspection, "on_team", None)  # read with the lock by _locked(inspection, user)
    if not (on_team if on_team is not None else is_team_member(inspection, user)):
        raise Forbidden("只有本次检查的督查组成员可以登记、更正或提交")


def _require_open(inspection: Inspection) -> None:
    if inspection.status == Inspection.Status.SUBMITTED:
        raise Conflict("本次检查已提交，问题和佐证材料已锁定，不能再添加或修改")
    if inspection.status == Inspection.Status.CANCELLED:
        raise Conflict("本次检查已撤销，不能登记")
    # A visit marked missed still takes its filing: the team's offline outbox may arrive after the grace.
    if inspection.status not in (Inspection.Status.DISPATCHED, Inspection.Status.MISSED):
        raise Conflict("本次检查尚未派出，不能登记")


def _clean_text(value: str | None, *, field: str, max_length: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Unprocessable(f"{field}不能为空")
    if len(value) > max_length:
        raise Unprocessable(f"{field}过长（最多 {max_length} 字）")
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise Unprocessable(f"{field}含有无效的控制字符")
    return value


def _clean_observed_at(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + CLOCK_SKEW:
        raise Unprocessable("发现时间不能晚于当前时间")
    return value


@dataclass(frozen=True)
class FindingData:
    """What a team member files; validated against the inspection by the services below."""

    text: str
    item_id: int | None = None
    severity: str | None = None
    location: str = ""
    observed_at: datetime | None = None


def _build_finding(inspection: Inspection, user, data: FindingData) -> Finding:
    item = None
    if data.item_id is not None:
        item = ChecklistItem.objects.filter(pk=data.item_id, checklist_id=inspection.checklist_id).first()
        if item is None:
            raise Unprocessable("检查项不属于本次检查使用的检查清单")
    severity = data.severity or (item.severity if item else None)
    if severity is None:
        raise Unprocessable(f"清单以外的问题须注明严重程度（{SEVERITY_HELP}）")
    if severity not in Severity.values:
        raise Unprocessable(f"严重程度应为以下之一：{SEVERITY_HELP}")
    return Finding(
        inspection=inspection,
        item=item,
        severity=severity,
        text=_clean_text(data.text, field="问题描述", max_length=TEXT_MAX, required=True),
        location=_clean_text(data.location, field="地点", max_length=LOCATION_MAX, required=False),
        observed_at=_clean_observed_at(data.observed_at),
        recorded_by=user,
    )


def _audit_data(finding: Finding) -> dict:
    # The text stays out of the log: it may describe a child; the log names the record only.
    return {
        "inspection": finding.inspection_id,
        "item": finding.item_id,
        "severity": finding.severity,
        "corrects": finding.corrects_id,
    }


# ---------------------------------------------------------------------------
# Findings


@transaction.atomic
def add_finding(*, inspection: Inspection, user, data: FindingData) -> Finding:
    inspection = _locked(inspection, user)
    _require_team_member(inspection, user)
    _require_open(inspection)
    finding = _build_finding(inspection, user, data)
    finding.save()
    record_event("finding.added", actor=user, obj=finding, county=inspection.county, data=_audit_data(finding))
    return finding


@transaction.atomic
def correct_finding(*, finding: Finding, user, data: FindingData, reason: str) -> Finding:
    """A new finding replacing `finding` in the score; the corrected one stays on record."""
    inspection = _locked(finding.inspection, user)
    _require_team_member(inspection, user)
    _require_open(inspection)
    return append_correction(inspection=inspection, finding=finding, actor=user, data=data, reason=reason)


def append_correction(*, inspection: Inspection, finding: Finding, actor, data: FindingData, reason: str,
                      audit: dict | None = None) -> Finding:
    """The correcting finding beside `finding`, once, with its reason; the caller holds the locks and has
    checked who may correct (the team before submission, the commission after it)."""
    reason = _clean_text(reason, field="更正理由", max_length=REASON_MAX, required=True)
    if Finding.objects.filter(corrects=finding).exists():
        raise Conflict("该问题已被更正过，请对最新的更正记录再作更正")
    correction = _build_finding(inspection, actor, data)
    correction.corrects = finding
    correction.correction_reason = reason
    correction.save()
    record_event("finding.corrected", actor=actor, obj=correction, county=inspection.county,
                 data=_audit_data(correction) | (audit or {}))
    return correction


def file_finding(*, inspection: Inspection, user, data: FindingData, corrects: int | None = None,
                 reason: str = "") -> Finding:
    """The one entry point of the API and the pages: a new finding, or a correction of one of this inspection's."""
    if corrects is None:
        if (reason or "").strip():
            raise Unprocessable("更正理由只用于更正记录（须同时给出 corrects）")
        return add_finding(inspection=inspection, user=user, data=data)
    target = Finding.objects.filter(pk=corrects, inspection=inspection).first()
    if target is None:
        raise Unprocessable("要更正的问题不属于本次检查")
    return correct_finding(finding=target, user=user, data=data, reason=reason)


# ---------------------------------------------------------------------------
# Evidence


def evidence_max_bytes() -> int:
    return settings.EVIDENCE_MAX_BYTES


def add_evidence(*, finding: Finding, user, upload) -> tuple[Evidence, bool]:
    """Check, clean and store one file for `finding`. Returns (evidence, created).

    The same cleaned file sent twice for one finding is stored once (a resend after a lost
    reply). Nothing is left behind on failure: the file is checked in memory first, and the
    stored file is removed again if the database refuses the row.
    """
    data = read_limited(upload, max_bytes=evidence_max_bytes())
    clean = clean_evidence(data)
    digest = hashlib.sha256(clean.data).hexdigest()
    now = timezone.localtime()
    name = default_storage.save(
        f"evidence/{now:%Y/%m}/{uuid.uuid4().hex}{clean.extension}", ContentFile(clean.data)
    )
    try:
        evidence, created = _record_evidence(
            finding=finding, user=user, name=name, clean=clean, digest=digest,
            original_name=str(getattr(upload, "name", "") or "")[:255],
        )
    except BaseException:
        default_storage.delete(name)
        raise
    if not created:
        default_storage.delete(name)
    return evidence, created


@transaction.atomic
def _record_evidence(*, finding, user, name, clean, digest, original_name) -> tuple[Evidence, bool]:
    inspection = _locked(finding.inspection, user)
    _require_team_member(inspection, user)
    _require_open(inspection)
    existing = Evidence.objects.filter(finding=finding, sha256=digest).first()
    if existing is not None:
        return existing, False
    evidence = Evidence.objects.create(
        finding=finding,
        file=name,
        content_type=clean.content_type,
        size=len(clean.data),
        sha256=digest,
        original_name=original_name if original_name.isprintable() else "",
        uploaded_by=user,
    )
    record_event(
        "evidence.added", actor=user, obj=evidence, county=inspection.county,
        data={"finding": finding.pk, "sha256": digest, "content_type": clean.content_type, "size": evidence.size},
    )
    return evidence, True


# ---------------------------------------------------------------------------
# Scoring and submission


def score_inspection(inspection: Inspection) -> ScoreResult:
    """The score the findings that count give under the county's rules (one scorer: escalation's)."""
    return escalation.score_inspection(inspection=inspection)


@transaction.atomic
def submit_inspection(*, inspection: Inspection, user) -> tuple[Inspection, bool]:
    """Freeze the findings, score them, apply the escalation policy. Returns (inspection, newly_submitted).

    Idempotent: submitting a submitted inspection returns it unchanged.
    """
    inspection = _locked(inspection, user)
    _require_team_member(inspection, user)
    if inspection.status == Inspection.Status.SUBMITTED:
        return inspection, False
    _require_open(inspection)
    # The escalation below locks the township; take it now, before the audit head that
    # record_event holds to the end, so every writer takes township and head in one order.
    Township.objects.select_for_update().filter(pk=inspection.township_id).first()
    result = score_inspection(inspection)
    if inspection.status == Inspection.Status.MISSED:
        record_event("inspection.filed_late", actor=user, obj=inspection, county=inspection.county,
                     data={"missed_at": inspection.missed_at.isoformat(), "reason": inspection.missed_reason})
    inspection.status = Inspection.Status.SUBMITTED
    inspection.score = result.score
    inspection.submitted_at = timezone.now()
    inspection.submitted_by = user
    inspection.save(update_fields=["status", "score", "submitted_at", "submitted_by"])
    record_event(
        "inspection.submitted", actor=user, obj=inspection, county=inspection.county,
        data={
            "score": result.score,
            "scoring_version": result.policy_version,
            "findings": [f.id for failure in result.failures for f in failure.findings],
        },
    )
    # The one place a submission reaches the escalation policy (DESIGN.md §5).
    escalation.apply_inspection_submitted(inspection=inspection, actor=user)
    refresh_coverage(township=inspection.township)  # last: see coverage_summary on the order of locks
    return inspection, True

