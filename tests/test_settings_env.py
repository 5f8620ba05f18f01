"""Settings the code reads as plain `settings.X` come from the environment through ancha/env.py,
with the defaults they had when the code supplied them itself."""

import importlib

import pytest

from ancha.env import ConfigError, env_float, env_int

VARIABLES = ["ANCHA_IDEMPOTENCY_WAIT_SECONDS", "ANCHA_EVIDENCE_MAX_BYTES", "ANCHA_SIGNIN_MAX_FAILURES",
             "ANCHA_SIGNIN_WINDOW_MINUTES", "ANCHA_PUBLIC_URL"]


def test_the_defaults_are_the_ones_the_code_used_to_supply(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    settings = importlib.reload(importlib.import_module("ancha.settings"))  # read afresh, without them
    assert settings.IDEMPOTENCY_WAIT_SECONDS == 20
    assert settings.EVIDENCE_MAX_BYTES == 10 * 1024 * 1024
    assert (settings.ANCHA_SIGNIN_MAX_FAILURES, settings.ANCHA_SIGNIN_WINDOW_MINUTES) == (5, 15)
    assert settings.PUBLIC_URL == "http://127.0.0.1:8000"


def test_a_number_is_read_from_the_environment_or_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("ANCHA_IDEMPOTENCY_WAIT_SECONDS", "2.5")
    assert env_float("ANCHA_IDEMPOTENCY_WAIT_SECONDS", 20.0) == 2.5
    monkeypatch.setenv("ANCHA_SIGNIN_MAX_FAILURES", "1.5")
    with pytest.raises(ConfigError, match="ANCHA_SIGNIN_MAX_FAILURES must be a whole number"):
        env_int("ANCHA_SIGNIN_MAX_FAILURES", 5)
    monkeypatch.setenv("ANCHA_IDEMPOTENCY_WAIT_SECONDS", "soon")
    with pytest.raises(ConfigError, match="ANCHA_IDEMPOTENCY_WAIT_SECONDS must be a number"):
        env_float("ANCHA_IDEMPOTENCY_WAIT_SECONDS", 20.0)
    monkeypatch.delenv("ANCHA_IDEMPOTENCY_WAIT_SECONDS")
    assert env_float("ANCHA_IDEMPOTENCY_WAIT_SECONDS", 20.0) == 20.0
