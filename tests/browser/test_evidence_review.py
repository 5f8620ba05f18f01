"""The commission opens a rectification report's photos (issue 15): on the letter's page the
inspection's photos of the quoted findings stand beside the report's attachments, as thumbnails
that load from the checked file routes and open full size; at 1280 and at 390 px, no sideways
scrolling. Screenshots: test-artifacts/screenshots/evidence-review-*.png."""

import pytest
from playwright.sync_api import expect

from inspection.models import Evidence, ResponseAttachment
from tests.security.world import PASSWORD, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # hashing is not under test
    return build_world()


def loaded(page, selector) -> list[int]:
    """The natural widths of the images `selector` finds (0 for one the browser could not show)."""
    return page.eval_on_selector_all(selector, "images => images.map(i => i.complete ? i.naturalWidth : -1)")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_commission_opens_a_reports_photos_beside_the_inspections(request, size, world):
    session = request.getfixturevalue(size)
    bundle = world.bundles["jinbi"]
    photo = Evidence.objects.get(pk=bundle.evidence_id)
    attachment = ResponseAttachment.objects.get(pk=bundle.attachment_id)
    page = session.page

    session.sign_in("wang", PASSWORD)
    session.go(f"/notices/{bundle.notice_id}/")
    before, after = page.locator(".before-after .before"), page.locator(".before-after .after")
    expect(before.locator("figcaption")).to_have_text("整改前（暗查照片）")
    expect(after.locator("figcaption")).to_have_text("整改后（整改报告附件）")
    expect(before.locator("img")).to_have_count(1)
    expect(after.locator("img")).to_have_count(1)
    assert "问题1：" in before.inner_text()
    page.wait_for_load_state("networkidle")
    assert loaded(page, ".before-after img") == [8, 8], "both thumbnails came through the checked routes"
    box_before, box_after = before.bounding_box(), after.bounding_box()
    assert box_before["x"] + box_before["width"] <= box_after["x"], "side by side, before on the left"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    session.shot(f"evidence-review-{page.viewport_size['width']}")

    with page.expect_popup() as popup_info:
        after.locator("a").first.click()
    full = popup_info.value
    full.wait_for_load_state()
    assert full.url.endswith(f"/attachments/{attachment.pk}/")
    assert full.evaluate("document.contentType") == "image/png"
    full.close()
    with page.expect_popup() as popup_info:
        before.locator("a").first.click()
    full = popup_info.value
    full.wait_for_load_state()
    assert full.url.endswith(f"/evidence/{photo.pk}/")
    full.close()
