"""load_demo's history: one timeline of draws, visits, the ladder and the paperwork, through the real services."""

from datetime import date

import pytest

from inspection.models import AuditEvent, Decision, Draw, Inspection, Notice, Rectification, Township
from inspection.services.audit import verify_chain
from inspection.services.calendar import work_calendar
from inspection.services.demo import demo_todo, load_demo_history
from inspection.services.draw_verify import verify_draw
from inspection.services.ledger import ledger_entries
from scoring import RULES
from tests.demo_history import SUNDAY, WEEKS, played

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 11, 27)


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Twelve weeks take a few seconds to play: played once for the module (and the worker: see
    tests/demo_history.py)."""
    yield from played(django_db_blocker, tmp_path_factory, weeks=WEEKS, today=SUNDAY)


@pytest.fixture
def county(_loaded):
    return _loaded[0]


@pytest.fixture
def history(_loaded):
    return _loaded[1]


def test_past_visits_are_all_filed_and_the_last_weekday_leaves_work_open(county, history):
    open_visits = Inspection.objects.filter(county=county, status=Inspection.Status.DISPATCHED)
    assert open_visits.count() >= 2
    assert set(open_visits.values_list("date", flat=True)) == {FRIDAY}
    assert not Inspection.objects.filter(county=county, status="planned", date__lte=FRIDAY).exists()
    assert Inspection.objects.filter(county=county, status="submitted").count() >= 100


def test_no_visit_falls_on_a_public_holiday_or_an_ordinary_weekend(county, history):
    """The demo's year follows the real calendar (issue 17): nothing on 1–7 October, nor any other day off."""
    dates = set(Inspection.objects.filter(county=county).values_list("date", flat=True))
    assert min(dates) < date(2026, 10, 1) < max(dates), "the twelve weeks span National Day"
    assert not {d for d in dates if date(2026, 10, 1) <= d <= date(2026, 10, 7)}
    calendar = work_calendar(county=county, first=min(dates), last=max(dates))
    assert sorted(d for d in dates if not calendar.is_workday(d)) == []


def test_scripted_and_follow_up_visits_are_on_working_days(county, history):
    """What the demo and the ladder date themselves (not the draw) never falls on a day off."""
    dates = set(Inspection.objects.filter(county=county, draw__isnull=True).values_list("date", flat=True))
    assert Inspection.objects.filter(county=county, kind="follow_up").exists()
    calendar = work_calendar(county=county, first=min(dates), last=max(dates))
    assert sorted(d for d in dates if not calendar.is_workday(d)) == []


def test_every_past_week_is_revealed_and_verifies_and_this_week_is_sealed(county, history):
    assert len(history.weeks) == 13
    sealed = Draw.objects.filter(county=county, state=Draw.State.SEALED)
    assert list(sealed.values_list("week", flat=True)) == ["2026-W48"]
    revealed = Draw.objects.filter(county=county, state=Draw.State.REVEALED).order_by("week_start")
    assert revealed.count() == 12
    assert verify_draw(county=county, week=revealed.first().week).ok


def test_the_ladder_has_a_realistic_spread(county, history):
    assert Rectification.objects.filter(township__county=county, state="open").values("township").distinct().count() >= 3
    assert Township.objects.filter(county=county, key_managed=True).count() >= 2
    assert Rectification.objects.filter(state="open", light="red", reminded_on__isnull=False).exists()
    assert Decision.objects.filter(rule="key_management.exit").exists(), "one township has gone through the cycle"
    assert set(Decision.objects.values_list("rule", flat=True)) <= set(RULES)
    referral = next(e for e in ledger_entries(county=county) if e.kind == "referral")
    assert referral.official_name and referral.township_name == history.townships["问责建议后整改"]


def test_notices_are_issued_gap_free_signed_for_and_reported_on(county, history):
    issued = Notice.objects.filter(county=county).exclude(number=None)
    assert issued.count() == history.issued >= 20
    for series in set(issued.values_list("series", flat=True)):
        numbers = sorted(issued.filter(series=series).values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)), series
    assert Notice.objects.filter(county=county, state="accepted").exists()
    assert Notice.objects.filter(county=county, state="acknowledged").exists()
    first = issued.order_by("issued_at").first()
    assert first.issued_at.date() < date(2026, 9, 15), "letters are dated on the day they were issued"


def test_the_record_is_intact_and_a_second_load_changes_nothing(county, history):
    assert verify_chain().ok
    before = (Inspection.objects.count(), Notice.objects.count(), Decision.objects.count())
    again = load_demo_history(county=county, weeks=WEEKS, today=SUNDAY)
    assert again.skipped
    assert (Inspection.objects.count(), Notice.objects.count(), Decision.objects.count()) == before
    assert AuditEvent.objects.filter(action="demo.history_loaded").count() == 1


def test_a_newcomer_finds_work_waiting_for_each_role(county, history):
    """The demo's first hour: open visits with their inspectors, a letter to sign, a report to review."""
    todo = demo_todo(county=county, today=SUNDAY)
    assert todo.visits and {day for day, _, _ in todo.visits} == {FRIDAY}
    for _, township, people in todo.visits:
        assert len(people) == 2 and all(p.startswith("inspector") for p in people), township
    assert todo.to_sign, "one letter waits for 签收"
    number, _, username = todo.to_sign[0]
    assert Notice.objects.get(number_text=number, county=county).state == "issued"
    assert username.startswith("official-")
    assert todo.to_review, "one report waits for the commission's review"
