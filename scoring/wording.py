"""The Chinese of the reasons: dates, spans of days and the problems an inspection found."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .checklist import ScoreResult
from .vocabulary import Severity


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def cn_days(n: int) -> str:
    return f"{n // 7}周" if n % 7 == 0 and n >= 14 else f"{n}日"


def cn_failures(score: ScoreResult, severities: Iterable[Severity] | None = None) -> str:
    wanted = set(severities) if severities is not None else set(Severity)
    parts = []
    for severity in (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR):
        if severity not in wanted:
            continue
        group = [f for f in score.failures if f.severity is severity]
        if not group:
            continue
        titles = "；".join(f.title for f in group if f.title)
        parts.append(f"{severity.label}问题{len(group)}项" + (f"（{titles}）" if titles else ""))
    return "、".join(parts)
