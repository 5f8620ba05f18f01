"""Shared by the suites that speak to Django's live server (browser, contracts)."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def _media_url_for_the_live_server():
    """The project has MEDIA_URL = None (media is served only through views that check roles);
    Django's live server wraps the app in a media handler that needs a string. A prefix no page
    links to keeps that handler out of the way. Import it into a conftest to apply it there."""
    from django.test import override_settings

    override = override_settings(MEDIA_URL="/__live_server_media__/")
    override.enable()
    yield
    override.disable()
