"""Backups: a drill restores into a fresh database; the audit chain verifies and every count is equal."""

import pytest


@pytest.fixture
def source(drill_dbs):
    database = drill_dbs.migrated()
    database.json("seed")
    return database


def test_a_backup_restored_into_a_fresh_database_verifies_with_every_count_equal(source, drill_dbs, tmp_path):
    before = source.json("counts")
    assert before["tables"]["inspection_auditevent"] > 5 and before["tables"]["inspection_township"] == 30

    backup = tmp_path / "ancha.backup"
    made = source.manage("backup", backup)
    assert made.returncode == 0, made.stderr
    assert f"备份时的审计链头：{before['head']}" in made.stdout

    fresh = drill_dbs.empty()
    restored = fresh.manage("restore", backup)
    assert restored.returncode == 0, restored.stderr
    verified = fresh.manage("verify_audit")
    # verify_audit prints one line per chain, then the root (issue 13): the root is the same.
    assert verified.returncode == 0 and verified.stdout.strip().splitlines()[-1] == before["head"]
    assert fresh.json("counts") == before
    assert "append-only" in fresh.json("tamper_audit")["refused"], "the restored table is still append-only"

    # Restoring over a database that has tables must be meant.
    refused = fresh.manage("restore", backup)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == ["CommandError: 目标数据库已有数据表；如确要用备份覆盖，请加 --replace"]
    replaced = fresh.manage("restore", backup, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert fresh.json("counts") == before


def test_restore_refuses_a_file_that_is_not_a_backup(drill_dbs, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup", encoding="utf-8")
    result = drill_dbs.empty().manage("restore", junk)
    assert result.returncode == 1 and "不是 Ancha 的备份文件" in result.stderr
