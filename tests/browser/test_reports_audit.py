"""In Chromium, as the commission and the 纪委 would: choose a period on the summary, export the
findings and open the downloaded file; read the audit log at a desk (1366 px) and on a phone
(390 px) without the page scrolling sideways, the hash opened in full."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inspection.models import Finding
from tests.browser.conftest import _checked_session
from tests.web.builders import fill_county, submit_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()


@pytest.fixture
def worked(county, checklist, team, jinbi, wang, qian):
    made = fill_county(county, checklist, team=team, townships=3, weeks=2)
    made.append(submit_visit(township=jinbi, checklist=checklist, team=team, day=TODAY - timedelta(days=2),
                             findings=[(2, None, "学生张小花反映宿舍无人值守"), (3, "major", "=1+2")]))
    return made


@pytest.fixture
def wide(browser, live_server, tmp_path):
    yield from _checked_session(browser, live_server, {"width": 1366, "height": 900}, tmp_path)


def no_sideways_scroll(page) -> None:
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the page scrolls sideways: {width} > {inner}"


def test_the_commission_exports_findings_and_opens_the_file(desktop, worked):
    from openpyxl import load_workbook

    page = desktop.page
    desktop.sign_in("wang", "pw-wang")
    first = (TODAY - timedelta(days=40)).isoformat()
    desktop.go("/summary/")
    page.fill("input[name=from]", first)
    page.fill("input[name=to]", TODAY.isoformat())
    page.click("text=按期间统计")
    expect(page.locator("h1")).to_contain_text("至")
    expect(page.locator("#month-h")).to_have_text("按月趋势")
    desktop.shot("summary-period-desktop")

    page.click("text=导出暗查和问题清单")
    expect(page.locator("input[name=from]")).to_have_value(first)
    page.check("input[name=what][value=findings]")
    page.check("input[name=format][value=xlsx]")
    desktop.shot("export-form-desktop")
    with page.expect_download() as info:
        page.click("main form button[type=submit]")
    download = info.value
    name = download.suggested_filename
    assert name.startswith("黔西市问题清单（") and name.endswith(".xlsx"), name
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == Finding.objects.filter(corrections__isnull=True).count() > 0
    texts = {r[7] for r in rows}
    assert "学生张某某反映宿舍无人值守" in texts and "'=1+2" in texts

    desktop.go(f"/exports/?from={first}&to={TODAY.isoformat()}")
    page.check("input[name=format][value=csv]")
    with page.expect_download() as info:
        page.click("main form button[type=submit]")
    body = Path(info.value.path()).read_bytes()
    assert body.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0][0] == "问题编号" and len(lines) - 1 == len(rows)


@pytest.mark.parametrize("screen", ["wide", "phone"])
def test_the_observer_reads_the_audit_page_without_scrolling_sideways(screen, request, worked):
    session = request.getfixturevalue(screen)
    page = session.page
    session.sign_in("qian", "pw-qian")
    session.go("/audit/")
    expect(page.locator("h1")).to_have_text("审计记录")
    events = page.locator(".audit-event")
    assert events.count() >= 10
    body = page.locator("main").inner_text()
    assert "提交暗查结果" in body and "记录问题" in body and "作出处置决定" in body
    assert "escalation.decision" not in body and "finding.added" not in body
    assert "乡镇（街道）" in body and "严重程度" in body
    no_sideways_scroll(page)
    width = screen
    session.shot(f"audit-{width}")

    # The hash opens in full and still fits.
    first = events.first
    first.locator("details.digest summary").last.click()
    expect(first.locator("code.full").last).to_be_visible()
    assert len(first.locator("code.full").last.inner_text()) == 64
    no_sideways_scroll(page)

    # A filter, in Chinese, narrows to the letters; an object's name links to it.
    page.select_option("select[name=action]", label="处置决定与回头看")
    page.click("form.filters button[type=submit]")
    expect(page.locator(".audit-event", has_text="作出处置决定").first).to_be_visible()
    assert all(t.startswith(("依暗查结果研判处置", "作出处置决定", "处置案件", "安排", "“回头看”", "每日整改期限核查"))
               for t in page.locator(".audit-event .act").all_inner_texts())
    link = page.locator(".audit-event dd a").first
    expect(link).to_be_visible()
    no_sideways_scroll(page)
    session.shot(f"audit-filtered-{width}")
    link.click()
    page.wait_for_load_state()
    assert page.url.startswith(session.base_url + "/townships/") or "/inspections/" in page.url \
        or "/notices/" in page.url
