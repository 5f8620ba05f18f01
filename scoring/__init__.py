"""Pure scoring and escalation logic (no Django): checklist scores, the versioned escalation
policy of DESIGN.md §5 and the sanction ladder that turns a township's history and an event
into explained decisions."""

from .checklist import DEFAULT_SCORING, Finding, ScoreResult, ScoringPolicy, score_findings
from .invariants import check_invariants, check_level_path
from .ladder import decide, step
from .policy import DEFAULT_POLICY, EscalationPolicy
from .state import (
    Decision,
    Event,
    FollowUp,
    FollowUpConcluded,
    InspectionRecord,
    InspectionSubmitted,
    KeyManagement,
    Rectification,
    RectificationAccepted,
    Sweep,
    TownshipHistory,
    apply_decisions,
)
from .vocabulary import EXIT_RULES, LABELS, RULES, DecisionKind, Level, Light, NoticeKind, PolicyError, Severity, label_of
from .wording import cn_date, cn_days

__all__ = [
    "DEFAULT_POLICY",
    "DEFAULT_SCORING",
    "EXIT_RULES",
    "RULES",
    "Decision",
    "DecisionKind",
    "Event",
    "EscalationPolicy",
    "Finding",
    "FollowUp",
    "FollowUpConcluded",
    "InspectionRecord",
    "InspectionSubmitted",
    "KeyManagement",
    "LABELS",
    "Level",
    "Light",
    "NoticeKind",
    "PolicyError",
    "Rectification",
    "RectificationAccepted",
    "ScoreResult",
    "ScoringPolicy",
    "Severity",
    "Sweep",
    "TownshipHistory",
    "apply_decisions",
    "check_invariants",
    "check_level_path",
    "cn_date",
    "cn_days",
    "decide",
    "label_of",
    "score_findings",
    "step",
]
