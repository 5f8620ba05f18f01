"""Notifications and their outbox: what reaches people, written in the transaction of its cause.

    notify(recipient=, county=, kind=, key=, text=, link=)   one in-portal notification per recipient
                                         and cause (`key`), and one outbox row (`Delivery`) per outside
                                         channel that is on and has the person's address
    notify_letters_issued(notices=)      from `notices._issue_locked`: the addressed official is told
    notify_response_returned(response=)  from `responses.return_response`: the official reports again
    remind_deadlines(county=, today=)    from `escalation.run_sweep`: a deadline within three days, and
                                         overdue; one of each per rectification, however often the
                                         sweep runs or however many days it catches up
    channels_on()                        which outside channels are configured (the settings page)

The rows are sent by `send_notifications` (services/outbox_delivery.py). What goes out is the
notification's own sentence and a link into the portal: a letter's title and number, never its
content, and never a child's identity (every text goes through `privacy.mask` before it leaves).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

import privacy
from inspection.models import Delivery, Notice, NoticeKind, Notification, Official, Rectification

# A rectification's official is told this many days before its deadline (the ladder's yellow light).
DUE_SOON_DAYS = 3

KIND_NOTICE_ISSUED = "notice_issued"
KIND_DUE_SOON = "rectification_due_soon"
KIND_OVERDUE = "rectification_overdue"
KIND_RETURNED = "response_returned"

# The letters an official must act on; the circular and the reminder letter are addressed elsewhere.
_ADDRESSED = {NoticeKind.RECTIFICATION, NoticeKind.SUMMONS, NoticeKind.REFERRAL, NoticeKind.REMINDER}
_LIVE_NOTICE = (Notice.State.ISSUED, Notice.State.ACKNOWLEDGED, Notice.State.RESPONDED)


def channels_on() -> list[str]:
    """The outside channels configured in the environment, in the order they are tried."""
    on = []
    if settings.EMAIL_HOST:
        on.append(Delivery.Channel.EMAIL)
    if settings.ANCHA_SMS_WEBHOOK_URL:
        on.append(Delivery.Channel.WEBHOOK)
    return on


def portal_url(path: str) -> str:
    return f"{settings.PUBLIC_URL}{path}"


def contact_of(user) -> dict[str, str]:
    """Where a person is reached outside the portal: an official's profile, else the account's email."""
    official = Official.objects.filter(user=user).only("email", "phone").first()
    email = (official.email if official is not None and official.email else user.email) or ""
    phone = official.phone if official is not None else ""
    return {Delivery.Channel.EMAIL: email.strip(), Delivery.Channel.WEBHOOK: (phone or "").strip()}


@transaction.atomic
def notify(*, recipient, county, kind: str, key: str, text: str, link: str = "", now=None) -> Notification | None:
    """One notification per recipient and cause (`key`), with its outbox rows; None if it was
    already written (a second sweep, a repeated job)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, county=county, kind=kind, key=key[:120], text=privacy.mask(text)[:300],
                link=link[:200], created_at=now,
            )
    except IntegrityError:
        return None
    contact = contact_of(recipient) if recipient.is_active else {}
    Delivery.objects.bulk_create([
        Delivery(notification=notification, county=county, channel=channel, address=contact[channel],
                 next_attempt_at=now, created_at=now)
        for channel in channels_on() if contact.get(channel)
    ])
    return notification


def _user_of(official: Official | None):
    return official.user if official is not None and official.user_id and official.user.is_active else None


def _cn_date(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _title(notice: Notice) -> str:
    return f"《{notice.get_kind_display()}》（{notice.number_text}）" if notice.number_text else f"《{notice.get_kind_display()}》"


def notify_letters_issued(*, notices) -> int:
    """The addressed official of each issued letter is told it waits for 签收."""
    told = 0
    for notice in notices:
        user = _user_of(notice.official) if notice.kind in _ADDRESSED else None
        if user is None:
            continue
        text = (f"{notice.county.name}未成年人保护工作委员会办公室已向你单位印发{_title(notice)}，"
                f"请及时登录平台签收，并按文书要求办理。")
        told += notify(recipient=user, county=notice.county, kind=KIND_NOTICE_ISSUED, key=f"notice_issued:{notice.pk}",
                       text=text, link=reverse("web:notice", args=[notice.pk])) is not None
    return told


def notify_response_returned(*, response) -> Notification | None:
    """The official who reports for the letter is told the report came back (not why: that is on the page)."""
    notice = response.notice
    user = _user_of(notice.official) or _user_of(response.official)
    if user is None:
        return None
    text = (f"你单位针对{_title(notice)}报送的整改报告已被退回，"
            f"请登录平台查看退回意见，补充完善后重新报送。")
    return notify(recipient=user, county=notice.county, kind=KIND_RETURNED, key=f"response_returned:{response.pk}",
                  text=text, link=reverse("web:notice", args=[notice.pk]))


def _deadline_text(kind: str, rect: Rectification, today: date) -> str:
    title = _title(rect.notice)
    if kind == KIND_DUE_SOON:
        left = (rect.due_on - today).days
        when = "今日届满" if left == 0 else f"还有{left}日届满"
        return (f"你单位按{title}进行的整改，期限为{_cn_date(rect.due_on)}，{when}。"
                f"请抓紧完成整改，按时报送整改报告。")
    return (f"你单位按{title}进行的整改，期限{_cn_date(rect.due_on)}已过，尚未报送整改报告或未通过验收。"
            f"请立即整改并报送整改报告，逾期不改的将依规升级处理。")


@transaction.atomic
def remind_deadlines(*, county, today: date) -> int:
    """Reminders for the open rectifications of issued letters as of `today`: one 'due soon' in the
    last three days (however late the sweep caught up, but never once the deadline has passed) and
    one 'overdue' after it. Idempotent through the notification's key."""
    rects = (
        Rectification.objects.filter(township__county=county, state=Rectification.State.OPEN,
                                     notice__state__in=_LIVE_NOTICE, due_on__lte=today + timedelta(days=DUE_SOON_DAYS))
        .select_related("notice", "notice__official__user", "official__user").order_by("due_on", "pk")
    )
    due = [(rect, KIND_DUE_SOON if rect.due_on >= today else KIND_OVERDUE) for rect in rects]
    # A long-overdue rectification is seen every morning: skip those already told without a failed insert each.
    told = set(Notification.objects.filter(county=county, key__in=[f"{kind}:{rect.pk}" for rect, kind in due])
               .values_list("recipient_id", "key"))
    sent = 0
    for rect, kind in due:
        user = _user_of(rect.official) or _user_of(rect.notice.official)
        if user is None or (user.pk, f"{kind}:{rect.pk}") in told:
            continue
        sent += notify(recipient=user, county=county, kind=kind, key=f"{kind}:{rect.pk}",
                       text=_deadline_text(kind, rect, today),
                       link=reverse("web:notice", args=[rect.notice_id])) is not None
    return sent
