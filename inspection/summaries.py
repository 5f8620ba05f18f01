"""The quarterly summary (季度情况汇总): what the commission and the 纪委 read for a quarter.

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

from inspection.access import visible_inspections
from inspection.errors import Unprocessable
from inspection.models import County, Finding, Inspection, Severity
from inspection.statistics import estimate_span, trend_table

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


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


@dataclass
class QuarterSummary:
    quarter: str
    label: str
    first: date
    last: date
    visits: int
    findings: int
    mean_score: float | None
    by_area: list[dict]  # area, minor, major, critical, total
    by_township: list[dict]  # name, visits, findings, serious, mean score
    by_month: list[dict]  # label, visits, findings
    compliance: dict  # statistics.trend_table of the quarter


def quarter_summary(*, user, county: County, quarter: str, today: date) -> QuarterSummary:
    first, last = quarter_span(quarter)
    visits = visible_inspections(user).filter(
        county=county, status=Inspection.Status.SUBMITTED, date__range=(first, last)
    )
    findings = Finding.objects.filter(inspection__in=visits, corrections__isnull=True)
    overall = visits.aggregate(n=Count("pk"), mean=Avg("score"))
    return QuarterSummary(
        quarter=quarter,
        label=quarter_label(quarter),
        first=first,
        last=last,
        visits=overall["n"],
        findings=findings.count(),
        mean_score=overall["mean"],
        by_area=_by_area(findings),
        by_township=_by_township(visits, findings),
        by_month=_by_month(visits, findings, first),
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


def _by_month(visits, findings, first: date) -> list[dict]:
    months = [date(first.year, first.month + k, 1) for k in range(3)]
    seen = Counter(d.month for d in visits.values_list("date", flat=True))
    found = Counter(d.month for d in findings.values_list("inspection__date", flat=True))
    return [{"label": f"{m.month}月", "visits": seen[m.month], "findings": found[m.month]} for m in months]
