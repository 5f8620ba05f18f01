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
from inspection.rawrows import plain_class, select_list

_COMMISSION_FIGURES = """
SELECT
 (SELECT COUNT(*) FROM {notice} WHERE county_id = %s AND state = %s),
 (SELECT COUNT(*) FROM {notice} WHERE county_id = %s AND state = %s AND kind <> %s),
 (SELECT COUNT(*) FROM {notice} WHERE county_id = %s AND state = %s),
 (SELECT COUNT(*) FROM {damaged} WHERE county_id = %s),
 (SELECT COUNT(*) FROM {inspection} i INNER JOIN {draw} d ON d.id = i.draw_id
   WHERE i.county_id = %s AND d.week = %s AND i.status IN (%s, %s)),
 (SELECT COUNT(*) FROM {inspection} i INNER JOIN {county} c ON c.id = i.county_id
   WHERE i.county_id = %s AND i.kind = %s AND i.status IN (%s, %s)
     AND (SELECT COUNT(*) FROM {member} m WHERE m.inspection_id = i.id)
         < CASE WHEN c.team_size > 2 THEN c.team_size ELSE 2 END),
 (SELECT COUNT(*) FROM {notification} WHERE recipient_id = %s AND read_at IS NULL),
 (SELECT COUNT(*) FROM {report} WHERE county_id = %s AND state = %s),
 (SELECT COUNT(*) FROM {report} WHERE county_id = %s AND state = %s AND due_at <= %s),
 (SELECT COUNT(*) FROM {report} WHERE county_id = %s AND state = %s AND due_at <= %s AND escalated_at IS NULL)
"""
COMMISSION_FIGURES = ("drafts", "unacknowledged", "responded", "damaged", "lost", "understaffed", "unread",
                      "reports_open", "reports_late", "reports_unescalated")

# Each list an ordered sub-query `s` aggregated into one text value ({agg}: per database, below).
_COMMISSION_LISTS = """
SELECT
 (SELECT {json_agg} FROM (SELECT n.id, n.created_at,
     {array}(n.id, n.kind, tw.name, ins.date) AS v FROM {notice} n
   LEFT JOIN {township} tw ON tw.id = n.township_id LEFT JOIN {inspection} ins ON ins.id = n.inspection_id
   WHERE n.county_id = %s AND n.state = %s ORDER BY n.created_at, n.id LIMIT %s) s),
 (SELECT {array}(n.id, n.number_text, n.state, {summary}){text} FROM {notice} n
   WHERE n.county_id = %s AND n.kind = %s AND {week_iso} = %s AND n.state <> %s ORDER BY n.id DESC LIMIT 1),
 (SELECT {json_agg_near} FROM (SELECT d.week_start, d.id,
     {array}(d.week, d.label, d.accepted_shortfall, {shortfall}, {missed}, {unstaffed}, {capacity}) AS v
   FROM {draw} d WHERE d.county_id = %s AND d.week IN (%s, %s) ORDER BY d.week_start, d.id) s),
 (SELECT {string_agg} FROM (SELECT d.id, d.id || ':' || d.state AS v FROM {draw} d
   WHERE d.county_id = %s AND d.label IN (%s, %s) AND d.week >= %s AND d.week <= %s ORDER BY d.id) s),
 (SELECT {string_agg} FROM (SELECT i.id,
     i.id || ':' || CASE WHEN i.status IN (%s, %s, %s) THEN i.status ELSE 'open' END AS v
   FROM {inspection} i
   WHERE i.county_id = %s AND i.date >= %s AND i.date <= %s
     AND ((SELECT d.label FROM {draw} d WHERE d.id = i.draw_id) IN (%s, %s) OR i.status = %s)
   ORDER BY i.id) s),
 (SELECT COUNT(*) FROM (SELECT 1 FROM {draw} d WHERE d.county_id = %s AND d.week_start < %s LIMIT 1) s)
"""
COMMISSION_LISTS = ("draft_list", "circular", "near_draws", "trend_draws", "trend_visits", "drew_before")

_VENDOR = {
    "postgresql": {
        "array": "json_build_array", "text": "::text",
        "json_agg": "json_agg(s.v ORDER BY s.created_at, s.id)::text",
        "json_agg_near": "json_agg(s.v ORDER BY s.week_start, s.id)::text",
        "string_agg": "string_agg(s.v, ',' ORDER BY s.id)",
        "summary": "n.snapshot -> 'summary'", "week_iso": "n.snapshot -> 'week' ->> 'iso'",
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


@cache
def dashboard_sql(alias: str):
    """The statement (built once per process and database), how to read the townships and their
    summary rows back from each row, and their plain classes (a township's `coverage` its summary
    row): the counts on every row, the lists on the first only (the township with the smallest code;
    no township: one row of counts and lists)."""
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
           f"LEFT JOIN {q(Township._meta.db_table)} t ON t.{q('county_id')} = %s "
           f"LEFT JOIN {q(TownshipCoverage._meta.db_table)} k ON k.{q('township_id')} = t.{q('id')} "
           f"ORDER BY t.{q('code')}")
    return sql, parts, (plain_class(parts[0], "coverage"), plain_class(parts[1]))


def dashboard_params(connection, user, profile, *, now, week, lists) -> list:
    """The statement's parameters; `lists`: what the lists are read for (`ListsFor`)."""
    c, N, S, R = profile.county_id, Notice.State, Inspection.Status, MandatoryReport.State
    at = connection.ops.adapt_datetimefield_value(now)
    figures = [c, N.DRAFT, c, N.ISSUED, NoticeKind.CIRCULAR, c, N.RESPONDED, c, c, week, S.MISSED, S.CANCELLED,
               c, Inspection.Kind.FOLLOW_UP, S.PLANNED, S.DISPATCHED, user.pk, c, R.OPEN, c, R.OPEN, at, c, R.OPEN, at]
    day = connection.ops.adapt_datefield_value
    main = list(lists.main_labels)
    return figures + [
        c, N.DRAFT, DRAFTS_SHOWN,
        c, NoticeKind.CIRCULAR, lists.circular_week, N.VOID,
        c, week, lists.next_week,
        c, *main, lists.trend_weeks[0], lists.trend_weeks[1],
        *lists.finished, c, day(lists.trend_days[0]), day(lists.trend_days[1]), *main, S.SUBMITTED,
        c, day(lists.monday),
    ] + [c]
