"""The ladder's decisions written to the tables, one by one, for one locked township.

For each `scoring.Decision` the `DecisionWriter` applies its effect (`EFFECTS`: level and
key-management columns, rectification rows with deadline, light and reminder, a notice draft,
a follow-up inspection), then stores one `Decision` row and one `escalation.decision` audit
event. The row's columns and the event's payload come from the pure `decision_fields` and
`decision_event_data`, so anything else that records decisions (the load generator) records
exactly the same.

One letter per township and event: when an event calls for several (a rectification notice and
a summons on the same bad inspection), the highest is drafted and carries the others' demands
and due date (`plan`; snapshot MERGED); every notice decision of the event points at it, and
so does the rectification row, so the official signs and reports once.

Notice drafts (`Notice`, state draft, no number) carry a frozen snapshot composed by
`inspection.notices.compose` from values read here and validated against
`inspection.notices.snapshot` before saving. `Notice.official` is the official holding the
township's post that day (the person, so the record follows them to another post);
`Notice.due_on` is the deadline; `Notice.inspection` and `Notice.case` link the letter to what
caused it. Reminders (催办) are decisions and a date on the rectification row, shown by the
townships API; they are not letters.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import date

from django.db.models import Q
from django.utils import timezone

import scoring
from inspection.models import (
    NOTICE_SERIES,
    Decision,
    EscalationCase,
    Finding,
    Inspection,
    Notice,
    Official,
    Post,
    Rectification,
    Township,
)
from inspection.notices import compose
from inspection.notices.snapshot import validate_snapshot
from inspection.services.audit import record_event
from inspection.services.follow_ups import schedule_follow_up
from inspection.services.ladder_history import score_inspection

DECISION_ACTION = "escalation.decision"
# The order in which one event's letters stand for each other: the higher carries the lower.
LETTER_RANK = {scoring.NoticeKind.RECTIFICATION: 0, scoring.NoticeKind.SUMMONS: 1, scoring.NoticeKind.REFERRAL: 2}


def decision_fields(decision: scoring.Decision) -> dict:
    """The columns of a `Decision` row that come from the decision itself."""
    d = decision
    return {
        "kind": d.kind.value,
        "from_level": d.level_from.value if d.level_from else "",
        "to_level": d.level_to.value if d.level_to else "",
        "rule": d.rule,
        "policy_version": d.policy_version,
        "reason": d.reason,
        "details": d.to_dict(),
        "effective_on": d.on,
    }


def decision_event_data(decision: scoring.Decision, *, township: str, notice: int | None,
                        official: int | None) -> dict:
    """The payload of a decision's audit event (`escalation.decision`)."""
    d = decision
    return {
        "township": township,
        "kind": d.kind.value,
        "rule": d.rule,
        "policy_version": d.policy_version,
        "on": d.on.isoformat(),
        "level": [d.level_from.value if d.level_from else "", d.level_to.value] if d.level_to else None,
        "notice": notice,
        "official": official,
        # The reason stays on the decision row (it may quote a finding, and a finding may
        # describe a child); its digest here makes a later edit of the row detectable.
        "reason_sha256": hashlib.sha256(d.reason.encode("utf-8")).hexdigest(),
    }


def current_post(township: Township, on: date | None = None) -> Post | None:
    """The township's post (分管负责人) held on a day; today's when no day is given."""
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


def letterhead(county) -> compose.Letterhead:
    return compose.Letterhead(county=county.name, authority=county.authority_name, doc_prefix=county.doc_prefix)


def place(township: Township) -> compose.Place:
    return compose.Place(code=township.code, name=township.name, street=township.kind == Township.Kind.STREET)


def finding_facts(row: Finding) -> dict:
    return compose.finding(
        area=row.item.area if row.item_id else None,
        item=row.item.text if row.item_id else None,
        severity=row.severity,
        text=row.text,
        location=row.location,
        observed_at=timezone.localtime(row.observed_at) if row.observed_at else None,
    )


def visit_facts(inspection: Inspection | None) -> compose.Visit | None:
    if inspection is None:
        return None
    # As the findings stand: a correction after submission (services/corrections.py) changes it.
    score = score_inspection(inspection=inspection).score
    return compose.Visit(on=inspection.date, score=score, checklist_version=inspection.checklist.version)


def letter_plan(decisions) -> tuple[scoring.Decision, list[scoring.NoticeKind], date | None, tuple] | None:
    """One letter per township and event: the highest letter the event calls for (rectification <
    summons < referral) is the one drafted, and it stands for the others (snapshot, MERGED).
    (lead decision, the kinds it covers, a covered rectification's due date, all their findings);
    None when the event calls for no letter."""
    letters = [d for d in decisions if d.kind is scoring.DecisionKind.NOTICE]
    if not letters:
        return None
    lead = max(letters, key=lambda d: LETTER_RANK[d.notice])
    covers = sorted({d.notice for d in letters} - {lead.notice}, key=LETTER_RANK.__getitem__)
    rect_due = next((d.deadline for d in letters if d.notice is scoring.NoticeKind.RECTIFICATION), None)
    return lead, covers, rect_due, tuple(sorted({f for d in letters for f in d.findings}))


