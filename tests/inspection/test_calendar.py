"""The working-day calendar in the database (issue 17): the commission's official and county days, audited and
validated, merged with the shipped national data, and recorded by every draw."""

import json
from datetime import date, timedelta

import pytest

from inspection.errors import Conflict, Unprocessable
from inspection.models import AuditEvent, CalendarDay, County
from inspection.services.calendar import (
    add_calendar_day,
    calendar_listing,
    draw_calendar,
    draw_provisional_years,
    provisional_years,
    remove_calendar_day,
    work_calendar,
)
from inspection.services.draws import draw_inputs
from tests.inspection.draw_fixtures import at, roster, sealed  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)
OFF, MAKE_UP = CalendarDay.Kind.OFF, CalendarDay.Kind.MAKE_UP
OFFICIAL, LOCAL = CalendarDay.Source.OFFICIAL, CalendarDay.Source.COUNTY


def add(county, day, kind=OFF, source=LOCAL, name="水西古镇文化节", actor=None):
    return add_calendar_day(county=county, day=day, kind=kind, source=source, name=name, actor=actor, today=TODAY)


def events(action):
    return [json.loads(e.payload) for e in AuditEvent.objects.filter(action=action).order_by("seq")]


def test_the_national_calendar_has_the_2026_holidays_and_make_up_days(county):
    cal = work_calendar(county=county, first=date(2026, 9, 1), last=date(2026, 10, 31))
    assert [d for d in cal.workdays(date(2026, 9, 28), date(2026, 10, 11))] == [
        date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10),
    ]  # 国庆: 1–7 October off, Saturday 10 October worked
    assert date(2026, 10, 10) in cal.make_up_days and date(2026, 10, 5) in cal.off_days
    assert provisional_years(county=county, first=date(2026, 1, 1), last=date(2026, 12, 31)) == []


def test_a_county_day_off_is_merged_audited_and_removable(county, wang):
    entry = add(county, date(2026, 12, 15), actor=wang)
    cal = work_calendar(county=county, first=date(2026, 12, 1), last=date(2026, 12, 31))
    assert not cal.is_workday(date(2026, 12, 15)) and cal.is_workday(date(2026, 12, 14))
    added = events("calendar.day_added")
    assert [(e["actor"], e["county"], e["data"]) for e in added] == [
        ("wang", "520581", {"date": "2026-12-15", "kind": "off", "source": "county", "name": "水西古镇文化节"})
    ]
    assert entry.created_by == wang

    remove_calendar_day(entry=entry, actor=wang, today=TODAY)
    assert not CalendarDay.objects.exists()
    assert work_calendar(county=county, first=date(2026, 12, 15), last=date(2026, 12, 15)).is_workday(date(2026, 12, 15))
    assert events("calendar.day_removed")[0]["data"]["date"] == "2026-12-15"


def test_a_county_day_off_may_fall_on_a_national_make_up_day(county):
    saturday = date(2026, 10, 10)  # worked in place of the National Day holiday
    add_calendar_day(county=county, day=saturday, kind=OFF, source=LOCAL, name="防汛应急", today=date(2026, 9, 1))
    cal = work_calendar(county=county, first=date(2026, 10, 1), last=date(2026, 10, 31))
    assert not cal.is_workday(saturday) and cal.is_workday(date(2026, 10, 9))


@pytest.mark.parametrize(
    ("day", "kind", "source", "name", "error", "words"),
    [
        (date(2026, 12, 19), OFF, LOCAL, "文化节", Unprocessable, "是周末，本来就不上班"),
        (date(2026, 12, 16), MAKE_UP, LOCAL, "补班", Unprocessable, "调休上班日应为星期六或星期日"),
        (date(2026, 12, 16), OFF, OFFICIAL, "元旦", Unprocessable, "2026年的放假安排已按国务院通知内置"),
        (date(2027, 1, 1), OFF, LOCAL, "元旦", Conflict, "已是法定节假日"),
        (date(2026, 11, 19), OFF, LOCAL, "文化节", Unprocessable, "已经过去"),
        (date(2026, 12, 16), OFF, LOCAL, "  ", Unprocessable, "名称或事由不能为空"),
        (date(2026, 12, 16), OFF, LOCAL, "节" * 65, Unprocessable, "名称或事由过长（最多 64 字）"),
        (date(2026, 12, 16), "holiday", LOCAL, "文化节", Unprocessable, "类别应为"),
        (date(2026, 12, 16), OFF, "province", "文化节", Unprocessable, "依据应为"),
    ],
)
def test_a_bad_entry_is_refused_in_plain_chinese_and_nothing_is_written(county, day, kind, source, name, error, words):
    with pytest.raises(error) as raised:
        add(county, day, kind=kind, source=source, name=name)
    assert words in raised.value.detail
    assert not CalendarDay.objects.exists() and not events("calendar.day_added")


