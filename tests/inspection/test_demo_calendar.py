"""load_demo on the real calendar: loaded the Sunday after National Day week, its open work is on the make-up
Saturday, the last working day on or before today (DESIGN.md §4), and no visit falls on the holiday."""

from datetime import date

import pytest

from inspection.models import Inspection
from inspection.services.calendar import work_calendar
from tests.demo_history import played

pytestmark = pytest.mark.django_db

SUNDAY = date(2026, 10, 11)
MAKE_UP_SATURDAY = date(2026, 10, 10)  # worked in place of the National Day holiday


@pytest.fixture(scope="module")
def county(django_db_setup, django_db_blocker, tmp_path_factory):
    # Two weeks (from Monday 21 September) hold both holidays, Mid-Autumn (25-27 September) and
    # National Day (1-7 October), and the make-up Saturday; a third week before them (14-20
    # September: working days and the make-up Sunday of the 20th) held no holiday to keep visits off.
    for county, _ in played(django_db_blocker, tmp_path_factory, weeks=2, today=SUNDAY):
        yield county


def test_the_open_visits_are_dated_the_last_working_day(county):
    calendar = work_calendar(county=county, first=date(2026, 9, 1), last=SUNDAY)
    assert calendar.workdays(date(2026, 10, 1), SUNDAY)[-1] == MAKE_UP_SATURDAY
    open_visits = Inspection.objects.filter(county=county, status=Inspection.Status.DISPATCHED)
    assert set(open_visits.values_list("date", flat=True)) == {MAKE_UP_SATURDAY}


def test_nothing_falls_on_the_holiday(county):
    dates = set(Inspection.objects.filter(county=county).values_list("date", flat=True))
    calendar = work_calendar(county=county, first=min(dates), last=max(dates))
    assert sorted(d for d in dates if not calendar.is_workday(d)) == []
    assert not Inspection.objects.filter(county=county, date__range=(date(2026, 10, 1), date(2026, 10, 7))).exists()
