"""The commission marks a visit missed or cancels one (web and API), seals a week short of capacity only
with a reason, and sees on its home page, in red, what the draw needs from it (issue 17)."""

from datetime import timedelta

import pytest

from inspection.models import AuditEvent, Draw, Inspection
from inspection.services.visits import mark_missed
from tests.inspection.draw_fixtures import FRIDAY_BEFORE, MONDAY, WEEK, at
from tests.inspection.field_fixtures import dispatched, sun, tomorrow  # noqa: F401 - fixtures
from tests.inspection.test_visits import _short_of_capacity, visited

pytestmark = pytest.mark.django_db


def said(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


# --- API ---------------------------------------------------------------------------------------------


def test_the_commission_marks_a_visit_missed_through_the_api(api, wang, dispatched):
    reply = api(wang).post_json(f"/api/v1/inspections/{dispatched.pk}/missed", {"reason": "督查组车辆故障"})
    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert (body["status"], body["missed_reason"]) == ("missed", "督查组车辆故障") and body["missed_at"]
    again = api(wang).post_json(f"/api/v1/inspections/{dispatched.pk}/missed", {"reason": "再次"})
    assert again.status_code == 409 and "已派出" in again.json()["detail"]


def test_the_commission_cancels_a_planned_visit_through_the_api(api, wang, tomorrow, dispatched):
    reply = api(wang).post_json(f"/api/v1/inspections/{tomorrow.pk}/cancel", {"reason": "当日停电"})
    assert reply.status_code == 200 and reply.json()["status"] == "cancelled"
    assert reply.json()["cancelled_reason"] == "当日停电"
    refused = api(wang).post_json(f"/api/v1/inspections/{dispatched.pk}/cancel", {"reason": "x"})
    assert refused.status_code == 409 and "尚未派出" in refused.json()["detail"]
    listed = api(wang).get("/api/v1/inspections?status=cancelled").json()
    rows = listed["items"] if isinstance(listed, dict) else listed
    assert [r["id"] for r in rows] == [tomorrow.pk]


@pytest.mark.parametrize("reason", ["", "   ", "长" * 501])
def test_a_missing_or_overlong_reason_is_a_422_with_a_detail(api, wang, dispatched, reason):
    reply = api(wang).post_json(f"/api/v1/inspections/{dispatched.pk}/missed", {"reason": reason})
    assert reply.status_code == 422 and reply.json()["detail"]
    assert Inspection.objects.get(pk=dispatched.pk).status == "dispatched"


def test_inspectors_and_officials_cannot_mark_or_cancel(api, li, zhang, zhao, dispatched, tomorrow):
    for user in (li, zhang, zhao):
        for pk, what in ((dispatched.pk, "missed"), (tomorrow.pk, "cancel")):
            reply = api(user).post_json(f"/api/v1/inspections/{pk}/{what}", {"reason": "不想去"})
            assert reply.status_code == 404, (user, what, reply.content)
    assert set(Inspection.objects.values_list("status", flat=True)) == {"dispatched", "planned"}
    assert not AuditEvent.objects.filter(action__in=["inspection.missed", "inspection.cancelled"]).exists()


def test_the_team_still_files_and_submits_a_visit_marked_missed(api, li, wang, dispatched):
    mark_missed(inspection=dispatched, actor=wang, reason="超过宽限期")
    item = dispatched.checklist.items.order_by("position").first()
    filed = api(li).post_json(f"/api/v1/inspections/{dispatched.pk}/findings",
                              {"item_id": item.pk, "text": "离线时登记的问题"}, **{"Idempotency-Key": "outbox-1"})
    assert filed.status_code == 201, filed.content
    submitted = api(li).post_json(f"/api/v1/inspections/{dispatched.pk}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert AuditEvent.objects.filter(action="inspection.filed_late").count() == 1


# --- web ---------------------------------------------------------------------------------------------


def test_the_commission_marks_a_visit_missed_on_its_page(client, wang, dispatched):
    client.force_login(wang)
    page = client.get(f"/inspections/{dispatched.pk}/").content.decode()
    assert f"/inspections/{dispatched.pk}/missed/" in page
    response = client.post(f"/inspections/{dispatched.pk}/missed/", {"reason": "道路塌方"})
    assert response.status_code == 302 and "已登记为未实施" in said(response)
    assert Inspection.objects.get(pk=dispatched.pk).status == "missed"
    page = client.get(f"/inspections/{dispatched.pk}/").content.decode()
    assert "本次检查未实施" in page and "道路塌方" in page


def test_an_empty_reason_is_refused_on_the_page(client, wang, dispatched):
    client.force_login(wang)
    response = client.post(f"/inspections/{dispatched.pk}/missed/", {"reason": " "})
    assert response.status_code == 302 and "请填写原因" in said(response)
    assert Inspection.objects.get(pk=dispatched.pk).status == "dispatched"


def test_inspectors_and_officials_get_the_not_found_page(client, li, zhang, dispatched, tomorrow):
    for user in (li, zhang):
        client.force_login(user)
        assert client.post(f"/inspections/{dispatched.pk}/missed/", {"reason": "x"}).status_code == 404
        assert client.post(f"/inspections/{tomorrow.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert set(Inspection.objects.values_list("status", flat=True)) == {"dispatched", "planned"}


def test_the_commission_cancels_a_planned_visit_from_the_draw_page(client, wang, sealed):
    client.force_login(wang)
    planned = Inspection.objects.filter(draw=sealed).order_by("date").last()
    with at(FRIDAY_BEFORE, 15):
        page = client.get(f"/draws/{WEEK}/").content.decode()
        assert f"/inspections/{planned.pk}/cancel/" in page
        response = client.post(f"/inspections/{planned.pk}/cancel/", {"reason": "县里统一安排防汛"})
    assert response.status_code == 302 and response["Location"] == f"/draws/{WEEK}/"
    assert Inspection.objects.get(pk=planned.pk).status == "cancelled"


def test_the_draw_page_seals_short_of_capacity_only_with_a_reason(client, wang, roster, checklist):
    _short_of_capacity(roster, checklist)
    client.force_login(wang)
    with at(FRIDAY_BEFORE, 15):
        assert 'name="accept_shortfall"' in client.get("/draws/").content.decode()
        refused = client.post("/draws/seal/", {"week": WEEK, "accept_shortfall": ""})
        assert refused.status_code == 302 and "检查能力不足" in said(refused) and not Draw.objects.exists()
        done = client.post("/draws/seal/", {"week": WEEK, "accept_shortfall": "经主任办公会研究同意"})
        assert done.status_code == 302 and done["Location"] == f"/draws/{WEEK}/"
        draw = Draw.objects.get()
        assert draw.accepted_shortfall == "经主任办公会研究同意" and draw.created_by == wang
        page = client.get(f"/draws/{WEEK}/").content.decode()
    assert "本周检查能力不足" in page and "经主任办公会研究同意" in page


# --- the red banner ----------------------------------------------------------------------------------


def test_no_banner_when_all_is_well(client, wang, sealed):
    client.force_login(wang)
    with at(MONDAY, 9):
        assert "抽签需要处理" not in client.get("/").content.decode()


def test_the_dashboard_shows_a_missing_week_in_red(client, wang, sealed):
    with at(MONDAY + timedelta(days=8), 9):  # Tuesday of week 50: the Friday job never drew it
        client.force_login(wang)
        page = client.get("/").content.decode()
    assert 'class="msg error alarm" role="alert"' in page and "2026-W50 没有抽签" in page


def test_the_dashboard_shows_a_shortfall_in_red(client, wang, roster, checklist):
    _short_of_capacity(roster, checklist)
    from inspection.services.draws import seal_draw

    with at(FRIDAY_BEFORE):
        seal_draw(county=roster, week=WEEK, actor=wang, accept_shortfall="培训周")
    client.force_login(wang)
    with at(MONDAY, 9):
        page = client.get("/").content.decode()
    assert "抽签需要处理" in page and "检查能力不足" in page and "培训周" in page


def test_the_dashboard_shows_missed_visits_waiting_for_a_make_up(client, wang, roster, checklist):
    from inspection.services.draws import seal_draw
    from inspection.services.visits import cancel_inspection

    due = roster.townships.get(code="520581100")
    visited(due, MONDAY - timedelta(days=59), checklist)  # due this week
    with at(FRIDAY_BEFORE):
        draw = seal_draw(county=roster, week=WEEK, actor=wang)
    with at(MONDAY, 5):  # before the morning job's make-up
        cancel_inspection(inspection=draw.inspections.get(township=due), actor=wang, reason="当日停电")
    client.force_login(wang)
    with at(MONDAY, 6):
        page = client.get("/").content.decode()
    assert "未实施或已撤销" in page and "等待补充抽签" in page
