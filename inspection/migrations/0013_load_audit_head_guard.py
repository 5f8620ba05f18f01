"""The audit head's guard reads "the chain's newest event" as max(chain_seq) (issue 14).

Its former NOT EXISTS (chain_seq > NEW.seq) was planned once per connection by PL/pgSQL as a
generic plan that, with one county in the log, scanned the whole event table on every audited
write. The guard allows and refuses exactly the same head moves. The guards' SQL is written out
as it is now (inspection/audit_sql.py keeps the live copy; tests/test_architecture.py compares
the two).
"""

from importlib import import_module

from django.db import migrations

# fmt: off
SQLITE_CREATE = ["CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON inspection_auditevent\n        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END", "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON inspection_auditevent\n        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END", "CREATE TRIGGER IF NOT EXISTS audit_insert_follows_head BEFORE INSERT ON inspection_auditevent WHEN NOT (EXISTS (SELECT 1 FROM inspection_audithead h WHERE h.chain = NEW.chain AND NEW.chain_seq > h.seq AND ((NEW.chain_seq = h.seq + 1 AND NEW.prev_hash = h.hash) OR EXISTS (SELECT 1 FROM inspection_auditevent p WHERE p.chain = NEW.chain AND p.chain_seq = NEW.chain_seq - 1 AND p.hash = NEW.prev_hash))))\n        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: an event must follow its chain head'); END", "CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON inspection_audithead\n        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: a chain head cannot be deleted'); END", "CREATE TRIGGER IF NOT EXISTS audit_head_fresh_insert BEFORE INSERT ON inspection_audithead WHEN NOT (NEW.seq = 0 AND NEW.hash = '0000000000000000000000000000000000000000000000000000000000000000' AND NOT EXISTS (SELECT 1 FROM inspection_auditevent e WHERE e.chain = NEW.chain))\n        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: a new chain head starts at the genesis'); END", "CREATE TRIGGER IF NOT EXISTS audit_head_forward BEFORE UPDATE ON inspection_audithead\n        WHEN NEW.id IS NOT OLD.id OR NEW.chain IS NOT OLD.chain OR NOT (EXISTS (SELECT 1 FROM inspection_auditevent e WHERE e.chain = NEW.chain AND e.chain_seq = NEW.seq AND e.hash = NEW.hash) AND (SELECT max(f.chain_seq) FROM inspection_auditevent f WHERE f.chain = NEW.chain) = NEW.seq)\n        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: a chain head moves only to its newest event'); END"]
SQLITE_DROP = ['DROP TRIGGER IF EXISTS audit_no_update', 'DROP TRIGGER IF EXISTS audit_no_delete', 'DROP TRIGGER IF EXISTS audit_insert_follows_head', 'DROP TRIGGER IF EXISTS audit_head_no_delete', 'DROP TRIGGER IF EXISTS audit_head_fresh_insert', 'DROP TRIGGER IF EXISTS audit_head_forward']
POSTGRES_CREATE = ["CREATE OR REPLACE FUNCTION ancha_audit_append_only() RETURNS trigger AS $$\n       BEGIN RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP; END; $$ LANGUAGE plpgsql", 'CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON inspection_auditevent\n        FOR EACH ROW EXECUTE FUNCTION ancha_audit_append_only()', 'CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON inspection_auditevent\n        FOR EACH STATEMENT EXECUTE FUNCTION ancha_audit_append_only()', "CREATE OR REPLACE FUNCTION ancha_audit_follows_head() RETURNS trigger AS $$\n       BEGIN\n         IF NOT (EXISTS (SELECT 1 FROM inspection_audithead h WHERE h.chain = NEW.chain AND NEW.chain_seq > h.seq AND ((NEW.chain_seq = h.seq + 1 AND NEW.prev_hash = h.hash) OR EXISTS (SELECT 1 FROM inspection_auditevent p WHERE p.chain = NEW.chain AND p.chain_seq = NEW.chain_seq - 1 AND p.hash = NEW.prev_hash)))) THEN\n           RAISE EXCEPTION 'audit log is append-only: an event must follow its chain head';\n         END IF;\n         RETURN NEW;\n       END; $$ LANGUAGE plpgsql", 'CREATE TRIGGER audit_insert_follows_head BEFORE INSERT ON inspection_auditevent\n        FOR EACH ROW EXECUTE FUNCTION ancha_audit_follows_head()', "CREATE OR REPLACE FUNCTION ancha_audit_head_guard() RETURNS trigger AS $$\n       BEGIN\n         IF TG_OP = 'DELETE' THEN\n           RAISE EXCEPTION 'audit log is append-only: a chain head cannot be deleted';\n         ELSIF TG_OP = 'INSERT' THEN\n           IF NOT (NEW.seq = 0 AND NEW.hash = '0000000000000000000000000000000000000000000000000000000000000000' AND NOT EXISTS (SELECT 1 FROM inspection_auditevent e WHERE e.chain = NEW.chain)) THEN\n             RAISE EXCEPTION 'audit log is append-only: a new chain head starts at the genesis';\n           END IF;\n         ELSIF NEW.id IS DISTINCT FROM OLD.id OR NEW.chain IS DISTINCT FROM OLD.chain OR NOT (EXISTS (SELECT 1 FROM inspection_auditevent e WHERE e.chain = NEW.chain AND e.chain_seq = NEW.seq AND e.hash = NEW.hash) AND (SELECT max(f.chain_seq) FROM inspection_auditevent f WHERE f.chain = NEW.chain) = NEW.seq) THEN\n           RAISE EXCEPTION 'audit log is append-only: a chain head moves only to its newest event';\n         END IF;\n         RETURN NEW;\n       END; $$ LANGUAGE plpgsql", 'CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON inspection_audithead\n        FOR EACH ROW EXECUTE FUNCTION ancha_audit_head_guard()', 'CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON inspection_audithead\n        FOR EACH STATEMENT EXECUTE FUNCTION ancha_audit_append_only()']
POSTGRES_DROP = ['DROP TRIGGER IF EXISTS audit_no_update_delete ON inspection_auditevent', 'DROP TRIGGER IF EXISTS audit_no_truncate ON inspection_auditevent', 'DROP TRIGGER IF EXISTS audit_insert_follows_head ON inspection_auditevent', 'DROP TRIGGER IF EXISTS audit_head_guard ON inspection_audithead', 'DROP TRIGGER IF EXISTS audit_head_no_truncate ON inspection_audithead']
# fmt: on

CREATE = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}
DROP = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}


def _run(connection, statements: dict[str, list[str]]) -> None:
    if connection.vendor not in statements:
        raise RuntimeError(f"no audit guards for database vendor {connection.vendor!r}")
    with connection.cursor() as cursor:
        for sql in statements[connection.vendor]:
            cursor.execute(sql)


def forwards(apps, schema_editor):
    _run(schema_editor.connection, DROP)
    _run(schema_editor.connection, CREATE)


def backwards(apps, schema_editor):
    before = import_module("inspection.migrations.0007_chains_per_county")
    _run(schema_editor.connection, DROP)
    _run(schema_editor.connection, before.CREATE)


class Migration(migrations.Migration):
    dependencies = [("inspection", "0012_merge_session_four")]

    operations = [migrations.RunPython(forwards, backwards)]
