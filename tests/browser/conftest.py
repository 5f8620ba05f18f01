"""Real-browser fixtures: Debian's Chromium driven by Playwright against the live server.

Nothing downloads a browser: Playwright is told where /usr/bin/chromium is. Every request a
page makes is recorded, and a test fails if one leaves the app. Screenshots go to
test-artifacts/screenshots/ (the README names it), at a desktop and a phone width.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ANCHA_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

from playwright import sync_api as playwright_api  # noqa: E402  (dev extra; make install brings it)

from tests.liveserver import _media_url_for_the_live_server  # noqa: E402,F401 (autouse fixture)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: make install brings the Debian package chromium")
    # Playwright's sync API keeps an event loop on this thread; the test's own database calls
    # between browser steps are ordinary synchronous ones, so Django's guard is lifted here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Session:
    """One browser context at one screen size; records every request its pages make."""

    def __init__(self, browser, base_url, viewport, tmp_path):
        self.base_url = base_url
        self.context = browser.new_context(
            viewport=viewport, accept_downloads=True, locale="zh-CN", timezone_id="Asia/Shanghai",
            is_mobile=viewport["width"] < 600, has_touch=viewport["width"] < 600,
            device_scale_factor=2 if viewport["width"] < 600 else 1,
        )
        self.context.set_default_timeout(15_000)
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.tmp_path = tmp_path

    def go(self, path):
        response = self.page.goto(self.base_url + path)
        return response

    def sign_in(self, username, password):
        self.go("/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_load_state()

    def shot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def outside_requests(self):
        return [url for url in self.requests if not url.startswith(self.base_url + "/")]

    def close(self):
        self.context.close()


def _checked_session(browser, live_server, viewport, tmp_path):
    """A session that fails its test afterwards if the page reached outside the app or logged errors."""
    session = Session(browser, live_server.url, viewport, tmp_path)
    yield session
    outside = session.outside_requests()
    session.close()
    assert not outside, f"requests outside the app: {outside}"
    assert not session.console_errors, f"console errors (CSP?): {session.console_errors}"


@pytest.fixture
def desktop(browser, live_server, tmp_path):
    yield from _checked_session(browser, live_server, DESKTOP, tmp_path)


@pytest.fixture
def phone(browser, live_server, tmp_path):
    yield from _checked_session(browser, live_server, PHONE, tmp_path)


from tests.inspection.draw_fixtures import roster, sealed  # noqa: E402,F401
from tests.web.builders import history, jinbi_visit, media_in_a_temporary_folder, planned_visit, team  # noqa: E402,F401
