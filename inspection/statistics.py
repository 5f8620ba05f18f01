"""County-wide compliance estimated from the random draw (issue 16): the database side of
`scoring.estimate`. Read only, beside `access.py`; docs/statistics.md explains the method.

    estimate_span(county=, first=, last=, today=None) -> SpanEstimate
        any span of days: its weeks (a week belongs to the span holding its Thursday, as ISO weeks
        belong to months) whose main draw's visits are all finished. The quarterly report (issue 15)
        calls this with the quarter's first and last day.
    estimate_period(county=, month="YYYY-MM", today=None) -> SpanEstimate
        the two-month period starting that month (`manage.py estimate`)
    estimate_trend(county=, today=, periods=3) -> list[SpanEstimate]
        the calendar two-month periods up to today's, oldest first (dashboard, circular)

What enters: each week's main draw ("weekly" or "late") with the probability of every township in
its frame. Make-up draws, follow-ups (回头看) and visits outside any draw are counted and left out:
a make-up visit's probability is conditional on which visits were missed, which no design fixes.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import IntegerField, Q, Value

import rotation
from inspection.errors import Unprocessable
from inspection.models import ChecklistItem, County, Draw, Finding, Inspection
from scoring import cn_date
from scoring.estimate import DrawnVisit, Estimate, Item, WeekSample, estimate

MAIN_LABELS = ("weekly", "late")  # as services.draw_record.MAIN_LABELS; read here without the services
FINISHED = (Inspection.Status.SUBMITTED, Inspection.Status.MISSED, Inspection.Status.CANCELLED)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class SpanEstimate:
    county: County
    first: date
    last: date
    result: Estimate
    pending_weeks: int  # weeks drawn whose visits are not all finished yet: not in the estimate
    undrawn_weeks: int  # weeks already begun with no main draw at all

    @property
    def label(self) -> str:
        return span_label(self.first, self.last)

    def to_dict(self) -> dict:
        return {
            "county": self.county.code,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            **self.result.to_dict(),
            "pending_weeks": self.pending_weeks,
            "undrawn_weeks": self.undrawn_weeks,
        }


def span_label(f: date, last: date) -> str:
    """A span in words: 2026年11—12月, 2026年12月至2027年1月, or its first and last day."""
    if f.day == 1 and (last + timedelta(days=1)).day == 1:
        if f.year != last.year:
            return f"{f.year}年{f.month}月至{last.year}年{last.month}月"
        return f"{f.year}年{f.month}月" if f.month == last.month else f"{f.year}年{f.month}—{last.month}月"
    return f"{cn_date(f)}至{cn_date(last)}"


def period_span(month: str) -> tuple[date, date]:
    """The two months starting `month` (YYYY-MM): first and last day."""
    found = _MONTH.match(month or "")
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2999:
        raise Unprocessable(f"统计期应写作 YYYY-MM（起始月份），如 2026-11：{month!r}")
    year, mon = int(found.group(1)), int(found.group(2))
    end_year, end_month = (year, mon + 2) if mon <= 10 else (year + 1, mon - 10)
    return date(year, mon, 1), date(end_year, end_month, 1) - timedelta(days=1)


def _weeks(first: date, last: date) -> list[date]:
    """Mondays of the weeks whose Thursday falls in [first, last]."""
    monday = first - timedelta(days=first.weekday())
    if monday + timedelta(days=3) < first:
        monday += timedelta(days=7)
    out = []
    while monday + timedelta(days=3) <= last:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def _items(visits: list[Inspection], rows: list[ChecklistItem]) -> tuple[list[Item], dict[int, frozenset[str]], dict[int, str]]:
    """The items of the latest checklist used, each visit's checklist as item keys, and item id → key.

    A key is the item's area and text, so the same wording is one item across checklist versions."""
    keys: dict[int, str] = {}
    by_list: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        keys[row.pk] = f"{row.area}\x1f{row.text}"
        by_list[row.checklist_id].add(keys[row.pk])
    latest = max((v.checklist_id for v in visits), default=None)
    items = [Item(keys[r.pk], r.area, r.text, r.position) for r in rows if r.checklist_id == latest]
    return items, {k: frozenset(v) for k, v in by_list.items()}, keys


