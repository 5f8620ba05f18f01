"""The composer: every snapshot from plain values, valid against the schema, worded once."""

import subprocess
import sys
from datetime import date, datetime

import pytest

import scoring
from inspection.notices import compose
from inspection.notices.snapshot import validate_snapshot

HEAD = compose.Letterhead(county="黔西市", authority="黔西市未成年人保护工作委员会办公室", doc_prefix="黔西未保办")
JINBI = compose.Place(code="520581100", name="金碧镇")
WENFENG = compose.Place(code="520581002", name="文峰街道", street=True)
FRIDAY = date(2026, 12, 4)
VISIT = compose.Visit(on=date(2026, 12, 2), score=52, checklist_version=1)
FINDING = compose.finding(area=None, item=None, severity="critical", text="未按时发放基本生活费。",
                          location="", observed_at=datetime(2026, 12, 2, 10, 5))


def letter_of(notice: scoring.NoticeKind, **facts) -> dict:
    decision = scoring.Decision(
        kind=scoring.DecisionKind.NOTICE, rule="R", policy_version="v1", on=FRIDAY, reason="", notice=notice,
        deadline=date(2026, 12, 11), grounds=("存在严重问题1项", "得分52分，低于60分。"),
    )
    values = dict(letterhead=HEAD, township=JINBI, on=FRIDAY, policy=scoring.DEFAULT_POLICY, official=None,
                  visit=VISIT, findings=[FINDING])
    return compose.decision_letter(decision, compose.LetterFacts(**{**values, **facts}))


@pytest.mark.parametrize("notice", list(compose.LETTERS))  # the kinds the ladder asks for
def test_every_ladder_letter_is_a_valid_snapshot_dated_and_printed_on_its_day(notice):
    snapshot = letter_of(notice)
    assert validate_snapshot(snapshot) == snapshot
    assert (snapshot["kind"], snapshot["date"], snapshot["printed_date"]) == (notice.value, "2026-12-04", "2026-12-04")
    assert snapshot["authority"]["mark"] == "黔西市未成年人保护工作委员会办公室文件"


def test_a_finding_outside_the_checklist_is_filed_under_other_problems_with_its_time_to_the_minute():
    assert (FINDING["area"], FINDING["location"], FINDING["observed_at"]) == ("其他问题", None, "2026-12-02T10:05")


def test_a_street_is_addressed_as_its_office_and_a_town_as_its_government():
    assert (WENFENG.addressee, JINBI.addressee) == ("文峰街道办事处", "金碧镇人民政府")


def test_a_summons_meets_on_the_third_day_moved_off_the_weekend_and_ends_each_ground_with_a_full_stop():
    snapshot = letter_of(scoring.NoticeKind.SUMMONS, key_managed_since=date(2026, 11, 30))
    assert snapshot["meeting"]["start"] == "2026-12-07T09:30"  # Friday + 3 is a Monday
    # in the reviewed wording of inspection/notices/phrasing.py
    assert snapshot["grounds"] == ["检查发现严重问题1项，属突出问题。", "检查得分52分，低于60分。"]
    assert snapshot["key_management"]["start"] == "2026-11-30"
    assert snapshot["official"] == {"name": "（待明确）", "post": "分管负责人"}


def test_a_referral_tells_the_case_history_and_leaves_out_what_a_letter_does_not_tell():
    events = [
        compose.history_event(on=date(2026, 9, 1), decision_kind="notice", notice_kind="rectification",
                              number="黔西未保办改〔2026〕1号"),
        compose.history_event(on=date(2026, 9, 1), decision_kind="light", notice_kind=None, number=None),
        compose.history_event(on=date(2026, 9, 2), decision_kind="key_management_entered", notice_kind=None,
                              number=""),
    ]
    assert events[1] is None
    history = [e for e in events if e]
    snapshot = letter_of(scoring.NoticeKind.REFERRAL, history=history,
                         official={"name": "张建国", "post": "党委副书记"})
    assert snapshot["history"] == [
        {"date": "2026-09-01", "event": "下发整改通知书", "number": "黔西未保办改〔2026〕1号"},
        {"date": "2026-09-02", "event": "纳入重点管理", "number": None},
    ]
    assert snapshot["suggestion"].startswith("建议对金碧镇党委副书记张建国同志进行问责")


def test_the_circular_ranks_equal_scores_equally_and_lists_the_worst_problems_first():
    minor = {"area": "儿童之家", "severity": "minor", "text": "记录未登记。"}
    critical = {"area": "生活保障", "severity": "critical", "text": "未按时发放。"}
    visits = [
        compose.CircularVisit(code="1", name="甲镇", on=date(2026, 11, 30), follow_up=False, score=90, findings=[],
                              team=(1, 2)),
        compose.CircularVisit(code="2", name="乙镇", on=date(2026, 12, 1), follow_up=True, score=90,
                              findings=[minor, critical], team=(3, 4)),
        compose.CircularVisit(code="3", name="丙镇", on=date(2026, 12, 2), follow_up=False, score=None, findings=[],
                              team=(1, 2)),
    ]
    rows, problems, summary = compose.circular_tables(visits)
    assert [(r["rank"], r["score"], r["team"]) for r in rows] == [
        (1, 90, "第一组"), (1, 90, "第二组（回头看）"), (3, 0, "第一组")]  # teams numbered, never named
    assert [p["severity"] for p in problems] == ["critical", "minor"]
    assert summary == {"inspections": 3, "townships": 3, "average_score": 60.0, "findings": 2, "critical": 1,
                       "major": 0}
    snapshot = compose.circular(letterhead=HEAD, on=FRIDAY, week_start=date(2026, 11, 30), rows=rows,
                                problems=problems, summary=summary)
    assert validate_snapshot(snapshot) == snapshot
    assert snapshot["week"] == {"iso": "2026-W49", "label": "2026年第49周", "start": "2026-11-30", "end": "2026-12-06"}
    assert snapshot["township"] is None


def test_the_composer_and_the_schema_import_neither_django_nor_the_services():
    probe = ("import sys, inspection.notices.compose, inspection.notices.snapshot, inspection.notices.samples; "
             "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] == 'django' "
             "or m.startswith('inspection.services') or m == 'inspection.models')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
