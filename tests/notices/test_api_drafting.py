"""The notice workflow over the real HTTP stack, from submitted inspections: the weekly circular,
and the letters a submission drafts (moved from test_api.py, whose tests share one set of letters)."""

from __future__ import annotations

import pytest

from inspection.models import Notice, Rectification
from tests.notices import pdftools as P
from tests.notices.workflow import media  # noqa: F401


def ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


# -- the circular ------------------------------------------------------------------

def test_the_commission_drafts_the_weekly_circular_from_submitted_inspections(api, wang, zhang, submitted_week):
    reply = api(wang).post_json("/api/v1/notices/circulars", {"week": submitted_week["week"]})
    assert reply.status_code == 201, reply.content
    notice = Notice.objects.get(pk=reply.json()["id"])
    snap = notice.snapshot
    assert [row["township"]["name"] for row in snap["inspections"]] == submitted_week["ranked"]
    assert snap["summary"]["inspections"] == 2
    assert any(p["text"] == "未保工作站无人值守" for p in snap["problems"])
    assert api(zhang).get(f"/api/v1/notices/{notice.pk}").status_code == 404  # still a draft
    again = api(wang).post_json("/api/v1/notices/circulars", {"week": submitted_week["week"]})
    assert again.json()["id"] == notice.pk  # redrafted, not doubled
    pdf = api(wang).get(f"/api/v1/notices/{notice.pk}/pdf").content
    assert "未保工作站无人值守" in P.text(pdf)


@pytest.fixture
def submitted_week(county, jinbi, checklist, li, media):
    """Two inspections of one week, submitted through the real services."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from inspection.models import Inspector, Role
    from inspection.services.inspections import FindingData, file_finding, submit_inspection
    from tests.conftest import _user
    from tests.inspection.field_fixtures import make_inspection

    sun = _user("sun", Role.INSPECTOR, county, "孙督查")
    Inspector.objects.create(user=sun, county=county, name="孙督查")
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday() + 7)
    jinxing = county.townships.get(code="520581101")
    bad = make_inspection(township=jinbi, checklist=checklist, team=[li, sun], day=monday)
    item = checklist.items.get(position=1)
    file_finding(inspection=bad, user=li, data=FindingData(text="未保工作站无人值守", item_id=item.pk))
    submit_inspection(inspection=bad, user=li)
    good = make_inspection(township=jinxing, checklist=checklist, team=[li, sun], day=monday + dt.timedelta(days=1))
    submit_inspection(inspection=good, user=li)
    year, week, _ = monday.isocalendar()
    assert get_user_model().objects.filter(username="sun").exists()
    return {"week": f"{year}-W{week:02d}", "ranked": [jinxing.name, "金碧镇"]}


# -- drafts appear when an inspection is submitted ------------------------------------

def test_a_submitted_inspection_drafts_its_letters_which_the_official_sees_once_issued(
        api, county, jinbi, checklist, li, zhang, wang, media):
    from inspection.models import Inspector, Role
    from inspection.services.inspections import FindingData, file_finding, submit_inspection
    from tests.conftest import _user
    from tests.inspection.field_fixtures import make_inspection

    sun = _user("sun", Role.INSPECTOR, county, "孙督查")
    Inspector.objects.create(user=sun, county=county, name="孙督查")
    inspection = make_inspection(township=jinbi, checklist=checklist, team=[li, sun])
    critical = checklist.items.filter(severity="critical").first()
    file_finding(inspection=inspection, user=li,
                 data=FindingData(text="孤儿基本生活费延迟发放", item_id=critical.pk))
    submit_inspection(inspection=inspection, user=li)

    drafts = Notice.objects.filter(inspection=inspection, state="draft")
    # One letter per township and event (issue 15): the summons carries the rectification notice.
    assert list(drafts.values_list("kind", flat=True)) == ["summons"]
    assert ids(api(zhang).get("/api/v1/notices")) == set()
    summons = drafts.get(kind="summons")
    issued = api(wang).post(f"/api/v1/notices/{summons.pk}/issue")
    assert issued.status_code == 200, issued.content
    assert ids(api(zhang).get("/api/v1/notices")) == {summons.pk}
    pdf = api(zhang).get(f"/api/v1/notices/{summons.pk}/pdf").content
    text = P.flat(P.text(pdf))
    assert "孤儿基本生活费延迟发放" in text and "张永燊" in text
    assert "整改要求" in text and "同时作为整改通知" in text
    assert Rectification.objects.get(inspection=inspection).notice == summons
