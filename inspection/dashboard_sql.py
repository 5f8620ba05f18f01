"""The commission dashboard's one statement, written out (issue 14): the read rules of access.py for
the commission of a county, as SQL, because building them through the ORM cost more CPU per read
than the page's whole target.

`access.commission_dashboard` runs it (after its role check). One statement returns:

- the counts (`COMMISSION_FIGURES`): what visible_notices, visible_damaged_files, report_counts,
  visible_notifications, follow_ups.understaffed and makeups.lost_slots count for the commission;
- the lists behind the cards (`COMMISSION_LISTS`), on the first row only: the first drafts
  (`board.draft_list`), last week's circular (`board.circular_for`), this and next week's draws as
  the alarms read them (`board.alarms`), and the draws and visits the compliance estimate reads
  (`statistics.trend_fingerprint`), each as text the page turns into what it shows; and whether the
  county drew before this week (`jobs.missing_week`, asked when this week has no draw);
- every township of the county with its summary row (LEFT JOIN: the inactive ones too).

JSON paths and list aggregates are written per database (`->`, `json_agg`, `string_agg` on
PostgreSQL; `->`, `json_group_array`, `group_concat` over an ordered sub-query on SQLite).
tests/web/test_dashboard_reads.py checks every column against the querysets it mirrors, on both.
"""

import re
from datetime import date
from functools import cache
from typing import NamedTuple

from django.db import connections

from inspection.models import (
    County,
    DamagedFile,
    Draw,
    Inspection,
    MandatoryReport,
    Notice,
    NoticeKind,
    Notification,
    TeamMember,
    Township,
    TownshipCoverage,
)
from inspection.rawrows import plain_class, select_list, takes_raw_statements

_COMMISSION_FIGURES = """
SELECT
 (SELECT COUNT(*) FROM {notice} WHERE county_id = %(county)s AND state = %(draft)s),
 (SELECT COUNT(*) FROM {notice} WHERE county_id = %(county)s AND state = %(issued)s AND kind <> %(circular)s),
 (SELECT COUNT(*) FROM {notice} WHERE county_id = %(county)s AND state = %(responded)s),
 (SELECT COUNT(*) FROM {damaged} WHERE county_id = %(county)s),
 (SELECT COUNT(*) FROM {inspection} i INNER JOIN {draw} d ON d.id = i.draw_id
   WHERE i.county_id = %(county)s AND d.week = %(week)s AND i.status IN (%(missed)s, %(cancelled)s)),
 (SELECT COUNT(*) FROM {inspection} i INNER JOIN {county} c ON c.id = i.county_id
   WHERE i.county_id = %(county)s AND i.kind = %(follow_up)s AND i.status IN (%(planned)s, %(dispatched)s)
     AND (SELECT COUNT(*) FROM {member} m WHERE m.inspection_id = i.id)
         < CASE WHEN c.team_size > 2 THEN c.team_size ELSE 2 END),
 (SELECT COUNT(*) FROM {notification} WHERE recipient_id = %(user)s AND read_at IS NULL),
 (SELECT COUNT(*) FROM {report} WHERE county_id = %(county)s AND state = %(report_open)s),
 (SELECT COUNT(*) FROM {report} WHERE county_id = %(county)s AND state = %(report_open)s AND due_at <= %(now)s),
 (SELECT COUNT(*) FROM {report} WHERE county_id = %(county)s AND state = %(report_open)s AND due_at <= %(now)s AND escalated_at IS NULL)
"""
COMMISSION_FIGURES = ("drafts", "unacknowledged", "responded", "damaged", "lost", "understaffed", "unread",
                      "reports_open", "reports_late", "reports_unescalated")

