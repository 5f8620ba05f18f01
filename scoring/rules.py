"""The rules of the sanction ladder (DESIGN.md §5): one `Ladder` per event, which emits the
decisions and applies each to its running state, so a rule sees what the rules before it did.
The reading of the design these rules implement is in `scoring.ladder`.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from .checklist import Id, ScoreResult, score_findings
from .policy import EscalationPolicy
from .state import (
    Decision,
    FollowUpConcluded,
    InspectionRecord,
    InspectionSubmitted,
    Rectification,
    RectificationAccepted,
    Sweep,
    TownshipHistory,
    apply_decision,
)
from .vocabulary import DecisionKind, Level, Light, NoticeKind, Severity
from .wording import cn_date, cn_days, cn_failures


def months_before(d: date, months: int) -> date:
    month_index = d.year * 12 + d.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))



class Ladder:
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
        self.state = apply_decision(self.state, decision)
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
        since = months_before(self.today, p.referral_summons_months)
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
            reasons.append("存在" + cn_failures(score, grave))
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
        insp = event.inspection
        if any(i.id == insp.id for i in history.inspections):
            return  # already applied: submitting twice changes nothing
        score = score_findings(insp.findings, self.policy.scoring)
        was_key_managed = self.state.key_managed
        km = self.state.key_management
        judging_follow_up = (
            insp.follow_up and km is not None and km.follow_up is not None and km.follow_up.passed_on is None
        )
        seen = f"{cn_date(insp.on)}暗查暗访"
        rect = self.open_rectification(insp, score, seen) if insp.findings else None
        follow_up_failed = judging_follow_up and not self.judge_follow_up(insp, score, seen)
        prominent = self.prominent_reasons(score)
        if prominent:
            self.prominent_problems(insp, prominent, rect, seen, was_key_managed)
        elif follow_up_failed:
            self.want_follow_up(rect, "“回头看”未通过，重新安排“回头看”：")
        self.check_exit()

    def open_rectification(self, insp: InspectionRecord, score: ScoreResult, seen: str) -> Rectification | None:
        p = self.policy
        finding_ids = tuple(f.id for f in insp.findings)
        critical = score.count(Severity.CRITICAL) > 0
        days = p.critical_rectification_days if critical else p.rectification_days
        due = self.today + timedelta(days=days)
        why = f"{seen}发现{cn_failures(score)}，得分{score.score}分。"
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
        return self.state.rectification(insp.id)

    def judge_follow_up(self, insp: InspectionRecord, score: ScoreResult, seen: str) -> bool:
        """The submitted inspection is the follow-up: whether it passed."""
        p = self.policy
        if self.is_clean(insp):
            self.emit(
                DecisionKind.FOLLOW_UP_PASSED,
                "follow_up.conclude",
                f"{seen}（“回头看”）未发现较重及以上问题，“回头看”通过。",
                findings=tuple(f.id for f in insp.findings),
                inspection=insp.id,
            )
            return True
        grave = [s for s in Severity if s.rank > p.clean_max_severity.rank]
        self.emit(
            DecisionKind.FOLLOW_UP_FAILED,
            "follow_up.conclude",
            f"{seen}（“回头看”）发现{cn_failures(score, grave)}，“回头看”未通过，继续重点管理。",
            findings=tuple(f.id for f in insp.findings if f.severity.rank > p.clean_max_severity.rank),
            inspection=insp.id,
        )
        return False

    def prominent_problems(
        self,
        insp: InspectionRecord,
        prominent: list[str],
        rect: Rectification | None,
        seen: str,
        was_key_managed: bool,
    ) -> None:
        """A summons on the first prominent problems; a referral when they recur under key management."""
        finding_ids = tuple(f.id for f in insp.findings)
        detail = "；".join(prominent)
        if was_key_managed:
            recurrence = f"重点管理期间再次出现突出问题（{seen}）：{detail}。"
            grounds = (f"纳入重点管理期间再次出现突出问题（{seen}）", *prominent)
            self.refer("referral.recurrence", recurrence, finding_ids, grounds, inspection=insp.id)
            self.want_follow_up(rect, "突出问题复发，重新安排“回头看”：")
        else:
            why = f"{seen}存在突出问题：{detail}。"
            deadline = rect.due if rect else self.today + timedelta(days=self.policy.critical_rectification_days)
            self.summon("prominent.summons", why, finding_ids, deadline, tuple(prominent), inspection=insp.id)
            self.want_follow_up(rect, "纳入重点管理，")

    def sweep(self, event: Sweep) -> None:
        for rect in sorted(self.state.rectifications, key=lambda r: (r.due, str(r.key))):
            self.sweep_rectification(rect)
        self.check_exit()

    def sweep_rectification(self, rect: Rectification) -> None:
        """Lights, the reminder and, once overdue long enough after it, one step of escalation."""
        p = self.policy
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
            return
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
            return
        if rect.referred:
            return
        since = rect.escalated_on[-1] if rect.escalated_on else rect.reminded_on
        if (self.today - since).days > p.referral_overdue_days:
            self.escalate_overdue(rect, since)

    def escalate_overdue(self, rect: Rectification, since: date) -> None:
        p = self.policy
        overdue = (self.today - since).days
        common = dict(findings=rect.findings, rectification=rect.key, inspection=rect.key)
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
