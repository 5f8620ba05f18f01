"""Reminders that reach people (issue 15): the outbox written with its cause, carried by a real local
SMTP server and a local SMS gateway, retried with backoff, once per rectification and kind."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from inspection.models import AuditEvent, Delivery, DeliveryAttempt, Notice, Notification, Rectification, Role
from inspection.services.notices import issue_notice
from inspection.services.outbox import notify
from inspection.services.outbox_delivery import BACKOFF, MAX_ATTEMPTS, claim_due, send_due
from inspection.services.responses import acknowledge_notice, file_response, return_response
from tests.inspection.escalation_fixtures import MINOR, at, day, squad, sweep, visit  # noqa: F401
from tests.conftest import _user
from tests.notices.workflow import make_draft, media  # noqa: F401
from tests.outbox_servers import WebhookServer, free_port, smtp_server, use_webhook, webhook_server  # noqa: F401

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
FINDING_TEXT = "清单以外的问题：台账记录不全。"


@pytest.fixture
def reachable(zhang):
    zhang.official.phone, zhang.official.email = "13812345678", "zhangyongshen@jinbi.example.cn"
    zhang.official.save()
    return zhang


def issue_draft(county, jinbi, official_user):
    with time_machine.travel(T0, tick=False):
        return issue_notice(notice=make_draft(county, jinbi, official_user), actor=None)


def test_an_issued_letter_reaches_the_official_by_email_and_by_the_sms_gateway_once(
        county, jinbi, reachable, media, smtp_server, webhook_server):
    notice = issue_draft(county, jinbi, reachable)
    assert Notification.objects.get(recipient=reachable).kind == "notice_issued"
    assert Delivery.objects.filter(state="pending").count() == 2  # written with the issue, sent later

    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        call_command("send_notifications")
    [mail] = smtp_server.messages
    assert mail["to"] == ["zhangyongshen@jinbi.example.cn"] and mail["from"] == "weibaoban@qianxi.example.cn"
    assert "文书签收提醒" in mail["subject"]
    assert notice.number_text in mail["body"]
    assert f"/notices/{notice.pk}/" in mail["body"] and "请及时登录平台签收" in mail["body"]
    for quoted in notice.snapshot["findings"]:  # the letter's content stays in the portal
        assert quoted["text"] not in mail["body"]

    [call] = webhook_server.calls
    assert WebhookServer.signature_ok(call)
    payload = WebhookServer.payload(call)
    assert payload["to"] == "13812345678" and notice.number_text in payload["text"]
    assert {k.lower(): v for k, v in call["headers"].items()}["idempotency-key"] == f"ancha-delivery-{payload['id']}"

    assert set(Delivery.objects.values_list("state", "attempts")) == {("sent", 1)}
    assert DeliveryAttempt.objects.filter(ok=True).count() == 2
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        call_command("send_notifications")  # the next minute's run, and a day later: nothing twice
    assert len(smtp_server.messages) == 1 and len(webhook_server.calls) == 1


def test_the_public_address_is_the_link_in_what_goes_out(county, jinbi, reachable, media, smtp_server, settings):
    settings.PUBLIC_URL = "https://ancha.qianxi.example.cn"
    notice = issue_draft(county, jinbi, reachable)
    send_due(now=T0)
    assert f"https://ancha.qianxi.example.cn/notices/{notice.pk}/" in smtp_server.messages[0]["body"]


def test_no_channel_configured_means_the_portal_alone(county, jinbi, reachable, media, settings):
    settings.EMAIL_HOST = settings.ANCHA_SMS_WEBHOOK_URL = ""
    issue_draft(county, jinbi, reachable)
    assert Notification.objects.filter(recipient=reachable, kind="notice_issued").exists()
    assert not Delivery.objects.exists()
    assert send_due(now=T0 + timedelta(hours=1)).sent == 0


def test_an_official_without_an_email_gets_the_sms_alone(county, jinbi, zhang, media, smtp_server, webhook_server):
    zhang.official.phone = "13812345678"
    zhang.official.save()
    issue_draft(county, jinbi, zhang)
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["webhook"]


def test_a_gateway_answering_500_is_retried_with_backoff_and_finally_marked_failed(
        county, jinbi, reachable, media, settings):
    server = WebhookServer(statuses=(500,)).start()
    try:
        use_webhook(settings, server)
        settings.EMAIL_HOST = ""
        issue_draft(county, jinbi, reachable)
        delivery = Delivery.objects.get()
        when = T0
        for n in range(1, MAX_ATTEMPTS + 1):
            with time_machine.travel(when, tick=False):
                assert send_due().sent == 0
            delivery.refresh_from_db()
            assert delivery.attempts == n and "HTTP 500" in delivery.last_error
            if n < MAX_ATTEMPTS:
                assert delivery.state == "pending" and delivery.next_attempt_at == when + BACKOFF[n - 1]
                with time_machine.travel(delivery.next_attempt_at - timedelta(seconds=1), tick=False):
                    assert claim_due(now=delivery.next_attempt_at - timedelta(seconds=1)) == []  # not yet
                when = delivery.next_attempt_at
        assert delivery.state == "failed" and len(server.calls) == MAX_ATTEMPTS
        assert [a.ok for a in DeliveryAttempt.objects.filter(delivery=delivery)] == [False] * MAX_ATTEMPTS
        with time_machine.travel(when + timedelta(days=2), tick=False):
            assert send_due().failed == 0 and len(server.calls) == MAX_ATTEMPTS  # failed stays failed
    finally:
        server.stop()


def test_an_smtp_server_that_is_down_is_tried_again_and_the_mail_arrives_once_it_is_up(
        county, jinbi, reachable, media, settings):
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.ANCHA_SMS_WEBHOOK_URL = ""
    issue_draft(county, jinbi, reachable)
    assert send_due(now=T0).retried == 1
    delivery = Delivery.objects.get()
    assert delivery.state == "pending" and delivery.last_error.startswith("邮件服务器未能接收")
    from tests.outbox_servers import SMTPServer

    server = SMTPServer()
    server.port = settings.EMAIL_PORT
    server.controller.port = settings.EMAIL_PORT
    server.start()
    try:
        assert send_due(now=T0 + BACKOFF[0]).sent == 1
        assert len(server.messages) == 1
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts) == ("sent", 2)
        assert list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("at").values_list("ok", flat=True)) == [
            False, True]
    finally:
        server.stop()


def test_a_gateway_that_does_not_answer_in_time_is_a_failed_attempt(county, jinbi, reachable, media, settings):
    server = WebhookServer(delay=1.5).start()
    try:
        use_webhook(settings, server, timeout=0.3)
        settings.EMAIL_HOST = ""
        issue_draft(county, jinbi, reachable)
        assert send_due(now=T0).retried == 1
        assert "超时" in Delivery.objects.get().last_error
    finally:
        server.stop()


def test_a_row_claimed_by_one_sender_is_not_taken_by_another(county, jinbi, reachable, media, webhook_server):
    issue_draft(county, jinbi, reachable)
    first = claim_due(now=T0)
    assert len(first) == 1
    assert claim_due(now=T0 + timedelta(seconds=10)) == []  # the second sender finds it taken
    assert send_due(now=T0 + timedelta(seconds=20)).sent == 0 and webhook_server.calls == []


# --------------------------------------------------------------------------- deadlines, via the sweep


@pytest.fixture
def rectification(county, jinbi, checklist, reachable, squad, media):  # noqa: F811
    """A minor finding on day 0 (deadline day 15), its rectification notice issued the same day."""
    visit(jinbi, day(0), MINOR, team=[squad["li"], squad["hu"]], checklist=checklist)
    with at(day(0), 15):
        issue_notice(notice=Notice.objects.get(kind="rectification"), actor=None)
    rect = Rectification.objects.get(township=jinbi)
    assert rect.due_on == day(15)
    return rect


def reminders(user):
    return list(Notification.objects.filter(recipient=user).exclude(kind="notice_issued")
                .order_by("created_at", "id").values_list("kind", flat=True))


def test_the_sweep_reminds_three_days_before_the_deadline_and_once_overdue_however_often_it_runs(
        county, webhook_server, rectification, reachable, settings):
    settings.EMAIL_HOST = ""
    sweep(county, day(11))
    assert reminders(reachable) == []
    sweep(county, day(12))
    sweep(county, day(12))  # a hand run after cron
    assert reminders(reachable) == ["rectification_due_soon"]
    text = Notification.objects.get(kind="rectification_due_soon").text
    assert "还有3日届满" in text and "12月" not in text and f"{day(15).month}月{day(15).day}日" in text
    sweep(county, day(14))
    sweep(county, day(16))
    sweep(county, day(17))
    assert reminders(reachable) == ["rectification_due_soon", "rectification_overdue"]
    # one outbox row per reminder and channel (plus the letter's), each sent once
    assert Delivery.objects.filter(channel="webhook").count() == 3
    with at(day(17), 7):
        send_due()
        send_due()
    assert len(webhook_server.calls) == 3


def test_a_sweep_catching_up_after_days_down_sends_the_one_reminder_still_true(county, rectification, reachable):
    sweep(county, day(1))
    sweep(county, day(20))  # the server was down from day 2 to day 19
    assert reminders(reachable) == ["rectification_overdue"]  # never "three days left" after the deadline
    assert "已过" in Notification.objects.get(kind="rectification_overdue").text


def test_a_rectification_reported_in_time_gets_no_overdue_reminder(county, rectification, reachable):
    notice = rectification.notice
    with at(day(3)):
        acknowledge_notice(notice=notice, user=reachable)
        file_response(notice=notice, user=reachable, text="已完成整改，台账已补齐。")
    sweep(county, day(13))
    sweep(county, day(16))
    assert reminders(reachable) == []


def test_a_returned_report_tells_the_official(county, rectification, reachable, wang):
    notice = rectification.notice
    with at(day(3)):
        acknowledge_notice(notice=notice, user=reachable)
        response = file_response(notice=notice, user=reachable, text="已完成整改。")
    with at(day(4)):
        return_response(response=response, actor=wang, comment="未附整改前后照片，学生张小花的家庭住址不应写入。")
    n = Notification.objects.get(recipient=reachable, kind="response_returned")
    assert notice.number_text in n.text and "张小花" not in n.text and "照片" not in n.text
    assert n.link == f"/notices/{notice.pk}/"


# --------------------------------------------------------------------------- the fast lane and privacy


def test_the_fast_lanes_notification_goes_out_through_the_channels_too(county, wang, media, webhook_server, settings):
    settings.EMAIL_HOST = ""
    wang.email = "wang@qianxi.example.cn"
    wang.save()
    notify(recipient=wang, county=county, kind="report_late", key="report_late:1",
           text="学生张小花家长电话13912345678，请立即督办。", link="/reports/")
    notify(recipient=wang, county=county, kind="report_late", key="report_late:1", text="again")
    assert Notification.objects.count() == 1
    n = Notification.objects.get()
    assert "13912345678" not in n.text and "张小花" not in n.text
    assert not Delivery.objects.exists()  # the head has no phone: email is off, so the portal alone
    settings.EMAIL_HOST = "127.0.0.1"
    notify(recipient=wang, county=county, kind="report_late", key="report_late:2", text="请立即督办。")
    assert list(Delivery.objects.values_list("channel", "address")) == [("email", "wang@qianxi.example.cn")]


def test_editing_an_officials_contact_is_audited_with_the_numbers_masked(county, reachable, wang, client):
    client.force_login(wang)
    official = reachable.official
    url = f"/county/officials/{official.pk}/contact/"
    page = client.post(url, {"phone": "138-1234-567a", "email": "zhang@jinbi.example.cn"}, follow=True)
    assert "电话号码格式不正确" in page.content.decode()
    assert 'value="138-1234-567a"' in page.content.decode()  # what was typed stays in the form
    page = client.post(url, {"phone": "13900001111", "email": "not-an-address"}, follow=True)
    assert "电子邮箱格式不正确" in page.content.decode()
    client.post(url, {"phone": "139 0000 1111", "email": "zhang@jinbi.example.cn"})
    official.refresh_from_db()
    assert (official.phone, official.email) == ("13900001111", "zhang@jinbi.example.cn")
    event = AuditEvent.objects.filter(action="official.contact_changed").get()
    assert "13900001111" not in event.payload and "zhang@jinbi" not in event.payload and "z***@jinbi" in event.payload


def test_only_the_commission_opens_the_outbox_and_edits_contacts(
        county, other_county, reachable, wang, li, qian, zhao, client):
    url = f"/county/officials/{reachable.official.pk}/contact/"
    foreign_office = _user("sun", Role.COMMISSION, other_county, "孙主任")
    for user in (reachable, li, qian, zhao, foreign_office):
        client.force_login(user)
        page = client.get("/county/notifications/")
        if user is foreign_office:  # its own county's page, without our officials
            assert page.status_code == 200 and "张永燊" not in page.content.decode()
        else:
            assert page.status_code == 404
        assert client.post(url, {"phone": "13900001111", "email": ""}).status_code == 404
    reachable.official.refresh_from_db()
    assert reachable.official.phone == "13812345678"


def test_the_settings_page_says_which_channels_are_on_and_the_last_results(
        county, jinbi, reachable, wang, media, client, settings):
    settings.EMAIL_HOST = settings.ANCHA_SMS_WEBHOOK_URL = ""
    client.force_login(wang)
    html = client.get("/county/notifications/").content.decode()
    assert "未配置邮件或短信渠道：通知仅在平台内显示" in html and "13812345678" in html  # the office sees it whole
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    issue_draft(county, jinbi, reachable)
    send_due(now=T0)
    html = client.get("/county/notifications/").content.decode()
    assert "未配置邮件或短信渠道" not in html and "已开启" in html
    assert "已尝试1次" in html and "邮件服务器未能接收" in html and "z***@jinbi.example.cn" in html


@pytest.mark.parametrize("env, says", [
    ({"ANCHA_SMS_WEBHOOK_URL": "https://sms.example.gov.cn/send"}, "ANCHA_SMS_WEBHOOK_SECRET must be set"),
    ({"ANCHA_SMS_WEBHOOK_URL": "ftp://sms.example", "ANCHA_SMS_WEBHOOK_SECRET": "x" * 20}, "must be an http(s) URL"),
    ({"ANCHA_EMAIL_HOST": "smtp.example", "ANCHA_EMAIL_STARTTLS": "1", "ANCHA_EMAIL_SSL": "1"}, "cannot both be on"),
    ({"ANCHA_EMAIL_PORT": "twenty-five"}, "ANCHA_EMAIL_PORT must be a whole number"),
])
def test_a_channel_configured_wrongly_stops_start_up_with_one_line(env, says):
    import os
    import subprocess
    import sys

    from django.conf import settings as live

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ANCHA_EMAIL_", "ANCHA_SMS_"))}
    run = subprocess.run([sys.executable, "-c", "import ancha.settings"], env={**clean, **env, "DJANGO_DEBUG": "1"},
                         cwd=live.BASE_DIR, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and says in run.stderr and len(run.stderr.strip().splitlines()) == 1
