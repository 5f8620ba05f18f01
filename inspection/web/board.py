"""The figures of the commission's home page, each in a fixed number of queries.

Only what has happened is shown here: visits up to today, never a planned one. The schedule is
sealed, and may be read only on the draw pages, where each look is written to the audit log.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

import rotation
import scoring
from inspection.access import counted_visits
from inspection.models import (
    Draw,
    Inspection,
    Level,
    Notice,
    NoticeKind,
    Rectification,
    Township,
    TownshipCoverage,
    counted_cutoff,
    grace_hours,
)
from inspection.services import jobs, makeups
from inspection.services.lineage import carried_last_visits, carry_last_visits
from inspection.web import coverage

OPEN_RECTIFICATION = [Rectification.State.OPEN, Rectification.State.REPORTED]


class Lineage(NamedTuple):
    predecessor_id: int | None
    changed_on: date


@dataclass
class Week:
    label: str  # 2026-W10
    start: date
    end: date
    future: bool


@dataclass
class Visit:
    inspection_id: int
    date: date
    score: int | None
    follow_up: bool


@dataclass
class Cell:
    visits: list[Visit]
    future: bool


@dataclass
class CoverageRow:
    township: Township
    cells: list[Cell]  # one per week
    covered: bool
    deadline: date
    days_left: int
    state: str  # covered | open | near | overdue

    @property
    def key(self) -> tuple:
        """What this row's rendered cells show (web/grid_rows.py keeps the drawn row under it), so a
        write redraws only the township it changed."""
        t = self.township
        return (t.id, t.code, t.name, self.state, self.deadline, self.days_left,
                tuple((c.future, tuple((v.inspection_id, v.date, v.score, v.follow_up) for v in c.visits))
                      for c in self.cells))


@dataclass
class Coverage:
    start: date
    end: date
    weeks: list[Week]
    rows: list[CoverageRow]
    covered: int
    near: int
    overdue: int

    @property
    def total(self):
        return len(self.rows)

    @property
    def uncovered(self):
        return self.total - self.covered

    @property
    def cumulative(self):
        """Townships covered by the end of each elapsed week of the period."""
        first = [0] * (len(self.weeks) + 1)  # how many rows have their first visit in each week
        for row in self.rows:
            first[next((j for j, cell in enumerate(row.cells) if cell.visits), len(self.weeks))] += 1
        result, covered = [], 0
        for i, week in enumerate(self.weeks):
            if week.future:
                break
            covered += first[i]
            result.append((week, covered))
        return result


def _weeks(start: date, end: date, today: date) -> list[Week]:
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(Week(rotation.week_label(monday), monday, monday + timedelta(days=6), monday > today))
        monday += timedelta(days=7)
    return weeks


def coverage_of(county, today: date, townships: list[Township]) -> Coverage:
    """The period's grid computed from the whole record: which township was visited in which week, and
    how near its deadline is. The dashboard reads `coverage_from_summary` instead; the two must agree."""
    start, _ = coverage.period_of(today)
    # Visits that count as the draw counts them; never a planned one here (the schedule is sealed).
    happened = counted_visits(county).filter(date__lte=today).exclude(status=Inspection.Status.PLANNED)
    visits: dict[int, list[Visit]] = {}
    for row in happened.filter(date__gte=start).values_list("id", "township_id", "date", "score", "kind"):
        visits.setdefault(row[1], []).append(Visit(row[0], row[2], row[3], row[4] == Inspection.Kind.FOLLOW_UP))
    last_before = dict(
        happened.filter(date__lt=start).values("township_id").annotate(last=Max("date")).values_list("township_id", "last")
    )
    # The draw's own rule for merged, split and new townships (services/lineage.py), so the two agree.
    own = {**last_before, **{tid: max(v.date for v in vs) for tid, vs in visits.items()}}
    carried = carried_last_visits(county=county, own=own)
    return _grid(today, townships, visits, last_before, carried)


def _grid(today, townships, visits, last_before, carried) -> Coverage:
    start, end = coverage.period_of(today)
    weeks = _weeks(start, end, today)
    rows, covered, near, overdue = [], 0, 0, 0
    first = weeks[0].start if weeks else None
    for township in townships:
        mine = sorted(visits.get(township.id, []), key=lambda v: (v.date, v.inspection_id))
        # The weeks are consecutive Monday-to-Sunday: a visit's week is its distance from the first
        # Monday, one pass over the visits instead of one per week (a visit outside them is dropped).
        buckets = [[] for _ in weeks]
        for v in mine:
            if 0 <= (i := (v.date - first).days // 7) < len(weeks):
                buckets[i].append(v)
        cells = [Cell(bucket, week.future) for bucket, week in zip(buckets, weeks)]
        last = carried.get(township.id, mine[-1].date if mine else last_before.get(township.id))
        deadline = coverage.deadline(today=today, last_visit=last)
        days_left = (deadline - today).days
        is_covered = bool(mine)
        if is_covered:
            state = "covered"
            covered += 1
        elif days_left < 0:
            state, overdue = "overdue", overdue + 1
        elif days_left <= coverage.NEAR_DAYS:
            state, near = "near", near + 1
        else:
            state = "open"
        rows.append(CoverageRow(township, cells, is_covered, deadline, days_left, state))
    return Coverage(start, end, weeks, rows, covered, near, overdue)


def summaries(county) -> dict[int, TownshipCoverage]:
    """The county's maintained summary rows (services/coverage_summary.py): one indexed query."""
    return {row.township_id: row for row in TownshipCoverage.objects.filter(county=county)}


