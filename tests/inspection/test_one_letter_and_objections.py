"""Issue 15: one letter per township and event, the township's objection (申辩), and a correction
after submission that the ladder honours. Real services, real database, real PDFs."""

import io
import json

import pytest
from openpyxl import load_workbook

import tests.notices.pdftools as P
from inspection.errors import Conflict, NotFound, Unprocessable
from inspection.models import NOTICE_SERIES, AuditEvent, CalendarDay, Decision, Finding, Notice, Objection, Rectification
from inspection.services.calendar import add_calendar_day
from inspection.services.corrections import correct_submitted_finding
from inspection.services.escalation import township_history
from inspection.services.inspections import FindingData, correct_finding
from inspection.services.ledger import ledger_entries, ledger_xlsx
from inspection.services.notices import issue_notice
from inspection.services.objections import decide_objection, file_objection, objection_deadline
from inspection.services.responses import acknowledge_notice, accept_response, file_response
from tests.inspection.escalation_fixtures import CRITICAL, MINOR, at, day, squad, sweep_through, visit  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def team(squad):
    return [squad["li"], squad["hu"]]


def actions(prefix):
    return [e.action for e in AuditEvent.objects.filter(action__startswith=prefix).order_by("seq")]


def test_a_bad_inspection_makes_one_letter_signed_once_reported_once_accepted_once(
        county, jinbi, checklist, team, zhang, wang, media):
    inspection = visit(jinbi, day(0), CRITICAL, MINOR, team=team, checklist=checklist)
    letters = Notice.objects.filter(township=jinbi)
    assert letters.count() == 1
    letter = letters.get()
    assert (letter.kind, letter.due_on) == ("summons", day(7))
    assert set(Decision.objects.filter(kind="notice").values_list("details__notice", flat=True)) == {
        "rectification", "summons"}, "the ladder still decides both; they share the letter"
    assert set(Decision.objects.filter(kind="notice").values_list("notice", flat=True)) == {letter.pk}
    drafted = [json.loads(e.payload)["data"] for e in AuditEvent.objects.filter(action="notice.drafted")]
    assert drafted == [{"kind": "summons", "township": jinbi.code, "rule": "prominent.summons",
                        "due_on": day(7).isoformat(), "covers": ["rectification"]}]

    with at(day(1)):
        letter = issue_notice(notice=letter, actor=wang)
    text = P.flat(P.text(open(letter.pdf.path, "rb").read()))
    assert "约谈" in text and "整改要求" in text and "2026年3月9日前完成上述问题整改" in text
    assert letter.number_text and letter.series == NOTICE_SERIES["summons"]

    with at(day(2)):
        acknowledge_notice(notice=letter, user=zhang)
        acknowledge_notice(notice=letter, user=zhang)  # a second click records nothing
        response = file_response(notice=letter, user=zhang, text="已逐项整改完毕。")
        with pytest.raises(Conflict):
            file_response(notice=letter, user=zhang, text="再报一次。")
    assert actions("notice.acknowledged") == ["notice.acknowledged"]
    assert Rectification.objects.get(inspection=inspection).state == "reported"
    with at(day(3)):
        accept_response(response=response, actor=wang, comment="整改到位。")
    letter.refresh_from_db()
    rect = Rectification.objects.get(inspection=inspection)
    assert (letter.state, rect.state, rect.notice_id) == ("accepted", "accepted", letter.pk)

    entries = ledger_entries(county=county)
    summons = [e for e in entries if e.kind == "summons"]
    assert len(summons) == 1 and summons[0].number == letter.number_text and summons[0].due_on == day(7)
    book = load_workbook(io.BytesIO(ledger_xlsx(county=county, entries=entries)))
    for sheet in book.worksheets:  # three views of the same entries: the letter once in each
        rows = [row for row in sheet.iter_rows(min_row=3, values_only=True)]
        assert [row for row in rows if letter.number_text in row] == [
            row for row in rows if "约谈、预警" in row], sheet.title
        assert sum(letter.number_text in row for row in rows) == 1


