"""The sanction ladder on the real services: submission → decisions, notices, follow-ups, sweep."""

import hashlib
import json

import pytest
from django.utils import timezone

import scoring
from inspection.access import visible_inspections
from inspection.models import (
    AuditEvent,
    Decision,
    EscalationCase,
    Inspection,
    Notice,
    Official,
    Post,
    Rectification,
    Role,
    TeamMember,
)
from inspection.notices.snapshot import validate_snapshot
from inspection.services.escalation import (
    accept_rectification,
    apply_inspection_submitted,
    conclude_follow_up,
    run_sweep,
)
from inspection.services.ladder_writer import decision_event_data
from inspection.services.ledger import ledger_entries
from tests.conftest import _user
from tests.inspection.escalation_fixtures import (
    CRITICAL,
    MAJOR,
    MAJOR2,
    MAJOR3,
    MINOR,
    at,
    day,
    squad,  # noqa: F401 (fixture)
    sweep,
    sweep_through,
    visit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(squad):
    return [squad["li"], squad["hu"]]


def decisions_of(township):
    return list(Decision.objects.filter(township=township).order_by("id"))


def follow_up_of(township):
    return Inspection.objects.get(township=township, kind=Inspection.Kind.FOLLOW_UP, status__in=["planned", "dispatched"])


def test_a_critical_finding_drafts_a_summons_puts_the_township_under_key_management_and_plans_a_follow_up(
    jinbi, checklist, zhang, team, squad
):
    inspection = visit(jinbi, day(0), CRITICAL, MINOR, team=team, checklist=checklist)

    jinbi.refresh_from_db()
    assert (jinbi.level, jinbi.key_managed, jinbi.key_managed_since) == ("summons", True, day(0))

    # One letter per township and event (issue 15): the summons carries the rectification notice's demands.
    summons = Notice.objects.get(township=jinbi)
    assert summons.kind == "summons"
    assert (summons.state, summons.number, summons.official.user) == ("draft", None, zhang)
    assert summons.due_on == day(7)
    snap = summons.snapshot
    assert validate_snapshot(snap) == snap
    assert snap["official"] == {"name": "张永燊", "post": "分管负责人"}
    assert snap["inspection"]["score"] == inspection.score == 100 - 15 - 3
    assert snap["township"] == {"code": "520581100", "name": "金碧镇"}
    assert "约谈预警" in snap["warning"]
    assert any("严重问题1项" in g for g in snap["grounds"])
    assert {f["severity"] for f in snap["findings"]} == {"critical", "minor"}
    assert snap["covers"] == ["rectification"]
    assert snap["rectification"]["deadline"] == day(7).isoformat() and snap["rectification"]["requirements"]

    rect = Rectification.objects.get(township=jinbi)
    assert (rect.inspection, rect.notice, rect.due_on, rect.opened_on) == (inspection, summons, day(7), day(0))
    assert {r.notice_id for r in decisions_of(jinbi) if r.kind == "notice"} == {summons.pk}

    follow_up = follow_up_of(jinbi)
    assert follow_up.status == "planned"
    assert day(7 + 14) <= follow_up.date <= day(7 + 28) and follow_up.date.weekday() < 5
    members = {m.inspector.user.username for m in follow_up.members.all()}
    assert len(members) == 2
    assert not members & {"li", "hu"}, "the team that found the problems may not follow them up"
    assert "jin" not in members, "nobody inspects their home township"
    assert follow_up.follow_up_of == EscalationCase.objects.get(township=jinbi)
    assert follow_up not in visible_inspections(zhang), "the follow-up is unannounced"

    rows = decisions_of(jinbi)
    assert [(r.from_level, r.to_level) for r in rows if r.kind == "level_change"] == [
        ("normal", "rectification"),
        ("rectification", "summons"),
    ]
    assert all(r.rule and r.reason and r.policy_version == "v1" and r.official.user == zhang for r in rows)
    audited = {int(e.object_id): json.loads(e.payload)["data"] for e in AuditEvent.objects.filter(action="escalation.decision")}
    assert sorted(audited) == [r.pk for r in rows]
    for row in rows:
        assert audited[row.pk]["rule"] == row.rule
        assert audited[row.pk]["reason_sha256"] == hashlib.sha256(row.reason.encode()).hexdigest()
        assert audited[row.pk] == decision_event_data(
            scoring.Decision.from_dict(row.details), township=jinbi.code, notice=row.notice_id, official=row.official_id
        ), "the writer audits exactly what the pure payload says"
    assert not any(row.reason in e.payload for e in AuditEvent.objects.all() for row in rows), "no finding text in the log"


def test_submitting_twice_or_applying_again_changes_nothing(jinbi, checklist, team):
    inspection = visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    before = (Decision.objects.count(), Notice.objects.count(), Inspection.objects.count())
    with at(day(0)):
        assert apply_inspection_submitted(inspection=inspection) == []
    assert (Decision.objects.count(), Notice.objects.count(), Inspection.objects.count()) == before


def test_a_visit_submitted_late_keeps_its_deadline_from_the_visit_day(jinbi, checklist, team):
    from inspection.services.inspections import FindingData, add_finding, submit_inspection
    from tests.inspection.escalation_fixtures import at as at_day

    with at_day(day(0)):
        inspection = Inspection.objects.create(
            county=jinbi.county, township=jinbi, checklist=checklist, date=day(0),
            status="dispatched", dispatched_at=timezone.now(),
        )
        for user in team:
            TeamMember.objects.create(inspection=inspection, inspector=user.inspector)
        add_finding(inspection=inspection, user=team[0], data=FindingData(text="台账不全。", severity="minor"))
    with at_day(day(2)):  # no signal until two days later
        submit_inspection(inspection=inspection, user=team[0])
    assert Rectification.objects.get(township=jinbi).due_on == day(15)


def test_a_clean_visit_decides_nothing(jinbi, checklist, team):
    visit(jinbi, day(0), team=team, checklist=checklist)
    jinbi.refresh_from_db()
    assert jinbi.level == "normal"
    assert not Decision.objects.exists() and not Notice.objects.exists()


def test_three_major_findings_are_prominent(jinbi, checklist, team):
    visit(jinbi, day(0), MAJOR, MAJOR2, MAJOR3, team=team, checklist=checklist)
    jinbi.refresh_from_db()
    assert jinbi.level == "summons" and jinbi.key_managed
    assert Notice.objects.get(kind="summons").due_on == day(15)


def test_lights_and_reminder_follow_the_deadline_and_a_second_sweep_adds_nothing(county, jinbi, checklist, team):
    visit(jinbi, day(0), MINOR, team=team, checklist=checklist)  # due day 15
    rect = Rectification.objects.get(township=jinbi)
    assert sweep_through(county, day(1), day(11)) == []
    assert [d.rule for d in sweep(county, day(12)).decisions] == ["light.yellow"]
    assert sweep(county, day(12)).decisions == []
    sweep_through(county, day(13), day(15))
    assert [d.rule for d in sweep(county, day(16)).decisions] == ["light.red", "overdue.reminder"]
    rect.refresh_from_db()
    assert (rect.light, rect.reminded_on) == ("red", day(16))


def test_a_missed_sweep_catches_up_day_by_day(county, jinbi, checklist, team):
    visit(jinbi, day(0), MINOR, team=team, checklist=checklist)  # due day 15
    sweep(county, day(1))
    report = sweep(county, day(20))  # nobody ran it for 18 days
    assert report.days[0] == day(2) and report.days[-1] == day(20)
    assert {(d.rule, d.effective_on) for d in report.decisions} == {
        ("light.yellow", day(12)),
        ("light.red", day(16)),
        ("overdue.reminder", day(16)),
    }


def test_sixteen_days_overdue_after_the_reminder_drafts_a_referral_in_the_officials_ledger(
    county, jinbi, checklist, zhang, team
):
    visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)  # summons; due day 7
    sweep_through(county, day(1), day(8 + 15))  # reminder on day 8
    assert not Notice.objects.filter(kind="referral").exists()
    decisions = sweep(county, day(8 + 16)).decisions
    assert {d.rule for d in decisions} == {"referral.overdue"}

    referral = Notice.objects.get(kind="referral")
    assert referral.state == "draft" and referral.official.user == zhang
    snap = referral.snapshot
    assert validate_snapshot(snap) == snap
    # The letter's own words for the rule (inspection/notices/phrasing.py), not the decision log's.
    assert "发出催办提醒后16日仍未完成整改，超过规定的15日" in snap["grounds"][0]
    assert [h["event"] for h in snap["history"]][:3] == ["下发整改通知书", "约谈分管负责人并予以预警", "纳入重点管理"]
    jinbi.refresh_from_db()
    assert jinbi.level == "accountability"

    entries = ledger_entries(county=county, official=zhang.official)
    assert [e.kind for e in entries] == ["summons", "key_management", "overdue", "referral"]
    referral_entry = entries[-1]
    assert (referral_entry.official_name, referral_entry.township_name, referral_entry.date) == ("张永燊", "金碧镇", day(24))
    assert referral_entry.notice_id == referral.pk and referral_entry.number is None  # not issued yet
    overdue = entries[2]
    assert (overdue.date, overdue.due_on, overdue.end_date) == (day(8), day(7), None)


