"""Visit codes (issue 16, 无扰督查): the county's visit-code key (one fresh secret per existing
county, as 0007 did for the pseudonym key) and the township's end-of-visit confirmation."""

import secrets

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def give_each_county_its_own_key(apps, schema_editor):
    County = apps.get_model("inspection", "County")
    for county in County.objects.all():
        county.visit_code_secret = secrets.token_hex(32)
        county.save(update_fields=["visit_code_secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("inspection", "0008_merge_session_two"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="county",
            name="visit_code_secret",
            field=models.CharField(default=secrets.token_hex, editable=False, max_length=64),
        ),
        # AddField evaluates the default once for every existing row: give each county its own.
        migrations.RunPython(give_each_county_its_own_key, migrations.RunPython.noop),
        migrations.CreateModel(
            name="VisitConfirmation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("confirmed_at", models.DateTimeField(verbose_name="乡镇确认时间")),
                ("confirmed_by", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("inspection", models.OneToOneField(
                    on_delete=django.db.models.deletion.PROTECT, related_name="confirmation",
                    to="inspection.inspection")),
            ],
            options={"verbose_name": "乡镇确认", "verbose_name_plural": "乡镇确认"},
        ),
    ]
