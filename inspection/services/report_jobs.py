"""The mandatory-report clock and retention, run by `check_reports` every few minutes and on read.

    escalate_late_reports(now=, county=)   a case whose receipt is not recorded by its due time:
                                           the commission's head is told (once), the board is red
    issue_missing_letters(now=)            a letter whose first render failed is issued again
    purge_expired_reports(now=)            closed cases past the county's retention lose their text
    check_reports(now=)                    all three; idempotent (state on the rows: escalated_at,
                                           letter_number, purged_at; notifications unique per cause)

Red on the board does not wait for this job: it is read from the clock (`access.report_is_late`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from inspection.errors import InspectionError
from inspection.models import MandatoryReport, MandatoryReportEvent, Notification, Profile, Role
from inspection.services.audit import record_event
from inspection.services.outbox import notify
from inspection.services.reports import add_event, content_digest, issue_transfer_letter

logger = logging.getLogger("ancha.reports")

PURGED = "（已按保留期限清除）"


# --------------------------------------------------------------------------- notifications


def mark_notifications_read(*, user, now=None) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now or timezone.now())


def _heads(county) -> list:
    """Who is told a case is late: the office's head(s); with none named, the designated
    officers, so that a late case never goes unannounced."""
    office = Profile.objects.filter(county=county, role=Role.COMMISSION, user__is_active=True)
    heads = list(office.filter(commission_head=True).select_related("user"))
    return [p.user for p in (heads or office.filter(report_officer=True).select_related("user"))]


# --------------------------------------------------------------------------- late cases


def _late(now):
    return MandatoryReport.objects.filter(state=MandatoryReport.State.OPEN, escalated_at__isnull=True, due_at__lte=now)


@transaction.atomic
def _escalate(report_id: int, now) -> bool:
    report = (MandatoryReport.objects.select_for_update(of=("self",)).select_related("county")
              .filter(pk=report_id, state=MandatoryReport.State.OPEN, escalated_at__isnull=True).first())
    if report is None:  # received meanwhile, or another run got there first
        return False
    report.escalated_at = now
    report.save(update_fields=["escalated_at"])
    hours = report.county.report_receipt_hours
    # Nothing of the case in the text: the head opens it on the page, if allowed to.
    found = timezone.localtime(report.discovered_at)
    text = (f"{found.month}月{found.day}日{found.hour}时{found.minute:02d}分发现的一条强制报告线索，"
            f"超过{hours}小时接收单位仍未确认接收，请立即督办。")
    recipients = _heads(report.county)
    for user in recipients:
        notify(recipient=user, county=report.county, kind="report_late", key=f"report_late:{report.pk}",
               text=text, link=reverse("web:reports"), now=now)
    add_event(report, kind="late", actor=None, digest=report.content_sha256, at=now)
    record_event("report.late", obj=report, county=report.county,
                 data={"due_at": report.due_at.isoformat(), "notified": [u.get_username() for u in recipients]})
    return True


def escalate_late_reports(*, now=None, county=None) -> int:
    now = now or timezone.now()
    late = _late(now)
    if county is not None:
        late = late.filter(county=county)
    return sum(_escalate(pk, now) for pk in late.values_list("pk", flat=True))


# --------------------------------------------------------------------------- letters, retention


def issue_missing_letters(*, now=None) -> int:
    issued = 0
    for report in MandatoryReport.objects.filter(letter_number="", purged_at__isnull=True).select_related("county"):
        try:
            issue_transfer_letter(report=report, actor=None)
            issued += 1
        except InspectionError as exc:
            logger.warning("transfer letter for report %s still not issued: %s", report.pk, exc.detail)
    return issued


def _expired(now):
    return [
        r for r in MandatoryReport.objects.filter(state=MandatoryReport.State.CLOSED, purged_at__isnull=True)
        .select_related("county")
        if r.closed_at + timedelta(days=r.county.report_retention_days) <= now
    ]


@transaction.atomic
def _purge(report_id: int, now) -> bool:
    report = (MandatoryReport.objects.select_for_update(of=("self",)).select_related("county")
              .filter(pk=report_id, purged_at__isnull=True).first())
    if report is None:
        return False
    before = content_digest(report)
    report.what = report.child_description = PURGED
    report.location, report.child_identity, report.received_by = PURGED, "", PURGED
    report.purged_at = now
    report.save(update_fields=["what", "child_description", "location", "child_identity", "received_by",
                               "purged_at"])
    MandatoryReportEvent.objects.filter(report=report).exclude(kind="letter").update(note="")
    add_event(report, kind="purged", actor=None, digest=before, at=now)
    # The digest of what was removed stays in the chain; the letter and its PDF are untouched.
    record_event("report.purged", obj=report, county=report.county,
                 data={"sha256": before, "filed_sha256": report.content_sha256,
                       "retention_days": report.county.report_retention_days})
    return True


def purge_expired_reports(*, now=None) -> int:
    now = now or timezone.now()
    return sum(_purge(r.pk, now) for r in _expired(now))


@dataclass(frozen=True)
class ReportCheck:
    escalated: int
    letters: int
    purged: int


def check_reports(*, now=None) -> ReportCheck:
    now = now or timezone.now()
    return ReportCheck(
        escalated=escalate_late_reports(now=now),
        letters=issue_missing_letters(now=now),
        purged=purge_expired_reports(now=now),
    )

