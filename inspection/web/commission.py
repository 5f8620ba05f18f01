"""The commission's home (工作台) and the observer's: coverage, escalation board, notices, capacity."""

from datetime import timedelta
from functools import partial
from typing import NamedTuple

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

import rotation
from inspection.access import (
    ListsFor,
    commission_dashboard,
    report_counts,
    visible_damaged_files,
    visible_inspections,
    visible_notices,
    visible_townships,
)
from inspection.services import follow_ups
from inspection.services.coverage_summary import refresh_coverage
from inspection.services.escalation import last_sweep
from inspection.services.report_jobs import escalate_late_reports
from inspection.statistics import FINISHED, MAIN_LABELS, estimate_trend, trend_bounds, trend_digest, trend_table
from inspection.web import board, charts, coverage, dashboard_cards
from inspection.web.common import today
from inspection.web.grid_rows import coverage_section_html


def _townships(user):
    return list(visible_townships(user).filter(active=True).order_by("code"))


def _coverage_chart(grid):
    # Each week by its Monday, as the grid's columns are headed ("11/2"), not by its ISO number ("W45").
    bars = [(f"{week.start.month}/{week.start.day}", n, "cover") for week, n in grid.cumulative]
    return charts.bar_chart(
        bars,
        title=_("本期累计覆盖乡镇数"),
        desc=_("本期已过去的每一周结束时累计已暗查的乡镇数，共 %(total)s 个乡镇，目前已覆盖 %(covered)s 个。")
        % {"total": grid.total, "covered": grid.covered},
        columns=(_("周"), _("累计覆盖")),
        target=grid.total,
        target_label=_("全覆盖 %(n)s") % {"n": grid.total},
        width=360,
        height=240,
    )


def _level_chart(townships):
    counts = board.level_counts(townships)
    return charts.hbar_chart(
        [(str(label), n, f"lvl-{value}") for value, label, n in counts],
        title=_("各问责等级乡镇数"),
        desc="；".join(f"{label} {n}" for _, label, n in counts),
        columns=(_("等级"), _("乡镇数")),
    )


def _capacity_chart(capacity):
    if capacity is None or len(capacity.choices) < 2:
        return None
    return charts.bar_chart(
        [(_("%(n)s次") % {"n": c}, round(floor * 100, 1), "cur" if c == capacity.per_week else "opt")
         for c, floor in capacity.choices],
        title=_("每周暗查次数与不可预测性"),
        desc=_("每周暗查次数（横轴）对应的普通乡镇每周最低被抽中概率（%%），当前为每周 %(c)s 次。")
        % {"c": capacity.per_week},
        columns=(_("每周次数"), _("最低概率")),
        unit="%",
        height=170,
    )


class DashboardData(NamedTuple):
    figures: dict  # access.COMMISSION_FIGURES
    lists: dict  # access.COMMISSION_LISTS
    townships: list  # the active ones, with their summary rows
    grid: board.Coverage
    rows: list  # the escalation board (board.BoardRow)


def dashboard_data(user, county, *, day, now) -> DashboardData:
    """What the dashboard shows, read and computed, before anything is drawn: every count and list of
    the page and the townships with their summary rows in one statement, then the coverage grid and
    the escalation board from those rows. bench_pages times it alone, beside the whole read."""
    monday = day - timedelta(days=day.weekday())
    figures, lists, every = commission_dashboard(user, now=now, week=rotation.week_label(monday),
                                                 lists=_lists_for(day, monday))
    return DashboardData(figures, lists, *_coverage_and_board(every, county, day))


def dashboard(request, profile):
    county = profile.county  # with the user, in the session's one query (security/signin.py)
    day, now = today(), timezone.now()
    figures, lists, townships, grid, rows = dashboard_data(request.user, county, day=day, now=now)
    capacity_key = _capacity_key(county, townships, day)
    # The lists behind a figure are read only when it says there is something to list.
    damaged = (list(visible_damaged_files(request.user).order_by("-last_found_at")[:DAMAGED_SHOWN])
               if figures["damaged"] else [])
    context = {
        "section": "home",
        "county": county,
        "today": day,
        # base.html reads it from here instead of its own query, unless escalating a late report
        # (below) has just written the viewer a notification: then base.html counts again.
        "unread": None if figures.get("reports_unescalated") else figures["unread"],
        "grid": grid,
        # From cached pieces: after a dispatch only the row it changed, and the tail if a count moved.
        "coverage_section": coverage_section_html(grid, get_language(), partial(_coverage_chart, grid)),
        # Drawn only when the cached fragment is missing (`board_key`, web/dashboard.html).
        "board_key": board.board_key(townships, rows, get_language()),
        "coverage_meter": charts.meter(
            grid.covered, maximum=grid.total or 1, title=_("本期覆盖"), desc=f"{grid.covered}/{grid.total}"
        ),
        "board": rows,
        "lights_as_of": county.last_swept_on,
        "level_chart": partial(_level_chart, townships),
        "key_managed": sum(1 for t in townships if t.key_managed),
        "red": sum(1 for r in rows if r.worst_light == "red"),
        "yellow": sum(1 for r in rows if r.worst_light == "yellow"),
        "drafts": board.drafts_from(lists["draft_list"]),
        "draft_count": figures["drafts"],
        "circular_week": board.circular_week(day),
        "circular": board.circular_from(lists["circular"]),
        "notice_counts": {k: figures[k] for k in ("drafts", "unacknowledged", "responded")},
        # The card's HTML is cached under the planner's key; the planner is asked only to draw it.
        "capacity_key": capacity_key,
        "capacity": partial(_capacity, capacity_key, county, townships, day),
        "capacity_chart": lambda: _capacity_chart(_capacity(capacity_key, county, townships, day)),
        "alarms": board.alarms(county, day, lost=figures["lost"], near=lists["near_draws"] or "[]",
                                 drew_before=lists["drew_before"]),
        # No date: the follow-up's day is sealed; the township and the shortfall are enough to act.
        "understaffed": follow_ups.understaffed(visible_inspections(request.user)) if figures["understaffed"] else [],
        "damaged_files": damaged,
        "damaged_count": figures["damaged"],
        "reports": _reports_from(figures, county, now),
        # The card's HTML is cached under the estimate's fingerprint; the estimate is read only to draw it.
        "compliance_key": (compliance_key := _compliance_key(county, day, lists)),
        "compliance": partial(_compliance_table, compliance_key, county, day),
    }
    # The cards outside the cached pieces in Python: the template engine cost more than the read.
    context["top_html"] = mark_safe(dashboard_cards.top_html(context))
    context["side_html"] = mark_safe(dashboard_cards.side_html(context, get_token(request)))
    return render(request, "web/dashboard.html", context)


