"""The audit log: one append-only chain per county plus the deployment's; any tampering is caught
with the first bad `county seq` named, and a cut older than the last checkpoint too.

Since issue 13 the chain is split by county (the expectations of the single chain were changed on
purpose: `verify_audit` prints one line per chain and the root, and names `county seq`)."""

import hashlib
import io
import json
import logging
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from inspection import audit_sql
from inspection.models import AuditEvent, AuditHead
from inspection.services.audit import GENESIS, chain_hash, record_event, verify_chain

CODE = "520581"


@pytest.fixture
def chain(county):
    """Ten events in the county's chain after its set-up events; returns their chain seqs."""
    return [record_event("test.step", county=county, data={"n": n, "note": f"第{n}步"}).chain_seq for n in range(10)]


def event_at(seq, code=CODE):
    return AuditEvent.objects.get(chain=code, chain_seq=seq)


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


def cut_tail(cursor, keep, code=CODE, reset_head=True):
    """Delete a chain's events after `keep` and, covering the tracks, wind its head back."""
    cursor.execute("DELETE FROM inspection_auditevent WHERE chain = %s AND chain_seq > %s", [code, keep])
    if reset_head:
        kept = event_at(keep, code)
        cursor.execute("UPDATE inspection_audithead SET seq = %s, hash = %s WHERE chain = %s", [keep, kept.hash, code])


def recompute_from(cursor, seq, code=CODE):
    """Re-hash a chain from `seq` on and move its head along: a forger covering their tracks."""
    prev = event_at(seq - 1, code).hash if seq > 1 else GENESIS
    for event in AuditEvent.objects.filter(chain=code, chain_seq__gte=seq).order_by("chain_seq"):
        digest = chain_hash(prev, event.payload)
        cursor.execute(
            "UPDATE inspection_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, digest, event.seq]
        )
        prev = digest
    cursor.execute(
        "UPDATE inspection_audithead SET seq = (SELECT MAX(chain_seq) FROM inspection_auditevent WHERE chain = %s),"
        " hash = %s WHERE chain = %s",
        [code, prev, code],
    )


