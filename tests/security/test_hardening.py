"""Response hardening: headers on every page, error pages that tell nothing, CSRF on every session write."""

import json
import re
from pathlib import Path

import pytest
from django.test import Client

from inspection.api import api

ROOT = Path(__file__).resolve().parents[2]


def csp_directives(response):
    return {
        part.split()[0]: part.split()[1:]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }


class TestHeaders:
    def test_pages_carry_a_content_security_policy_without_inline_script(self, client, wang):
        client.force_login(wang)
        policy = csp_directives(client.get("/"))
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["connect-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "data:" in policy["img-src"]

    def test_signed_in_pages_and_api_replies_are_not_stored(self, client, wang, api):
        client.force_login(wang)
        assert client.get("/")["Cache-Control"] == "no-store"
        assert api(wang).get("/api/v1/me")["Cache-Control"] == "no-store"
        assert Client().get("/api/v1/me")["Cache-Control"] == "no-store"

    def test_the_sign_in_page_cannot_be_framed(self, client, db):
        response = client.get("/login/")
        assert response["X-Frame-Options"] == "DENY"
        assert csp_directives(response)["frame-ancestors"] == ["'none'"]

    def test_api_docs_are_for_signed_in_users_and_load_nothing_from_elsewhere(self, client, wang):
        assert Client().get("/api/v1/docs").status_code == 302
        assert Client().get("/api/v1/openapi.json").status_code == 302
        client.force_login(wang)
        page = client.get("/api/v1/docs").content.decode()
        sources = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert sources and all(s.startswith("/") for s in sources), sources


class TestTemplatesObeyThePolicy:
    """A browser enforcing the policy would block inline script: none may be written."""

    TEMPLATES = sorted(p for p in (ROOT / "templates").rglob("*.html") if "notices" not in p.parts)

    @pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
    def test_no_inline_script_or_event_handler(self, template):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.I):
            assert "src=" in tag or 'type="application/json"' in tag, f"inline script in {template.name}: {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text, flags=re.I), f"event handler attribute in {template.name}"
        assert "javascript:" not in text.lower()


@pytest.mark.urls("tests.security.urls_faults")
class TestErrorPages:
    def test_an_unknown_page_is_a_plain_chinese_404(self, client, db):
        response = client.get("/no/such/page/")
        assert response.status_code == 404
        body = response.content.decode()
        assert "未找到" in body and "/no/such/page/" not in body

    def test_an_unknown_api_path_is_json(self, client, db):
        response = client.get("/api/v1/no/such/thing")
        assert response.status_code == 404
        assert response.json() == {"detail": "未找到"}

    def test_a_server_error_tells_nothing(self, db):
        client = Client(raise_request_exception=False)
        page = client.get("/boom/")
        assert page.status_code == 500
        assert "服务器内部错误" in page.content.decode()
        assert "hunter2" not in page.content.decode() and "Traceback" not in page.content.decode()
        reply = client.get("/api/v1/boom/")
        assert reply.status_code == 500 and reply.json() == {"detail": "服务器内部错误，请稍后再试"}

    def test_a_database_that_is_busy_or_down_is_a_503_to_retry_not_a_500(self, db):
        client = Client(raise_request_exception=False)
        reply = client.get("/api/v1/busy/")
        assert reply.status_code == 503 and reply["Retry-After"] == "5"
        assert reply.json() == {"detail": "服务暂时繁忙或不可用，请稍后重试"}
        page = client.get("/busy/")
        assert page.status_code == 503 and "服务暂时不可用" in page.content.decode()
        assert "database is locked" not in page.content.decode()

    def test_a_bad_host_gets_a_plain_400(self, client, db):
        response = client.get("/", HTTP_HOST="evil.example")
        assert response.status_code == 400
        assert "请求无效" in response.content.decode() and "evil.example" not in response.content.decode()

    def test_a_form_posted_without_its_csrf_token_gets_a_plain_403(self, db):
        response = Client(enforce_csrf_checks=True).post("/login/", {"username": "a", "password": "b"})
        assert response.status_code == 403
        assert "页面已过期" in response.content.decode() and "CSRF" not in response.content.decode()


def unsafe_operations():
    """Every (method, path) of the API that changes something and needs a signed-in caller."""
    schema = api.get_openapi_schema()
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in {"post", "put", "patch", "delete"} and operation.get("security"):
                operations.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return operations


class TestCsrf:
    @pytest.fixture
    def operations(self):
        operations = unsafe_operations()
        if not operations:
            pytest.skip("no session-authenticated write operations registered yet")
        return operations

    @pytest.fixture
    def session_client(self, wang):
        client = Client(enforce_csrf_checks=True)
        client.force_login(wang)
        return client

    def test_every_session_write_without_the_csrf_token_is_refused_as_json(self, operations, session_client):
        client = session_client
        for method, path in operations:
            response = getattr(client, method)(path, "{}", content_type="application/json")
            assert response.status_code == 403, (method, path, response.status_code)
            assert response.json() == {"detail": "CSRF check Failed"}, (method, path)

    def test_with_the_token_the_same_writes_get_past_the_csrf_check(self, operations, session_client):
        client = session_client
        client.get("/")  # the sign-out form carries the token
        token = client.cookies["csrftoken"].value
        for method, path in operations:
            response = getattr(client, method)(path, "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token)
            assert not (response.status_code == 403 and "CSRF" in response.content.decode()), (method, path)

    def test_bearer_token_writes_need_no_csrf_token(self, operations, wang, api):
        client = api(wang)
        for method, path in operations:
            response = getattr(client, method)(path, "{}", content_type="application/json")
            assert "CSRF" not in response.content.decode(), (method, path)
