"""The commission's dashboard reads a summary kept by the writes (issue 14), and is never stale.

Every write goes through its service; each read is a real GET of the dashboard, so the cached
fragments are part of what is tested. At the end the kept rows are compared with a rebuild from the
record, and the grid they give with the grid computed from the whole record, on days to come too.
"""

import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.utils import timezone

from inspection.models import Inspection, Rectification, Role, TownshipCoverage
from inspection.services.coverage_summary import rebuild_coverage, summary_of
from inspection.services.dispatch import dispatch_planned
from inspection.services.escalation import accept_rectification
from inspection.services.lineage import record_lineage
from inspection.services.visits import mark_missed
from inspection.web import board
from tests.conftest import _user
from tests.inspection.field_fixtures import make_inspection
from tests.web.builders import make_team, submit_visit
from tests.web.test_pages import page

SHANGHAI = ZoneInfo("Asia/Shanghai")


def grid_row(html, name):
    """The coverage grid's row of township `name`."""
    grid = html[html.index('id="coverage"'):html.index('id="board"')]
    found = re.search(r'<tr class="st-(\w+)">\s*<th scope="row" class="sticky">[^\n]*?>' + name + r"</a>.*?</tr>",
                      grid, re.S)
    assert found, name
    return found.group(1), found.group(0)


def board_row(html, code):
    board_html = html[html.index('id="board"'):]
    found = re.search(r'<tr>\s*<th scope="row"><a href="/townships/' + code + r'/">.*?</tr>', board_html, re.S)
    return found.group(0) if found else None


def kept(county):
    return {row.township_id: {f: getattr(row, f) for f in ("last_before", "visits", "lineage", "rectifications")}
            for row in TownshipCoverage.objects.filter(county=county)}


def same_grid(county, today, as_of):
    """The kept rows give, on `today`, the grid computed from the whole record."""
    townships = list(county.townships.filter(active=True).order_by("code"))
    with time_machine.travel(as_of, tick=False):
        fresh = board.coverage_of(county, today, townships)
        summary = board.coverage_from_summary(county, today, townships, board.summaries(county), as_of=as_of)
    assert summary == fresh
    return summary


def test_each_read_shows_the_write_before_it_and_the_kept_rows_equal_a_rebuild(client, wang, county, checklist):
    team = make_team(county)
    client.force_login(wang)
    today = timezone.localdate()
    shuixi = county.townships.get(code="520581001")
    jinbi = county.townships.get(code="520581100")
    page(client, "/")  # cached fragments now exist; every write below must get past them

    # Dispatched this morning: the open visit shows.
    planned = make_inspection(township=shuixi, checklist=checklist, team=team, status=Inspection.Status.PLANNED)
    assert dispatch_planned(Inspection.objects.filter(pk=planned.pk)) == 1
    state, row = grid_row(page(client, "/"), "水西街道")
    assert state == "covered" and f"/inspections/{planned.pk}/" in row and ">…<" in row

    # Missed: gone again, the township waits for its visit.
    mark_missed(inspection=planned, actor=wang, reason="车辆故障")
    state, row = grid_row(page(client, "/"), "水西街道")
    assert state != "covered" and f"/inspections/{planned.pk}/" not in row

    # Submitted with a critical finding: scored in the grid; summoned, key-managed and lit on the board.
    visit = submit_visit(township=jinbi, checklist=checklist, team=team, day=today - timedelta(days=2),
                         findings=[(6, None, "孤儿基本生活费未按标准发放")])
    html = page(client, "/")
    state, row = grid_row(html, "金碧镇")
    assert state == "covered" and f"/inspections/{visit.pk}/" in row and f">{visit.score}<" in row
    on_board = board_row(html, jinbi.code)
    assert on_board and "lvl-summons" in on_board and "重点管理" in on_board and 'class="light ' in on_board
    rect = Rectification.objects.get(inspection=visit)
    assert rect.due_on.strftime("%-m/%-d") in on_board

    # The rectification accepted: its light leaves the board.
    accept_rectification(rectification=rect, actor=wang)
    on_board = board_row(page(client, "/"), jinbi.code)
    assert on_board is None or 'class="light ' not in on_board

    # A merge: 水西街道 takes over another township's record (the draw's lineage rule).
    merged = county.townships.exclude(pk__in=[shuixi.pk, jinbi.pk]).filter(active=True).order_by("code").last()
    record_lineage(township=shuixi, predecessor_code=merged.code, changed_on=today - timedelta(days=1), actor=wang)
    html = page(client, "/")
    assert f">{merged.name}</a>" not in html[html.index('id="coverage"'):html.index('id="board"')]

    # The kept rows are what a rebuild from the record gives, and so is the grid, today and later.
    assert kept(county) == summary_of(county)
    now = timezone.now()
    for days in (0, 1, 20, 45, 70):
        same_grid(county, today + timedelta(days=days), now + timedelta(days=days))
    before = kept(county)
    assert rebuild_coverage(county=county) == county.townships.count()
    assert kept(county) == before


