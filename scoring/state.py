"""What the ladder reads and writes: a township's history, the events that happen to it, the
decisions taken, and what applying a decision does to the history.

Pure Python (no Django). The services persist the same facts in the database; `apply_decisions`
is what "applied" means for both.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from .checklist import Finding, Id
from .vocabulary import RULES, DecisionKind, Level, Light, NoticeKind

# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class InspectionRecord:
    """A submitted inspection: its date, findings and the team that made it."""

    id: Id
    on: date
    findings: tuple[Finding, ...] = ()
    inspectors: tuple[str, ...] = ()
    follow_up: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", tuple(self.findings))
        object.__setattr__(self, "inspectors", tuple(self.inspectors))


@dataclass(frozen=True)
class Rectification:
    """An open rectification (整改), keyed by the inspection that opened it."""

    key: Id
    opened_on: date
    due: date
    findings: tuple[Id, ...] = ()
    inspectors: tuple[str, ...] = ()
    light: Light = Light.NONE
    reminded_on: date | None = None
    escalated_on: tuple[date, ...] = ()
    referred: bool = False


@dataclass(frozen=True)
class FollowUp:
    """The follow-up inspection (回头看) wanted for a rectification, and whether it passed."""

    rectification: Id | None
    window_start: date
    window_end: date
    excluded_inspectors: tuple[str, ...] = ()
    passed_on: date | None = None


@dataclass(frozen=True)
class KeyManagement:
    since: date
    follow_up: FollowUp | None = None


@dataclass(frozen=True)
class TownshipHistory:
    township: str = ""
    level: Level = Level.NORMAL
    key_management: KeyManagement | None = None
    rectifications: tuple[Rectification, ...] = ()  # open ones only
    summons: tuple[date, ...] = ()  # dates of every summons (约谈)
    inspections: tuple[InspectionRecord, ...] = ()  # submitted ones, oldest first

    @property
    def key_managed(self) -> bool:
        return self.key_management is not None

    def rectification(self, key: Id) -> Rectification | None:
        return next((r for r in self.rectifications if r.key == key), None)


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class InspectionSubmitted:
    inspection: InspectionRecord
    on: date | None = None  # the submission date; the inspection's date when omitted

    @property
    def date(self) -> date:
        return self.on or self.inspection.on


@dataclass(frozen=True)
class Sweep:
    as_of: date

    @property
    def date(self) -> date:
        return self.as_of


@dataclass(frozen=True)
class RectificationAccepted:
    rectification: Id
    on: date

    @property
    def date(self) -> date:
        return self.on


@dataclass(frozen=True)
class FollowUpConcluded:
    """A follow-up judged outside an inspection record (e.g. by the commission)."""

    passed: bool
    on: date
    inspection: Id | None = None

    @property
    def date(self) -> date:
        return self.on


Event = InspectionSubmitted | Sweep | RectificationAccepted | FollowUpConcluded


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    rule: str
    policy_version: str
    on: date
    reason: str
    findings: tuple[Id, ...] = ()
    inspection: Id | None = None
    rectification: Id | None = None
    level_from: Level | None = None
    level_to: Level | None = None
    notice: NoticeKind | None = None
    deadline: date | None = None
    light: Light | None = None
    window_start: date | None = None
    window_end: date | None = None
    excluded_inspectors: tuple[str, ...] = ()
    # For a summons or referral notice: the facts it rests on, one sentence each (认定依据).
    grounds: tuple[str, ...] = ()

    @property
    def rule_title(self) -> str:
        return RULES[self.rule]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings, enums as their values)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        enums = {
            "kind": DecisionKind,
            "level_from": Level,
            "level_to": Level,
            "notice": NoticeKind,
            "light": Light,
        }
        dates = {"on", "deadline", "window_start", "window_end"}
        kwargs: dict[str, Any] = {}
        for name, value in data.items():
            if value is not None and name in enums:
                value = enums[name](value)
            elif value is not None and name in dates:
                value = date.fromisoformat(value)
            elif isinstance(value, list):
                value = tuple(value)
            kwargs[name] = value
        return cls(**kwargs)


# --------------------------------------------------------------------------- applying


def recorded(history: TownshipHistory, event: Event) -> TownshipHistory:
    """The facts an event adds by itself (a submitted inspection joins the history)."""
    if isinstance(event, InspectionSubmitted):
        if any(i.id == event.inspection.id for i in history.inspections):
            return history
        return replace(history, inspections=history.inspections + (event.inspection,))
    return history


def _replace_rect(state: TownshipHistory, key: Id, **changes: Any) -> TownshipHistory:
    return replace(
        state,
        rectifications=tuple(replace(r, **changes) if r.key == key else r for r in state.rectifications),
    )


def apply_decision(state: TownshipHistory, d: Decision) -> TownshipHistory:
    kind = d.kind
    if kind is DecisionKind.LEVEL_CHANGE:
        return replace(state, level=d.level_to)
    if kind is DecisionKind.RECTIFICATION_OPENED:
        inspection = next((i for i in state.inspections if i.id == d.inspection), None)
        rect = Rectification(
            key=d.rectification,
            opened_on=d.on,
            due=d.deadline,
            findings=d.findings,
            inspectors=inspection.inspectors if inspection else (),
        )
        return replace(state, rectifications=state.rectifications + (rect,))
    if kind is DecisionKind.RECTIFICATION_CLOSED:
        return replace(state, rectifications=tuple(r for r in state.rectifications if r.key != d.rectification))
    if kind is DecisionKind.RECTIFICATION_ESCALATED:
        rect = state.rectification(d.rectification)
        return _replace_rect(
            state,
            d.rectification,
            escalated_on=rect.escalated_on + (d.on,),
            referred=rect.referred or d.notice is NoticeKind.REFERRAL,
        )
    if kind is DecisionKind.LIGHT:
        return _replace_rect(state, d.rectification, light=d.light)
    if kind is DecisionKind.REMINDER:
        return _replace_rect(state, d.rectification, reminded_on=d.on)
    if kind is DecisionKind.NOTICE:
        if d.notice is NoticeKind.SUMMONS:
            return replace(state, summons=state.summons + (d.on,))
        return state
    if kind is DecisionKind.KEY_MANAGEMENT_ENTERED:
        return replace(state, key_management=KeyManagement(since=d.on))
    if kind is DecisionKind.KEY_MANAGEMENT_EXITED:
        return replace(state, key_management=None)
    if kind is DecisionKind.FOLLOW_UP_WANTED:
        follow_up = FollowUp(d.rectification, d.window_start, d.window_end, d.excluded_inspectors)
        return replace(state, key_management=replace(state.key_management, follow_up=follow_up))
    if kind is DecisionKind.FOLLOW_UP_PASSED:
        km = state.key_management
        return replace(state, key_management=replace(km, follow_up=replace(km.follow_up, passed_on=d.on)))
    if kind is DecisionKind.FOLLOW_UP_FAILED:
        return state  # the decision that follows it schedules the next follow-up
    raise ValueError(f"unknown decision kind {kind!r}")


def apply_decisions(history: TownshipHistory, event: Event, decisions: Iterable[Decision]) -> TownshipHistory:
    state = recorded(history, event)
    for d in decisions:
        state = apply_decision(state, d)
    return state
