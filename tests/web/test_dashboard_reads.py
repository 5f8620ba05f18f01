"""The commission's dashboard in a handful of statements, never stale (issue 14).

The page's cards outside the coverage grid (drafts, circular, reports, damaged files, the capacity
planner) are read in few statements or served from caches keyed by what they read; every read
below is a real GET after a real write, so those caches are part of what is tested. The grid's
own writes are in test_dashboard_summary.py.
"""

import json
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import rotation
from inspection.access import (
    commission_dashboard,
    report_counts,
    visible_damaged_files,
    visible_inspections,
    visible_notices,
    visible_notifications,
    visible_townships,
)
from inspection.models import (
    County,
    DamagedFile,
    Draw,
    Inspection,
    MandatoryReport,
    Notice,
    NoticeKind,
    Notification,
    SeedPeriod,
    Township,
    TownshipCoverage,
)
from inspection.services import follow_ups, makeups
from inspection.services.dispatch import dispatch_planned
from inspection.services.notices import draft_circular
from inspection.services.stored_files import DamagedArchiveCopy, read_checked
from inspection.statistics import trend_digest, trend_fingerprint
from inspection.web import board, coverage
from inspection.web.commission import _lists_for
from tests.inspection.field_fixtures import make_inspection
from tests.web.builders import make_team, submit_visit
from tests.web.test_dashboard_summary import grid_row
from tests.web.test_pages import page

SHANGHAI = ZoneInfo("Asia/Shanghai")


