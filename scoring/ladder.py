"""The sanction ladder: from a township's history and one new event, the decisions to take.

Pure Python (no Django). `decide(history, event, policy)` returns the decisions; each carries the
rule that fired, the policy version, the findings behind it and a reason in plain Chinese that a
township official can read. `apply_decisions(history, event, decisions)` returns the history after
them, so the services (which persist the same facts in the database) and the tests agree on what
"applied" means. `step()` does both.

Levels: normal < rectification < summons < accountability (正常 < 限期整改 < 约谈预警 < 问责).
Every level change is one step up, each with its own rule, or a step down by an exit rule
(`EXIT_RULES`). Whenever the township is at summons or above it is under key management, and
back at normal it has no open rectification; `check_invariants()` states this exactly.

Reading of DESIGN.md §5 where it leaves a choice:
- One rectification notice per inspection, covering all its findings; 7 days if any is critical.
- A deadline is the last day to rectify: yellow from `yellow_days_before` days before it, red and
  a reminder (催办) on the first day after it. The sweep's date is the reminder's date, so a
  missed day caught up later never counts days against a township that it was not reminded of.
- A rectification more than `referral_overdue_days` days overdue after its reminder escalates
  the township one level: from rectification to summons (summons letter, key management), from
  summons to accountability (referral). A further step needs another such period; a
  rectification stops escalating once it has been referred.
- Prominent problems while under key management are a recurrence (referral), not a new summons;
  the follow-up is rescheduled for the new rectification.
- Key management ends when the follow-up has passed, the last `exit_clean_inspections`
  inspections after it were clean (a non-clean one restarts the count) and `exit_min_days` have
  passed since entry. The level then returns to rectification if rectifications are still open,
  else normal. A township outside key management returns to normal when its last open
  rectification is accepted.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from .checklist import Finding, Id, ScoreResult, Severity, score_findings
from .policy import DEFAULT_POLICY, EscalationPolicy

# --------------------------------------------------------------------------- vocabulary


class Level(enum.Enum):
    NORMAL = "normal"
    RECTIFICATION = "rectification"
    SUMMONS = "summons"
    ACCOUNTABILITY = "accountability"

    @property
    def rank(self) -> int:
        return _LEVELS.index(self)

    @property
    def label(self) -> str:
        return _LEVEL_LABEL[self]

    def up(self) -> Level:
        return _LEVELS[min(self.rank + 1, len(_LEVELS) - 1)]


_LEVELS = (Level.NORMAL, Level.RECTIFICATION, Level.SUMMONS, Level.ACCOUNTABILITY)
_LEVEL_LABEL = {
    Level.NORMAL: "正常",
    Level.RECTIFICATION: "限期整改",
    Level.SUMMONS: "约谈预警",
    Level.ACCOUNTABILITY: "问责",
}


class Light(enum.Enum):
    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


class NoticeKind(enum.Enum):
    RECTIFICATION = "rectification"
    SUMMONS = "summons"
    REFERRAL = "referral"

    @property
    def label(self) -> str:
        return {"rectification": "整改通知书", "summons": "约谈通知书", "referral": "问责建议函"}[self.value]


class DecisionKind(enum.Enum):
    LEVEL_CHANGE = "level_change"
    RECTIFICATION_OPENED = "rectification_opened"
    RECTIFICATION_CLOSED = "rectification_closed"
    RECTIFICATION_ESCALATED = "rectification_escalated"
    NOTICE = "notice"
    KEY_MANAGEMENT_ENTERED = "key_management_entered"
    KEY_MANAGEMENT_EXITED = "key_management_exited"
    FOLLOW_UP_WANTED = "follow_up_wanted"
    FOLLOW_UP_PASSED = "follow_up_passed"
    FOLLOW_UP_FAILED = "follow_up_failed"
    LIGHT = "light"
    REMINDER = "reminder"


# Rule ids and their titles. Every decision names one of these.
RULES: dict[str, str] = {
    "rectification.notice": "发现问题下发整改通知书",
    "rectification.accepted": "整改验收通过",
    "level.restored": "整改完成恢复正常",
    "prominent.summons": "突出问题约谈预警",
    "prominent.key_management": "突出问题纳入重点管理",
    "key_management.follow_up": "重点管理“回头看”",
    "follow_up.conclude": "“回头看”结论",
    "key_management.exit": "退出重点管理",
    "light.yellow": "整改临期黄灯",
    "light.red": "整改逾期红灯",
    "overdue.reminder": "整改逾期催办",
    "overdue.summons": "催办后仍逾期升级约谈",
    "referral.overdue": "催办后仍逾期提出问责建议",
    "referral.recurrence": "重点管理期间突出问题复发提出问责建议",
    "referral.third_summons": "12个月内多次约谈提出问责建议",
}
# The only rules that may lower a level.
EXIT_RULES = frozenset({"key_management.exit", "level.restored"})


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


# --------------------------------------------------------------------------- text helpers


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def cn_days(n: int) -> str:
    return f"{n // 7}周" if n % 7 == 0 and n >= 14 else f"{n}日"


def _cn_failures(score: ScoreResult, severities: Iterable[Severity] | None = None) -> str:
    wanted = set(severities) if severities is not None else set(Severity)
    parts = []
    for severity in (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR):
        if severity not in wanted:
            continue
        group = [f for f in score.failures if f.severity is severity]
        if not group:
            continue
        titles = "；".join(f.title for f in group if f.title)
        parts.append(f"{severity.label}问题{len(group)}项" + (f"（{titles}）" if titles else ""))
    return "、".join(parts)


def _months_before(d: date, months: int) -> date:
    month_index = d.year * 12 + d.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


# --------------------------------------------------------------------------- applying


def _record(history: TownshipHistory, event: Event) -> TownshipHistory:
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


def _apply(state: TownshipHistory, d: Decision) -> TownshipHistory:
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
    state = _record(history, event)
    for d in decisions:
        state = _apply(state, d)
    return state


# --------------------------------------------------------------------------- deciding


class _Ladder:
    def __init__(self, state: TownshipHistory, policy: EscalationPolicy, today: date):
        self.state = state
        self.policy = policy
        self.today = today
        self.decisions: list[Decision] = []

    def emit(self, kind: DecisionKind, rule: str, reason: str, **fields: Any) -> Decision:
        decision = Decision(
            kind=kind, rule=rule, policy_version=self.policy.version, on=self.today, reason=reason, **fields
        )
        self.decisions.append(decision)
        self.state = _apply(self.state, decision)
        return decision

    # -- level steps -------------------------------------------------------------------

    def climb(self, target: Level, rule: str, why: str, findings: tuple[Id, ...] = (), **fields: Any) -> None:
        """Raise the level to `target` one step at a time (never skipping)."""
        while self.state.level.rank < target.rank:
            before = self.state.level
            after = before.up()
            self.emit(
                DecisionKind.LEVEL_CHANGE,
                rule,
                f"{why}预警等级由“{before.label}”升为“{after.label}”。",
                findings=findings,
                level_from=before,
                level_to=after,
                **fields,
            )

    def lower(self, target: Level, rule: str, why: str) -> None:
        before = self.state.level
        if target.rank >= before.rank:
            return
        self.emit(
            DecisionKind.LEVEL_CHANGE,
            rule,
            f"{why}预警等级由“{before.label}”调整为“{target.label}”。",
            level_from=before,
            level_to=target,
        )

    # -- building blocks ---------------------------------------------------------------

    def follow_up_window(self, due: date | None) -> tuple[date, date]:
        p = self.policy
        base = due or self.today
        start = base + timedelta(days=p.follow_up_after_min_days)
        end = base + timedelta(days=p.follow_up_after_max_days)
        if start <= self.today:
            # The deadline is long past (an overdue escalation): the window opens tomorrow.
            start = self.today + timedelta(days=1)
            end = max(end, start + timedelta(days=p.follow_up_after_max_days - p.follow_up_after_min_days))
        return start, end

    def want_follow_up(self, rect: Rectification | None, why: str) -> None:
        p = self.policy
        start, end = self.follow_up_window(rect.due if rect else None)
        excluded = tuple(sorted(set(rect.inspectors))) if rect and p.follow_up_different_team else ()
        after = f"整改期限（{cn_date(rect.due)}）届满后，" if rect else ""
        team = "由未参加原检查的督查组" if excluded else "由督查组"
        self.emit(
            DecisionKind.FOLLOW_UP_WANTED,
            "key_management.follow_up",
            f"{why}{after}于{cn_date(start)}至{cn_date(end)}期间{team}不打招呼开展“回头看”。",
            findings=rect.findings if rect else (),
            rectification=rect.key if rect else None,
            window_start=start,
            window_end=end,
            excluded_inspectors=excluded,
        )

    def summon(
        self, rule: str, why: str, findings: tuple[Id, ...], deadline: date, grounds: tuple[str, ...], **fields: Any
    ) -> None:
        """Summons of the responsible official with a warning, and key management."""
        p = self.policy
        self.climb(Level.SUMMONS, rule, why, findings, **fields)
        self.emit(
            DecisionKind.NOTICE,
            rule,
            f"{why}约谈乡镇（街道）分管负责人并予以预警，下发约谈通知书，须于{cn_date(deadline)}前完成整改。",
            findings=findings,
            notice=NoticeKind.SUMMONS,
            deadline=deadline,
            grounds=grounds,
            **fields,
        )
        if not self.state.key_managed:
            km_rule = "prominent.key_management" if rule == "prominent.summons" else rule
            ratio = f"{p.key_management_ratio:g}"
            self.emit(
                DecisionKind.KEY_MANAGEMENT_ENTERED,
                km_rule,
                f"{why}纳入重点管理：暗查抽签权重提高至{ratio}倍，并安排“回头看”。"
                f"退出须“回头看”通过、其后连续{p.exit_clean_inspections}次检查无较重及以上问题，"
                f"且纳入重点管理满{cn_days(p.exit_min_days)}。",
                findings=findings,
                **fields,
            )
        self.check_summons_count(findings, **fields)

    def check_summons_count(self, findings: tuple[Id, ...], **fields: Any) -> None:
        p = self.policy
        since = _months_before(self.today, p.referral_summons_months)
        recent = sorted(d for d in self.state.summons if d > since)
        if len(recent) < p.referral_summons_count:
            return
        dates = "、".join(cn_date(d) for d in recent)
        ground = f"{p.referral_summons_months}个月内已第{len(recent)}次被约谈（{dates}）"
        self.refer("referral.third_summons", f"{ground}。", findings, (ground,), **fields)

    def refer(self, rule: str, why: str, findings: tuple[Id, ...], grounds: tuple[str, ...], **fields: Any) -> None:
        self.climb(Level.ACCOUNTABILITY, rule, why, findings, **fields)
        self.emit(
            DecisionKind.NOTICE,
            rule,
            f"{why}依规向纪检监察机关提出问责建议，下发问责建议函，记入问责台账。",
            findings=findings,
            notice=NoticeKind.REFERRAL,
            grounds=grounds,
            **fields,
        )

    def prominent_reasons(self, score: ScoreResult) -> list[str]:
        p = self.policy
        reasons = []
        grave = [s for s in Severity if s.rank >= p.prominent_severity.rank and score.count(s)]
        if grave:
            reasons.append("存在" + _cn_failures(score, grave))
        if score.score < p.prominent_score_below:
            reasons.append(f"检查得分{score.score}分，低于{p.prominent_score_below}分")
        majors = score.count(Severity.MAJOR)
        if majors >= p.prominent_major_count and Severity.MAJOR not in grave:
            reasons.append(f"存在较重问题{majors}项，达到{p.prominent_major_count}项")
        return reasons

    def check_exit(self) -> None:
        p = self.policy
        km = self.state.key_management
        if km is None or km.follow_up is None or km.follow_up.passed_on is None:
            return
        if self.today < km.since + timedelta(days=p.exit_min_days):
            return
        later = sorted((i for i in self.state.inspections if i.on > km.follow_up.passed_on), key=lambda i: i.on)
        streak: list[InspectionRecord] = []
        for inspection in later:
            if self.is_clean(inspection):
                streak.append(inspection)
            else:
                streak = []
        if len(streak) < p.exit_clean_inspections:
            return
        dates = "、".join(cn_date(i.on) for i in streak[-p.exit_clean_inspections :])
        why = (
            f"“回头看”已于{cn_date(km.follow_up.passed_on)}通过，其后{len(streak)}次检查（{dates}）"
            f"均无较重及以上问题，且自{cn_date(km.since)}纳入重点管理已满{cn_days(p.exit_min_days)}，"
        )
        self.emit(DecisionKind.KEY_MANAGEMENT_EXITED, "key_management.exit", f"{why}退出重点管理。")
        target = Level.RECTIFICATION if self.state.rectifications else Level.NORMAL
        self.lower(target, "key_management.exit", "退出重点管理，" + ("尚有整改事项未验收，" if self.state.rectifications else ""))

    def is_clean(self, inspection: InspectionRecord) -> bool:
        limit = self.policy.clean_max_severity.rank
        return all(f.severity.rank <= limit for f in inspection.findings)

    # -- events -----------------------------------------------------------------------

    def inspection_submitted(self, history: TownshipHistory, event: InspectionSubmitted) -> None:
        p = self.policy
        insp = event.inspection
        if any(i.id == insp.id for i in history.inspections):
            return  # already applied: submitting twice changes nothing
        score = score_findings(insp.findings, p.scoring)
        finding_ids = tuple(f.id for f in insp.findings)
        was_key_managed = self.state.key_managed
        km = self.state.key_management
        judging_follow_up = (
            insp.follow_up and km is not None and km.follow_up is not None and km.follow_up.passed_on is None
        )
        seen = f"{cn_date(insp.on)}暗查暗访"
        rect: Rectification | None = None
        if insp.findings:
            critical = score.count(Severity.CRITICAL) > 0
            days = p.critical_rectification_days if critical else p.rectification_days
            due = self.today + timedelta(days=days)
            why = f"{seen}发现{_cn_failures(score)}，得分{score.score}分。"
            term = f"含严重问题，整改期限{days}日" if critical else f"整改期限{days}日"
            self.emit(
                DecisionKind.RECTIFICATION_OPENED,
                "rectification.notice",
                f"{why}发现问题即须整改，{term}，须于{cn_date(due)}前完成整改。",
                findings=finding_ids,
                inspection=insp.id,
                rectification=insp.id,
                deadline=due,
            )
            self.emit(
                DecisionKind.NOTICE,
                "rectification.notice",
                f"{why}下发整改通知书，{term}，须于{cn_date(due)}前完成整改并报送整改报告。",
                findings=finding_ids,
                inspection=insp.id,
                rectification=insp.id,
                notice=NoticeKind.RECTIFICATION,
                deadline=due,
            )
            self.climb(Level.RECTIFICATION, "rectification.notice", f"{seen}发现问题，", finding_ids, inspection=insp.id)
            rect = self.state.rectification(insp.id)

        follow_up_failed = False
        if judging_follow_up:
            if self.is_clean(insp):
                self.emit(
                    DecisionKind.FOLLOW_UP_PASSED,
                    "follow_up.conclude",
                    f"{seen}（“回头看”）未发现较重及以上问题，“回头看”通过。",
                    findings=finding_ids,
                    inspection=insp.id,
                )
            else:
                follow_up_failed = True
                grave = [s for s in Severity if s.rank > p.clean_max_severity.rank]
                self.emit(
                    DecisionKind.FOLLOW_UP_FAILED,
                    "follow_up.conclude",
                    f"{seen}（“回头看”）发现{_cn_failures(score, grave)}，“回头看”未通过，继续重点管理。",
                    findings=tuple(f.id for f in insp.findings if f.severity.rank > p.clean_max_severity.rank),
                    inspection=insp.id,
                )

        prominent = self.prominent_reasons(score)
        if prominent:
            detail = "；".join(prominent)
            why = f"{seen}存在突出问题：{detail}。"
            if was_key_managed:
                recurrence = f"重点管理期间再次出现突出问题（{seen}）：{detail}。"
                grounds = (f"纳入重点管理期间再次出现突出问题（{seen}）", *prominent)
                self.refer("referral.recurrence", recurrence, finding_ids, grounds, inspection=insp.id)
                self.want_follow_up(rect, "突出问题复发，重新安排“回头看”：")
            else:
                deadline = rect.due if rect else self.today + timedelta(days=p.critical_rectification_days)
                self.summon("prominent.summons", why, finding_ids, deadline, tuple(prominent), inspection=insp.id)
                self.want_follow_up(rect, "纳入重点管理，")
        elif follow_up_failed:
            self.want_follow_up(rect, "“回头看”未通过，重新安排“回头看”：")
        self.check_exit()

    def sweep(self, event: Sweep) -> None:
        p = self.policy
        for rect in sorted(self.state.rectifications, key=lambda r: (r.due, str(r.key))):
            days_left = (rect.due - self.today).days
            common = dict(findings=rect.findings, rectification=rect.key, inspection=rect.key)
            if days_left >= 0:
                if days_left <= p.yellow_days_before and rect.light is Light.NONE:
                    self.emit(
                        DecisionKind.LIGHT,
                        "light.yellow",
                        f"整改期限{cn_date(rect.due)}即将届满（剩余{days_left}日），尚未通过整改验收，亮黄灯。",
                        light=Light.YELLOW,
                        **common,
                    )
                continue
            if rect.light is not Light.RED:
                self.emit(
                    DecisionKind.LIGHT,
                    "light.red",
                    f"整改期限{cn_date(rect.due)}已过，尚未通过整改验收，亮红灯。",
                    light=Light.RED,
                    **common,
                )
            if rect.reminded_on is None:
                self.emit(
                    DecisionKind.REMINDER,
                    "overdue.reminder",
                    f"整改期限{cn_date(rect.due)}已过，发出催办提醒；催办后逾期超过"
                    f"{p.referral_overdue_days}日仍未完成整改的，将依规升级处理。",
                    **common,
                )
                continue
            if rect.referred:
                continue
            since = rect.escalated_on[-1] if rect.escalated_on else rect.reminded_on
            overdue = (self.today - since).days
            if overdue <= p.referral_overdue_days:
                continue
            basis = "上次升级处理" if rect.escalated_on else "催办提醒"
            ground = (
                f"整改期限{cn_date(rect.due)}已过，{basis}（{cn_date(since)}）后已{overdue}日仍未完成整改，"
                f"超过{p.referral_overdue_days}日"
            )
            why = f"{ground}。"
            if self.state.level.rank < Level.SUMMONS.rank:
                deadline = self.today + timedelta(days=p.critical_rectification_days)
                self.emit(
                    DecisionKind.RECTIFICATION_ESCALATED,
                    "overdue.summons",
                    f"{why}升级为约谈预警。",
                    notice=NoticeKind.SUMMONS,
                    **common,
                )
                self.summon(
                    "overdue.summons", why, rect.findings, deadline, (ground,), rectification=rect.key, inspection=rect.key
                )
                self.want_follow_up(self.state.rectification(rect.key), "纳入重点管理，")
            else:
                self.emit(
                    DecisionKind.RECTIFICATION_ESCALATED,
                    "referral.overdue",
                    f"{why}提出问责建议。",
                    notice=NoticeKind.REFERRAL,
                    **common,
                )
                self.refer("referral.overdue", why, rect.findings, (ground,), rectification=rect.key, inspection=rect.key)
        self.check_exit()

    def rectification_accepted(self, event: RectificationAccepted) -> None:
        rect = self.state.rectification(event.rectification)
        if rect is None:
            return
        self.emit(
            DecisionKind.RECTIFICATION_CLOSED,
            "rectification.accepted",
            f"{cn_date(rect.opened_on)}下发的整改事项已于{cn_date(self.today)}通过整改验收。",
            findings=rect.findings,
            rectification=rect.key,
            inspection=rect.key,
        )
        if not self.state.key_managed and not self.state.rectifications:
            self.lower(Level.NORMAL, "level.restored", "整改事项均已通过验收，且未纳入重点管理，")
        self.check_exit()

    def follow_up_concluded(self, event: FollowUpConcluded) -> None:
        km = self.state.key_management
        if km is None or km.follow_up is None or km.follow_up.passed_on is not None:
            return
        if event.passed:
            self.emit(
                DecisionKind.FOLLOW_UP_PASSED,
                "follow_up.conclude",
                f"经{cn_date(self.today)}认定，“回头看”通过。",
                inspection=event.inspection,
            )
        else:
            self.emit(
                DecisionKind.FOLLOW_UP_FAILED,
                "follow_up.conclude",
                f"经{cn_date(self.today)}认定，“回头看”未通过，继续重点管理。",
                inspection=event.inspection,
            )
            latest = max(self.state.rectifications, key=lambda r: r.due, default=None)
            self.want_follow_up(latest, "“回头看”未通过，重新安排“回头看”：")
        self.check_exit()


def decide(history: TownshipHistory, event: Event, policy: EscalationPolicy = DEFAULT_POLICY) -> tuple[Decision, ...]:
    ladder = _Ladder(_record(history, event), policy, event.date)
    if isinstance(event, InspectionSubmitted):
        ladder.inspection_submitted(history, event)
    elif isinstance(event, Sweep):
        ladder.sweep(event)
    elif isinstance(event, RectificationAccepted):
        ladder.rectification_accepted(event)
    elif isinstance(event, FollowUpConcluded):
        ladder.follow_up_concluded(event)
    else:
        raise TypeError(f"unknown event {event!r}")
    return tuple(ladder.decisions)


def step(
    history: TownshipHistory, event: Event, policy: EscalationPolicy = DEFAULT_POLICY
) -> tuple[TownshipHistory, tuple[Decision, ...]]:
    decisions = decide(history, event, policy)
    return apply_decisions(history, event, decisions), decisions


def check_invariants(history: TownshipHistory) -> list[str]:
    """What must hold of any history the ladder produced; empty when all is well."""
    problems = []
    level, km, open_rects = history.level, history.key_managed, bool(history.rectifications)
    if km != (level.rank >= Level.SUMMONS.rank):
        problems.append(f"key management is {km} at level {level.value}")
    if level is Level.NORMAL and open_rects:
        problems.append("level normal with open rectifications")
    if level is Level.RECTIFICATION and not open_rects:
        problems.append("level rectification without an open rectification")
    return problems


def check_level_path(start: Level, decisions: Sequence[Decision]) -> list[str]:
    """Level changes chain from `start`, go up one step at a time, and down only by exit rules."""
    problems = []
    level = start
    for d in decisions:
        if d.kind is not DecisionKind.LEVEL_CHANGE:
            continue
        if d.level_from is not level:
            problems.append(f"{d.rule}: from {d.level_from} but level was {level}")
        step_size = d.level_to.rank - d.level_from.rank
        if step_size == 0 or step_size > 1:
            problems.append(f"{d.rule}: {d.level_from.value} -> {d.level_to.value} is not one step up")
        if step_size < 0 and d.rule not in EXIT_RULES:
            problems.append(f"{d.rule}: lowers the level but is not an exit rule")
        level = d.level_to
    return problems


__all__ = [
    "EXIT_RULES",
    "RULES",
    "Decision",
    "DecisionKind",
    "Event",
    "FollowUp",
    "FollowUpConcluded",
    "InspectionRecord",
    "InspectionSubmitted",
    "KeyManagement",
    "Level",
    "Light",
    "NoticeKind",
    "Rectification",
    "RectificationAccepted",
    "Sweep",
    "TownshipHistory",
    "apply_decisions",
    "check_invariants",
    "check_level_path",
    "cn_date",
    "cn_days",
    "decide",
    "step",
]
