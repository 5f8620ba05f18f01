"""The 工作日历 page and its admin: the commission reads and changes the calendar, every change audited;
nobody else reaches it; the draw page says when it rests on a provisional year."""

import json
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from inspection.models import AuditEvent, CalendarDay, Profile, Role
from inspection.services.calendar import add_calendar_day
from tests.inspection.draw_fixtures import at

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def post(client, path, data):
    with at(TODAY):
        return client.post(path, data, follow=True)


def added_events():
    return [json.loads(e.payload) for e in AuditEvent.objects.filter(action="calendar.day_added")]


class TestCommission:
    def test_the_page_lists_the_coming_holidays_and_marks_the_provisional_year(self, client, wang):
        client.force_login(wang)
        with at(TODAY):
            html = client.get("/calendar/").content.decode()
        assert "<h1>工作日历</h1>" in html
        assert "2026年：已按国务院办公厅放假安排通知确定" in html
        assert "2027年：暂按法定节假日推算，待国务院办公厅放假安排通知发布后录入" in html
        assert "2027-01-01 星期五" in html and "元旦" in html and "法定节假日（暂按推算）" in html
        assert "2027-10-01" in html, "twelve months ahead, National Day 2027 included"
        assert 'href="/calendar/" aria-current="page">工作日历</a>' in html  # in the commission's navigation

    def test_adding_and_removing_a_county_day_off_is_audited(self, client, wang):
        client.force_login(wang)
        response = post(client, "/calendar/add/", {"date": "2026-12-16", "kind": "off", "source": "county", "name": "水西古镇文化节"})
        assert "已登记：2026-12-16 放假（水西古镇文化节）。" in messages_of(response)
        entry = CalendarDay.objects.get()
        assert (entry.county.code, entry.kind, entry.source, entry.created_by) == ("520581", "off", "county", wang)
        assert [e["actor"] for e in added_events()] == ["wang"]
        html = response.content.decode()
        assert "水西古镇文化节" in html and f'action="/calendar/{entry.pk}/remove/"' in html

        response = post(client, f"/calendar/{entry.pk}/remove/", {})
        assert "已删除 2026-12-16 的登记。" in messages_of(response)
        assert not CalendarDay.objects.exists()
        removed = AuditEvent.objects.get(action="calendar.day_removed")
        assert json.loads(removed.payload)["data"]["name"] == "水西古镇文化节" and removed.actor == "wang"

    @pytest.mark.parametrize(
        ("data", "said"),
        [
            ({"date": "2026-12-19", "kind": "off", "source": "county", "name": "文化节"}, "是周末，本来就不上班"),
            ({"date": "2026-12-16", "kind": "make_up", "source": "county", "name": "补班"}, "调休上班日应为星期六或星期日"),
            ({"date": "2027-01-01", "kind": "off", "source": "county", "name": "元旦"}, "已是法定节假日，无需另行登记"),
            ({"date": "16/12/2026", "kind": "off", "source": "county", "name": "文化节"}, "日期格式应为 YYYY-MM-DD"),
            ({"date": "2026-12-16", "kind": "holiday", "source": "county", "name": "文化节"}, "类别应为“放假”或“调休上班”"),
            ({"date": "2026-12-16", "kind": "off", "source": "county", "name": ""}, "名称或事由不能为空"),
            ({"date": "2026-12-16", "kind": "off", "source": "county", "name": "节" * 65}, "名称或事由过长（最多 64 字）"),
            ({"kind": "off", "source": "county", "name": "文化节"}, "请填写日期"),
        ],
    )
    def test_a_bad_entry_is_refused_with_a_clear_message(self, client, wang, data, said):
        client.force_login(wang)
        response = post(client, "/calendar/add/", data)
        assert response.status_code == 200
        assert any(said in m for m in messages_of(response)), messages_of(response)
        assert not CalendarDay.objects.exists() and not added_events()

    def test_official_days_for_a_provisional_year_replace_its_computation(self, client, wang):
        client.force_login(wang)
        post(client, "/calendar/add/", {"date": "2027-02-10", "kind": "off", "source": "official", "name": "春节"})
        with at(TODAY):
            html = client.get("/calendar/").content.decode()
        assert "2027年：已按国务院办公厅放假安排通知确定" in html
        assert "法定节假日（暂按推算）" not in html and "国务院通知" in html

    def test_another_countys_entry_is_not_found(self, client, wang, other_county):
        entry = add_calendar_day(county=other_county, day=date(2026, 12, 16), kind="off", source="county",
                                 name="大方县文化节", today=TODAY)
        client.force_login(wang)
        with at(TODAY):
            assert client.post(f"/calendar/{entry.pk}/remove/").status_code == 404
            assert "大方县文化节" not in client.get("/calendar/").content.decode()
        assert CalendarDay.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("who", ["li", "zhang", "qian"])