def statements(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_dashboard_reads_in_a_fixed_handful_of_statements(client, wang, county, checklist):
    team = make_team(county)
    planned = make_inspection(township=county.townships.get(code="520581001"), checklist=checklist, team=team,
                              status=Inspection.Status.PLANNED)
    dispatch_planned(Inspection.objects.filter(pk=planned.pk))
    client.force_login(wang)
    client.get("/")  # the capacity card and the compliance estimate cached, as after any first read
    sql = statements(client)
    # The session; the user with profile and county; one statement of the townships with their
    # summary rows, every count (notices, damaged files, lost visits, understaffed follow-ups,
    # reports, unread notifications) and every list (the drafts, the circular, this and next week's
    # draws and whether the county drew before, the compliance fingerprint's draws and visits):
    # access.commission_dashboard. This county has no draw this week, so the alarm's question is
    # asked too, inside the same statement.
    assert len(sql) == 3, "\n".join(sql)
    figures = [s for s in sql if "inspection_damagedfile" in s]
    assert len(figures) == 1 and all(t in figures[0] for t in (
        "inspection_notice", "inspection_mandatoryreport", "inspection_notification", "inspection_teammember",
        "inspection_township", "inspection_townshipcoverage", "inspection_draw", "inspection_inspection"))
    assert sum("inspection_townshipcoverage" in s for s in sql) == 1
    assert any('"auth_user"' in s and "inspection_profile" in s and "inspection_county" in s for s in sql)
    assert [s for s in sql if "inspection_notice" in s and "COUNT(" in s] == figures  # counts folded into one
    # After a write the page refills nothing it cannot key: the same statements again.
    planned = make_inspection(township=county.townships.get(code="520581100"), checklist=checklist, team=team,
                              status=Inspection.Status.PLANNED)
    dispatch_planned(Inspection.objects.filter(pk=planned.pk))
    assert len(statements(client)) == 3


def kpi(html, label):
    found = re.search(r'<span class="kpi-label">' + label + r'</span>\s*<span class="kpi-value">(\d+)', html)
    assert found, label
    return int(found.group(1))


def test_a_read_after_each_kind_of_write_shows_it(client, wang, county, checklist):
    team = make_team(county)
    client.force_login(wang)
    html = page(client, "/")  # every card's cache filled before the writes below
    assert kpi(html, "待印发文书") == 0 and "尚未起草" in html and "存档文件受损" not in html

    # A circular drafted: the drafts count, the list and the circular card.
    circular = draft_circular(county=county, week=board.circular_week(timezone.localdate()), actor=wang)
    html = page(client, "/")
    assert kpi(html, "待印发文书") == 1 and f'href="/notices/{circular.pk}/"' in html and "尚未起草" not in html

    # A case of mandatory reporting filed: the office's count.
    filed = client.post("/reports/new/", {
        "what": "发现一名儿童独自在家", "location": "金碧镇某村",
        "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "child_description": "约8岁女童",
        "agency": "civil_affairs", "agency_name": ""})
    assert filed.status_code == 302
    assert "强制报告线索待接收确认 1 条" in page(client, "/")

    # An archive copy found damaged (read by another request): the damaged-files card.
    with pytest.raises(DamagedArchiveCopy):
        read_checked(kind=DamagedFile.Kind.NOTICE, object_id=circular.pk, county=county, name="notices/gone.pdf",
                     sha256="0" * 64, label="通报")
    assert "存档文件受损 1 份" in page(client, "/")

    # The capacity changed in the admin: the planner's card at once, not next week.
    html = page(client, "/")
    per_week = int(re.search(r"每周暗查 (\d+) 次时", html).group(1))
    County.objects.filter(pk=county.pk).update(inspections_per_week=per_week + 1)
    assert f"每周暗查 {per_week + 1} 次时" in page(client, "/")

    # A critical finding makes a township key-managed: the planner's card counts it.
    assert "重点管理乡镇（" not in html
    submit_visit(township=county.townships.get(code="520581100"), checklist=checklist, team=team,
                 day=timezone.localdate() - timedelta(days=1), findings=[(6, None, "孤儿基本生活费未按标准发放")])
    html = page(client, "/")
    assert "重点管理乡镇（1 个）" in html and kpi(html, "重点管理乡镇") == 1
    assert Notice.objects.filter(state=Notice.State.DRAFT).count() == kpi(html, "待印发文书") > 1
    assert_figures_follow_the_read_rules(wang, county)


def assert_figures_follow_the_read_rules(user, county):
    """`commission_dashboard` is written in SQL for speed: each figure must equal what the read rules'
    querysets count (access.py, follow_ups.understaffed, makeups.lost_slots)."""
    now = timezone.now()
    week = rotation.week_label(timezone.localdate() - timedelta(days=timezone.localdate().weekday()))
    notices = visible_notices(user)
    reports = report_counts(user, now, unescalated=True)
    expected = {
        "drafts": notices.filter(state=Notice.State.DRAFT).count(),
        "unacknowledged": notices.filter(state=Notice.State.ISSUED).exclude(kind=NoticeKind.CIRCULAR).count(),
        "responded": notices.filter(state=Notice.State.RESPONDED).count(),
        "damaged": visible_damaged_files(user).count(),
        "lost": makeups.lost_slots(county=county, week=week, given=0),
        "understaffed": len(follow_ups.understaffed(visible_inspections(user))),
        "unread": visible_notifications(user).filter(read_at__isnull=True).count(),
        "reports_open": reports["open"], "reports_late": reports["late"],
        "reports_unescalated": reports["unescalated"],
    }
    # The page's one statement: the figures, the lists, and the townships with their summary rows as
    # the queryset gives them (another county's beside them in every test that calls this).
    day = timezone.localdate()
    figures, lists, townships = commission_dashboard(user, now=now, week=week, lists=_lists_for(day, _monday(day)))
    assert figures == expected
    queried = list(visible_townships(user).select_related("coverage").order_by("code"))
    assert [_fields(t, Township) for t in townships] == [_fields(t, Township) for t in queried] and townships
    assert ([_fields(t.coverage, TownshipCoverage) for t in townships]
            == [_fields(_coverage(t), TownshipCoverage) for t in queried])
    assert [t.get_level_display() for t in townships] == [t.get_level_display() for t in queried]
    assert_lists_follow_the_read_rules(user, county, lists)
    return expected


def assert_lists_follow_the_read_rules(user, county, lists):
    """Each list of the statement against the queryset it stands for (board.draft_list, circular_for,
    the alarms' draws, jobs.missing_week, statistics.trend_fingerprint). Returns which were not empty."""
    day = timezone.localdate()
    monday = _monday(day)
    notices = visible_notices(user)
    shown = [(n.id, n.kind, n.get_kind_display(), n.township and n.township.name, n.inspection and n.inspection.date)
             for n in board.draft_list(notices)]
    drafts = board.drafts_from(lists["draft_list"])
    assert [(n.id, n.kind, n.get_kind_display(), n.township and n.township.name, n.inspection and n.inspection.date)
            for n in drafts] == shown
    circular, found = board.circular_for(notices, board.circular_week(day)), board.circular_from(lists["circular"])
    assert (found and (found.id, found.number_text, found.state, found.get_state_display(), found.get_kind_display(),
                       found.snapshot.get("summary"))) == (circular and (
        circular.id, circular.number_text, circular.state, circular.get_state_display(), circular.get_kind_display(),
        circular.snapshot.get("summary")))
    near = list(Draw.objects.filter(county=county, week__in=[rotation.week_label(monday), rotation.week_label(
        monday + timedelta(days=7))]).order_by("week_start", "id").values_list(
        "week", "label", "accepted_shortfall", "result__shortfall", "result__missed", "result__unstaffed",
        "inputs__capacity"))
    assert [tuple(d) for d in json.loads(lists["near_draws"] or "[]")] == near
    assert board.alarms(county, day, lost=0, near=lists["near_draws"] or "[]", drew_before=lists["drew_before"]) == (
        board.alarms(county, day, lost=0))
    assert bool(lists["drew_before"]) == Draw.objects.filter(county=county, week_start__lt=monday).exists()
    key = trend_digest(county.pk, day, 3, lists["trend_draws"] or "", lists["trend_visits"] or "")
    assert key == trend_fingerprint(county=county, today=day)
    return {name: bool(value) for name, value in lists.items()}


def _monday(day):
    return day - timedelta(days=day.weekday())


def _fields(obj, model):
    return obj and {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}


def _coverage(township):
    try:
        return township.coverage
    except TownshipCoverage.DoesNotExist:
        return None


def test_the_figures_statement_counts_what_the_read_rules_count(client, wang, county, checklist):
    """Every figure non-zero at once, and another county's rows and another user's notifications
    beside them that must not be counted."""
    other = County.objects.exclude(pk=county.pk).first()
    day = timezone.localdate()
    monday = day - timedelta(days=day.weekday())
    for c in filter(None, (county, other)):
        team = make_team(c, prefix=f"t{c.pk}")
        township = c.townships.order_by("code").first()
        # A follow-up with one inspector of two (understaffed), one fully staffed, one missed visit of this week's draw.
        short = make_inspection(township=township, checklist=checklist, team=team, kind=Inspection.Kind.FOLLOW_UP,
                                status=Inspection.Status.PLANNED)
        short.members.first().delete()
        make_inspection(township=township, checklist=checklist, team=team, kind=Inspection.Kind.FOLLOW_UP)
        period = SeedPeriod.objects.create(county=c, starts_on=monday - timedelta(days=7),
                                           ends_on=monday + timedelta(days=60), seed="ab" * 32, commitment="cd" * 32)
        # Last week's draw (the county draws: the alarm's question) and this week's, short of teams.
        Draw.objects.create(county=c, week=rotation.week_label(monday - timedelta(days=7)),
                            week_start=monday - timedelta(days=7), period=period, inputs={}, result={},
                            result_hash="ef" * 32)
        draw = Draw.objects.create(county=c, week=rotation.week_label(monday), week_start=monday, period=period,
                                   inputs={"capacity": 3}, result={"shortfall": 1, "unstaffed": [{"slot": 2}]},
                                   result_hash="ef" * 32, accepted_shortfall="人手不足")
        lost = make_inspection(township=township, checklist=checklist, team=team)
        Inspection.objects.filter(pk=lost.pk).update(draw=draw, status=Inspection.Status.MISSED,
                                                     missed_at=timezone.now(), missed_reason="道路中断")
    for recipient, read in ((wang, None), (wang, timezone.now()), (make_team(county, prefix="x")[0], None)):
        Notification.objects.create(recipient=recipient, county=county, kind="test", text="提醒",
                                    key=f"k{recipient.pk}{read}", created_at=timezone.now(), read_at=read)
    client.force_login(wang)
    client.post("/reports/new/", {
        "what": "发现一名儿童独自在家", "location": "金碧镇某村",
        "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "child_description": "约8岁女童",
        "agency": "civil_affairs", "agency_name": ""})
    MandatoryReport.objects.filter(county=county).update(due_at=timezone.now() - timedelta(hours=1))
    # Last week's circular drafted (the card and the drafts' list), and a copy in the other county.
    circular = draft_circular(county=county, week=board.circular_week(day), actor=wang)
    if other is not None:
        Notice.objects.create(**{
            f.attname: getattr(circular, f.attname) for f in Notice._meta.concrete_fields
            if f.attname not in ("id", "county_id", "verify_code")}, county=other)
    expected = assert_figures_follow_the_read_rules(wang, county)
    _, lists, _ = commission_dashboard(wang, now=timezone.now(), week=rotation.week_label(monday),
                                       lists=_lists_for(day, monday))
    assert all(assert_lists_follow_the_read_rules(wang, county, lists).values()), lists
    assert len(board.drafts_from(lists["draft_list"])) == 1 and lists["trend_visits"].count(":missed") == 1
    assert expected["understaffed"] == 1 and expected["lost"] == 1 and expected["unread"] == 1
    assert expected["reports_late"] == expected["reports_unescalated"] == 1
    html = page(client, "/")
    assert "回头看人员不足" in html and "提醒 1" in html and "强制报告线索超时未确认接收 1 条" in html
    assert "人手不足" in html and "有 1 次检查无法配齐督查组" in html
    assert commission_dashboard(make_team(county, prefix="y")[0], now=timezone.now(), week="2026-W01",
                                lists=_lists_for(day, monday)) is None


def _turning_day() -> date:
    """A day on which a never-visited township has 15 days left, and 14 (near) the next morning."""
    day = date(2026, 9, 1)
    while not ((coverage.deadline(today=day, last_visit=None) - day).days == coverage.NEAR_DAYS + 1
               and (coverage.deadline(today=day + timedelta(days=1), last_visit=None) - day).days
               == coverage.NEAR_DAYS + 1):
        day += timedelta(days=1)
    return day


def test_a_deadline_light_turns_at_midnight_with_no_write(client, wang, county):
    client.force_login(wang)
    day = _turning_day()
    with time_machine.travel(datetime.combine(day, time(23, 59), tzinfo=SHANGHAI), tick=False):
        before = grid_row(page(client, "/"), "金碧镇")
        page(client, "/")  # the fragments of that evening are cached
    kept = list(TownshipCoverage.objects.order_by("pk").values_list("pk", "visits", "rectifications"))
    with time_machine.travel(datetime.combine(day + timedelta(days=1), time(0, 1), tzinfo=SHANGHAI), tick=False):
        after = grid_row(page(client, "/"), "金碧镇")
    assert list(TownshipCoverage.objects.order_by("pk").values_list("pk", "visits", "rectifications")) == kept
    assert before[0] == "open" and "未查" in before[1]
    assert after[0] == "near" and f"剩{coverage.NEAR_DAYS}天" in after[1]


def test_names_from_the_database_are_escaped_in_every_cached_piece(client, wang, county):
    """The grid rows, the board and the frame are drawn once and kept as HTML: a township or a user
    named like markup must reach the page escaped, on the first read and from the cache."""
    hostile = '<script>alert("x")</script>\'&'
    township = county.townships.order_by("code").first()
    county.townships.filter(pk=township.pk).update(name=hostile, level="rectification")
    type(wang).objects.filter(pk=wang.pk).update(first_name='"><img src=x onerror=alert(1)>', last_name="")
    client.force_login(wang)
    for _ in range(2):  # drawn, then served from the cached pieces
        html = page(client, "/")
        assert "<script>alert" not in html and "<img src=x" not in html
        escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#x27;&amp;"
        assert html.count(escaped) == 2  # its grid row and its board row
        assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_menu_is_drawn_for_each_role_section_and_language(client, wang, qian, county):
    client.force_login(wang)
    html = page(client, "/")
    assert '<a href="/" aria-current="page">工作台</a>' in html and 'href="/accounts/"' in html
    assert '<a href="/ledger/" aria-current="page">' in page(client, "/ledger/")
    client.force_login(qian)  # the observer: its own menu, from the same process's kept menus
    html = page(client, "/")
    assert '<a href="/" aria-current="page">概览</a>' in html and 'href="/accounts/"' not in html
    client.cookies["django_language"] = "en"
    assert "aria-current=\"page\">Overview</a>" in page(client, "/")


def test_the_grid_rows_and_tail_drawn_in_python_show_every_state(county):
    """web/grid_html.py draws what the templates drew (the page was compared byte for byte with the
    template's on the benchmark's province): each score band, a follow-up, a week still to come, every
    deadline state, in both languages; its chart as the shared chart template draws it."""
    from django.template.loader import get_template
    from django.utils import translation

    from inspection.web.commission import _coverage_chart
    from inspection.web.grid_html import chart_html, row_html, tail_html

    day = date(2026, 3, 4)
    township = county.townships.order_by("code").first()
    township.name = 'A&B "<镇>"'
    visits = [board.Visit(7, day, None, False), board.Visit(8, day, 59, True), board.Visit(9, day, 60, False),
              board.Visit(10, day, 80, True)]
    cells = [board.Cell(visits, False), board.Cell([], False), board.Cell([], True)]
    drawn = {state: row_html(board.CoverageRow(township, cells, state == "covered", date(2026, 4, 9), 5, state))
             for state in ("covered", "near", "overdue", "open")}
    covered = drawn["covered"]
    assert 'A&amp;B &quot;&lt;镇&gt;&quot;' in covered and "<镇>" not in covered
    assert [m.group(1) for m in re.finditer(r'<a class="v ([a-z ]+)"', covered)] == ["open", "low fu", "mid", "high fu"]
    assert 'href="/inspections/8/" title="2026-03-04 · 59分 · 回头看">59<span class="sr-only"> 3月4日</span>' in covered
    assert '<td class="c"><span class="none" aria-hidden="true">·</span></td><td class="c future"></td>' in covered
    assert '<span class="chip ok">已覆盖</span>' in covered and "4/9" not in covered
    assert '<span class="chip warn">剩5天</span>\n            \n            <span class="date">4/9</span>' in drawn["near"]
    assert '<span class="chip bad">已逾期</span>' in drawn["overdue"]
    assert '<span class="chip">未查</span>\n            <span class="date">4/9</span>' in drawn["open"]
    assert all(html.startswith('\n        <tr class="st-') and html.endswith("</tr>") for html in drawn.values())
    grid = board.Coverage(day, day, [board.Week("2026-W10", day, day, False)], [], 0, 1, 2)
    for language, words in (("zh-hans", ("已暗查（得分）", "逾期未查")), ("en", ("Inspected (score)", "5 days left"))):
        with translation.override(language):
            chart = _coverage_chart(grid)
            assert chart_html(chart) == get_template("web/_chart.html").render({"chart": chart})
            tail = tail_html(grid, chart) + row_html(board.CoverageRow(township, cells, False, day, 5, "near"))
            assert all(w in tail for w in words), tail
            assert '<div class="warn"><dt>' in tail and '<div class="bad"><dt>' in tail


def test_the_cards_drawn_in_python_escape_what_they_show_and_keep_the_form_working(client, wang, county):
    """web/dashboard_cards.py: a draft's and a follow-up's township, the county named like markup reach
    the page escaped; with no circular yet, its form carries the page's CSRF token and drafts it."""
    from inspection.web.dashboard_cards import side_html, top_html

    hostile = '<b>"镇"</b>&'
    town = board._Named(hostile)
    drafts = [board.DraftRow(5, "rectification", town, board._Dated(date(2026, 3, 4))),
              board.DraftRow(6, "summons", None, None)]
    follow_up = type("F", (), {"township": type("T", (), {"name": hostile, "code": "x1"})(), "needed": 3, "team_count": 1})()
    counts = {"drafts": 2, "unacknowledged": 1, "responded": 0}
    side = side_html({"drafts": drafts, "draft_count": 2, "notice_counts": counts, "understaffed": [follow_up],
                      "circular": None, "circular_week": '2026-W10"><x'}, '"tok')
    assert hostile not in side and side.count("&lt;b&gt;&quot;镇&quot;&lt;/b&gt;&amp;") == 2
    assert "全市" in side and "3月4日暗查" in side and "需 3 人，现有 1 人" in side and "已印发未签收 1 件" in side
    assert 'value="&quot;tok"' in side and 'value="2026-W10&quot;&gt;&lt;x"' in side
    grid = board.Coverage(date(2026, 3, 1), date(2026, 4, 30), [], [], 0, 0, 0)
    top = top_html({"county": type("C", (), {"name": hostile})(), "today": date(2026, 3, 5), "alarms": ["<i>抽签</i>"],
                    "reports": {"late": 1, "open": 2}, "damaged_count": 0, "damaged_files": [], "grid": grid,
                    "coverage_meter": "", "key_managed": 0, "red": 1, "yellow": 0, "draft_count": 2})
    assert hostile not in top and "&lt;i&gt;抽签&lt;/i&gt;" in top and "强制报告线索超时未确认接收 1 条" in top
    assert '<a class="kpi alert" href="#board">' in top and '<a class="kpi warn" href="/notices/?state=draft">' in top
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # the form must carry a token the middleware accepts
    client.force_login(wang)
    html = page(client, "/")
    token = re.search(r'action="/notices/circular/"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token, html
    response = client.post("/notices/circular/", {"csrfmiddlewaretoken": token.group(1),
                                                  "week": board.circular_week(timezone.localdate())})
    assert response.status_code == 302
    assert Notice.objects.filter(county=county, kind=NoticeKind.CIRCULAR).exists()


def test_a_provinces_dashboards_read_in_turn_keep_their_cards(db, client, monkeypatch):
    """A province's server holds 183 counties, about five kept entries each (the capacity planner,
    the compliance estimate and their drawn cards). Read in turn, every county's cards must still be
    kept when its commission comes back: with Django's default cache of 300 entries (60 counties),
    each read pushed out another county's and every card was computed again on every read."""
    from django.contrib.auth import get_user_model

    from inspection.models import Profile, Role
    from inspection.web import commission

    cache.clear()  # the earlier tests' entries, under ids this test's counties reuse
    offices = []
    for i in range(64):  # 320 entries
        county = County.objects.create(code=f"9{i:05d}", name=f"测试县{i}", doc_prefix=f"测{i}")
        Township.objects.create(county=county, code=f"9{i:05d}001", name=f"测试镇{i}")
        user = get_user_model().objects.create(username=f"office-{i}")
        Profile.objects.create(user=user, role=Role.COMMISSION, county=county)
        offices.append(user)
    estimated = []
    real = commission.estimate_trend
    monkeypatch.setattr(commission, "estimate_trend", lambda **kw: estimated.append(kw["county"].pk) or real(**kw))
    for user in offices:  # each county's first read computes its cards
        client.force_login(user)
        page(client, "/")
    assert len(estimated) == len(offices)
    for user in offices:
        client.force_login(user)
        page(client, "/")
    assert len(estimated) == len(offices), "a county's cards were computed again: the cache lost them"
