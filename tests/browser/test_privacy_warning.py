"""The inspector's phone warns before a finding that names a child is filed, and still files it.

The first press of 保存问题 asks the server's check (POST /api/v1/privacy/check) and shows in
Chinese what letters will show instead; nothing is filed yet. Pressing again files the text as
written: the finding keeps it for those allowed to see it.
"""

import pytest
from playwright.sync_api import expect  # noqa: E402  (tests/browser/conftest.py skips without Playwright)

from inspection.models import Finding
from tests.inspection.field_fixtures import dispatched, item, sun  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "留守儿童张小花（女，9岁）家住新华村3组12号，其父电话13885176543，长期无人照看"


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_page_warns_of_a_childs_name_and_phone_and_files_on_the_second_press(screen, request, dispatched):
    session = request.getfixturevalue(screen)
    page = session.page
    session.sign_in("li", "pw-li")
    session.go(f"/inspector/inspections/{dispatched.pk}/")
    page.wait_for_selector("#outbox:not([hidden])", timeout=20_000)  # the page's script has taken the form over

    page.select_option("#f-item", str(item(dispatched, 9).pk))
    page.fill("#f-text", TEXT)
    page.click("#finding-form button[type=submit]")
    warning = page.locator("#finding-form .privacy")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("疑似含有儿童或其家人的姓名")
    expect(warning).to_contain_text("张某某")
    expect(warning).to_contain_text("138****6543")
    expect(warning).not_to_contain_text("13885176543")
    assert not Finding.objects.exists()  # the warning came before anything was filed
    session.shot(f"privacy-warning-{screen}")

    page.click("#finding-form button[type=submit]")  # the inspector files it as written
    expect(page.locator("#server-findings")).to_contain_text("张小花", timeout=20_000)
    assert list(Finding.objects.values_list("text", flat=True)) == [TEXT]
    expect(warning).to_be_hidden()