def test_nobody_else_reaches_the_calendar(client, request, county, who):
    entry = add_calendar_day(county=county, day=date(2026, 12, 16), kind="off", source="county", name="文化节", today=TODAY)
    client.force_login(request.getfixturevalue(who))
    with at(TODAY):
        assert client.get("/calendar/").status_code == 404
        assert client.post("/calendar/add/", {"date": "2026-12-17", "kind": "off", "source": "county",
                                              "name": "文化节"}).status_code == 404
        assert client.post(f"/calendar/{entry.pk}/remove/").status_code == 404
        assert "/calendar/" not in client.get("/").content.decode()
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [date(2026, 12, 16)]


def test_a_stranger_is_sent_to_sign_in(client, county):
    response = client.post("/calendar/add/", {"date": "2026-12-17", "kind": "off", "source": "county", "name": "x"})
    assert response.status_code == 302 and "next=/calendar/add/" in response["Location"]
    assert not CalendarDay.objects.exists()


class TestDrawPage:
    def test_a_draw_looking_into_a_provisional_year_says_so(self, client, wang, sealed):
        client.force_login(wang)
        html = client.get(f"/draws/{sealed.week}/").content.decode()
        assert "涉及 2027 年，该年度国务院放假安排通知尚未录入，暂按法定节假日推算" in html

    def test_a_draw_within_official_years_has_no_mark(self, client, wang, roster):
        from inspection.services.draws import seal_draw

        with at(date(2026, 5, 29)):
            draw = seal_draw(county=roster, week="2026-W23", actor=wang)
        client.force_login(wang)
        html = client.get(f"/draws/{draw.week}/").content.decode()
        assert "provisional-note" not in html and draw.inputs["calendar"]["off_days"][0] == "2026-06-19"  # 端午


class TestAdmin:
    @pytest.fixture
    def staff(self, county):
        user = get_user_model().objects.create_user(username="admin-wang", password="x", is_staff=True, is_superuser=True)
        Profile.objects.create(user=user, role=Role.COMMISSION, county=county)
        return user

    def test_an_entry_added_in_the_admin_is_checked_and_audited(self, client, staff, county):
        client.force_login(staff)
        form = {"county": county.pk, "date": "2026-12-16", "kind": "off", "source": "county", "name": "防汛应急"}
        with at(TODAY):
            refused = client.post("/admin/inspection/calendarday/add/", {**form, "date": "2026-12-19"})
            assert refused.status_code == 200 and "是周末，本来就不上班" in refused.content.decode()
            assert not CalendarDay.objects.exists()
            added = client.post("/admin/inspection/calendarday/add/", form)
            assert added.status_code == 302
        entry = CalendarDay.objects.get()
        assert entry.created_by == staff and [e["actor"] for e in added_events()] == ["admin-wang"]

    def test_an_entry_is_never_edited_in_place_and_its_deletion_is_audited(self, client, staff, county):
        entry = add_calendar_day(county=county, day=date(2026, 12, 16), kind="off", source="county", name="文化节", today=TODAY)
        client.force_login(staff)
        with at(TODAY):
            client.post(f"/admin/inspection/calendarday/{entry.pk}/change/", {
                "county": county.pk, "date": "2026-12-17", "kind": "off", "source": "county", "name": "改过"})
            entry.refresh_from_db()
            assert (entry.date, entry.name) == (date(2026, 12, 16), "文化节")
            response = client.post(f"/admin/inspection/calendarday/{entry.pk}/delete/", {"post": "yes"})
            assert response.status_code == 302
        assert not CalendarDay.objects.exists()
        assert AuditEvent.objects.get(action="calendar.day_removed").actor == "admin-wang"

    def test_a_past_entry_cannot_be_deleted_in_the_admin(self, client, staff, county):
        entry = add_calendar_day(county=county, day=date(2026, 12, 16), kind="off", source="county", name="文化节", today=TODAY)
        with at(date(2026, 12, 20)):
            client.force_login(staff)  # a session opened on the day: sign-in sessions expire
            assert client.post(f"/admin/inspection/calendarday/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
        assert CalendarDay.objects.filter(pk=entry.pk).exists()
