"""Where a week's visits can fall: its slots on real working days, and the deadlines planned with a margin.

Standard library only (the public verifier inlines it).

- A week's capacity C is a capacity per five working days: a week with n working days has
  ceil(C·n/5) slots (never less than its share: the slack a lost day needs), never more than
  `per_day` on one day. A week with a holiday takes
  only its working days' share, a week with a 调休 Saturday a little more, a week with none nothing.
- The slots are spread evenly over the working days, slot j of S on working day floor((2j+1)·n/2S),
  like `rotation.calendar.default_weekdays`. The days are fixed by the calendar and the capacity, so
  the draw's look-ahead knows every future slot exactly; what is random is which township takes which slot.
- With a margin of m working days, a deadline d is planned as the m-th working day before the
  last working day on or before d. That is monotone in d, so earliest-deadline-first stays optimal
  against the planned deadlines (`rotation.weekly`), and one lost week (C slots, five working
  days) or one missed visit is absorbed by the slack.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date
from functools import lru_cache

from rotation.workdays import WorkCalendar


def share(capacity: int, workdays: int) -> int:
    """The slots of a week with `workdays` working days: ceil(capacity · workdays / 5)."""
    return -(-capacity * workdays // 5)


def spread(days: list[int], slots: int) -> list[int]:
    """`slots` slot days (ordinals, sorted) spread evenly over `days`."""
    n = len(days)
    return [days[((2 * j + 1) * n) // (2 * slots)] for j in range(slots)] if n else []


@lru_cache(maxsize=256)
def _exceptions(calendar: WorkCalendar) -> tuple[frozenset[int], frozenset[int]]:
    """The calendar's off days and make-up days as ordinals (every draw of a run shares its calendar)."""
    return (frozenset(d.toordinal() for d in calendar.off_days),
            frozenset(d.toordinal() for d in calendar.make_up_days))


def workday_ordinals(calendar: WorkCalendar, first: int, last: int) -> list[int]:
    """The working days from ordinal `first` to `last`, both included, as sorted ordinals."""
    off, make_up = _exceptions(calendar)
    # ordinal % 7: 0 Sunday, 6 Saturday; no date objects, this runs for every day of every draw's horizon
    return [x for x in range(first, last + 1) if x in make_up or (x % 7 not in (6, 0) and x not in off)]


@lru_cache(maxsize=4096)
def week_workdays(calendar: WorkCalendar, monday: int) -> tuple[int, ...]:
    """The working days of the week starting on ordinal `monday`: the draw, its warnings, the look-ahead
    and the simulation all ask for the same weeks, every county of a run for the same ones."""
    return tuple(workday_ordinals(calendar, monday, monday + 6))


@lru_cache(maxsize=4096)
def week_future(calendar: WorkCalendar, monday: int, capacity: int, per_day: int) -> tuple[int, ...]:
    """The slot days of one whole future week (what `future_slots` gives for it)."""
    days = week_workdays(calendar, monday)
    return tuple(spread(days, min(share(capacity, len(days)), per_day * len(days))))


def week_slots(calendar: WorkCalendar, monday: date, capacity: int, per_day: int,
               from_day: date | None = None, exact: bool = False, most: int | None = None) -> list[int]:
    """The slot days of one week (ordinals). `exact`: `capacity` is the number of slots for the days
    from `from_day` on (a late or make-up draw), not a weekly capacity to share out. `most`: never
    more slots than this (the townships there are to draw)."""
    first = max(monday, from_day) if from_day else monday
    if first == monday:  # a whole week: the same for every county of a run with this capacity
        return list(_whole_week_slots(calendar, monday.toordinal(), capacity, per_day, exact, most))
    days = workday_ordinals(calendar, first.toordinal(), monday.toordinal() + 6)
    wanted = capacity if exact else share(capacity, len(days))
    return spread(days, min(wanted, per_day * len(days), wanted if most is None else most))


@lru_cache(maxsize=4096)
def _whole_week_slots(calendar: WorkCalendar, monday: int, capacity: int, per_day: int, exact: bool,
                      most: int | None) -> tuple[int, ...]:
    days = week_workdays(calendar, monday)
    wanted = capacity if exact else share(capacity, len(days))
    return tuple(spread(days, min(wanted, per_day * len(days), wanted if most is None else most)))


def future_slots(days: list[int], monday: int, capacity: int, per_day: int, until: int) -> list[int]:
    """The slot days of the weeks from ordinal `monday` on, while a week starts on or before `until`,
    given every working day (`days`, sorted ordinals) over those weeks."""
    out: list[int] = []
    i = bisect_left(days, monday)
    while monday <= until:
        j = bisect_left(days, monday + 7, i)
        week = days[i:j]
        out.extend(spread(week, min(share(capacity, len(week)), per_day * len(week))))
        monday += 7
        i = j
    return out


class Planned:
    """Planned deadlines: each deadline moved `margin` working days earlier (identity when margin is 0).

    `days`: every working day (sorted ordinals) from well before the first deadline planned (at
    least `margin // 5 + 3` weeks) to after the last, so that counting back never runs out.
    """

    def __init__(self, days: list[int], margin: int):
        self.margin = margin
        self.days = days

    def __call__(self, deadline: int) -> int:
        if self.margin <= 0:
            return deadline
        index = bisect_right(self.days, deadline) - 1 - self.margin
        return self.days[index] if index >= 0 else deadline - 7 * (self.margin // 5 + 1)
