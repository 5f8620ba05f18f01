"""The sanction ladder applied to the database: the entry points.

The rules are pure and live in `scoring.ladder`; this module reads a township's history from the
tables (`ladder_history`), asks the ladder for its decisions, and has the `DecisionWriter`
(`ladder_writer`) apply them in the same transaction: level and key-management columns,
rectification rows (deadline, light, reminder), one `Decision` row and one audit event per
decision, notice drafts and follow-up inspections (`follow_ups`). Each township is locked
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

The letters' snapshots are described once, in `inspection.notices.snapshot`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

import scoring
from inspection.errors import InspectionError
from inspection.models import County, Decision, Inspection, Rectification, Township
from inspection.services.audit import record_event
from inspection.services.coverage_summary import refresh_coverage
from inspection.services.follow_ups import dispatch_follow_ups
from inspection.services.ladder_history import (
    OPEN_STATES,
    county_policy,
    record_of,
    score_inspection,
    township_history,
)
from inspection.services.ladder_writer import DecisionWriter
from inspection.services.outbox import remind_deadlines

__all__ = [
    "accept_rectification", "apply_inspection_submitted", "conclude_follow_up", "county_policy", "last_sweep",
    "run_sweep", "score_inspection", "sweep_township", "township_history",
]

APPLIED_ACTION = "escalation.inspection_applied"
SWEPT_ACTION = "escalation.swept"
MAX_CATCH_UP_DAYS = 400


# --------------------------------------------------------------------------- entry points


def _locked(township: Township) -> Township:
    return Township.objects.select_for_update().select_related("county").get(pk=township.pk)


def _run(township: Township, event, *, today: date, actor, history: scoring.TownshipHistory | None = None
         ) -> list[Decision]:
    policy = county_policy(township.county)
    if history is None:
        history = township_history(township)
    decisions = scoring.decide(history, event, policy)
    writer = DecisionWriter(township=township, policy=policy, actor=actor, today=today)
    writer.plan(decisions)
    for d in decisions:
        writer.write(d)
    if writer.rows:  # a level, key management, a rectification or its light: the dashboard's row
        refresh_coverage(township=township)
    return writer.rows


def _already_applied(inspection: Inspection) -> bool:
    # Read afresh under the township's lock: a concurrent submit may have just applied it.
    return Inspection.objects.filter(pk=inspection.pk, escalated_at__isnull=False).exists()


@transaction.atomic
def apply_inspection_submitted(*, inspection: Inspection, actor=None) -> list[Decision]:
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
    rows = _run(township, scoring.InspectionSubmitted(record_of(inspection), on=today), today=today, actor=actor, history=history)
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
def accept_rectification(*, rectification: Rectification, actor=None, on: date | None = None) -> list[Decision]:
    """The commission accepts a rectification (整改验收). Idempotent."""
    township = _locked(rectification.township)
    rectification.refresh_from_db()
    if rectification.state == Rectification.State.ACCEPTED:
        return []
    if rectification.inspection_id is None:
        raise InspectionError("该整改事项未关联检查，无法验收")
    today = on or timezone.localdate()
    return _run(township, scoring.RectificationAccepted(rectification.inspection_id, today), today=today, actor=actor)


@transaction.atomic
def conclude_follow_up(*, township: Township, passed: bool, actor=None, on: date | None = None) -> list[Decision]:
    township = _locked(township)
    if not township.key_managed:
        raise InspectionError(f"{township.name}未纳入重点管理，无“回头看”可认定")
    today = on or timezone.localdate()
    return _run(township, scoring.FollowUpConcluded(passed=passed, on=today), today=today, actor=actor)


@transaction.atomic
def sweep_township(*, township: Township, as_of: date, actor=None) -> list[Decision]:
    township = _locked(township)
    history = township_history(township, as_of=as_of)
    return _run(township, scoring.Sweep(as_of), today=as_of, actor=actor, history=history)


def last_sweep(county: County) -> date | None:
    return County.objects.filter(pk=county.pk).values_list("last_swept_on", flat=True).first()


@dataclass
class SweepReport:
    days: list[date] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
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
                report.dispatched += dispatch_follow_ups(county=c, day=day, actor=actor)
                record_event(SWEPT_ACTION, actor=actor, county=c, data={"as_of": day.isoformat()})
                County.objects.filter(pk=c.pk).filter(Q(last_swept_on__isnull=True) | Q(last_swept_on__lt=day)).update(
                    last_swept_on=day
                )
            report.days.append(day)
            day += timedelta(days=1)
        remind_deadlines(county=c, today=as_of)
    return report
