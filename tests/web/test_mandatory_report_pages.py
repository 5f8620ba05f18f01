"""The mandatory-report pages (强制报告): an inspector files from a visit, the office sees a count,
the designated officer the case (and the identity), the observer the case, the official nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from inspection.models import MandatoryReport, Notification
from tests.inspection.field_fixtures import dispatched, sun  # noqa: F401 (fixtures)
from tests.inspection.test_mandatory_reports import CHILD_ID, CHILD_NAME, DESCRIPTION, WHAT, designate


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def filed_on_the_web(li, dispatched):  # noqa: F811
    page = signed_in(li).post(f"/reports/new/?inspection={dispatched.pk}", {
        "inspection": dispatched.pk, "what": WHAT, "location": "金碧镇某村",
        "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "child_description": DESCRIPTION,
        "child_identity": f"{CHILD_NAME} {CHILD_ID}", "agency": "civil_affairs", "agency_name": ""})
    assert page.status_code == 302, page.content.decode()[:2000]
    assert page["Location"] == f"/inspector/inspections/{dispatched.pk}/"  # back to the visit
    return MandatoryReport.objects.get()


def test_an_inspector_marks_what_they_saw_from_the_visit_page(li, dispatched, filed_on_the_web):  # noqa: F811
    page = signed_in(li).get(f"/inspector/inspections/{dispatched.pk}/")
    assert "强制报告" in page.content.decode()
    report = filed_on_the_web
    assert report.agency_name == "黔西市民政局" and report.letter_number and dispatched.findings.count() == 0
    mine = signed_in(li).get("/reports/").content.decode()
    assert "我报告的线索" in mine and "已受理" in mine and WHAT not in mine


def test_an_inspector_cannot_file_on_another_teams_visit_or_without_one(county, dispatched):  # noqa: F811
    from inspection.models import Inspector, Role
    from tests.conftest import _user

    zhou = _user("zhou", Role.INSPECTOR, county, "周督查")
    Inspector.objects.create(user=zhou, county=county, name="周督查")
    assert signed_in(zhou).get(f"/reports/new/?inspection={dispatched.pk}").status_code == 404
    assert signed_in(zhou).get("/reports/new/").status_code == 404


def test_a_bad_form_is_refused_in_chinese_and_nothing_is_filed(wang):
    page = signed_in(wang).post("/reports/new/", {"what": "", "location": "某村", "discovered_at": "昨天",
                                                  "child_description": "约8岁女童", "agency": "army"}, follow=True)
    text = page.content.decode()
    assert "请填写线索情况" in text and "发现时间格式不正确" in text and "请选择接收单位" in text
    assert not MandatoryReport.objects.exists()


def test_the_office_sees_a_count_the_officer_and_observer_the_case(filed_on_the_web, wang, qian, zhang, dispatched):  # noqa: F811
    report = filed_on_the_web
    board = signed_in(wang).get("/").content.decode()
    assert "强制报告线索待接收确认 1 条" in board and WHAT not in board
    listing = signed_in(wang).get("/reports/").content.decode()
    assert "待接收确认 1 条" in listing and WHAT not in listing and DESCRIPTION not in listing
    assert signed_in(wang).get(f"/reports/{report.pk}/").status_code == 404
    observed = signed_in(qian).get(f"/reports/{report.pk}/").content.decode()
    assert WHAT in observed and CHILD_ID not in observed
    designate(wang)
    seen = signed_in(wang).get(f"/reports/{report.pk}/").content.decode()
    assert WHAT in seen and CHILD_ID in seen
    for path in ("/reports/", f"/reports/{report.pk}/", f"/reports/{report.pk}/letter/"):
        assert signed_in(zhang).get(path).status_code == 404
    for path in ("/", f"/inspections/{dispatched.pk}/", "/my-township/"):
        page = signed_in(zhang).get(path, follow=True).content.decode()
        assert WHAT not in page and DESCRIPTION not in page and "强制报告" not in page


def test_the_officer_records_the_receipt_and_downloads_the_letter(filed_on_the_web, wang):
    report = filed_on_the_web
    officer = signed_in(designate(wang))
    letter = officer.get(f"/reports/{report.pk}/letter/")
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    page = officer.post(f"/reports/{report.pk}/", {"received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                                                   "received_by": "刘科长", "receipt_number": "民受88"}, follow=True)
    assert "已记录接收单位确认接收" in page.content.decode()
    assert MandatoryReport.objects.get().state == "closed"


def test_a_late_case_is_red_on_the_board_and_the_head_sees_a_reminder(filed_on_the_web, wang):
    designate(wang, officer=False, head=True)
    with time_machine.travel(filed_on_the_web.discovered_at + timedelta(minutes=61), tick=False):
        board = signed_in(wang).get("/").content.decode()  # the check runs on read
        assert "强制报告线索超时未确认接收 1 条" in board
        assert "提醒 1" in board
    assert Notification.objects.get().recipient == wang
    reminders = signed_in(wang).get("/notifications/").content.decode()
    assert "请立即督办" in reminders and WHAT not in reminders


def test_the_office_designates_its_officers(wang, county):
    from inspection.models import Role
    from tests.conftest import _user

    colleague = _user("chen", Role.COMMISSION, county, "陈专员")
    page = signed_in(wang).post("/reports/roles/", {"profile": colleague.profile.pk, "report_officer": "on"},
                                follow=True)
    assert "已更新强制报告专员设置" in page.content.decode()
    colleague.profile.refresh_from_db()
    assert colleague.profile.report_officer and not colleague.profile.commission_head


def test_once_there_is_a_head_only_the_head_designates(wang, county):
    """A member of staff cannot make themselves a reader of children's cases."""
    from inspection.models import Role
    from tests.conftest import _user

    designate(wang, officer=True, head=True)
    colleague = _user("chen", Role.COMMISSION, county, "陈专员")
    refused = signed_in(colleague).post("/reports/roles/", {"profile": colleague.profile.pk, "report_officer": "on"},
                                        follow=True)
    assert "只能由负责人指定" in refused.content.decode()
    colleague.profile.refresh_from_db()
    assert not colleague.profile.report_officer
    signed_in(wang).post("/reports/roles/", {"profile": colleague.profile.pk, "report_officer": "on"})
    colleague.profile.refresh_from_db()
    assert colleague.profile.report_officer