def test_the_same_day_twice_is_a_conflict(county):
    add(county, date(2026, 12, 16))
    with pytest.raises(Conflict) as raised:
        add(county, date(2026, 12, 16), name="防汛应急")
    assert "已登记为放假（水西古镇文化节），不能重复登记" in raised.value.detail
    assert CalendarDay.objects.count() == 1


def test_a_day_in_a_sealed_week_can_be_neither_added_nor_removed(sealed):
    county = sealed.county  # 2026-W49 is sealed: 30 November to 6 December
    with pytest.raises(Conflict) as raised:
        add(county, date(2026, 12, 2))
    assert "2026-W49 已抽签封存" in raised.value.detail
    later = add(county, date(2026, 12, 9))
    with at(date(2026, 12, 4)):
        from inspection.services.draws import seal_draw

        seal_draw(county=county, week="2026-W50")
    with pytest.raises(Conflict):
        remove_calendar_day(entry=later, today=date(2026, 12, 4))
    assert CalendarDay.objects.filter(pk=later.pk).exists()


def test_official_entries_replace_the_provisional_computation_for_their_year(county, wang):
    first, last = date(2027, 1, 1), date(2027, 12, 31)
    provisional = work_calendar(county=county, first=first, last=last)
    assert provisional_years(county=county, first=first, last=last) == [2027]
    assert date(2027, 10, 1) in provisional.off_days and not provisional.make_up_days  # computed: no 调休
    before = add(county, date(2027, 10, 4), source=OFFICIAL, name="国庆节", actor=wang).created_at
    add(county, date(2027, 9, 26), kind=MAKE_UP, source=OFFICIAL, name="国庆节调休", actor=wang)
    official = work_calendar(county=county, first=first, last=last)
    assert official.off_days == {date(2027, 10, 4)} and official.make_up_days == {date(2027, 9, 26)}
    assert provisional_years(county=county, first=first, last=last) == []
    assert provisional_years(county=county, first=first, last=last, as_of=before - timedelta(seconds=1)) == [2027]
    # Another county still has the provisional computation.
    other = County.objects.create(code="520521", name="大方县", doc_prefix="大方未保办", authority_name="大方县未保办")
    assert date(2027, 10, 1) in work_calendar(county=other, first=first, last=last).off_days


def test_the_listing_names_every_exception_and_marks_the_provisional_ones(county, wang):
    add(county, date(2026, 12, 16), actor=wang)
    days = {d.date: d for d in calendar_listing(county=county, first=date(2026, 12, 1), last=date(2027, 2, 28))}
    assert days[date(2026, 12, 16)].entry is not None and days[date(2026, 12, 16)].source_label == "本县安排"
    new_year = days[date(2027, 1, 1)]
    assert (new_year.name, new_year.source, new_year.kind_label) == ("元旦", "provisional", "放假")
    spring = [d for d in days.values() if d.name == "春节"]
    assert [d.date for d in spring] == [date(2027, 2, 5), date(2027, 2, 8)]  # 除夕 Friday, 初三 Monday
    autumn = {d.date: d.name for d in calendar_listing(county=county, first=date(2026, 9, 1), last=date(2026, 10, 31))}
    assert autumn[date(2026, 10, 1)] == "国庆节" and autumn[date(2026, 10, 10)] == "国庆节"


def test_the_draw_records_the_calendar_window_and_the_margin(roster, wang):
    county = roster
    add(county, date(2027, 3, 3), actor=wang)  # in 2026-W49's look-ahead
    county.margin_days = 7
    county.save()
    inputs = draw_inputs(county=county, week="2026-W49")
    assert inputs.margin == 7
    assert inputs.calendar == draw_calendar(county=county, monday=date(2026, 11, 30))
    assert {date(2027, 1, 1), date(2027, 3, 3)} <= inputs.calendar.off_days
    assert max(inputs.calendar.off_days) <= date(2027, 4, 19)  # Monday + 20 weeks


def test_a_sealed_draw_says_which_provisional_years_it_used(sealed, wang):
    assert draw_provisional_years(sealed) == [2027]
    assert sealed.inputs["calendar"]["off_days"][0] == "2027-01-01"
    assert sealed.inputs["margin"] == 5
    county = sealed.county
    add(county, date(2027, 1, 4), source=OFFICIAL, name="元旦", actor=wang)
    assert provisional_years(county=county, first=date(2027, 1, 1), last=date(2027, 1, 31)) == []
    assert draw_provisional_years(sealed) == [2027], "what the draw used when it was sealed stays said"
