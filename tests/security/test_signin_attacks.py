"""Sign-in that strangers cannot turn into a weapon (issue 13), through the real HTTP path.

A stranger's failures slow the stranger: one address's guesses at an account never lock out its
owner elsewhere and never write to the audit chain; guesses spread over many addresses slow the
account, but not its owner's own browser with its device cookie; spraying a few guesses at many
accounts from one address slows that address for every account.
"""

import hashlib
import json
from ipaddress import ip_network

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone
from django.utils.crypto import salted_hmac

from inspection.models import AuditEvent, SignInAttempt
from inspection.security.devices import COOKIE

PROXY = "10.9.0.1"
THROTTLED = "登录失败次数过多"


@pytest.fixture(autouse=True)
def frozen():
    # Delays are counted in seconds from the last failure; with the clock stopped each request
    # meets exactly the delay the rules give, however slow the machine.
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def behind_proxy(settings):
    settings.ANCHA_TRUSTED_PROXIES = (ip_network("10.9.0.0/16"),)


def web_sign_in(client, username, password, **meta):
    response = client.post("/login/", {"username": username, "password": password}, **meta)
    if response.status_code == 302:
        return "in"
    text = response.content.decode()
    if THROTTLED in text:
        return "throttled"
    assert "用户名或密码错误" in text, text[:500]
    return "wrong"


def token_sign_in(client, username, password, **meta):
    response = client.post("/api/v1/auth/token", {"username": username, "password": password},
                           content_type="application/json", **meta)
    return {200: "in", 401: "wrong", 429: "throttled"}[response.status_code]


def test_a_strangers_thousand_failures_from_one_address_neither_lock_out_the_owner_nor_touch_the_chain(wang):
    # A scripted attacker uses the token endpoint; the web form shares its throttle (test_signin.py).
    stranger = Client(REMOTE_ADDR="203.0.113.66")
    chain_before = AuditEvent.objects.count()
    last_before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    outcomes = [token_sign_in(stranger, "wang", f"guess-{i}") for i in range(1000)]
    assert outcomes.count("wrong") == 5 and outcomes.count("throttled") == 995, "the stranger is slowed"
    assert AuditEvent.objects.count() == chain_before, "no failure, throttled or not, writes to the chain"
    assert SignInAttempt.objects.count() == 5, "refused tries write nothing"
    assert web_sign_in(Client(REMOTE_ADDR="192.0.2.10"), "wang", "pw-wang") == "in"
    assert list(AuditEvent.objects.filter(seq__gt=last_before).values_list("action", flat=True)) == ["auth.login"]


def test_guesses_from_a_hundred_addresses_are_slowed_but_the_owners_browser_signs_in_at_once(wang, behind_proxy):
    owner = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert web_sign_in(owner, "wang", "pw-wang") == "in"
    assert COOKIE in owner.cookies
    owner.post("/logout/")

    outcomes = [
        web_sign_in(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}"), "wang", "guess")
        for i in range(100)
    ]
    assert outcomes.count("wrong") == 10, "ten addresses may fail; then the account is slowed"
    assert outcomes.count("throttled") == 90
    assert set(SignInAttempt.objects.values_list("ip", flat=True)) == {f"198.51.100.{i}" for i in range(10)}

    assert web_sign_in(owner, "wang", "pw-wang") == "in", "the owner's own browser is not slowed"
    new_browser = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.10")
    assert web_sign_in(new_browser, "wang", "pw-wang") == "throttled", "a browser without the cookie is"


def test_a_device_cookie_counts_only_its_own_failures_and_only_for_its_account(wang, li, frozen):
    owner = Client(REMOTE_ADDR="192.0.2.10")
    assert web_sign_in(owner, "wang", "pw-wang") == "in"
    owner.post("/logout/")
    for _ in range(5):
        assert web_sign_in(owner, "wang", "typo") == "wrong"
    assert web_sign_in(owner, "wang", "pw-wang") == "throttled", "a device is slowed on its own failures"
    frozen.shift(2)
    assert web_sign_in(owner, "wang", "pw-wang") == "in"
    # The cookie names wang: for li it is just another browser.
    forged = Client(REMOTE_ADDR="192.0.2.11")
    forged.cookies[COOKIE] = owner.cookies[COOKIE].value.replace("wang", "li", 1)
    for _ in range(5):
        assert web_sign_in(forged, "li", "guess") == "wrong"
    assert web_sign_in(forged, "li", "pw-li") == "throttled"
    assert not SignInAttempt.objects.exclude(device="").filter(ip="192.0.2.11").exists()