def _failed(visits: list[Inspection], keys: dict[int, str], found: list[tuple[int, int]]) -> dict[int, set[str]]:
    """Per visit, the items a finding that counts (not corrected since) was filed against."""
    ids = {v.pk for v in visits}
    out: dict[int, set[str]] = defaultdict(set)
    for inspection_id, item_id in found:
        if inspection_id in ids:
            out[inspection_id].add(keys[item_id])
    return out


def _excluded(county: County, spans: list[tuple[date, date]]) -> list[dict[str, int]]:
    """Per span, the submitted visits that are not part of the draw's design, by kind: one query for all
    (a short list of rows, counted here: cheaper than compiling a filtered count per span and kind)."""
    first, last = min(f for f, _ in spans), max(la for _, la in spans)
    rows = Inspection.objects.filter(county=county, status=Inspection.Status.SUBMITTED, date__range=(first, last)).filter(
        Q(draw__label__startswith="makeup-") | Q(kind=Inspection.Kind.FOLLOW_UP) | Q(draw__isnull=True)
    ).values_list("date", "kind", "draw__label")
    out = [{"makeup": 0, "follow_up": 0, "ad_hoc": 0} for _ in spans]
    for day, kind, label in rows:
        name = ("follow_up" if kind == Inspection.Kind.FOLLOW_UP else "makeup" if label else
                "ad_hoc" if kind in (Inspection.Kind.REGULAR, Inspection.Kind.AD_HOC) else None)
        for n, (f, la) in enumerate(spans):
            if name and f <= day <= la:
                out[n][name] += 1
    return out


def estimate_span(*, county: County, first: date, last: date, today: date | None = None) -> SpanEstimate:
    return estimate_spans(county=county, spans=[(first, last)], today=today)[0]


def estimate_spans(*, county: County, spans: list[tuple[date, date]], today: date | None = None) -> list[SpanEstimate]:
    """Several spans read in the same five queries whatever the data (the dashboard shows three periods)."""
    mondays = [_weeks(first, last) for first, last in spans]
    weeks = sorted({rotation.week_label(m) for ms in mondays for m in ms})
    main = {"draw__county": county, "draw__label__in": MAIN_LABELS, "draw__week__in": weeks}
    draws = list(Draw.objects.filter(county=county, label__in=MAIN_LABELS, week__in=weeks)
                 .only("id", "week", "week_start", "result").order_by("week_start", "id"))
    visits = list(Inspection.objects.filter(**main).select_related("township").only(
        "id", "draw_id", "status", "checklist_id", "probability", "township__code").order_by("id"))
    rows = list(ChecklistItem.objects.filter(checklist__county=county).order_by("checklist_id", "position"))
    found = list(Finding.objects.filter(corrections__isnull=True, item__isnull=False, **{
        f"inspection__{k}": v for k, v in main.items()}).values_list("inspection_id", "item_id"))
    by_draw: dict[int, list[Inspection]] = defaultdict(list)
    for v in visits:
        by_draw[v.draw_id].append(v)
    return [
        _span_estimate(county, span, [d for d in draws if d.week_start in set(ms)], by_draw, rows, found,
                       excluded, ms, today)
        for span, ms, excluded in zip(spans, mondays, _excluded(county, spans))
    ]


