"""The commission's operations pages and endpoints (issue 15): order an ad-hoc inspection, enter and
withdraw leave, replace an inspector of a sealed visit; everyone else sees a 404; bad input is said
in Chinese ({"detail"} in the API) and leaves nothing written."""

from datetime import timedelta

import pytest

from inspection.models import AuditEvent, Inspection, Inspector, InspectorLeave, Replacement
from inspection.services.availability import eligible_inspectors
from tests.inspection.draw_fixtures import FRIDAY_BEFORE, MONDAY, at, roster, sealed  # noqa: F401
from tests.inspection.test_estimate_command import _visit

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + timedelta(days=1)


def said(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


def pair(township, on):
    return eligible_inspectors(county=township.county, township=township, on=on)[:2]


@pytest.mark.parametrize("path", ["/ad-hoc/", "/leave/"])
def test_only_the_commission_opens_the_operations_pages(client, path, roster, wang, li, zhang):
    client.force_login(wang)
    with at(MONDAY):
        page = client.get(path)
    assert page.status_code == 200
    assert "专项暗访" in page.content.decode() and "督查员请假" in page.content.decode()  # both in the menu
    for other in (li, zhang):
        client.force_login(other)
        assert client.get(path).status_code == 404


def test_the_commission_orders_an_ad_hoc_inspection_on_the_page(client, roster, wang):
    township = roster.townships.get(code="520581100")
    client.force_login(wang)
    with at(MONDAY, 9):
        team = pair(township, TUESDAY)
        reply = client.post("/ad-hoc/order/", {"township": township.pk, "date": TUESDAY.isoformat(),
                                               "source": "lead", "reason": "上级转来线索：儿童之家未开放",
                                               "team": [i.pk for i in team]}, follow=True)
    assert "已安排2026年12月1日对" in said(reply) and "问题线索" in said(reply)
    visit = Inspection.objects.get(kind="ad_hoc")
    assert visit.reason == "上级转来线索：儿童之家未开放" and visit.members.count() == 2
    assert "上级转来线索" in reply.content.decode()  # listed on the page


def test_a_bad_ad_hoc_order_is_refused_in_chinese_and_writes_nothing(client, roster, wang):
    township = roster.townships.get(code="520581100")
    home_of = Inspector.objects.filter(home_township=township).first()
    client.force_login(wang)
    with at(MONDAY, 9):
        empty = client.post("/ad-hoc/order/", {"township": township.pk, "date": "2026-13-01", "source": "x"}, follow=True)
        too_long = client.post("/ad-hoc/order/", {"township": township.pk, "date": TUESDAY.isoformat(),
                                                  "source": "lead", "reason": "长" * 201, "team": []}, follow=True)
        team = [home_of.pk, pair(township, TUESDAY)[0].pk] if home_of else []
        recused = client.post("/ad-hoc/order/", {"township": township.pk, "date": TUESDAY.isoformat(),
                                                 "source": "lead", "reason": "线索", "team": team}, follow=True)
    assert "日期格式应为" in said(empty) and "来由应为" in said(empty) and "请填写事由" in said(empty)
    assert "事由不超过200字" in said(too_long) and "请选择督查组成员" in said(too_long)
    if home_of:
        assert "应当回避" in said(recused)
    assert not Inspection.objects.exists()


def test_leave_is_entered_and_withdrawn_on_the_page(client, roster, wang):
    inspector = Inspector.objects.get(user__username="inspector4")
    client.force_login(wang)
    with at(MONDAY):
        added = client.post("/leave/add/", {"inspector": inspector.pk, "starts_on": TUESDAY.isoformat(),
                                            "ends_on": (TUESDAY + timedelta(days=2)).isoformat(), "reason": "病假"},
                            follow=True)
        backwards = client.post("/leave/add/", {"inspector": inspector.pk, "starts_on": "2026-12-09",
                                                "ends_on": "2026-12-08", "reason": "培训"}, follow=True)
    assert "已登记督查员4 2026年12月1日至2026年12月3日请假" in said(added)
    assert "结束日期不能早于开始日期" in said(backwards)
    entry = InspectorLeave.objects.get()
    with at(MONDAY):
        client.post(f"/leave/{entry.pk}/withdraw/", follow=True)
    entry.refresh_from_db()
    assert entry.withdrawn_at is not None
    assert AuditEvent.objects.filter(action="inspector.leave_withdrawn").count() == 1


def test_the_commission_replaces_an_inspector_on_the_page_and_the_look_is_logged(client, sealed, wang, li):
    visit = Inspection.objects.filter(draw=sealed, status="planned").order_by("date", "id").first()
    ill = visit.members.first().inspector
    client.force_login(wang)
    with at(MONDAY - timedelta(days=1)):
        page = client.get(f"/inspections/{visit.pk}/replace/")
        assert page.status_code == 200 and "抽取接替人员" in page.content.decode()
        done = client.post(f"/inspections/{visit.pk}/replace/", {"inspector": ill.pk, "reason": "突发疾病"}, follow=True)
    record = Replacement.objects.get()
    assert f"接替{ill.name}" in said(done) and "本周第1次更换" in said(done)
    assert "本周第1次更换" in done.content.decode()
    assert AuditEvent.objects.filter(action="draw.viewed").exists()
    assert record.replacement.pk in set(visit.members.values_list("inspector_id", flat=True))
    client.force_login(li)
    assert client.get(f"/inspections/{visit.pk}/replace/").status_code == 404


# --- API ---------------------------------------------------------------------------------------------


def test_the_commission_orders_an_ad_hoc_inspection_through_the_api(api, roster, wang, li):
    township = roster.townships.get(code="520581100")
    with at(MONDAY, 9):
        team = [i.user.username for i in pair(township, TUESDAY)]
        reply = api(wang).post_json("/api/v1/ad-hoc-inspections", {
            "township": "520581100", "date": TUESDAY.isoformat(), "source": "complaint", "reason": "来电反映",
            "team": team})
        assert reply.status_code == 201, reply.content
        assert reply.json() | {"id": 0} == {"id": 0, "township": "520581100", "date": "2026-12-01",
                                            "status": "planned", "kind": "ad_hoc", "source": "complaint",
                                            "reason": "来电反映", "team": sorted(team)}
        assert [r["id"] for r in api(wang).get("/api/v1/ad-hoc-inspections").json()] == [reply.json()["id"]]
        assert api(li).post_json("/api/v1/ad-hoc-inspections", {
            "township": "520581100", "date": TUESDAY.isoformat(), "source": "complaint", "reason": "x",
            "team": team}).status_code == 404


def test_an_ad_hoc_order_of_an_inactive_township_is_refused_through_the_api(api, roster, wang):
    roster.townships.filter(code="520581100").update(active=False)
    with at(MONDAY, 9):
        reply = api(wang).post_json("/api/v1/ad-hoc-inspections", {
            "township": "520581100", "date": TUESDAY.isoformat(), "source": "lead", "reason": "线索",
            "team": ["inspector1", "inspector2"]})
        unknown = api(wang).post_json("/api/v1/ad-hoc-inspections", {
            "township": "520581101", "date": TUESDAY.isoformat(), "source": "lead", "reason": "线索",
            "team": ["inspector1", "nobody"]})
    assert reply.status_code == 422 and "已不在检查范围内" in reply.json()["detail"]
    assert unknown.status_code == 422 and "nobody" in unknown.json()["detail"]
    assert not Inspection.objects.exists()


def test_leave_through_the_api(api, roster, wang, li):
    with at(MONDAY):
        reply = api(wang).post_json("/api/v1/leave", {"inspector": "inspector5", "starts_on": "2026-12-01",
                                                      "ends_on": "2026-12-04", "reason": "病假"})
        assert reply.status_code == 201 and reply.json()["inspector"] == "inspector5"
        assert len(api(wang).get("/api/v1/leave").json()) == 1
        assert api(li).get("/api/v1/leave").status_code == 404


def test_a_replacement_through_the_api_and_one_for_a_submitted_visit_refused(api, sealed, wang):
    visits = list(Inspection.objects.filter(draw=sealed, status="planned").order_by("date", "id"))
    first, second = visits[0], visits[1]
    with at(MONDAY - timedelta(days=1)):
        name = first.members.first().inspector.user.username
        reply = api(wang).post_json(f"/api/v1/inspections/{first.pk}/replacements", {"inspector": name, "reason": "病假"})
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert body["index"] == 1 and body["replaced"] == name and body["replacement"] in body["candidates"]
    _visit(second, [])
    with at(second.date, 18):
        refused = api(wang).post_json(f"/api/v1/inspections/{second.pk}/replacements",
                                      {"inspector": second.members.first().inspector.user.username, "reason": "病假"})
    assert refused.status_code == 409 and "已提交" in refused.json()["detail"]


def test_after_a_replacement_the_assignment_moves_to_the_new_inspectors_page(client, sealed, wang):
    from inspection.services.draws import dispatch_due
    from inspection.services.replacements import replace_inspector

    visit = Inspection.objects.filter(draw=sealed).order_by("date", "id").first()
    with at(visit.date, 7):
        dispatch_due(county=sealed.county)
        ill = visit.members.select_related("inspector__user").first().inspector
        record = replace_inspector(inspection=visit, inspector=ill, reason="突发疾病", actor=wang)
        client.force_login(ill.user)
        assert client.get(f"/inspector/inspections/{visit.pk}/").status_code == 404
        assert str(visit.township.name) not in client.get("/inspector/").content.decode()
        client.force_login(record.replacement.user)
        assert client.get(f"/inspector/inspections/{visit.pk}/").status_code == 200
        assert visit.township.name in client.get("/inspector/").content.decode()


def test_the_operations_pages_read_in_english_when_english_is_chosen(client, roster, wang):
    client.force_login(wang)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with at(MONDAY):
        adhoc_page = client.get("/ad-hoc/").content.decode()
        leave_page = client.get("/leave/").content.decode()
        refused = client.post("/leave/add/", {"inspector": "", "starts_on": "x", "ends_on": "", "reason": ""}, follow=True)
    assert "Order an ad-hoc inspection" in adhoc_page and "安排专项暗访" not in adhoc_page
    assert "Enter leave" in leave_page and "登记请假" not in leave_page
    assert "Choose an inspector" in said(refused) and "Give the reason for leave" in said(refused)
