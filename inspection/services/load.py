"""Province-sized data for the benchmarks and the query-count tests (issue 9): `generate_load`.

A province's real townships come from the shipped national list; then, county by county, N past
weeks are played forward in memory through the project's own pure logic and written through bulk
paths:

- the draw: `rotation.draw` for every week, from a fresh start, with the real inputs
  (last visits, last teams, key management, the previous week's balance);
- findings: random per checklist item, the rate depending on a township's (hidden) diligence;
  a few corrections, as the field app files them;
- scores and the sanction ladder: `scoring.score_findings` and `scoring.step` (the same pure
  functions the escalation service calls), with a daily sweep, rectification reports accepted on
  time or late, follow-up inspections (回头看) by another team;
- notices: drafted from the escalation service's own snapshot builders, issued the same day
  with gap-free numbers per county, series and year (the counters are set to the last number
  used), acknowledged the next day; a weekly circular per county. The letters of the last
  working day are left as drafts, as the office would find them in the morning.

Every row goes in through bulk paths (COPY on PostgreSQL, `bulk_create` on SQLite, set-based
updates), with keys taken from the tables' sequences up front; but nothing is allowed that the services
would refuse: findings are inserted while their inspection is still dispatched and the
inspection is submitted afterwards (so the database's freeze triggers see the same order as in
the field), numbers are consecutive, and every change that a service would log has its audit
event: the events of one county are chained with the audit module's own hash function under the
AuditHead row lock, in one transaction with the county's rows, so `verify_audit` passes and a
concurrent writer simply queues.

What is not made: PDFs (an issued generated notice has its number, verification code and
snapshot, but no stored file: rendering 40,000 letters is the PDF benchmark's business, not
this one's), evidence files and idempotency records.

Counties that already hold draws or inspections are skipped, so a second run adds only what is
missing. The generator mutates `auto_now_add` of a few timestamp fields while it writes (so that
a finding filed in March says March): run it as a command, not inside a serving process.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import math
import random
import time as clock
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

import rotation
from inspection import defaults
from inspection.errors import InspectionError, NotFound
from inspection.models import (
    NOTICE_SERIES,
    AuditEvent,
    AuditHead,
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
    Profile,
    Rectification,
    Role,
    SeedPeriod,
    TeamMember,
    Township,
)
from inspection.notices import compose
from inspection.notices.numbering import format_number
from inspection.notices.snapshot import validate_snapshot
from inspection.services import draws, escalation, ladder_history, ladder_writer, notices, setup
from inspection.services.audit import canonical_json, chain_hash
from inspection.services.notices import VERIFY_ALPHABET, VERIFY_LENGTH
from scoring import (
    DecisionKind,
    NoticeKind,
    InspectionRecord,
    InspectionSubmitted,
    Level,
    RectificationAccepted,
    Sweep,
    TownshipHistory,
    score_findings,
    step,
)

SYSTEM = ""  # the actor of the scheduled jobs in the audit log
BATCH = 2000

# Findings: the chance that one checklist item fails on a visit, by the item's severity, for a
# township of average diligence (each township draws a factor between 0.3 and 2.2).
FAIL_RATE = {"minor": 0.10, "major": 0.045, "critical": 0.006}
FOLLOW_UP_FACTOR = 0.5  # a township under a follow-up has mostly put things right
OTHER_PROBLEM_RATE = 0.05
CORRECTION_RATE = 0.02
# Rectification reports: on time, a little late (red light and reminder), or very late
# (escalated more than 15 days after the reminder).
REPORT_ON_TIME, REPORT_LATE = 0.80, 0.14

LOCATIONS = ["乡镇未保工作站", "村儿童之家", "中心小学", "民政办", "社区服务中心", ""]
OTHER_PROBLEMS = [
    ("未保工作站值班表未公示", "minor"),
    ("救助热线张贴位置不醒目，群众知晓率低", "minor"),
    ("儿童之家安全设施存在隐患，未及时整改", "major"),
]
PROBLEM_SUFFIXES = ["未落实到位", "工作台账缺失", "记录不完整，无法提供佐证", "落实不及时"]


@dataclass
class LoadReport:
    province: str
    weeks: int
    counties: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0

    def add(self, name: str, n: int) -> None:
        self.counts[name] += n


# --------------------------------------------------------------------------- the national list


def province_counties(province: str) -> dict[str, list[setup.DivisionRow]]:
    """County code → its townships in the shipped list (the administered-elsewhere ones left out)."""
    if not (province.isdigit() and len(province) == 2):
        raise InspectionError(f"省级代码应为2位数字：{province!r}")
    skip = setup.administered_elsewhere()
    counties: dict[str, list[setup.DivisionRow]] = {}
    for row in setup.read_divisions():
        if row.county_code.startswith(province) and row.code not in skip:
            counties.setdefault(row.county_code, []).append(row)
    if not counties:
        raise NotFound(f"区划文件中没有省级代码为 {province} 的乡镇（街道）")
    return dict(sorted(counties.items()))


def county_names() -> dict[str, str]:
    with open(setup.AREAS_CSV, newline="", encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def weekly_capacity(townships: int, start: date) -> int:
    """Inspections a week: Qianxi's 6 per 30 townships, never below what both coverage rules need."""
    return max(1, math.ceil(townships / 5), rotation.minimum_capacity(townships, start=start, weeks=26))


