"""The audit log page: the commission and the discipline commission read their county's chain."""

import json

import pytest

from inspection.services.audit import record_event
from tests.inspection.draw_fixtures import roster, sealed  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(county, other_county):
    record_event("notice.issued", county=county, data={"number": "黔西未保办改〔2026〕7号"})
    record_event("draw.sealed", county=county, data={"week": "2026-W49"})
    record_event("notice.issued", county=other_county, data={"number": "大方未保办改〔2026〕1号"})


def test_the_observer_reads_the_countys_events_and_not_another_countys(client, qian, events):
    client.force_login(qian)
    page = client.get("/audit/").content.decode()
    assert "黔西未保办改〔2026〕7号" in page and "draw.sealed" in page
    assert "大方未保办改〔2026〕1号" not in page
    assert "当前链头" in page


def test_the_log_can_be_narrowed_to_one_kind_of_event(client, wang, events):
    client.force_login(wang)
    page = client.get("/audit/", {"action": "notice."}).content.decode()
    assert "notice.issued" in page and "draw.sealed" not in page


@pytest.mark.parametrize("who", ["zhang", "li"])
def test_officials_and_inspectors_get_not_found(client, request, who, events):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/audit/").status_code == 404


# ---------------------------------------------------------------------------
# The dispatched visits of a sealed week


@pytest.fixture
def dispatched_in_a_sealed_week(sealed):
    """Monday of week 2026-W49: its visits of the day dispatched, the week still sealed."""
    from inspection.services.draws import dispatch_due
    from tests.inspection.draw_fixtures import MONDAY, at

    with at(MONDAY):
        assert dispatch_due(county=sealed.county, on=MONDAY) >= 1
    return sealed


def looks(draw):
    from inspection.models import AuditEvent

    return list(AuditEvent.objects.filter(action="draw.viewed", object_id=str(draw.pk)))


def test_the_observer_reading_a_sealed_weeks_dispatches_is_on_the_record(client, qian, dispatched_in_a_sealed_week):
    draw = dispatched_in_a_sealed_week
    client.force_login(qian)
    page = client.get("/audit/", {"action": "inspection"})
    assert "inspection.dispatched" in page.content.decode(), "纪委 reads every event: nothing is hidden"
    [look] = looks(draw)
    assert look.actor == qian.username
    assert json.loads(look.payload)["data"] == {"week": draw.week, "via": "audit"}


def test_a_page_without_the_sealed_weeks_visits_records_no_look(client, qian, dispatched_in_a_sealed_week):
    client.force_login(qian)
    client.get("/audit/", {"action": "notice"})
    assert looks(dispatched_in_a_sealed_week) == []


def test_once_the_week_is_revealed_reading_it_records_no_look(client, qian, dispatched_in_a_sealed_week):
    from inspection.models import Draw

    Draw.objects.filter(pk=dispatched_in_a_sealed_week.pk).update(state=Draw.State.REVEALED)
    client.force_login(qian)
    client.get("/audit/", {"action": "inspection"})
    assert looks(dispatched_in_a_sealed_week) == []
