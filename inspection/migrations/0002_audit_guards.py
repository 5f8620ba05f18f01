"""The audit table becomes append-only in the database: triggers per vendor.

The SQL is written out here as it was when this migration was made, so that this step of the
history stays what it was; inspection/audit_sql.py keeps the live copy (flush lifts and restores
it), and a change to it needs a new migration (tests/test_architecture.py compares the two).
"""

from django.db import migrations

GENESIS = "0" * 64

SQLITE_CREATE = [
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON inspection_auditevent
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON inspection_auditevent
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_no_update",
    "DROP TRIGGER IF EXISTS audit_no_delete",
]

POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION ancha_audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON inspection_auditevent
        FOR EACH ROW EXECUTE FUNCTION ancha_audit_append_only()""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON inspection_auditevent
        FOR EACH STATEMENT EXECUTE FUNCTION ancha_audit_append_only()""",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_no_update_delete ON inspection_auditevent",
    "DROP TRIGGER IF EXISTS audit_no_truncate ON inspection_auditevent",
]

CREATE = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}
DROP = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}


def _run(connection, statements: dict[str, list[str]]) -> None:
    if connection.vendor not in statements:
        raise RuntimeError(f"no audit guards for database vendor {connection.vendor!r}")
    with connection.cursor() as cursor:
        for sql in statements[connection.vendor]:
            cursor.execute(sql)


def forwards(apps, schema_editor):
    apps.get_model("inspection", "AuditHead").objects.get_or_create(id=1, defaults={"seq": 0, "hash": GENESIS})
    _run(schema_editor.connection, CREATE)


def backwards(apps, schema_editor):
    _run(schema_editor.connection, DROP)


class Migration(migrations.Migration):
    dependencies = [("inspection", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
