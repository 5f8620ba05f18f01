"""Settings a scaled-out deployment needs, read from the environment like every other."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"


def settings_with(**env):
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "ancha.settings", **env}
    full.pop("ANCHA_DB_CONN_MAX_AGE", None) if "ANCHA_DB_CONN_MAX_AGE" not in env else None
    return subprocess.run([sys.executable, "-c", READ], env=full, cwd=ROOT, capture_output=True, text=True)


def test_app_servers_keep_their_database_connection_for_as_long_as_configured():
    assert settings_with(ANCHA_DB_CONN_MAX_AGE="60").stdout.strip() == "60"


def test_by_default_each_request_opens_its_own_connection():
    assert settings_with().stdout.strip() == "0"


def test_a_connection_age_that_is_not_a_number_stops_start_up_with_one_line():
    done = settings_with(ANCHA_DB_CONN_MAX_AGE="forever")
    assert done.returncode == 2
    assert "ANCHA_DB_CONN_MAX_AGE must be a whole number" in done.stderr
