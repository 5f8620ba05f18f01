"""The county's working-day calendar: the shipped national data, the commission's entries, and what the draw sees.

National days come from `rotation.holidays` (the State Council's notices the pinned package holds,
and a provisional computation of the statutory holidays for later years). The commission adds:

- official days (`CalendarDay.Source.OFFICIAL`) for a year the shipped data only estimates, entered
  when the notice comes out; once a year has any, they replace the provisional computation for
  that whole year (the page asks for the notice's every weekday holiday and make-up day);
- the county's own days off (local festivals, emergencies) and, rarely, its own working days.

Entry points (keyword-only):

    work_calendar(county=, first=, last=) -> rotation.WorkCalendar
    draw_calendar(county=, monday=) -> rotation.WorkCalendar      the window a week's draw records
    provisional_years(county=, first=, last=, as_of=None) -> list[int]
    add_calendar_day(county=, day=, kind=, source=, name=, actor=None, today=None) -> CalendarDay
    remove_calendar_day(entry=, actor=None, today=None)
    check_calendar_day(...)                                         the validation alone (the admin's form)
    calendar_listing(county=, first=, last=) -> list[ListedDay]     the page: every exception, named

A day in a week already drawn cannot be changed: the sealed draw recorded the days it used, and a
visit that cannot be made is dealt with as a visit (cancelled or missed), not by rewriting the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar
import lunardate
from django.db import transaction
from django.utils import timezone

from inspection.errors import Conflict, NotFound, Unprocessable
from inspection.models import CalendarDay, County, Draw
from inspection.services.audit import record_event
from rotation import holidays
from rotation.workdays import WorkCalendar

LOOK_AHEAD_WEEKS = 20  # a week's draw sees its own days and the deadlines of the next twenty weeks
NAME_MAX = 64
ADDED = "calendar.day_added"
REMOVED = "calendar.day_removed"

WEEKDAYS = "一二三四五六日"

# chinesecalendar's names (English) in the words of the State Council's notice.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


# --------------------------------------------------------------------------- the calendar


def _year_span(year: int, first: date, last: date) -> tuple[date, date]:
    return max(first, date(year, 1, 1)), min(last, date(year, 12, 31))


def _calendar_of(entries) -> WorkCalendar:
    off = frozenset(e.date for e in entries if e.kind == CalendarDay.Kind.OFF)
    return WorkCalendar(off, frozenset(e.date for e in entries if e.kind == CalendarDay.Kind.MAKE_UP))


def _entries(county: County, first: date, last: date, source: str) -> list[CalendarDay]:
    return list(CalendarDay.objects.filter(county=county, source=source, date__gte=first, date__lte=last))


def _official_years(county: County, first: date, last: date, as_of: datetime | None = None) -> set[int]:
    """The years in the range for which the commission has entered the State Council's notice."""
    rows = CalendarDay.objects.filter(
        county=county, source=CalendarDay.Source.OFFICIAL, date__year__gte=first.year, date__year__lte=last.year
    )
    if as_of is not None:
        rows = rows.filter(created_at__lte=as_of)
    return {d.year for d in rows.values_list("date", flat=True)}


def national_calendar(*, county: County, first: date, last: date) -> WorkCalendar:
    """The national calendar as this county has it: shipped data, the commission's official entries replacing
    the provisional computation for every year they cover."""
    entered = _official_years(county, first, last)
    official = _calendar_of(_entries(county, first, last, CalendarDay.Source.OFFICIAL))
    calendar = WorkCalendar()
    for year in range(first.year, last.year + 1):
        start, end = _year_span(year, first, last)
        part = official.window(start, end) if year in entered else holidays.official_calendar(start, end)
        calendar = calendar.merged(part)
    return calendar


def work_calendar(*, county: County, first: date, last: date) -> WorkCalendar:
    """The county's working days from `first` to `last`: the national calendar and the county's own days."""
    local = _calendar_of(_entries(county, first, last, CalendarDay.Source.COUNTY))
    return national_calendar(county=county, first=first, last=last).merged(local)


