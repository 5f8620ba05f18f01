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
    # The action by its Chinese name, the week as its dates (the code stays in an attribute only).
    assert "黔西未保办改〔2026〕7号" in page and "封存一周抽签结果" in page and 'data-action="draw.sealed"' in page
    assert "2026年11月30日至2026年12月6日" in page and "2026-W49" not in page
    assert "大方未保办改〔2026〕1号" not in page
    assert "当前链头" in page


def test_the_log_can_be_narrowed_to_one_kind_of_event(client, wang, events):
    client.force_login(wang)
    page = client.get("/audit/", {"action": "notice."}).content.decode()
    assert "签发文书" in page and "封存一周抽签结果" not in page


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
    assert "派出暗查" in page.content.decode(), "纪委 reads every event: nothing is hidden"
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


# ---------------------------------------------------------------------------
# Readable content


def test_the_content_is_labelled_and_formatted_and_objects_link_where_the_reader_may_open_them(
        client, qian, wang, county, jinbi_visit):
    from inspection.models import AuditEvent, Finding

    finding = Finding.objects.filter(inspection=jinbi_visit).first()
    client.force_login(qian)
    page = client.get("/audit/", {"action": "finding"}).content.decode()
    assert "记录问题" in page and "严重程度" in page and "检查事项" in page
    assert f'href="/inspections/{jinbi_visit.pk}/"' in page and "金碧镇" in page
    assert '"severity"' not in page and "finding.added" not in page.replace('data-action="finding.added"', "")
    submitted = AuditEvent.objects.get(action="inspection.submitted", object_id=str(jinbi_visit.pk))
    page = client.get("/audit/", {"action": "inspection"}).content.decode()
    assert f"第 {submitted.seq} 条" in page and f"本县链第 {submitted.chain_seq} 条" in page
    assert submitted.hash[:12] + "…" in page and submitted.hash in page  # short, and in full on demand
    assert "评分规则版本" in page and "第v" not in page
    assert finding is not None


def test_an_object_the_reader_may_not_open_is_named_without_a_link(client, qian, county, planned_visit):
    """A planned visit is the sealed schedule: the observer sees that an event names it, not a link to it."""
    from inspection.services.audit import record_event

    record_event("inspection.missed", obj=planned_visit, county=county,
                 data={"township": planned_visit.township.code, "date": planned_visit.date.isoformat(),
                       "reason": "=cmd", "by": "job"})
    client.force_login(qian)
    page = client.get("/audit/").content.decode()
    assert "暗查未实施" in page and f"第{planned_visit.pk}号" in page
    assert f'href="/inspections/{planned_visit.pk}/"' not in page
    assert "系统定时认定" in page and f"{planned_visit.date.year}年{planned_visit.date.month}月" in page


def test_every_page_reads_in_a_bounded_number_of_queries(client, wang, county, history):
    """One query per kind of object a page names (at most the linker's dozen), never one per event."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inspection.models import AuditEvent

    client.force_login(wang)
    with CaptureQueriesContext(connection) as bare:
        client.get("/audit/", {"action": "auth"})  # events that name no linked object
    total = AuditEvent.objects.filter(county_code=county.code).count()
    assert total > 60
    costs = []
    for number in range(1, total // 20 + 2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/audit/", {"page": number}).status_code == 200
        costs.append(len(queries.captured_queries))
    assert max(costs) <= len(bare.captured_queries) + 11, costs
