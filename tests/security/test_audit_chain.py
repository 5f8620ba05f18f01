"""The audit log is append-only in the database, and any tampering is caught with the first bad seq named."""

import io
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from inspection import audit_sql
from inspection.models import AuditEvent, AuditHead
from inspection.services.audit import GENESIS, chain_hash, record_event, verify_chain


@pytest.fixture
def chain(county):
    """Ten events after the county's own set-up events; returns the seqs of the ten."""
    return [record_event("test.step", county=county, data={"n": n, "note": f"第{n}步"}).seq for n in range(10)]


@contextmanager
def attacker_with_database_access():
    """Drop the append-only triggers by hand, as someone with full database access could, then put them back."""
    audit_sql.remove(connection)
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        audit_sql.install(connection)


def run_verify(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().strip(), err.getvalue().strip()


def checkpoint_now():
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    return out.getvalue().strip()


def recompute_from(cursor, seq):
    """Re-hash the chain from `seq` on and move the head along: a forger covering their tracks."""
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        digest = chain_hash(prev, event.payload)
        cursor.execute(
            "UPDATE inspection_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, digest, event.seq]
        )
        prev = digest
    cursor.execute("UPDATE inspection_audithead SET seq = (SELECT MAX(seq) FROM inspection_auditevent), hash = %s", [prev])


class TestVerifyAudit:
    def test_an_untouched_chain_passes_and_prints_its_head(self, chain):
        head = AuditHead.objects.get()
        code, out, _ = run_verify()
        assert code == 0
        assert out == f"{head.seq} {head.hash}"
        assert head.seq == chain[-1] == AuditEvent.objects.count()

    def test_an_empty_chain_passes_at_the_genesis(self, db):
        assert run_verify()[:2] == (0, f"0 {GENESIS}")

    def test_audit_checkpoint_prints_the_verified_head(self, chain):
        head = AuditHead.objects.get()
        assert checkpoint_now() == f"{head.seq} {head.hash}"

    def test_an_edited_payload_is_caught_at_its_seq(self, chain):
        target = chain[4]
        with attacker_with_database_access() as cursor:
            cursor.execute(
                "UPDATE inspection_auditevent SET payload = REPLACE(payload, '第4步', '第四步') WHERE seq = %s", [target]
            )
        code, out, err = run_verify()
        assert (code, out) == (1, f"first bad seq: {target}")
        assert f"第 {target} 号" in err

    def test_an_edited_column_is_caught_even_with_the_payload_untouched(self, chain):
        with attacker_with_database_access() as cursor:
            cursor.execute("UPDATE inspection_auditevent SET actor = 'someone' WHERE seq = %s", [chain[2]])
        assert run_verify()[:2] == (1, f"first bad seq: {chain[2]}")

    def test_a_deleted_row_is_caught_at_its_seq(self, chain):
        with attacker_with_database_access() as cursor:
            cursor.execute("DELETE FROM inspection_auditevent WHERE seq = %s", [chain[3]])
        assert run_verify()[:2] == (1, f"first bad seq: {chain[3]}")

    def test_two_swapped_rows_are_caught_at_the_earlier(self, chain):
        a, b = chain[2], chain[6]
        with attacker_with_database_access() as cursor:
            cursor.execute("UPDATE inspection_auditevent SET seq = -1 WHERE seq = %s", [a])
            cursor.execute("UPDATE inspection_auditevent SET seq = %s WHERE seq = %s", [a, b])
            cursor.execute("UPDATE inspection_auditevent SET seq = %s WHERE seq = -1", [b])
        assert run_verify()[:2] == (1, f"first bad seq: {a}")

    def test_a_cut_tail_is_caught_after_the_last_event_left(self, chain):
        with attacker_with_database_access() as cursor:
            cursor.execute("DELETE FROM inspection_auditevent WHERE seq > %s", [chain[7]])
        assert run_verify()[:2] == (1, f"first bad seq: {chain[7] + 1}")

    def test_a_cut_tail_with_the_head_wound_back_is_caught_by_a_checkpoint(self, chain):
        saved = checkpoint_now()
        with attacker_with_database_access() as cursor:
            cursor.execute("DELETE FROM inspection_auditevent WHERE seq > %s", [chain[7]])
            kept = AuditEvent.objects.get(seq=chain[7])
            cursor.execute("UPDATE inspection_audithead SET seq = %s, hash = %s", [kept.seq, kept.hash])
        assert run_verify()[0] == 0, "without a checkpoint a clean cut cannot be seen"
        assert run_verify("--checkpoint", saved)[:2] == (1, f"first bad seq: {chain[7] + 1}")

    def test_a_fully_recomputed_chain_is_caught_against_a_checkpoint(self, chain, tmp_path):
        early = checkpoint_now()  # kept off the machine before the forgery
        record_event("test.later", data={"n": 10})
        late = checkpoint_now()
        with attacker_with_database_access() as cursor:
            cursor.execute(
                "UPDATE inspection_auditevent SET payload = REPLACE(payload, '第1步', '第一步') WHERE seq = %s",
                [chain[1]],
            )
            recompute_from(cursor, chain[1])
        assert run_verify()[0] == 0, "a re-hashed chain is consistent in itself"
        assert run_verify("--checkpoint", late)[:2] == (1, f"first bad seq: {int(late.split()[0])}")
        # A file of daily checkpoints narrows it to the first one after the forgery.
        book = tmp_path / "checkpoints.txt"
        book.write_text(f"# kept off the machine\n{chain[0]} {AuditEvent.objects.get(seq=chain[0]).hash}\n"
                        f"{early}\n{late}\n", encoding="utf-8")
        assert run_verify("--checkpoint", str(book))[:2] == (1, f"first bad seq: {int(early.split()[0])}")

    def test_a_forged_checkpoint_line_is_a_clear_error(self, chain):
        with pytest.raises(CommandError, match="检查点无效"):
            call_command("verify_audit", "--checkpoint", "12 not-a-hash")

    def test_a_matching_checkpoint_file_written_by_audit_checkpoint_passes(self, chain, tmp_path):
        book = tmp_path / "book.txt"
        call_command("audit_checkpoint", "--append", str(book), stdout=io.StringIO())
        record_event("test.after", data={})
        call_command("audit_checkpoint", "--append", str(book), stdout=io.StringIO())
        assert len(book.read_text().splitlines()) == 2
        assert run_verify("--checkpoint", str(book))[0] == 0

    def test_audit_checkpoint_refuses_to_vouch_for_a_broken_chain(self, chain):
        with attacker_with_database_access() as cursor:
            cursor.execute("DELETE FROM inspection_auditevent WHERE seq = %s", [chain[0]])
        with pytest.raises(SystemExit) as exit_:
            call_command("audit_checkpoint", stdout=io.StringIO(), stderr=io.StringIO())
        assert exit_.value.code == 1


class TestTheDatabaseRefusesChanges:
    @pytest.fixture
    def event(self, county):
        return record_event("test.one", county=county, data={"n": 1})

    def refused(self):
        return pytest.raises(DatabaseError, match="append-only")

    def test_orm_save_of_an_existing_event_is_refused(self, event):
        event.action = "tampered"
        with self.refused(), transaction.atomic():
            event.save()

    def test_orm_delete_of_an_event_is_refused(self, event):
        with self.refused(), transaction.atomic():
            event.delete()

    def test_queryset_update_and_delete_are_refused(self, event):
        with self.refused(), transaction.atomic():
            AuditEvent.objects.all().update(actor="x")
        with self.refused(), transaction.atomic():
            AuditEvent.objects.all().delete()

    @pytest.mark.parametrize(
        "sql", ["UPDATE inspection_auditevent SET action = 'x'", "DELETE FROM inspection_auditevent"]
    )
    def test_raw_sql_update_and_delete_are_refused(self, event, sql):
        with self.refused(), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)

    def test_truncate_is_refused_on_postgresql(self, event):
        if connection.vendor != "postgresql":
            pytest.skip("SQLite has no TRUNCATE; its DELETE without WHERE is refused above")
        with self.refused(), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE inspection_auditevent CASCADE")

    def test_the_rows_are_all_still_there_after_the_refusals(self, event):
        for sql in ["UPDATE inspection_auditevent SET action = 'x'", "DELETE FROM inspection_auditevent"]:
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
        assert AuditEvent.objects.get(seq=event.seq).action == "test.one"
        assert verify_chain().ok


class TestConcurrentAppends:
    def test_concurrent_writers_leave_a_gap_free_valid_chain(self, drill_dbs):
        database = drill_dbs.migrated()
        result = database.json("audit_threads", 4, 25)
        assert result["errors"] == []
        assert result["seqs"] == list(range(1, len(result["seqs"]) + 1))
        assert result["per_thread"] == sorted([t, n] for t in range(4) for n in range(25))
        assert result["ok"], result["problem"]
