"""Random event sequences against the ladder: levels never skip or go back except by the exit
rules, every decision is explained, and the sweep is idempotent."""

import itertools
from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from scoring import (
    DEFAULT_POLICY,
    RULES,
    Finding,
    FollowUpConcluded,
    InspectionRecord,
    InspectionSubmitted,
    RectificationAccepted,
    Sweep,
    TownshipHistory,
    check_invariants,
    check_level_path,
    decide,
    step,
)

from .builders import START

# Clean visits and minor findings are common, critical ones rare, as in the field.
severities = st.one_of(
    st.just([]),
    st.lists(st.sampled_from(["minor", "minor", "minor", "major", "major", "critical"]), max_size=4),
)
# A few checklist items plus problems outside the checklist, so duplicates on one item happen.
items = st.sampled_from([None, None, "v1-01", "v1-04", "v1-06"])
teams = st.sampled_from([("li", "wu"), ("zhou", "qian"), ("sun", "li")])


class LadderMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.history = TownshipHistory(township="520581100")
        self.today = START
        self.ids = itertools.count(1)
        self.all_decisions = []

    def run(self, event):
        before = self.history
        history, decisions = step(before, event, DEFAULT_POLICY)
        for d in decisions:
            assert d.rule in RULES, d
            assert d.reason.strip(), d
            assert any("\u4e00" <= ch <= "\u9fff" for ch in d.reason), d
            assert d.policy_version == DEFAULT_POLICY.version
            assert d.on == event.date
            assert isinstance(d.findings, tuple)
            if d.kind.value == "notice" and d.notice.value in ("summons", "referral"):
                assert d.grounds, d
        assert check_level_path(before.level, decisions) == [], decisions
        if decisions and decisions[-1].kind.value == "level_change":
            assert decisions[-1].level_to is history.level
        self.history = history
        self.all_decisions.extend(decisions)
        return decisions

    @rule(days=st.integers(0, 12), kinds=severities, item=items, team=teams, follow_up=st.booleans())
    def submit_inspection(self, days, kinds, item, team, follow_up):
        self.today += timedelta(days=days)
        n = next(self.ids)
        findings = tuple(Finding(id=f"{n}.{i}", severity=s, item_id=item) for i, s in enumerate(kinds))
        record = InspectionRecord(id=n, on=self.today, findings=findings, inspectors=team, follow_up=follow_up)
        decisions = self.run(InspectionSubmitted(record))
        if findings:
            assert any(d.notice and d.notice.value == "rectification" for d in decisions)
        # Re-submitting the same inspection is a no-op.
        assert decide(self.history, InspectionSubmitted(record)) == ()

    @rule(days=st.integers(0, 20))
    def sweep(self, days):
        self.today += timedelta(days=days)
        self.run(Sweep(self.today))
        assert decide(self.history, Sweep(self.today)) == (), "the same sweep twice must add nothing"

    @precondition(lambda self: self.history.rectifications)
    @rule(data=st.data(), days=st.integers(0, 10))
    def accept_rectification(self, data, days):
        self.today += timedelta(days=days)
        rect = data.draw(st.sampled_from(self.history.rectifications))
        decisions = self.run(RectificationAccepted(rect.key, self.today))
        assert decisions[0].rule == "rectification.accepted"
        assert self.history.rectification(rect.key) is None

    @precondition(lambda self: self.history.key_managed)
    @rule(passed=st.booleans(), days=st.integers(0, 10))
    def conclude_follow_up(self, passed, days):
        self.today += timedelta(days=days)
        self.run(FollowUpConcluded(passed=passed, on=self.today))

    @invariant()
    def history_is_consistent(self):
        assert check_invariants(self.history) == []

    @invariant()
    def follow_up_is_wanted_whenever_key_managed(self):
        km = self.history.key_management
        if km is not None:
            assert km.follow_up is not None
            assert km.follow_up.window_start <= km.follow_up.window_end


TestLadder = LadderMachine.TestCase
TestLadder.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
