"""The weekly scheduled job of a deployment, under a database lock (issue 9, docs/deploy.md).

Every application server may carry the same systemd timers: the first runner takes the lock
(`locks.exclusive`: a PostgreSQL advisory lock shared by all servers, a file lock on SQLite)
and the others are turned away at once, so nothing runs twice. The daily job is `manage.py
escalate` (the sweep, then the day's dispatch and the reveal of finished weeks, under the
"sweep" lock); the weekly one is here:

    seal_next_week(today=None)  Friday evening: next week's draw sealed for every county that
                                has a checklist and inspectors and has not drawn it yet
    write_daily_checkpoint()    every morning, after the sweep: the audit chains' heads and
                                root appended to ANCHA_AUDIT_CHECKPOINT_FILE, outside the database
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

import rotation
from inspection.errors import InspectionError
from inspection.models import County, Draw
from inspection.services import draws
from inspection.services.audit import write_checkpoint
from inspection.services.locks import exclusive


@dataclass
class WeeklyReport:
    week: str
    sealed: list[str] = field(default_factory=list)  # county codes
    already: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # county code → why


def seal_next_week(*, today: date | None = None) -> WeeklyReport:
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    report = WeeklyReport(week=rotation.week_label(monday))
    with exclusive("draw"):
        for county in County.objects.order_by("code"):
            if Draw.objects.filter(county=county, week=report.week).exists():
                report.already.append(county.code)
                continue
            try:
                draws.seal_draw(county=county, week=report.week, today=today)
            except InspectionError as exc:  # no checklist, no inspector...: the others still draw
                report.refused[county.code] = exc.detail
            else:
                report.sealed.append(county.code)
    return report


@dataclass(frozen=True)
class CheckpointReport:
    ok: bool
    message: str
    problem: dict = field(default_factory=dict)  # for the security log when not ok


def write_daily_checkpoint() -> CheckpointReport | None:
    """Append today's checkpoint of every audit chain (None when no file is configured). A broken
    chain or an unwritable file is reported, never raised: the sweep has done its work, and the
    next morning tries again."""
    path = getattr(settings, "AUDIT_CHECKPOINT_FILE", None)
    if not path:
        return None
    try:
        report = write_checkpoint(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return CheckpointReport(False, f"审计链检查点无法写入 {path}：{reason}",
                                {"event": "audit.checkpoint_failed", "path": str(path), "error": reason})
    if not report.ok:
        return CheckpointReport(False, f"审计链校验失败：{report.describe()}；今日未生成检查点",
                                {"event": "audit.chain_broken", "where": report.where, "problem": report.problem})
    return CheckpointReport(True, f"audit checkpoint {path}: {len(report.heads)} chains, {report.head_line}")
