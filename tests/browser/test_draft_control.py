"""Letters under the commission's control, in a real Chromium (issue 15, done-when).

Commission user A (wang) words a summons draft, drops a quoted finding with a reason, sets the
meeting, previews the PDF (its bytes read back: the new wording is in it, the dropped finding is
not, and it is marked 草稿); A cannot sign it off, B (chen) does; A withdraws the other draft
with a reason. Screenshots at 1280 and 390 px.
"""

from datetime import datetime

import pytest

from inspection.models import Finding, Notice, NoticeKind, Profile
from inspection.services.notices import draft_circular
from tests.browser.conftest import SCREENSHOTS, Session
from tests.notices import pdftools
from tests.web.test_draft_control import next_workday

pytestmark = pytest.mark.browser

DEMAND = "十日内报送整改方案并逐项销号"


def sign_out(session):
    session.page.click("header form[action='/logout/'] button")
    session.page.wait_for_url("**/login/**")


def no_sideways_scroll(session):
    width = session.page.evaluate("document.documentElement.scrollWidth")
    assert width <= session.page.viewport_size["width"] + 1, width


def edit_and_preview(session, summons, findings, county):
    page = session.page
    session.go(f"/notices/{summons.id}/")
    form = page.locator("#draft-edit form")
    form.locator("textarea[name=requirements]").fill(DEMAND + "\n举一反三开展自查")
    form.locator(f"input[name=findings][value='{findings[1].pk}']").uncheck()
    # Without a reason the page refuses, and keeps what was typed.
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".msg.error")
    assert "须说明理由" in page.locator(".messages").inner_text()
    assert DEMAND in page.locator("#draft-edit textarea[name=requirements]").input_value()
    form = page.locator("#draft-edit form")
    assert not form.locator(f"input[name=findings][value='{findings[1].pk}']").is_checked()
    form.locator("textarea[name=drop_reason]").fill("与另一问题重复，合并表述")
    day = next_workday(county)
    form.locator("input[name=meeting_start]").fill(f"{day.isoformat()}T15:00")
    form.locator("input[name=meeting_place]").fill("市政务服务中心三楼会议室")
    form.locator("select[name=meeting_host]").select_option(label="市未保办副主任陈明")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".msg.success")
    assert "须由另一位未保办人员审核签发" in page.locator("#own-draft").inner_text()
    history = page.locator(".timeline.edits").inner_text()
    assert "王强" in history and "与另一问题重复" in history and "约谈地点" in history
    # The preview: the very PDF the renderer makes, marked as a draft.
    pdf = page.request.get(session.base_url + f"/api/v1/notices/{summons.id}/pdf").body()
    (SCREENSHOTS.parent / "draft-preview.pdf").write_bytes(pdf)  # kept beside the screenshots to look at
    text = pdftools.flat(pdftools.text(pdf))
    assert pdftools.flat(DEMAND) in text and "市政务服务中心三楼会议室" in text and "陈明" in text
    assert "草稿" in text and pdftools.flat(findings[1].text) not in text
    return day


def test_a_draft_is_worded_previewed_and_signed_off_by_another(browser, live_server, tmp_path, wang, chen, jinbi_visit):
    Profile.objects.filter(user=wang).update(name="王强", title="市未保办主任")
    summons = Notice.objects.get(inspection=jinbi_visit, kind=NoticeKind.SUMMONS)
    year, week, _ = jinbi_visit.date.isocalendar()
    other = draft_circular(county=jinbi_visit.county, week=f"{year}-W{week:02d}", actor=wang)
    findings = list(Finding.objects.filter(inspection=jinbi_visit).order_by("id"))
    for name, size in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
        session = Session(browser, live_server.url, size, tmp_path)
        try:
            if name == "desktop":
                session.sign_in("wang", "pw-wang")
                day = edit_and_preview(session, summons, findings, summons.county)
                session.shot("draft-edited-desktop")
                no_sideways_scroll(session)
                assert session.page.locator("form[action$='/issue/']").count() == 0
                withdraw(session, other)
                sign_out(session)
                session.sign_in("chen", "pw-chen")
                sign_off(session, summons, day)
            else:
                session.sign_in("wang", "pw-wang")
                session.go(f"/notices/{summons.id}/")
                session.shot("draft-issued-phone")
                no_sideways_scroll(session)
                session.go(f"/notices/{other.id}/")
                session.shot("draft-withdrawn-phone")
                no_sideways_scroll(session)
            # The refused edit comes back as 422 (the page with the form as typed): the one console line expected.
            unexpected = [e for e in session.console_errors if "422" not in e]
            assert not session.outside_requests() and not unexpected
        finally:
            session.close()


def withdraw(session, notice):
    page = session.page
    session.go(f"/notices/{notice.id}/")
    page.locator("details.void summary").click()
    page.locator("#void-form textarea[name=reason]").fill("本周通报数据有误，重新起草")
    page.locator("#void-form button").click()
    page.wait_for_selector(".msg.success")
    assert "草稿已撤回" in page.locator(".messages").inner_text()
    notice.refresh_from_db()
    assert notice.state == Notice.State.VOID and notice.void_reason == "本周通报数据有误，重新起草"
    assert "本周通报数据有误，重新起草" in page.locator(".n-content").inner_text()


def sign_off(session, summons, day):
    page = session.page
    session.go(f"/notices/{summons.id}/")
    session.shot("draft-to-sign-desktop")
    page.click("form[action$='/issue/'] button")
    page.wait_for_selector(".msg.success")
    summons.refresh_from_db()
    assert summons.state == Notice.State.ISSUED and summons.issued_by.username == "chen"
    assert summons.snapshot["meeting"]["start"] == datetime.combine(day, datetime.min.time()).replace(hour=15).strftime("%Y-%m-%dT%H:%M")
    session.shot("draft-issued-desktop")