def draw_calendar(*, county: County, monday: date) -> WorkCalendar:
    """What the draw of the week starting `monday` sees and records: its days and the look-ahead's."""
    last = monday + timedelta(weeks=LOOK_AHEAD_WEEKS)
    return work_calendar(county=county, first=monday, last=last).window(monday, last)


def provisional_years(*, county: County, first: date, last: date, as_of: datetime | None = None) -> list[int]:
    """The years between `first` and `last` whose holidays are still the provisional computation (as they
    stood at `as_of`, e.g. when a draw was sealed)."""
    entered = _official_years(county, first, last, as_of)
    return [y for y in holidays.provisional_years(first, last) if y not in entered]


def draw_provisional_years(draw: Draw) -> list[int]:
    """The provisional years a sealed draw's week or look-ahead used."""
    last = draw.week_start + timedelta(weeks=LOOK_AHEAD_WEEKS)
    return provisional_years(county=draw.county, first=draw.week_start, last=last, as_of=draw.created_at)


# --------------------------------------------------------------------------- changes


def _say_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"


def _check_open(county: County, day: date, today: date) -> None:
    if day <= today:
        raise Unprocessable(f"{_say_day(day)}已经过去或就是今天，工作日历只能更改以后的日期")
    sealed = Draw.objects.filter(county=county, week_start__lte=day, week_start__gt=day - timedelta(days=7)).first()
    if sealed is not None:
        raise Conflict(
            f"{_say_day(day)}所在的 {sealed.week} 已抽签封存，不能再更改这一周的工作日安排；"
            "当天确实无法检查的，请将相应检查登记为取消或未检查"
        )


def is_open(*, county: County, day: date, today: date | None = None) -> bool:
    """Whether the commission may still change `day` (a later day whose week is not drawn yet)."""
    try:
        _check_open(county, day, today or timezone.localdate())
    except (Unprocessable, Conflict):
        return False
    return True


def _check_kind(county: County, day: date, kind: str, source: str) -> None:
    weekend = day.weekday() >= 5
    if kind == CalendarDay.Kind.MAKE_UP and not weekend:
        raise Unprocessable(f"{_say_day(day)}不是周末，调休上班日应为星期六或星期日")
    if kind == CalendarDay.Kind.OFF and weekend:
        national = national_calendar(county=county, first=day, last=day)
        if source == CalendarDay.Source.OFFICIAL or day not in national.make_up_days:
            raise Unprocessable(f"{_say_day(day)}是周末，本来就不上班；放假日应为星期一至星期五（或调休上班日）")


def _check_source(county: County, day: date, kind: str, source: str) -> None:
    if source == CalendarDay.Source.OFFICIAL:
        if not holidays.provisional_years(day, day):
            raise Unprocessable(f"{day.year}年的放假安排已按国务院通知内置，无需录入")
        return
    national = national_calendar(county=county, first=day, last=day)
    if kind == CalendarDay.Kind.OFF and day in national.off_days:
        raise Conflict(f"{_say_day(day)}已是法定节假日，无需另行登记")
    if kind == CalendarDay.Kind.MAKE_UP and day in national.make_up_days:
        raise Conflict(f"{_say_day(day)}已是调休上班日，无需另行登记")


def check_calendar_day(*, county: County, day: date, kind: str, source: str, name: str,
                       today: date | None = None) -> str:
    """Every rule an entry must meet (raises the InspectionError that says which); returns the clean name."""
    if kind not in CalendarDay.Kind.values:
        raise Unprocessable("类别应为“放假”或“调休上班”")
    if source not in CalendarDay.Source.values:
        raise Unprocessable("依据应为“国务院通知”或“本县安排”")
    # Imported here: inspections → escalation → follow_ups imports this module.
    from inspection.services.inspections import _clean_text

    name = _clean_text(name, field="名称或事由", max_length=NAME_MAX, required=True)
    _check_open(county, day, today or timezone.localdate())
    existing = CalendarDay.objects.filter(county=county, date=day).first()
    if existing is not None:
        raise Conflict(f"{_say_day(day)}已登记为{existing.get_kind_display()}（{existing.name}），不能重复登记")
    _check_kind(county, day, kind, source)
    _check_source(county, day, kind, source)
    return name


