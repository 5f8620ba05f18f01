from django.db import migrations

from inspection import audit_sql

GENESIS = "0" * 64


def forwards(apps, schema_editor):
    apps.get_model("inspection", "AuditHead").objects.get_or_create(id=1, defaults={"seq": 0, "hash": GENESIS})
    audit_sql.install(schema_editor.connection)


def backwards(apps, schema_editor):
    audit_sql.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("inspection", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
