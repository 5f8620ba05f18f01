import json

import pytest

from scoring import DEFAULT_POLICY, EscalationPolicy, PolicyError, Severity

from .builders import day, fresh, submit


def test_default_policy_is_the_v1_of_the_design():
    p = DEFAULT_POLICY
    assert p.version == "v1"
    assert (p.rectification_days, p.critical_rectification_days) == (15, 7)
    assert (p.prominent_severity, p.prominent_score_below, p.prominent_major_count) == (Severity.CRITICAL, 60, 3)
    assert p.key_management_ratio == 2.0
    assert (p.follow_up_after_min_days, p.follow_up_after_max_days) == (14, 28)
    assert (p.exit_clean_inspections, p.exit_min_days) == (2, 56)
    assert (p.referral_overdue_days, p.referral_summons_count, p.referral_summons_months) == (15, 3, 12)
    assert p.yellow_days_before == 3
    assert (p.scoring.minor, p.scoring.major, p.scoring.critical) == (3, 8, 15)


def test_policy_round_trips_through_json():
    county = DEFAULT_POLICY.derive("qianxi-2027", rectification_days=10, key_management_ratio=3)
    text = county.to_json()
    assert json.loads(text)["prominent_severity"] == "critical"
    assert EscalationPolicy.from_json(text) == county
    assert EscalationPolicy.from_json(DEFAULT_POLICY.to_json()) == DEFAULT_POLICY


def test_policy_is_frozen():
    with pytest.raises(AttributeError):
        DEFAULT_POLICY.rectification_days = 30


def test_a_changed_policy_needs_a_new_version():
    with pytest.raises(PolicyError):
        DEFAULT_POLICY.derive("v1", rectification_days=10)


@pytest.mark.parametrize(
    "change",
    [
        {"follow_up_after_min_days": 30},  # window would end before it starts
        {"critical_rectification_days": 20},
        {"rectification_days": 0},
        {"key_management_ratio": 0.5},
        {"prominent_severity": "awful"},
        {"yellow_days_before": -1},
        {"exit_min_days": "8 weeks"},
    ],
)
def test_a_policy_that_cannot_work_is_refused(change):
    with pytest.raises(PolicyError):
        DEFAULT_POLICY.derive("bad", **change)


def test_json_with_unknown_keys_or_without_version_is_refused():
    data = DEFAULT_POLICY.to_dict()
    with pytest.raises(PolicyError):
        EscalationPolicy.from_dict({**data, "grace_days": 3})
    del data["version"]
    with pytest.raises(PolicyError):
        EscalationPolicy.from_dict(data)
    with pytest.raises(PolicyError):
        EscalationPolicy.from_json("{not json")


def test_a_countys_changed_deadline_is_applied_and_named_in_its_decisions():
    county = DEFAULT_POLICY.derive("qianxi-2027", rectification_days=10)
    _, decisions, _ = submit(fresh(), day(0), "minor", policy=county)
    notice = next(d for d in decisions if d.kind.value == "notice")
    assert notice.deadline == day(10)
    assert {d.policy_version for d in decisions} == {"qianxi-2027"}


def test_a_county_that_treats_major_findings_as_prominent_summons_for_one():
    county = DEFAULT_POLICY.derive("strict", prominent_severity="major")
    history, decisions, _ = submit(fresh(), day(0), "major", policy=county)
    assert history.level.value == "summons"
    assert history.key_managed
