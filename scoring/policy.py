"""The escalation policy (DESIGN.md §5) as data.

A county's rules are one frozen, versioned `EscalationPolicy`. Every decision the ladder takes
records the policy version it applied, so a county that changes its rules derives a new version
(`policy.derive("qianxi-2027", rectification_days=10)`) rather than editing the old one; the
database stores each version as the JSON of `to_json()`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .checklist import DEFAULT_SCORING, PolicyError, ScoringPolicy, Severity


@dataclass(frozen=True)
class EscalationPolicy:
    version: str = "v1"
    scoring: ScoringPolicy = field(default_factory=lambda: DEFAULT_SCORING)

    # Any finding → rectification notice with this many days (fewer for a critical finding).
    rectification_days: int = 15
    critical_rectification_days: int = 7

    # Prominent problems (突出问题): a finding at or above this severity, a score below the
    # threshold, or at least this many major failures.
    prominent_severity: Severity = Severity.CRITICAL
    prominent_score_below: int = 60
    prominent_major_count: int = 3

    # Key management: weight in the draw, and the follow-up inspection (回头看) window counted
    # in days after the rectification deadline, by a team other than the original one.
    key_management_ratio: float = 2.0
    follow_up_after_min_days: int = 14
    follow_up_after_max_days: int = 28
    follow_up_different_team: bool = True
    # A follow-up passes, and a later inspection counts as clean, when no finding is above this.
    clean_max_severity: Severity = Severity.MINOR
    exit_clean_inspections: int = 2
    exit_min_days: int = 56

    # Accountability referral (问责建议).
    referral_overdue_days: int = 15  # more than this many days overdue after the reminder
    referral_summons_count: int = 3  # the n-th summons ...
    referral_summons_months: int = 12  # ... within this many months

    # Lights and reminder.
    yellow_days_before: int = 3

    def __post_init__(self) -> None:
        if not isinstance(self.version, str) or not self.version.strip():
            raise PolicyError("an escalation policy needs a non-empty version")
        if isinstance(self.scoring, Mapping):
            object.__setattr__(self, "scoring", ScoringPolicy.from_dict(self.scoring))
        if not isinstance(self.scoring, ScoringPolicy):
            raise PolicyError("scoring must be a scoring policy")
        for name in ("prominent_severity", "clean_max_severity"):
            object.__setattr__(self, name, Severity.parse(getattr(self, name)))
        positive = (
            "rectification_days",
            "critical_rectification_days",
            "prominent_major_count",
            "exit_clean_inspections",
            "referral_summons_count",
            "referral_summons_months",
        )
        non_negative = (
            "prominent_score_below",
            "follow_up_after_min_days",
            "follow_up_after_max_days",
            "exit_min_days",
            "referral_overdue_days",
            "yellow_days_before",
        )
        for name in positive + non_negative:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise PolicyError(f"{name} must be an integer, got {value!r}")
            if value < (1 if name in positive else 0):
                raise PolicyError(f"{name} must be {'positive' if name in positive else 'non-negative'}, got {value}")
        if self.critical_rectification_days > self.rectification_days:
            raise PolicyError("a critical finding cannot get a longer deadline than an ordinary one")
        if self.follow_up_after_min_days > self.follow_up_after_max_days:
            raise PolicyError("the follow-up window must start before it ends")
        ratio = self.key_management_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not ratio >= 1:
            raise PolicyError(f"key_management_ratio must be a number of at least 1, got {ratio!r}")
        object.__setattr__(self, "key_management_ratio", float(ratio))
        if not isinstance(self.follow_up_different_team, bool):
            raise PolicyError("follow_up_different_team must be true or false")

    def derive(self, version: str, **changes: Any) -> EscalationPolicy:
        """A county's own rules: a new version, never an edit of this one."""
        if version == self.version:
            raise PolicyError("a changed policy needs a new version")
        return dataclasses.replace(self, version=version, **changes)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, ScoringPolicy):
                value = value.to_dict()
            elif isinstance(value, Severity):
                value = value.value
            data[f.name] = value
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EscalationPolicy:
        if not isinstance(data, Mapping):
            raise PolicyError("an escalation policy must be a JSON object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise PolicyError(f"unknown escalation policy keys: {', '.join(sorted(unknown))}")
        if "version" not in data:
            raise PolicyError("an escalation policy needs a version")
        return cls(**dict(data))

    @classmethod
    def from_json(cls, text: str) -> EscalationPolicy:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"escalation policy is not valid JSON: {exc}") from None
        return cls.from_dict(data)


DEFAULT_POLICY = EscalationPolicy()
