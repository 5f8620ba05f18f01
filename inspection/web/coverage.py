"""The coverage rule as the pages show it: the period and each township's deadline.

TEMPORARY: these two functions stand in until inspection/rotation.py lands; then they call it.
"""

from datetime import date, timedelta

NEAR_DAYS = 14  # "deadline near" on the grid: two weeks, the time it takes to fit a visit in


def period_of(day: date) -> tuple[date, date]:
    first_month = day.month - (day.month - 1) % 2
    start = date(day.year, first_month, 1)
    end_month = first_month + 2
    end = (date(day.year + 1, 1, 1) if end_month > 12 else date(day.year, end_month, 1)) - timedelta(days=1)
    return start, end


def deadline(*, today: date, last_visit: date | None) -> date:
    _, end = period_of(today)
    if last_visit is None:
        return end
    if last_visit >= period_of(today)[0]:
        return period_of(end + timedelta(days=1))[1]
    return min(end, last_visit + timedelta(days=61))


def capacity(county, townships):
    """The planner's figure for this county, or None until inspection/rotation.py provides it."""
    return None
