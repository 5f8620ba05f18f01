"""The commission issues a letter in the web; the official's email arrives at a real local SMTP
server and the SMS gateway's webhook is called, signed; the 通知设置 page shows both delivered."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from inspection.models import Delivery, Notice
from tests.notices.workflow import make_draft
from tests.outbox_servers import WebhookServer, smtp_server, webhook_server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def draft(county, jinbi, zhang, wang):
    official = zhang.official
    official.phone, official.email = "13812345678", "zhangyongshen@jinbi.example.cn"
    official.save()
    return make_draft(county, jinbi, zhang)


def test_a_letter_issued_in_the_web_reaches_the_official_by_email_and_sms(desktop, phone, draft, smtp_server,
                                                                          webhook_server):
    page = desktop.page
    desktop.sign_in("wang", "pw-wang")
    desktop.go(f"/notices/{draft.pk}/")
    page.get_by_role("button", name="审核签发").click()
    page.wait_for_load_state()
    notice = Notice.objects.get(pk=draft.pk)
    assert notice.state == "issued"
    expect(page.locator("main")).to_contain_text(notice.number_text)

    call_command("send_notifications")  # cron's next minute
    [mail] = smtp_server.messages
    assert mail["to"] == ["zhangyongshen@jinbi.example.cn"] and notice.number_text in mail["body"]
    [call] = webhook_server.calls
    assert WebhookServer.signature_ok(call) and WebhookServer.payload(call)["to"] == "13812345678"
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}

    desktop.go("/county/notifications/")
    table = page.locator("#deliveries")
    expect(table).to_contain_text("已送达")
    expect(table).to_contain_text("z***@jinbi.example.cn")
    expect(table).to_contain_text("138****5678")
    expect(page.locator("main")).not_to_contain_text("未配置邮件或短信渠道")
    desktop.shot("outbox-settings-desktop")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    phone.sign_in("wang", "pw-wang")
    phone.go("/county/notifications/")
    expect(phone.page.locator("#deliveries")).to_contain_text("已送达")
    phone.shot("outbox-settings-phone")
    assert phone.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_without_channels_the_page_says_the_portal_alone_and_the_official_reads_it_there(
        desktop, phone, draft, settings):
    settings.EMAIL_HOST = settings.ANCHA_SMS_WEBHOOK_URL = ""
    desktop.sign_in("wang", "pw-wang")
    desktop.go("/county/notifications/")
    expect(desktop.page.locator("#portal-only")).to_contain_text("通知仅在平台内显示")
    desktop.shot("outbox-settings-portal-only")
    desktop.go(f"/notices/{draft.pk}/")
    desktop.page.get_by_role("button", name="审核签发").click()
    desktop.page.wait_for_load_state()
    assert not Delivery.objects.exists()

    phone.sign_in("zhang", "pw-zhang")
    phone.page.locator("a.notify").click()  # 提醒 1 in the header
    phone.page.wait_for_load_state()
    number = Notice.objects.get(pk=draft.pk).number_text
    expect(phone.page.locator("main")).to_contain_text(f"（{number}），请及时登录平台签收")
    phone.shot("outbox-official-reminder-phone")
