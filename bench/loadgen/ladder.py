"""The sanction ladder in memory: `scoring.step` for each event, and each decision's effect on
the county's rows as the escalation service applies it to the tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bench.loadgen.bulk import SYSTEM
from inspection.models import (
    Decision,
    EscalationCase,
    Inspection,
    Notice,
    Rectification,
)
from inspection.services import ladder_writer
from scoring import DecisionKind, Level, step

if TYPE_CHECKING:
    from bench.loadgen.county import Town

# Rectification reports: on time, a little late (red light and reminder), or very late
# (escalated more than 15 days after the reminder).
REPORT_ON_TIME, REPORT_LATE = 0.80, 0.14


class LadderPlay:
    """The ladder's part of `CountyPlay`."""

    def apply(self, town: Town, event, day: date, actor: str = SYSTEM) -> list[Decision]:
        history, decisions = step(town.history, event, self.policy)
        # Keep what `escalation.township_history` would read back: the inspections since entry
        # into key management, none outside it.
        km = history.key_management
        kept = tuple(i for i in history.inspections if km is not None and i.on >= km.since)
        town.history = replace(history, inspections=kept)
        self.plan_letters(town, decisions)
        return [self.write(town, d, day, actor) for d in decisions]

    def plan_letters(self, town: Town, decisions) -> None:
        """One letter per township and event, as `ladder_writer.DecisionWriter.plan`."""
        town.letter_plan, town.letter = ladder_writer.letter_plan(decisions), None

    def write(self, town: Town, d, day: date, actor: str) -> Decision:
        """`ladder_writer.DecisionWriter.write`, into memory: the effect, then the decision row and
        its audit event, both from the writer's own pure `decision_fields` and `decision_event_data`."""
        rect = town.rects.get(d.rectification) if d.rectification is not None else None
        notice = EFFECTS[d.kind](self, town, d, rect, day, actor)
        rect = town.rects.get(d.rectification) if d.rectification is not None else None
        row = town.row
        inspection = self.inspections.get(d.inspection) if isinstance(d.inspection, int) else None
        if inspection is not None and inspection.township_id != row.pk:
            inspection = None
        decision = Decision(
            id=self.key(Decision), township=row, official=town.official, case=rect.case if rect is not None else town.case,
            inspection=inspection, notice=notice, created_at=self.at(day, 18), **ladder_writer.decision_fields(d),
        )
        self.decision_rows.append(decision)
        town.decisions.append(decision)
        self.audit.add(ladder_writer.DECISION_ACTION, actor=actor, obj=decision, county=self.code,
                       data=ladder_writer.decision_event_data(
                           d, township=row.code, notice=notice.pk if notice else None,
                           official=town.official.pk if town.official else None))
        if d.kind is DecisionKind.LEVEL_CHANGE and d.level_to is Level.NORMAL and town.case is not None:
            case = town.case
            case.state, case.closed_at = EscalationCase.State.CLOSED, self.at(day, 18)
            self.audit.add("escalation.case_closed", actor=actor, obj=case, county=self.code,
                           data={"township": row.code, "on": d.on.isoformat()})
            town.case = None
        return decision

    # -- effects in memory, one per decision kind (EFFECTS below) -------------------------

    def change_level(self, town: Town, d, rect, day: date, actor: str) -> None:
        town.row.level = d.level_to.value

    def close_rectification(self, town: Town, d, rect, day: date, actor: str) -> None:
        rect.state, rect.accepted_on, rect.light = Rectification.State.ACCEPTED, d.on, ""
        if rect.notice is not None and rect.notice.state in (
            Notice.State.ISSUED, Notice.State.ACKNOWLEDGED, Notice.State.RESPONDED
        ):
            rect.notice.state = Notice.State.ACCEPTED

    def escalate_rectification(self, town: Town, d, rect, day: date, actor: str) -> None:
        rect.escalated_on = d.on

    def set_light(self, town: Town, d, rect, day: date, actor: str) -> None:
        rect.light = d.light.value

    def remind(self, town: Town, d, rect, day: date, actor: str) -> None:
        rect.reminded_on = d.on

    def enter_key_management(self, town: Town, d, rect, day: date, actor: str) -> None:
        town.row.key_managed, town.row.key_managed_since = True, d.on

    def exit_key_management(self, town: Town, d, rect, day: date, actor: str) -> None:
        town.row.key_managed, town.row.key_managed_since = False, None

    def record_only(self, town: Town, d, rect, day: date, actor: str) -> None:
        """A decision whose row is its whole effect (a follow-up's verdict)."""

    def open_rectification(self, town: Town, d, rect, day: date, actor: str) -> None:
        inspection = self.inspections[d.inspection]
        if town.case is None:
            town.case = EscalationCase(id=self.key(EscalationCase), township=town.row, official=town.official, opened_by=inspection,
                                       policy_version=d.policy_version, opened_at=self.at(day, 18))
            self.cases.append(town.case)
            self.audit.add("escalation.case_opened", actor=actor, obj=town.case, county=self.code,
                           data={"township": town.row.code, "inspection": inspection.pk})
        rect = Rectification(id=self.key(Rectification), case=town.case, township=town.row, official=town.official, inspection=inspection,
                             opened_on=d.on, due_on=d.deadline)
        town.rects[inspection.pk] = rect
        self.rect_rows.append(rect)
        # When the township reports, and when the office accepts: mostly on time.
        span = max(1, (d.deadline - d.on).days)
        luck = self.rng.random()
        if luck < REPORT_ON_TIME:
            report = d.on + timedelta(days=self.rng.randint(max(1, span // 3), span))
        elif luck < REPORT_ON_TIME + REPORT_LATE:
            report = d.deadline + timedelta(days=self.rng.randint(2, 12))
        else:
            report = d.deadline + timedelta(days=self.rng.randint(20, 45))
        self.later[report].append(lambda: self.report(town, rect, report))

    def schedule_follow_up(self, town: Town, d, rect, day: date, actor: str) -> None:
        start, end = d.window_start, d.window_end
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        on = self.rng.choice([x for x in days if x.weekday() < 5] or [start])
        excluded = {int(i) for i in d.excluded_inspectors}
        candidates = [i for i in self.inspectors if i.pk not in excluded and i.home_township_id != town.row.pk]
        team = self.rng.sample(candidates, min(max(2, self.county.team_size), len(candidates)))
        case = rect.case if rect is not None else town.case
        if town.follow_up is None:
            inspection = self.new_inspection(town, on, team, kind=Inspection.Kind.FOLLOW_UP, case=case,
                                             created_at=self.at(day, 18))
            town.follow_up = inspection
            action = "follow_up.scheduled"
        else:
            inspection = town.follow_up
            inspection.date, inspection.follow_up_of = on, case
            self.team_of[inspection.pk] = team
            action = "follow_up.rescheduled"
        self.audit.add(action, actor=actor, obj=inspection, county=self.code, data={
            "township": town.row.code, "window": [start.isoformat(), end.isoformat()], "team_size": len(team),
        })


# Each decision kind's effect in memory, as `ladder_writer.EFFECTS` has it on the tables.
EFFECTS = {
    DecisionKind.LEVEL_CHANGE: LadderPlay.change_level,
    DecisionKind.RECTIFICATION_OPENED: LadderPlay.open_rectification,
    DecisionKind.RECTIFICATION_CLOSED: LadderPlay.close_rectification,
    DecisionKind.RECTIFICATION_ESCALATED: LadderPlay.escalate_rectification,
    DecisionKind.NOTICE: lambda play, town, d, rect, day, actor: play.draft_notice(town, d, rect, day, actor),
    DecisionKind.KEY_MANAGEMENT_ENTERED: LadderPlay.enter_key_management,
    DecisionKind.KEY_MANAGEMENT_EXITED: LadderPlay.exit_key_management,
    DecisionKind.FOLLOW_UP_WANTED: LadderPlay.schedule_follow_up,
    DecisionKind.FOLLOW_UP_PASSED: LadderPlay.record_only,
    DecisionKind.FOLLOW_UP_FAILED: LadderPlay.record_only,
    DecisionKind.LIGHT: LadderPlay.set_light,
    DecisionKind.REMINDER: LadderPlay.remind,
}