def test_the_objection_window_counts_the_countys_working_days_with_make_up_days(
        county, jinbi, checklist, team, zhang, wang, media):
    visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    letter = Notice.objects.get(township=jinbi)
    with at(day(3)):  # Thursday 5 March
        letter = issue_notice(notice=letter, actor=wang)
    for on, kind in [(day(4), CalendarDay.Kind.OFF), (day(5), CalendarDay.Kind.MAKE_UP), (day(7), CalendarDay.Kind.OFF)]:
        add_calendar_day(county=county, day=on, kind=kind, source=CalendarDay.Source.COUNTY, name="本县安排",
                         today=day(0))
    # Sat 7 (调休上班), Tue 10, Wed 11: Friday and Monday are off.
    assert objection_deadline(notice=letter) == day(9)
    finding = Finding.objects.get(inspection=letter.inspection)
    with at(day(10)):
        with pytest.raises(Conflict, match="申辩期限已于2026年3月11日届满"):
            file_objection(notice=letter, user=zhang, finding_id=finding.pk, reason="该问题已于检查前整改。")
    assert not Objection.objects.exists()


def test_bad_objections_are_refused_in_chinese_and_nothing_is_filed(county, jinbi, checklist, team, zhang, wang, qian,
                                                                   media):
    visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    letter = Notice.objects.get(township=jinbi)
    finding = Finding.objects.get(inspection=letter.inspection)
    with pytest.raises(NotFound):
        file_objection(notice=letter, user=zhang, finding_id=finding.pk, reason="草稿不可见")
    with at(day(1)):
        issue_notice(notice=letter, actor=wang)
    with at(day(2)):
        with pytest.raises(Unprocessable, match="请写明申辩理由"):
            file_objection(notice=letter, user=zhang, finding_id=finding.pk, reason="   ")
        with pytest.raises(Unprocessable, match="不超过1000字"):
            file_objection(notice=letter, user=zhang, finding_id=finding.pk, reason="理" * 1001)
        with pytest.raises(Unprocessable, match="本文书所列的问题"):
            file_objection(notice=letter, user=zhang, finding_id="x", reason="理由")
        with pytest.raises(NotFound):
            file_objection(notice=letter, user=qian, finding_id=finding.pk, reason="旁人代为申辩")
        file_objection(notice=letter, user=zhang, finding_id=finding.pk, reason="该项补贴已于检查前发放到位。")
        with pytest.raises(Conflict, match="已对该问题提出过申辩"):
            file_objection(notice=letter, user=zhang, finding_id=finding.pk, reason="再次申辩")
    assert Objection.objects.get().reason == "该项补贴已于检查前发放到位。"
    assert not any("补贴" in e.payload for e in AuditEvent.objects.all()), "the reason stays out of the log"


def test_a_pending_objection_holds_the_referral_until_the_commission_decides(
        county, jinbi, checklist, team, zhang, wang, media):
    first = visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    with at(day(0), 18):
        issue_notice(notice=Notice.objects.get(kind="summons"), actor=wang)
    with at(day(1)):
        objection = file_objection(notice=Notice.objects.get(kind="summons"), user=zhang,
                                   finding_id=first.findings.get().pk, reason="孤儿基本生活费已按时发放，有银行流水为证。")
    sweep_through(county, day(1), day(24))
    referral = Notice.objects.get(kind="referral")
    with at(day(25)):
        with pytest.raises(Conflict, match="申辩尚未决定，暂缓印发"):
            issue_notice(notice=referral, actor=wang)
        with pytest.raises(NotFound):
            decide_objection(objection=objection, actor=zhang, upheld=False, comment="自己决定")
        with pytest.raises(Unprocessable, match="请写明决定意见"):
            decide_objection(objection=objection, actor=wang, upheld=False, comment="")
        with pytest.raises(Unprocessable, match="更正后的问题"):
            decide_objection(objection=objection, actor=wang, upheld=True, comment="成立")
        decide_objection(objection=objection, actor=wang, upheld=False, comment="银行流水显示发放日期晚于检查日。")
        issue_notice(notice=referral, actor=wang)
    assert Notice.objects.get(kind="referral").state == "issued"
    assert actions("objection.") == ["objection.filed", "objection.rejected"]


