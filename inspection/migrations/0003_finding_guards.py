"""A submitted inspection's findings, evidence, score and stamp are frozen in the database.

The SQL is written out here as it was when this migration was made, so that this step of the
history stays what it was; inspection/finding_sql.py keeps the live copy (flush lifts and restores
it), and a change to it needs a new migration (tests/test_architecture.py compares the two).
"""

from django.db import migrations

SQLITE_CREATE = [
    """CREATE TRIGGER IF NOT EXISTS finding_frozen_insert BEFORE INSERT ON inspection_finding WHEN (SELECT status FROM inspection_inspection WHERE id = NEW.inspection_id) = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: findings are frozen'); END""",
    """CREATE TRIGGER IF NOT EXISTS finding_frozen_update BEFORE UPDATE ON inspection_finding WHEN (SELECT status FROM inspection_inspection WHERE id = OLD.inspection_id) = 'submitted' OR (SELECT status FROM inspection_inspection WHERE id = NEW.inspection_id) = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: findings are frozen'); END""",
    """CREATE TRIGGER IF NOT EXISTS finding_frozen_delete BEFORE DELETE ON inspection_finding WHEN (SELECT status FROM inspection_inspection WHERE id = OLD.inspection_id) = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: findings are frozen'); END""",
    """CREATE TRIGGER IF NOT EXISTS evidence_frozen_insert BEFORE INSERT ON inspection_evidence WHEN (SELECT i.status FROM inspection_inspection i JOIN inspection_finding f ON f.inspection_id = i.id WHERE f.id = NEW.finding_id) = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: evidence is frozen'); END""",
    """CREATE TRIGGER IF NOT EXISTS evidence_frozen_update BEFORE UPDATE ON inspection_evidence WHEN (SELECT i.status FROM inspection_inspection i JOIN inspection_finding f ON f.inspection_id = i.id WHERE f.id = OLD.finding_id) = 'submitted' OR (SELECT i.status FROM inspection_inspection i JOIN inspection_finding f ON f.inspection_id = i.id WHERE f.id = NEW.finding_id) = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: evidence is frozen'); END""",
    """CREATE TRIGGER IF NOT EXISTS evidence_frozen_delete BEFORE DELETE ON inspection_evidence WHEN (SELECT i.status FROM inspection_inspection i JOIN inspection_finding f ON f.inspection_id = i.id WHERE f.id = OLD.finding_id) = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: evidence is frozen'); END""",
    """CREATE TRIGGER IF NOT EXISTS inspection_submitted_frozen BEFORE UPDATE ON inspection_inspection WHEN OLD.status = 'submitted' AND (NEW.status IS NOT OLD.status OR NEW.score IS NOT OLD.score OR NEW.submitted_at IS NOT OLD.submitted_at OR NEW.submitted_by_id IS NOT OLD.submitted_by_id OR NEW.township_id IS NOT OLD.township_id OR NEW.date IS NOT OLD.date OR NEW.checklist_id IS NOT OLD.checklist_id) BEGIN SELECT RAISE(ABORT, 'inspection is submitted: status, score and stamp are frozen'); END""",
    """CREATE TRIGGER IF NOT EXISTS inspection_submitted_no_delete BEFORE DELETE ON inspection_inspection WHEN OLD.status = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: it cannot be deleted'); END""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS finding_frozen_insert",
    "DROP TRIGGER IF EXISTS finding_frozen_update",
    "DROP TRIGGER IF EXISTS finding_frozen_delete",
    "DROP TRIGGER IF EXISTS evidence_frozen_insert",
    "DROP TRIGGER IF EXISTS evidence_frozen_update",
    "DROP TRIGGER IF EXISTS evidence_frozen_delete",
    "DROP TRIGGER IF EXISTS inspection_submitted_frozen",
    "DROP TRIGGER IF EXISTS inspection_submitted_no_delete",
]

POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION ancha_finding_frozen() RETURNS trigger AS $$
       BEGIN
         IF (TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
               SELECT 1 FROM inspection_inspection WHERE id = OLD.inspection_id AND status = 'submitted'))
            OR (TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
               SELECT 1 FROM inspection_inspection WHERE id = NEW.inspection_id AND status = 'submitted')) THEN
           RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE =  'inspection is submitted: findings are frozen (' || TG_OP || ' refused)';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION ancha_evidence_frozen() RETURNS trigger AS $$
       BEGIN
         IF (TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
               SELECT 1 FROM inspection_inspection i JOIN inspection_finding f ON f.inspection_id = i.id
               WHERE f.id = OLD.finding_id AND i.status = 'submitted'))
            OR (TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
               SELECT 1 FROM inspection_inspection i JOIN inspection_finding f ON f.inspection_id = i.id
               WHERE f.id = NEW.finding_id AND i.status = 'submitted')) THEN
           RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE =  'inspection is submitted: evidence is frozen (' || TG_OP || ' refused)';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION ancha_inspection_frozen() RETURNS trigger AS $$
       BEGIN
         IF OLD.status = 'submitted' THEN
           IF TG_OP = 'DELETE' THEN
             RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE =  'inspection is submitted: it cannot be deleted';
           END IF;
           IF NEW.status IS DISTINCT FROM OLD.status OR NEW.score IS DISTINCT FROM OLD.score OR NEW.submitted_at IS DISTINCT FROM OLD.submitted_at OR NEW.submitted_by_id IS DISTINCT FROM OLD.submitted_by_id OR NEW.township_id IS DISTINCT FROM OLD.township_id OR NEW.date IS DISTINCT FROM OLD.date OR NEW.checklist_id IS DISTINCT FROM OLD.checklist_id THEN
             RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE =  'inspection is submitted: status, score and stamp are frozen';
           END IF;
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER finding_frozen BEFORE INSERT OR UPDATE OR DELETE ON inspection_finding
        FOR EACH ROW EXECUTE FUNCTION ancha_finding_frozen()""",
    """CREATE OR REPLACE TRIGGER evidence_frozen BEFORE INSERT OR UPDATE OR DELETE ON inspection_evidence
        FOR EACH ROW EXECUTE FUNCTION ancha_evidence_frozen()""",
    """CREATE OR REPLACE TRIGGER inspection_submitted_frozen BEFORE UPDATE OR DELETE ON inspection_inspection
        FOR EACH ROW EXECUTE FUNCTION ancha_inspection_frozen()""",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS finding_frozen ON inspection_finding",
    "DROP TRIGGER IF EXISTS evidence_frozen ON inspection_evidence",
    "DROP TRIGGER IF EXISTS inspection_submitted_frozen ON inspection_inspection",
]

CREATE = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}
DROP = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}


def _run(connection, statements: dict[str, list[str]]) -> None:
    if connection.vendor not in statements:
        raise RuntimeError(f"no finding guards for database vendor {connection.vendor!r}")
    with connection.cursor() as cursor:
        for sql in statements[connection.vendor]:
            cursor.execute(sql)


def forwards(apps, schema_editor):
    _run(schema_editor.connection, CREATE)


def backwards(apps, schema_editor):
    _run(schema_editor.connection, DROP)


class Migration(migrations.Migration):
    dependencies = [("inspection", "0002_audit_guards")]
    operations = [migrations.RunPython(forwards, backwards)]