def expected_lines():
    """The heads and root as DESIGN.md §4 and docs/security.md define them, computed here by hand."""
    heads = sorted(AuditHead.objects.values_list("chain", "seq", "hash"))
    rows = json.dumps([list(h) for h in heads], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    root = hashlib.sha256(rows.encode("utf-8")).hexdigest()
    return [f"{c or '-'} {s} {h}" for c, s, h in heads] + [f"root {root}"]


class TestChainsPerCounty:
    def test_each_chain_passes_and_prints_its_head_then_the_root(self, chain, other_county):
        record_event("test.other", county=other_county, data={})
        record_event("test.deployment", data={})
        code, out, err = run_verify()
        assert code == 0, err
        lines = out.splitlines()
        assert lines == expected_lines()
        assert [line.split()[0] for line in lines] == ["-", other_county.code, CODE, "root"]
        assert lines[2].split()[1:] == [str(chain[-1]), event_at(chain[-1]).hash]

    def test_an_empty_database_passes_at_the_genesis(self, db):
        code, out, _ = run_verify()
        assert code == 0 and out.splitlines() == expected_lines()
        assert out.splitlines()[0] == f"- 0 {GENESIS}"

    def test_each_county_counts_its_own_chain_from_the_genesis(self, chain, other_county):
        last = record_event("test.other", county=other_county, data={})
        first = AuditEvent.objects.filter(chain=other_county.code).order_by("chain_seq").first()
        assert (first.chain, first.chain_seq, first.prev_hash) == (other_county.code, 1, GENESIS)
        mine = list(AuditEvent.objects.filter(chain=CODE).order_by("chain_seq").values_list("chain_seq", flat=True))
        assert mine == list(range(1, len(mine) + 1)) and mine[-10:] == chain
        assert AuditHead.objects.get(chain=other_county.code).hash == last.hash

    def test_events_without_a_county_go_to_the_deployment_chain(self, chain):
        event = record_event("test.deployment", data={})
        assert event.chain == "" and AuditHead.objects.get(chain="").hash == event.hash

    def test_audit_checkpoint_prints_the_verified_heads_and_root(self, chain):
        assert checkpoint_now().splitlines() == expected_lines()


class TestTampering:
    def test_an_edited_payload_is_caught_at_its_county_and_seq(self, chain):
        target = event_at(chain[4])
        with attacker_with_database_access() as cursor:
            cursor.execute(
                "UPDATE inspection_auditevent SET payload = REPLACE(payload, '第4步', '第四步') WHERE seq = %s",
                [target.seq],
            )
        code, out, err = run_verify()
        assert (code, out) == (1, f"first bad seq: {CODE} {chain[4]}")
        assert f"{CODE} 链第 {chain[4]} 号记录（记录号 {target.seq}）" in err

    def test_a_tampered_chain_does_not_hide_behind_a_sound_one(self, chain, other_county):
        record_event("test.other", county=other_county, data={})
        with attacker_with_database_access() as cursor:
            cursor.execute("UPDATE inspection_auditevent SET actor = 'someone' WHERE seq = %s", [event_at(chain[2]).seq])
        assert run_verify()[:2] == (1, f"first bad seq: {CODE} {chain[2]}")

    def test_an_event_moved_to_another_chain_is_caught(self, chain, other_county):
        with attacker_with_database_access() as cursor:
            cursor.execute(
                "UPDATE inspection_auditevent SET chain = %s, chain_seq = 999 WHERE seq = %s",
                [other_county.code, event_at(chain[-1]).seq],
            )
        assert run_verify()[0] == 1

    def test_a_deleted_row_is_caught_at_its_seq(self, chain):
        with attacker_with_database_access() as cursor:
            cursor.execute("DELETE FROM inspection_auditevent WHERE seq = %s", [event_at(chain[3]).seq])
        assert run_verify()[:2] == (1, f"first bad seq: {CODE} {chain[3]}")

    def test_two_swapped_rows_are_caught_at_the_earlier(self, chain):
        a, b = event_at(chain[2]).seq, event_at(chain[6]).seq
        with attacker_with_database_access() as cursor:
            cursor.execute("UPDATE inspection_auditevent SET chain_seq = -1 WHERE seq = %s", [a])
            cursor.execute("UPDATE inspection_auditevent SET chain_seq = %s WHERE seq = %s", [chain[2], b])
            cursor.execute("UPDATE inspection_auditevent SET chain_seq = %s WHERE seq = %s", [chain[6], a])
        assert run_verify()[:2] == (1, f"first bad seq: {CODE} {chain[2]}")

    def test_a_cut_tail_is_caught_after_the_last_event_left(self, chain):
        with attacker_with_database_access() as cursor:
            cut_tail(cursor, chain[7], reset_head=False)
        assert run_verify()[:2] == (1, f"first bad seq: {CODE} {chain[7] + 1}")

    def test_a_cut_tail_with_the_head_wound_back_is_caught_by_a_checkpoint(self, chain):
        saved = checkpoint_now()
        with attacker_with_database_access() as cursor:
            cut_tail(cursor, chain[7])
        assert run_verify()[0] == 0, "without a checkpoint a clean cut cannot be seen"
        code, out, err = run_verify("--checkpoint", saved)
        assert (code, out) == (1, f"first bad seq: {CODE} {chain[7] + 1}")
        assert "尾部被截断" in err

    def test_a_fully_recomputed_chain_is_caught_against_a_checkpoint(self, chain, tmp_path):
        early = checkpoint_now()  # kept off the machine before the forgery
        record_event("test.later", county=CODE, data={"n": 10})
        late = checkpoint_now()
        with attacker_with_database_access() as cursor:
            cursor.execute(
                "UPDATE inspection_auditevent SET payload = REPLACE(payload, '第1步', '第一步') WHERE seq = %s",
                [event_at(chain[1]).seq],
            )
            recompute_from(cursor, chain[1])
        assert run_verify()[0] == 0, "a re-hashed chain is consistent in itself"
        late_seq = int(late.splitlines()[1].split()[1])
        early_seq = int(early.splitlines()[1].split()[1])
        assert run_verify("--checkpoint", late)[:2] == (1, f"first bad seq: {CODE} {late_seq}")
        # A file of daily checkpoints narrows it to the first one after the forgery.
        book = tmp_path / "checkpoints.txt"
        book.write_text(f"# kept off the machine\n{CODE} {chain[0]} {event_at(chain[0]).hash}\n\n"
                        f"{early}\n\n{late}\n", encoding="utf-8")
        assert run_verify("--checkpoint", str(book))[:2] == (1, f"first bad seq: {CODE} {early_seq}")

    def test_the_single_chains_seq_hash_checkpoint_still_means_the_deployment_chain(self, db):
        events = [record_event("test.deployment", data={"n": n}) for n in range(3)]
        assert run_verify("--checkpoint", f"{events[1].chain_seq} {events[1].hash}")[0] == 0
        assert run_verify("--checkpoint", f"{events[1].chain_seq} {events[0].hash}")[:2] == (
            1, f"first bad seq: - {events[1].chain_seq}")

    @pytest.mark.parametrize("line", ["12 not-a-hash", f"52058x 1 {GENESIS}", f"- 1 {GENESIS}\nroot {'1' * 64}"])
    def test_a_forged_checkpoint_line_is_a_clear_error(self, chain, line):
        with pytest.raises(CommandError, match="检查点无效"):
            call_command("verify_audit", "--checkpoint", line)

    def test_a_checkpoint_file_line_whose_root_was_edited_is_refused(self, chain, tmp_path):
        book = tmp_path / "book.jsonl"
        call_command("audit_checkpoint", "--append", str(book), stdout=io.StringIO())
        point = json.loads(book.read_text())
        point["heads"][1]["seq"] += 5  # someone "moves" a county's checkpoint forward, root left alone
        book.write_text(json.dumps(point) + "\n")
        with pytest.raises(CommandError, match="根哈希与所列链头不符"):
            call_command("verify_audit", "--checkpoint", str(book))

    def test_a_matching_checkpoint_file_written_by_audit_checkpoint_passes(self, chain, tmp_path):
        book = tmp_path / "book.jsonl"
        call_command("audit_checkpoint", "--append", str(book), stdout=io.StringIO())
        record_event("test.after", county=CODE, data={})
        call_command("audit_checkpoint", "--append", str(book), stdout=io.StringIO())
        lines = book.read_text().splitlines()
        assert len(lines) == 2 and all(json.loads(line)["root"] for line in lines)
        assert run_verify("--checkpoint", str(book))[0] == 0

    def test_audit_checkpoint_refuses_to_vouch_for_a_broken_chain(self, chain, tmp_path):
        book = tmp_path / "book.jsonl"
        with attacker_with_database_access() as cursor:
            cursor.execute("DELETE FROM inspection_auditevent WHERE seq = %s", [event_at(chain[0]).seq])
        with pytest.raises(SystemExit) as exit_:
            call_command("audit_checkpoint", "--append", str(book), stdout=io.StringIO(), stderr=io.StringIO())
        assert exit_.value.code == 1 and not book.exists()


class TestTheMorningCheckpoint:
    """`escalate` (the daily job) appends a checkpoint to ANCHA_AUDIT_CHECKPOINT_FILE, which
    `verify_audit` reads by default."""

    @pytest.fixture
    def book(self, settings, tmp_path):
        settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "off-site" / "audit.jsonl")
        return tmp_path / "off-site" / "audit.jsonl"

    def escalate(self):
        out, err = io.StringIO(), io.StringIO()
        call_command("escalate", stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_a_tail_cut_older_than_the_morning_checkpoint_is_caught_naming_the_chain(self, chain, book):
        out, _ = self.escalate()
        assert "audit checkpoint" in out
        point = json.loads(book.read_text().splitlines()[-1])
        assert [f"{h['chain'] or '-'} {h['seq']} {h['hash']}" for h in point["heads"]] + [
            f"root {point['root']}"] == expected_lines()
        with attacker_with_database_access() as cursor:
            cut_tail(cursor, chain[4])
        code, out, err = run_verify()
        assert (code, out) == (1, f"first bad seq: {CODE} {chain[4] + 1}")
        assert "尾部被截断" in err

    def test_a_cut_of_only_what_came_after_the_last_checkpoint_is_not_caught(self, chain, book):
        """The documented limit (docs/security.md): events newer than every checkpoint can vanish."""
        self.escalate()
        later = [record_event("test.later", county=CODE, data={"n": n}).chain_seq for n in range(3)]
        with attacker_with_database_access() as cursor:
            cut_tail(cursor, later[0] - 1)
        assert run_verify()[0] == 0

    def test_a_broken_chain_gets_no_checkpoint_and_is_reported(self, chain, book, caplog):
        with attacker_with_database_access() as cursor:
            cursor.execute("UPDATE inspection_auditevent SET actor = 'x' WHERE seq = %s", [event_at(chain[1]).seq])
        with caplog.at_level(logging.WARNING, logger="ancha.security"):
            _, err = self.escalate()
        assert f"审计链校验失败：{CODE} 链第 {chain[1]} 号记录" in err
        assert not book.exists()
        assert any('"event": "audit.chain_broken"' in r.getMessage() for r in caplog.records)

    def test_no_file_configured_writes_nothing(self, chain, settings, tmp_path):
        settings.AUDIT_CHECKPOINT_FILE = None
        out, _ = self.escalate()
        assert "audit checkpoint" not in out and not list(tmp_path.iterdir())


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
        for table in ("inspection_auditevent", "inspection_audithead"):
            with self.refused(), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table} CASCADE")

    def test_an_insert_that_does_not_follow_its_head_is_refused(self, event):
        fields = dict(at=event.at, action="forged", payload="{}", county_code=event.chain, chain=event.chain)
        for chain_seq, prev in ((event.chain_seq + 2, event.hash), (event.chain_seq + 1, GENESIS)):
            with self.refused(), transaction.atomic():
                AuditEvent.objects.create(chain_seq=chain_seq, prev_hash=prev, hash=str(chain_seq) * 64, **fields)

    def test_the_head_moves_only_to_its_chains_newest_event(self, event, other_county):
        record_event("test.two", county=event.chain, data={})
        foreign = record_event("test.other", county=other_county, data={})
        for seq, digest in ((event.chain_seq, event.hash), (event.chain_seq + 1, "f" * 64),
                            (foreign.chain_seq, foreign.hash), (0, GENESIS)):
            with self.refused(), transaction.atomic():
                AuditHead.objects.filter(chain=event.chain).update(seq=seq, hash=digest)
        with self.refused(), transaction.atomic():
            AuditHead.objects.filter(chain=event.chain).update(chain=other_county.code + "9")

    def test_a_head_cannot_be_deleted_or_started_anywhere_but_the_genesis(self, event):
        with self.refused(), transaction.atomic():
            AuditHead.objects.filter(chain=event.chain).delete()
        with self.refused(), transaction.atomic():
            AuditHead.objects.create(chain="999999", seq=3, hash="a" * 64)
        AuditHead.objects.create(chain="999999", seq=0, hash=GENESIS)  # a fresh chain may start

    def test_the_rows_are_all_still_there_after_the_refusals(self, event):
        for sql in ["UPDATE inspection_auditevent SET action = 'x'", "DELETE FROM inspection_auditevent",
                    "UPDATE inspection_audithead SET seq = 0", "DELETE FROM inspection_audithead"]:
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
        assert AuditEvent.objects.get(seq=event.seq).action == "test.one"
        assert verify_chain().ok


