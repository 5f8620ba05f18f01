"""账号管理 without the Django admin: the commission opens, disables, resets and re-roles accounts from
its pages; a temporary password is shown once and must be changed; a disabled account is out at once
(sign-in, session, API token); the county never loses its last commission account."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from inspection.models import ApiToken, AuditEvent, Inspector, Official, Post, Profile, Role
from inspection.services import accounts

pytestmark = pytest.mark.django_db

User = get_user_model()


def said(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def data_of(event) -> dict:
    return json.loads(event.payload)["data"]


def temporary(response) -> str:
    match = re.search(r'id="temporary-password">([^<]+)<', response.content.decode())
    assert match, "the temporary password is shown on the answering page"
    return match.group(1)


def create(client, **fields):
    data = {"username": "inspector13", "full_name": "吴新人", "role": Role.INSPECTOR, "home_township": "", "township": ""}
    data.update(fields)
    return client.post("/accounts/new/", data)


def test_the_commission_opens_an_inspector_who_must_change_the_temporary_password(client, wang, county):
    client.force_login(wang)
    response = create(client, home_township="520581001")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = temporary(response)
    user = User.objects.get(username="inspector13")
    assert user.first_name == "吴新人" and user.profile.role == Role.INSPECTOR and user.profile.must_change_password
    inspector = Inspector.objects.get(user=user)
    assert inspector.home_township.code == "520581001" and inspector.active
    assert password not in user.password  # only the hash is kept
    assert AuditEvent.objects.filter(action="user.created", actor="wang").exists()
    # The account page does not show it again.
    assert password not in client.get(f"/accounts/{user.pk}/").content.decode()

    newcomer = Client()
    assert newcomer.login(username="inspector13", password=password)
    assert newcomer.get("/").url == "/password/"
    assert newcomer.get("/townships/").url == "/password/"
    refused = newcomer.post("/api/v1/auth/token", {"username": "inspector13", "password": password},
                            content_type="application/json")
    assert refused.status_code == 403 and "临时密码" in refused.json()["detail"]

    changed = newcomer.post("/password/", {"old_password": password, "new_password1": "Qianxi-2026-river",
                                           "new_password2": "Qianxi-2026-river"})
    assert changed.status_code == 302
    assert not Profile.objects.get(user=user).must_change_password
    assert newcomer.get("/", follow=True).status_code == 200
    token = newcomer.post("/api/v1/auth/token", {"username": "inspector13", "password": "Qianxi-2026-river"},
                          content_type="application/json")
    assert token.status_code == 200


def test_an_official_is_appointed_to_a_vacant_township_when_opened(client, wang, county):
    client.force_login(wang)
    create(client, username="official-new", full_name="罗新任", role=Role.OFFICIAL, township="520581100")
    official = Official.objects.get(user__username="official-new")
    assert official.current_post().township.code == "520581100"


def test_a_refused_account_keeps_what_was_typed_and_says_why_in_chinese(client, wang, li, county):
    client.force_login(wang)
    response = create(client, username="li", full_name="重复的人")
    assert said(response) == ["登录名“li”已被使用"]
    html = response.content.decode()
    assert 'value="重复的人"' in html and 'value="li"' in html
    response = create(client, username="bad name!", full_name="")
    assert "姓名不能为空" in said(response)
    response = create(client, username="x", full_name="某人", role="admin")
    assert said(response) == ["请选择角色"]
    response = create(client, username="zhang2", full_name="某人", role=Role.OFFICIAL, township="520581100")
    assert User.objects.filter(username="zhang2").exists()  # 金碧镇 was vacant: no zhang fixture here
    response = create(client, username="zhang3", full_name="某人", role=Role.OFFICIAL, township="520581100")
    assert any("现任分管负责人" in m for m in said(response))
    assert not User.objects.filter(username="zhang3").exists()  # nothing half-made


def test_disabling_ends_sign_in_sessions_and_tokens_at_once(client, wang, li, api):
    field_app = api(li)
    assert field_app.get("/api/v1/me").status_code == 200
    browser = Client()
    browser.force_login(li)
    assert browser.get("/inspector/").status_code == 200

    client.force_login(wang)
    response = client.post(f"/accounts/{li.pk}/active/", {"active": "0", "reason": "手机遗失，人员调离"}, follow=True)
    assert "账号已停用" in said(response)[0]
    li.refresh_from_db()
    assert not li.is_active and not Inspector.objects.get(user=li).active
    assert field_app.get("/api/v1/me").status_code == 401
    assert browser.get("/inspector/").status_code == 302  # signed out
    assert not Client().login(username="li", password="pw-li")
    assert ApiToken.objects.filter(user=li, revoked_at__isnull=True).count() == 0
    event = AuditEvent.objects.get(action="user.disabled")
    assert event.actor == "wang" and data_of(event)["reason"] == "手机遗失，人员调离"

    client.post(f"/accounts/{li.pk}/active/", {"active": "1", "reason": ""})
    li.refresh_from_db()
    assert li.is_active and Inspector.objects.get(user=li).active
    assert Client().login(username="li", password="pw-li")


def test_the_last_commission_account_can_neither_disable_nor_demote_itself(client, wang, county):
    client.force_login(wang)
    response = client.post(f"/accounts/{wang.pk}/active/", {"active": "0"}, follow=True)
    assert "最后一个可用的未保办账号" in said(response)[0]
    response = client.post(f"/accounts/{wang.pk}/role/", {"role": Role.OBSERVER}, follow=True)
    assert "最后一个可用的未保办账号" in said(response)[0]
    wang.refresh_from_db()
    assert wang.is_active and wang.profile.role == Role.COMMISSION

    # A colleague who is disabled does not count; an active one does.
    colleague, _ = accounts.create_account(actor=wang, username="chen", full_name="陈干事", role=Role.COMMISSION)
    accounts.set_account_active(actor=wang, user=colleague, active=False)
    response = client.post(f"/accounts/{wang.pk}/role/", {"role": Role.OBSERVER}, follow=True)
    assert "最后一个可用的未保办账号" in said(response)[0]
    accounts.set_account_active(actor=wang, user=colleague, active=True)
    response = client.post(f"/accounts/{wang.pk}/role/", {"role": Role.OBSERVER})
    wang.refresh_from_db()
    assert wang.profile.role == Role.OBSERVER


def test_a_reset_password_replaces_the_old_one_and_ends_every_session(client, wang, li, api):
    field_app = api(li)
    browser = Client()
    browser.force_login(li)
    client.force_login(wang)
    password = temporary(client.post(f"/accounts/{li.pk}/password/"))
    assert field_app.get("/api/v1/me").status_code == 401
    assert browser.get("/inspector/").status_code == 302
    assert not Client().login(username="li", password="pw-li")
    again = Client()
    assert again.login(username="li", password=password)
    assert again.get("/inspector/").url == "/password/"
    assert AuditEvent.objects.filter(action="user.password_reset", actor="wang").exists()
    assert AuditEvent.objects.filter(action="auth.password_changed", actor="wang").exists()
    assert password not in str(list(AuditEvent.objects.values_list("payload", flat=True)))


def test_a_changed_role_moves_the_account_off_the_roster_and_revokes_its_tokens(client, wang, li, api):
    field_app = api(li)
    client.force_login(wang)
    response = client.post(f"/accounts/{li.pk}/role/", {"role": Role.OBSERVER}, follow=True)
    assert said(response) == ["角色已变更，该账号须重新登录。"]
    assert Profile.objects.get(user=li).role == Role.OBSERVER
    assert not Inspector.objects.get(user=li).active
    assert field_app.get("/api/v1/me").status_code == 401
    event = AuditEvent.objects.get(action="user.role_changed")
    assert data_of(event)["from"] == Role.INSPECTOR and data_of(event)["to"] == Role.OBSERVER


def test_an_official_in_post_changes_role_only_after_leaving_it(client, wang, zhang):
    client.force_login(wang)
    response = client.post(f"/accounts/{zhang.pk}/role/", {"role": Role.OBSERVER}, follow=True)
    assert "请先办理调任" in said(response)[0]
    assert Profile.objects.get(user=zhang).role == Role.OFFICIAL


@pytest.mark.parametrize("who", ["li", "zhang", "qian", "zhao"])
def test_only_the_commission_of_the_county_reaches_the_account_pages(request, client, wang, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get("/accounts/").status_code == 404
    assert client.get(f"/accounts/{wang.pk}/").status_code == 404
    assert client.post(f"/accounts/{wang.pk}/active/", {"active": "0"}).status_code == 404
    assert client.post(f"/accounts/{wang.pk}/password/").status_code == 404
    assert client.post("/accounts/new/", {"username": "x", "full_name": "x", "role": "commission"}).status_code == 404
    assert not User.objects.filter(username="x").exists()


def test_the_commission_cannot_touch_another_countys_account(client, wang, zhao):
    client.force_login(wang)
    assert client.get(f"/accounts/{zhao.pk}/").status_code == 404
    assert client.post(f"/accounts/{zhao.pk}/password/").status_code == 404
    assert client.post(f"/accounts/{zhao.pk}/active/", {"active": "0"}).status_code == 404
    zhao.refresh_from_db()
    assert zhao.is_active


def test_the_account_list_filters_and_shows_states_in_chinese(client, wang, li, qian):
    client.force_login(wang)
    html = client.get("/accounts/?role=inspector").content.decode()
    assert "李督查" in html and "钱观察" not in html
    html = client.get("/accounts/?q=钱").content.decode()
    assert "钱观察" in html and "纪委监委" in html


def test_temporary_passwords_pass_djangos_validators():
    from django.contrib.auth.password_validation import validate_password

    for _ in range(20):
        validate_password(accounts.temporary_password())
    assert Post  # the import stays used by the neighbours above
