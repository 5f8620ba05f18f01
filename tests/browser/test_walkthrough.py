"""Each role's main path in a real Chromium, with screenshots of every main page.

The commission issues a summons letter from a submitted inspection; the official signs in,
downloads it, acknowledges it and files a rectification report with a photo; the commission
accepts it. No page may request anything outside the app (checked by the session fixtures).
"""

import io

import pytest
from PIL import Image

from inspection.models import Notice, NoticeKind, NoticeResponse, Rectification
from tests.browser.conftest import DESKTOP, PHONE, Session

pytestmark = pytest.mark.browser


def png_photo(path):
    image = Image.new("RGB", (64, 48), (180, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def sign_out(session):
    session.page.click("header form[action='/logout/'] button")
    session.page.wait_for_url("**/login/**")


def test_summons_from_issue_to_accepted_rectification(desktop, wang, zhang, jinbi_visit, tmp_path):
    summons = Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)
    page = desktop.page

    # The commission opens the submitted inspection and issues its summons letter.
    desktop.sign_in("wang", "pw-wang")
    assert page.locator("h1").inner_text() == "工作台"
    page.click(f"a[href='/townships/520581100/']  >> nth=0")
    page.click(f"a[href='/inspections/{jinbi_visit.id}/'] >> nth=0")
    desktop.shot("commission-inspection-desktop")
    page.click(f"li:has(a[href='/notices/{summons.id}/']) >> text=审核并印发")
    assert "约谈通知书" in page.locator("h1").inner_text()
    page.click("form[action$='/issue/'] button")
    page.wait_for_selector(".msg.success")
    summons.refresh_from_db()
    assert summons.state == Notice.State.ISSUED
    assert summons.number_text in page.locator("h1").inner_text()
    desktop.shot("commission-notice-issued-desktop")
    sign_out(desktop)

    # The official finds it on their portal, downloads it, acknowledges it and reports.
    desktop.sign_in("zhang", "pw-zhang")
    assert "金碧镇" in page.locator("h1").inner_text()
    todo = page.locator("section.todo")
    assert summons.number_text in todo.inner_text() and "待签收" in todo.inner_text()
    desktop.shot("official-portal-desktop")
    todo.locator(f"a[href='/notices/{summons.id}/']").click()
    with page.expect_download() as download_info:
        page.click("section.n-action >> text=下载 PDF")
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    page.click("form[action$='/acknowledge/'] button")
    page.wait_for_selector(".msg.success")
    page.fill("textarea[name=text]", "已召开专题会议，孤儿基本生活费已按标准补发到位。")
    page.set_input_files("input[name=attachments]", str(png_photo(tmp_path / "补发凭证.png")))
    page.click("form[action$='/respond/'] button")
    page.wait_for_selector(".msg.success")
    summons.refresh_from_db()
    assert summons.state == Notice.State.RESPONDED and summons.delivered_at and summons.acknowledged_at
    report = NoticeResponse.objects.get(notice=summons)
    assert report.attachments.count() == 1
    desktop.shot("official-notice-reported-desktop")
    sign_out(desktop)

    # The commission reviews the report and accepts it.
    desktop.sign_in("wang", "pw-wang")
    page.click("a[href='/notices/?state=responded']")
    page.click(f"a[href='/notices/{summons.id}/'] >> nth=0")
    assert "已召开专题会议" in page.locator("article.response").inner_text()
    desktop.shot("commission-review-desktop")
    page.fill("form[action*='/review/'] textarea[name=comment]", "整改到位。")
    page.click("button[name=decision][value=accept]")
    page.wait_for_selector(".msg.success")
    summons.refresh_from_db()
    assert summons.state == Notice.State.ACCEPTED
    assert not Rectification.objects.filter(notice=summons, state=Rectification.State.OPEN).exists()


@pytest.fixture
def showcase(history, jinbi_visit, sealed, wang):
    """A county with a few weeks of work swept for lights, a sealed draw and one issued summons."""
    from inspection.services.escalation import run_sweep
    from inspection.services.notices import issue_notice

    summons = Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)
    issue_notice(notice=summons, actor=wang)
    run_sweep(county=summons.county)
    return summons


PAGES = {
    "commission": [
        ("dashboard", "/"),
        ("townships", "/townships/"),
        ("township", "/townships/520581100/"),
        ("notices", "/notices/"),
        ("draws", "/draws/"),
        ("draw-sealed", "/draws/2026-W49/"),
        ("ledger", "/ledger/"),
    ],
    "official": [("portal", "/"), ("township", "/townships/520581100/")],
    "observer": [("overview", "/"), ("ledger", "/ledger/")],
}
LOGINS = {"commission": ("wang", "pw-wang"), "official": ("zhang", "pw-zhang"), "observer": ("qian", "pw-qian")}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_main_page_fits_the_screen(size, browser, live_server, showcase, zhang, qian, jinbi_visit, tmp_path):
    viewport = DESKTOP if size == "desktop" else PHONE
    sessions = []
    try:
        for role, pages in PAGES.items():
            session = Session(browser, live_server.url, viewport, tmp_path)
            sessions.append(session)
            session.sign_in(*LOGINS[role])
            extra = [("notice", f"/notices/{showcase.id}/"), ("inspection", f"/inspections/{jinbi_visit.id}/")]
            for name, path in pages + (extra if role != "observer" else []):
                response = session.go(path)
                assert response.status == 200, (role, path, response.status)
                # Wide tables scroll inside their own box; the page itself never scrolls sideways.
                # (Against the screen's width: a phone browser widens its layout to fit what overflows.)
                overflow = session.page.evaluate("document.documentElement.scrollWidth") - viewport["width"]
                assert overflow <= 0, (role, path, overflow)
                session.shot(f"{role}-{name}-{size}")
        login = Session(browser, live_server.url, viewport, tmp_path)
        sessions.append(login)
        login.go("/login/")
        login.shot(f"sign-in-{size}")
        for session in sessions:
            assert not session.outside_requests(), session.outside_requests()
            assert not session.console_errors, session.console_errors
    finally:
        for session in sessions:
            session.close()


def test_the_language_switch_turns_english_and_back(desktop, wang):
    desktop.sign_in("wang", "pw-wang")
    page = desktop.page
    page.click("button[name=language][value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Dashboard"
    desktop.shot("commission-dashboard-english-desktop")
    page.click("button[name=language][value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    assert page.locator("h1").inner_text() == "工作台"
