"""One audit chain per county (issue 13).

The events recorded before this migration stay exactly as they were, bytes and hashes: they
become the start of the deployment's chain (chain '', chain_seq = their old seq), which goes on
from the old head. New events of a county start that county's own chain at the genesis. Nothing
is re-hashed, so every checkpoint taken of the single chain still matches (docs/security.md).

`seq` becomes a record number given by the database (no longer counted under a global lock),
and the head table holds one row per chain. The guards are lifted for the change and the new
ones installed after; their SQL is written out here as it was when this migration was made
(inspection/audit_sql.py keeps the live copy; tests/test_architecture.py compares the two).
"""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

# fmt: off
SQLITE_CREATE = [
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON inspection_auditevent\n        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON inspection_auditevent\n        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_insert_follows_head BEFORE INSERT ON inspection_auditevent WHEN NOT (EXISTS (SELECT 1 FROM inspection_audithead h WHERE h.chain = NEW.chain AND NEW.chain_seq > h.seq AND ((NEW.chain_seq = h.seq + 1 AND NEW.prev_hash = h.hash) OR EXISTS (SELECT 1 FROM inspection_auditevent p WHERE p.chain = NEW.chain AND p.chain_seq = NEW.chain_seq - 1 AND p.hash = NEW.prev_hash))))\n        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: an event must follow its chain head'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON inspection_audithead\n        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: a chain head cannot be deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_head_fresh_insert BEFORE INSERT ON inspection_audithead WHEN NOT (NEW.seq = 0 AND NEW.hash = '0000000000000000000000000000000000000000000000000000000000000000' AND NOT EXISTS (SELECT 1 FROM inspection_auditevent e WHERE e.chain = NEW.chain))\n        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: a new chain head starts at the genesis'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_head_forward BEFORE UPDATE ON inspection_audithead\n        WHEN NEW.id IS NOT OLD.id OR NEW.chain IS NOT OLD.chain OR NOT (EXISTS (SELECT 1 FROM inspection_auditevent e WHERE e.chain = NEW.chain AND e.chain_seq = NEW.seq AND e.hash = NEW.hash) AND NOT EXISTS (SELECT 1 FROM inspection_auditevent f WHERE f.chain = NEW.chain AND f.chain_seq > NEW.seq))\n        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: a chain head moves only to its newest event'); END",
]

SQLITE_DROP = [
    'DROP TRIGGER IF EXISTS audit_no_update',
    'DROP TRIGGER IF EXISTS audit_no_delete',
    'DROP TRIGGER IF EXISTS audit_insert_follows_head',
    'DROP TRIGGER IF EXISTS audit_head_no_delete',
    'DROP TRIGGER IF EXISTS audit_head_fresh_insert',
    'DROP TRIGGER IF EXISTS audit_head_forward',
]

POSTGRES_CREATE = [
    "CREATE OR REPLACE FUNCTION ancha_audit_append_only() RETURNS trigger AS $$\n       BEGIN RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP; END; $$ LANGUAGE plpgsql",
    'CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON inspection_auditevent\n        FOR EACH ROW EXECUTE FUNCTION ancha_audit_append_only()',
    'CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON inspection_auditevent\n        FOR EACH STATEMENT EXECUTE FUNCTION ancha_audit_append_only()',
    "CREATE OR REPLACE FUNCTION ancha_audit_follows_head() RETURNS trigger AS $$\n       BEGIN\n         IF NOT (EXISTS (SELECT 1 FROM inspection_audithead h WHERE h.chain = NEW.chain AND NEW.chain_seq > h.seq AND ((NEW.chain_seq = h.seq + 1 AND NEW.prev_hash = h.hash) OR EXISTS (SELECT 1 FROM inspection_auditevent p WHERE p.chain = NEW.chain AND p.chain_seq = NEW.chain_seq - 1 AND p.hash = NEW.prev_hash)))) THEN\n           RAISE EXCEPTION 'audit log is append-only: an event must follow its chain head';\n         END IF;\n         RETURN NEW;\n       END; $$ LANGUAGE plpgsql",
    'CREATE TRIGGER audit_insert_follows_head BEFORE INSERT ON inspection_auditevent\n        FOR EACH ROW EXECUTE FUNCTION ancha_audit_follows_head()',
    "CREATE OR REPLACE FUNCTION ancha_audit_head_guard() RETURNS trigger AS $$\n       BEGIN\n         IF TG_OP = 'DELETE' THEN\n           RAISE EXCEPTION 'audit log is append-only: a chain head cannot be deleted';\n         ELSIF TG_OP = 'INSERT' THEN\n           IF NOT (NEW.seq = 0 AND NEW.hash = '0000000000000000000000000000000000000000000000000000000000000000' AND NOT EXISTS (SELECT 1 FROM inspection_auditevent e WHERE e.chain = NEW.chain)) THEN\n             RAISE EXCEPTION 'audit log is append-only: a new chain head starts at the genesis';\n           END IF;\n         ELSIF NEW.id IS DISTINCT FROM OLD.id OR NEW.chain IS DISTINCT FROM OLD.chain OR NOT (EXISTS (SELECT 1 FROM inspection_auditevent e WHERE e.chain = NEW.chain AND e.chain_seq = NEW.seq AND e.hash = NEW.hash) AND NOT EXISTS (SELECT 1 FROM inspection_auditevent f WHERE f.chain = NEW.chain AND f.chain_seq > NEW.seq)) THEN\n           RAISE EXCEPTION 'audit log is append-only: a chain head moves only to its newest event';\n         END IF;\n         RETURN NEW;\n       END; $$ LANGUAGE plpgsql",
    'CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON inspection_audithead\n        FOR EACH ROW EXECUTE FUNCTION ancha_audit_head_guard()',
    'CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON inspection_audithead\n        FOR EACH STATEMENT EXECUTE FUNCTION ancha_audit_append_only()',
]