def test_accepted_rectification_follow_up_passed_two_clean_visits_and_eight_weeks_end_key_management(
    county, jinbi, checklist, team, squad
):
    visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    with at(day(5)):
        accepted = accept_rectification(rectification=Rectification.objects.get(township=jinbi))
    assert [d.rule for d in accepted] == ["rectification.accepted"]
    jinbi.refresh_from_db()
    assert jinbi.level == "summons", "under key management an accepted rectification does not lower the level"

    follow_up = follow_up_of(jinbi)
    sweep_through(county, day(1), follow_up.date)
    follow_up.refresh_from_db()
    assert follow_up.status == "dispatched"
    follow_team = [m.inspector.user for m in follow_up.members.all()]
    visit(jinbi, follow_up.date, team=follow_team, checklist=checklist, inspection=follow_up)
    assert Decision.objects.filter(township=jinbi, kind="follow_up_passed").exists()

    visit(jinbi, day(40), MINOR, team=team, checklist=checklist)  # a minor finding is still clean
    visit(jinbi, day(48), team=team, checklist=checklist)
    jinbi.refresh_from_db()
    assert jinbi.key_managed, "not before eight weeks"
    sweep_through(county, follow_up.date + (day(1) - day(0)), day(55))
    jinbi.refresh_from_db()
    assert jinbi.key_managed

    decisions = sweep(county, day(56)).decisions
    assert [d.kind for d in decisions if d.rule == "key_management.exit"] == ["key_management_exited", "level_change"]
    jinbi.refresh_from_db()
    # The minor finding of day 40 is still open: back to a rectification, not to normal.
    assert (jinbi.level, jinbi.key_managed, jinbi.key_managed_since) == ("rectification", False, None)
    entry = [e for e in ledger_entries(county=county, township=jinbi) if e.kind == "key_management"][0]
    assert (entry.date, entry.end_date) == (day(0), day(56))

    with at(day(57)):
        accept_rectification(rectification=Rectification.objects.get(township=jinbi, state="open"))
    jinbi.refresh_from_db()
    assert jinbi.level == "normal"
    assert not EscalationCase.objects.filter(township=jinbi, state="open").exists()


