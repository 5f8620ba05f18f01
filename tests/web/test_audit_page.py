"""The audit log page: the commission and the discipline commission read their county's chain."""

import pytest

from inspection.services.audit import record_event

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
