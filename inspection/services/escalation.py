"""The sanction ladder applied to the database: decisions, drafted notices, follow-ups.

The rules are pure and live in `scoring.ladder`; this module reads a township's history from the
tables, asks the ladder for its decisions, and applies them in the same transaction: level and
key-management columns, rectification rows (deadline, light, reminder), one `Decision` row and
one audit event per decision, notice drafts and follow-up inspections. Each township is locked
(SELECT ... FOR UPDATE) while its event is applied, so two events for one township queue.

Entry points (keyword-only; each one transaction per township and event):

    score_inspection(inspection=)          the score the submit service stores (county policy)
    apply_inspection_submitted(inspection=, actor=None)
                                           call from the submit service, in its transaction,
                                           after the status and score are set; idempotent;
                                           its decisions are dated on the visit's day
    accept_rectification(rectification=, actor=None, on=None)
    conclude_follow_up(township=, passed=, actor=None, on=None)
                                           the commission's own verdict on a follow-up
    run_sweep(as_of=None, county=None, actor=None)
                                           the daily sweep (`manage.py escalate`): lights,
                                           reminders, overdue escalation, key-management exits,
                                           dispatch of follow-ups falling due; idempotent, and it
                                           catches up missed days one by one since the last run

Follow-up inspections (回头看) are `Inspection` rows of kind follow_up, status planned, dated on a
random weekday of the window the ladder asks for (2–4 weeks after the rectification deadline),
with a team drawn from the county's active inspectors minus the original team and anyone whose
home is the township. The exact date and team go nowhere but that row (not into the audit log,
not into any notice); the sweep dispatches it on its day.

Notice drafts (`Notice`, state draft, no number) carry a frozen `snapshot` in the schema of
`inspection.notices.snapshot` (validated before saving), so the renderer needs nothing else:

  every kind   schema, kind, authority{name, mark}, title, addressee, township{code, name}, date
               (the decision's day), copy_to[], printed_by, printed_date, attachments[], contact
  rectification  inspection{date, team, score, checklist_version}, findings[FINDING], deadline,
               requirements[]
  summons      inspection{...}, findings[FINDING], grounds[] (the ladder's 认定依据), official
               {name, post} (the post holder on the day), meeting{start, place, host,
               attendees[], bring[]} (defaults: the third weekday after, 09:30), warning (names
               the level 约谈预警), key_management{start, ratio, min_weeks, follow_up},
               requirements[]
  referral     official{name, post}, grounds[], history[{date, event, number}] (the case so far,
               with document numbers once issued), findings[FINDING], suggestion
  FINDING      {area, item, severity, text, location, observed_at}

`Notice.official` is the official holding the township's post that day (the person, so the
record follows them to another post); `Notice.due_on` is the deadline; `Notice.inspection` and
`Notice.case` link the letter to what caused it. Reminders (催办) are decisions and a date on the
rectification row, shown by the townships API; they are not letters.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inspection.errors import InspectionError
from inspection.models import (
    NOTICE_SERIES,
    Checklist,
    County,
    EscalationCase,
    Inspection,
    Inspector,
    Notice,
    Official,
    Post,
    Rectification,
    TeamMember,
    Township,
)
from inspection.models import Decision as DecisionRow
from inspection.models import Finding as FindingRow
from inspection.notices.snapshot import validate_snapshot
from inspection.services.audit import record_event
from scoring import (
    DEFAULT_POLICY,
    Decision,
    DecisionKind,
    EscalationPolicy,
    Finding,
    FollowUp,
    FollowUpConcluded,
    InspectionRecord,
    InspectionSubmitted,
    KeyManagement,
    Level,
    Light,
    NoticeKind,
    PolicyError,
    RectificationAccepted,
    ScoreResult,
    Sweep,
    TownshipHistory,
    decide,
    score_findings,
)
from scoring import Rectification as RectState

OPEN_STATES = (Rectification.State.OPEN, Rectification.State.REPORTED)
APPLIED_ACTION = "escalation.inspection_applied"
SWEPT_ACTION = "escalation.swept"
MAX_CATCH_UP_DAYS = 400

_rng = random.SystemRandom()


# --------------------------------------------------------------------------- policy and score


def county_policy(county: County) -> EscalationPolicy:
    """The county's rules: its stored version, or v1. The draw ratio is the county's setting."""
    try:
        policy = EscalationPolicy.from_dict(county.policy) if county.policy else DEFAULT_POLICY
    except (PolicyError, TypeError) as exc:
        raise InspectionError(f"{county.name}的问责规则配置有误：{exc}") from None
    if county.key_ratio != policy.key_management_ratio:
        policy = dataclasses.replace(policy, key_management_ratio=county.key_ratio)
    return policy


def effective_findings(inspection: Inspection) -> list[FindingRow]:
    """Findings as they stand: one that was corrected counts only through its correction."""
    return list(
        inspection.findings.filter(corrections__isnull=True).select_related("item").order_by("id")
    )


def _title(row: FindingRow) -> str:
    if row.item_id:
        return row.item.text
    text = " ".join(row.text.split())
    return text if len(text) <= 40 else text[:39] + "…"


def _to_scoring(rows: list[FindingRow]) -> tuple[Finding, ...]:
    return tuple(
        Finding(id=r.pk, severity=r.severity, item_id=str(r.item_id) if r.item_id else None, title=_title(r))
        for r in rows
    )


def score_inspection(*, inspection: Inspection) -> ScoreResult:
    policy = county_policy(inspection.county)
    return score_findings(_to_scoring(effective_findings(inspection)), policy.scoring)


# --------------------------------------------------------------------------- history from tables


def _team(inspection_id: int) -> tuple[str, ...]:
    return tuple(
        str(i) for i in TeamMember.objects.filter(inspection_id=inspection_id).order_by("inspector_id").values_list(
            "inspector_id", flat=True
        )
    )


def _record_of(inspection: Inspection) -> InspectionRecord:
    return InspectionRecord(
        id=inspection.pk,
        on=inspection.date,
        findings=_to_scoring(effective_findings(inspection)),
        inspectors=_team(inspection.pk),
        follow_up=inspection.kind == Inspection.Kind.FOLLOW_UP,
    )


def township_history(township: Township, *, as_of: date | None = None, exclude: int | None = None) -> TownshipHistory:
    """The ladder's view of a township, read from the tables (as of a day, for a sweep)."""
    decisions = DecisionRow.objects.filter(township=township)
    if as_of is not None:
        decisions = decisions.filter(effective_on__lte=as_of)

    rects = []
    rows = Rectification.objects.filter(township=township, state__in=OPEN_STATES, inspection__isnull=False)
    if as_of is not None:
        rows = rows.filter(opened_on__lte=as_of)
    for row in rows.order_by("due_on", "id"):
        escalations = list(
            decisions.filter(kind=DecisionKind.RECTIFICATION_ESCALATED.value, inspection_id=row.inspection_id)
            .order_by("effective_on", "id")
            .values_list("effective_on", "details")
        )
        rects.append(
            RectState(
                key=row.inspection_id,
                opened_on=row.opened_on or row.due_on,
                due=row.due_on,
                findings=tuple(f.pk for f in effective_findings(row.inspection)),
                inspectors=_team(row.inspection_id),
                light=Light(row.light or "none"),
                reminded_on=row.reminded_on,
                escalated_on=tuple(on for on, _ in escalations),
                referred=any(details.get("notice") == NoticeKind.REFERRAL.value for _, details in escalations),
            )
        )

    summons = tuple(
        decisions.filter(kind=DecisionKind.NOTICE.value, notice__kind=NoticeKind.SUMMONS.value)
        .exclude(notice__state=Notice.State.VOID)
        .order_by("effective_on")
        .values_list("effective_on", flat=True)
    )

    km = None
    inspections: tuple[InspectionRecord, ...] = ()
    if township.key_managed:
        since = township.key_managed_since
        follow_up = None
        wanted = (
            decisions.filter(kind=DecisionKind.FOLLOW_UP_WANTED.value, effective_on__gte=since)
            .order_by("-effective_on", "-id")
            .first()
        )
        if wanted is not None:
            d = wanted.details
            passed = (
                decisions.filter(kind=DecisionKind.FOLLOW_UP_PASSED.value, id__gt=wanted.id)
                .order_by("id")
                .values_list("effective_on", flat=True)
                .first()
            )
            follow_up = FollowUp(
                rectification=d.get("rectification"),
                window_start=date.fromisoformat(d["window_start"]),
                window_end=date.fromisoformat(d["window_end"]),
                excluded_inspectors=tuple(d.get("excluded_inspectors") or ()),
                passed_on=passed,
            )
        km = KeyManagement(since=since, follow_up=follow_up)
        submitted = Inspection.objects.filter(
            township=township, status=Inspection.Status.SUBMITTED, date__gte=since
        ).order_by("date", "id")
        if as_of is not None:
            submitted = submitted.filter(date__lte=as_of)
        if exclude is not None:
            submitted = submitted.exclude(pk=exclude)
        inspections = tuple(_record_of(i) for i in submitted)

    return TownshipHistory(
        township=township.code,
        level=Level(township.level),
        key_management=km,
        rectifications=tuple(rects),
        summons=summons,
        inspections=inspections,
    )


