from django.db import migrations

from inspection import finding_sql


def forwards(apps, schema_editor):
    finding_sql.install(schema_editor.connection)


def backwards(apps, schema_editor):
    finding_sql.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("inspection", "0002_audit_guards")]
    operations = [migrations.RunPython(forwards, backwards)]
