"""A real phone-sized Chromium files two findings with the network off, comes back online, and they arrive once.

Debian's chromium (/usr/bin/chromium) driven by Playwright for Python against the live server.
One reply is lost on the way back (the server filed the finding, the phone never heard): the
phone sends it again under the same Idempotency-Key and the server answers with the stored reply.
"""

import io

import pytest
from PIL import ExifTags, Image

from inspection.models import Evidence, Finding, IdempotencyRecord
from tests.inspection.field_fixtures import dispatched, item, sun  # noqa: F401

# Locators, not wait_for_function: the page's CSP forbids the eval that a JS-string predicate needs.
from playwright.sync_api import expect  # noqa: E402  (tests/browser/conftest.py skips without Playwright)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MS = 20_000
# What Chromium logs for the requests this test cuts off on purpose.
EXPECTED_NETWORK_ERRORS = ("net::ERR_INTERNET_DISCONNECTED", "net::ERR_CONNECTION_RESET", "net::ERR_FAILED")


def gps_photo() -> bytes:
    image = Image.new("RGB", (120, 90), (180, 40, 40))
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (27.0, 1.0, 48.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def until(condition, page, timeout_ms=WAIT_MS):
    """Let the page run until `condition()` holds on this side (the test's own view of things)."""
    for _ in range(timeout_ms // 100):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("timed out waiting")


def test_two_findings_filed_offline_arrive_once_when_the_network_returns(phone, dispatched, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    context, page = phone.context, phone.page
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    phone.sign_in("li", "pw-li")
    phone.go(f"/inspector/inspections/{dispatched.pk}/")
    page.wait_for_selector("#outbox:not([hidden])", timeout=WAIT_MS)  # the outbox script is running

    # Signal lost.
    context.set_offline(True)
    page.click(f"[data-report='{item(dispatched, 9).pk}']")  # "有问题" on 控辍保学 fills the form's item
    assert page.input_value("#f-item") == str(item(dispatched, 9).pk)
    page.fill("#f-text", "甲：两名留守儿童辍学，台账未更新")
    page.click("#finding-form button[type=submit]")
    page.wait_for_selector("#outbox-list li[data-state=waiting]", timeout=WAIT_MS)

    page.select_option("#f-item", "")
    page.select_option("#f-severity", "major")
    page.fill("#f-text", "乙：食堂无人监管")
    page.fill("#f-location", "中心小学")
    page.set_input_files("#f-files", files=[{"name": "食堂.jpg", "mimeType": "image/jpeg", "buffer": gps_photo()}])
    page.click("#finding-form button[type=submit]")
    expect(page.locator("#outbox-list li[data-state=waiting]")).to_have_count(2, timeout=WAIT_MS)
    assert "等待发送 2 条" in page.inner_text("#outbox-summary")
    assert page.inner_text("#net") == "离线"
    assert Finding.objects.count() == 0
    phone.shot("inspector-offline-waiting")

    # The first reply is lost on its way back: the server files the finding, the phone hears nothing.
    lost = []

    def lose_first_reply(route):
        if not lost:
            lost.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/inspections/*/findings", lose_first_reply)
    context.set_offline(False)
    expect(page.locator("#net")).to_have_text("在线", timeout=WAIT_MS)
    until(lambda: lost, page)
    assert lost == [201]
    assert Finding.objects.count() == 1

    # Signal flickers; the phone sends what is still waiting, under the same keys.
    context.set_offline(True)
    context.set_offline(False)
    page.wait_for_selector("#outbox-summary[data-waiting='0']", timeout=WAIT_MS)
    expect(page.locator("#server-count")).to_have_text("2", timeout=WAIT_MS)
    assert "已送达 2 条" in page.inner_text("#outbox-summary")
    assert page.locator("#server-findings li[data-finding]").count() == 2
    expect(page.locator("#preview-score")).to_have_text("77")  # 100 − 15 (critical item) − 8 (major)
    phone.shot("inspector-online-sent")

    texts = sorted(Finding.objects.values_list("text", flat=True))
    assert texts == ["乙：食堂无人监管", "甲：两名留守儿童辍学，台账未更新"]
    assert IdempotencyRecord.objects.count() == 2
    second = Finding.objects.get(text="乙：食堂无人监管")
    assert (second.severity, second.location, second.item_id) == ("major", "中心小学", None)
    assert Finding.objects.get(text__startswith="甲").severity == "critical"
    evidence = Evidence.objects.get()
    assert evidence.finding == second and evidence.content_type == "image/jpeg"
    stored = Image.open(settings.MEDIA_ROOT / evidence.file.name)
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    # Opening the page again sends nothing twice.
    page.reload()
    page.wait_for_selector("#outbox-summary[data-waiting='0']", timeout=WAIT_MS)
    page.wait_for_timeout(500)
    assert Finding.objects.count() == 2
    assert page.locator("#server-findings li[data-finding]").count() == 2
    assert page_errors == []
    # The phone fixture fails the test on any other console error (a CSP refusal among them).
    phone.console_errors[:] = [m for m in phone.console_errors if not any(e in m for e in EXPECTED_NETWORK_ERRORS)]
