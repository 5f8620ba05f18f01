"""The contract suite: DESIGN.md §4 as an outside client sees it.

The API is spoken to over a real socket (the live server) with `requests`, signed in with a bearer
token from `POST /api/v1/auth/token`; commands are run through `manage.py`'s own entry point, so
their exit codes are the ones a shell sees. Fields named in §4 must be there; more are allowed.
"""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock

import pytest
import requests
from django.core.cache import cache
from django.core.management import ManagementUtility
from django.db import connections

from tests.liveserver import _media_url_for_the_live_server  # noqa: F401 (autouse fixture)

LEVELS = {"normal", "rectification", "summons", "accountability"}
INSPECTION_STATUSES = {"planned", "dispatched", "submitted", "missed", "cancelled"}
SEVERITIES = {"minor", "major", "critical"}
NOTICE_KINDS = {"rectification", "summons", "referral", "circular"}
NOTICE_STATES = {"draft", "issued", "acknowledged", "responded", "accepted", "void"}


class Outside:
    """One caller of the API over HTTP, optionally with a bearer token."""

    def __init__(self, base: str, token: str | None = None):
        self.base = base
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base + path, allow_redirects=False, timeout=30, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.session.post(self.base + path, allow_redirects=False, timeout=30, **kwargs)


@pytest.fixture
def outside(live_server):
    """outside() → an anonymous caller; outside(user) → one signed in as the fixtures' user
    (password `pw-<username>`) with a token from the token endpoint."""
    cache.clear()  # /verify's counts per address (the live server is one address for every test)

    def make(user=None) -> Outside:
        if user is None:
            return Outside(live_server.url)
        reply = Outside(live_server.url).post(
            "/api/v1/auth/token", json={"username": user.username, "password": "pw-" + user.username}
        )
        assert reply.status_code == 200, reply.text
        return Outside(live_server.url, reply.json()["token"])

    return make


def has(payload: dict, *fields: str) -> dict:
    missing = [f for f in fields if f not in payload]
    assert not missing, f"missing {missing} in {payload}"
    return payload


def items(payload) -> list:
    """A list reply, bare or paginated as {"items": [...], "count": n}."""
    if isinstance(payload, list):
        return payload
    has(payload, "items", "count")
    assert payload["count"] >= len(payload["items"])
    return payload["items"]


def is_error(reply: requests.Response, *statuses: int) -> str:
    """The reply has one of `statuses` and a JSON body `{"detail": ...}`; returns the detail."""
    assert reply.status_code in statuses, (reply.status_code, reply.text[:300])
    assert reply.headers["Content-Type"].startswith("application/json"), reply.headers["Content-Type"]
    detail = has(reply.json(), "detail")["detail"]
    assert detail
    return detail


def manage(*argv: str) -> tuple[int, str, str]:
    """`python manage.py <argv>` in this process (on the test database): exit code, stdout, stderr.

    The command's own closing of the database connections is held back: the test's transaction
    lives on that connection."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    saved = sys.argv
    try:
        with redirect_stdout(out), redirect_stderr(err), mock.patch.object(connections, "close_all"):
            ManagementUtility(["manage.py", *argv]).execute()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = saved
    return code, out.getvalue(), err.getvalue()