def _counts(item, as_of: datetime, cutoff: date) -> bool:
    """`InspectionQuerySet.counted` on a summary item (`_items`): submitted by `as_of`, or neither
    missed nor cancelled by then while its day is not before the grace's cutoff."""
    day, submitted, ended = item[1], item[4], item[5]
    if submitted is not None and submitted <= as_of:
        return True
    return (ended is None or ended > as_of) and day >= cutoff


def _items(visits: list) -> list[tuple]:
    """A summary row's visits with their dates parsed, once for each list: the plain rows of the
    dashboard share one list per exact JSON text (rawrows.plain), so the list is the content's key;
    it is kept beside its parse so its identity cannot be reused while the entry lives."""
    found = _ITEMS.get(id(visits))
    if found is None or found[0] is not visits:
        if len(_ITEMS) >= ITEMS_KEPT:
            _ITEMS.clear()
        parsed = [(i, date.fromisoformat(day), score, follow_up, submitted and datetime.fromisoformat(submitted),
                   ended and datetime.fromisoformat(ended)) for i, day, score, follow_up, submitted, ended in visits]
        found = _ITEMS[id(visits)] = (visits, parsed)
    return found[1]


ITEMS_KEPT = 20000
_ITEMS: dict = {}


def coverage_from_summary(county, today: date, townships: list[Township], rows: dict[int, TownshipCoverage],
                          *, as_of: datetime | None = None) -> Coverage:
    """`coverage_of` from the summary rows, with no query: the clock's part (grace, period, deadline)
    is applied here, so a deadline turns near or overdue without any write."""
    as_of = as_of or timezone.now()
    start, _ = coverage.period_of(today)
    cutoff = counted_cutoff(as_of=as_of, grace=grace_hours(county))
    visits: dict[int, list[Visit]] = {}
    last_before: dict[int, date] = {}
    lineage: dict[int, list[Lineage]] = {}
    for tid, row in rows.items():
        before = row.last_before
        for item in _items(row.visits):
            day = item[1]
            if day > today or not _counts(item, as_of, cutoff):
                continue
            if day >= start:
                visits.setdefault(tid, []).append(Visit(item[0], day, item[2], item[3]))
            elif before is None or day > before:
                before = day
        if before is not None:
            last_before[tid] = before
        if row.lineage:
            lineage[tid] = [Lineage(p, date.fromisoformat(on)) for p, on in row.lineage]
    own = {**last_before, **{tid: max(v.date for v in vs) for tid, vs in visits.items()}}
    established = {t.id: t.established_on for t in townships if t.established_on is not None}
    carried = carry_last_visits(lineage=lineage, established=established, own=own)
    return _grid(today, townships, visits, last_before, carried)


