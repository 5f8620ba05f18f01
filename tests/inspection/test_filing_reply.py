"""The reply to a new finding is built from the values at hand (issue 14, the filing's hot path):
it must be, byte for byte, what FindingOut validated from the finding gives, the way every other
read of a finding renders it."""

import uuid
from datetime import datetime, timedelta, timezone as dt_timezone
from types import SimpleNamespace

import pytest
from django.utils import timezone

from inspection.api.inspections import FindingOut, new_finding_json, render_json
from inspection.models import Evidence, Finding, Inspection
from tests.inspection.field_fixtures import dispatched, item, sun, zhou  # noqa: F401

pytestmark = pytest.mark.django_db


def url(inspection):
    return f"/api/v1/inspections/{inspection.pk}/findings"


def validated(finding: Finding, user) -> bytes:
    """The reply as FindingOut validates it from the model (corrections and evidence read empty)."""
    finding._prefetched_objects_cache = {"corrections": Finding.objects.none(), "evidence": Evidence.objects.none()}
    return render_json(finding, FindingOut, SimpleNamespace(auth=user))


def file(api, user, inspection, body):
    response = api(user).post_json(url(inspection), body, **{"Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 201, response.content
    return response


@pytest.mark.parametrize(
    "body",
    [
        {"severity": "minor", "text": "食堂卫生差"},
        {"item": 9, "text": "两名留守儿童已辍学，台账未更新", "location": "某村小学"},
        # A phone number and a child's name: the reply carries the privacy warnings.
        {"item": 3, "severity": "major", "text": "学生王小明家长电话13812345678，未登记", "location": "二楼"},
        {"severity": "critical", "text": "值班表未公示", "observed_at": "2026-01-05T02:30:00Z"},
    ],
)
def test_the_reply_is_what_findingout_gives_for_the_stored_finding(api, li, dispatched, body):
    body = dict(body)
    if "item" in body:
        body["item_id"] = item(dispatched, body.pop("item")).pk
    if "observed_at" in body:
        body["observed_at"] = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    response = file(api, li, dispatched, body)
    stored = Finding.objects.select_related("recorded_by").get(pk=response.json()["id"])
    assert response.content == validated(stored, li)
    if "13812345678" in body["text"]:
        assert response.json()["warnings"], "the privacy warnings are part of the reply"


def test_a_correction_replies_as_findingout_gives_it(api, li, dispatched):
    first = file(api, li, dispatched, {"severity": "minor", "text": "食堂卫生差"}).json()
    response = file(api, li, dispatched, {"severity": "major", "text": "食堂卫生很差", "corrects": first["id"],
                                          "correction_reason": "程度写错"})
    stored = Finding.objects.select_related("recorded_by").get(pk=response.json()["id"])
    assert response.json()["corrects"] == first["id"] and response.json()["correction_reason"] == "程度写错"
    assert response.content == validated(stored, li)


@pytest.mark.parametrize("role", ["inspector", "township"])
def test_built_and_validated_agree_on_every_value_in_memory(li, dispatched, zhang, role):
    """Values as the service holds them before any database round trip: an observation time with
    its own offset (+08:00), an empty location, no item; named for the team, 督查组 for a township."""
    reader = li if role == "inspector" else zhang
    finding = Finding(
        id=123456, inspection_id=dispatched.pk, item_id=None, severity="major", text="宿舍无人值守，李某某13900001111",
        location="", observed_at=datetime(2026, 1, 5, 10, 30, 15, 250000, tzinfo=dt_timezone(timedelta(hours=8))),
        recorded_by=li, created_at=timezone.now(), corrects_id=None, correction_reason="",
    )
    built = new_finding_json(finding, SimpleNamespace(auth=reader))
    assert built == validated(finding, reader)
    assert ("督查组" in built.decode()) == (role == "township")


# The filing's visibility sub-query is compiled once per (user, role, county) and reused with each
# filing's inspection id: the reuse must file exactly where a fresh compile would, and no further.


def test_the_kept_subquery_files_only_on_the_callers_own_open_visits(api, li, sun, zhou, dispatched, jinbi, checklist):
    from tests.inspection.field_fixtures import make_inspection

    theirs = make_inspection(township=jinbi, checklist=checklist, team=[li, sun])
    not_li = make_inspection(township=jinbi, checklist=checklist, team=[sun, zhou])
    submitted = make_inspection(township=jinbi, checklist=checklist, team=[li, sun])
    Inspection.objects.filter(pk=submitted.pk).update(status="submitted", score=100, submitted_at=timezone.now())
    body = {"severity": "minor", "text": "值班表未公示"}
    client = api(li)
    for visit, status in ((dispatched, 201), (theirs, 201), (not_li, 404), (submitted, 409), (dispatched, 201)):
        response = client.post_json(url(visit), body, **{"Idempotency-Key": uuid.uuid4().hex})
        assert response.status_code == status, (visit, response.content)
    assert Finding.objects.filter(inspection=not_li).count() == 0
    assert Finding.objects.filter(inspection=submitted).count() == 0
    # Zhou's own kept sub-query files on his visit, never on li's.
    assert file(api, zhou, not_li, body).status_code == 201
    refused = api(zhou).post_json(url(dispatched), body, **{"Idempotency-Key": uuid.uuid4().hex})
    assert refused.status_code == 404 and Finding.objects.filter(inspection=dispatched, recorded_by=zhou).count() == 0


def test_a_changed_role_or_county_is_not_answered_from_the_kept_subquery(api, li, dispatched, other_county):
    body = {"severity": "minor", "text": "值班表未公示"}
    assert file(api, li, dispatched, body).status_code == 201
    profile = li.profile
    profile.county = other_county
    profile.save()
    moved = api(li).post_json(url(dispatched), body, **{"Idempotency-Key": uuid.uuid4().hex})
    assert moved.status_code in (403, 404), moved.content
    assert Finding.objects.filter(inspection=dispatched).count() == 1
