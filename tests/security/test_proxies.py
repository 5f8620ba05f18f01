"""X-Forwarded-For and X-Forwarded-Proto are believed only from ANCHA_TRUSTED_PROXIES (issue 13).

From anyone else they are dropped before anything reads them; from a trusted proxy the client is
the rightmost hop that is not itself a trusted proxy, whatever the client wrote to the left."""

import json
import logging
from ipaddress import ip_network

import pytest
from django.test import Client

from ancha.env import ConfigError, env_networks
from inspection.models import AuditEvent, SignInAttempt


@pytest.fixture
def proxies(settings):
    settings.ANCHA_TRUSTED_PROXIES = (ip_network("10.9.0.0/16"), ip_network("fd00::/8"))
    return settings


def logged_ip(caplog, **meta) -> str:
    caplog.clear()
    caplog.set_level(logging.INFO, "ancha.security")
    assert Client(**meta).get("/api/v1/me").status_code == 401
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "ancha.security"]
    return line["ip"]


def test_forwarded_for_from_an_untrusted_peer_is_ignored(db, caplog, proxies):
    assert logged_ip(caplog, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4") == "203.0.113.9"


def test_no_proxy_is_trusted_by_default(db, caplog, settings):
    assert settings.ANCHA_TRUSTED_PROXIES == ()
    assert logged_ip(caplog, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4") == "127.0.0.1"


@pytest.mark.parametrize(
    "forwarded, client",
    [
        ("198.51.100.7", "198.51.100.7"),
        ("6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client wrote 6.6.6.6; our proxy appended the rest
        ("6.6.6.6, 198.51.100.7, 10.9.3.3", "198.51.100.7"),  # two trusted proxies in a row
        ("198.51.100.7, not-an-address", "10.9.0.1"),  # garbage appended by no proxy of ours
        ("10.9.3.3, 10.9.4.4", "10.9.3.3"),  # only trusted hops: the farthest one
        ("2001:db8::1, fd00::5", "2001:db8::1"),
    ],
)
def test_forwarded_for_from_a_trusted_proxy_gives_the_rightmost_untrusted_hop(db, caplog, proxies, forwarded, client):
    assert logged_ip(caplog, REMOTE_ADDR="10.9.0.1", HTTP_X_FORWARDED_FOR=forwarded) == client


def test_the_throttle_and_the_audit_log_use_the_same_client_address(wang, proxies):
    client = Client(REMOTE_ADDR="10.9.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    client.post("/login/", {"username": "wang", "password": "wrong"})
    assert SignInAttempt.objects.get().ip == "198.51.100.7"
    client.post("/login/", {"username": "wang", "password": "pw-wang"})
    assert json.loads(AuditEvent.objects.get(action="auth.login").payload)["data"]["ip"] == "198.51.100.7"


def test_forwarded_proto_is_believed_only_from_a_trusted_proxy(db, proxies):
    proxies.SECURE_SSL_REDIRECT = True  # the test settings turn it off; production has it on
    forged = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https").get("/login/")
    assert forged.status_code == 301 and forged["Location"].startswith("https://"), "still plain HTTP"
    trusted = Client(REMOTE_ADDR="10.9.0.1", HTTP_X_FORWARDED_PROTO="https").get("/login/")
    assert trusted.status_code == 200
    plain = Client(REMOTE_ADDR="10.9.0.1", HTTP_X_FORWARDED_PROTO="http").get("/login/")
    assert plain.status_code == 301


def test_trusted_proxies_are_read_from_the_environment_or_refused_with_the_bad_value(monkeypatch):
    monkeypatch.setenv("ANCHA_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1 ,fd00::/8")
    assert env_networks("ANCHA_TRUSTED_PROXIES") == (
        ip_network("10.0.0.0/8"), ip_network("127.0.0.1/32"), ip_network("fd00::/8"))
    monkeypatch.setenv("ANCHA_TRUSTED_PROXIES", "10.0.0.0/8,nginx")
    with pytest.raises(ConfigError, match="ANCHA_TRUSTED_PROXIES .*'nginx'"):
        env_networks("ANCHA_TRUSTED_PROXIES")
    monkeypatch.delenv("ANCHA_TRUSTED_PROXIES")
    assert env_networks("ANCHA_TRUSTED_PROXIES") == ()
