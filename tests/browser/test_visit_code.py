"""A real phone shows the team's visit code at the door, and a stranger's phone checks it on the
public page (issue 16, 无扰督查): genuine by the QR's link, not genuine when mistyped.

Debian's chromium driven by Playwright against the live server, at a phone's width; the
screenshots (test-artifacts/screenshots/visit-code-*.png) are what a clinic worker sees.
"""

import pytest
from playwright.sync_api import expect  # noqa: E402  (dev extra)

from inspection.models import SignInAttempt
from tests.inspection.field_fixtures import dispatched, sun  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_inspector_shows_the_code_and_a_stranger_checks_it_on_a_phone(phone, browser, live_server, dispatched, tmp_path):
    from tests.browser.conftest import PHONE, Session

    phone.sign_in("li", "pw-li")
    phone.go(f"/inspector/inspections/{dispatched.pk}/")
    card = phone.page.locator("section.visit-code")
    expect(card).to_be_visible()
    code = card.locator(".code-text").inner_text().strip()
    assert code.startswith(f"{dispatched.pk}-") and len(code.replace("-", "")) == len(str(dispatched.pk)) + 10
    qr = card.locator("svg.visit-qr")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # scannable, on screen
    phone.shot("visit-code-inspector-390")

    # Someone at the door, not signed in, on their own phone: the QR's link, then a typo.
    stranger = Session(browser, live_server.url, PHONE, tmp_path)
    try:
        stranger.go(f"/visit/check/?code={code}")
        result = stranger.page.locator("section.visit-result")
        expect(result.locator(".verdict")).to_have_text("真实有效")
        expect(result).to_contain_text(dispatched.county.authority_name)
        expect(result).not_to_contain_text(dispatched.township.name)
        for part in ("section.visit-result", "#visit-code", "form.visit-check button"):
            box = stranger.page.locator(part).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], part
        stranger.shot("visit-code-check-valid-390")

        wrong = code[:-1] + ("X" if code[-1] != "X" else "Y")
        stranger.page.fill("#visit-code", wrong.lower())
        stranger.page.click("form.visit-check button[type=submit]")
        expect(stranger.page.locator("section.visit-result .verdict")).to_have_text("无效")
        stranger.shot("visit-code-check-invalid-390")
        assert SignInAttempt.objects.count() == 1  # the typo counted against the address, nothing else
        assert not stranger.outside_requests() and not stranger.console_errors
    finally:
        stranger.close()