# Each list an ordered sub-query `s` aggregated into one text value ({agg}: per database, below).
_COMMISSION_LISTS = """
SELECT
 (SELECT {json_agg} FROM (SELECT n.id, n.created_at,
     {array}(n.id, n.kind, (SELECT tw.name FROM {township} tw WHERE tw.id = n.township_id),
             (SELECT ins.date FROM {inspection} ins WHERE ins.id = n.inspection_id)) AS v FROM {notice} n
   WHERE n.county_id = %(county)s AND n.state = %(draft)s ORDER BY n.created_at, n.id LIMIT %(drafts_shown)s) s),
 (SELECT {array}(n.id, n.number_text, n.state, {summary}){text} FROM {notice} n
   WHERE n.county_id = %(county)s AND n.kind = %(circular)s AND {week_iso} = %(circular_week)s AND n.state <> %(void)s ORDER BY n.id DESC LIMIT 1),
 (SELECT {json_agg_near} FROM (SELECT d.week_start, d.id,
     {array}(d.week, d.label, d.accepted_shortfall, {shortfall}, {missed}, {unstaffed}, {capacity}) AS v
   FROM {draw} d WHERE d.county_id = %(county)s AND d.week IN (%(week)s, %(next_week)s) ORDER BY d.week_start, d.id) s),
 (SELECT {string_agg} FROM (SELECT d.id, d.id || ':' || d.state AS v FROM {draw} d
   WHERE d.county_id = %(county)s AND d.label IN (%(main_0)s, %(main_1)s) AND d.week >= %(trend_week_0)s AND d.week <= %(trend_week_1)s ORDER BY d.id) s),
 (SELECT {string_agg} FROM (SELECT i.id,
     i.id || ':' || CASE WHEN i.status IN (%(finished_0)s, %(finished_1)s, %(finished_2)s) THEN i.status ELSE 'open' END AS v
   FROM {inspection} i
   WHERE i.county_id = %(county)s AND i.date >= %(trend_day_0)s AND i.date <= %(trend_day_1)s
     AND ((SELECT d.label FROM {draw} d WHERE d.id = i.draw_id) IN (%(main_0)s, %(main_1)s) OR i.status = %(submitted)s)
   ORDER BY i.id) s),
 (SELECT COUNT(*) FROM (SELECT 1 FROM {draw} d WHERE d.county_id = %(county)s AND d.week_start < %(monday)s LIMIT 1) s)
"""
COMMISSION_LISTS = ("draft_list", "circular", "near_draws", "trend_draws", "trend_visits", "drew_before")

_VENDOR = {
    "postgresql": {
        "array": "json_build_array", "text": "::text",
        "json_agg": "json_agg(s.v ORDER BY s.created_at, s.id)::text",
        "json_agg_near": "json_agg(s.v ORDER BY s.week_start, s.id)::text",
        "string_agg": "string_agg(s.v, ',' ORDER BY s.id)",
        "summary": "n.snapshot -> 'summary'",
        # The expression of the index `notice_county_week` (models.Notice), so the circular is found by it.
        "week_iso": "n.snapshot #>> '{week,iso}'",
        "shortfall": "d.result -> 'shortfall'", "missed": "d.result -> 'missed'",
        "unstaffed": "d.result -> 'unstaffed'", "capacity": "d.inputs -> 'capacity'",
    },
    "sqlite": {  # the sub-query's ORDER BY gives the aggregate its order
        "array": "json_array", "text": "",
        "json_agg": "json_group_array(json(s.v))", "json_agg_near": "json_group_array(json(s.v))",
        "string_agg": "group_concat(s.v, ',')",
        "summary": "n.snapshot -> '$.summary'", "week_iso": "json_extract(n.snapshot, '$.week.iso')",
        "shortfall": "d.result -> '$.shortfall'", "missed": "d.result -> '$.missed'",
        "unstaffed": "d.result -> '$.unstaffed'", "capacity": "d.inputs -> '$.capacity'",
    },
}
DRAFTS_SHOWN = 8  # as board.draft_list's limit


class ListsFor(NamedTuple):
    """What the lists are read for, from the page's day (web/commission.py)."""

    monday: date  # of the page's week: whether the county drew before it (jobs.missing_week)
    circular_week: str  # board.circular_week
    next_week: str  # the alarms read this week's draws (the statement's `week`) and next week's
    trend_weeks: tuple[str, str]  # the first and last week the compliance estimate reads (statistics.trend_bounds)
    trend_days: tuple[date, date]  # the days of the visits it reads
    main_labels: tuple[str, str]  # statistics.MAIN_LABELS
    finished: tuple[str, str, str]  # statistics.FINISHED


class Statement(NamedTuple):
    sql: str
    names: tuple[str, ...] | None  # PostgreSQL: the parameters' names in the order of $1, $2...
    parts: list  # how to read the townships and their summary rows back (rawrows.Part)
    classes: tuple[type, type]  # their plain classes (a township's `coverage` its summary row)

    def params(self, values: dict):
        """`values` (dashboard_params) as the statement takes them."""
        return values if self.names is None else [values[name] for name in self.names]