POSTGRES_DROP = [
    'DROP TRIGGER IF EXISTS audit_no_update_delete ON inspection_auditevent',
    'DROP TRIGGER IF EXISTS audit_no_truncate ON inspection_auditevent',
    'DROP TRIGGER IF EXISTS audit_insert_follows_head ON inspection_auditevent',
    'DROP TRIGGER IF EXISTS audit_head_guard ON inspection_audithead',
    'DROP TRIGGER IF EXISTS audit_head_no_truncate ON inspection_audithead',
]

# fmt: on

CREATE = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}
DROP = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}


def _run(connection, statements: dict[str, list[str]]) -> None:
    if connection.vendor not in statements:
        raise RuntimeError(f"no audit guards for database vendor {connection.vendor!r}")
    with connection.cursor() as cursor:
        for sql in statements[connection.vendor]:
            cursor.execute(sql)


def lift_single_chain_guards(apps, schema_editor):
    _run(schema_editor.connection, import_module("inspection.migrations.0002_audit_guards").DROP)


def keep_the_legacy_segment(apps, schema_editor):
    # The old single chain is the deployment chain's first segment: same order, same hashes.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE inspection_auditevent SET chain = '', chain_seq = seq")
        cursor.execute("UPDATE inspection_audithead SET chain = ''")
        if schema_editor.connection.vendor == "postgresql":
            # The new identity columns start past the rows already there, not at 1.
            for table, column in (("inspection_auditevent", "seq"), ("inspection_audithead", "id")):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                    f" COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
                )


def install_chain_guards(apps, schema_editor):
    _run(schema_editor.connection, CREATE)


class Migration(migrations.Migration):
    dependencies = [("inspection", "0006_work_state")]

    operations = [
        migrations.RunPython(lift_single_chain_guards),
        migrations.RemoveConstraint(model_name="audithead", name="audit_head_single_row"),
        migrations.AddField(
            model_name="auditevent", name="chain", field=models.CharField(blank=True, default="", max_length=12)
        ),
        migrations.AddField(model_name="auditevent", name="chain_seq", field=models.BigIntegerField(default=0)),
        migrations.AddField(
            model_name="audithead",
            name="chain",
            field=models.CharField(blank=True, default="", max_length=12, unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent", name="seq", field=models.BigAutoField(primary_key=True, serialize=False)
        ),
        migrations.AlterField(
            model_name="audithead",
            name="id",
            field=models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
        ),
        migrations.RunPython(keep_the_legacy_segment),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("chain", "chain_seq"), name="audit_event_chain_seq"),
        ),
        migrations.RunPython(install_chain_guards),
        migrations.CreateModel(
            name="DamagedFile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("notice", "文书"), ("evidence", "证据")], max_length=16)),
                ("object_id", models.BigIntegerField()),
                ("name", models.CharField(max_length=255)),
                ("label", models.CharField(blank=True, help_text="the notice's number, or the evidence's finding",
                                           max_length=100)),
                ("expected_sha256", models.CharField(max_length=64)),
                ("found_sha256", models.CharField(blank=True, help_text="'' when the file is gone", max_length=64)),
                ("first_found_at", models.DateTimeField()),
                ("last_found_at", models.DateTimeField()),
                ("times", models.PositiveIntegerField(default=1)),
                ("county", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="damaged_files",
                                             to="inspection.county")),
            ],
            options={
                "verbose_name": "受损存档文件",
                "verbose_name_plural": "受损存档文件",
                "constraints": [models.UniqueConstraint(fields=("kind", "object_id"), name="damaged_file_once")],
            },
        ),
    ]
