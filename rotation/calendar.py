"""Weeks, two-month periods and deadlines: the hard coverage rules every draw keeps.

- Every township is inspected at least once in every calendar two-month period (Jan–Feb,
  Mar–Apr, …) and never more than 61 days after its last inspection; whichever comes first is its
  *deadline*. Visits fall on weekdays; the day counts.
- The next deadline after a visit on day x is f(x) = min(x + 61, end of the period after x's),
  the same for every township and monotone in x. The draw's look-ahead (`rotation.weekly`) and the
  planner's minimum capacity (`rotation.planner`) both rest on that.
- Each week has `capacity` visit slots on fixed weekdays (`weekdays`, spread over Mon–Fri).

Deadlines are computed on date ordinals (`next_deadline_ord`, cached): the draw and the planner
call it for every slot of every week they look ahead.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache

MAX_GAP_DAYS = 61


WEEKS_LIMIT = 8  # the planner limit: at most 8 weeks between visits


WORKDAYS = 5


class RotationInputError(ValueError):
    """The inputs cannot be drawn (bad week, too few inspectors for a township, …). Message in Chinese."""


_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(week: str) -> date:
    """'2026-W49' -> the Monday of that ISO week."""
    return _monday(week) if isinstance(week, str) else _parse_week(week)


@lru_cache(maxsize=4096)  # every draw reads its week several times; a date is immutable
def _monday(week: str) -> date:
    return _parse_week(week)


def _parse_week(week) -> date:
    match = _WEEK_RE.match(week or "")
    if not match:
        raise RotationInputError(f"周次格式应为 YYYY-Www：{week!r}")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise RotationInputError(f"不存在的周次：{week}") from None


def week_bounds(week: str) -> tuple[date, date]:
    """'2026-W49' -> its Monday and Sunday."""
    monday = parse_week(week)
    return monday, monday + timedelta(days=6)


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def period_index(day: date) -> int:
    """Calendar two-month periods: Jan–Feb is 0, Mar–Apr 1, … of each year."""
    return day.year * 6 + (day.month - 1) // 2


def period_bounds(index: int) -> tuple[date, date]:
    year, k = divmod(index, 6)
    last_month = 2 * k + 2
    return date(year, 2 * k + 1, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


@lru_cache(maxsize=8192)
def next_deadline_ord(last_ord: int) -> int:
    """`next_deadline` on date ordinals: f(x) of the module doc."""
    last = date.fromordinal(last_ord)
    _, end = period_bounds(period_index(last) + 1)
    return min(last_ord + MAX_GAP_DAYS, end.toordinal())


def next_deadline(last: date) -> date:
    """The latest day of the next visit after one on `last`: 61 days, or the end of the next period."""
    return date.fromordinal(next_deadline_ord(last.toordinal()))


def default_weekdays(capacity: int) -> tuple[int, ...]:
    """Slot j of C on weekday floor((2j+1)·5/2C): spread evenly, Mon=0 … Fri=4."""
    return tuple(((2 * j + 1) * WORKDAYS) // (2 * capacity) for j in range(capacity))