def test_a_failed_follow_up_keeps_key_management_and_plans_another(county, jinbi, checklist, team):
    visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    follow_up = follow_up_of(jinbi)
    sweep_through(county, day(1), follow_up.date)
    follow_team = [m.inspector.user for m in follow_up.members.all()]
    visit(jinbi, follow_up.date, MAJOR, team=follow_team, checklist=checklist, inspection=follow_up)
    assert Decision.objects.filter(township=jinbi, kind="follow_up_failed").exists()
    again = follow_up_of(jinbi)
    assert again.pk != follow_up.pk and again.date > follow_up.date + (day(15) - day(0))
    assert not {m.inspector.user.username for m in again.members.all()} & {u.username for u in follow_team}


def test_the_commission_can_conclude_a_follow_up_itself(county, jinbi, checklist, team, wang):
    visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    with at(day(25)):
        rows = conclude_follow_up(township=jinbi, passed=True, actor=wang)
    assert [r.kind for r in rows] == ["follow_up_passed"]


def test_prominent_problems_recurring_under_key_management_are_referred(county, jinbi, checklist, team):
    visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    visit(jinbi, day(10), CRITICAL, team=team, checklist=checklist)
    referral = Notice.objects.get(kind="referral")
    ground = validate_snapshot(referral.snapshot)["grounds"][0]
    assert ground.startswith("纳入重点管理期间，") and ground.endswith("暗查暗访再次发现突出问题。")
    assert Notice.objects.filter(kind="summons").count() == 1
    jinbi.refresh_from_db()
    assert jinbi.level == "accountability"