def _update(row, **values) -> None:
    """Set and save just these columns of a row the writer holds."""
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=list(values))


class DecisionWriter:
    """Applies one event's decisions for one township, which the caller has locked (SELECT …
    FOR UPDATE) in the transaction the writes belong to. `rows` collects the decision rows."""

    def __init__(self, *, township: Township, policy: scoring.EscalationPolicy, actor, today: date):
        self.township, self.policy, self.actor, self.today = township, policy, actor, today
        self.county = township.county
        self.post = current_post(township, today)
        self.official: Official | None = self.post.official if self.post else None
        self.rows: list[Decision] = []
        # The event's one letter (`plan`, `draft_notice`); without a plan each notice decision is its own.
        self.letter: Notice | None = None
        self.lead: scoring.Decision | None = None
        self.covers: list[scoring.NoticeKind] = []
        self.rect_due: date | None = None
        self.letter_findings: tuple = ()

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

    def write(self, d: scoring.Decision) -> Decision:
        """Apply `d`'s effect, then record it: the decision row and its audit event."""
        notice = EFFECTS[d.kind](self, d, self.rect_row(d.rectification))
        rect = self.rect_row(d.rectification)
        row = Decision.objects.create(
            township=self.township,
            official=self.official,
            case=rect.case if rect else self.open_case(),
            inspection=self.inspection(d.inspection),
            notice=notice,
            **decision_fields(d),
        )
        record_event(DECISION_ACTION, actor=self.actor, obj=row, county=self.county, data=decision_event_data(
            d, township=self.township.code, notice=notice.pk if notice else None,
            official=self.official.pk if self.official else None,
        ))
        if d.kind is scoring.DecisionKind.LEVEL_CHANGE and d.level_to is scoring.Level.NORMAL:
            self._close_cases(d)
        self.rows.append(row)
        return row

    def _close_cases(self, d: scoring.Decision) -> None:
        for case in EscalationCase.objects.filter(township=self.township, state=EscalationCase.State.OPEN):
            case.state = EscalationCase.State.CLOSED
            case.closed_at = timezone.now()
            case.save(update_fields=["state", "closed_at"])
            record_event("escalation.case_closed", actor=self.actor, obj=case, county=self.county,
                         data={"township": self.township.code, "on": d.on.isoformat()})

    # -- effects, one per decision kind (EFFECTS below) -------------------------------

    def change_level(self, d, rect):
        _update(self.township, level=d.level_to.value)

    def open_rectification(self, d, rect):
        inspection = self.inspection(d.inspection)
        case = self.open_case()
        if case is None:
            case = EscalationCase.objects.create(
                township=self.township, official=self.official, opened_by=inspection, policy_version=d.policy_version
            )
            record_event("escalation.case_opened", actor=self.actor, obj=case, county=self.county,
                         data={"township": self.township.code, "inspection": inspection.pk})
        Rectification.objects.create(case=case, township=self.township, official=self.official,
                                     inspection=inspection, opened_on=d.on, due_on=d.deadline)

    def close_rectification(self, d, rect):
        _update(rect, state=Rectification.State.ACCEPTED, accepted_on=d.on, light="")
        notice = rect.notice
        if notice is not None and notice.state in (
            Notice.State.ISSUED, Notice.State.ACKNOWLEDGED, Notice.State.RESPONDED
        ):
            _update(notice, state=Notice.State.ACCEPTED)

    def escalate_rectification(self, d, rect):
        _update(rect, escalated_on=d.on)

    def set_light(self, d, rect):
        _update(rect, light=d.light.value)

    def remind(self, d, rect):
        _update(rect, reminded_on=d.on)

    def enter_key_management(self, d, rect):
        _update(self.township, key_managed=True, key_managed_since=d.on)

    def exit_key_management(self, d, rect):
        _update(self.township, key_managed=False, key_managed_since=None)

    def want_follow_up(self, d, rect):
        schedule_follow_up(
            township=self.township,
            case=rect.case if rect else self.open_case(),
            window=(d.window_start, d.window_end),
            excluded=[int(i) for i in d.excluded_inspectors],
            actor=self.actor,
        )

    def record_only(self, d, rect):
        """A decision whose row is its whole effect (a follow-up's verdict)."""

    def plan(self, decisions) -> None:
        """One letter per township and event (`letter_plan`)."""
        plan = letter_plan(decisions)
        if plan is not None:
            self.lead, self.covers, self.rect_due, self.letter_findings = plan

    def draft_notice(self, d, rect) -> Notice:
        """The event's one letter: drafted at its first notice decision, in the kind of the highest, and
        composed again at that highest one, so it tells the level, key management and case as they stand."""
        lead = self.lead or d
        if self.letter is None:
            self.letter = self._new_letter(lead, rect)
        elif d is lead:
            _update(self.letter, snapshot=self.letter_snapshot(lead))
        if d.notice is scoring.NoticeKind.RECTIFICATION and rect is not None and rect.notice_id is None:
            rect.notice = self.letter
            rect.save(update_fields=["notice"])
        return self.letter

    def _new_letter(self, lead: scoring.Decision, rect) -> Notice:
        kind = lead.notice
        covers = [k.value for k in self.covers]
        notice = Notice.objects.create(
            county=self.county,
            kind=kind.value,
            series=NOTICE_SERIES[kind.value],
            state=Notice.State.DRAFT,
            township=self.township,
            official=self.official,
            inspection=self.inspection(lead.inspection),
            case=rect.case if rect else self.open_case(),
            snapshot=self.letter_snapshot(lead),
            due_on=lead.deadline or self.rect_due,
        )
        data = {"kind": kind.value, "township": self.township.code, "rule": lead.rule,
                "due_on": str(notice.due_on or "")}
        if covers:
            data["covers"] = covers
        record_event("notice.drafted", actor=self.actor, obj=notice, county=self.county, data=data)
        return notice

    def letter_snapshot(self, lead: scoring.Decision) -> dict:
        if self.covers:
            lead = dataclasses.replace(lead, findings=self.letter_findings)
        snapshot = compose.decision_letter(lead, self.letter_facts(lead, self.inspection(lead.inspection)))
        covers_rect = scoring.NoticeKind.RECTIFICATION in self.covers
        return validate_snapshot(compose.carrying(
            snapshot, covers=[k.value for k in self.covers], rectification_due=self.rect_due if covers_rect else None,
        ))

    # -- what a letter says ---------------------------------------------------------

    def letter_facts(self, d: scoring.Decision, inspection: Inspection | None) -> compose.LetterFacts:
        findings = Finding.objects.filter(pk__in=list(d.findings)).select_related("item").order_by("id")
        official = {"name": self.official.name, "post": self.post.title} if self.official else None
        return compose.LetterFacts(
            letterhead=letterhead(self.county),
            township=place(self.township),
            on=self.today,
            policy=self.policy,
            official=official,
            visit=visit_facts(inspection),
            findings=[finding_facts(r) for r in findings],
            key_managed_since=self.township.key_managed_since if self.township.key_managed else None,
            history=self.case_history() if d.notice is scoring.NoticeKind.REFERRAL else [],
        )

    def case_history(self) -> list[dict]:
        """The open case so far (the township's whole record when none is open), as a referral tells it."""
        case = self.open_case()
        rows = Decision.objects.filter(township=self.township).select_related("notice").order_by("effective_on", "id")
        if case is not None:
            rows = rows.filter(case=case)
        events = (
            compose.history_event(on=row.effective_on, decision_kind=row.kind, notice_kind=row.details.get("notice"),
                                  number=row.notice.number_text if row.notice_id else None)
            for row in rows
        )
        return [e for e in events if e is not None]


