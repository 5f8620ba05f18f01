"""The summaries (情况汇总): what the commission and the 纪委 read for a month, a quarter or any
chosen period (`period_summary`; `quarter_summary` is its quarter).

Read only, like `inspection/statistics.py` beside it: the visits a user may see come from
`access.visible_inspections`, the compliance estimate from `statistics.estimate_span` over the
quarter's days (issue 16: the same Horvitz–Thompson estimate as the dashboard and the circular).
Problems count the findings that count (a corrected finding is replaced by its correction) of
submitted visits, follow-ups and ad-hoc visits included: they are real problems, even if the
estimate leaves those visits out because they were not drawn.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth

from inspection.access import visible_inspections
from inspection.errors import Unprocessable
from inspection.models import County, Finding, Inspection, Severity
from inspection.statistics import estimate_span, trend_table
from scoring.wording import cn_date

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIRST_YEAR, LAST_YEAR = 2000, 2099
MAX_SPAN_DAYS = 3 * 366 + 1  # three years: the longest period a summary reads (its queries are aggregates, its months a table)


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_span(quarter: str) -> tuple[date, date]:
    """`2026-Q4` → its first and last day; anything else is refused in words."""
    match = _QUARTER.match(quarter or "")
    if not match or not 2000 <= int(match[1]) <= 2099:
        raise Unprocessable("季度格式应为“2026-Q4”")
    year, q = int(match[1]), int(match[2])
    first = date(year, 3 * q - 2, 1)
    last = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def quarter_label(quarter: str) -> str:
    year, q = quarter.split("-Q")
    return f"{year}年第{'一二三四'[int(q) - 1]}季度"


def shift_quarter(quarter: str, step: int) -> str:
    year, q = (int(x) for x in quarter.split("-Q"))
    index = year * 4 + q - 1 + step
    return f"{index // 4}-Q{index % 4 + 1}"


def month_span(month: str) -> tuple[date, date]:
    """`2026-11` → its first and last day; anything else is refused in words."""
    match = _MONTH.match(month or "")
    if not match or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR or not 1 <= int(match[2]) <= 12:
        raise Unprocessable("月份格式应为“2026-11”")
    first = date(int(match[1]), int(match[2]), 1)
    return first, _month_end(first)


def _month_end(first: date) -> date:
    following = date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def month_label(first: date) -> str:
    return f"{first.year}年{first.month}月"


def _day(text: str, what: str) -> date:
    if not _DAY.match(text or ""):
        raise Unprocessable(f"{what}应为有效日期，如“2026-10-01”")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Unprocessable(f"{what}“{text}”不存在，请检查年月日") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Unprocessable(f"{what}应在{FIRST_YEAR}年至{LAST_YEAR}年之间")
    return day


def period_span(first: str, last: str) -> tuple[date, date]:
    """A chosen period, from and to (both days included), refused in words when it is not one."""
    if not first or not last:
        raise Unprocessable("请同时填写起始日期和截止日期")
    start, end = _day(first, "起始日期"), _day(last, "截止日期")
    if start > end:
        raise Unprocessable("起始日期不能晚于截止日期")
    if (end - start).days + 1 > MAX_SPAN_DAYS:
        raise Unprocessable("统计期间最长三年，请缩短期间")
    return start, end


def span_text(first: date, last: date) -> str:
    """2026年10月1日至2026年12月31日: a period as the pages, the PDF and the exports name it."""
    return f"{cn_date(first)}至{cn_date(last)}"


def period_label(first: date, last: date) -> str:
    if first.day == 1 and last == _month_end(first):
        return month_label(first)
    if first.day == 1 and first.month % 3 == 1 and last == quarter_span(quarter_of(first))[1]:
        return quarter_label(quarter_of(first))
    return span_text(first, last)


@dataclass
class QuarterSummary:
    quarter: str  # the quarter's code, or "" for a period that is not one
    label: str
    first: date
    last: date
    visits: int
    findings: int
    mean_score: float | None
    by_area: list[dict]  # area, minor, major, critical, total
    by_township: list[dict]  # name, visits, findings, serious, mean score
    by_month: list[dict]  # label, visits, findings, serious
    compliance: dict  # statistics.trend_table of the period


PeriodSummary = QuarterSummary


def quarter_summary(*, user, county: County, quarter: str, today: date) -> QuarterSummary:
    first, last = quarter_span(quarter)
    return period_summary(user=user, county=county, first=first, last=last, today=today, quarter=quarter)


def period_summary(*, user, county: County, first: date, last: date, today: date, quarter: str = "") -> QuarterSummary:
    """Everything the summary shows, in a fixed number of aggregate queries whatever the period holds."""
    visits = visible_inspections(user).filter(
        county=county, status=Inspection.Status.SUBMITTED, date__range=(first, last)
    )
    findings = Finding.objects.filter(inspection__in=visits, corrections__isnull=True)
    overall = visits.aggregate(n=Count("pk"), mean=Avg("score"))
    return QuarterSummary(
        quarter=quarter,
        label=quarter_label(quarter) if quarter else period_label(first, last),
        first=first,
        last=last,
        visits=overall["n"],
        findings=findings.count(),
        mean_score=overall["mean"],
        by_area=_by_area(findings),
        by_township=_by_township(visits, findings),
        by_month=_by_month(visits, findings, first, last),
        compliance=trend_table([estimate_span(county=county, first=first, last=last, today=today)]),
    )


def _by_area(findings) -> list[dict]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for area, severity, n in findings.values_list("item__area", "severity").annotate(n=Count("pk")):
        counts[area or "其他问题"][severity] += n
    rows = [
        {"area": area, "minor": c[Severity.MINOR], "major": c[Severity.MAJOR], "critical": c[Severity.CRITICAL],
         "total": sum(c.values())}
        for area, c in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r["total"], r["area"]))


def _by_township(visits, findings) -> list[dict]:
    per = {
        row["township_id"]: row
        for row in visits.values("township_id", "township__name", "township__code")
        .annotate(visits=Count("pk"), mean=Avg("score"))
    }
    found = Counter()
    serious = Counter()
    for township_id, severity, n in findings.values_list("inspection__township_id", "severity").annotate(n=Count("pk")):
        found[township_id] += n
        if severity != Severity.MINOR:
            serious[township_id] += n
    rows = [
        {"name": row["township__name"], "code": row["township__code"], "visits": row["visits"],
         "findings": found[pk], "serious": serious[pk], "mean": row["mean"]}
        for pk, row in per.items()
    ]
    return sorted(rows, key=lambda r: (-r["findings"], -r["serious"], r["code"]))


def _months(first: date, last: date) -> list[date]:
    months, m = [], date(first.year, first.month, 1)
    while m <= last:
        months.append(m)
        m = date(m.year + 1, 1, 1) if m.month == 12 else date(m.year, m.month + 1, 1)
    return months


def _by_month(visits, findings, first: date, last: date) -> list[dict]:
    """Visits and problems of each month of the period (the trend), counted in the database."""
    def key(value) -> tuple[int, int]:
        return value.year, value.month

    seen = {key(r["m"]): r["n"] for r in visits.annotate(m=TruncMonth("date")).values("m").annotate(n=Count("pk")).order_by()}
    found: Counter = Counter()
    serious: Counter = Counter()
    rows = findings.annotate(m=TruncMonth("inspection__date")).values("m", "severity").annotate(n=Count("pk")).order_by()
    for r in rows:
        found[key(r["m"])] += r["n"]
        if r["severity"] != Severity.MINOR:
            serious[key(r["m"])] += r["n"]
    span_years = first.year != last.year
    return [
        {"label": month_label(m) if span_years else f"{m.month}月", "visits": seen.get(key(m), 0),
         "findings": found[key(m)], "serious": serious[key(m)]}
        for m in _months(first, last)
    ]
