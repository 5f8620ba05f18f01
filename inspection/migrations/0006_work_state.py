"""Work state on rows instead of read back from the audit log: when the ladder was applied to an
inspection, a county's last sweep, the demo marker, and failed sign-ins for the throttle.

The data step fills the new columns from the audit events the code used to read, so an upgraded
deployment neither re-escalates an inspection nor re-sweeps from the beginning. Frozen: it names
the actions and limits as they were when it was written and imports no project module.
"""

import json
from collections import defaultdict
from datetime import date, timedelta

from django.db import migrations, models
from django.utils import timezone

APPLIED_ACTION = "escalation.inspection_applied"
SWEPT_ACTION = "escalation.swept"
DEMO_MARKER = "demo.history_loaded"
SIGNIN = "signin"
SIGNIN_FAILED, SIGNIN_SUCCEEDED = "auth.login_failed", "auth.login"
SIGNIN_WINDOW = timedelta(minutes=15)
CHUNK = 500


def _escalated_at(AuditEvent, Inspection):
    ids_at = defaultdict(list)
    events = AuditEvent.objects.filter(action=APPLIED_ACTION, object_type="inspection.inspection")
    for object_id, at in events.values_list("object_id", "at").iterator(chunk_size=2000):
        ids_at[at].append(int(object_id))
    # Generated loads stamp a county's events alike, so grouping by time keeps this a few updates.
    for at, ids in ids_at.items():
        for i in range(0, len(ids), CHUNK):
            Inspection.objects.filter(pk__in=ids[i:i + CHUNK], escalated_at__isnull=True).update(escalated_at=at)


def _last_swept_on(AuditEvent, County):
    last = {}
    events = AuditEvent.objects.filter(action=SWEPT_ACTION).exclude(county_code="")
    for code, payload in events.values_list("county_code", "payload").iterator(chunk_size=2000):
        day = date.fromisoformat(json.loads(payload)["data"]["as_of"])
        if code not in last or day > last[code]:
            last[code] = day
    for code, day in last.items():
        County.objects.filter(code=code).update(last_swept_on=day)


def _demo_loaded_at(AuditEvent, County):
    for code, at in AuditEvent.objects.filter(action=DEMO_MARKER).order_by("seq").values_list("county_code", "at"):
        County.objects.filter(code=code, demo_loaded_at__isnull=True).update(demo_loaded_at=at)


def _signin_attempts(AuditEvent, SignInAttempt, now):
    """Failures still inside the throttle's window, after their key's last success."""
    recent = AuditEvent.objects.filter(
        object_type=SIGNIN, action__in=[SIGNIN_FAILED, SIGNIN_SUCCEEDED], at__gte=now - SIGNIN_WINDOW
    ).order_by("seq")
    failures = defaultdict(list)
    for key, action, at in recent.values_list("object_id", "action", "at"):
        if action == SIGNIN_SUCCEEDED:
            failures.pop(key, None)
        else:
            failures[key].append(at)
    SignInAttempt.objects.bulk_create(
        [SignInAttempt(key=key, at=at) for key, times in failures.items() for at in times], batch_size=CHUNK
    )


def fill_from_audit(apps, schema_editor):
    AuditEvent = apps.get_model("inspection", "AuditEvent")
    _escalated_at(AuditEvent, apps.get_model("inspection", "Inspection"))
    County = apps.get_model("inspection", "County")
    _last_swept_on(AuditEvent, County)
    _demo_loaded_at(AuditEvent, County)
    _signin_attempts(AuditEvent, apps.get_model("inspection", "SignInAttempt"), timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ("inspection", "0005_scale_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="SignInAttempt",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=64)),
                ("at", models.DateTimeField()),
            ],
        ),
        migrations.AddIndex(
            model_name="signinattempt",
            index=models.Index(fields=["key", "at"], name="signin_attempt_key_at"),
        ),
        migrations.AddField(
            model_name="county",
            name="demo_loaded_at",
            field=models.DateTimeField(blank=True, help_text="when load_demo played its history", null=True),
        ),
        migrations.AddField(
            model_name="county",
            name="last_swept_on",
            field=models.DateField(blank=True, null=True, verbose_name="最近一次每日核查日期"),
        ),
        migrations.AddField(
            model_name="inspection",
            name="escalated_at",
            field=models.DateTimeField(blank=True, help_text="when the ladder was applied to it", null=True),
        ),
        migrations.RunPython(fill_from_audit, migrations.RunPython.noop),
        # Its one reader was the last sweep, now on the county row.
        migrations.RemoveIndex(
            model_name="auditevent",
            name="audit_action_county_seq",
        ),
    ]
