import pytest

from scoring import Finding, PolicyError, ScoringPolicy, Severity, score_findings


def f(id, severity, item=None):
    return Finding(id=id, severity=severity, item_id=item)


def test_no_findings_scores_full_marks():
    assert score_findings([]).score == 100


def test_score_is_100_minus_three_eight_and_fifteen_per_failure():
    result = score_findings([f(1, "minor"), f(2, "major"), f(3, "critical")])
    assert result.score == 100 - 3 - 8 - 15
    assert [x.deduction for x in result.failures] == [3, 8, 15]


def test_score_is_floored_at_zero():
    result = score_findings([f(n, "critical") for n in range(7)])  # 7 × 15 = 105
    assert result.score == 0


def test_a_failed_item_deducts_once_at_the_worst_severity_filed_against_it():
    result = score_findings([f(1, "minor", "v1-04"), f(2, "major", "v1-04"), f(3, "minor", "v1-04")])
    assert result.score == 92
    assert len(result.failures) == 1
    assert result.failures[0].severity is Severity.MAJOR
    assert [x.id for x in result.failures[0].findings] == [1, 2, 3]


def test_findings_outside_the_checklist_each_deduct():
    assert score_findings([f(1, "minor"), f(2, "minor")]).score == 94


def test_a_county_can_weigh_one_item_differently():
    policy = ScoringPolicy(version="qianxi-2", item_deductions={"v1-06": 30})
    result = score_findings([f(1, "critical", "v1-06"), f(2, "critical", "v1-09")], policy)
    assert result.score == 100 - 30 - 15
    assert result.policy_version == "qianxi-2"


def test_severity_counts_and_worst_severity():
    result = score_findings([f(1, "major"), f(2, "major"), f(3, "minor")])
    assert (result.count(Severity.MAJOR), result.count(Severity.MINOR), result.count(Severity.CRITICAL)) == (2, 1, 0)
    assert result.worst is Severity.MAJOR
    assert score_findings([]).worst is None


def test_scoring_policy_round_trips_through_a_dict():
    policy = ScoringPolicy(version="x", minor=2, item_deductions={"v1-01": 10})
    assert ScoringPolicy.from_dict(policy.to_dict()) == policy


@pytest.mark.parametrize(
    "bad",
    [{"version": ""}, {"minor": -1}, {"major": "8"}, {"floor": 101}, {"color": "red"}, {"item_deductions": {"a": -2}}],
)
def test_a_malformed_scoring_policy_is_refused(bad):
    with pytest.raises(PolicyError):
        ScoringPolicy.from_dict({"version": "v9", **bad})


def test_an_unknown_severity_is_refused():
    with pytest.raises(PolicyError):
        Finding(id=1, severity="catastrophic")
