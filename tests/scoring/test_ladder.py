"""One test (or a few) per rule of the sanction ladder, on the pure decision function."""

from datetime import timedelta

from scoring import (
    RULES,
    Decision,
    DecisionKind,
    Finding,
    FollowUpConcluded,
    InspectionRecord,
    InspectionSubmitted,
    Level,
    Light,
    NoticeKind,
    RectificationAccepted,
    Sweep,
    check_invariants,
    check_level_path,
    decide,
    step,
)

from .builders import day, fresh, kinds, rules, submit, sweep_days


def of_kind(decisions, kind):
    return [d for d in decisions if d.kind is DecisionKind(kind)]


def notices(decisions):
    return [(d.notice.value, d.deadline) for d in of_kind(decisions, "notice")]


def summoned(on=0):
    """A township summoned for a critical finding on day `on`."""
    history, decisions, record = submit(fresh(), day(on), "critical")
    return history, record


# -- rectification notice ----------------------------------------------------------------


def test_a_clean_inspection_at_normal_decides_nothing_but_joins_the_history():
    history, decisions, record = submit(fresh(), day(0))
    assert decisions == ()
    assert history.level is Level.NORMAL
    assert history.inspections == (record,)


def test_any_finding_opens_a_rectification_with_a_15_day_notice_and_one_level_step():
    history, decisions, record = submit(fresh(), day(0), "minor", "major")
    assert kinds(decisions) == ["rectification_opened", "notice", "level_change"]
    assert notices(decisions) == [("rectification", day(15))]
    change = of_kind(decisions, "level_change")[0]
    assert (change.level_from, change.level_to) == (Level.NORMAL, Level.RECTIFICATION)
    assert set(change.findings) == {f.id for f in record.findings}
    assert history.rectifications[0].due == day(15)
    assert not history.key_managed


def test_a_critical_finding_shortens_the_deadline_to_7_days():
    _, decisions, _ = submit(fresh(), day(0), "critical", "minor")
    assert notices(decisions)[0] == ("rectification", day(7))


def test_deadlines_count_from_the_submission_day():
    record = InspectionRecord(id=1, on=day(0), findings=(Finding(1, "minor"),))
    decisions = decide(fresh(), InspectionSubmitted(record, on=day(2)))
    assert notices(decisions) == [("rectification", day(17))]


def test_the_reason_names_the_findings_and_the_deadline_in_chinese():
    record = InspectionRecord(id=1, on=day(0), findings=(Finding(1, "major", "v1-01", "工作站无人在岗"),))
    notice = of_kind(decide(fresh(), InspectionSubmitted(record)), "notice")[0]
    assert "工作站无人在岗" in notice.reason
    assert "较重问题1项" in notice.reason
    assert "2026年3月17日" in notice.reason
    assert "得分92分" in notice.reason


def test_a_new_finding_at_a_higher_level_does_not_lower_or_raise_the_level():
    history, _ = summoned()
    history, decisions, _ = submit(history, day(3), "minor")
    assert of_kind(decisions, "level_change") == []
    assert history.level is Level.SUMMONS


def test_submitting_the_same_inspection_twice_decides_nothing_the_second_time():
    record = InspectionRecord(id=7, on=day(0), findings=(Finding(1, "critical"),))
    history, first = step(fresh(), InspectionSubmitted(record))
    assert first
    again, second = step(history, InspectionSubmitted(record))
    assert second == ()
    assert again == history


# -- prominent problems: summons, warning, key management, follow-up ------------------


def test_a_critical_finding_summons_the_official_and_enters_key_management_step_by_step():
    history, decisions, record = submit(fresh(), day(0), "critical", team=("li", "wu"))
    assert [(d.level_from, d.level_to) for d in of_kind(decisions, "level_change")] == [
        (Level.NORMAL, Level.RECTIFICATION),
        (Level.RECTIFICATION, Level.SUMMONS),
    ]
    assert notices(decisions) == [("rectification", day(7)), ("summons", day(7))]
    assert rules(of_kind(decisions, "key_management_entered")) == ["prominent.key_management"]
    summons = of_kind(decisions, "notice")[1]
    assert "约谈" in summons.reason and "预警" in summons.reason
    assert summons.grounds == ("存在严重问题1项（" + record.findings[0].title + "）",)
    assert history.level is Level.SUMMONS
    assert history.key_management.since == day(0)
    assert history.summons == (day(0),)


