"""Signing in and out: a new session, a server-side sign-out, inactive users shut out, guessing throttled,
sign-ins and sign-outs in the audit log, failures and refusals only in the security log, one line each."""

import json
import logging
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from inspection.models import AuditEvent, SignInAttempt
from inspection.security.log import keyed_hash
from inspection.security.signin import throttle_key
from inspection.services.audit import verify_chain


@pytest.fixture(autouse=True)
def quick_password_hashes(settings):
    # Hashing strength is not under test here; a slow hash per try would only slow the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client, username, password, ip="10.0.0.7"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def security_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "ancha.security"]


class TestSessions:
    def test_signing_in_starts_a_new_session(self, client, wang):
        client.get("/login/")
        session = client.session
        session["before"] = "sign-in"
        session.save()
        before = session.session_key
        response = sign_in(client, "wang", "pw-wang")
        assert response.status_code == 302
        after = client.cookies["sessionid"].value
        assert after != before
        assert not Session.objects.filter(session_key=before).exists()

    def test_the_session_cookie_is_httponly_and_samesite(self, client, wang):
        sign_in(client, "wang", "pw-wang")
        cookie = client.cookies["sessionid"]
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"

    def test_signing_out_ends_the_session_on_the_server(self, client, wang):
        sign_in(client, "wang", "pw-wang")
        key = client.cookies["sessionid"].value
        assert Session.objects.filter(session_key=key).exists()
        client.post("/logout/")
        assert not Session.objects.filter(session_key=key).exists()
        replay = Client()
        replay.cookies["sessionid"] = key
        response = replay.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert AuditEvent.objects.filter(action="auth.logout", actor="wang").count() == 1

    def test_an_inactive_user_is_shut_out_of_the_web_and_the_api(self, client, zhang, api):
        token_client = api(zhang)
        sign_in(client, "zhang", "pw-zhang")
        assert client.get("/").status_code == 200
        assert token_client.get("/api/v1/me").status_code == 200

        zhang.is_active = False
        zhang.save()

        assert client.get("/").status_code == 302
        assert client.get("/api/v1/me").status_code == 401
        assert token_client.get("/api/v1/me").status_code == 401
        again = Client()
        page = sign_in(again, "zhang", "pw-zhang")
        assert page.status_code == 200 and "用户名或密码错误" in page.content.decode()
        fresh = Client().post("/api/v1/auth/token", {"username": "zhang", "password": "pw-zhang"},
                              content_type="application/json")
        assert fresh.status_code == 401


class TestSignInRecords:
    def test_a_sign_in_is_audited_and_logged(self, client, wang, caplog):
        caplog.set_level(logging.INFO, "ancha.security")
        sign_in(client, "wang", "pw-wang")
        event = AuditEvent.objects.get(action="auth.login")
        assert event.actor == "wang" and event.county_code == "520581"
        assert json.loads(event.payload)["data"]["ip"] == "10.0.0.7"
        [line] = [line for line in security_lines(caplog) if "signin.succeeded" in line]
        assert json.loads(line)["user"] == "wang"

    def test_a_failed_sign_in_goes_to_the_security_log_with_a_keyed_hash_not_to_the_chain(self, client, wang, caplog):
        # Changed on purpose (issue 13): a stranger's failures no longer write to the audit chain.
        sign_in(client, "wang", "wrong")
        assert not AuditEvent.objects.filter(action="auth.login_failed").exists()
        [line] = [json.loads(line) for line in security_lines(caplog) if "signin.failed" in line]
        assert line["account"] == keyed_hash("wang") and line["known"] is True and line["ip"] == "10.0.0.7"
        assert "wang" not in json.dumps(line)
        assert verify_chain().ok

    def test_an_unknown_username_is_written_nowhere_in_plain(self, client, db, caplog):
        sign_in(client, "my-secret-password", "x")
        assert not AuditEvent.objects.exists()
        assert not any("my-secret-password" in line for line in security_lines(caplog))
        assert not SignInAttempt.objects.filter(account="my-secret-password").exists()

    @pytest.mark.parametrize("breaker", ["\n", "\r\n", "\u2028", "\x85", "\x1e"])
    def test_a_line_break_in_user_input_stays_inside_its_log_record(self, client, wang, caplog, breaker):
        forged = f'wang{breaker}2026-01-01 WARNING ancha.security {{"event": "signin.succeeded"}}'
        sign_in(client, forged, "x")
        [line] = security_lines(caplog)
        assert line.splitlines() == [line]
        # A C0 control (\x1e) is refused at the edge (security/hygiene.py) before any sign-in is tried.
        assert json.loads(line)["event"] == ("input.refused" if breaker == "\x1e" else "signin.failed")

    def test_a_refused_api_call_of_a_signed_in_user_is_logged_but_not_written_to_the_chain(self, client, zhang, caplog):
        # Changed on purpose (issue 13): refusals went to the chain, so any account could grow it at will.
        client.force_login(zhang)
        before = AuditEvent.objects.count()
        assert client.get("/api/v1/no-such-thing/42").status_code == 404
        assert AuditEvent.objects.count() == before
        [line] = [json.loads(line) for line in security_lines(caplog) if "access.refused" in line]
        assert (line["user"], line["path"], line["status"]) == ("zhang", "/api/v1/no-such-thing/42", 404)

    def test_anonymous_refusals_are_logged_but_not_written_to_the_record(self, client, db, caplog):
        assert client.get("/api/v1/me").status_code == 401
        assert client.get("/api/v1/no-such-thing").status_code == 404
        assert not AuditEvent.objects.filter(action="access.refused").exists()
        [line] = security_lines(caplog)
        assert json.loads(line) | {"ip": None} == {
            "event": "access.refused", "status": 401, "method": "GET", "path": "/api/v1/me", "ip": None}


