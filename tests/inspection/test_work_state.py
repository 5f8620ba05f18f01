"""Work state lives on rows (DESIGN §3): the migration that moved it there fills the new columns
from the audit events the code used to read, so an upgraded deployment keeps its state."""

import importlib
from datetime import date, timedelta

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from inspection.models import County, Inspection, SignInAttempt
from inspection.services.audit import record_event

pytestmark = pytest.mark.django_db
work_state = importlib.import_module("inspection.migrations.0006_work_state")


@pytest.fixture
def planned(county, jinbi, checklist):
    return Inspection.objects.create(county=county, township=jinbi, checklist=checklist, date=date(2026, 3, 2))


def signin(action, key):
    record_event(action, object_type="signin", object_id=key, data={})


def test_the_migration_marks_inspections_the_ladder_was_applied_to(county, planned, checklist, jinbi):
    other = Inspection.objects.create(county=county, township=jinbi, checklist=checklist, date=date(2026, 3, 3))
    event = record_event("escalation.inspection_applied", obj=planned, county=county, data={})
    work_state.fill_from_audit(apps, None)
    planned.refresh_from_db()
    other.refresh_from_db()
    assert planned.escalated_at == event.at
    assert other.escalated_at is None


def test_the_migration_keeps_each_countys_latest_sweep_and_the_demo_marker(county, other_county):
    for as_of in ["2026-03-05", "2026-03-07", "2026-03-06"]:  # a re-run of an earlier day comes last
        record_event("escalation.swept", county=county, data={"as_of": as_of})
    marker = record_event("demo.history_loaded", county=county, data={"weeks": 12, "visits": 70})
    work_state.fill_from_audit(apps, None)
    county.refresh_from_db()
    other_county.refresh_from_db()
    assert county.last_swept_on == date(2026, 3, 7)
    assert county.demo_loaded_at == marker.at
    assert (other_county.last_swept_on, other_county.demo_loaded_at) == (None, None)


def test_the_migration_carries_over_failed_sign_ins_still_in_the_window_since_the_last_success(db):
    with time_machine.travel(timezone.now() - timedelta(minutes=20), tick=False):
        signin("auth.login_failed", "stale")
    signin("auth.login_failed", "guessing")
    signin("auth.login_failed", "guessing")
    signin("auth.login_failed", "typo")
    signin("auth.login", "typo")
    signin("auth.login_failed", "typo")
    work_state.fill_from_audit(apps, None)
    counted = sorted(SignInAttempt.objects.values_list("key", flat=True))
    assert counted == ["guessing", "guessing", "typo"]


def test_the_last_sweep_is_read_from_the_county_row(county):
    from inspection.services.escalation import last_sweep, run_sweep

    assert last_sweep(county) is None
    run_sweep(as_of=date(2026, 3, 9), county=county)
    run_sweep(as_of=date(2026, 3, 4), county=county)  # re-running an earlier day does not move it back
    assert last_sweep(county) == date(2026, 3, 9)
    assert County.objects.get(pk=county.pk).last_swept_on == date(2026, 3, 9)
