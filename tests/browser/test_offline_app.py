"""The inspector's page opens without signal (issue 15): a real phone-sized Chromium opens its
assignment once with signal, loses it, reloads the page and still sees the assignment and the
checklist (the service worker's copy, not the server: the server's page has changed meanwhile),
files a finding, and when signal returns the finding arrives exactly once. Signing out removes the
copies; a page outside /inspector/ is never kept."""

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from inspection.models import Finding, IdempotencyRecord, Township
from tests.browser.test_offline_queue import EXPECTED_NETWORK_ERRORS, WAIT_MS, until
from tests.inspection.field_fixtures import dispatched, item, sun  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def kept_pages(page) -> list[str]:
    """The paths of every copy the phone keeps, whatever cache holds it."""
    return page.evaluate(
        """async () => {
            const out = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) out.push(name + ' ' + new URL(request.url).pathname);
            }
            return out;
        }"""
    )


def test_the_assignment_reloads_offline_and_a_finding_filed_there_arrives_once(phone, dispatched, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    context, page = phone.context, phone.page
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    assignment = f"/inspector/inspections/{dispatched.pk}/"

    phone.sign_in("li", "pw-li")
    phone.go("/inspector/")
    expect(page.locator("html[data-offline=ready]")).to_have_count(1, timeout=WAIT_MS)
    phone.go("/")  # a page of the commission's side of the site is not the inspector's: never kept
    # "/" leads an inspector home again, whose page keeps its assignments once more: let it finish,
    # or its copy could be taken after the rename below.
    expect(page.locator("html[data-offline=ready]")).to_have_count(1, timeout=WAIT_MS)
    kept = kept_pages(page)
    assert any(line.endswith(" /inspector/") for line in kept), kept
    assert any(line.endswith(" " + assignment) for line in kept), "the home page keeps the assignments it links to"
    assert not [line for line in kept if line.split(" ")[1] in ("/", "/login/") or "/api/" in line], kept
    assert len({line.split(" ")[0] for line in kept}) == 1, "one cache, keyed by the user"

    # Meanwhile the server's page changes: what the phone shows offline is its own copy.
    Township.objects.filter(pk=dispatched.township_id).update(name="金碧镇（已改名）")

    context.set_offline(True)
    phone.go(assignment)
    page.reload()
    expect(page.locator("h1")).to_have_text("金碧镇")
    expect(page.locator(f"[data-report='{item(dispatched, 9).pk}']")).to_have_count(1)
    assert dispatched.checklist.items.get(position=9).text in page.inner_text("main")
    page.wait_for_selector("#outbox:not([hidden])", timeout=WAIT_MS)
    expect(page.locator("#net")).to_have_text("离线")

    page.click(f"[data-report='{item(dispatched, 9).pk}']")
    page.fill("#f-text", "离线重开页面后登记：两名留守儿童辍学")
    page.click("#finding-form button[type=submit]")
    page.wait_for_selector("#outbox-list li[data-state=waiting]", timeout=WAIT_MS)
    assert Finding.objects.count() == 0
    phone.shot("inspector-offline-reloaded")

    context.set_offline(False)
    expect(page.locator("#net")).to_have_text("在线", timeout=WAIT_MS)
    page.wait_for_selector("#outbox-summary[data-waiting='0']", timeout=WAIT_MS)
    until(lambda: Finding.objects.count() == 1, page)
    page.reload()  # with signal the page is the server's again, and sends nothing twice
    expect(page.locator("h1")).to_have_text("金碧镇（已改名）")
    page.wait_for_selector("#outbox-summary[data-waiting='0']", timeout=WAIT_MS)
    page.wait_for_timeout(500)
    assert list(Finding.objects.values_list("text", flat=True)) == ["离线重开页面后登记：两名留守儿童辍学"]
    assert Finding.objects.get().item_id == item(dispatched, 9).pk
    assert IdempotencyRecord.objects.count() == 1

    # 退出: the copies go with the session.
    page.click("form[action='/logout/'] button")
    page.wait_for_url("**/login/**")
    until(lambda: kept_pages(page) == [], page)
    until(lambda: page.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).length") == 0, page)
    context.set_offline(True)
    with pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED"):
        page.goto(phone.base_url + assignment)  # the browser's own offline page: nothing of li's is left
    assert page_errors == []
    phone.console_errors[:] = [m for m in phone.console_errors if not any(e in m for e in EXPECTED_NETWORK_ERRORS)]