def test_the_follow_up_is_wanted_2_to_4_weeks_after_the_deadline_from_another_team():
    history, decisions, _ = submit(fresh(), day(0), "critical", team=("wu", "li"))
    wanted = of_kind(decisions, "follow_up_wanted")[0]
    assert (wanted.window_start, wanted.window_end) == (day(7 + 14), day(7 + 28))
    assert wanted.excluded_inspectors == ("li", "wu")
    assert "不打招呼" in wanted.reason
    assert history.key_management.follow_up.window_start == day(21)


def test_a_score_below_60_is_a_prominent_problem():
    # 14 minor problems: 100 - 42 = 58, no critical and no major finding.
    history, decisions, _ = submit(fresh(), day(0), *["minor"] * 14)
    summons = [d for d in of_kind(decisions, "notice") if d.notice is NoticeKind.SUMMONS]
    assert summons and "得分58分，低于60分" in summons[0].reason
    assert history.key_managed


def test_a_score_of_exactly_60_is_not_prominent():
    history, decisions, _ = submit(fresh(), day(0), "major", "major", *["minor"] * 8)  # 100 - 16 - 24 = 60
    assert history.level is Level.RECTIFICATION


def test_three_major_findings_are_prominent_but_two_are_not():
    two, _, _ = submit(fresh(), day(0), "major", "major")
    three, decisions, _ = submit(fresh(), day(0), "major", "major", "major")
    assert two.level is Level.RECTIFICATION
    assert three.level is Level.SUMMONS
    assert "较重问题3项，达到3项" in of_kind(decisions, "key_management_entered")[0].reason


# -- lights and reminder ----------------------------------------------------------------


def test_no_light_until_three_days_before_the_deadline_then_yellow():
    history, _, _ = submit(fresh(), day(0), "minor")  # due day 15
    history, early = sweep_days(history, day(1), day(11))
    assert early == []
    history, decisions = step(history, Sweep(day(12)))
    assert [(d.rule, d.light) for d in decisions] == [("light.yellow", Light.YELLOW)]


def test_red_light_and_reminder_on_the_first_day_after_the_deadline():
    history, _, _ = submit(fresh(), day(0), "minor")
    history, _ = sweep_days(history, day(1), day(15))
    assert history.rectifications[0].light is Light.YELLOW
    history, decisions = step(history, Sweep(day(16)))
    assert rules(decisions) == ["light.red", "overdue.reminder"]
    assert history.rectifications[0].reminded_on == day(16)


def test_a_missed_sweep_catches_up_to_red_and_dates_the_reminder_on_the_day_it_runs():
    history, _, _ = submit(fresh(), day(0), "minor")
    history, decisions = step(history, Sweep(day(30)))
    assert rules(decisions) == ["light.red", "overdue.reminder"]
    assert history.rectifications[0].reminded_on == day(30)
    # No escalation yet: the township was only just reminded.
    assert of_kind(decisions, "notice") == []


def test_the_same_sweep_twice_decides_nothing_the_second_time():
    history, _, _ = submit(fresh(), day(0), "critical")
    for as_of in (day(4), day(8), day(24)):  # yellow; red and reminder; referral
        history, first = step(history, Sweep(as_of))
        assert first
        assert decide(history, Sweep(as_of)) == ()


# -- overdue escalation -----------------------------------------------------------------


def test_a_rectification_16_days_overdue_after_its_reminder_is_referred_but_not_at_15():
    history, _ = summoned()  # due day 7, reminder day 8
    history, decisions = sweep_days(history, day(1), day(8 + 15))
    assert of_kind(decisions, "rectification_escalated") == []
    history, decisions = step(history, Sweep(day(8 + 16)))
    assert rules(decisions) == ["referral.overdue"] * 3
    assert notices(decisions) == [("referral", None)]
    assert [(d.level_from, d.level_to) for d in of_kind(decisions, "level_change")] == [
        (Level.SUMMONS, Level.ACCOUNTABILITY)
    ]
    assert "16日" in decisions[0].reason
    assert of_kind(decisions, "notice")[0].grounds[0].endswith("已16日仍未完成整改，超过15日")
    assert history.rectifications[0].referred


def test_a_referred_rectification_escalates_no_further():
    history, _ = summoned()
    history, _ = sweep_days(history, day(1), day(24))
    history, later = sweep_days(history, day(25), day(120))
    assert later == []
    assert history.level is Level.ACCOUNTABILITY