def _span_estimate(county, span, draws, by_draw, rows, found, excluded, mondays, today) -> SpanEstimate:
    finished = [d for d in draws if all(v.status in FINISHED for v in by_draw[d.pk])]
    used = [v for d in finished for v in by_draw[d.pk]]
    items, checked, keys = _items([v for v in used if v.status == Inspection.Status.SUBMITTED] or used, rows)
    failed = _failed(used, keys, found)
    weeks = [_week_sample(d, by_draw[d.pk], checked, failed) for d in finished]
    drawn_weeks = {d.week for d in draws}
    begun = [m for m in mondays if today is None or m <= today]
    return SpanEstimate(
        county=county, first=span[0], last=span[1],
        result=estimate(weeks, items, excluded=excluded),
        pending_weeks=len(draws) - len(finished),
        undrawn_weeks=sum(1 for m in begun if rotation.week_label(m) not in drawn_weeks),
    )


def _week_sample(draw: Draw, visits: list[Inspection], checked, failed) -> WeekSample:
    tick = draw.result.get("tick") or rotation.TICKS
    frame = {code: ticks / tick for code, ticks in draw.result.get("frame", [])}
    return WeekSample(
        week=draw.week,
        frame=len(frame),
        unreachable=sum(1 for p in frame.values() if p <= 0),
        visits=tuple(
            DrawnVisit(
                township=v.township.code,
                probability=frame.get(v.township.code, v.probability or 0.0) if frame else (v.probability or 0.0),
                submitted=v.status == Inspection.Status.SUBMITTED,
                failed=frozenset(failed.get(v.pk, ())),
                checked=checked.get(v.checklist_id, frozenset()),
            )
            for v in visits
        ),
    )


def estimate_period(*, county: County, month: str, today: date | None = None) -> SpanEstimate:
    first, last = period_span(month)
    return estimate_span(county=county, first=first, last=last, today=today)


def trend_fingerprint(*, county: County, today: date, periods: int = 3) -> str:
    """Everything `estimate_trend` reads that can change, in one short query: the main draws of its
    weeks (with their state) and every visit of its days with its status, plus today. Findings need no
    place here: they are frozen when their visit is submitted, and a visit enters the estimate only
    then (or when missed or cancelled), which its status shows; checklist items and probabilities
    never change once used. The dashboard keys its cached estimate on this (reading the same two
    lists in its one statement, access.commission_dashboard), so a read after any write that moves
    the estimate computes it afresh."""
    (first_week, last_week), (first, last) = trend_bounds(today, periods)
    draws = Draw.objects.filter(county=county, label__in=MAIN_LABELS, week__gte=first_week, week__lte=last_week)
    # Only the visits the estimate reads (those of its draws, and the submitted ones it counts as outside
    # the design), each with what it reads of the status: finished how, or not yet. A visit ordered by
    # hand or dispatched from planned moves nothing, so the dashboard read after it keeps the estimate.
    visits = Inspection.objects.filter(county=county, date__range=(first, last))
    visits = visits.filter(Q(draw__label__in=MAIN_LABELS) | Q(status=Inspection.Status.SUBMITTED))
    # Both lists in one round trip (UNION ALL, tagged 0 for a draw and 1 for a visit).
    rows = sorted(draws.order_by().annotate(part=Value(0, IntegerField())).values_list("part", "id", "state").union(
        visits.order_by().annotate(part=Value(1, IntegerField())).values_list("part", "id", "status"), all=True))
    shown_draws = ",".join(f"{pk}:{state}" for part, pk, state in rows if part == 0)
    shown_visits = ",".join(f"{pk}:{status if status in FINISHED else 'open'}" for part, pk, status in rows if part == 1)
    return trend_digest(county.pk, today, periods, shown_draws, shown_visits)


def trend_bounds(today: date, periods: int = 3) -> tuple[tuple[str, str], tuple[date, date]]:
    """The first and last week whose main draws the estimate reads (its weeks are consecutive, so
    every label between the two is one of them), and the first and last day of the visits it reads."""
    spans = _trend_spans(today, periods)
    first, last = spans[0][0], spans[-1][1]
    mondays = _weeks(first, last)
    return ((rotation.week_label(mondays[0]), rotation.week_label(mondays[-1])),
            (first - timedelta(days=7), last + timedelta(days=7)))