@dataclass
class BoardRow:
    township: Township
    rectifications: list[Rectification] = field(default_factory=list)

    @property
    def lights(self):
        return [r.light for r in self.rectifications if r.light]

    @property
    def worst_light(self):
        lights = self.lights
        return "red" if "red" in lights else ("yellow" if "yellow" in lights else "")

    @property
    def next_due(self):
        dues = [r.due_on for r in self.rectifications if r.state == Rectification.State.OPEN]
        return min(dues) if dues else None


def escalation_board(county, townships: list[Township]) -> list[BoardRow]:
    """Townships that need attention, the most serious first: level, key management, open rectifications."""
    open_rects = (
        Rectification.objects.filter(township__county=county, state__in=OPEN_RECTIFICATION)
        .select_related("notice")
        .order_by("due_on", "id")
    )
    by_township: dict[int, list[Rectification]] = {}
    for rect in open_rects:
        by_township.setdefault(rect.township_id, []).append(rect)
    return _board(townships, by_township)


@dataclass(frozen=True)
class Light:
    """An open or reported rectification as the board shows it (templates/web/_light.html)."""

    id: int
    due_on: date
    light: str
    state: str

    def get_state_display(self):
        return Rectification.State(self.state).label


def board_from_summary(townships: list[Township], rows: dict[int, TownshipCoverage]) -> list[BoardRow]:
    """`escalation_board` from the summary rows, with no query."""
    by_township = {
        tid: [Light(rid, date.fromisoformat(due), light, state) for rid, due, light, state in row.rectifications]
        for tid, row in rows.items()
        if row.rectifications
    }
    return _board(townships, by_township)


def _board(townships, by_township) -> list[BoardRow]:
    rows = [
        BoardRow(t, by_township.get(t.id, []))
        for t in townships
        if t.level != Level.NORMAL or t.key_managed or t.id in by_township
    ]
    light_rank = {"red": 0, "yellow": 1, "": 2}
    rows.sort(key=lambda r: (-scoring.Level(r.township.level).rank, light_rank[r.worst_light], r.township.code))
    return rows


def board_key(townships: list[Township], rows: list[BoardRow], language: str) -> str:
    """The cache key of the level chart and the escalation board: every township's level (the chart)
    and each board row as shown. A visit dispatched or submitted without a decision leaves it as is,
    so the board is not drawn again for it."""
    shown = (
        language, [(t.id, t.level) for t in townships],
        [(b.township.id, b.township.code, b.township.name, b.township.level, b.township.key_managed,
          b.township.key_managed_since, [(x.id, x.due_on, x.light, x.state) for x in b.rectifications])
         for b in rows],
    )
    return hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()


def level_counts(townships: list[Township]) -> list[tuple[str, str, int]]:
    counts = {level: 0 for level in Level}
    for t in townships:
        counts[Level(t.level)] += 1
    return [(level.value, level.label, counts[level]) for level in Level]


def draft_list(notices, limit=8):
    """The first `limit` drafts among `notices` (already scoped to the viewer), oldest first."""
    qs = notices.filter(state=Notice.State.DRAFT).select_related("township", "inspection")
    # Only what the list shows (web/dashboard.html): a draft's snapshot and the visit's record stay unread.
    shown = qs.only("id", "kind", "created_at", "township__name", "inspection__date")
    return list(shown.order_by("created_at", "id")[:limit])


class _Named(NamedTuple):
    name: str


class _Dated(NamedTuple):
    date: date


class DraftRow(NamedTuple):
    """A draft as the dashboard's list shows it (web/dashboard.html), from `access.commission_dashboard`."""

    id: int
    kind: str
    township: _Named | None
    inspection: _Dated | None

    def get_kind_display(self):
        return NoticeKind(self.kind).label


