"""The commission opens an account in a real browser, hands over the temporary password, and the newcomer
is led to choose their own; the checklist editor and the transfer page read at desk and phone widths
without sideways scrolling. Screenshots: test-artifacts/screenshots/admin-*.png."""

import pytest
from playwright.sync_api import expect  # noqa: E402  (dev extra)

from inspection.models import Profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(session):
    width = session.page.evaluate("document.documentElement.scrollWidth")
    assert width <= session.page.viewport_size["width"], width


def test_an_account_is_opened_and_its_holder_chooses_a_password(desktop, browser, live_server, wang, checklist, tmp_path):
    from tests.browser.conftest import PHONE, Session

    desktop.sign_in("wang", "pw-wang")
    desktop.go("/accounts/")
    desktop.page.fill("input[name=full_name]", "吴新人")
    desktop.page.fill("input[name=username]", "inspector13")
    desktop.page.select_option("select[name=role]", "inspector")
    desktop.page.select_option("select[name=home_township]", "520581001")
    desktop.page.click("form[action='/accounts/new/'] button[type=submit]")
    password = desktop.page.locator("#temporary-password").inner_text().strip()
    assert len(password) == 12
    desktop.shot("admin-account-password-1280")
    desktop.go("/accounts/")
    expect(desktop.page.locator("table.list")).to_contain_text("待修改临时密码")
    no_sideways_scroll(desktop)
    desktop.shot("admin-accounts-1280")
    desktop.go("/checklists/")
    desktop.page.click("form[action='/checklists/new/'] button")
    desktop.page.wait_for_url("**/checklists/*/")
    expect(desktop.page.locator(".sub")).to_contain_text("第2版（草稿）")
    no_sideways_scroll(desktop)
    desktop.shot("admin-checklist-draft-1280")

    newcomer = Session(browser, live_server.url, PHONE, tmp_path)
    try:
        newcomer.sign_in("inspector13", password)
        assert newcomer.page.url.endswith("/password/")
        newcomer.page.fill("input[name=old_password]", password)
        newcomer.page.fill("input[name=new_password1]", "Qianxi-river-2026")
        newcomer.page.fill("input[name=new_password2]", "Qianxi-river-2026")
        newcomer.page.click("main form button[type=submit]")
        newcomer.page.wait_for_load_state()
        assert not newcomer.page.url.endswith("/password/")
        assert not Profile.objects.get(user__username="inspector13").must_change_password
    finally:
        newcomer.close()


def test_the_admin_pages_fit_a_phone(phone, wang, zhang, checklist):
    phone.sign_in("wang", "pw-wang")
    for path, name in (("/accounts/", "accounts"), (f"/accounts/{zhang.pk}/", "account"),
                       ("/officials/", "officials"), (f"/officials/{zhang.official.pk}/", "official"),
                       ("/checklists/", "checklists"), (f"/checklists/{checklist.pk}/", "checklist")):
        response = phone.go(path)
        assert response.status == 200, path
        no_sideways_scroll(phone)
        phone.shot(f"admin-{name}-390")
