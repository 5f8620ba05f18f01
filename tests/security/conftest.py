"""Drill databases: a real, migrated database of the vendor under test, for work done in other
processes (concurrent writers, killed workers, backups restored elsewhere).

The suite's own SQLite test database lives in memory in shared-cache mode, where a second
writer fails at once with "database table is locked" instead of queueing as it does on the
file database Ancha runs on (WAL, BEGIN IMMEDIATE, busy timeout). Drills that depend on real
locking therefore run in subprocesses against a file database (or a PostgreSQL database)
prepared here: a copy of the worker's freshly migrated test database, copied again per test.
"""

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _vendor() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return "postgresql" if url.startswith(("postgres", "pgsql")) else "sqlite"


def _pg_params():
    from django.db import connection

    settings = connection.settings_dict
    return {k: settings[k] for k in ("HOST", "PORT", "USER", "PASSWORD")}


def _pg_url(name: str) -> str:
    p = _pg_params()
    auth = p["USER"] + (f":{p['PASSWORD']}" if p["PASSWORD"] else "")
    return f"postgres://{auth}@{p['HOST'] or '127.0.0.1'}:{p['PORT'] or 5432}/{name}"


def _pg_admin_connection():
    import psycopg

    p = _pg_params()
    return psycopg.connect(
        host=p["HOST"] or "127.0.0.1", port=p["PORT"] or 5432, user=p["USER"], password=p["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    )


def _pg_admin(sql: str) -> None:
    with _pg_admin_connection() as conn:
        conn.execute(sql)


class DrillDatabase:
    """A database other processes can use: `.env` for them, `.manage()` and `.run()` to drive them."""

    def __init__(self, url: str):
        self.url = url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        self.env["DATABASE_URL"] = url
        self.env["PYTHONPATH"] = str(ROOT)
        self.env["DJANGO_SETTINGS_MODULE"] = "ancha.settings"

    def manage(self, *args, timeout=120, env=None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *map(str, args)], cwd=ROOT, env={**self.env, **(env or {})},
            capture_output=True, text=True, timeout=timeout,
        )

    def run(self, scenario: str, *args, timeout=120, env=None) -> subprocess.CompletedProcess:
        """Run a scenario of tests/security/drill_worker.py in a fresh process."""
        return subprocess.run(
            [sys.executable, "-m", "tests.security.drill_worker", scenario, *map(str, args)], cwd=ROOT,
            env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=timeout,
        )

    def json(self, scenario: str, *args, **kwargs):
        import json

        result = self.run(scenario, *args, **kwargs)
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])


def uses_drills(items) -> bool:
    return any("drill_dbs" in getattr(item, "fixturenames", ()) for item in items)


def _test_database_was_built(items) -> bool:
    """pytest-django builds the test database only when a collected test uses it (a run of the
    backup drill alone builds none): copy it only then."""
    try:
        from pytest_django.fixtures import _get_databases_for_setup
    except ImportError:  # pytest-django moved it: migrate a template as before
        return False
    return "default" in _get_databases_for_setup(items)[0]


def copy_test_database(*, sqlite_path, pg_name: str) -> str:
    """A copy of the worker's test database as it is now: a new SQLite file at `sqlite_path` (the
    backup API) or a new PostgreSQL database `pg_name` (`CREATE DATABASE … TEMPLATE`). Returns where
    the copy is. The drills' template and the demo's played history (tests/demo_history.py) use it."""
    from django.db import connection, connections

    if _vendor() == "sqlite":
        import sqlite3

        connection.ensure_connection()
        target = sqlite3.connect(sqlite_path)
        connection.connection.backup(target)
        target.close()
        return str(sqlite_path)
    source = connection.settings_dict["NAME"]
    connections.close_all()  # a template may have no other session open on it
    _end_other_sessions(source)
    _pg_admin(f'CREATE DATABASE "{pg_name}" TEMPLATE "{source}"')
    return pg_name


def _end_other_sessions(name: str) -> None:
    """A template may have no session open on it, and `close_all` closes only this thread's: the
    browser walks' live server thread (session-scoped) and finished test threads may still hold an
    idle connection to the worker's own test database. Their Django closes a dead connection and
    opens another on its next request (close_old_connections), so ending them loses nothing."""
    with _pg_admin_connection() as conn:
        for _ in range(100):
            others = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name]).fetchall()
            if not others:
                return
            time.sleep(0.05)  # ending a backend is asynchronous