def at(day: date, hour=10):
    return time_machine.travel(datetime.combine(day, time(hour), tzinfo=SHANGHAI), tick=False)


def test_deadline_lights_and_grace_change_with_the_clock_alone(client, wang, county, checklist):
    """No write between these reads: the states come from the date."""
    team = make_team(county)
    client.force_login(wang)
    jinbi, shuixi = county.townships.get(code="520581100"), county.townships.get(code="520581001")
    with at(date(2026, 9, 8)):
        submit_visit(township=jinbi, checklist=checklist, team=team, day=date(2026, 9, 8))  # deadline 11-08
        planned = make_inspection(township=shuixi, checklist=checklist, team=team, status=Inspection.Status.PLANNED)
        dispatch_planned(Inspection.objects.filter(pk=planned.pk))  # never submitted
    writes = TownshipCoverage.objects.filter(county=county).values_list("visits", flat=True)
    frozen = list(writes)
    seen = {}
    for day, hour in ((date(2026, 9, 8), 18), (date(2026, 9, 20), 10), (date(2026, 11, 2), 10),
                      (date(2026, 11, 8), 10), (date(2026, 11, 9), 10)):
        with at(day, hour):
            html = page(client, "/")
            same_grid(county, day, timezone.now())
        seen[day] = (grid_row(html, "金碧镇")[0], grid_row(html, "水西街道"))
    assert list(writes) == frozen  # nothing was written by the reads
    assert [state for state, _ in seen.values()] == ["covered", "covered", "near", "near", "overdue"]
    assert "剩6天" in grid_row(page_at(client, date(2026, 11, 2)), "金碧镇")[1]
    # The dispatched visit counts on its day and through the grace, not after it.
    assert f"/inspections/{planned.pk}/" in seen[date(2026, 9, 8)][1][1]
    assert f"/inspections/{planned.pk}/" not in seen[date(2026, 9, 20)][1][1]


def page_at(client, day):
    with at(day):
        return page(client, "/")


def test_a_visit_written_around_the_services_is_repaired_by_the_rebuild(client, wang, county, checklist):
    """The summary is kept by the services; a bulk load (or a hand-made row) is caught up by
    `rebuild_coverage`, which the load generator and the command run."""
    team = make_team(county)
    client.force_login(wang)
    jinbi = county.townships.get(code="520581100")
    page(client, "/")
    around = make_inspection(township=jinbi, checklist=checklist, team=team)  # straight into the table
    assert f"/inspections/{around.pk}/" not in grid_row(page(client, "/"), "金碧镇")[1]
    assert kept(county) != summary_of(county)
    call_command("rebuild_coverage", "--county", county.code, stdout=io.StringIO())
    assert kept(county) == summary_of(county)
    assert f"/inspections/{around.pk}/" in grid_row(page(client, "/"), "金碧镇")[1]


def test_a_township_moved_to_another_county_shows_there_with_its_visit(client, wang, county, other_county, checklist):
    """The admin can move a township to another county, and nothing refreshes its summary row then: the
    new county's dashboard finds the row missing (it reads rows by county), rewrites its county's rows
    and shows the township with its visit; the old county's no longer shows it."""
    team = make_team(county)
    jinbi = county.townships.get(code="520581100")
    visit = submit_visit(township=jinbi, checklist=checklist, team=team, day=timezone.localdate() - timedelta(days=2))
    client.force_login(wang)
    page(client, "/")
    assert TownshipCoverage.objects.get(township=jinbi).county_id == county.pk

    type(jinbi).objects.filter(pk=jinbi.pk).update(county=other_county)  # as the admin's form saves it
    assert f">{jinbi.name}</a>" not in page(client, "/")

    other = _user("dafang", Role.COMMISSION, other_county, "大方县未保办")
    client.force_login(other)
    state, row = grid_row(page(client, "/"), jinbi.name)
    assert state == "covered" and f"/inspections/{visit.pk}/" in row
    assert TownshipCoverage.objects.get(township=jinbi).county_id == other_county.pk
    assert kept(other_county) == summary_of(other_county)


def test_the_coverage_chart_names_each_week_by_its_monday_not_its_iso_number(client, wang, county):
    """As the grid's columns are headed: "11/2", never "W45" (a code no reader of the page knows)."""
    from inspection.web import coverage

    client.force_login(wang)
    html = page(client, "/")
    section = html[html.index('id="coverage"'):html.index('id="board"')]
    start, _ = coverage.period_of(timezone.localdate())
    monday = start - timedelta(days=start.weekday())
    assert f">{monday.month}/{monday.day}<" in section
    assert not re.search(r"W\d{2}", section)
