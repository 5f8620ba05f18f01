"""The dashboard's coverage summary (issue 14): one `TownshipCoverage` row per township, written in
the same transaction as every write that changes what the commission's dashboard shows of it.

Entry points (keyword-only):

    refresh_coverage(township=) / refresh_coverage(county=)
        rewrite one township's row (or every row of a county, after a lineage change) from the
        record; each service that changes visits, rectifications or lineage calls it before it
        returns: dispatch, submit, a missed visit, an escalation decision, a report filed or returned
    rebuild_coverage(county=None) -> int
        every row from scratch (`manage.py rebuild_coverage`, the load generator after a bulk load)
    summary_of(county) -> {township id: fields}
        what the rows should hold, without writing: the tests compare it with the kept rows

Each caller refreshes last, after its audit event: every writer then takes the county's audit head
before a summary row, in one order (the escalation run cannot do otherwise: its events come with
its decisions), so two writers never wait for each other in a circle.

A row keeps only what a write changes. What the clock changes alone (which visits still count as
their grace runs out, the period, the deadline and how near it is) is derived from the row at read
time by `inspection/web/board.py`, with the same rule as `InspectionQuerySet.counted`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

import rotation
from inspection.models import County, Inspection, Rectification, Township, TownshipCoverage, TownshipLineage

OPEN_STATES = (Rectification.State.OPEN, Rectification.State.REPORTED)
FIELDS = ("last_before", "visits", "lineage", "rectifications")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _since(as_of: datetime):
    """Submitted visits before this day are folded into `last_before`: the start of the previous
    period, so a read at any day of this period or the next sees every visit of its own period."""
    today = timezone.localtime(as_of).date()
    return rotation.period_bounds(rotation.period_index(today) - 1)[0]


def _empty() -> dict:
    return {"last_before": None, "visits": [], "lineage": [], "rectifications": []}


def _fill_visits(rows: dict[int, dict], visits, as_of: datetime) -> None:
    since = _since(as_of)
    for iid, tid, day, score, kind, submitted_at, missed_at, cancelled_at in visits:
        row = rows.setdefault(tid, _empty())
        ended = min((t for t in (missed_at, cancelled_at) if t is not None), default=None)
        if submitted_at is None and ended is not None and ended <= as_of:
            continue  # missed or cancelled: it never counts again (InspectionQuerySet.counted)
        if kind == Inspection.Kind.AD_HOC and (submitted_at is None or submitted_at > as_of):
            continue  # ordered by hand: it counts only once submitted (InspectionQuerySet.counted)
        if submitted_at is not None and submitted_at <= as_of and day < since:
            row["last_before"] = day  # ordered by date: the last one wins
            continue
        row["visits"].append(
            [iid, day.isoformat(), score, kind == Inspection.Kind.FOLLOW_UP, _iso(submitted_at), _iso(ended)]
        )


def _computed(*, county: County, township_ids: list[int] | None, as_of: datetime) -> dict[int, dict]:
    scope = {"township__county": county} if township_ids is None else {"township_id__in": township_ids}
    ids = township_ids if township_ids is not None else Township.objects.filter(county=county).values_list("id", flat=True)
    rows = {tid: _empty() for tid in ids}
    visits = (
        Inspection.objects.filter(**scope)
        .exclude(status=Inspection.Status.PLANNED)
        .order_by("date", "id")
        .values_list("id", "township_id", "date", "score", "kind", "submitted_at", "missed_at", "cancelled_at")
    )
    _fill_visits(rows, visits, as_of)
    lineage = TownshipLineage.objects.filter(**scope).order_by("changed_on", "predecessor_code")
    for tid, predecessor, changed_on in lineage.values_list("township_id", "predecessor_id", "changed_on"):
        rows.setdefault(tid, _empty())["lineage"].append([predecessor, changed_on.isoformat()])
    rects = Rectification.objects.filter(**scope, state__in=OPEN_STATES).order_by("due_on", "id")
    for rid, tid, due_on, light, state in rects.values_list("id", "township_id", "due_on", "light", "state"):
        rows.setdefault(tid, _empty())["rectifications"].append([rid, due_on.isoformat(), light, state])
    return rows


def summary_of(county: County, *, as_of: datetime | None = None) -> dict[int, dict]:
    """Every township's row as the record stands, computed, not written."""
    return _computed(county=county, township_ids=None, as_of=as_of or timezone.now())


def _write(county_id: int, rows: dict[int, dict]) -> None:
    TownshipCoverage.objects.bulk_create(
        [TownshipCoverage(township_id=tid, county_id=county_id, **fields) for tid, fields in rows.items()],
        # The county too: a township moved to another county in the admin gets its row back there at
        # the next refresh (the dashboard's statement finds the rows by the county, dashboard_sql.py).
        update_conflicts=True, unique_fields=["township"], update_fields=[*FIELDS, "county"],
    )


@transaction.atomic
def refresh_coverage(*, township: Township | None = None, county: County | None = None) -> None:
    """Rewrite the summary of `township` (or of every township of `county`), in the caller's transaction."""
    if (township is None) == (county is None):
        raise TypeError("refresh_coverage takes one of township= or county=")
    as_of = timezone.now()
    if township is not None:
        _write(township.county_id, _computed(county=township.county, township_ids=[township.pk], as_of=as_of))
    else:
        _write(county.pk, summary_of(county, as_of=as_of))


@transaction.atomic
def rebuild_coverage(*, county: County | None = None) -> int:
    """Every summary row from scratch, for one county or all of them. Returns the number of rows."""
    counties = [county] if county is not None else list(County.objects.order_by("code"))
    written = 0
    for c in counties:
        rows = summary_of(c)
        TownshipCoverage.objects.filter(county=c).exclude(township_id__in=list(rows)).delete()
        _write(c.pk, rows)
        written += len(rows)
    return written