def _event_data(entry: CalendarDay) -> dict:
    return {"date": entry.date.isoformat(), "kind": entry.kind, "source": entry.source, "name": entry.name}


@transaction.atomic
def add_calendar_day(*, county: County, day: date, kind: str, source: str, name: str, actor=None,
                     today: date | None = None) -> CalendarDay:
    """Enter a day off or a make-up working day (an official one, or the county's own); audited."""
    county = County.objects.select_for_update().get(pk=county.pk)  # one change of a county's calendar at a time
    name = check_calendar_day(county=county, day=day, kind=kind, source=source, name=name, today=today)
    entry = CalendarDay.objects.create(
        county=county, date=day, kind=kind, source=source, name=name,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_event(ADDED, actor=actor, obj=entry, county=county, data=_event_data(entry))
    return entry


@transaction.atomic
def remove_calendar_day(*, entry: CalendarDay, actor=None, today: date | None = None) -> None:
    """Take an entry out again (before its week is drawn); the audit log keeps what it was."""
    county = County.objects.select_for_update().get(pk=entry.county_id)
    entry = CalendarDay.objects.filter(pk=entry.pk, county=county).first()
    if entry is None:
        raise NotFound("未找到该日期的登记")
    _check_open(county, entry.date, today or timezone.localdate())
    data = _event_data(entry)
    record_event(REMOVED, actor=actor, obj=entry, county=county, data=data)
    entry.delete()


# --------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class ListedDay:
    date: date
    kind: str  # CalendarDay.Kind
    name: str
    source: str  # "national" | "provisional" | CalendarDay.Source
    entry: CalendarDay | None  # the commission's row, which it may remove

    @property
    def weekday(self) -> str:
        return f"星期{WEEKDAYS[self.date.weekday()]}"

    @property
    def kind_label(self) -> str:
        return CalendarDay.Kind(self.kind).label

    @property
    def source_label(self) -> str:
        if self.entry is not None:
            return self.entry.get_source_display()
        return "法定节假日（暂按推算）" if self.source == "provisional" else "国务院通知"


def holiday_name(day: date) -> str:
    """The festival a national day off or make-up day belongs to, in Chinese."""
    if day.year in holidays.OFFICIAL_YEARS:
        return HOLIDAY_NAMES.get(chinese_calendar.get_holiday_detail(day)[1] or "", "法定节假日")
    lunar = lunardate.LunarDate.from_solar_date(day.year, day.month, day.day)
    if lunar.month in (1, 12) and not lunar.is_leap_month:
        return "春节"
    if (lunar.month, lunar.day) == (5, 5):
        return "端午节"
    if (lunar.month, lunar.day) == (8, 15):
        return "中秋节"
    return {1: "元旦", 4: "清明节", 5: "劳动节", 10: "国庆节"}.get(day.month, "法定节假日")


def calendar_listing(*, county: County, first: date, last: date) -> list[ListedDay]:
    """Every exception to the plain Monday–Friday week from `first` to `last`, in date order."""
    rows = {e.date: e for e in CalendarDay.objects.filter(county=county, date__gte=first, date__lte=last)}
    entered = _official_years(county, first, last)
    national = national_calendar(county=county, first=first, last=last)
    listed = []
    for kind, days in ((CalendarDay.Kind.OFF, national.off_days), (CalendarDay.Kind.MAKE_UP, national.make_up_days)):
        for day in days:
            if day in rows:
                continue
            source = "provisional" if holidays.provisional_years(day, day) and day.year not in entered else "national"
            listed.append(ListedDay(day, kind, holiday_name(day), source, None))
    listed += [ListedDay(e.date, e.kind, e.name, e.source, e) for e in rows.values()]
    return sorted(listed, key=lambda d: d.date)
