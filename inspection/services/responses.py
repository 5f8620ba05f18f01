"""The addressed official's side of a notice, and the office's review of it.

    acknowledge_notice(notice=, user=)       签收, timestamped
    file_response(notice=, user=, text=, uploads=)   整改报告 with attachments
    accept_response(response=, actor=, comment=)     验收 (closes the rectification)
    return_response(response=, actor=, comment=)     退回 (the official reports again)
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inspection.access import official_of
from inspection.errors import Conflict, Unprocessable
from inspection.models import Notice, NoticeKind, NoticeResponse, Rectification, ResponseAttachment
from inspection.services import outbox
from inspection.services.audit import record_event
from inspection.services.coverage_summary import refresh_coverage
from inspection.services.escalation import accept_rectification
from inspection.services.notices import MAX_REASON, is_system, locked_notice, require_commission, require_recipient
from inspection.uploads import clean_evidence, read_limited

MAX_RESPONSE_FILES = 10
MAX_RESPONSE_TEXT = 5000
RESPONDABLE_KINDS = (NoticeKind.RECTIFICATION, NoticeKind.SUMMONS, NoticeKind.REMINDER)


def is_respondable(notice: Notice) -> bool:
    """A letter the official reports on: by its kind, or because it carries a rectification (a referral
    drafted with one, one letter per township and event: the rectification rows point at it)."""
    return notice.kind in RESPONDABLE_KINDS or Rectification.objects.filter(notice=notice).exists()


@transaction.atomic
def acknowledge_notice(*, notice: Notice, user) -> Notice:
    """签收. Acknowledging again changes nothing."""
    notice = locked_notice(notice)
    require_recipient(notice, user)
    if notice.acknowledged_at is not None:
        return notice
    if notice.state != Notice.State.ISSUED:
        raise Conflict(f"文书{notice.get_state_display()}，不能签收")
    now = timezone.now()
    notice.state = Notice.State.ACKNOWLEDGED
    notice.acknowledged_at = now
    notice.acknowledged_by = user
    # 签收 is recorded as 签收 only: the first download is its own fact (set when the PDF is fetched), so the
    # timeline never claims a download that did not happen.
    notice.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
    record_event("notice.acknowledged", actor=user, obj=notice, county=notice.county,
                 data={"number": notice.number_text})
    return notice


def _scope(notice: Notice) -> Q:
    q = Q(notice=notice)
    if notice.inspection_id:
        q |= Q(inspection_id=notice.inspection_id)
    return q


def _rectifications(notice: Notice):
    return Rectification.objects.select_for_update().filter(_scope(notice)).exclude(state=Rectification.State.ACCEPTED)


def _refresh(notice: Notice) -> None:
    """The reported or reopened rectifications' townships on the dashboard's summary."""
    for township in {r.township for r in Rectification.objects.filter(_scope(notice)).select_related("township")}:
        refresh_coverage(township=township)


def file_response(*, notice: Notice, user, text: str, uploads=()) -> NoticeResponse:
    """整改报告 with attachments (JPEG, PNG, PDF; photos cleaned of their location data).
    Files are checked in memory first and removed again if the report is refused."""
    uploads = list(uploads)
    if len(uploads) > MAX_RESPONSE_FILES:
        raise Unprocessable(f"附件最多{MAX_RESPONSE_FILES}个")
    max_bytes = settings.EVIDENCE_MAX_BYTES
    cleaned = []
    for upload in uploads:
        clean = clean_evidence(read_limited(upload, max_bytes=max_bytes))
        name = str(getattr(upload, "name", "") or "")[:255]
        cleaned.append((clean, name if name.isprintable() else ""))
    stored = []
    try:
        for clean, _ in cleaned:
            stored.append(default_storage.save(
                f"responses/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{clean.extension}",
                ContentFile(clean.data)))
        return _record_response(notice=notice, user=user, text=text, files=list(zip(cleaned, stored)))
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


@transaction.atomic
def _record_response(*, notice, user, text, files) -> NoticeResponse:
    notice = locked_notice(notice)
    require_recipient(notice, user)
    if not is_respondable(notice):
        raise Conflict("该文书无需报送整改报告")
    if notice.state == Notice.State.ISSUED:
        raise Conflict("请先签收文书，再报送整改报告")
    if notice.state == Notice.State.RESPONDED:
        raise Conflict("已有整改报告待审核，请等待审核结果")
    if notice.state != Notice.State.ACKNOWLEDGED:
        raise Conflict(f"文书{notice.get_state_display()}，不能报送整改报告")
    text = (text or "").strip()
    if not text:
        raise Unprocessable("请填写整改情况")
    if len(text) > MAX_RESPONSE_TEXT:
        raise Unprocessable(f"整改情况不超过{MAX_RESPONSE_TEXT}字")
    response = NoticeResponse.objects.create(
        notice=notice, official=official_of(user), text=text, submitted_by=user)
    digests = []
    for (clean, original_name), name in files:
        digest = hashlib.sha256(clean.data).hexdigest()
        ResponseAttachment.objects.create(
            response=response, file=name, content_type=clean.content_type, size=len(clean.data),
            sha256=digest, original_name=original_name)
        digests.append(digest)
    notice.state = Notice.State.RESPONDED
    notice.save(update_fields=["state"])
    _rectifications(notice).filter(state=Rectification.State.OPEN).update(state=Rectification.State.REPORTED)
    record_event("notice.response_filed", actor=user, obj=response, county=notice.county,
                 data={"notice": notice.pk, "number": notice.number_text, "attachments": digests})
    _refresh(notice)
    return response


def _pending(response: NoticeResponse, actor) -> tuple[NoticeResponse, Notice]:
    notice = locked_notice(response.notice)
    require_commission(actor, notice.county)
    response = NoticeResponse.objects.select_for_update().get(pk=response.pk)
    if response.state != NoticeResponse.State.PENDING:
        raise Conflict(f"该整改报告{response.get_state_display()}")
    return response, notice


def _review_comment(comment: str) -> str:
    """The form, the API schema and this check share one limit; nothing is cut short silently."""
    comment = (comment or "").strip()
    if len(comment) > MAX_REASON:
        raise Unprocessable(f"审核意见不超过{MAX_REASON}字")
    return comment


@transaction.atomic
def accept_response(*, response: NoticeResponse, actor, comment: str = "") -> NoticeResponse:
    """验收: the report is accepted, and with it the rectification it reports on."""
    comment = _review_comment(comment)
    response, notice = _pending(response, actor)
    response.state = NoticeResponse.State.ACCEPTED
    response.reviewed_at = timezone.now()
    response.reviewed_by = None if is_system(actor) else actor
    response.review_comment = comment
    response.save(update_fields=["state", "reviewed_at", "reviewed_by", "review_comment"])
    notice.state = Notice.State.ACCEPTED
    notice.save(update_fields=["state"])
    record_event("notice.response_accepted", actor=actor, obj=response, county=notice.county,
                 data={"notice": notice.pk, "number": notice.number_text})
    for rectification in _rectifications(notice):
        accept_rectification(rectification=rectification, actor=actor)
    return response


@transaction.atomic
def return_response(*, response: NoticeResponse, actor, comment: str) -> NoticeResponse:
    """退回: the official reports again; the rectification is open again."""
    comment = _review_comment(comment)
    if not comment:
        raise Unprocessable("请写明退回原因")
    response, notice = _pending(response, actor)
    response.state = NoticeResponse.State.RETURNED
    response.reviewed_at = timezone.now()
    response.reviewed_by = None if is_system(actor) else actor
    response.review_comment = comment
    response.save(update_fields=["state", "reviewed_at", "reviewed_by", "review_comment"])
    notice.state = Notice.State.ACKNOWLEDGED
    notice.save(update_fields=["state"])
    _rectifications(notice).filter(state=Rectification.State.REPORTED).update(state=Rectification.State.OPEN)
    record_event("notice.response_returned", actor=actor, obj=response, county=notice.county,
                 data={"notice": notice.pk, "number": notice.number_text, "comment": response.review_comment})
    outbox.notify_response_returned(response=response)
    _refresh(notice)
    return response
