"""Sending the outbox (`send_notifications`, every minute): email through SMTP, SMS through the gateway.

A sender claims due rows (on PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`, everywhere a
conditional update of `claimed_until`), sends outside any transaction, and records the attempt.
A sent row is never claimed again, so a message reaches a channel once on success; a sender that
dies between sending and recording leaves its claim to expire and the row is tried again (the
gateway receives the delivery's id as `Idempotency-Key` to drop such a repeat). Failures wait
1, 5, 30 minutes, 2 and 12 hours; the sixth failure marks the row failed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

import privacy
from inspection.models import Delivery, DeliveryAttempt
from inspection.services.outbox import portal_url

logger = logging.getLogger("ancha.outbox")

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
# Longer than any channel may take, so a live sender's row is never taken by another.
CLAIM = timedelta(minutes=5)
MAX_ERROR = 500

SUBJECTS = {
    "notice_issued": "文书签收提醒",
    "rectification_due_soon": "整改期限临近提醒",
    "rectification_overdue": "整改逾期提醒",
    "response_returned": "整改报告退回提醒",
    "report_late": "强制报告线索督办提醒",
}


class DeliveryFailed(Exception):
    """A channel refused or could not be reached; the text (Chinese, for the settings page) says why."""


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _message(delivery: Delivery) -> tuple[str, str]:
    n = delivery.notification
    body = privacy.mask(n.text)
    if n.link:
        body += f"\n请登录平台查看：{portal_url(n.link)}"
    return f"【{n.county.name}未保办】{SUBJECTS.get(n.kind, '工作提醒')}", body


def send_email(delivery: Delivery) -> None:
    subject, body = _message(delivery)
    body += "\n\n（本邮件由系统自动发送，请勿直接回复。）"
    try:
        conn = get_connection("django.core.mail.backends.smtp.EmailBackend", fail_silently=False,
                              timeout=settings.EMAIL_TIMEOUT)
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [delivery.address], connection=conn).send()
    except Exception as exc:  # noqa: BLE001 - smtplib and socket errors alike are a failed attempt
        raise DeliveryFailed(f"邮件服务器未能接收（{type(exc).__name__}: {exc}）") from None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The gateway checks `X-Ancha-Signature` = HMAC-SHA256 over "<timestamp>." + body."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def send_webhook(delivery: Delivery) -> None:
    subject, text = _message(delivery)
    body = json.dumps({
        "id": delivery.pk, "to": delivery.address, "kind": delivery.notification.kind,
        "county": delivery.county.code, "subject": subject, "text": text,
    }, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(settings.ANCHA_SMS_WEBHOOK_URL, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "X-Ancha-Timestamp": timestamp,
        "X-Ancha-Signature": sign(settings.ANCHA_SMS_WEBHOOK_SECRET, timestamp, body),
        "Idempotency-Key": f"ancha-delivery-{delivery.pk}",
    })
    try:
        with urllib.request.urlopen(request, timeout=settings.ANCHA_SMS_WEBHOOK_TIMEOUT) as reply:
            reply.read(1024)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"短信网关拒绝（HTTP {exc.code}）") from None
    except TimeoutError:
        raise DeliveryFailed(f"短信网关超时（{settings.ANCHA_SMS_WEBHOOK_TIMEOUT:g}秒未应答）") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(f"无法连接短信网关（{getattr(exc, 'reason', exc)}）") from None


CHANNELS = {Delivery.Channel.EMAIL: send_email, Delivery.Channel.WEBHOOK: send_webhook}


def _configured(channel: str) -> bool:
    return bool(settings.EMAIL_HOST if channel == Delivery.Channel.EMAIL else settings.ANCHA_SMS_WEBHOOK_URL)


def _unclaimed(now) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


@transaction.atomic
def claim_due(*, now, limit: int = 100) -> list[int]:
    """The due rows this sender takes; another sender at the same time takes others."""
    due = (Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now).filter(_unclaimed(now))
           .order_by("next_attempt_at", "pk"))
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True)
    mine = []
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        # Conditional, so that on SQLite (no row locks) two senders cannot both take a row.
        if Delivery.objects.filter(pk=pk, state=Delivery.State.PENDING).filter(_unclaimed(now)).update(
                claimed_until=now + CLAIM):
            mine.append(pk)
    return mine


@transaction.atomic
def record_attempt(*, pk: int, now, error: str | None) -> Delivery:
    delivery = Delivery.objects.select_for_update().get(pk=pk)
    delivery.attempts += 1
    error = (error or "")[:MAX_ERROR]
    DeliveryAttempt.objects.create(delivery=delivery, channel=delivery.channel, at=now, ok=not error, error=error)
    delivery.claimed_until = None
    delivery.last_error = error
    if not error:
        delivery.state, delivery.sent_at = Delivery.State.SENT, now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = Delivery.State.FAILED
        logger.warning("delivery %s failed for good after %s attempts: %s", pk, delivery.attempts, error)
    else:
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    delivery.save(update_fields=["attempts", "claimed_until", "last_error", "state", "sent_at", "next_attempt_at"])
    return delivery


def attempt(pk: int, *, now) -> Delivery:
    delivery = Delivery.objects.select_related("notification", "notification__county", "county").get(pk=pk)
    error = None
    if not _configured(delivery.channel):
        error = "该渠道已停用（未配置），未发送"
    else:
        try:
            CHANNELS[delivery.channel](delivery)
        except DeliveryFailed as exc:
            error = str(exc)
    return record_attempt(pk=pk, now=timezone.now() if now is None else now, error=error)


def send_due(*, now=None, limit: int = 100) -> SendReport:
    """One pass over the due rows: each sent, rescheduled or, after its last try, failed."""
    now = now or timezone.now()
    report = SendReport()
    for pk in claim_due(now=now, limit=limit):
        delivery = attempt(pk, now=now)
        if delivery.state == Delivery.State.SENT:
            report.sent += 1
        elif delivery.state == Delivery.State.FAILED:
            report.failed += 1
        else:
            report.retried += 1
    return report
