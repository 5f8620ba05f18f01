"""Bad input anywhere on the inspections API answers 4xx with a clear {"detail"}, never a 500."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from inspection.models import Finding
from tests.inspection.field_fixtures import dispatched, item, sun  # noqa: F401

pytestmark = pytest.mark.django_db


def findings_url(inspection):
    return f"/api/v1/inspections/{inspection.pk}/findings"


def assert_clear_4xx(response, *statuses):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    if statuses:
        assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "body, why",
    [
        ({"text": "x\u0000y", "item_id": None, "severity": "minor"}, "NUL"),
        ({"text": "x" * 2001, "item_id": None, "severity": "minor"}, "too long"),
        ({"text": "x", "item_id": 2**70}, "id beyond 64 bits"),
        ({"text": "x", "item_id": -1}, "negative id"),
        ({"text": "x", "item_id": "abc"}, "id not a number"),
        ({"text": "x", "item_id": None, "severity": "fatal"}, "unknown severity"),
        ({"text": 12, "item_id": None, "severity": "minor"}, "text not a string"),
        ({"item_id": None, "severity": "minor"}, "no text"),
        ({"text": None, "item_id": None, "severity": "minor"}, "null text"),
        ({"text": "x", "item_id": None, "severity": "minor", "colour": "red"}, "unknown field"),
        ({"text": "x", "item_id": None, "severity": "minor", "observed_at": "yesterday"}, "not a time"),
        ({"text": "x", "item_id": None, "severity": "minor", "observed_at": "2999-01-01T00:00:00+08:00"}, "future"),
        ({"text": "x", "item_id": None, "severity": "minor", "location": "地" * 201}, "location too long"),
        ({"text": "x", "item_id": None, "severity": "minor", "correction_reason": "无对象"}, "reason without target"),
        ({"text": "x", "item_id": None, "severity": "minor", "corrects": 999999}, "unknown target"),
        ([1, 2, 3], "an array"),
        ("a string", "a string"),
    ],
)
def test_a_bad_finding_is_refused_with_a_clear_message(api, li, dispatched, body, why):
    response = api(li).post_json(findings_url(dispatched), body, **{"Idempotency-Key": str(uuid.uuid4())})
    assert_clear_4xx(response, 400, 422)
    assert not Finding.objects.exists()


@pytest.mark.parametrize(
    "raw, content_type",
    [
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"text=x", "application/x-www-form-urlencoded"),
        (b"", "application/json"),
    ],
)
def test_a_body_that_is_not_json_is_refused(api, li, dispatched, raw, content_type):
    client = api(li)
    response = client.post(findings_url(dispatched), raw, content_type=content_type,
                           headers={"Idempotency-Key": str(uuid.uuid4())})
    assert_clear_4xx(response, 400, 422)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/inspections/abc",
        "/api/v1/inspections/0",
        "/api/v1/inspections/-5",
        "/api/v1/inspections/99999999999999999999999",
        "/api/v1/inspections/123456",
        "/api/v1/inspections?limit=100000",
        "/api/v1/inspections?limit=0",
        "/api/v1/inspections?offset=-1",
        "/api/v1/inspections?status=archived",
        "/api/v1/inspections?date_from=soon",
        "/api/v1/inspections?township=" + "9" * 50,
    ],
)
def test_bad_paths_and_queries_are_4xx(api, li, path):
    assert_clear_4xx(api(li).get(path))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/inspections/99999999999999999999999/findings",
        "/api/v1/inspections/{id}/findings/99999999999999999999999/evidence",
        "/api/v1/inspections/{id}/findings/abc/evidence",
        "/api/v1/inspections/{id}/findings/777/evidence",
        "/api/v1/inspections/99999999999999999999999/submit",
    ],
)
def test_bad_ids_on_writes_are_4xx(api, li, dispatched, path):
    response = api(li).post_json(path.format(id=dispatched.pk), {"text": "x", "item_id": None, "severity": "minor"},
                                 **{"Idempotency-Key": str(uuid.uuid4())})
    assert_clear_4xx(response)


def test_the_list_filters_work(api, li, dispatched):
    client = api(li)
    assert client.get("/api/v1/inspections?status=dispatched").json()["count"] == 1
    assert client.get("/api/v1/inspections?status=submitted").json()["count"] == 0
    assert client.get("/api/v1/inspections?township=520581100").json()["count"] == 1
    assert client.get(f"/api/v1/inspections?date_from={dispatched.date}&date_to={dispatched.date}").json()["count"] == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
finding_like = st.fixed_dictionaries(
    {},
    optional={
        "item_id": st.none() | st.integers(min_value=-3, max_value=2**64) | st.text(max_size=5),
        "severity": st.sampled_from(["minor", "major", "critical", "", "MAJOR", None]) | st.text(max_size=5),
        "text": st.text(max_size=40) | json_values,
        "location": st.text(max_size=10) | st.integers(),
        "observed_at": st.none() | st.text(max_size=25) | st.datetimes().map(lambda d: d.isoformat()),
        "corrects": st.none() | st.integers(min_value=-2, max_value=2**64),
        "correction_reason": st.text(max_size=10),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=finding_like | json_values)
def test_whatever_json_is_sent_the_answer_is_never_a_server_error(api, li, dispatched, body):
    response = api(li).post_json(findings_url(dispatched), body, **{"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code in (201, 400, 409, 422), (body, response.status_code, response.content[:300])
    if response.status_code != 201:
        assert response.json()["detail"]
