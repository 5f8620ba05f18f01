"""The commission, in Chromium, orders an ad-hoc inspection on a complaint and replaces an inspector
who fell ill in a sealed week (issue 15); both pages read on a desk (1280 px) and a phone (390 px)
without sideways scrolling. Screenshots: test-artifacts/screenshots/operations-*.png."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect  # noqa: E402  (dev extra)

from inspection.models import Inspection, Replacement
from inspection.services.availability import eligible_inspectors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(session):
    width = session.page.evaluate("document.documentElement.scrollWidth")
    assert width <= session.page.viewport_size["width"], width


def test_the_commission_orders_an_ad_hoc_inspection(desktop, phone, roster, wang):
    township = roster.townships.get(code="520581100")
    day = timezone.localdate() + timedelta(days=1)
    team = eligible_inspectors(county=roster, township=township, on=day)[:2]
    desktop.sign_in("wang", "pw-wang")
    desktop.go("/ad-hoc/")
    page = desktop.page
    page.select_option("select[name=township]", str(township.pk))
    page.fill("input[name=date]", day.isoformat())
    page.select_option("select[name=source]", "complaint")
    page.fill("textarea[name=reason]", "群众来电反映该镇儿童之家长期不开放")
    for inspector in team:
        page.check(f"input[name=team][value='{inspector.pk}']")
    page.click("#adhoc-form button[type=submit]")
    expect(page.locator(".msg.success, [role=status], .messages").first).to_contain_text("专项暗访（投诉举报）")
    expect(page.locator("table.list")).to_contain_text("群众来电反映该镇儿童之家长期不开放")
    visit = Inspection.objects.get(kind="ad_hoc")
    assert (visit.township, visit.date, visit.source) == (township, day, "complaint")
    assert set(visit.members.values_list("inspector_id", flat=True)) == {i.pk for i in team}
    fits(desktop)
    desktop.shot("operations-adhoc-1280")

    phone.sign_in("wang", "pw-wang")
    phone.go("/ad-hoc/")
    expect(phone.page.locator("table.list")).to_contain_text("投诉举报")
    fits(phone)
    phone.shot("operations-adhoc-390")


def test_the_commission_replaces_an_inspector_in_a_sealed_week(desktop, phone, sealed, wang):
    visit = Inspection.objects.filter(draw=sealed, status="planned").order_by("date", "id").first()
    ill = visit.members.select_related("inspector").first().inspector
    desktop.sign_in("wang", "pw-wang")
    desktop.go(f"/draws/{sealed.week}/")
    page = desktop.page
    page.click(f"a[href='/inspections/{visit.pk}/replace/']")
    expect(page.locator("h1")).to_have_text("更换督查员")
    page.select_option("#replace-form select[name=inspector]", str(ill.pk))
    page.fill("#replace-form input[name=reason]", "突发疾病住院")
    page.click("#replace-form button[type=submit]")
    record = Replacement.objects.get()
    expect(page.locator(".msg.success, [role=status], .messages").first).to_contain_text(f"接替{ill.name}")
    expect(page.locator("#team")).to_contain_text(record.replacement.name)
    # Names, not text: "督查员1" is inside "督查员12", which may well be on the team.
    team = page.locator("#team").inner_text().strip().split("、")
    assert record.replacement.name in team and ill.name not in team, team
    expect(page.locator("main")).to_contain_text("本周第1次更换")
    fits(desktop)
    desktop.shot("operations-replace-1280")

    phone.sign_in("wang", "pw-wang")
    phone.go(f"/inspections/{visit.pk}/replace/")
    expect(phone.page.locator("main")).to_contain_text("本周第1次更换")
    fits(phone)
    phone.shot("operations-replace-390")