def drafts_from(text: str | None) -> list[DraftRow]:
    """`draft_list` from the statement's list: [[id, kind, township name, visit's day], …]."""
    return [DraftRow(pk, kind, None if name is None else _Named(name),
                     None if day is None else _Dated(date.fromisoformat(day[:10])))
            for pk, kind, name, day in json.loads(text or "[]")]


class CircularRow(NamedTuple):
    """The circular as the dashboard's card shows it, from `access.commission_dashboard`."""

    id: int
    number_text: str
    state: str
    snapshot: dict  # only its summary

    def get_kind_display(self):
        return NoticeKind.CIRCULAR.label

    def get_state_display(self):
        return Notice.State(self.state).label


def circular_from(text: str | None) -> CircularRow | None:
    """`circular_for` from the statement's [id, number, state, the snapshot's summary], or None."""
    if text is None:
        return None
    pk, number_text, state, summary = json.loads(text)
    return CircularRow(pk, number_text, state, {} if summary is None else {"summary": summary})


def circular_week(today: date) -> str:
    """The week a circular reports on: the last full week before this one."""
    return rotation.week_label(today - timedelta(days=7))


def circular_for(notices, week: str):
    """That week's circular among `notices` (already scoped to the viewer), if drafted or issued."""
    return (
        notices.filter(kind=NoticeKind.CIRCULAR, snapshot__week__iso=week)
        .exclude(state=Notice.State.VOID)
        .order_by("-id")
        .first()
    )


def notice_counts(notices) -> dict[str, int]:
    """Issued notices (of `notices`, scoped to the viewer) still waiting for the township:
    unacknowledged, and reports to review."""
    return notices.aggregate(
        unacknowledged=Count("id", filter=Q(state=Notice.State.ISSUED) & ~Q(kind=NoticeKind.CIRCULAR)),
        responded=Count("id", filter=Q(state=Notice.State.RESPONDED)),
    )


def alarms(county, today: date, *, lost: int, near: str | None = None, drew_before: int | None = None) -> list[str]:
    """The red banner of the commission's home: a week without a draw, a draw below the minimum
    capacity, visits no team could take, visits missed or withdrawn still waiting for a make-up
    (`lost`: how many of this week's were missed or withdrawn, as `access.commission_dashboard`
    counts them; `near`: this and next week's draws as that statement lists them, and `drew_before`
    whether the county drew before this week, or None to read them)."""
    monday = today - timedelta(days=today.weekday())
    this_week, next_week = rotation.week_label(monday), rotation.week_label(monday + timedelta(days=7))
    if near is None:
        # This week's and next week's draws in one query, only the keys the warnings read: a draw's
        # inputs and result hold its whole schedule, far more than the page needs.
        near = list(Draw.objects.filter(county=county, week__in=[this_week, next_week]).order_by(
            "week_start", "id").values_list("week", "label", "accepted_shortfall", "result__shortfall",
                                            "result__missed", "result__unstaffed", "inputs__capacity"))
    else:
        near = json.loads(near)
    found = []
    if not any(week == this_week for week, *_ in near):
        # The rare case: does the county draw at all?
        missing = jobs.missing_week(county, today) if drew_before is None else (this_week if drew_before else None)
        if missing:
            found.append(_("%(week)s 没有抽签（周五的抽签未运行），请尽快补抽。") % {"week": missing})
    for week, _label, accepted, shortfall, missed, unstaffed, _capacity in near:
        result = {"shortfall": shortfall, "missed": missed, "unstaffed": unstaffed}
        found.extend(jobs.draw_warnings(Draw(week=week, accepted_shortfall=accepted, result=result)))
    given = sum(capacity or 0 for week, label, *_, capacity in near if week == this_week and label.startswith("makeup-"))
    waiting = max(lost - given, 0)  # makeups.lost_slots with the count in hand
    if waiting and makeups.at_risk(county=county, week=this_week):
        found.append(_("本周有 %(n)s 次检查未实施或已撤销，相应乡镇等待补充抽签。") % {"n": waiting})
    return found