def test_the_record_follows_the_official_to_another_township(county, jinbi, checklist, zhang, team):
    visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    person = zhang.official

    # Zhang moves to 雨朵镇; Qin takes over 金碧镇.
    yuduo = county.townships.get(code="520581101")
    Post.objects.filter(official=person, ended_on__isnull=True).update(ended_on=day(9))
    Post.objects.create(official=person, township=yuduo, started_on=day(10))
    qin_user = _user("qin", Role.OFFICIAL, county, "秦接任")
    qin = Official.objects.create(user=qin_user, county=county, name="秦接任")
    Post.objects.create(official=qin, township=jinbi, started_on=day(10))

    visit(yuduo, day(20), MAJOR, MAJOR2, MAJOR3, team=team, checklist=checklist)
    sweep_through(county, day(1), day(30))

    mine = ledger_entries(county=county, official=person)
    assert [(e.township_name, e.kind) for e in mine if e.kind == "summons"] == [("金碧镇", "summons"), ("雨朵镇", "summons")]
    assert ("金碧镇", "overdue", day(8)) in [(e.township_name, e.kind, e.date) for e in mine]
    # The referral came after Zhang left 金碧镇: it is on the record of whoever held the post that day.
    assert [(e.township_name, e.kind, e.date) for e in ledger_entries(county=county, official=qin)] == [
        ("金碧镇", "referral", day(24))
    ]
    assert {e.official_name for e in ledger_entries(county=county, township=jinbi) if e.kind == "summons"} == {"张永燊"}

    # One official's ledger is the county's, filtered: it reads only their decisions (and the exits).
    for official in Official.objects.filter(county=county):
        assert ledger_entries(county=county, official=official) == [
            e for e in ledger_entries(county=county) if e.official_id == official.pk]


def test_key_management_entered_under_one_official_ends_on_their_record_when_the_next_one_is_in_post(
    county, jinbi, zhang
):
    """An official's ledger reads only their own decisions, but a key-management entry ends with the
    township's exit, whoever held the post by then (the exit is decided under the successor)."""
    qin = Official.objects.create(user=_user("qin", Role.OFFICIAL, county, "秦接任"), county=county, name="秦接任")
    common = {"township": jinbi, "rule": "test", "policy_version": "v1", "reason": "测试"}
    Decision.objects.create(official=zhang.official, kind="key_management_entered", effective_on=day(0), **common)
    Decision.objects.create(official=qin, kind="key_management_exited", effective_on=day(56), **common)
    entry, = ledger_entries(county=county, official=zhang.official)
    assert (entry.kind, entry.official_id, entry.date, entry.end_date) == (
        "key_management", zhang.official.pk, day(0), day(56))
    assert ledger_entries(county=county, official=qin) == []
    assert [entry] == [e for e in ledger_entries(county=county) if e.official_id == zhang.official.pk]


def test_a_county_policy_version_is_applied_and_recorded(county, jinbi, checklist, team):
    from scoring import DEFAULT_POLICY

    county.policy = DEFAULT_POLICY.derive("qianxi-2027", critical_rectification_days=5).to_dict()
    county.save(update_fields=["policy"])
    visit(jinbi, day(0), CRITICAL, team=team, checklist=checklist)
    assert Notice.objects.get(kind="summons").due_on == day(5)  # the summons carries the rectification
    assert set(Decision.objects.values_list("policy_version", flat=True)) == {"qianxi-2027"}


def test_the_sweep_leaves_other_townships_alone(county, jinbi, checklist, team):
    visit(jinbi, day(0), MINOR, team=team, checklist=checklist)
    with at(day(16), 6):
        report = run_sweep(as_of=day(16))
    assert {d.township_id for d in report.decisions} == {jinbi.pk}