def test_an_upheld_objection_corrects_the_finding_and_the_ladder_honours_it(
        county, jinbi, checklist, team, zhang, wang, media):
    inspection = visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    letter = Notice.objects.get(township=jinbi)
    with at(day(1)):
        issue_notice(notice=letter, actor=wang)
    finding = inspection.findings.get()
    with at(day(2)):
        objection = file_objection(notice=letter, user=zhang, finding_id=finding.pk, reason="补贴仅迟发一日。")
        decide_objection(objection=objection, actor=wang, upheld=True, comment="经核实，属一般问题。",
                         correction=FindingData(text="孤儿基本生活费迟发一日。", severity="minor"))
    objection.refresh_from_db()
    correction = objection.correction
    assert (objection.state, correction.corrects_id, correction.severity) == ("upheld", finding.pk, "minor")
    assert correction.correction_reason == "申辩成立：经核实，属一般问题。"
    inspection.refresh_from_db()
    assert inspection.score == 100 - 15, "the submitted score stays frozen on the record"
    [rect] = township_history(jinbi).rectifications
    assert rect.findings == (correction.pk,), "the open rectification counts the corrected finding"
    reevaluated = json.loads(AuditEvent.objects.get(action="escalation.reevaluated").payload)["data"]
    assert reevaluated["warranted"] == "rectification" and reevaluated["rewritten"] == []
    assert reevaluated["score"] == 100 - 3
    assert actions("objection.") == ["objection.filed", "objection.upheld"]


def test_a_correction_after_submission_recomposes_the_draft_as_the_corrected_record_calls_for(
        county, jinbi, checklist, team, wang):
    inspection = visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    finding = inspection.findings.get()
    with pytest.raises(Conflict, match="已提交"):  # the team's own path ends with the submission
        correct_finding(finding=finding, user=team[0], data=FindingData(text="改", severity="minor"), reason="笔误")
    with pytest.raises(NotFound):
        correct_submitted_finding(finding=finding, actor=team[0], data=FindingData(text="改", severity="minor"),
                                  reason="笔误")
    with at(day(1)):
        correct_submitted_finding(finding=finding, actor=wang, reason="复核：系一般问题。",
                                  data=FindingData(text="孤儿基本生活费台账登记不规范。", severity="minor"))
    letter = Notice.objects.get(township=jinbi)
    assert letter.kind == "rectification" and letter.series == NOTICE_SERIES["rectification"]
    assert [f["severity"] for f in letter.snapshot["findings"]] == ["minor"]
    assert "孤儿基本生活费台账登记不规范" in letter.snapshot["findings"][0]["text"]
    assert "covers" not in letter.snapshot
    assert letter.snapshot["inspection"]["score"] == 97 and letter.due_on == day(15)


def test_objections_over_the_api_with_chinese_errors_and_the_commission_alone_decides(
        api, county, jinbi, checklist, team, zhang, wang, qian, media):
    inspection = visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    letter = Notice.objects.get(township=jinbi)
    finding = inspection.findings.get()
    path = f"/api/v1/notices/{letter.pk}/objections"
    assert api(zhang).get(path).status_code == 404, "a draft is the commission's"
    with at(day(1)):
        issue_notice(notice=letter, actor=wang)
    with at(day(2)):
        empty = api(zhang).post(path, {"finding": finding.pk, "reason": " "}, content_type="application/json")
        assert empty.status_code == 422 and empty.json()["detail"] == "请写明申辩理由"
        assert api(qian).post(path, {"finding": finding.pk, "reason": "理由"},
                              content_type="application/json").status_code == 404
        filed = api(zhang).post(path, {"finding": finding.pk, "reason": "已于检查前发放。"}, content_type="application/json")
        assert filed.status_code == 201, filed.content
        assert filed.json()["state_label"] == "待决定"
        listed = api(zhang).get(path).json()
        assert listed["deadline"] == day(4).isoformat() and [o["id"] for o in listed["objections"]] == [filed.json()["id"]]
        assert api(qian).get(path).json()["objections"][0]["reason"] == "已于检查前发放。", "纪委 reads them"
        decide = {"objection": filed.json()["id"], "upheld": False, "comment": "发放记录晚于检查日。"}
        assert api(zhang).post(path + "/decide", decide, content_type="application/json").status_code == 404
        decided = api(wang).post(path + "/decide", decide, content_type="application/json")
        assert decided.status_code == 200 and decided.json()["state"] == "rejected"
        again = api(wang).post(path + "/decide", decide, content_type="application/json")
        assert again.status_code == 409 and "已作出决定" in again.json()["detail"]
