"""A finding corrected after submission, and the ladder honouring it (issue 15).

The team corrects its own findings until it submits (`inspections.correct_finding`). After that a
correction is the commission's (an objection upheld, or a mistake found on review), by the same
path: a new finding that names the one it corrects and says why; the corrected one stays on record.

    correct_submitted_finding(finding=, actor=, data=, reason=) -> Finding
    reevaluate_inspection(inspection=, actor=) -> str | None

The ladder reads findings as they stand (`ladder_history.effective_findings`), so the open
rectification and every later decision already count the correction. What the inspection's own
event decided is looked at again: the score is computed anew (the submitted one stays frozen on the
inspection, the letters quote the corrected one), and its letter, while still a draft,
is composed again as the corrected record calls for (a summons no longer warranted becomes the
rectification notice it carried). An issued letter is not rewritten: the re-evaluation is audited
with the letter the corrected record calls for, for the commission to withdraw or keep.
"""

from __future__ import annotations

from django.db import transaction

import scoring
from inspection.errors import Conflict
from inspection.models import NOTICE_SERIES, Finding, Inspection, Notice, Township
from inspection.services.audit import record_event
from inspection.services.inspections import FindingData, append_correction
from inspection.services.ladder_history import county_policy, record_of, score_inspection, township_history
from inspection.services.ladder_writer import DecisionWriter, letter_plan
from inspection.services.notices import require_commission

REEVALUATED = "escalation.reevaluated"


@transaction.atomic
def correct_submitted_finding(*, finding: Finding, actor, data: FindingData, reason: str) -> Finding:
    """The commission's correction of a submitted inspection's finding; the ladder re-evaluated."""
    Township.objects.select_for_update().filter(pk=finding.inspection.township_id).first()
    inspection = Inspection.objects.select_for_update(of=("self",)).select_related("county").get(pk=finding.inspection_id)
    require_commission(actor, inspection.county)
    if inspection.status != Inspection.Status.SUBMITTED:
        raise Conflict("本次检查尚未提交，问题由督查组自行更正")
    correction = append_correction(inspection=inspection, finding=finding, actor=actor, data=data, reason=reason,
                                   audit={"after_submission": True})
    reevaluate_inspection(inspection=inspection, actor=actor)
    return correction


def reevaluate_inspection(*, inspection: Inspection, actor) -> str | None:
    """The inspection's score and letter as its findings now stand; returns the letter kind the
    corrected record calls for (None: no letter). Call inside the caller's transaction."""
    # The submitted score stays on the inspection (the database freezes it with the record); the
    # corrected one is what the ladder and the letters now read, and the audit event states it.
    score = score_inspection(inspection=inspection)
    township = Township.objects.select_related("county").get(pk=inspection.township_id)
    # What the event would decide today, on the history before it (its own decisions aside).
    history = township_history(township, exclude=inspection.pk)
    policy = county_policy(township.county)
    decisions = scoring.decide(history, scoring.InspectionSubmitted(record_of(inspection), on=inspection.date), policy)
    plan = letter_plan(decisions)
    warranted = plan[0].notice.value if plan else None
    letters = Notice.objects.filter(inspection=inspection).exclude(kind=scoring.NoticeKind.CIRCULAR.value)
    rewritten = []
    # Only the letter of the inspection's own event (dated on the visit day); a sweep's later letter
    # rests on the deadline missed, which the correction does not change.
    own = letters.filter(state=Notice.State.DRAFT, decisions__effective_on=inspection.date).distinct()
    for notice in own.order_by("id"):
        _recompose(notice, township=township, policy=policy, decisions=decisions, actor=actor)
        rewritten.append(notice.pk)
    record_event(REEVALUATED, actor=actor, obj=inspection, county=township.county, data={
        "township": township.code, "score": score.score, "warranted": warranted, "rewritten": rewritten,
        "letters": {str(n.pk): n.kind for n in letters.exclude(state=Notice.State.VOID)},
    })
    return warranted


def _recompose(notice: Notice, *, township, policy, decisions, actor) -> None:
    """A draft composed again from the corrected record, in the kind it now calls for."""
    writer = DecisionWriter(township=township, policy=policy, actor=actor, today=notice.inspection.date)
    writer.plan(decisions)
    if writer.lead is None:
        return  # nothing warranted any more: the draft stays for the commission to void with a reason
    kind = writer.lead.notice.value
    Notice.objects.filter(pk=notice.pk).update(
        kind=kind, series=NOTICE_SERIES[kind], snapshot=writer.letter_snapshot(writer.lead),
        due_on=writer.lead.deadline or writer.rect_due,
    )
    notice.refresh_from_db()