def test_overdue_at_rectification_level_is_first_a_summons_then_a_referral():
    history, _, _ = submit(fresh(), day(0), "minor")  # due day 15, reminder day 16
    history, decisions = step(history, Sweep(day(16)))
    history, decisions = sweep_days(history, day(17), day(32))
    assert rules(of_kind(decisions, "level_change")) == ["overdue.summons"]
    assert notices(decisions) == [("summons", day(32 + 7))]
    assert history.level is Level.SUMMONS and history.key_managed
    assert of_kind(decisions, "follow_up_wanted")[0].window_start > day(32)
    history, decisions = sweep_days(history, day(33), day(48))
    assert notices(decisions) == [("referral", None)]
    assert history.level is Level.ACCOUNTABILITY


def test_accepted_rectification_goes_dark_and_the_township_returns_to_normal():
    history, _, record = submit(fresh(), day(0), "minor")
    history, _ = sweep_days(history, day(1), day(20))
    history, decisions = step(history, RectificationAccepted(record.id, day(21)))
    assert rules(decisions) == ["rectification.accepted", "level.restored"]
    assert decisions[1].level_to is Level.NORMAL
    history, later = sweep_days(history, day(22), day(60))
    assert later == []


def test_accepting_one_of_two_open_rectifications_keeps_the_level():
    history, _, first = submit(fresh(), day(0), "minor")
    history, _, _ = submit(history, day(5), "minor")
    history, decisions = step(history, RectificationAccepted(first.id, day(6)))
    assert rules(decisions) == ["rectification.accepted"]
    assert history.level is Level.RECTIFICATION


def test_accepting_under_key_management_does_not_lower_the_level():
    history, record = summoned()
    history, decisions = step(history, RectificationAccepted(record.id, day(5)))
    assert rules(decisions) == ["rectification.accepted"]
    assert history.level is Level.SUMMONS and history.key_managed


def test_accepting_an_unknown_or_closed_rectification_decides_nothing():
    history, record = summoned()
    history, _ = step(history, RectificationAccepted(record.id, day(5)))
    assert decide(history, RectificationAccepted(record.id, day(6))) == ()
    assert decide(history, RectificationAccepted("nope", day(6))) == ()


# -- referral triggers --------------------------------------------------------------------


def test_prominent_problems_recurring_under_key_management_are_referred_not_summoned_again():
    history, _ = summoned()
    history, decisions, record = submit(history, day(14), "major", "major", "major", team=("zhou", "qian"))
    assert notices(decisions) == [("rectification", day(29)), ("referral", None)]
    assert "referral.recurrence" in rules(decisions)
    assert history.level is Level.ACCOUNTABILITY
    assert history.summons == (day(0),)
    wanted = of_kind(decisions, "follow_up_wanted")[0]
    assert wanted.rectification == record.id and wanted.excluded_inspectors == ("qian", "zhou")


def exit_key_management(history, start):
    """Follow-up passes, two clean inspections, 8 weeks: leaves key management."""
    history, _, _ = submit(history, day(start + 21), follow_up=True, team=("zhou", "qian"))
    history, _, _ = submit(history, day(start + 35))
    history, decisions, _ = submit(history, day(start + 56))
    assert "key_management_exited" in kinds(decisions), decisions
    return history


def test_a_third_summons_within_12_months_is_referred():
    history, _ = summoned(0)
    history = exit_key_management(history, 0)
    history, _, _ = submit(history, day(100), "critical")
    history = exit_key_management(history, 100)
    history, decisions, _ = submit(history, day(200), "critical")
    assert history.summons == (day(0), day(100), day(200))
    assert notices(decisions)[-1] == ("referral", None)
    referral = of_kind(decisions, "notice")[-1]
    assert referral.rule == "referral.third_summons"
    assert "第3次被约谈" in referral.reason
    assert history.level is Level.ACCOUNTABILITY


def test_three_summonses_spread_over_more_than_12_months_are_not_referred():
    history, _ = summoned(0)
    history = exit_key_management(history, 0)
    history, _, _ = submit(history, day(200), "critical")
    history = exit_key_management(history, 200)
    history, decisions, _ = submit(history, day(370), "critical")
    assert "referral" not in [n for n, _ in notices(decisions)]
    assert history.level is Level.SUMMONS


# -- follow-up and exit -------------------------------------------------------------------


