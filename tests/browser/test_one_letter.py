"""The official opens the one letter a bad inspection made (a summons carrying the rectification
demands), signs once, reports once, and objects to a finding within the period (issue 15)."""

import pytest
from playwright.sync_api import expect

from inspection.models import AuditEvent, Notice, NoticeResponse, Objection
from inspection.services.notices import issue_notice
from tests.inspection.escalation_fixtures import CRITICAL, MINOR, squad, visit  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_official_signs_the_merged_letter_once_reports_once_and_objects(
        screen, request, county, jinbi, checklist, zhang, wang, squad):
    session = request.getfixturevalue(screen)
    page = session.page
    inspection = visit(jinbi, jinbi_day(), CRITICAL, MINOR, team=[squad["li"], squad["hu"]], checklist=checklist)
    [letter] = Notice.objects.filter(township=jinbi)
    letter = issue_notice(notice=letter, actor=wang)

    session.sign_in("zhang", "pw-zhang")
    session.go(f"/notices/{letter.pk}/")
    expect(page.locator("main")).to_contain_text("约谈安排")
    expect(page.locator("main")).to_contain_text("本文书同时作为整改通知")
    session.shot(f"one-letter-{screen}-issued")

    page.click("form[action$='/acknowledge/'] button[type=submit]")
    expect(page.locator("form[action$='/acknowledge/']")).to_have_count(0)
    page.fill("form[action$='/respond/'] textarea[name=text]", "已逐项整改：孤儿基本生活费已补发到位。")
    page.click("form[action$='/respond/'] button[type=submit]")
    expect(page.locator("main")).to_contain_text("已逐项整改")
    expect(page.locator("form[action$='/respond/']")).to_have_count(0)

    finding = inspection.findings.order_by("id").first()
    page.select_option("select[name=finding]", str(finding.pk))
    page.fill("textarea[name=reason]", "该项生活费已于检查前一日发放，附银行流水。")
    page.click("form[action$='/objections/'] button[type=submit]")
    expect(page.locator(".n-objections")).to_contain_text("待决定")
    session.shot(f"one-letter-{screen}-reported")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    assert AuditEvent.objects.filter(action="notice.acknowledged").count() == 1
    assert NoticeResponse.objects.filter(notice=letter).count() == 1
    assert Objection.objects.get().finding == finding


def jinbi_day():
    from django.utils import timezone

    return timezone.localdate()
