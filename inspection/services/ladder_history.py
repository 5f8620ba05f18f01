"""What the sanction ladder reads from the tables: a county's policy, the findings that count,
an inspection's score, and a township's history as `scoring.TownshipHistory`.

Reads only; the escalation service applies the ladder's answer (`services.escalation`,
`services.ladder_writer`).
"""

from __future__ import annotations

import dataclasses
from datetime import date

import privacy
import scoring
from inspection.errors import InspectionError
from inspection.models import County, Decision, Finding, Inspection, Notice, Rectification, TeamMember, Township

OPEN_STATES = (Rectification.State.OPEN, Rectification.State.REPORTED)


def county_policy(county: County) -> scoring.EscalationPolicy:
    """The county's rules: its stored version, or v1. The draw ratio is the county's setting."""
    try:
        policy = scoring.EscalationPolicy.from_dict(county.policy) if county.policy else scoring.DEFAULT_POLICY
    except (scoring.PolicyError, TypeError) as exc:
        raise InspectionError(f"{county.name}的问责规则配置有误：{exc}") from None
    if county.key_ratio != policy.key_management_ratio:
        policy = dataclasses.replace(policy, key_management_ratio=county.key_ratio)
    return policy


def effective_findings(inspection: Inspection) -> list[Finding]:
    """Findings as they stand: one that was corrected counts only through its correction."""
    return list(
        inspection.findings.filter(corrections__isnull=True).select_related("item").order_by("id")
    )


def _title(row: Finding) -> str:
    if row.item_id:
        return row.item.text
    # Masked before it is cut: the title travels into decisions' reasons, the ledger and letters,
    # and a half-cut ID number would no longer be recognised.
    text = privacy.mask(" ".join(row.text.split()))
    return text if len(text) <= 40 else text[:39] + "…"


def to_scoring(rows: list[Finding]) -> tuple[scoring.Finding, ...]:
    return tuple(
        scoring.Finding(id=r.pk, severity=r.severity, item_id=str(r.item_id) if r.item_id else None, title=_title(r))
        for r in rows
    )


def score_inspection(*, inspection: Inspection) -> scoring.ScoreResult:
    policy = county_policy(inspection.county)
    return scoring.score_findings(to_scoring(effective_findings(inspection)), policy.scoring)


def team_of(inspection_id: int) -> tuple[str, ...]:
    return tuple(
        str(i) for i in TeamMember.objects.filter(inspection_id=inspection_id).order_by("inspector_id").values_list(
            "inspector_id", flat=True
        )
    )


def record_of(inspection: Inspection) -> scoring.InspectionRecord:
    return scoring.InspectionRecord(
        id=inspection.pk,
        on=inspection.date,
        findings=to_scoring(effective_findings(inspection)),
        inspectors=team_of(inspection.pk),
        follow_up=inspection.kind == Inspection.Kind.FOLLOW_UP,
    )


def _open_rectifications(township: Township, decisions, as_of: date | None) -> tuple[scoring.Rectification, ...]:
    rows = Rectification.objects.filter(township=township, state__in=OPEN_STATES, inspection__isnull=False)
    if as_of is not None:
        rows = rows.filter(opened_on__lte=as_of)
    rects = []
    for row in rows.order_by("due_on", "id"):
        escalations = list(
            decisions.filter(kind=scoring.DecisionKind.RECTIFICATION_ESCALATED.value, inspection_id=row.inspection_id)
            .order_by("effective_on", "id")
            .values_list("effective_on", "details")
        )
        rects.append(scoring.Rectification(
            key=row.inspection_id,
            opened_on=row.opened_on or row.due_on,
            due=row.due_on,
            findings=tuple(f.pk for f in effective_findings(row.inspection)),
            inspectors=team_of(row.inspection_id),
            light=scoring.Light(row.light or "none"),
            reminded_on=row.reminded_on,
            escalated_on=tuple(on for on, _ in escalations),
            referred=any(details.get("notice") == scoring.NoticeKind.REFERRAL.value for _, details in escalations),
        ))
    return tuple(rects)


def _follow_up(decisions, since: date) -> scoring.FollowUp | None:
    """The follow-up asked for since the township entered key management, if any."""
    wanted = (
        decisions.filter(kind=scoring.DecisionKind.FOLLOW_UP_WANTED.value, effective_on__gte=since)
        .order_by("-effective_on", "-id")
        .first()
    )
    if wanted is None:
        return None
    d = wanted.details
    passed = (
        decisions.filter(kind=scoring.DecisionKind.FOLLOW_UP_PASSED.value, id__gt=wanted.id)
        .order_by("id")
        .values_list("effective_on", flat=True)
        .first()
    )
    return scoring.FollowUp(
        rectification=d.get("rectification"),
        window_start=date.fromisoformat(d["window_start"]),
        window_end=date.fromisoformat(d["window_end"]),
        excluded_inspectors=tuple(d.get("excluded_inspectors") or ()),
        passed_on=passed,
    )


def _inspections_since(township: Township, since: date, as_of: date | None, exclude: int | None):
    submitted = Inspection.objects.filter(
        township=township, status=Inspection.Status.SUBMITTED, date__gte=since
    ).order_by("date", "id")
    if as_of is not None:
        submitted = submitted.filter(date__lte=as_of)
    if exclude is not None:
        submitted = submitted.exclude(pk=exclude)
    return tuple(record_of(i) for i in submitted)


def township_history(township: Township, *, as_of: date | None = None, exclude: int | None = None
                     ) -> scoring.TownshipHistory:
    """The ladder's view of a township, read from the tables (as of a day, for a sweep)."""
    decisions = Decision.objects.filter(township=township)
    if as_of is not None:
        decisions = decisions.filter(effective_on__lte=as_of)
    summons = tuple(
        # By the decision, not the letter's kind: a summons carried by the same event's referral is a summons.
        decisions.filter(kind=scoring.DecisionKind.NOTICE.value, details__notice=scoring.NoticeKind.SUMMONS.value)
        .exclude(notice__state=Notice.State.VOID)
        .order_by("effective_on")
        .values_list("effective_on", flat=True)
    )
    km, inspections = None, ()
    if township.key_managed:
        since = township.key_managed_since
        km = scoring.KeyManagement(since=since, follow_up=_follow_up(decisions, since))
        inspections = _inspections_since(township, since, as_of, exclude)
    return scoring.TownshipHistory(
        township=township.code,
        level=scoring.Level(township.level),
        key_management=km,
        rectifications=_open_rectifications(township, decisions, as_of),
        summons=summons,
        inspections=inspections,
    )
