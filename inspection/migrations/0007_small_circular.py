"""One draft circular per county and week (issue 13): two first drafts of a week's circular made
at once used to make two. The data step voids the surplus drafts an earlier race left (the newest
draft stays: it was drafted from the most recent facts), so the constraint can be added.

Frozen: it names the states and the reason as they were when it was written and imports no
project module.
"""

import django.db.models.fields.json
from django.db import migrations, models

SURPLUS_REASON = "同一周次通报的重复草稿，升级时作废（保留最新草稿）"


def void_surplus_drafts(apps, schema_editor):
    Notice = apps.get_model("inspection", "Notice")
    kept = set()
    drafts = Notice.objects.filter(kind="circular", state="draft").order_by("-created_at", "-id")
    for pk, county_id, snapshot in drafts.values_list("pk", "county_id", "snapshot").iterator():
        week = ((snapshot or {}).get("week") or {}).get("iso")
        if (county_id, week) in kept:
            Notice.objects.filter(pk=pk).update(state="void", void_reason=SURPLUS_REASON)
        else:
            kept.add((county_id, week))


class Migration(migrations.Migration):

    dependencies = [
        ("inspection", "0006_work_state"),
    ]

    operations = [
        migrations.RunPython(void_surplus_drafts, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="notice",
            constraint=models.UniqueConstraint(
                models.F("county"),
                django.db.models.fields.json.KeyTextTransform(
                    "iso", django.db.models.fields.json.KeyTextTransform("week", "snapshot")
                ),
                condition=models.Q(("kind", "circular"), ("state", "draft")),
                name="notice_one_circular_draft_per_week",
            ),
        ),
    ]
