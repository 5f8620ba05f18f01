"""China's public holidays and 调休 make-up working days, as data the draw can use.

- Years with a State Council notice (2004–2026 in the pinned `chinesecalendar` release): its
  holidays that fall on a weekday are off days, its weekend working days are make-up days.
- Later years (the notice comes out each November or December): the statutory holidays of the
  《全国年节及纪念日放假办法》 as amended in 2024 — 元旦 1 day, 春节 4 days (除夕 to 初三), 清明 1,
  劳动节 2, 端午 1, 中秋 1, 国庆 3 — computed from the lunar calendar and the solar term, with no
  make-up days. They are *provisional*: the draw page says so, and the commission enters the
  official days (`inspection` calendar days) when the notice is out.

Not needed by the public verifier: a sealed draw records the working days it used
(`rotation.workdays.WorkCalendar.window`).
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import lunardate

from rotation.workdays import WorkCalendar

OFFICIAL_YEARS = range(2004, 2027)  # what the pinned chinesecalendar release holds


def official_calendar(first: date, last: date) -> WorkCalendar:
    """The national working-day calendar from `first` to `last` (official data, else provisional)."""
    off: set[date] = set()
    make_up: set[date] = set()
    for year in range(first.year, last.year + 1):
        if year in OFFICIAL_YEARS:
            year_off, year_make_up = _official_year(year)
        else:
            year_off, year_make_up = statutory_holidays(year), set()
        off |= {d for d in year_off if first <= d <= last and d.weekday() < 5}
        make_up |= {d for d in year_make_up if first <= d <= last}
    return WorkCalendar(frozenset(off), frozenset(make_up))


def provisional_years(first: date, last: date) -> list[int]:
    """The years between `first` and `last` whose holidays are computed, not yet official."""
    return [y for y in range(first.year, last.year + 1) if y not in OFFICIAL_YEARS]


def _official_year(year: int) -> tuple[set[date], set[date]]:
    days = [date(year, 1, 1) + timedelta(days=i) for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]
    off = {d for d in days if d.weekday() < 5 and not chinese_calendar.is_workday(d)}
    make_up = {d for d in days if d.weekday() >= 5 and chinese_calendar.is_workday(d)}
    return off, make_up


def statutory_holidays(year: int) -> set[date]:
    """The statutory holidays of `year` without the State Council's arrangement (no 调休)."""
    new_year = lunardate.LunarDate(year, 1, 1).to_solar_date()
    qingming = next(d for d, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
                    if name == "清明")
    days = {date(year, 1, 1), qingming, date(year, 5, 1), date(year, 5, 2)}
    days |= {new_year + timedelta(days=i) for i in range(-1, 3)}  # 除夕 to 初三
    days.add(lunardate.LunarDate(year, 5, 5).to_solar_date())  # 端午
    days.add(lunardate.LunarDate(year, 8, 15).to_solar_date())  # 中秋
    days |= {date(year, 10, i) for i in (1, 2, 3)}
    return days
