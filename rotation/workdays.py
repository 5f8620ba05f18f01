"""Working days: which days a visit may fall on. Pure and standard-library only (the public verifier inlines it).

A day is a working day when it is Monday–Friday and not an off day, or it is a make-up working
day (调休: a Saturday or Sunday worked in place of a holiday). Off days are public holidays that
fall on a weekday and the county's own days off; make-up days come from the State Council's yearly
notice. `PLAIN` is the calendar with no holidays (`simulate_draws --calendar none`).

A draw records the part of the calendar it looked at (`window`), so verification never needs the
holiday data itself: the record says which days were working days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class WorkCalendar:
    off_days: frozenset[date] = field(default_factory=frozenset)  # weekdays without work
    make_up_days: frozenset[date] = field(default_factory=frozenset)  # weekend days with work

    def is_workday(self, day: date) -> bool:
        if day in self.make_up_days:
            return True
        return day.weekday() < 5 and day not in self.off_days

    def workdays(self, first: date, last: date) -> list[date]:
        """The working days from `first` to `last`, both included, in order."""
        days = []
        day = first
        while day <= last:
            if self.is_workday(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def window(self, first: date, last: date) -> WorkCalendar:
        """The same calendar with only the exceptions between `first` and `last` (what a draw records)."""
        off = frozenset(d for d in self.off_days if first <= d <= last)
        make_up = frozenset(d for d in self.make_up_days if first <= d <= last)
        if len(off) == len(self.off_days) and len(make_up) == len(self.make_up_days):
            # Nothing outside the window: this very (immutable, equal) calendar, so that the draw's
            # caches keyed on it find it by identity instead of comparing equal copies week after week.
            return self
        return WorkCalendar(off, make_up)

    def merged(self, other: WorkCalendar) -> WorkCalendar:
        """Both calendars' off days and make-up days; an off day wins over a make-up day on the same date."""
        off = self.off_days | other.off_days
        return WorkCalendar(off, frozenset((self.make_up_days | other.make_up_days) - off))

    def to_dict(self) -> dict:
        return {
            "off_days": sorted(d.isoformat() for d in self.off_days),
            "make_up_days": sorted(d.isoformat() for d in self.make_up_days),
        }

    @classmethod
    def from_dict(cls, data) -> WorkCalendar:
        if not data:
            return PLAIN
        return cls(
            frozenset(date.fromisoformat(d) for d in data.get("off_days", ())),
            frozenset(date.fromisoformat(d) for d in data.get("make_up_days", ())),
        )


PLAIN = WorkCalendar()
