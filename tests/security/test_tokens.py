"""API tokens that die (issue 13): expiry sliding on use, `last_used_at` written at most once a minute,
revocation by the user (API and web) and the commission (web and admin), and on a password change,
a role change or removal and deactivation; each refusal a 401 saying why, in Chinese."""

import json
import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.test import Client
from django.utils import timezone

from inspection.models import ApiToken, AuditEvent, Role
from inspection.services.tokens import EXPIRED, REVOKED


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def issue(username, label=""):
    response = Client().post("/api/v1/auth/token", {"username": username, "password": "pw-" + username,
                                                     "label": label}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def bearer(token):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def me(token):
    return bearer(token).get("/api/v1/me")


class TestExpiry:
    def test_a_token_dies_thirty_days_after_its_last_use_and_each_use_pushes_that_back(self, zhang, frozen):
        token = issue("zhang")
        frozen.shift(timedelta(days=20))
        assert me(token).status_code == 200
        frozen.shift(timedelta(days=29))  # 49 days old, 29 since it was last used
        assert me(token).status_code == 200
        frozen.shift(timedelta(days=30, seconds=1))
        response = me(token)
        assert response.status_code == 401 and response.json() == {"detail": EXPIRED}

    def test_an_unused_token_dies_thirty_days_after_it_was_issued(self, zhang, frozen, settings):
        token = issue("zhang")
        frozen.shift(timedelta(days=30))
        assert me(token).json() == {"detail": EXPIRED}
        settings.ANCHA_TOKEN_DAYS = 60
        assert me(token).status_code == 200, "the setting is read when the token is checked"

    def test_the_reply_says_when_a_new_token_expires(self, zhang, frozen):
        response = Client().post("/api/v1/auth/token", {"username": "zhang", "password": "pw-zhang"},
                                 content_type="application/json")
        expires = response.json()["expires_at"]
        assert expires.startswith((timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"))


class TestLastUsed:
    def test_last_used_at_is_written_at_most_once_a_minute(self, zhang, frozen):
        token = issue("zhang")
        row = ApiToken.objects.get()
        assert row.last_used_at is None
        assert me(token).status_code == 200
        first = timezone.now()
        assert ApiToken.objects.get().last_used_at == first
        frozen.shift(timedelta(seconds=59))
        assert me(token).status_code == 200
        assert ApiToken.objects.get().last_used_at == first, "not again within the minute"
        frozen.shift(timedelta(seconds=1))
        assert me(token).status_code == 200
        assert ApiToken.objects.get().last_used_at == first + timedelta(seconds=60)


    @pytest.mark.django_db(transaction=True)
    def test_a_call_does_not_wait_behind_a_busy_database_to_note_its_use(self, zhang):
        token = issue("zhang")
        holding, release = threading.Event(), threading.Event()

        def writer_holding_the_token_row():
            # Stands for a long write elsewhere: SQLite's single writer, PostgreSQL's row lock.
            try:
                with transaction.atomic():
                    ApiToken.objects.update(label="")
                    holding.set()
                    release.wait(timeout=10)
            finally:
                connections.close_all()

        thread = threading.Thread(target=writer_holding_the_token_row)
        thread.start()
        try:
            assert holding.wait(timeout=10)
            assert me(token).status_code == 200
            # Had the call waited for the writer to end, it would have noted its use after it.
            assert ApiToken.objects.get().last_used_at is None
        finally:
            release.set()
            thread.join(timeout=30)
        assert me(token).status_code == 200
        assert ApiToken.objects.get().last_used_at is not None, "the next call notes the use"


class TestRevocation:
    def test_the_holder_revokes_the_token_in_use_and_it_stops_at_once(self, zhang):
        token = issue("zhang")
        client = bearer(token)
        assert client.delete("/api/v1/auth/token").status_code == 204
        response = client.get("/api/v1/me")
        assert response.status_code == 401 and response.json() == {"detail": REVOKED}
        assert ApiToken.objects.get().revoked_reason == "user"
        event = AuditEvent.objects.get(action="auth.token_revoked")
        assert event.actor == "zhang" and token not in event.payload

    def test_the_holder_lists_and_revokes_another_of_their_tokens_but_not_someone_elses(self, zhang, wang):
        phone, tablet, walls = issue("zhang", "手机"), issue("zhang", "平板"), issue("wang")
        listed = bearer(phone).get("/api/v1/auth/tokens").json()
        assert [(t["label"], t["current"]) for t in listed] == [("平板", False), ("手机", True)]
        tablet_id = listed[0]["id"]
        wangs_id = ApiToken.objects.get(user=wang).pk
        assert bearer(phone).delete(f"/api/v1/auth/tokens/{wangs_id}").status_code == 404
        assert me(walls).status_code == 200
        assert bearer(phone).delete(f"/api/v1/auth/tokens/{tablet_id}").status_code == 204
        assert me(tablet).json() == {"detail": REVOKED}
        assert me(phone).status_code == 200

    def test_the_holder_revokes_a_token_on_the_web_page(self, client, zhang):
        token = issue("zhang", "旧手机")
        client.force_login(zhang)
        page = client.get("/tokens/")
        assert "我的 API 令牌" in page.content.decode() and "旧手机" in page.content.decode()
        row = ApiToken.objects.get()
        response = client.post(f"/tokens/{row.pk}/revoke/", follow=True)
        assert "令牌已撤销" in response.content.decode()
        assert me(token).json() == {"detail": REVOKED}

    def test_the_commission_revokes_a_token_of_its_county_on_the_web(self, client, wang, zhang, zhao):
        zhangs, zhaos = issue("zhang"), issue("zhao")
        client.force_login(wang)
        page = client.get("/county/tokens/").content.decode()
        assert "zhang" in page and "zhao" not in page
        zhao_row = ApiToken.objects.get(user=zhao)
        assert client.post(f"/county/tokens/{zhao_row.pk}/revoke/").status_code == 404, "another county's"
        assert me(zhaos).status_code == 200
        client.post(f"/county/tokens/{ApiToken.objects.get(user=zhang).pk}/revoke/")
        assert me(zhangs).json() == {"detail": REVOKED}
        row = ApiToken.objects.get(user=zhang)
        assert row.revoked_reason == "commission"
        assert AuditEvent.objects.get(action="auth.token_revoked").actor == "wang"

    def test_an_official_cannot_reach_the_county_page(self, client, zhang):
        issue("zhang")
        client.force_login(zhang)
        assert client.get("/county/tokens/").status_code == 404
        assert client.post(f"/county/tokens/{ApiToken.objects.get().pk}/revoke/").status_code == 404
        assert ApiToken.objects.get().revoked_at is None

    def test_the_admin_revokes_the_selected_tokens(self, client, zhang):
        token = issue("zhang")
        admin = get_user_model().objects.create_superuser("root", password="pw-root")
        client.force_login(admin)
        response = client.post("/admin/inspection/apitoken/", {
            "action": "revoke", "_selected_action": [ApiToken.objects.get().pk]}, follow=True)
        assert response.status_code == 200 and "所选令牌已撤销" in response.content.decode()
        assert me(token).json() == {"detail": REVOKED}


class TestAccountChanges:
    def test_a_password_change_on_the_web_revokes_every_token_and_is_audited_without_a_secret(self, client, zhang):
        first, second = issue("zhang"), issue("zhang")
        client.force_login(zhang)
        response = client.post("/password/", {"old_password": "pw-zhang", "new_password1": "Xq7-tall-river-93",
                                              "new_password2": "Xq7-tall-river-93"})
        assert response.status_code == 302
        assert me(first).json() == {"detail": REVOKED} and me(second).json() == {"detail": REVOKED}
        assert set(ApiToken.objects.values_list("revoked_reason", flat=True)) == {"password"}
        event = AuditEvent.objects.get(action="auth.password_changed")
        assert event.actor == "zhang"
        assert json.loads(event.payload)["data"] == {"user": "zhang", "tokens_revoked": 2}
        assert "pw-zhang" not in event.payload and "Xq7-tall-river-93" not in event.payload
        assert "pbkdf2" not in event.payload and "md5" not in event.payload

    def test_a_password_set_by_any_other_route_revokes_the_tokens_too(self, zhang):
        token = issue("zhang")
        zhang.set_password("another-long-password")
        zhang.save()
        assert me(token).json() == {"detail": REVOKED}
        assert AuditEvent.objects.filter(action="auth.password_changed").count() == 1

    def test_a_role_change_revokes_the_tokens(self, zhang):
        token = issue("zhang")
        profile = zhang.profile
        profile.role = Role.OBSERVER
        profile.save()
        assert me(token).json() == {"detail": REVOKED}
        assert ApiToken.objects.get().revoked_reason == "role"

    def test_removing_the_role_revokes_the_tokens(self, zhang):
        token = issue("zhang")
        zhang.profile.delete()
        assert ApiToken.objects.get().revoked_reason == "role"
        assert me(token).json() == {"detail": REVOKED}

    def test_deactivation_revokes_the_tokens(self, zhang):
        token = issue("zhang")
        zhang.is_active = False
        zhang.save()
        assert ApiToken.objects.get().revoked_reason == "role"
        zhang.is_active = True
        zhang.save()
        assert me(token).json() == {"detail": REVOKED}, "reactivating the account does not revive them"

    def test_an_unrelated_save_revokes_nothing_and_writes_nothing(self, zhang):
        token = issue("zhang")
        before = AuditEvent.objects.count()
        zhang.first_name = "张"
        zhang.save()
        zhang.profile.save()
        assert me(token).status_code == 200
        assert AuditEvent.objects.count() == before
