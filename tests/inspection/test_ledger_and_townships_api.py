"""The ledger and townships endpoints over the real HTTP stack, by role."""

import io

import pytest
from openpyxl import load_workbook

from inspection.models import Notice
from inspection.services.notices import issue_notices
from tests.inspection.escalation_fixtures import MINOR, build_referred, day, visit
from tests.shared_data import committed, fresh, shared

# Every test reads 金碧镇 referred after 24 days of sweeps: built once for the module and committed
# (tests/shared_data.py), ~1 s of CPU a test before; each test runs in its own transaction, rolled
# back after it, so the letter one test issues and the visit another files are gone for the next.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_referred_once")]


@pytest.fixture(scope="module")
def _referred_once(django_db_setup, django_db_blocker, tmp_path_factory):
    with committed(django_db_blocker, tmp_path_factory):
        yield build_referred()


wang, qian, zhang, li, zhao, jinbi, checklist, referred = (
    shared("_referred_once", name) for name in ("wang", "qian", "zhang", "li", "zhao", "jinbi", "checklist", "referred"))


@pytest.fixture
def squad(db, _referred_once):
    return {name: fresh(user) for name, user in _referred_once["squad"].items()}


def test_the_commission_reads_the_ledger_with_the_referral_under_the_officials_name(api, wang, referred):
    reply = api(wang).get("/api/v1/ledger")
    assert reply.status_code == 200
    body = reply.json()
    assert body["county"] == "520581"
    assert [e["kind"] for e in body["entries"]] == ["summons", "key_management", "overdue", "referral"]
    referral = body["entries"][-1]
    assert (referral["official_name"], referral["township_code"], referral["date"]) == ("张永燊", "520581100", "2026-03-26")
    assert referral["rule"] == "referral.overdue" and "问责" in referral["rule_title"]
    official = body["officials"][0]
    assert official["name"] == "张永燊"
    assert official["counts"] == {"summons": 1, "key_management": 1, "overdue": 1, "referral": 1}
    assert body["townships"][0]["level"] == "accountability"


def test_the_observer_reads_the_ledger_and_can_filter_by_official_and_township(api, qian, zhang, referred):
    client = api(qian)
    assert len(client.get("/api/v1/ledger").json()["entries"]) == 4
    mine = client.get(f"/api/v1/ledger?official={zhang.official.pk}").json()
    assert len(mine["entries"]) == 4
    assert client.get("/api/v1/ledger?township=520581101").json()["entries"] == []
    assert client.get("/api/v1/ledger?official=999999").status_code == 404


def test_an_issued_notice_shows_its_number_in_the_ledger(api, wang, referred):
    summons = Notice.objects.get(kind="summons")
    summons.state, summons.year, summons.number = "issued", 2026, 3
    summons.number_text, summons.verify_code = "黔西未保办约〔2026〕3号", "TESTCODE3"
    summons.save()
    entry = api(wang).get("/api/v1/ledger").json()["entries"][0]
    assert (entry["kind"], entry["number"]) == ("summons", "黔西未保办约〔2026〕3号")


@pytest.mark.parametrize("who", ["li", "zhang", "zhao"])
def test_nobody_else_reads_the_ledger(api, request, who, referred):
    user = request.getfixturevalue(who)
    assert api(user).get("/api/v1/ledger").status_code == 404


def test_the_ledger_downloads_as_a_workbook_the_commission_can_forward(api, wang, referred):
    reply = api(wang).get("/api/v1/ledger?format=xlsx")
    assert reply.status_code == 200
    assert reply["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in reply["Content-Disposition"]
    book = load_workbook(io.BytesIO(reply.content))
    assert book.sheetnames == ["问责台账", "按负责人", "按乡镇"]
    sheet = book["问责台账"]
    assert sheet["A2"].value == "序号" and sheet["C2"].value == "事项"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [r[2] for r in rows] == ["约谈、预警", "纳入重点管理", "整改逾期", "问责建议"]
    assert {r[3] for r in rows} == {"金碧镇"} and {r[4] for r in rows} == {"张永燊"}
    assert rows[-1][6] == "（草稿）"


def test_the_commission_lists_every_township_with_level_and_key_management(api, wang, referred):
    rows = api(wang).get("/api/v1/townships").json()
    assert len(rows) == 30
    jinbi = next(r for r in rows if r["code"] == "520581100")
    assert (jinbi["level"], jinbi["key_managed"], jinbi["last_score"]) == ("accountability", True, 85)
    assert all(r["level"] == "normal" for r in rows if r["code"] != "520581100")


def test_a_township_shows_its_score_history_rectifications_and_explained_decisions(api, wang, jinbi, checklist, squad, referred):
    visit(jinbi, day(30), MINOR, team=[squad["li"], squad["hu"]], checklist=checklist)
    body = api(wang).get("/api/v1/townships/520581100").json()
    assert [(s["date"], s["score"]) for s in body["score_history"]] == [("2026-03-02", 85), ("2026-04-01", 97)]
    assert body["official"] == {"name": "张永燊", "post": "分管负责人"}
    assert [r["light"] for r in body["rectifications"]] == ["red", ""]
    assert all(d["rule"] and d["reason"] and d["policy_version"] == "v1" for d in body["decisions"])
    assert "follow_up_wanted" in {d["kind"] for d in body["decisions"]}


def test_an_official_sees_only_their_township_and_not_the_follow_up_planning_or_draft_letters(api, zhang, wang, referred):
    client = api(zhang)
    assert [r["code"] for r in client.get("/api/v1/townships").json()] == ["520581100"]
    body = client.get("/api/v1/townships/520581100").json()
    # Issue 13: while the letters are drafts the township reads nothing of what they will say.
    assert body["decisions"] == [] and all(r["notice"] is None for r in body["rectifications"])
    assert client.get("/api/v1/townships/520581101").status_code == 404
    issue_notices(notices=Notice.objects.filter(state=Notice.State.DRAFT), actor=wang)
    kinds = {d["kind"] for d in client.get("/api/v1/townships/520581100").json()["decisions"]}
    assert {"level_change", "reminder", "light"} <= kinds
    assert "follow_up_wanted" not in kinds, "the follow-up's planning stays the commission's"


def test_an_inspector_sees_no_township(api, li, referred):
    assert api(li).get("/api/v1/townships").json() == []
    assert api(li).get("/api/v1/townships/520581100").status_code == 404
