"""One county's weeks played forward in memory (draws, the field, the daily sweep), then written
in bulk. The ladder's writes and the letters are in `ladder` and `letters`."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

import rotation
from bench.loadgen.bulk import AuditBatch, Ids, insert, submit_all
from bench.loadgen.ladder import LadderPlay
from bench.loadgen.letters import LetterPlay
from inspection.models import (
    Checklist,
    County,
    Decision,
    Draw,
    EscalationCase,
    Finding,
    Inspection,
    Inspector,
    Notice,
    NoticeCounter,
    NoticeResponse,
    Official,
    Post,
    Rectification,
    SeedPeriod,
    TeamMember,
    Township,
)
from inspection.services import draws, escalation, ladder_history
from scoring import (
    InspectionRecord,
    InspectionSubmitted,
    Sweep,
    TownshipHistory,
    score_findings,
)

# Findings: the chance that one checklist item fails on a visit, by the item's severity, for a
# township of average diligence (each township draws a factor between 0.3 and 2.2).
FAIL_RATE = {"minor": 0.10, "major": 0.045, "critical": 0.006}
FOLLOW_UP_FACTOR = 0.5  # a township under a follow-up has mostly put things right
OTHER_PROBLEM_RATE = 0.05
CORRECTION_RATE = 0.02

LOCATIONS = ["乡镇未保工作站", "村儿童之家", "中心小学", "民政办", "社区服务中心", ""]
OTHER_PROBLEMS = [
    ("未保工作站值班表未公示", "minor"),
    ("救助热线张贴位置不醒目，群众知晓率低", "minor"),
    ("儿童之家安全设施存在隐患，未及时整改", "major"),
]
PROBLEM_SUFFIXES = ["未落实到位", "工作台账缺失", "记录不完整，无法提供佐证", "落实不及时"]


@dataclass
class Town:
    row: Township
    official: Official
    post: Post
    diligence: float
    history: TownshipHistory
    case: EscalationCase | None = None
    rects: dict[int, Rectification] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    follow_up: Inspection | None = None
    # The letter of the event being written: `ladder_writer.letter_plan`, and the notice once drafted.
    letter_plan: tuple | None = None
    letter: Notice | None = None


class CountyPlay(LadderPlay, LetterPlay):
    """Plays one county's weeks forward in memory, then writes them."""

    def __init__(self, *, county: County, checklist: Checklist, inspectors: list[Inspector], commission,
                 towns: list[Town], rng: random.Random, seed: bytes, weeks: int, now: datetime, audit: AuditBatch):
        self.county, self.checklist, self.inspectors = county, checklist, inspectors
        self.commission = commission
        self.towns = towns
        self.by_code = {t.row.code: t for t in towns}
        self.by_username = {i.user.username: i for i in inspectors}
        self.rng, self.seed, self.weeks, self.now = rng, seed, weeks, now
        self.today = timezone.localdate(now)
        self.audit = audit
        self.ids: dict = {}  # model → _Ids
        self.policy = ladder_history.county_policy(county)
        self.items = list(checklist.items.order_by("position"))
        self.code = county.code
        self.inspections: dict[int, Inspection] = {}
        self.findings: list[Finding] = []
        self.finding_rows: dict[int, Finding] = {}
        self.counting: dict[int, list[Finding]] = {}
        self.team_of: dict[int, list[Inspector]] = {}
        self.cases: list[EscalationCase] = []
        self.rect_rows: list[Rectification] = []
        self.notices: list[Notice] = []
        self.decision_rows: list[Decision] = []
        self.responses: list[NoticeResponse] = []
        self.periods: dict[date, SeedPeriod] = {}
        self.draws: list[Draw] = []
        self.counters: dict[tuple[str, int], int] = {}
        self.later: dict[date, list[Callable[[], None]]] = defaultdict(list)
        self.by_day: dict[date, list[Inspection]] = defaultdict(list)
        # The last weekday on or before today: its visits are dispatched and still open.
        self.open_day = self.today
        while self.open_day.weekday() >= 5:
            self.open_day -= timedelta(days=1)
        # Letters of the last working day before that are still drafts on the office's desk.
        self.drafts_from = self.open_day - timedelta(days=1)
        while self.drafts_from.weekday() >= 5:
            self.drafts_from -= timedelta(days=1)

    def key(self, model) -> int:
        if model not in self.ids:
            self.ids[model] = Ids(model)
        return self.ids[model].take()

    # -- time ---------------------------------------------------------------------------

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        moment = timezone.make_aware(datetime.combine(day, time(hour, minute)))
        return min(moment, self.now)

    # -- the run ------------------------------------------------------------------------

    def run(self) -> None:
        """Day by day, as the scheduled jobs and the people would have done it."""
        self.this_monday = self.today - timedelta(days=self.today.weekday())
        self.origin = self.this_monday - timedelta(days=7 * self.weeks)
        self.balance: dict[str, int] = {}
        self.seal(self.origin, self.origin - timedelta(days=3))
        day = self.origin
        while day <= self.today:
            self.play_day(day)
            day += timedelta(days=1)

    def play_day(self, day: date) -> None:
        monday = day - timedelta(days=day.weekday())
        if day.weekday() == 0 and day > self.origin:
            self.reveal_due(day)
            self.circular(monday - timedelta(days=7), day)
        for action in self.later.pop(day, []):
            action()
        # The daily sweep (escalation.run_sweep): lights, reminders, escalations, follow-ups due.
        for town in self.towns:
            if town.history.key_managed or town.history.rectifications:
                self.apply(town, Sweep(day), day)
        for town in self.towns:
            planned = town.follow_up
            if planned is not None and planned.date <= day:
                self.dispatch(planned, day)
                self.by_day[day].append(planned)
                town.follow_up = None
        self.audit.add(escalation.SWEPT_ACTION, county=self.code, data={"as_of": day.isoformat()})
        self.county.last_swept_on = day
        # The morning's dispatch (draws.dispatch_due), next week's draw on Friday afternoon
        # (draws.run_weeks seals "the Friday before"), the teams' filing in the evening.
        todays = sorted(self.by_day.get(day, ()), key=lambda i: (i.date, i.pk))
        for inspection in todays:
            if inspection.status == Inspection.Status.PLANNED:
                self.dispatch(inspection, day)
        if day.weekday() == 4 and monday + timedelta(days=7) <= self.this_monday:
            self.seal(monday + timedelta(days=7), day)
        if day < self.open_day:
            for inspection in sorted(todays, key=lambda i: (i.township.code, i.pk)):
                self.file_and_submit(inspection, day)

    # -- the draw (inspection.services.draws, in memory) ----------------------------------

    def period_of(self, monday: date, sealed_at: datetime) -> SeedPeriod:
        starts_on, ends_on = draws.period_span(monday)
        period = self.periods.get(starts_on)
        if period is None:
            secret = hmac.new(self.seed, f"{self.code}:{starts_on.isoformat()}".encode(), hashlib.sha256).digest()
            period = SeedPeriod(
                id=self.key(SeedPeriod), county=self.county, starts_on=starts_on, ends_on=ends_on, seed=secret.hex(),
                commitment=rotation.seed_commitment(secret), created_at=sealed_at,
            )
            self.periods[starts_on] = period
            self.audit.add(draws.COMMITTED, actor=self.commission.username, obj=period, county=self.code, data={
                "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "commitment": period.commitment,
            })
        return period

    def draw_inputs(self, monday: date) -> rotation.DrawInputs:
        """`draws.draw_inputs`: each township's last inspection (any kind or status, dated before
        the week) and its team; each inspector's last township."""
        last: dict[str, Inspection] = {}
        inspector_last: dict[str, tuple[date, int, str]] = {}
        for inspection in self.inspections.values():
            if inspection.date >= monday:
                continue
            code = inspection.township.code
            mark = (inspection.date, inspection.pk)
            seen = last.get(code)
            if seen is None or mark > (seen.date, seen.pk):
                last[code] = inspection
            for member in self.team_of[inspection.pk]:
                name = member.user.username
                if name not in inspector_last or mark > inspector_last[name][:2]:
                    inspector_last[name] = (*mark, code)
        townships = []
        for t in self.towns:
            seen = last.get(t.row.code)
            team = tuple(sorted(i.user.username for i in self.team_of[seen.pk])) if seen else ()
            townships.append(rotation.TownshipState(t.row.code, t.row.key_managed, seen.date if seen else None, team))
        return rotation.DrawInputs(
            county=self.code,
            week=rotation.week_label(monday),
            capacity=self.county.inspections_per_week,
            townships=tuple(townships),
            inspectors=tuple(
                rotation.InspectorState(i.user.username, i.home_township.code if i.home_township else None,
                                        inspector_last[i.user.username][2] if i.user.username in inspector_last else None)
                for i in self.inspectors
            ),
            ratio=self.county.key_ratio,
            team_size=self.county.team_size,
            origin=self.origin,
            balance=self.balance,
        )

    def seal(self, monday: date, friday: date) -> None:
        week = rotation.week_label(monday)
        sealed_at = self.at(friday, 16)
        period = self.period_of(monday, sealed_at)
        inputs = self.draw_inputs(monday)
        result = rotation.draw(inputs, rotation.derive_week_key(bytes.fromhex(period.seed), self.code, week))
        self.balance = dict(result.balance)
        record = result.to_dict()
        canonical = rotation.canonical_inputs(inputs)
        draw = Draw(
            id=self.key(Draw), county=self.county, week=week, week_start=monday, period=period,
            inputs=canonical, result=record, result_hash=draws.result_hash(record),
            created_at=sealed_at, created_by=self.commission,
        )
        self.draws.append(draw)
        self.audit.add(draws.SEALED, actor=self.commission.username, obj=draw, county=self.code, data={
            "week": week, "commitment": period.commitment,
            "inputs_hash": hashlib.sha256(rotation.canonical_json(canonical)).hexdigest(),
            "result_hash": draw.result_hash, "visits": len(result.visits), "missed": len(result.missed),
            "public_value": None,
        })
        for visit in result.visits:
            town = self.by_code[visit.township]
            team = [self.by_username[name] for name in visit.inspectors]
            inspection = self.new_inspection(town, visit.date, team, kind=Inspection.Kind.REGULAR, draw=draw,
                                             probability=visit.probability, created_at=sealed_at)
            self.by_day[visit.date].append(inspection)

    def reveal_due(self, day: date) -> None:
        """`draws.reveal_due` on a Monday morning: last week's draw, and a seed whose period is over."""
        at = self.at(day, 6)
        for draw in self.draws:
            if draw.state == Draw.State.SEALED and draw.week_start <= day - timedelta(days=7):
                draw.state, draw.revealed_at = Draw.State.REVEALED, at
                self.audit.add("draw.revealed", obj=draw, county=self.code,
                               data={"week": draw.week, "result_hash": draw.result_hash})
        for period in self.periods.values():
            if period.revealed_at is None and period.ends_on < day:
                period.revealed_at = at
                self.audit.add("seed.revealed", obj=period, county=self.code, data={
                    "starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat(),
                    "seed": period.seed, "commitment": period.commitment,
                })

    def new_inspection(self, town: Town, on: date, team: list[Inspector], *, kind, draw=None, probability=None,
                       case=None, created_at=None) -> Inspection:
        inspection = Inspection(
            id=self.key(Inspection), county=self.county, township=town.row, draw=draw, kind=kind,
            follow_up_of=case, date=on, status=Inspection.Status.PLANNED, checklist=self.checklist,
            probability=probability, created_at=created_at,
        )
        self.inspections[inspection.pk] = inspection
        self.team_of[inspection.pk] = team
        return inspection

    def dispatch(self, inspection: Inspection, day: date) -> None:
        """The morning of the visit: from now on the team sees it."""
        inspection.status = Inspection.Status.DISPATCHED
        inspection.dispatched_at = self.at(day, 7, 30)
        data = {"township": inspection.township.code, "kind": inspection.kind}
        if inspection.kind == Inspection.Kind.REGULAR:
            data["date"] = inspection.date.isoformat()
        self.audit.add("inspection.dispatched", obj=inspection, county=self.code, data=data)

    # -- the field ----------------------------------------------------------------------

    def new_finding(self, inspection: Inspection, *, item, severity: str, text: str, user, at: datetime,
                    corrects: Finding | None = None, reason: str = "") -> Finding:
        finding = Finding(
            id=self.key(Finding), inspection=inspection, item=item, severity=severity, text=text,
            location=self.rng.choice(LOCATIONS), observed_at=at, recorded_by=user, created_at=at,
            corrects=corrects, correction_reason=reason,
        )
        self.findings.append(finding)
        self.finding_rows[finding.pk] = finding
        action = "finding.corrected" if corrects is not None else "finding.added"
        self.audit.add(action, actor=user.username, obj=finding, county=self.code, data={
            "inspection": inspection.pk, "item": item.pk if item else None, "severity": severity,
            "corrects": corrects.pk if corrects else None,
        })
        return finding

    def file_and_submit(self, inspection: Inspection, day: date) -> None:
        rng = self.rng
        town = self.by_code[inspection.township.code]
        team = self.team_of[inspection.pk]
        factor = town.diligence * (FOLLOW_UP_FACTOR if inspection.kind == Inspection.Kind.FOLLOW_UP else 1.0)
        minute = 9 * 60 + rng.randrange(60)
        filed: list[Finding] = []
        for item in self.items:
            if rng.random() < FAIL_RATE[item.severity] * factor:
                minute += rng.randrange(5, 40)
                text = item.text.split("，")[0] + rng.choice(PROBLEM_SUFFIXES)
                filed.append(self.new_finding(inspection, item=item, severity=item.severity, text=text,
                                              user=rng.choice(team).user, at=self.at(day, min(minute // 60, 16), minute % 60)))
        if rng.random() < OTHER_PROBLEM_RATE * factor:
            text, severity = rng.choice(OTHER_PROBLEMS)
            filed.append(self.new_finding(inspection, item=None, severity=severity, text=text,
                                          user=rng.choice(team).user, at=self.at(day, 16, rng.randrange(30))))
        counting = list(filed)
        for finding in filed:
            if rng.random() < CORRECTION_RATE:
                fixed = self.new_finding(
                    inspection, item=finding.item, severity=finding.severity, text=finding.text + "（复核后更正表述）",
                    user=finding.recorded_by, at=self.at(day, 16, 40), corrects=finding, reason="复核现场记录后更正问题描述",
                )
                counting[counting.index(finding)] = fixed
        counting.sort(key=lambda f: f.pk)
        self.counting[inspection.pk] = counting
        scored = ladder_history.to_scoring(counting)
        result = score_findings(scored, self.policy.scoring)
        submitter = team[0].user
        inspection.status = Inspection.Status.SUBMITTED
        inspection.score = result.score
        inspection.submitted_at = self.at(day, 17, rng.randrange(50))
        inspection.submitted_by = submitter
        self.audit.add("inspection.submitted", actor=submitter.username, obj=inspection, county=self.code, data={
            "score": result.score, "scoring_version": result.policy_version,
            "findings": [f.id for failure in result.failures for f in failure.findings],
        })
        record = InspectionRecord(
            id=inspection.pk, on=day, findings=scored,
            inspectors=tuple(str(i.pk) for i in sorted(team, key=lambda i: i.pk)),
            follow_up=inspection.kind == Inspection.Kind.FOLLOW_UP,
        )
        rows = self.apply(town, InspectionSubmitted(record, on=day), day, actor=submitter.username)
        inspection.escalated_at = inspection.submitted_at  # in the submission's transaction, as the service does
        self.audit.add(escalation.APPLIED_ACTION, actor=submitter.username, obj=inspection, county=self.code,
                       data=lambda: {"township": town.row.code, "decisions": [r.pk for r in rows], "score": inspection.score})

    # -- writing ------------------------------------------------------------------------

    def save(self) -> dict[str, int]:
        periods = list(self.periods.values())
        insert(SeedPeriod, periods)
        insert(Draw, self.draws)
        inspections = sorted(self.inspections.values(), key=lambda i: i.pk)
        submitted = [i for i in inspections if i.status == Inspection.Status.SUBMITTED]
        # Filed while dispatched, submitted afterwards: the freeze triggers see the field's order.
        # A follow-up names its case, and a case the inspection that opened it: the case link
        # goes in with the submission.
        follow_ups = [i for i in inspections if i.follow_up_of is not None]
        cases = {i.pk: i.follow_up_of for i in follow_ups}
        for inspection in submitted:
            inspection.status = Inspection.Status.DISPATCHED
        for inspection in follow_ups:
            inspection.follow_up_of = None
        insert(Inspection, inspections)
        insert(TeamMember, [TeamMember(inspection=i, inspector=m) for i in inspections for m in self.team_of[i.pk]])
        insert(Finding, self.findings)
        insert(EscalationCase, self.cases)
        for inspection in follow_ups:
            inspection.follow_up_of = cases[inspection.pk]
        Inspection.objects.bulk_update(follow_ups, ["follow_up_of"], batch_size=500)
        for inspection in submitted:
            inspection.status = Inspection.Status.SUBMITTED
        submit_all(submitted)
        insert(Notice, self.notices)
        insert(Rectification, self.rect_rows)
        insert(Decision, self.decision_rows)
        insert(NoticeResponse, self.responses)
        County.objects.filter(pk=self.county.pk).update(last_swept_on=self.county.last_swept_on)
        Township.objects.bulk_update([t.row for t in self.towns], ["level", "key_managed", "key_managed_since"],
                                     batch_size=500)
        for (series, year), last in self.counters.items():
            NoticeCounter.objects.update_or_create(county=self.county, series=series, year=year,
                                                   defaults={"last_number": last})
        return {
            "draws": len(self.draws), "inspections": len(inspections), "findings": len(self.findings),
            "decisions": len(self.decision_rows), "notices": len(self.notices), "rectifications": len(self.rect_rows),
        }