# --------------------------------------------------------------------------- writing decisions


def current_post(township: Township, on: date | None = None) -> Post | None:
    posts = Post.objects.filter(township=township).select_related("official")
    if on is None:
        return posts.filter(ended_on__isnull=True).first()
    return (
        posts.filter(started_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
        .order_by("-started_on")
        .first()
        or posts.filter(ended_on__isnull=True).first()
    )


def _addressee(township: Township) -> str:
    return f"{township.name}办事处" if township.kind == Township.Kind.STREET else f"{township.name}人民政府"


def _local_minutes(value: datetime | None) -> str | None:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else None


def _finding_snapshot(row: FindingRow) -> dict:
    return {
        "area": row.item.area if row.item_id else "其他问题",
        "item": row.item.text if row.item_id else None,
        "severity": row.severity,
        "text": row.text,
        "location": row.location or None,
        "observed_at": _local_minutes(row.observed_at),
    }


def _weekday_on_or_after(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


@dataclass
class _Writer:
    """Applies one event's decisions for one (locked) township."""

    township: Township
    policy: EscalationPolicy
    actor: object
    today: date
    rows: list[DecisionRow] = field(default_factory=list)

    def __post_init__(self):
        self.county = self.township.county
        self.post = current_post(self.township, self.today)
        self.official: Official | None = self.post.official if self.post else None

    # -- lookups --------------------------------------------------------------------

    def open_case(self) -> EscalationCase | None:
        return EscalationCase.objects.filter(township=self.township, state=EscalationCase.State.OPEN).order_by("-id").first()

    def rect_row(self, key) -> Rectification | None:
        if key is None:
            return None
        return Rectification.objects.filter(township=self.township, inspection_id=key).first()

    def inspection(self, key) -> Inspection | None:
        if not isinstance(key, int):
            return None
        return Inspection.objects.filter(pk=key, township=self.township).select_related("checklist").first()

    # -- the decision row -----------------------------------------------------------

    def write(self, d: Decision) -> DecisionRow:
        rect = self.rect_row(d.rectification)
        notice = None
        handler = getattr(self, f"_on_{d.kind.value}")
        result = handler(d, rect)
        if isinstance(result, Notice):
            notice = result
        rect = self.rect_row(d.rectification)
        case = rect.case if rect else self.open_case()
        inspection = self.inspection(d.inspection)
        row = DecisionRow.objects.create(
            township=self.township,
            official=self.official,
            case=case,
            inspection=inspection,
            notice=notice,
            kind=d.kind.value,
            from_level=d.level_from.value if d.level_from else "",
            to_level=d.level_to.value if d.level_to else "",
            rule=d.rule,
            policy_version=d.policy_version,
            reason=d.reason,
            details=d.to_dict(),
            effective_on=d.on,
        )
        record_event(
            "escalation.decision",
            actor=self.actor,
            obj=row,
            county=self.county,
            data={
                "township": self.township.code,
                "kind": d.kind.value,
                "rule": d.rule,
                "policy_version": d.policy_version,
                "on": d.on.isoformat(),
                "level": [row.from_level, row.to_level] if d.level_to else None,
                "notice": notice.pk if notice else None,
                "official": self.official.pk if self.official else None,
                # The reason stays on the decision row (it may quote a finding, and a finding may
                # describe a child); its digest here makes a later edit of the row detectable.
                "reason_sha256": hashlib.sha256(d.reason.encode("utf-8")).hexdigest(),
            },
        )
        if d.kind is DecisionKind.LEVEL_CHANGE and d.level_to is Level.NORMAL:
            for open_case in EscalationCase.objects.filter(township=self.township, state=EscalationCase.State.OPEN):
                open_case.state = EscalationCase.State.CLOSED
                open_case.closed_at = timezone.now()
                open_case.save(update_fields=["state", "closed_at"])
                record_event("escalation.case_closed", actor=self.actor, obj=open_case, county=self.county,
                             data={"township": self.township.code, "on": d.on.isoformat()})
        self.rows.append(row)
        return row

    # -- effects, one per decision kind -----------------------------------------------

    def _save_township(self, *fields):
        self.township.save(update_fields=list(fields))

    def _on_level_change(self, d, rect):
        self.township.level = d.level_to.value
        self._save_township("level")

    def _on_rectification_opened(self, d, rect):
        inspection = self.inspection(d.inspection)
        case = self.open_case()
        if case is None:
            case = EscalationCase.objects.create(
                township=self.township, official=self.official, opened_by=inspection, policy_version=d.policy_version
            )
            record_event("escalation.case_opened", actor=self.actor, obj=case, county=self.county,
                         data={"township": self.township.code, "inspection": inspection.pk})
        Rectification.objects.create(
            case=case,
            township=self.township,
            official=self.official,
            inspection=inspection,
            opened_on=d.on,
            due_on=d.deadline,
        )

    def _on_rectification_closed(self, d, rect):
        rect.state = Rectification.State.ACCEPTED
        rect.accepted_on = d.on
        rect.light = ""
        rect.save(update_fields=["state", "accepted_on", "light"])
        notice = rect.notice
        if notice is not None and notice.state in (
            Notice.State.ISSUED, Notice.State.ACKNOWLEDGED, Notice.State.RESPONDED
        ):
            notice.state = Notice.State.ACCEPTED
            notice.save(update_fields=["state"])

    def _on_rectification_escalated(self, d, rect):
        rect.escalated_on = d.on
        rect.save(update_fields=["escalated_on"])

    def _on_light(self, d, rect):
        rect.light = d.light.value
        rect.save(update_fields=["light"])

    def _on_reminder(self, d, rect):
        rect.reminded_on = d.on
        rect.save(update_fields=["reminded_on"])

    def _on_key_management_entered(self, d, rect):
        self.township.key_managed = True
        self.township.key_managed_since = d.on
        self._save_township("key_managed", "key_managed_since")

    def _on_key_management_exited(self, d, rect):
        self.township.key_managed = False
        self.township.key_managed_since = None
        self._save_township("key_managed", "key_managed_since")

    def _on_follow_up_wanted(self, d, rect):
        schedule_follow_up(
            township=self.township,
            case=rect.case if rect else self.open_case(),
            window=(d.window_start, d.window_end),
            excluded=[int(i) for i in d.excluded_inspectors],
            actor=self.actor,
        )

    def _on_follow_up_passed(self, d, rect):
        pass

    def _on_follow_up_failed(self, d, rect):
        pass

    def _on_notice(self, d, rect) -> Notice:
        kind = d.notice
        inspection = self.inspection(d.inspection)
        snapshot = validate_snapshot(getattr(self, f"_snapshot_{kind.value}")(d, inspection))
        notice = Notice.objects.create(
            county=self.county,
            kind=kind.value,
            series=NOTICE_SERIES[kind.value],
            state=Notice.State.DRAFT,
            township=self.township,
            official=self.official,
            inspection=inspection,
            case=rect.case if rect else self.open_case(),
            snapshot=snapshot,
            due_on=d.deadline,
        )
        if kind is NoticeKind.RECTIFICATION and rect is not None and rect.notice_id is None:
            rect.notice = notice
            rect.save(update_fields=["notice"])
        record_event(
            "notice.drafted",
            actor=self.actor,
            obj=notice,
            county=self.county,
            data={"kind": kind.value, "township": self.township.code, "rule": d.rule, "due_on": str(d.deadline or "")},
        )
        return notice

    # -- snapshots ------------------------------------------------------------------

    def _common(self, kind: str, title: str, addressee: str, copy_to: list[str], attachments: list[str]) -> dict:
        return {
            "schema": 1,
            "kind": kind,
            "authority": {"name": self.county.authority_name, "mark": f"{self.county.authority_name}文件"},
            "title": title,
            "addressee": addressee,
            "township": {"code": self.township.code, "name": self.township.name},
            "date": self.today.isoformat(),
            "copy_to": copy_to,
            "printed_by": self.county.authority_name,
            "printed_date": self.today.isoformat(),
            "attachments": attachments,
            "contact": None,
        }

    def _inspection_snapshot(self, inspection: Inspection) -> dict:
        score = inspection.score if inspection.score is not None else score_inspection(inspection=inspection).score
        return {
            "date": inspection.date.isoformat(),
            "team": f"{self.county.doc_prefix}督查组",
            "score": score,
            "checklist_version": f"v{inspection.checklist.version}",
        }

    def _findings(self, ids) -> list[dict]:
        rows = FindingRow.objects.filter(pk__in=list(ids)).select_related("item").order_by("id")
        return [_finding_snapshot(r) for r in rows]

    def _person(self) -> dict:
        if self.official is None:
            return {"name": "（待明确）", "post": "分管负责人"}
        return {"name": self.official.name, "post": self.post.title}

    def _snapshot_rectification(self, d: Decision, inspection: Inspection) -> dict:
        name = self.township.name
        return {
            **self._common(
                "rectification",
                f"关于{name}限期整改暗查暗访发现问题的通知",
                _addressee(self.township),
                [f"{self.county.name}未保委各成员单位"],
                ["暗查暗访问题清单"],
            ),
            "inspection": self._inspection_snapshot(inspection),
            "findings": self._findings(d.findings),
            "deadline": d.deadline.isoformat(),
            "requirements": [
                "对照问题清单逐项制定整改措施，明确责任人和完成时限。",
                "举一反三开展自查，对同类问题一并整改。",
                "整改完成后通过暗查暗访管理系统报送整改报告，并附整改前后对比照片等佐证材料。",
            ],
        }

    def _snapshot_summons(self, d: Decision, inspection: Inspection) -> dict:
        p = self.policy
        name = self.township.name
        meeting_day = self.today + timedelta(days=3)
        meeting_day = _weekday_on_or_after(meeting_day)
        km_start = self.township.key_managed_since if self.township.key_managed else self.today
        weeks = (p.follow_up_after_min_days // 7, p.follow_up_after_max_days // 7)
        return {
            **self._common(
                "summons",
                f"关于对{name}分管负责人进行约谈的通知",
                _addressee(self.township),
                [f"中共{self.county.name}纪律检查委员会、{self.county.name}监察委员会", f"{self.county.name}未保委各成员单位"],
                ["暗查暗访问题清单"],
            ),
            "inspection": self._inspection_snapshot(inspection),
            "findings": self._findings(d.findings),
            "grounds": [g if g.endswith("。") else g + "。" for g in d.grounds],
            "official": self._person(),
            "meeting": {
                "start": datetime.combine(meeting_day, time(9, 30)).strftime("%Y-%m-%dT%H:%M"),
                "place": f"{self.county.authority_name}会议室",
                "host": f"{self.county.name}未保委负责同志",
                "attendees": [f"{name}分管负责人", f"{name}未保工作站负责人"],
                "bring": ["问题整改方案（加盖公章）。", "发现问题涉及的工作台账及整改佐证材料。"],
            },
            "warning": f"对{name}予以预警，预警等级为“{Level.SUMMONS.label}”。",
            "key_management": {
                "start": km_start.isoformat(),
                "ratio": p.key_management_ratio,
                "min_weeks": max(1, p.exit_min_days // 7),
                "follow_up": f"整改期限届满后{weeks[0]}至{weeks[1]}周内由其他督查组不打招呼开展“回头看”",
            },
            "requirements": [
                "高度重视约谈工作，认真分析问题产生的原因，深刻剖析责任。",
                f"立即组织整改，于{d.deadline.year}年{d.deadline.month}月{d.deadline.day}日前完成整改并报送整改报告。",
                "举一反三，全面排查辖区未成年人保护工作薄弱环节，建立长效机制。",
            ],
        }

    def _snapshot_referral(self, d: Decision, inspection: Inspection | None) -> dict:
        name = self.township.name
        person = self._person()
        return {
            **self._common(
                "referral",
                f"关于建议对{name}有关责任人员进行问责的函",
                f"中共{self.county.name}纪律检查委员会、{self.county.name}监察委员会",
                [f"{self.county.name}未保委主任、副主任"],
                ["暗查暗访及整改情况汇总表"],
            ),
            "official": person,
            "grounds": [g if g.endswith("。") else g + "。" for g in d.grounds],
            "history": self._case_history(),
            "findings": self._findings(d.findings),
            "suggestion": f"建议对{name}{person['post']}{person['name']}同志进行问责，并督促{name}限期完成整改。",
        }

    def _case_history(self) -> list[dict]:
        case = self.open_case()
        rows = DecisionRow.objects.filter(township=self.township).select_related("notice").order_by("effective_on", "id")
        if case is not None:
            rows = rows.filter(case=case)
        events = []
        for row in rows:
            label = _history_label(row)
            if label is None:
                continue
            number = row.notice.number_text if row.notice_id and row.notice.number_text else None
            events.append({"date": row.effective_on.isoformat(), "event": label, "number": number})
        return events


def _history_label(row: DecisionRow) -> str | None:
    kind = row.kind
    if kind == DecisionKind.NOTICE.value:
        notice_kind = row.details.get("notice")
        return {
            "rectification": "下发整改通知书",
            "summons": "约谈分管负责人并予以预警",
            "referral": "提出问责建议",
        }.get(notice_kind)
    return {
        DecisionKind.KEY_MANAGEMENT_ENTERED.value: "纳入重点管理",
        DecisionKind.KEY_MANAGEMENT_EXITED.value: "退出重点管理",
        DecisionKind.REMINDER.value: "整改逾期，发出催办提醒",
        DecisionKind.FOLLOW_UP_PASSED.value: "“回头看”通过",
        DecisionKind.FOLLOW_UP_FAILED.value: "“回头看”未通过",
        DecisionKind.RECTIFICATION_CLOSED.value: "整改通过验收",
    }.get(kind)


# --------------------------------------------------------------------------- follow-up inspections


@transaction.atomic
def schedule_follow_up(*, township: Township, case: EscalationCase | None, window: tuple[date, date], excluded, actor=None) -> Inspection:
    """Plan the follow-up (回头看): unannounced, on a weekday of the window, by another team.

    A follow-up still only planned is moved to the new window rather than doubled.
    """
    start, end = window
    weekdays = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    weekdays = [d for d in weekdays if d.weekday() < 5] or [start]
    on = _rng.choice(weekdays)
    county = township.county
    candidates = list(
        Inspector.objects.filter(county=county, active=True)
        .exclude(pk__in=list(excluded))
        .exclude(home_township=township)
        .order_by("pk")
    )
    size = min(max(2, county.team_size), len(candidates))
    team = _rng.sample(candidates, size) if size else []
    checklist = Checklist.objects.filter(county=county).order_by("-version").first()
    if checklist is None:
        raise InspectionError(f"{county.name}尚无检查清单，无法安排“回头看”")
    planned = Inspection.objects.filter(
        township=township, kind=Inspection.Kind.FOLLOW_UP, status=Inspection.Status.PLANNED
    ).first()
    if planned is None:
        planned = Inspection.objects.create(
            county=county,
            township=township,
            kind=Inspection.Kind.FOLLOW_UP,
            follow_up_of=case,
            date=on,
            status=Inspection.Status.PLANNED,
            checklist=checklist,
        )
        action = "follow_up.scheduled"
    else:
        planned.date, planned.follow_up_of, planned.checklist = on, case, checklist
        planned.save(update_fields=["date", "follow_up_of", "checklist"])
        planned.members.all().delete()
        action = "follow_up.rescheduled"
    TeamMember.objects.bulk_create(TeamMember(inspection=planned, inspector=i) for i in team)
    # The day and the team stay on the row only: the audit log is readable by observers.
    record_event(
        action,
        actor=actor,
        obj=planned,
        county=county,
        data={"township": township.code, "window": [start.isoformat(), end.isoformat()], "team_size": len(team)},
    )
    return planned


def _dispatch_follow_ups(county: County, day: date, actor=None) -> int:
    due = Inspection.objects.filter(
        county=county, kind=Inspection.Kind.FOLLOW_UP, status=Inspection.Status.PLANNED, date__lte=day
    )
    count = 0
    for inspection in due.select_related("township").order_by("date", "id"):
        updated = Inspection.objects.filter(pk=inspection.pk, status=Inspection.Status.PLANNED).update(
            status=Inspection.Status.DISPATCHED, dispatched_at=timezone.now()
        )
        if updated:
            record_event("inspection.dispatched", actor=actor, obj=inspection, county=county,
                         data={"township": inspection.township.code, "date": inspection.date.isoformat(),
                               "kind": "follow_up"})
            count += 1
    return count


# --------------------------------------------------------------------------- entry points


def _locked(township: Township) -> Township:
    return Township.objects.select_for_update().select_related("county").get(pk=township.pk)


def _run(township: Township, event, *, today: date, actor, history: TownshipHistory | None = None) -> list[DecisionRow]:
    policy = county_policy(township.county)
    if history is None:
        history = township_history(township)
    decisions = decide(history, event, policy)
    writer = _Writer(township=township, policy=policy, actor=actor, today=today)
    for d in decisions:
        writer.write(d)
    return writer.rows


def _already_applied(inspection: Inspection) -> bool:
    # Read afresh under the township's lock: a concurrent submit may have just applied it.
    return Inspection.objects.filter(pk=inspection.pk, escalated_at__isnull=False).exists()


@transaction.atomic
def apply_inspection_submitted(*, inspection: Inspection, actor=None) -> list[DecisionRow]:
    """Apply the ladder to a submitted inspection. Idempotent: a second call does nothing."""
    inspection = Inspection.objects.select_related("county", "township", "checklist").get(pk=inspection.pk)
    if inspection.status != Inspection.Status.SUBMITTED:
        raise InspectionError("检查尚未提交，不能据此处置")
    township = _locked(inspection.township)
    if _already_applied(inspection):
        return []
    # Dated on the visit's day: a team that submits late over a poor connection shifts no deadline.
    today = inspection.date
    history = township_history(township, exclude=inspection.pk)
    rows = _run(township, InspectionSubmitted(_record_of(inspection), on=today), today=today, actor=actor, history=history)
    Inspection.objects.filter(pk=inspection.pk).update(escalated_at=timezone.now())
    record_event(
        APPLIED_ACTION,
        actor=actor,
        obj=inspection,
        county=inspection.county,
        data={"township": township.code, "decisions": [r.pk for r in rows], "score": inspection.score},
    )
    return rows


@transaction.atomic
def accept_rectification(*, rectification: Rectification, actor=None, on: date | None = None) -> list[DecisionRow]:
    """The commission accepts a rectification (整改验收). Idempotent."""
    township = _locked(rectification.township)
    rectification.refresh_from_db()
    if rectification.state == Rectification.State.ACCEPTED:
        return []
    if rectification.inspection_id is None:
        raise InspectionError("该整改事项未关联检查，无法验收")
    today = on or timezone.localdate()
    return _run(township, RectificationAccepted(rectification.inspection_id, today), today=today, actor=actor)


@transaction.atomic
def conclude_follow_up(*, township: Township, passed: bool, actor=None, on: date | None = None) -> list[DecisionRow]:
    township = _locked(township)
    if not township.key_managed:
        raise InspectionError(f"{township.name}未纳入重点管理，无“回头看”可认定")
    today = on or timezone.localdate()
    return _run(township, FollowUpConcluded(passed=passed, on=today), today=today, actor=actor)


@transaction.atomic
def sweep_township(*, township: Township, as_of: date, actor=None) -> list[DecisionRow]:
    township = _locked(township)
    history = township_history(township, as_of=as_of)
    return _run(township, Sweep(as_of), today=as_of, actor=actor, history=history)


def last_sweep(county: County) -> date | None:
    return County.objects.filter(pk=county.pk).values_list("last_swept_on", flat=True).first()


@dataclass
class SweepReport:
    days: list[date] = field(default_factory=list)
    decisions: list[DecisionRow] = field(default_factory=list)
    dispatched: int = 0


def run_sweep(*, as_of: date | None = None, county: County | None = None, actor=None) -> SweepReport:
    """The daily sweep for one county or all. Days missed since the last run are swept in order,
    each as of its own day, so running late gives the same record as running daily; running a
    day twice adds nothing. Each day commits on its own, so an interrupted run resumes cleanly.
    Callers that may overlap (cron and a hand run) hold `locks.exclusive("sweep")`."""
    as_of = as_of or timezone.localdate()
    report = SweepReport()
    counties = [county] if county is not None else list(County.objects.order_by("code"))
    for c in counties:
        last = last_sweep(c)
        first = as_of if last is None or last >= as_of else last + timedelta(days=1)
        first = max(first, as_of - timedelta(days=MAX_CATCH_UP_DAYS))
        day = first
        while day <= as_of:
            with transaction.atomic():
                townships = Township.objects.filter(county=c).filter(
                    Q(key_managed=True) | Q(rectifications__state__in=OPEN_STATES)
                ).distinct().order_by("code")
                for township in townships:
                    report.decisions += sweep_township(township=township, as_of=day, actor=actor)
                report.dispatched += _dispatch_follow_ups(c, day, actor)
                record_event(SWEPT_ACTION, actor=actor, county=c, data={"as_of": day.isoformat()})
                County.objects.filter(pk=c.pk).filter(Q(last_swept_on__isnull=True) | Q(last_swept_on__lt=day)).update(
                    last_swept_on=day
                )
            report.days.append(day)
            day += timedelta(days=1)
    return report