def test_key_management_ends_after_follow_up_two_clean_inspections_and_8_weeks():
    history, record = summoned()
    history, _ = step(history, RectificationAccepted(record.id, day(6)))
    history, decisions, _ = submit(history, day(25), "minor", follow_up=True, team=("zhou", "qian"))
    assert rules(of_kind(decisions, "follow_up_passed")) == ["follow_up.conclude"]
    history, decisions, _ = submit(history, day(35))
    assert history.key_managed
    history, decisions, _ = submit(history, day(45))  # two clean, but only 45 days
    assert history.key_managed
    history, decisions = sweep_days(history, day(46), day(56))
    assert kinds(decisions)[-2:] == ["key_management_exited", "level_change"]
    assert decisions[-1].on == day(56)
    # The minor finding of the follow-up is still open, so the township keeps a deadline.
    assert (decisions[-1].level_from, decisions[-1].level_to) == (Level.SUMMONS, Level.RECTIFICATION)
    assert not history.key_managed
    assert check_invariants(history) == []


def test_exit_without_open_rectifications_returns_to_normal():
    history, record = summoned()
    history, _ = step(history, RectificationAccepted(record.id, day(6)))
    history = exit_key_management(history, 0)
    assert history.level is Level.NORMAL


def test_a_major_finding_after_the_follow_up_restarts_the_clean_count():
    history, record = summoned()
    history, _ = step(history, RectificationAccepted(record.id, day(6)))
    history, _, _ = submit(history, day(21), follow_up=True)
    history, _, _ = submit(history, day(30))
    history, _, _ = submit(history, day(40), "major")
    history, _, _ = submit(history, day(60))
    history, _ = sweep_days(history, day(61), day(70))
    assert history.key_managed
    history, decisions, _ = submit(history, day(71))
    assert "key_management_exited" in kinds(decisions)


def test_a_failed_follow_up_is_scheduled_again_after_the_new_deadline():
    history, _ = summoned()
    history, decisions, record = submit(history, day(21), "major", follow_up=True, team=("zhou", "qian"))
    assert "follow_up_failed" in kinds(decisions)
    wanted = of_kind(decisions, "follow_up_wanted")[0]
    assert wanted.rectification == record.id
    assert wanted.window_start == day(21 + 15 + 14)
    assert history.key_management.follow_up.passed_on is None
    assert history.level is Level.SUMMONS  # a failed follow-up alone is no referral


def test_an_ordinary_inspection_is_not_the_follow_up():
    history, _ = summoned()
    history, decisions, _ = submit(history, day(21))
    assert "follow_up_passed" not in kinds(decisions)


def test_the_commission_can_conclude_a_follow_up_by_itself():
    history, _ = summoned()
    history, failed = step(history, FollowUpConcluded(passed=False, on=day(22)))
    assert kinds(failed) == ["follow_up_failed", "follow_up_wanted"]
    history, passed = step(history, FollowUpConcluded(passed=True, on=day(40)))
    assert kinds(passed) == ["follow_up_passed"]
    assert decide(history, FollowUpConcluded(passed=True, on=day(41))) == ()


# -- every decision is explained ------------------------------------------------------------


def test_every_decision_names_a_known_rule_the_policy_version_and_a_chinese_reason():
    history, _ = summoned()
    history, decisions = sweep_days(history, day(1), day(40))
    history, more, _ = submit(history, day(41), "critical")
    for d in decisions + list(more):
        assert d.rule in RULES
        assert d.policy_version == "v1"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in d.reason)


def test_a_decision_survives_a_round_trip_through_a_dict():
    _, decisions, _ = submit(fresh(), day(0), "critical")
    for d in decisions:
        assert Decision.from_dict(d.to_dict()) == d


def test_the_level_path_checker_catches_a_skipped_level():
    good = submit(fresh(), day(0), "critical")[1]
    assert check_level_path(Level.NORMAL, good) == []
    skipped = Decision(
        kind=DecisionKind.LEVEL_CHANGE,
        rule="prominent.summons",
        policy_version="v1",
        on=day(0),
        reason="跳级",
        level_from=Level.NORMAL,
        level_to=Level.SUMMONS,
    )
    assert check_level_path(Level.NORMAL, [skipped])
    down = Decision(**{**skipped.__dict__, "level_from": Level.SUMMONS, "level_to": Level.NORMAL})
    assert check_level_path(Level.SUMMONS, [down])
    assert check_level_path(Level.SUMMONS, [Decision(**{**down.__dict__, "rule": "key_management.exit"})]) == []


def test_sweep_dates_every_decision_on_its_as_of_day():
    history, _ = summoned()
    history, decisions = step(history, Sweep(day(0) + timedelta(days=30)))
    assert {d.on for d in decisions} == {day(30)}