# Each decision kind's effect on the tables; a kind missing here is a KeyError, not a silent skip.
EFFECTS: dict[scoring.DecisionKind, Callable[[DecisionWriter, scoring.Decision, Rectification | None], Notice | None]] = {
    scoring.DecisionKind.LEVEL_CHANGE: DecisionWriter.change_level,
    scoring.DecisionKind.RECTIFICATION_OPENED: DecisionWriter.open_rectification,
    scoring.DecisionKind.RECTIFICATION_CLOSED: DecisionWriter.close_rectification,
    scoring.DecisionKind.RECTIFICATION_ESCALATED: DecisionWriter.escalate_rectification,
    scoring.DecisionKind.NOTICE: DecisionWriter.draft_notice,
    scoring.DecisionKind.KEY_MANAGEMENT_ENTERED: DecisionWriter.enter_key_management,
    scoring.DecisionKind.KEY_MANAGEMENT_EXITED: DecisionWriter.exit_key_management,
    scoring.DecisionKind.FOLLOW_UP_WANTED: DecisionWriter.want_follow_up,
    scoring.DecisionKind.FOLLOW_UP_PASSED: DecisionWriter.record_only,
    scoring.DecisionKind.FOLLOW_UP_FAILED: DecisionWriter.record_only,
    scoring.DecisionKind.LIGHT: DecisionWriter.set_light,
    scoring.DecisionKind.REMINDER: DecisionWriter.remind,
}