class TestThrottling:
    @pytest.fixture(autouse=True)
    def frozen(self):
        # The delays are seconds long: a slow machine must not see one lapse in the middle of a test.
        with time_machine.travel(timezone.now(), tick=False) as traveller:
            yield traveller

    def fail(self, client, times, username="wang", ip="10.0.0.7"):
        for _ in range(times):
            assert "用户名或密码错误" in sign_in(client, username, "wrong", ip).content.decode()

    def test_five_failures_slow_that_username_from_that_address_with_a_clear_message(self, client, wang, frozen):
        # Changed on purpose (issue 13): growing delays instead of a 15-minute lock.
        self.fail(client, 5)
        page = sign_in(client, "wang", "pw-wang")
        assert page.status_code == 200
        assert "登录失败次数过多，请 1 秒后再试。" in page.content.decode()
        assert "_auth_user_id" not in client.session
        assert SignInAttempt.objects.count() == 5, "throttled tries are not counted"
        frozen.shift(timedelta(seconds=2))
        self.fail(client, 1)  # the sixth failure doubles the delay
        assert "请 2 秒后再试" in sign_in(client, "wang", "pw-wang").content.decode()
        frozen.shift(timedelta(seconds=2))
        assert sign_in(client, "wang", "pw-wang").status_code == 302
        assert not AuditEvent.objects.filter(action="auth.login_failed").exists()

    def test_the_same_user_from_another_address_can_still_sign_in(self, client, wang):
        self.fail(client, 5)
        assert sign_in(Client(), "wang", "pw-wang", ip="10.0.0.8").status_code == 302

    def test_the_lock_lifts_after_the_window(self, client, wang):
        self.fail(client, 5)
        with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
            assert sign_in(client, "wang", "pw-wang").status_code == 302

    def test_a_success_starts_the_count_afresh(self, client, wang):
        self.fail(client, 4)
        assert sign_in(client, "wang", "pw-wang").status_code == 302
        client.post("/logout/")
        self.fail(client, 4)
        assert sign_in(client, "wang", "pw-wang").status_code == 302

    def test_failures_recorded_by_another_app_server_count_here(self, client, wang):
        SignInAttempt.objects.bulk_create(
            [SignInAttempt(key=throttle_key("wang", "10.0.0.7"), at=timezone.now()) for _ in range(5)]
        )
        assert "登录失败次数过多" in sign_in(client, "wang", "pw-wang").content.decode()
        assert not AuditEvent.objects.filter(action="auth.login_failed").exists(), "not read from the audit log"

    def test_failures_are_kept_per_username_and_address_and_a_success_clears_them(self, client, wang):
        self.fail(client, 3)
        assert list(SignInAttempt.objects.values_list("key", flat=True).distinct()) == [throttle_key("wang", "10.0.0.7")]
        assert sign_in(client, "wang", "pw-wang").status_code == 302
        assert not SignInAttempt.objects.exists()

    def test_the_api_token_endpoint_shares_the_throttle(self, wang):
        client = Client(REMOTE_ADDR="10.0.0.9")
        for _ in range(5):
            response = client.post("/api/v1/auth/token", {"username": "wang", "password": "wrong"},
                                   content_type="application/json")
            assert response.status_code == 401
        response = client.post("/api/v1/auth/token", {"username": "wang", "password": "pw-wang"},
                               content_type="application/json")
        assert response.status_code == 429
        assert response.json() == {"detail": "登录失败次数过多，请 1 秒后再试。"}