def roster_size(capacity: int) -> int:
    """Enough inspectors for two-person teams on every slot of the busiest weekday, and more."""
    return max(12, 4 * math.ceil(capacity / 5) + 4)


# --------------------------------------------------------------------------- bulk helpers


class _Ids:
    """Primary keys taken before the rows are written, so the ladder can name them (its
    decisions carry inspection and finding ids). PostgreSQL: from the table's sequence;
    SQLite: past the largest id, safe because the immediate transaction holds the write lock."""

    def __init__(self, model):
        self.model = model
        self.table = model._meta.db_table
        self.free: list[int] = []
        self.next_sqlite: int | None = None

    def take(self) -> int:
        if not self.free:
            self._reserve(1000)
        return self.free.pop()

    def _reserve(self, n: int) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [self.table, n]
                )
                ids = [row[0] for row in cursor.fetchall()]
            else:
                if self.next_sqlite is None:
                    cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{self.table}"')
                    top = cursor.fetchone()[0]
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                    row = cursor.fetchone()
                    self.next_sqlite = max(top, row[0] if row else 0) + 1
                ids = list(range(self.next_sqlite, self.next_sqlite + n))
                self.next_sqlite += n
        self.free = sorted(ids, reverse=True)


def _insert(model, objs: list) -> None:
    """Write rows whose keys are already known. PostgreSQL: COPY (bulk_create's array parameters
    cost more than the rest of the load); SQLite: bulk_create, which is fast there."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    with_pk = objs[0].pk is not None
    fields = [f for f in model._meta.local_concrete_fields if with_pk or not f.primary_key]
    for obj in objs:  # the same checks bulk_create makes: related rows saved, their keys copied
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def _submit_all(inspections: list[Inspection]) -> None:
    """Mark filed inspections submitted, with score and stamp, in one statement."""
    if not inspections:
        return
    if connection.vendor != "postgresql":
        Inspection.objects.bulk_update(inspections, ["status", "score", "submitted_at", "submitted_by"], batch_size=500)
        return
    table = Inspection._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {table} AS i SET status = 'submitted', score = v.score, submitted_at = v.at,
                       submitted_by_id = v.by
                FROM unnest(%s::bigint[], %s::integer[], %s::timestamptz[], %s::bigint[]) AS v(id, score, at, by)
                WHERE i.id = v.id""",
            [[i.pk for i in inspections], [i.score for i in inspections], [i.submitted_at for i in inspections],
             [i.submitted_by_id for i in inspections]],
        )


