"""Database-level guards that freeze a submitted inspection's record (used by a migration and by flush).

Once an inspection is submitted, its findings and evidence may not be inserted, updated or
deleted, and the inspection itself may not go back to an earlier status or change its score,
place, date, checklist or submission stamp. The guards live in the database so that the admin,
the ORM (`queryset.update()`, `bulk_create`) and hand-written SQL are refused alike.

One row is still taken: a correction, a new finding that names a finding of the same inspection
and gives its reason (the inspector's before submission, inspection/services/inspections.py; the
commission's after it, inspection/services/corrections.py). The corrected finding stays as it was.

Both vendors raise an integrity error (SQLite RAISE(ABORT), PostgreSQL SQLSTATE 23001
restrict_violation), which Django reports as IntegrityError.
"""

from inspection.db_guards import Guards

FINDING = "inspection_finding"
EVIDENCE = "inspection_evidence"
INSPECTION = "inspection_inspection"

# Columns a submitted inspection may never change (the score and what it was computed for).
FROZEN_COLUMNS = ["status", "score", "submitted_at", "submitted_by_id", "township_id", "date", "checklist_id"]

_SUBMITTED = f"(SELECT status FROM {INSPECTION} WHERE id = {{ref}}) = 'submitted'"
_EVIDENCE_SUBMITTED = (
    f"(SELECT i.status FROM {INSPECTION} i JOIN {FINDING} f ON f.inspection_id = i.id"
    f" WHERE f.id = {{ref}}) = 'submitted'"
)

# The one row a submitted inspection still takes (issue 15): a correction, appended beside the finding
# it corrects (of the same inspection), with its reason; the corrected row itself stays as it was.
_CORRECTION = (
    f"NEW.corrects_id IS NOT NULL AND COALESCE(NEW.correction_reason, '') <> ''"
    f" AND EXISTS (SELECT 1 FROM {FINDING} c WHERE c.id = NEW.corrects_id AND c.inspection_id = NEW.inspection_id)"
)


def _sqlite_guard(name: str, when: str, table: str, condition: str, message: str) -> str:
    return (
        f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {when} ON {table} WHEN {condition}"
        f" BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )


SQLITE_CREATE = [
    _sqlite_guard("finding_frozen_insert", "INSERT", FINDING,
                  f"{_SUBMITTED.format(ref='NEW.inspection_id')} AND NOT ({_CORRECTION})",
                  "inspection is submitted: findings are frozen"),
    _sqlite_guard("finding_frozen_update", "UPDATE", FINDING,
                  f"{_SUBMITTED.format(ref='OLD.inspection_id')} OR {_SUBMITTED.format(ref='NEW.inspection_id')}",
                  "inspection is submitted: findings are frozen"),
    _sqlite_guard("finding_frozen_delete", "DELETE", FINDING, _SUBMITTED.format(ref="OLD.inspection_id"),
                  "inspection is submitted: findings are frozen"),
    _sqlite_guard("evidence_frozen_insert", "INSERT", EVIDENCE, _EVIDENCE_SUBMITTED.format(ref="NEW.finding_id"),
                  "inspection is submitted: evidence is frozen"),
    _sqlite_guard("evidence_frozen_update", "UPDATE", EVIDENCE,
                  f"{_EVIDENCE_SUBMITTED.format(ref='OLD.finding_id')} OR {_EVIDENCE_SUBMITTED.format(ref='NEW.finding_id')}",
                  "inspection is submitted: evidence is frozen"),
    _sqlite_guard("evidence_frozen_delete", "DELETE", EVIDENCE, _EVIDENCE_SUBMITTED.format(ref="OLD.finding_id"),
                  "inspection is submitted: evidence is frozen"),
    _sqlite_guard("inspection_submitted_frozen", "UPDATE", INSPECTION,
                  "OLD.status = 'submitted' AND ("
                  + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN_COLUMNS) + ")",
                  "inspection is submitted: status, score and stamp are frozen"),
    _sqlite_guard("inspection_submitted_no_delete", "DELETE", INSPECTION, "OLD.status = 'submitted'",
                  "inspection is submitted: it cannot be deleted"),
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "finding_frozen_insert", "finding_frozen_update", "finding_frozen_delete",
        "evidence_frozen_insert", "evidence_frozen_update", "evidence_frozen_delete",
        "inspection_submitted_frozen", "inspection_submitted_no_delete",
    )
]

_PG_RAISE = "RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = "

POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION ancha_finding_frozen() RETURNS trigger AS $$
       BEGIN
         IF (TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
               SELECT 1 FROM {INSPECTION} WHERE id = OLD.inspection_id AND status = 'submitted'))
            OR (TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
               SELECT 1 FROM {INSPECTION} WHERE id = NEW.inspection_id AND status = 'submitted')
               AND NOT (TG_OP = 'INSERT' AND {_CORRECTION})) THEN
           {_PG_RAISE} 'inspection is submitted: findings are frozen (' || TG_OP || ' refused)';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ancha_evidence_frozen() RETURNS trigger AS $$
       BEGIN
         IF (TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
               SELECT 1 FROM {INSPECTION} i JOIN {FINDING} f ON f.inspection_id = i.id
               WHERE f.id = OLD.finding_id AND i.status = 'submitted'))
            OR (TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
               SELECT 1 FROM {INSPECTION} i JOIN {FINDING} f ON f.inspection_id = i.id
               WHERE f.id = NEW.finding_id AND i.status = 'submitted')) THEN
           {_PG_RAISE} 'inspection is submitted: evidence is frozen (' || TG_OP || ' refused)';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION ancha_inspection_frozen() RETURNS trigger AS $$
       BEGIN
         IF OLD.status = 'submitted' THEN
           IF TG_OP = 'DELETE' THEN
             {_PG_RAISE} 'inspection is submitted: it cannot be deleted';
           END IF;
           IF {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN_COLUMNS)} THEN
             {_PG_RAISE} 'inspection is submitted: status, score and stamp are frozen';
           END IF;
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE TRIGGER finding_frozen BEFORE INSERT OR UPDATE OR DELETE ON {FINDING}
        FOR EACH ROW EXECUTE FUNCTION ancha_finding_frozen()""",
    f"""CREATE OR REPLACE TRIGGER evidence_frozen BEFORE INSERT OR UPDATE OR DELETE ON {EVIDENCE}
        FOR EACH ROW EXECUTE FUNCTION ancha_evidence_frozen()""",
    f"""CREATE OR REPLACE TRIGGER inspection_submitted_frozen BEFORE UPDATE OR DELETE ON {INSPECTION}
        FOR EACH ROW EXECUTE FUNCTION ancha_inspection_frozen()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS finding_frozen ON {FINDING}",
    f"DROP TRIGGER IF EXISTS evidence_frozen ON {EVIDENCE}",
    f"DROP TRIGGER IF EXISTS inspection_submitted_frozen ON {INSPECTION}",
]


GUARDS = Guards("finding", SQLITE_CREATE, SQLITE_DROP, POSTGRES_CREATE, POSTGRES_DROP)
statements, install, remove = GUARDS.statements, GUARDS.install, GUARDS.remove
