"""Townships change (issue 17): merges, splits and new townships in the draw and on the dashboard."""

from datetime import date

import pytest
from django.utils import timezone

import rotation
from inspection.errors import InspectionError
from inspection.models import AuditEvent, Inspection, Inspector, Township, TownshipLineage
from inspection.services.draws import draw_inputs, seal_draw
from inspection.services.lineage import record_lineage
from inspection.services.setup import import_divisions
from inspection.web.board import coverage_of
from tests.inspection.draw_fixtures import FRIDAY_BEFORE, WEEK, at, roster  # noqa: F401 - fixtures

A, B = "520581001", "520581002"
NEW = "520581990"
CHANGED = date(2026, 11, 2)


def visit(county, checklist, code, day):
    return Inspection.objects.create(county=county, township=county.townships.get(code=code), checklist=checklist,
                                     date=day, status=Inspection.Status.SUBMITTED, score=90,
                                     submitted_at=timezone.now(), dispatched_at=timezone.now())


def new_township(county, code=NEW, name="新合并镇"):
    return Township.objects.create(county=county, code=code, name=name, kind=Township.Kind.TOWN)


def state(inputs, code):
    return next(t for t in inputs.townships if t.code == code)


def test_a_merge_carries_the_oldest_last_visit_and_takes_the_predecessors_out_of_the_draw(roster, checklist):
    visit(roster, checklist, A, date(2026, 10, 12))
    visit(roster, checklist, B, date(2026, 9, 28))
    merged = new_township(roster)
    for code in (A, B):
        record_lineage(township=merged, predecessor_code=code, changed_on=CHANGED)
    inputs = draw_inputs(county=roster, week=WEEK)
    codes = {t.code for t in inputs.townships}
    assert A not in codes and B not in codes
    # The part visited longest ago sets the deadline: B's area must still be reached in time.
    assert state(inputs, NEW).last_inspected == date(2026, 9, 28)
    assert AuditEvent.objects.filter(action="township.lineage_recorded").count() == 2


def test_a_visit_after_the_merge_counts_for_the_whole_new_township(roster, checklist):
    visit(roster, checklist, A, date(2026, 9, 1))
    merged = new_township(roster)
    record_lineage(township=merged, predecessor_code=A, changed_on=CHANGED)
    visit(roster, checklist, NEW, date(2026, 11, 10))
    assert state(draw_inputs(county=roster, week=WEEK), NEW).last_inspected == date(2026, 11, 10)


def test_a_split_gives_every_successor_the_predecessors_last_visit(roster, checklist):
    visit(roster, checklist, A, date(2026, 10, 20))
    east, west = new_township(roster, "520581991", "东街道"), new_township(roster, "520581992", "西街道")
    for part in (east, west):
        record_lineage(township=part, predecessor_code=A, changed_on=CHANGED, kind=TownshipLineage.Kind.SPLIT)
    inputs = draw_inputs(county=roster, week=WEEK)
    assert state(inputs, "520581991").last_inspected == state(inputs, "520581992").last_inspected == date(2026, 10, 20)


def test_an_inspector_living_in_a_merged_away_township_recuses_from_its_successor(roster, checklist):
    lives_in_a = Inspector.objects.filter(county=roster).select_related("user").first()
    lives_in_a.home_township = roster.townships.get(code=A)
    lives_in_a.save()
    merged = new_township(roster)
    record_lineage(township=merged, predecessor_code=A, changed_on=CHANGED)
    inputs = draw_inputs(county=roster, week=WEEK)
    home = next(i.home for i in inputs.inspectors if i.username == lives_in_a.user.username)
    assert home == NEW
    # Drawn at once (never visited, deadline long past in the county's eyes), it must not send them.
    forced = rotation.draw(inputs, b"k" * 32)
    for v in forced.visits:
        if v.township == NEW:
            assert lives_in_a.user.username not in v.inspectors


def test_a_new_township_starts_its_clock_on_its_creation_date(roster, checklist, wang):
    with at(date(2026, 10, 30)):
        seal_draw(county=roster, week="2026-W45", actor=wang)  # the county's draw began long before
    created = new_township(roster, name="新设街道")
    created.established_on = date(2026, 11, 20)
    created.save()
    inputs = draw_inputs(county=roster, week=WEEK)
    assert state(inputs, NEW).last_inspected == date(2026, 11, 19)
    with at(FRIDAY_BEFORE):  # the weeks between were never drawn: the others are short, not the new one
        draw = seal_draw(county=roster, week=WEEK, actor=wang, accept_shortfall="测试：中间数周未抽签")
    deadline = date.fromisoformat(draw.result["deadlines"][NEW])
    assert deadline == rotation.next_deadline(date(2026, 11, 19)) > date(2026, 12, 31)
    assert NEW not in draw.result["missed"]
    assert not any(NEW in w for w in draw.result["warnings"])
    # The dashboard counts the same clock: no overdue, no "deadline near".
    coverage = coverage_of(roster, date(2026, 11, 27), list(roster.townships.filter(active=True)))
    row = next(r for r in coverage.rows if r.township.code == NEW)
    assert row.deadline == deadline and row.state == "open"


def test_lineage_refuses_nonsense(roster):
    merged = new_township(roster)
    with pytest.raises(InspectionError, match="自己的前身"):
        record_lineage(township=merged, predecessor_code=NEW, changed_on=CHANGED)
    with pytest.raises(InspectionError, match="调整类型"):
        record_lineage(township=merged, predecessor_code=A, changed_on=CHANGED, kind="annex")


def test_import_divisions_records_the_lineage_the_file_gives(county, tmp_path):
    path = tmp_path / "streets.csv"
    path.write_text(
        "code,name,areaCode,provinceCode,cityCode,predecessors,changedOn\n"
        f"{A},\"杜鹃街道\",520581,52,5205,,\n"
        f"{NEW},\"合并镇\",520581,52,5205,{B};520581003,2026-11-02\n",
        encoding="utf-8",
    )
    import_divisions(county_code="520581", path=path)
    merged = Township.objects.get(code=NEW)
    assert merged.established_on == CHANGED
    assert sorted(merged.predecessors.values_list("predecessor_code", flat=True)) == [B, "520581003"]
    assert not Township.objects.get(code=B).active
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,areaCode,provinceCode,cityCode,predecessors,changedOn\n"
                   f"520581993,\"又一镇\",520581,52,5205,{A},soon\n", encoding="utf-8")
    with pytest.raises(InspectionError, match="changedOn"):
        import_divisions(county_code="520581", path=bad)