def drill_template(items, tmp_path_factory, django_db_blocker):
    """The drills' template: the worker's test database as the migrations left it, before any test
    wrote to it. Migrating a template in a `manage.py` subprocess cost each worker ~15 s of CPU
    for the same schema (and data migrations' rows) the worker had just built; that is still the
    way when no test database was built."""
    vendor = _vendor()
    copy = _test_database_was_built(items)
    with django_db_blocker.unblock():
        if vendor == "sqlite":
            path = tmp_path_factory.mktemp("drill") / "template.sqlite3"
            template = DrillDatabase(f"sqlite:///{path}")
            if copy:
                copy_test_database(sqlite_path=path, pg_name="")
        else:
            name = f"drill_tpl_{uuid.uuid4().hex[:10]}"
            if copy:
                copy_test_database(sqlite_path=None, pg_name=name)
            else:
                _pg_admin(f'CREATE DATABASE "{name}"')
            template = DrillDatabase(_pg_url(name))
            template.name = name
    if not copy:
        result = template.manage("migrate", "--noinput", "-v0")
        assert result.returncode == 0, result.stderr
    template.vendor = vendor
    template.path = path if vendor == "sqlite" else None
    return template


def drop_snapshot(template, django_db_blocker):
    if template.vendor == "postgresql":
        with django_db_blocker.unblock():
            _pg_admin(f'DROP DATABASE IF EXISTS "{template.name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _drill_template(django_db_setup, request):
    """Taken by tests/conftest.py's django_db_setup right after the migrations (when drills were
    collected), so it holds exactly what `migrate` makes and nothing a test wrote since."""
    template = request.config.stash.get(DRILL_TEMPLATE, None)
    assert template is not None, "no drill template: tests/conftest.py's django_db_setup makes it"
    return template


DRILL_TEMPLATE = pytest.StashKey()


class DrillDatabases:
    def __init__(self, template, tmp_path, blocker):
        self.template, self.tmp_path, self.blocker, self.created = template, tmp_path, blocker, []
        self.vendor = template.vendor

    def migrated(self) -> DrillDatabase:
        """A fresh database with Ancha's schema and nothing else."""
        if self.vendor == "sqlite":
            path = self.tmp_path / f"drill-{uuid.uuid4().hex[:8]}.sqlite3"
            shutil.copyfile(self.template.path, path)
            return DrillDatabase(f"sqlite:///{path}")
        return self._create_pg(f'TEMPLATE "{self.template.name}"')

    def empty(self) -> DrillDatabase:
        """A database with no tables at all (a new server, say)."""
        if self.vendor == "sqlite":
            return DrillDatabase(f"sqlite:///{self.tmp_path / f'empty-{uuid.uuid4().hex[:8]}.sqlite3'}")
        return self._create_pg()

    def _create_pg(self, options: str = "") -> DrillDatabase:
        name = f"drill_{uuid.uuid4().hex[:12]}"
        with self.blocker.unblock():
            _pg_admin(f'CREATE DATABASE "{name}" {options}'.rstrip())
        self.created.append(name)
        return DrillDatabase(_pg_url(name))

    def drop_all(self):
        with self.blocker.unblock():
            for name in self.created:
                _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def drill_dbs(_drill_template, tmp_path, django_db_blocker):
    """Make fresh databases for drills: `drill_dbs.migrated()`, `drill_dbs.empty()`."""
    databases = DrillDatabases(_drill_template, tmp_path, django_db_blocker)
    yield databases
    if databases.vendor == "postgresql":
        databases.drop_all()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world of tests/security/world.py, committed once for the module and flushed after it."""
    from django.core.management import call_command
    from django.test import override_settings

    from tests.security.world import build_world

    # Hashing strength is not under test here; eleven people and every fuzzed sign-in would pay for it.
    media = override_settings(
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    media.enable()
    try:
        with django_db_blocker.unblock():
            try:
                yield build_world()
            finally:
                call_command("flush", "--noinput", verbosity=0)
    finally:
        media.disable()
        from django.core.cache import cache

        cache.clear()  # the sign-in rate counters the fuzzing ran up