class TestFlush:
    def test_flush_is_refused_outside_tests_and_the_record_stays(self, county, settings):
        settings.ANCHA_ALLOW_FLUSH = False
        before = AuditEvent.objects.count()
        with pytest.raises(CommandError, match="flush 会清空全部数据"):
            call_command("flush", "--noinput", stdout=io.StringIO())
        assert before and AuditEvent.objects.count() == before and verify_chain().ok


class TestConcurrentAppends:
    def test_concurrent_writers_leave_a_gap_free_valid_chain(self, drill_dbs):
        database = drill_dbs.migrated()
        result = database.json("audit_threads", 4, 25)
        assert result["errors"] == []
        assert result["seqs"] == list(range(1, len(result["seqs"]) + 1))
        assert result["per_thread"] == sorted([t, n] for t in range(4) for n in range(25))
        assert result["ok"], result["problem"]

    def test_writers_of_four_counties_at_once_leave_four_gap_free_chains(self, drill_dbs):
        database = drill_dbs.migrated()
        result = database.json("audit_threads", 4, 25, "counties")
        assert result["errors"] == [] and result["ok"], result
        assert result["chains"] == {f"52058{t}": list(range(1, 26)) for t in range(4)}


class TestTheSingleChainBeforeTheSplit:
    def test_events_recorded_before_migration_0007_stay_verifiable_and_unchanged(self, drill_dbs):
        result = drill_dbs.empty().json("legacy_chain")
        assert result["before"] == result["after"], "no old event was re-hashed"
        assert result["verify_old_checkpoint"] == 0, result
        assert result["deployment_next"] == [len(result["before"]) + 1, result["before"][-1][1]]
        assert result["county_first"] == [1, GENESIS]
        assert result["ok"], result
