"""申辩 (issue 15): the county's objection period and the objections; and the finding guards of 0003
taking one more row on a submitted inspection, a correction (a new finding naming one of the same
inspection, with a reason), so the commission can correct a finding after submission.

The guards' SQL is written out as it is now (inspection/finding_sql.py keeps the live copy;
tests/test_architecture.py compares the two).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


SQLITE_CREATE = ["CREATE TRIGGER IF NOT EXISTS finding_frozen_insert BEFORE INSERT ON inspection_finding WHEN (SELECT status FROM inspection_inspection WHERE id = NEW.inspection_id) = 'submitted' AND NOT (NEW.corrects_id IS NOT NULL AND COALESCE(NEW.correction_reason, '') <> '' AND EXISTS (SELECT 1 FROM inspection_finding c WHERE c.id = NEW.corrects_id AND c.inspection_id = NEW.inspection_id)) BEGIN SELECT RAISE(ABORT, 'inspection is submitted: findings are frozen'); END", "CREATE TRIGGER IF NOT EXISTS finding_frozen_update BEFORE UPDATE ON inspection_finding WHEN (SELECT status FROM inspection_inspection WHERE id = OLD.inspection_id) = 'submitted' OR (SELECT status FROM inspection_inspection WHERE id = NEW.inspection_id) = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: findings are frozen'); END", "CREATE TRIGGER IF NOT EXISTS finding_frozen_delete BEFORE DELETE ON inspection_finding WHEN (SELECT status FROM inspection_inspection WHERE id = OLD.inspection_id) = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: findings are frozen'); END", "CREATE TRIGGER IF NOT EXISTS evidence_frozen_insert BEFORE INSERT ON inspection_evidence WHEN (SELECT i.status FROM inspection_inspection i JOIN inspection_finding f ON f.inspection_id = i.id WHERE f.id = NEW.finding_id) = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: evidence is frozen'); END", "CREATE TRIGGER IF NOT EXISTS evidence_frozen_update BEFORE UPDATE ON inspection_evidence WHEN (SELECT i.status FROM inspection_inspection i JOIN inspection_finding f ON f.inspection_id = i.id WHERE f.id = OLD.finding_id) = 'submitted' OR (SELECT i.status FROM inspection_inspection i JOIN inspection_finding f ON f.inspection_id = i.id WHERE f.id = NEW.finding_id) = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: evidence is frozen'); END", "CREATE TRIGGER IF NOT EXISTS evidence_frozen_delete BEFORE DELETE ON inspection_evidence WHEN (SELECT i.status FROM inspection_inspection i JOIN inspection_finding f ON f.inspection_id = i.id WHERE f.id = OLD.finding_id) = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: evidence is frozen'); END", "CREATE TRIGGER IF NOT EXISTS inspection_submitted_frozen BEFORE UPDATE ON inspection_inspection WHEN OLD.status = 'submitted' AND (NEW.status IS NOT OLD.status OR NEW.score IS NOT OLD.score OR NEW.submitted_at IS NOT OLD.submitted_at OR NEW.submitted_by_id IS NOT OLD.submitted_by_id OR NEW.township_id IS NOT OLD.township_id OR NEW.date IS NOT OLD.date OR NEW.checklist_id IS NOT OLD.checklist_id) BEGIN SELECT RAISE(ABORT, 'inspection is submitted: status, score and stamp are frozen'); END", "CREATE TRIGGER IF NOT EXISTS inspection_submitted_no_delete BEFORE DELETE ON inspection_inspection WHEN OLD.status = 'submitted' BEGIN SELECT RAISE(ABORT, 'inspection is submitted: it cannot be deleted'); END"]
SQLITE_DROP = ['DROP TRIGGER IF EXISTS finding_frozen_insert', 'DROP TRIGGER IF EXISTS finding_frozen_update', 'DROP TRIGGER IF EXISTS finding_frozen_delete', 'DROP TRIGGER IF EXISTS evidence_frozen_insert', 'DROP TRIGGER IF EXISTS evidence_frozen_update', 'DROP TRIGGER IF EXISTS evidence_frozen_delete', 'DROP TRIGGER IF EXISTS inspection_submitted_frozen', 'DROP TRIGGER IF EXISTS inspection_submitted_no_delete']
POSTGRES_CREATE = ["CREATE OR REPLACE FUNCTION ancha_finding_frozen() RETURNS trigger AS $$\n       BEGIN\n         IF (TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (\n               SELECT 1 FROM inspection_inspection WHERE id = OLD.inspection_id AND status = 'submitted'))\n            OR (TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (\n               SELECT 1 FROM inspection_inspection WHERE id = NEW.inspection_id AND status = 'submitted')\n               AND NOT (TG_OP = 'INSERT' AND NEW.corrects_id IS NOT NULL AND COALESCE(NEW.correction_reason, '') <> '' AND EXISTS (SELECT 1 FROM inspection_finding c WHERE c.id = NEW.corrects_id AND c.inspection_id = NEW.inspection_id))) THEN\n           RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE =  'inspection is submitted: findings are frozen (' || TG_OP || ' refused)';\n         END IF;\n         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n         RETURN NEW;\n       END; $$ LANGUAGE plpgsql", "CREATE OR REPLACE FUNCTION ancha_evidence_frozen() RETURNS trigger AS $$\n       BEGIN\n         IF (TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (\n               SELECT 1 FROM inspection_inspection i JOIN inspection_finding f ON f.inspection_id = i.id\n               WHERE f.id = OLD.finding_id AND i.status = 'submitted'))\n            OR (TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (\n               SELECT 1 FROM inspection_inspection i JOIN inspection_finding f ON f.inspection_id = i.id\n               WHERE f.id = NEW.finding_id AND i.status = 'submitted')) THEN\n           RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE =  'inspection is submitted: evidence is frozen (' || TG_OP || ' refused)';\n         END IF;\n         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n         RETURN NEW;\n       END; $$ LANGUAGE plpgsql", "CREATE OR REPLACE FUNCTION ancha_inspection_frozen() RETURNS trigger AS $$\n       BEGIN\n         IF OLD.status = 'submitted' THEN\n           IF TG_OP = 'DELETE' THEN\n             RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE =  'inspection is submitted: it cannot be deleted';\n           END IF;\n           IF NEW.status IS DISTINCT FROM OLD.status OR NEW.score IS DISTINCT FROM OLD.score OR NEW.submitted_at IS DISTINCT FROM OLD.submitted_at OR NEW.submitted_by_id IS DISTINCT FROM OLD.submitted_by_id OR NEW.township_id IS DISTINCT FROM OLD.township_id OR NEW.date IS DISTINCT FROM OLD.date OR NEW.checklist_id IS DISTINCT FROM OLD.checklist_id THEN\n             RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE =  'inspection is submitted: status, score and stamp are frozen';\n           END IF;\n         END IF;\n         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n         RETURN NEW;\n       END; $$ LANGUAGE plpgsql", 'CREATE OR REPLACE TRIGGER finding_frozen BEFORE INSERT OR UPDATE OR DELETE ON inspection_finding\n        FOR EACH ROW EXECUTE FUNCTION ancha_finding_frozen()', 'CREATE OR REPLACE TRIGGER evidence_frozen BEFORE INSERT OR UPDATE OR DELETE ON inspection_evidence\n        FOR EACH ROW EXECUTE FUNCTION ancha_evidence_frozen()', 'CREATE OR REPLACE TRIGGER inspection_submitted_frozen BEFORE UPDATE OR DELETE ON inspection_inspection\n        FOR EACH ROW EXECUTE FUNCTION ancha_inspection_frozen()']
POSTGRES_DROP = ['DROP TRIGGER IF EXISTS finding_frozen ON inspection_finding', 'DROP TRIGGER IF EXISTS evidence_frozen ON inspection_evidence', 'DROP TRIGGER IF EXISTS inspection_submitted_frozen ON inspection_inspection']

CREATE = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}
DROP = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}


def _run(connection, statements: dict[str, list[str]]) -> None:
    if connection.vendor not in statements:
        raise RuntimeError(f"no finding guards for database vendor {connection.vendor!r}")
    with connection.cursor() as cursor:
        for sql in statements[connection.vendor]:
            cursor.execute(sql)


def forwards(apps, schema_editor):
    _run(schema_editor.connection, DROP)
    _run(schema_editor.connection, CREATE)


def backwards(apps, schema_editor):
    from importlib import import_module

    before = import_module("inspection.migrations.0003_finding_guards")
    _run(schema_editor.connection, DROP)
    _run(schema_editor.connection, before.CREATE)


class Migration(migrations.Migration):

    dependencies = [
        ('inspection', '0010_merge_session_three'),
        # After 0011_ops rebuilds the inspection table on SQLite and restores the strict finding guard from
        # its own copy: the relaxed guard written here must be the last one.
        ('inspection', '0011_ops_adhoc_leave_replacement'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='county',
            name='objection_days',
            field=models.PositiveSmallIntegerField(default=3, help_text='文书印发后，乡镇（街道）可在此数个工作日内对所列问题提出申辩（按工作日历计，含调休）', verbose_name='申辩期限（工作日）'),
        ),
        migrations.CreateModel(
            name='Objection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.TextField(verbose_name='申辩理由')),
                ('state', models.CharField(choices=[('pending', '待决定'), ('upheld', '申辩成立'), ('rejected', '申辩不成立')], default='pending', max_length=16, verbose_name='状态')),
                ('filed_at', models.DateTimeField(auto_now_add=True)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decision_comment', models.TextField(blank=True, verbose_name='决定意见')),
                ('correction', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inspection.finding')),
                ('county', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='objections', to='inspection.county')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('filed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('finding', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='objections', to='inspection.finding')),
                ('notice', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='objections', to='inspection.notice')),
                ('official', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='objections', to='inspection.official')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('notice', 'finding'), name='one_objection_per_finding_and_letter')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
