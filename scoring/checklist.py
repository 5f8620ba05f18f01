"""Checklist scoring: 100 minus the deductions of what failed, floored at 0.

Pure Python (no Django). The deductions are a versioned policy so that a county can change them
and every stored score can say which version produced it.

A checklist item that failed deducts once, at the worst severity filed against it, however many
findings describe it (two photos of the same closed children's home are one failure). A finding
that is not tied to a checklist item ("another problem") deducts on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .vocabulary import PolicyError, Severity

Id = int | str


@dataclass(frozen=True)
class Finding:
    """One problem an inspection team filed. `title` is what a reader sees in a reason."""

    id: Id
    severity: Severity
    item_id: str | None = None
    title: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity.parse(self.severity))


@dataclass(frozen=True)
class ScoringPolicy:
    version: str = "v1"
    base: int = 100
    floor: int = 0
    minor: int = 3
    major: int = 8
    critical: int = 15
    # Per checklist item overrides of the severity deduction, as (item_id, points) pairs.
    item_deductions: tuple[tuple[str, int], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not isinstance(self.version, str) or not self.version.strip():
            raise PolicyError("a scoring policy needs a non-empty version")
        for name in ("base", "floor", "minor", "major", "critical"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise PolicyError(f"scoring {name} must be a non-negative integer, got {value!r}")
        if self.floor > self.base:
            raise PolicyError("scoring floor cannot exceed the base score")
        pairs = self.item_deductions
        if isinstance(pairs, Mapping):
            pairs = tuple(pairs.items())
        pairs = tuple(sorted((str(k), v) for k, v in pairs))
        for item_id, points in pairs:
            if not isinstance(points, int) or isinstance(points, bool) or points < 0:
                raise PolicyError(f"deduction for item {item_id} must be a non-negative integer")
        object.__setattr__(self, "item_deductions", pairs)

    def deduction(self, severity: Severity, item_id: str | None = None) -> int:
        if item_id is not None:
            for key, points in self.item_deductions:
                if key == item_id:
                    return points
        return getattr(self, Severity.parse(severity).value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "base": self.base,
            "floor": self.floor,
            "minor": self.minor,
            "major": self.major,
            "critical": self.critical,
            "item_deductions": dict(self.item_deductions),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoringPolicy:
        if not isinstance(data, Mapping):
            raise PolicyError("a scoring policy must be a JSON object")
        unknown = set(data) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise PolicyError(f"unknown scoring policy keys: {', '.join(sorted(unknown))}")
        return cls(**dict(data))


DEFAULT_SCORING = ScoringPolicy()


@dataclass(frozen=True)
class Failure:
    """The unit that deducts: a failed checklist item, or one finding outside the checklist."""

    item_id: str | None
    severity: Severity
    deduction: int
    findings: tuple[Finding, ...]

    @property
    def title(self) -> str:
        return next((f.title for f in self.findings if f.title), "")


@dataclass(frozen=True)
class ScoreResult:
    score: int
    policy_version: str
    failures: tuple[Failure, ...]

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.failures if f.severity is severity)

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.failures), key=lambda s: s.rank, default=None)


def group_failures(findings: Iterable[Finding], policy: ScoringPolicy = DEFAULT_SCORING) -> tuple[Failure, ...]:
    by_item: dict[str, list[Finding]] = {}
    loose: list[Finding] = []
    for finding in findings:
        if finding.item_id is None:
            loose.append(finding)
        else:
            by_item.setdefault(finding.item_id, []).append(finding)
    failures = []
    for item_id, group in by_item.items():
        severity = max((f.severity for f in group), key=lambda s: s.rank)
        failures.append(Failure(item_id, severity, policy.deduction(severity, item_id), tuple(group)))
    for finding in loose:
        failures.append(Failure(None, finding.severity, policy.deduction(finding.severity), (finding,)))
    return tuple(failures)


def score_findings(findings: Iterable[Finding], policy: ScoringPolicy = DEFAULT_SCORING) -> ScoreResult:
    failures = group_failures(findings, policy)
    score = max(policy.floor, policy.base - sum(f.deduction for f in failures))
    return ScoreResult(score=score, policy_version=policy.version, failures=failures)