DAMAGED_SHOWN = 20


def _capacity_key(county, townships, day) -> str:
    """The planner's card is computed again only when what it reads changes: the county's capacity
    and key ratio, how many townships it has and how many are key-managed, and the week (the
    planner starts on the Monday). The key is those values, so every process agrees on it."""
    monday = day - timedelta(days=day.weekday())
    keys = sum(1 for t in townships if t.key_managed)
    return (f"ancha:capacity:{county.pk}:{monday.isoformat()}:{len(townships)}:{keys}:"
            f"{county.inspections_per_week}:{county.key_ratio!r}:{get_language()}")


def _capacity(key, county, townships, day):
    found = cache.get(key, MISSING)
    if found is MISSING:
        found = coverage.capacity(county, townships, day)
        cache.set(key, found, 8 * 24 * 3600)
    return found


MISSING = object()


def _lists_for(day, monday) -> ListsFor:
    weeks, days = trend_bounds(day, TREND_PERIODS)
    return ListsFor(monday=monday, circular_week=board.circular_week(day), next_week=rotation.week_label(monday + timedelta(days=7)),
                    trend_weeks=weeks, trend_days=days, main_labels=MAIN_LABELS, finished=tuple(FINISHED))


TREND_PERIODS = 3  # as estimate_trend's default


def _compliance_key(county, day, lists) -> str:
    """The estimate card's key: it is computed again only when what it reads has changed
    (`statistics.trend_fingerprint`, from the draws and visits the page's statement lists)."""
    fingerprint = trend_digest(county.pk, day, TREND_PERIODS, lists["trend_draws"] or "", lists["trend_visits"] or "")
    return f"ancha:compliance:{fingerprint}"


def _compliance_table(key, county, day) -> dict:
    table = cache.get(key)
    if table is None:
        table = trend_table(estimate_trend(county=county, today=day, periods=TREND_PERIODS))
        cache.set(key, table, 24 * 3600)
    return table


def _reports_on_read(user, county) -> dict:
    """Every member of the office sees how many mandatory reports wait and how many are late
    (red); the late ones tell the head now, not only when check_reports next runs."""
    now = timezone.now()
    counts = report_counts(user, now, unescalated=True)
    if counts is not None and counts.pop("unescalated"):
        # Escalating only marks the reports and tells the head: the counts shown stay as they are.
        escalate_late_reports(county=county, now=now)
    return counts


def _reports_from(figures, county, now) -> dict | None:
    """`_reports_on_read` from the figures already counted."""
    if "reports_open" not in figures:
        return None
    if figures["reports_unescalated"]:
        escalate_late_reports(county=county, now=now)  # marks the reports and tells the head: counts stay
    return {"open": figures["reports_open"], "late": figures["reports_late"]}


def _coverage_and_board(every, county, day):
    """The county's active townships, the grid and the escalation board from the maintained summary
    (`every`: the townships with their summary rows; the inactive ones too, whose record a
    successor carries)."""
    kept = {t.id: t.coverage for t in every if t.coverage is not None}
    townships = [t for t in every if t.active]
    if any(t.id not in kept for t in townships):
        # A county loaded before the summary existed, or a township added since: filled once, here.
        refresh_coverage(county=county)
        kept = board.summaries(county)
    return townships, board.coverage_from_summary(county, day, townships, kept), board.board_from_summary(townships, kept)


def observer_home(request, profile):
    county = profile.county
    townships = _townships(request.user)
    rows = board.escalation_board(county, townships)
    notices = visible_notices(request.user)
    context = {
        "section": "home",
        "county": county,
        "today": today(),
        "board": rows,
        "lights_as_of": last_sweep(county),
        "level_chart": _level_chart(townships),
        "key_managed": sum(1 for t in townships if t.key_managed),
        "red": sum(1 for r in rows if r.worst_light == "red"),
        "notice_counts": board.notice_counts(notices),
        "circular_week": board.circular_week(today()),
        "circular": board.circular_for(notices, board.circular_week(today())),
        "reports": _reports_on_read(request.user, county),
    }
    return render(request, "web/observer_home.html", context)
