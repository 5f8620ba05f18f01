"""Letters in memory: composed by `inspection.notices.compose` from the facts the escalation
service reads from the tables, issued with gap-free numbers, acknowledged, answered and
accepted; the weekly circular."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

import rotation
from inspection.models import (
    NOTICE_SERIES,
    County,
    Finding,
    Inspection,
    Notice,
    NoticeCounter,
    NoticeResponse,
    Rectification,
)
from inspection.notices import compose
from inspection.notices.numbering import format_number
from inspection.notices.snapshot import validate_snapshot
from inspection.services import ladder_writer, notices
from inspection.services.notices import VERIFY_ALPHABET, VERIFY_LENGTH
from scoring import NoticeKind, RectificationAccepted

if TYPE_CHECKING:
    from bench.loadgen.county import Town

def circular_snapshot(*, county: County, week: str, inspections: list[Inspection], counting: dict[int, list[Finding]],
                      today: date, team_of: dict[int, list] | None = None) -> dict:
    """`services.notices.circular_snapshot` from rows in memory: the same builder, fed the week's
    inspections and the findings that count without a query each."""
    start = rotation.parse_week(week)
    ranked = sorted(inspections, key=lambda i: (-(i.score or 0), i.date, i.township.code))
    return notices.build_circular_snapshot(county=county, start=start, end=start + timedelta(days=6), today=today,
                                           inspections=ranked, findings_of=lambda i: counting[i.pk],
                                           team_of=(lambda i: tuple(sorted(m.pk for m in team_of[i.pk])))
                                           if team_of is not None else None)



class LetterPlay:
    """The letters' part of `CountyPlay`."""

    def letter_facts(self, town: Town, d, inspection: Inspection | None, day: date) -> compose.LetterFacts:
        """What `ladder_writer.DecisionWriter.letter_facts` reads from the tables, from memory."""
        history = []
        if d.notice is NoticeKind.REFERRAL:
            events = (
                compose.history_event(on=r.effective_on, decision_kind=r.kind, notice_kind=r.details.get("notice"),
                                      number=r.notice.number_text if r.notice is not None else None)
                for r in town.decisions if town.case is None or r.case is town.case
            )
            history = [e for e in events if e is not None]
        row = town.row
        return compose.LetterFacts(
            letterhead=ladder_writer.letterhead(self.county), township=ladder_writer.place(row), on=day,
            policy=self.policy,
            official={"name": town.official.name, "post": town.post.title} if town.official else None,
            visit=ladder_writer.visit_facts(inspection),
            findings=[ladder_writer.finding_facts(self.finding_rows[i]) for i in sorted(d.findings)],
            key_managed_since=row.key_managed_since if row.key_managed else None, history=history,
        )

    def take_number(self, series: str, year: int) -> int:
        key = (series, year)
        if key not in self.counters:
            row = NoticeCounter.objects.select_for_update().filter(county=self.county, series=series, year=year).first()
            self.counters[key] = row.last_number if row else 0
        self.counters[key] += 1
        return self.counters[key]

    def issue(self, notice: Notice, day: date) -> None:
        """`services.notices.issue_notice` without the PDF: number, code, state, the same day."""
        series = notice.series
        n = self.take_number(series, day.year)
        notice.year, notice.number = day.year, n
        notice.number_text = format_number(prefix=self.county.doc_prefix, series=series, year=day.year, n=n)
        notice.verify_code = "".join(self.rng.choice(VERIFY_ALPHABET) for _ in range(VERIFY_LENGTH))
        notice.state = Notice.State.ISSUED
        notice.issued_at = self.at(day, 19)
        notice.issued_by = self.commission
        self.audit.add("notice.issued", actor=self.commission.username, obj=notice, county=self.code, data={
            "kind": notice.kind, "number": notice.number_text, "sha256": "",
            "township": notice.township.code if notice.township else None, "official": notice.official_id,
        })

    def draft_notice(self, town: Town, d, rect, day: date, actor: str) -> Notice:
        """`DecisionWriter.draft_notice`: the event's one letter, in the kind of its highest, composed
        once (production composes it again at the highest; the load's letters need not say more)."""
        if town.letter is not None:
            if d.notice is NoticeKind.RECTIFICATION and rect is not None and rect.notice is None:
                rect.notice = town.letter
            if day < self.drafts_from:
                # The draws the letter no longer issued would have taken for its code: the seeded world
                # (visits, findings, lateness) stays the one the benchmarks' anchors were measured on.
                for _ in range(VERIFY_LENGTH):
                    self.rng.choice(VERIFY_ALPHABET)
            return town.letter
        lead, covers, rect_due, findings = town.letter_plan or (d, [], None, d.findings)
        if covers:
            lead = replace(lead, findings=findings)
        kind = lead.notice
        inspection = self.inspections.get(lead.inspection) if isinstance(lead.inspection, int) else None
        snapshot = validate_snapshot(compose.carrying(
            compose.decision_letter(lead, self.letter_facts(town, lead, inspection, day)),
            covers=[k.value for k in covers],
            rectification_due=rect_due if NoticeKind.RECTIFICATION in covers else None,
        ))
        notice = Notice(
            id=self.key(Notice), county=self.county, kind=kind.value, series=NOTICE_SERIES[kind.value], state=Notice.State.DRAFT,
            township=town.row, official=town.official, inspection=inspection,
            case=rect.case if rect is not None else town.case, snapshot=snapshot, due_on=lead.deadline or rect_due,
            created_at=self.at(day, 18),
        )
        self.notices.append(notice)
        town.letter = notice
        if d.notice is NoticeKind.RECTIFICATION and rect is not None and rect.notice is None:
            rect.notice = notice
        data = {"kind": kind.value, "township": town.row.code, "rule": lead.rule, "due_on": str(notice.due_on or "")}
        if covers:
            data["covers"] = [k.value for k in covers]
        self.audit.add("notice.drafted", actor=actor, obj=notice, county=self.code, data=data)
        if day < self.drafts_from:
            self.issue(notice, day)
            if kind.value != "referral":
                self.later[day + timedelta(days=1)].append(lambda: self.acknowledge(town, notice, day + timedelta(days=1)))
        return notice

    def acknowledge(self, town: Town, notice: Notice, day: date) -> None:
        if notice.state != Notice.State.ISSUED:
            return
        notice.state = Notice.State.ACKNOWLEDGED
        notice.delivered_at = notice.acknowledged_at = self.at(day, 9, 15)
        notice.acknowledged_by = town.official.user
        self.audit.add("notice.acknowledged", actor=town.official.user.username, obj=notice, county=self.code,
                       data={"number": notice.number_text})

    def report(self, town: Town, rect: Rectification, day: date) -> None:
        notice = rect.notice
        if notice is not None and notice.state == Notice.State.ISSUED:
            self.acknowledge(town, notice, day)  # signed for on the day the report goes in
        if rect.state != Rectification.State.OPEN or notice is None or notice.state != Notice.State.ACKNOWLEDGED:
            return
        response = NoticeResponse(
            id=self.key(NoticeResponse), notice=notice, official=town.official, text="已对照问题清单逐项完成整改，建立长效机制，现报送整改报告。",
            submitted_at=self.at(day, 15), submitted_by=town.official.user,
        )
        self.responses.append(response)
        notice.state = Notice.State.RESPONDED
        rect.state = Rectification.State.REPORTED
        self.audit.add("notice.response_filed", actor=town.official.user.username, obj=response, county=self.code,
                       data={"notice": notice.pk, "number": notice.number_text, "attachments": []})
        accept = day + timedelta(days=self.rng.randint(1, 3))
        self.later[accept].append(lambda: self.accept(town, rect, response, accept))

    def accept(self, town: Town, rect: Rectification, response: NoticeResponse, day: date) -> None:
        notice = rect.notice
        response.state = NoticeResponse.State.ACCEPTED
        response.reviewed_at, response.reviewed_by = self.at(day, 10), self.commission
        notice.state = Notice.State.ACCEPTED
        self.audit.add("notice.response_accepted", actor=self.commission.username, obj=response, county=self.code,
                       data={"notice": notice.pk, "number": notice.number_text})
        self.apply(town, RectificationAccepted(rect.inspection.pk, day), day, actor=self.commission.username)

    def circular(self, monday: date, day: date) -> None:
        week = rotation.week_label(monday)
        done = [i for offset in range(7) for i in self.by_day.get(monday + timedelta(days=offset), ())
                if i.status == Inspection.Status.SUBMITTED]
        snapshot = circular_snapshot(county=self.county, week=week, inspections=done, counting=self.counting, today=day,
                                      team_of=self.team_of)
        notice = Notice(id=self.key(Notice), county=self.county, kind="circular", series=NOTICE_SERIES["circular"], snapshot=snapshot,
                        created_at=self.at(day, 9))
        self.notices.append(notice)
        self.audit.add("notice.drafted", actor=self.commission.username, obj=notice, county=self.code,
                       data={"kind": "circular", "week": week, "inspections": len(done)})
        self.issue(notice, day)