_HISTORIC = [
    (Inspection, "created_at"),
    (Finding, "created_at"),
    (Notice, "created_at"),
    (Decision, "created_at"),
    (EscalationCase, "opened_at"),
    (NoticeResponse, "submitted_at"),
    (Draw, "created_at"),
    (SeedPeriod, "created_at"),
]


@contextlib.contextmanager
def _historic_timestamps():
    """Let the generated rows carry the day they stand for instead of the day they were written."""
    fields = [model._meta.get_field(name) for model, name in _HISTORIC]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved):
            f.auto_now_add = value


class _Audit:
    """Events of one county, chained in bulk exactly as `record_event` chains them one by one."""

    def __init__(self):
        self.events: list[tuple] = []

    def add(self, action: str, *, actor: str = SYSTEM, obj=None, county: str = "", data=None) -> None:
        self.events.append((action, actor, obj, county, data))

    def flush(self) -> int:
        if not self.events:
            return 0
        head = AuditHead.objects.select_for_update().get(id=1)
        seq, prev = head.seq, head.hash
        at = timezone.now()
        stamp = at.isoformat()
        rows = []
        for action, actor, obj, county, data in self.events:
            seq += 1
            body = {
                "seq": seq,
                "at": stamp,
                "actor": actor[:150],
                "action": action,
                "object_type": obj._meta.label_lower if obj is not None else "",
                "object_id": str(obj.pk) if obj is not None else "",
                "county": county,
                "data": (data() if callable(data) else data) or {},
            }
            payload = canonical_json(body)
            digest = chain_hash(prev, payload)
            rows.append(AuditEvent(
                seq=seq, at=at, actor=body["actor"], action=action, object_type=body["object_type"],
                object_id=body["object_id"], county_code=county, payload=payload, prev_hash=prev, hash=digest,
            ))
            prev = digest
        _insert(AuditEvent, rows)
        AuditHead.objects.filter(id=1).update(seq=seq, hash=prev)
        count = len(self.events)
        self.events = []
        return count


# --------------------------------------------------------------------------- snapshots


def circular_snapshot(*, county: County, week: str, inspections: list[Inspection], counting: dict[int, list[Finding]],
                      today: date) -> dict:
    """`services.notices.circular_snapshot` from rows in memory: the same builder, fed the week's
    inspections and the findings that count without a query each."""
    start = rotation.parse_week(week)
    ranked = sorted(inspections, key=lambda i: (-(i.score or 0), i.date, i.township.code))
    return notices.build_circular_snapshot(county=county, start=start, end=start + timedelta(days=6), today=today,
                                           inspections=ranked, findings_of=lambda i: counting[i.pk])


# --------------------------------------------------------------------------- one county


@dataclass
class _Town:
    row: Township
    official: Official
    post: Post
    diligence: float
    history: TownshipHistory
    case: EscalationCase | None = None
    rects: dict[int, Rectification] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    follow_up: Inspection | None = None