def trend_digest(county_id: int, today: date, periods: int, draws: str, visits: str) -> str:
    """The fingerprint from the two lists as text ("id:state,…", ascending ids; a visit's status
    "open" unless it is finished), however they were read."""
    digest = hashlib.sha256(f"{county_id}|{today.isoformat()}|{periods}|".encode())
    digest.update(draws.encode())
    digest.update(b"|")
    digest.update(visits.encode())
    return digest.hexdigest()


def estimate_trend(*, county: County, today: date, periods: int = 3) -> list[SpanEstimate]:
    """The calendar two-month periods (Jan–Feb, Mar–Apr, …) up to today's, oldest first."""
    return estimate_spans(county=county, spans=_trend_spans(today, periods), today=today)


def _trend_spans(today: date, periods: int) -> list[tuple[date, date]]:
    """The calendar two-month periods up to today's, oldest first: what the trend and its key cover."""
    now = rotation.period_index(today)
    return [tuple(rotation.period_bounds(i)) for i in range(now - periods + 1, now + 1)]


def percent(value: float | None) -> str:
    """A share as people read it: 83.5%; no estimate: —."""
    return "—" if value is None else f"{value * 100:.1f}%"


def trend_table(spans: list[SpanEstimate]) -> dict:
    """Rows per item of the last span's checklist, one cell per span (oldest first), for the pages
    and letters: {"periods": [label], "rows": [{position, area, text, cells: [{estimate, low, high,
    visits, plain}]}], "current": what entered the last span}, shares as percentages in words."""
    spans = [s for s in spans[:-1] if s.result.visits] + spans[-1:]  # an earlier period without visits says nothing
    if not spans:
        return {"periods": [], "rows": [], "current": None}
    by_span = [{i.item.key: i for i in span.result.items} for span in spans]
    rows = []
    for item in spans[-1].result.items:
        cells = []
        for span, found in zip(spans, by_span):
            one = found.get(item.item.key)
            cells.append({
                "period": span.label,
                "estimate": percent(one.estimate if one else None),
                "low": percent(one.low if one else None),
                "high": percent(one.high if one else None),
                "visits": one.visits if one else 0,
                "plain": percent(one.plain_mean if one else None),
            })
        rows.append({"position": item.item.position, "area": item.item.area, "text": item.item.text, "cells": cells})
    last = spans[-1]
    return {"periods": [span.label for span in spans], "rows": rows, "current": {
        "label": last.label, "weeks": last.result.weeks, "visits": last.result.visits,
        "missed": last.result.missed, "pending": last.pending_weeks, "undrawn": last.undrawn_weeks,
        "unreachable": last.result.township_weeks - last.result.reachable, **last.result.excluded}}


CIRCULAR_ROWS = 5  # a circular is read by every township: the items most in need, the rest in one line


def circular_block(span: SpanEstimate, period: str) -> dict | None:
    """What the weekly circular says of the `period` so far (snapshot field `compliance`), None
    before any finished drawn visit: the items with the lowest estimates, and how many others and
    their lowest estimate; shares as numbers 0..1, rounded as printed."""
    result = span.result
    found = sorted((i for i in result.items if i.estimate is not None), key=lambda i: (i.estimate, i.item.position))
    if not result.visits or not found:
        return None
    shown, rest = found[:CIRCULAR_ROWS], found[CIRCULAR_ROWS:]
    return {
        "period": period,
        "weeks": result.weeks,
        "visits": result.visits,
        "rows": [
            {"position": i.item.position, "area": i.item.area, "text": i.item.text,
             "estimate": round(i.estimate, 3), "low": round(i.low, 3), "high": round(i.high, 3)}
            for i in shown
        ],
        "others": len(rest),
        "others_lowest": round(rest[0].estimate, 3) if rest else None,
    }
