"""Weeks, two-month periods and deadlines (rotation.calendar)."""

from datetime import date

import pytest

import rotation as r


def test_the_deadline_is_61_days_after_a_visit():
    assert r.next_deadline(date(2026, 3, 2)) == date(2026, 5, 2)


def test_a_visit_on_new_years_eve_is_due_by_the_end_of_february():
    assert r.next_deadline(date(2026, 12, 31)) == date(2027, 2, 28)


def test_a_visit_just_after_a_period_boundary_counts_for_the_new_period():
    assert r.next_deadline(date(2026, 2, 27)) == date(2026, 4, 29)
    assert r.next_deadline(date(2026, 3, 2)) == date(2026, 5, 2)


def test_weekly_slots_are_spread_over_the_working_week():
    assert r.default_weekdays(8) == (0, 0, 1, 2, 2, 3, 4, 4)
    assert r.default_weekdays(5) == (0, 1, 2, 3, 4)
    assert r.default_weekdays(2) == (1, 3)


def test_a_malformed_week_is_refused():
    with pytest.raises(r.RotationInputError):
        r.parse_week("2026-49")


def test_a_week_runs_from_its_monday_to_its_sunday_and_its_label_reads_back():
    assert r.week_bounds("2026-W01") == (date(2025, 12, 29), date(2026, 1, 4))
    assert r.week_label(date(2026, 1, 4)) == "2026-W01"
    with pytest.raises(r.RotationInputError):
        r.week_bounds("2026-W54")
