"""The demo county's played history (load_demo's weeks through the real services), for the files
that only read it.

Playing twelve weeks costs ~30 s of CPU. inspection/test_demo.py and web/test_audit_filters.py
read the same history (twelve weeks up to SUNDAY), so a worker plays it once, keeps a copy of the
database as the play left it (SQLite's backup API; PostgreSQL `CREATE DATABASE … TEMPLATE`) and
puts that copy back for the next file that asks. tests/testenv.py hands the files of
SHARED_FILES to one worker, in a row, so that the copy is there when the second one starts.
Each file still gets the history as the play left it (nothing a test of another file wrote) and
wipes the database after it, as before.
"""

import uuid
from dataclasses import dataclass
from datetime import date

SUNDAY = date(2026, 11, 29)
WEEKS = 12
SHARED_FILES = ("tests/inspection/test_demo.py", "tests/web/test_audit_filters.py")


@dataclass
class _Snapshot:
    where: str  # the SQLite file, or the PostgreSQL template database
    report: object  # load_demo_history's DemoReport (plain data)


_snapshots: dict[tuple[int, date], _Snapshot] = {}


def played(django_db_blocker, tmp_path_factory, *, weeks: int, today: date):
    """The demo county with `weeks` weeks played up to `today`, for a module; wiped after it.
    A generator for a module-scoped fixture: yields (county, DemoReport)."""
    from django.core.management import call_command

    from inspection.models import County
    from inspection.services.demo import load_demo_history
    from inspection.services.setup import ensure_default_checklist, import_divisions, load_demo_people

    with django_db_blocker.unblock():
        snapshot = _snapshots.get((weeks, today))
        if snapshot is not None:
            _restore(snapshot.where)
            county, report = County.objects.get(code="520581"), snapshot.report
        else:
            county, _, _ = import_divisions(county_code="520581")
            ensure_default_checklist(county=county)
            load_demo_people(county=county, password="demo-pw")
            report = load_demo_history(county=county, weeks=weeks, today=today)
            _snapshots[(weeks, today)] = _Snapshot(_take(tmp_path_factory), report)
        yield county, report
        call_command("flush", interactive=False, verbosity=0)


def _take(tmp_path_factory) -> str:
    from tests.security.conftest import _vendor, copy_test_database

    if _vendor() == "sqlite":
        return copy_test_database(sqlite_path=tmp_path_factory.mktemp("demo") / "played.sqlite3", pg_name="")
    return copy_test_database(sqlite_path=None, pg_name=f"demo_played_{uuid.uuid4().hex[:10]}")


def _restore(where: str) -> None:
    from django.db import connection, connections

    from tests.security.conftest import _vendor

    if _vendor() == "sqlite":
        import sqlite3

        connection.ensure_connection()
        source = sqlite3.connect(where)
        source.backup(connection.connection)
        source.close()
        return
    from tests.security.conftest import _pg_admin

    name = connection.settings_dict["NAME"]
    connections.close_all()
    _pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{where}"')


def drop_snapshots(django_db_blocker) -> None:
    """At the end of the session: PostgreSQL's copies are databases of the server."""
    from tests.security.conftest import _pg_admin, _vendor

    if not _snapshots or _vendor() == "sqlite":
        _snapshots.clear()
        return
    with django_db_blocker.unblock():
        for snapshot in _snapshots.values():
            _pg_admin(f'DROP DATABASE IF EXISTS "{snapshot.where}" WITH (FORCE)')
    _snapshots.clear()
