"""Upserts cannot get round the guards (issue 13): SQLite's INSERT OR REPLACE and the
INSERT ... ON CONFLICT DO UPDATE of both databases are refused on audit rows, chain heads and a
submitted inspection's frozen record.

ON CONFLICT DO UPDATE fires the UPDATE row triggers on both vendors. INSERT OR REPLACE deletes
the old row first, which fires the DELETE triggers only with `PRAGMA recursive_triggers = ON`,
set on every SQLite connection (ancha/env.py); the audit tables also refuse the INSERT itself."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from inspection.models import AuditEvent, AuditHead, Inspection
from inspection.services.audit import record_event, verify_chain
from tests.inspection.field_fixtures import dispatched, item, sun  # noqa: F401
from tests.inspection.test_submit_api import submitted  # noqa: F401

pytestmark = pytest.mark.django_db

EVENT_COLUMNS = "seq, chain, chain_seq, at, actor, action, object_type, object_id, county_code, payload, prev_hash, hash"


def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("INSERT OR REPLACE is SQLite's; PostgreSQL's upsert is ON CONFLICT, tested on both")


def refused():
    """Refused by a guard, not by anything else (a syntax error would pass a bare raises)."""
    return pytest.raises((DatabaseError, IntegrityError), match="append-only|is submitted")


def run(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def event(county):
    record_event("test.one", county=county, data={"n": 1})
    return record_event("test.two", county=county, data={"n": 2})


def event_values(event, action):
    return [event.seq, event.chain, event.chain_seq, event.at, "", action, "", "", event.county_code,
            event.payload.replace("test.two", action), event.prev_hash, event.hash]


def test_every_sqlite_connection_fires_triggers_for_replace(db):
    sqlite_only()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA recursive_triggers")
        assert cursor.fetchone()[0] == 1


class TestAuditRows:
    def test_insert_or_replace_of_an_audit_row_is_refused(self, event):
        sqlite_only()
        with refused():
            run(f"INSERT OR REPLACE INTO inspection_auditevent ({EVENT_COLUMNS}) VALUES ({', '.join(['%s'] * 12)})",
                event_values(event, "test.forged"))
        assert AuditEvent.objects.get(seq=event.seq).action == "test.two" and verify_chain().ok

    def test_on_conflict_do_update_of_an_audit_row_is_refused(self, event):
        with refused():
            run(f"INSERT INTO inspection_auditevent ({EVENT_COLUMNS}) VALUES ({', '.join(['%s'] * 12)})"
                " ON CONFLICT (seq) DO UPDATE SET action = excluded.action, payload = excluded.payload",
                event_values(event, "test.forged"))
        assert AuditEvent.objects.get(seq=event.seq).action == "test.two" and verify_chain().ok


class TestHeads:
    def test_insert_or_replace_of_a_head_is_refused(self, event):
        sqlite_only()
        head = AuditHead.objects.get(chain=event.chain)
        earlier = AuditEvent.objects.get(chain=event.chain, chain_seq=event.chain_seq - 1)
        with refused():
            run("INSERT OR REPLACE INTO inspection_audithead (id, chain, seq, hash) VALUES (%s, %s, %s, %s)",
                [head.pk, head.chain, earlier.chain_seq, earlier.hash])
        assert AuditHead.objects.get(chain=event.chain).seq == event.chain_seq

    def test_on_conflict_do_update_winding_a_head_back_is_refused(self, event):
        head = AuditHead.objects.get(chain=event.chain)
        earlier = AuditEvent.objects.get(chain=event.chain, chain_seq=event.chain_seq - 1)
        for key in ("id", "chain"):
            with refused():
                run("INSERT INTO inspection_audithead (id, chain, seq, hash) VALUES (%s, %s, %s, %s)"
                    f" ON CONFLICT ({key}) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                    [head.pk, head.chain, earlier.chain_seq, earlier.hash])
        assert AuditHead.objects.get(chain=event.chain).seq == event.chain_seq and verify_chain().ok


def copy_with_score(inspection, score):
    """A full copy of the inspection's row, score changed, in a temporary table (both vendors)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS forged_inspection")
        cursor.execute("CREATE TEMPORARY TABLE forged_inspection AS SELECT * FROM inspection_inspection WHERE id = %s",
                       [inspection.pk])
        cursor.execute("UPDATE forged_inspection SET score = %s", [score])


class TestFrozenInspection:
    def test_insert_or_replace_of_a_submitted_inspection_is_refused(self, submitted):
        sqlite_only()
        copy_with_score(submitted, 100)
        with refused():
            run("INSERT OR REPLACE INTO inspection_inspection SELECT * FROM forged_inspection")
        assert Inspection.objects.get(pk=submitted.pk).score == submitted.score != 100

    def test_without_recursive_triggers_the_same_replace_would_have_gone_through(self, submitted):
        """Why the pragma matters: the case an outside review found (issue 13)."""
        sqlite_only()
        copy_with_score(submitted, 100)
        try:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA recursive_triggers = OFF")
            with transaction.atomic():
                run("INSERT OR REPLACE INTO inspection_inspection SELECT * FROM forged_inspection")
                assert Inspection.objects.get(pk=submitted.pk).score == 100
                transaction.set_rollback(True)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA recursive_triggers = ON")
        assert Inspection.objects.get(pk=submitted.pk).score == submitted.score

    def test_on_conflict_do_update_of_a_submitted_score_is_refused(self, submitted):
        copy_with_score(submitted, 100)
        with refused():
            # `WHERE true`: SQLite's parser needs it between a SELECT and ON CONFLICT.
            run("INSERT INTO inspection_inspection SELECT * FROM forged_inspection WHERE true"
                " ON CONFLICT (id) DO UPDATE SET score = excluded.score")
        assert Inspection.objects.get(pk=submitted.pk).score == submitted.score != 100
