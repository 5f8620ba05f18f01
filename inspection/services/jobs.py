"""The weekly scheduled job of a deployment, under a database lock (issue 9, docs/deploy.md).

Every application server may carry the same systemd timers: the first runner takes the lock
(`locks.exclusive`: a PostgreSQL advisory lock shared by all servers, a file lock on SQLite)
and the others are turned away at once, so nothing runs twice. The daily job is `manage.py
escalate` (the sweep, then the day's dispatch and the reveal of finished weeks, under the
"sweep" lock); the weekly one is here:

    seal_next_week(today=None, accept_shortfall="")  Friday evening: next week's draw sealed for every
                                county that has a checklist and inspectors and has not drawn it yet;
                                the report names every county refused, short, unstaffed or missing a week
    morning_draws(county=, today=None, now=None)  the morning job's part of issue 17: overdue visits
                                become missed, a week the Friday job missed is sealed late, freed
                                slots go to a make-up draw when a deadline is at risk
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
from inspection.models import County, Draw, Inspection
from inspection.services import draws, makeups, visits
from inspection.services.audit import write_checkpoint
from inspection.services.locks import exclusive


@dataclass
class WeeklyReport:
    week: str
    sealed: list[str] = field(default_factory=list)  # county codes
    already: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # county code → why
    warnings: dict[str, list[str]] = field(default_factory=dict)  # county code → shortfall, unstaffed, missing week

    def warn(self, code: str, text: str) -> None:
        self.warnings.setdefault(code, []).append(text)

    @property
    def loud(self) -> bool:
        """Something the commission must act on: the commands exit 3."""
        return bool(self.refused or self.warnings)


def draw_warnings(draw: Draw) -> list[str]:
    """What a sealed draw leaves for the commission: a shortfall accepted, visits no team could take."""
    found = []
    result = draw.result or {}
    if draw.accepted_shortfall or result.get("shortfall") or result.get("missed"):
        found.append(f"{draw.week} 检查能力不足（已确认理由：{draw.accepted_shortfall or '无'}）")
    if result.get("unstaffed"):
        found.append(f"{draw.week} 有 {len(result['unstaffed'])} 次检查无法配齐督查组，请安排人员")
    return found


def missing_week(county: County, today: date) -> str | None:
    """The current week, when a county that draws every week has no draw for it."""
    monday = today - timedelta(days=today.weekday())
    week = rotation.week_label(monday)
    if Draw.objects.filter(county=county, week=week).exists():
        return None
    return week if Draw.objects.filter(county=county, week_start__lt=monday).exists() else None


def seal_next_week(*, today: date | None = None, accept_shortfall: str = "") -> WeeklyReport:
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    report = WeeklyReport(week=rotation.week_label(monday))
    with exclusive("draw"):
        for county in County.objects.order_by("code"):
            missing = missing_week(county, today)
            if missing:
                report.warn(county.code, f"{missing} 没有抽签（上周五的抽签未运行），次日早间任务将补抽")
            if Draw.objects.filter(county=county, week=report.week).exists():
                report.already.append(county.code)
                continue
            try:
                draw = draws.seal_draw(county=county, week=report.week, today=today, accept_shortfall=accept_shortfall)
            except InspectionError as exc:  # no checklist, no inspector, a shortfall...: the others still draw
                report.refused[county.code] = exc.detail
            else:
                report.sealed.append(county.code)
                for text in draw_warnings(draw):
                    report.warn(county.code, text)
    return report


@dataclass
class MorningReport:
    missed: list[Inspection] = field(default_factory=list)
    late: list[Draw] = field(default_factory=list)
    makeups: list[Draw] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # county code → why a late or make-up draw failed


def morning_draws(*, county: County, today: date | None = None, now=None, report: MorningReport | None = None) -> MorningReport:
    """Before the day's dispatch: visits past their grace become missed; a week the Friday job
    did not draw is sealed late; slots freed by missed or cancelled visits go to a make-up draw."""
    today = today or timezone.localdate()
    report = report or MorningReport()
    report.missed += visits.miss_overdue(county=county, now=now)
    try:
        late = makeups.seal_missing_week(county=county, today=today)
        if late is not None:
            report.late.append(late)
        makeup = makeups.plan_makeup(county=county, today=today, from_day=today)
        if makeup is not None:
            report.makeups.append(makeup)
    except InspectionError as exc:  # said aloud by the command; the other counties go on
        report.refused[county.code] = exc.detail
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
