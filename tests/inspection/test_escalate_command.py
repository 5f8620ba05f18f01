"""`manage.py escalate [--as-of]`: idempotent, catches up, explains what it did."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inspection.models import Decision
from tests.inspection.escalation_fixtures import MINOR, at, day, squad, visit  # noqa: F401

pytestmark = pytest.mark.django_db


def escalate(*args):
    out = io.StringIO()
    call_command("escalate", *args, stdout=out)
    return out.getvalue()


def test_escalate_as_of_a_day_twice_decides_once(jinbi, checklist, squad):
    visit(jinbi, day(0), MINOR, team=[squad["li"], squad["hu"]], checklist=checklist)  # due day 15
    with at(day(20), 6):
        first = escalate("--as-of", "2026-03-18")  # the deadline was 17 March
        second = escalate("--as-of", "2026-03-18")
    assert "2 decisions" in first
    assert "金碧镇 light.red: 整改期限2026年3月17日已过" in first and "overdue.reminder" in first
    assert "0 decisions" in second
    assert Decision.objects.filter(rule="overdue.reminder").count() == 1


def test_escalate_without_a_date_catches_up_from_the_last_run(jinbi, checklist, squad):
    visit(jinbi, day(0), MINOR, team=[squad["li"], squad["hu"]], checklist=checklist)
    with at(day(1), 6):
        escalate()
    with at(day(16), 6):
        out = escalate()
    assert "2026-03-04 … 2026-03-18" in out
    assert list(Decision.objects.filter(rule="light.yellow").values_list("effective_on", flat=True)) == [day(12)]


def test_escalate_refuses_a_bad_date_or_county(db):
    with pytest.raises(CommandError):
        escalate("--as-of", "17/03/2026")
    with pytest.raises(CommandError):
        escalate("--county", "999999")


def test_the_morning_sweep_dispatches_the_days_drawn_visits_and_reveals_finished_weeks(county, checklist):
    from inspection.models import Draw, Inspection
    from inspection.services.draws import seal_draw
    from inspection.services.setup import load_demo_people

    load_demo_people(county=county, password="pw")
    draw = seal_draw(county=county, week="2026-W49", today=date(2026, 11, 27))
    first_day = draw.inspections.order_by("date").first().date
    out = escalate("--as-of", first_day.isoformat())
    on_day = Inspection.objects.filter(draw=draw, date=first_day)
    assert on_day.exists() and set(on_day.values_list("status", flat=True)) == {"dispatched"}
    assert not Inspection.objects.filter(draw=draw, date__gt=first_day, status="dispatched").exists()
    assert f"draws {first_day.isoformat()}: {on_day.count()} visits dispatched" in out

    escalate("--as-of", "2026-12-07")
    assert Draw.objects.get(pk=draw.pk).state == Draw.State.REVEALED