class _County:
    """Plays one county's weeks forward in memory, then writes them."""

    def __init__(self, *, county: County, checklist: Checklist, inspectors: list[Inspector], commission,
                 towns: list[_Town], rng: random.Random, seed: bytes, weeks: int, now: datetime, audit: _Audit):
        self.county, self.checklist, self.inspectors = county, checklist, inspectors
        self.commission = commission
        self.towns = towns
        self.by_code = {t.row.code: t for t in towns}
        self.by_username = {i.user.username: i for i in inspectors}
        self.rng, self.seed, self.weeks, self.now = rng, seed, weeks, now
        self.today = timezone.localdate(now)
        self.audit = audit
        self.ids: dict = {}  # model → _Ids
        self.policy = escalation.county_policy(county)
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
            self.ids[model] = _Ids(model)
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

    def new_inspection(self, town: _Town, on: date, team: list[Inspector], *, kind, draw=None, probability=None,
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
        self.audit.add(escalation.APPLIED_ACTION, actor=submitter.username, obj=inspection, county=self.code,
                       data=lambda: {"township": town.row.code, "decisions": [r.pk for r in rows], "score": inspection.score})

    # -- the ladder ---------------------------------------------------------------------

    def apply(self, town: _Town, event, day: date, actor: str = SYSTEM) -> list[Decision]:
        history, decisions = step(town.history, event, self.policy)
        # Keep what `escalation.township_history` would read back: the inspections since entry
        # into key management, none outside it.
        km = history.key_management
        kept = tuple(i for i in history.inspections if km is not None and i.on >= km.since)
        town.history = replace(history, inspections=kept)
        return [self.write(town, d, day, actor) for d in decisions]

    def write(self, town: _Town, d, day: date, actor: str) -> Decision:
        """`ladder_writer.DecisionWriter.write`, into memory."""
        notice = None
        kind = d.kind
        rect = town.rects.get(d.rectification) if d.rectification is not None else None
        row = town.row
        if kind is DecisionKind.LEVEL_CHANGE:
            row.level = d.level_to.value
        elif kind is DecisionKind.RECTIFICATION_OPENED:
            self.open_rectification(town, d, day, actor)
        elif kind is DecisionKind.RECTIFICATION_CLOSED:
            rect.state, rect.accepted_on, rect.light = Rectification.State.ACCEPTED, d.on, ""
            if rect.notice is not None and rect.notice.state in (
                Notice.State.ISSUED, Notice.State.ACKNOWLEDGED, Notice.State.RESPONDED
            ):
                rect.notice.state = Notice.State.ACCEPTED
        elif kind is DecisionKind.RECTIFICATION_ESCALATED:
            rect.escalated_on = d.on
        elif kind is DecisionKind.LIGHT:
            rect.light = d.light.value
        elif kind is DecisionKind.REMINDER:
            rect.reminded_on = d.on
        elif kind is DecisionKind.KEY_MANAGEMENT_ENTERED:
            row.key_managed, row.key_managed_since = True, d.on
        elif kind is DecisionKind.KEY_MANAGEMENT_EXITED:
            row.key_managed, row.key_managed_since = False, None
        elif kind is DecisionKind.FOLLOW_UP_WANTED:
            self.schedule_follow_up(town, d, rect, day, actor)
        elif kind is DecisionKind.NOTICE:
            notice = self.draft_notice(town, d, rect, day, actor)
        rect = town.rects.get(d.rectification) if d.rectification is not None else None
        case = rect.case if rect is not None else town.case
        inspection = self.inspections.get(d.inspection) if isinstance(d.inspection, int) else None
        if inspection is not None and inspection.township_id != row.pk:
            inspection = None
        decision = Decision(
            id=self.key(Decision), township=row, official=town.official, case=case, inspection=inspection, notice=notice,
            kind=kind.value, from_level=d.level_from.value if d.level_from else "",
            to_level=d.level_to.value if d.level_to else "", rule=d.rule, policy_version=d.policy_version,
            reason=d.reason, details=d.to_dict(), effective_on=d.on, created_at=self.at(day, 18),
        )
        self.decision_rows.append(decision)
        town.decisions.append(decision)
        self.audit.add("escalation.decision", actor=actor, obj=decision, county=self.code, data=lambda: {
            "township": row.code, "kind": kind.value, "rule": d.rule, "policy_version": d.policy_version,
            "on": d.on.isoformat(), "level": [decision.from_level, decision.to_level] if d.level_to else None,
            "notice": notice.pk if notice else None, "official": town.official.pk, "reason": d.reason,
        })
        if kind is DecisionKind.LEVEL_CHANGE and d.level_to is Level.NORMAL and town.case is not None:
            case = town.case
            case.state, case.closed_at = EscalationCase.State.CLOSED, self.at(day, 18)
            self.audit.add("escalation.case_closed", actor=actor, obj=case, county=self.code,
                           data={"township": row.code, "on": d.on.isoformat()})
            town.case = None
        return decision

    def open_rectification(self, town: _Town, d, day: date, actor: str) -> None:
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

    def schedule_follow_up(self, town: _Town, d, rect, day: date, actor: str) -> None:
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

    # -- notices ------------------------------------------------------------------------

    def letter_facts(self, town: _Town, d, inspection: Inspection | None, day: date) -> compose.LetterFacts:
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

    def draft_notice(self, town: _Town, d, rect, day: date, actor: str) -> Notice:
        kind = d.notice
        inspection = self.inspections.get(d.inspection) if isinstance(d.inspection, int) else None
        snapshot = validate_snapshot(compose.decision_letter(d, self.letter_facts(town, d, inspection, day)))
        notice = Notice(
            id=self.key(Notice), county=self.county, kind=kind.value, series=NOTICE_SERIES[kind.value], state=Notice.State.DRAFT,
            township=town.row, official=town.official, inspection=inspection,
            case=rect.case if rect is not None else town.case, snapshot=snapshot, due_on=d.deadline,
            created_at=self.at(day, 18),
        )
        self.notices.append(notice)
        if kind.value == "rectification" and rect is not None and rect.notice is None:
            rect.notice = notice
        self.audit.add("notice.drafted", actor=actor, obj=notice, county=self.code, data={
            "kind": kind.value, "township": town.row.code, "rule": d.rule, "due_on": str(d.deadline or ""),
        })
        if day < self.drafts_from:
            self.issue(notice, day)
            if kind.value != "referral":
                self.later[day + timedelta(days=1)].append(lambda: self.acknowledge(town, notice, day + timedelta(days=1)))
        return notice

    def acknowledge(self, town: _Town, notice: Notice, day: date) -> None:
        if notice.state != Notice.State.ISSUED:
            return
        notice.state = Notice.State.ACKNOWLEDGED
        notice.delivered_at = notice.acknowledged_at = self.at(day, 9, 15)
        notice.acknowledged_by = town.official.user
        self.audit.add("notice.acknowledged", actor=town.official.user.username, obj=notice, county=self.code,
                       data={"number": notice.number_text})

    def report(self, town: _Town, rect: Rectification, day: date) -> None:
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

    def accept(self, town: _Town, rect: Rectification, response: NoticeResponse, day: date) -> None:
        notice = rect.notice
        response.state = NoticeResponse.State.ACCEPTED
        response.reviewed_at, response.reviewed_by = self.at(day, 10), self.commission
        notice.state = Notice.State.ACCEPTED
        self.audit.add("notice.response_accepted", actor=self.commission.username, obj=response, county=self.code,
                       data={"notice": notice.pk, "number": notice.number_text})
        self.apply(town, RectificationAccepted(rect.inspection.pk, day), day, actor=self.commission.username)

    def circular(self, monday: date, day: date) -> None:
        week = rotation.week_label(monday)
        end = monday + timedelta(days=6)
        done = [i for offset in range(7) for i in self.by_day.get(monday + timedelta(days=offset), ())
                if i.status == Inspection.Status.SUBMITTED]
        snapshot = circular_snapshot(county=self.county, week=week, inspections=done, counting=self.counting, today=day)
        notice = Notice(id=self.key(Notice), county=self.county, kind="circular", series=NOTICE_SERIES["circular"], snapshot=snapshot,
                        created_at=self.at(day, 9))
        self.notices.append(notice)
        self.audit.add("notice.drafted", actor=self.commission.username, obj=notice, county=self.code,
                       data={"kind": "circular", "week": week, "inspections": len(done)})
        self.issue(notice, day)

    # -- writing ------------------------------------------------------------------------

    def save(self) -> dict[str, int]:
        periods = list(self.periods.values())
        _insert(SeedPeriod, periods)
        _insert(Draw, self.draws)
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
        _insert(Inspection, inspections)
        _insert(TeamMember, [TeamMember(inspection=i, inspector=m) for i in inspections for m in self.team_of[i.pk]])
        _insert(Finding, self.findings)
        _insert(EscalationCase, self.cases)
        for inspection in follow_ups:
            inspection.follow_up_of = cases[inspection.pk]
        Inspection.objects.bulk_update(follow_ups, ["follow_up_of"], batch_size=500)
        for inspection in submitted:
            inspection.status = Inspection.Status.SUBMITTED
        _submit_all(submitted)
        _insert(Notice, self.notices)
        _insert(Rectification, self.rect_rows)
        _insert(Decision, self.decision_rows)
        _insert(NoticeResponse, self.responses)
        Township.objects.bulk_update([t.row for t in self.towns], ["level", "key_managed", "key_managed_since"],
                                     batch_size=500)
        for (series, year), last in self.counters.items():
            NoticeCounter.objects.update_or_create(county=self.county, series=series, year=year,
                                                   defaults={"last_number": last})
        return {
            "draws": len(self.draws), "inspections": len(inspections), "findings": len(self.findings),
            "decisions": len(self.decision_rows), "notices": len(self.notices), "rectifications": len(self.rect_rows),
        }


# --------------------------------------------------------------------------- people


def _people(county: County, townships: list[Township], password_hash: str,
            capacity: int, audit: _Audit):
    User = get_user_model()
    code = county.code
    names = [
        (f"{code}-commission", "未保办主任", Role.COMMISSION),
        (f"{code}-observer", "纪委监委观察员", Role.OBSERVER),
    ]
    inspectors = roster_size(capacity)
    names += [(f"{code}-inspector{i}", setup.demo_name(100 + i), Role.INSPECTOR) for i in range(1, inspectors + 1)]
    names += [(f"official-{t.code}", setup.demo_name(i), Role.OFFICIAL) for i, t in enumerate(townships)]
    taken = set(User.objects.filter(username__in=[n for n, _, _ in names]).values_list("username", flat=True))
    if taken:
        raise InspectionError(f"{county.name}的账号已存在（如 {sorted(taken)[0]}），请换一个数据库或先清空")
    users = User.objects.bulk_create(
        [User(username=n, first_name=full, password=password_hash, is_staff=role == Role.COMMISSION)
         for n, full, role in names], batch_size=BATCH,
    )
    Profile.objects.bulk_create([Profile(user=u, role=role, county=county) for u, (_, _, role) in zip(users, names)],
                                batch_size=BATCH)
    for user, (_, _, role) in zip(users, names):
        audit.add("user.created", obj=user, county=code, data={"username": user.username, "role": role})
    commission = users[0]
    inspector_users = users[2:2 + inspectors]
    official_users = users[2 + inspectors:]
    # Homes spread over the county (as rotation.default_roster does); in a county of one township
    # the inspectors come from elsewhere, or nobody could go there.
    count = len(inspector_users)
    roster = Inspector.objects.bulk_create([
        Inspector(user=u, county=county, name=u.first_name,
                  home_township=townships[(i * len(townships)) // count] if len(townships) > 1 else None)
        for i, u in enumerate(inspector_users)
    ])
    for inspector, user in zip(roster, inspector_users):
        inspector.user = user
    officials = Official.objects.bulk_create(
        [Official(user=u, county=county, name=u.first_name) for u in official_users], batch_size=BATCH
    )
    for official, user in zip(officials, official_users):
        official.user = user
    posts = Post.objects.bulk_create(
        [Post(official=o, township=t, started_on=date(2024, 1, 1)) for o, t in zip(officials, townships)],
        batch_size=BATCH,
    )
    return commission, roster, officials, posts


# --------------------------------------------------------------------------- entry point


def _seed_bytes(seed) -> bytes:
    return hashlib.sha256(f"ancha-load:{seed}".encode()).digest()


@transaction.atomic
def generate_county(*, county_code: str, rows: list[setup.DivisionRow], name: str, weeks: int, seed=0,
                    now: datetime | None = None, password_hash: str) -> dict[str, int] | None:
    """One county, in one transaction: townships, people, `weeks` past weeks of work, audit events.
    Returns the counts, or None when the county already holds draws or inspections."""
    now = now or timezone.now()
    county = County.objects.filter(code=county_code).first()
    if county is not None and (county.draws.exists() or county.inspections.exists()):
        return None
    audit = _Audit()
    today = timezone.localdate(now)
    start = today - timedelta(days=today.weekday() + 7 * weeks)
    capacity = weekly_capacity(len(rows), start)
    if county is None:
        county = County.objects.create(
            code=county_code, name=name, doc_prefix=defaults.doc_prefix_for(name),
            authority_name=defaults.authority_for(name), inspections_per_week=capacity,
        )
    else:
        county.inspections_per_week = capacity
        county.save(update_fields=["inspections_per_week"])
    existing = set(Township.objects.filter(county=county).values_list("code", flat=True))
    new = [Township(county=county, code=r.code, name=r.name, kind=Township.kind_for(r.name))
           for r in rows if r.code not in existing]
    Township.objects.bulk_create(new, batch_size=BATCH)
    if new:
        audit.add("divisions.imported", obj=county, county=county_code, data={"created": len(new), "updated": 0})
    townships = list(Township.objects.filter(county=county, active=True).order_by("code"))
    checklist = setup.ensure_default_checklist(county=county)
    commission, roster, officials, posts = _people(county, townships, password_hash, capacity, audit)
    rng = random.Random(f"{seed}:{county_code}")
    towns = [
        _Town(row=t, official=o, post=p, diligence=rng.uniform(0.3, 2.2), history=TownshipHistory(township=t.code))
        for t, o, p in zip(townships, officials, posts)
    ]
    play = _County(county=county, checklist=checklist, inspectors=roster, commission=commission, towns=towns,
                   rng=rng, seed=_seed_bytes(seed), weeks=weeks, now=now, audit=audit)
    with _historic_timestamps():
        play.run()
        counts = play.save()
    audit.add("load.generated", county=county_code, obj=county, data={"weeks": weeks, "seed": str(seed), **counts})
    counts["townships"] = len(townships)
    counts["users"] = 2 + len(roster) + len(officials)  # commission, observer, inspectors, officials
    counts["audit_events"] = audit.flush()
    return counts


def generate_load(*, province: str, weeks: int, counties: int | None = None, county_codes: Iterable[str] = (),
                  seed=0, now: datetime | None = None, password: str | None = None,
                  progress: Callable[[str, dict | None], None] | None = None) -> LoadReport:
    """Load a province (or `counties` of its counties, in code order, or the listed ones).
    Each county commits on its own: an interrupted run keeps the counties it finished and a
    second run skips them."""
    if weeks < 1:
        raise InspectionError("周数至少为 1")
    began = clock.perf_counter()
    listing = province_counties(province)
    wanted = list(county_codes)
    if wanted:
        missing = [c for c in wanted if c not in listing]
        if missing:
            raise NotFound(f"省级代码 {province} 下没有县级代码 {', '.join(missing)}")
        chosen = wanted
    else:
        chosen = list(listing)[: counties] if counties else list(listing)
    names = county_names()
    password_hash = make_password(password or defaults.DEMO_PASSWORD_DEFAULT)
    now = now or timezone.now()
    report = LoadReport(province=province, weeks=weeks)
    for code in chosen:
        counts = generate_county(county_code=code, rows=listing[code], name=names.get(code, code), weeks=weeks,
                                 seed=seed, now=now, password_hash=password_hash)
        if counts is None:
            report.skipped.append(code)
        else:
            report.counties.append(code)
            for key, n in counts.items():
                report.add(key, n)
        if progress is not None:
            progress(code, counts)
    report.seconds = clock.perf_counter() - began
    return report