def test_spraying_four_guesses_at_each_of_fifty_accounts_from_one_address_is_throttled(wang):
    hashed = make_password("pw-someone")
    get_user_model().objects.bulk_create(
        [get_user_model()(username=f"official-{i:02d}", password=hashed) for i in range(50)]
    )
    sprayer = Client(REMOTE_ADDR="203.0.113.77")
    outcomes = [web_sign_in(sprayer, f"official-{i:02d}", f"Spring2026-{n}") for n in range(4) for i in range(50)]
    assert outcomes.count("wrong") == 10, "ten accounts may fail from one address; then it is slowed"
    assert outcomes.count("throttled") == 190
    assert web_sign_in(sprayer, "wang", "pw-wang") == "throttled", "the address is slowed for every account"
    assert web_sign_in(Client(REMOTE_ADDR="192.0.2.10"), "wang", "pw-wang") == "in"


def test_the_api_token_endpoint_counts_in_the_same_table_whatever_x_forwarded_for_says(wang):
    client = Client(REMOTE_ADDR="203.0.113.66")
    statuses = [
        client.post("/api/v1/auth/token", {"username": "wang", "password": "x"}, content_type="application/json",
                    HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(30)
    ]
    assert statuses.count(401) == 5 and statuses.count(429) == 25
    assert set(SignInAttempt.objects.values_list("ip", flat=True)) == {"203.0.113.66"}
    refused = client.post("/api/v1/auth/token", {"username": "wang", "password": "pw-wang"},
                          content_type="application/json")
    assert refused.status_code == 429 and refused.json()["detail"].startswith(THROTTLED)


def test_the_security_log_keeps_a_keyed_hash_of_the_username_not_the_name(client, wang, caplog, settings):
    client.post("/login/", {"username": "Wang ", "password": "wrong"}, REMOTE_ADDR="10.0.0.7")
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "ancha.security"]
    assert line["event"] == "signin.failed" and "wang" not in json.dumps(line).lower()
    expected = salted_hmac("ancha.security.username", "wang", algorithm="sha256").hexdigest()
    assert line["account"] == expected
    assert line["account"] != hashlib.sha256(b"wang").hexdigest(), "not a bare hash a dictionary reverses"
    settings.SECRET_KEY = "another-deployment-secret-key-0123456789-abcdefghijklmnop"
    assert salted_hmac("ancha.security.username", "wang", algorithm="sha256").hexdigest() != expected
    assert SignInAttempt.objects.get().account == expected


def test_a_nul_in_the_username_or_the_token_label_is_refused_at_the_edge_in_plain_chinese(wang):
    # The input-hygiene middleware refuses a NUL before any sign-in code runs: a 400 that says why,
    # no throttle row, nothing on the chain, no token.
    client = Client(REMOTE_ADDR="203.0.113.66")
    chain_before = AuditEvent.objects.count()
    for body in ({"username": "wa\x00ng", "password": "pw-wang"},
                 {"username": "wang", "password": "pw-wang", "label": "手\x00机"}):
        response = client.post("/api/v1/auth/token", body, content_type="application/json")
        assert response.status_code == 400 and "字符" in response.json()["detail"]
    response = client.post("/login/", {"username": "wang\x00", "password": "x"})
    assert response.status_code == 400 and "字符" in response.content.decode()
    assert not SignInAttempt.objects.exists() and AuditEvent.objects.count() == chain_before
    from inspection.models import ApiToken

    assert not ApiToken.objects.exists()


def test_a_right_password_at_the_token_endpoint_starts_the_count_afresh(wang):
    client = Client(REMOTE_ADDR="203.0.113.66")
    assert [token_sign_in(client, "wang", "typo") for _ in range(4)] == ["wrong"] * 4
    assert token_sign_in(client, "wang", "pw-wang") == "in"
    assert not SignInAttempt.objects.exists()
    assert COOKIE in client.cookies, "the field app's client may keep a device cookie too"
    assert [token_sign_in(client, "wang", "typo") for _ in range(5)] == ["wrong"] * 5
