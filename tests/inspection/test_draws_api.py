"""GET/POST /api/v1/draws and GET /api/v1/draws/{week} (DESIGN.md §4): commission only while sealed,
every look on the record; public within the county once revealed."""

import json

import pytest

from inspection.models import AuditEvent, Draw, Role
from inspection.services.draws import reveal_draw
from tests.conftest import _user
from tests.inspection.draw_fixtures import (  # noqa: F401 - fixtures
    AFTER_PERIOD,
    AFTER_WEEK,
    FRIDAY_BEFORE,
    WEEK,
    at,
    roster,
    sealed,
)

LIST = "/api/v1/draws"
DETAIL = f"/api/v1/draws/{WEEK}"


def looks():
    return [json.loads(e.payload) for e in AuditEvent.objects.filter(action="draw.viewed").order_by("seq")]


def test_the_commission_sees_a_sealed_week_and_each_look_is_on_the_record(api, wang, sealed):
    client = api(wang)
    first = client.get(DETAIL)
    client.get(DETAIL)
    assert first.status_code == 200
    body = first.json()
    assert body["state"] == "sealed" and body["seed"] is None
    assert {v["township"] for v in body["visits"]} == {v["township"] for v in sealed.result["visits"]}
    assert [(e["actor"], e["data"]["via"]) for e in looks()] == [("wang", "api"), ("wang", "api")]


def test_listing_the_draws_is_not_a_look_and_shows_no_schedule(api, wang, sealed):
    response = api(wang).get(LIST)
    assert response.status_code == 200
    (row,) = response.json()
    assert row["week"] == WEEK and row["commitment"] == sealed.period.commitment
    assert "visits" not in row
    assert looks() == []


@pytest.mark.parametrize("who", ["zhang", "li", "qian"])
def test_nobody_else_in_the_county_sees_a_sealed_week(api, request, sealed, who):
    client = api(request.getfixturevalue(who))
    assert client.get(DETAIL).status_code == 404
    assert client.get(LIST).json() == []
    assert looks() == []


def test_the_commission_of_another_county_gets_not_found(api, other_county, sealed):
    wu = _user("wu", Role.COMMISSION, other_county, "吴主任")
    assert api(wu).get(DETAIL).status_code == 404


@pytest.mark.parametrize("who", ["zhang", "li", "qian"])
def test_a_revealed_week_is_public_within_the_county(api, request, sealed, roster, who):
    with at(AFTER_WEEK):
        reveal_draw(county=roster, week=WEEK)
    response = api(request.getfixturevalue(who)).get(DETAIL)
    assert response.status_code == 200
    assert response.json()["state"] == "revealed" and len(response.json()["visits"]) == len(sealed.result["visits"])
    assert response.json()["seed"] is None


def test_the_seed_is_shown_once_its_period_is_over(api, zhang, sealed, roster):
    with at(AFTER_PERIOD):
        reveal_draw(county=roster, week=WEEK)
    assert api(zhang).get(DETAIL).json()["seed"] == sealed.period.seed


def test_the_commission_seals_a_week_once(api, wang, roster):
    client = api(wang)
    with at(FRIDAY_BEFORE):
        created = client.post_json(LIST, {"week": WEEK, "public_value": "福彩3D 2026327: 4 1 8"})
        again = client.post_json(LIST, {"week": WEEK})
    assert created.status_code == 201
    draw = Draw.objects.get(week=WEEK)
    assert created.json()["commitment"] == draw.period.commitment and "visits" not in created.json()
    assert draw.public_value == "福彩3D 2026327: 4 1 8" and draw.inputs["public_value"] == draw.public_value
    assert again.status_code == 409 and "不能重抽" in again.json()["detail"]


@pytest.mark.parametrize("week", ["2026-49", "2026-W54", ""])
def test_a_bad_week_is_a_bad_request(api, wang, roster, week):
    with at(FRIDAY_BEFORE):
        response = api(wang).post_json(LIST, {"week": week})
    assert response.status_code == 400 and response.json()["detail"]


def test_only_the_commission_may_draw(api, zhang, roster):
    with at(FRIDAY_BEFORE):
        response = api(zhang).post_json(LIST, {"week": WEEK})
    assert response.status_code == 403
    assert not Draw.objects.exists()


def test_a_week_never_drawn_is_not_found(api, wang, roster):
    assert api(wang).get("/api/v1/draws/2030-W01").status_code == 404