NAMED = re.compile(r"%\((\w+)\)s")


@cache
def dashboard_sql(alias: str) -> Statement:
    """The statement (built once per process and database), how to read the townships and their
    summary rows back from each row, and their plain classes: the counts on every row, the lists on
    the first only (the township with the smallest code; no township: one row of counts and lists).
    On PostgreSQL it is written with the server's own placeholders ($1 for each name) for psycopg's
    raw cursor (rawrows.prepared_cursor), which sends it as written: psycopg's own cursor parsed this
    statement (over 4 KB, 52 parameters: more than psycopg keeps parsed) again for every read."""
    connection = connections[alias]
    n = len(COMMISSION_FIGURES) + len(COMMISSION_LISTS)
    columns, parts = select_list(connection, [(Township, "t"), (TownshipCoverage, "k")], n)
    q = connection.ops.quote_name
    tables = {"notice": Notice, "damaged": DamagedFile, "inspection": Inspection, "draw": Draw, "county": County,
              "member": TeamMember, "notification": Notification, "report": MandatoryReport, "township": Township}
    tables = {k: q(m._meta.db_table) for k, m in tables.items()}
    figures = _COMMISSION_FIGURES.format(**tables)
    lists = _COMMISSION_LISTS.format(**tables, **_VENDOR[connection.vendor])
    first = f"ROW_NUMBER() OVER (ORDER BY t.{q('code')}) = 1"
    shown = ", ".join(f"CASE WHEN {first} THEN x.{name} END" for name in COMMISSION_LISTS)
    sql = (f"WITH f({', '.join(COMMISSION_FIGURES)}) AS ({figures}), x({', '.join(COMMISSION_LISTS)}) AS ({lists}) "
           f"SELECT f.*, {shown}, {', '.join(columns)} FROM f CROSS JOIN x "
           f"LEFT JOIN {q(Township._meta.db_table)} t ON t.{q('county_id')} = %(county)s "
           # The county too, as `board.summaries` reads the rows: PostgreSQL then finds them by the county's
           # index instead of reading every summary row of the server (a province's 3,111 for 46).
           f"LEFT JOIN {q(TownshipCoverage._meta.db_table)} k ON k.{q('township_id')} = t.{q('id')} "
           f"AND k.{q('county_id')} = %(county)s "
           f"ORDER BY t.{q('code')}")
    names = None
    if takes_raw_statements(connection):
        names = tuple(dict.fromkeys(NAMED.findall(sql)))
        sql = NAMED.sub(lambda m: f"${names.index(m[1]) + 1}", sql)
    return Statement(sql, names, parts, (plain_class(parts[0], "coverage"), plain_class(parts[1])))


def dashboard_params(connection, user, profile, *, now, week, lists) -> dict:
    """The statement's parameters, by name (the county alone is read sixteen times); `lists`: what the
    lists are read for (`ListsFor`)."""
    N, S, R = Notice.State, Inspection.Status, MandatoryReport.State
    day = connection.ops.adapt_datefield_value
    return {
        "county": profile.county_id, "user": user.pk, "week": week,
        "now": connection.ops.adapt_datetimefield_value(now),
        "draft": N.DRAFT, "issued": N.ISSUED, "responded": N.RESPONDED, "void": N.VOID, "circular": NoticeKind.CIRCULAR,
        "missed": S.MISSED, "cancelled": S.CANCELLED, "planned": S.PLANNED, "dispatched": S.DISPATCHED,
        "submitted": S.SUBMITTED, "follow_up": Inspection.Kind.FOLLOW_UP, "report_open": R.OPEN,
        "drafts_shown": DRAFTS_SHOWN, "circular_week": lists.circular_week, "next_week": lists.next_week,
        "main_0": lists.main_labels[0], "main_1": lists.main_labels[1],
        "trend_week_0": lists.trend_weeks[0], "trend_week_1": lists.trend_weeks[1],
        "finished_0": lists.finished[0], "finished_1": lists.finished[1], "finished_2": lists.finished[2],
        "trend_day_0": day(lists.trend_days[0]), "trend_day_1": day(lists.trend_days[1]), "monday": day(lists.monday),
    }
