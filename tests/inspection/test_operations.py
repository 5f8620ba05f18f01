"""The commission's operations around the draw (issue 15): inspectors' leave as an input of the draw,
ad-hoc inspections ordered by hand (kept out of the draw's statistics, counted only once submitted),
and replacing an inspector of a sealed visit, drawn again verifiably. Real database, real services."""

import json
from datetime import date, timedelta

import pytest

import rotation
from inspection.errors import Conflict, InspectionError, Unprocessable
from inspection.models import AuditEvent, Draw, Inspection, Inspector, InspectorLeave, Replacement, SeedPeriod
from inspection.services.adhoc import order_inspection
from inspection.services.draw_verify import verify_draw
from inspection.services.draws import dispatch_due, draw_inputs, reveal_due, seal_draw
from inspection.services.availability import eligible_inspectors
from inspection.services.leave import add_leave, withdraw_leave
from inspection.services.replacements import replace_inspector, replacement_key
from tests.inspection.draw_fixtures import AFTER_PERIOD, FRIDAY_BEFORE, MONDAY, WEEK, at, roster, sealed  # noqa: F401
from tests.inspection.test_estimate_command import _visit, command, drawn_county  # noqa: F401 - fixtures

TUESDAY = MONDAY + timedelta(days=1)
SUNDAY = MONDAY + timedelta(days=6)


def inspector(n):
    return Inspector.objects.get(user__username=f"inspector{n}")


def events(action):
    return [json.loads(e.payload)["data"] for e in AuditEvent.objects.filter(action=action).order_by("seq")]


def free_pair(township, on):
    pool = eligible_inspectors(county=township.county, township=township, on=on)
    return pool[:2]


# --- leave -----------------------------------------------------------------------------------------


def test_leave_is_sealed_into_the_draw_and_no_team_sends_anyone_on_their_leave_days(roster, wang):
    with at(FRIDAY_BEFORE - timedelta(days=3)):
        add_leave(county=roster, inspector=inspector(3), starts_on=MONDAY, ends_on=SUNDAY, reason="住院治疗", actor=wang)
        add_leave(county=roster, inspector=inspector(7), starts_on=TUESDAY, ends_on=TUESDAY, reason="参加培训", actor=wang)
    with at(FRIDAY_BEFORE):
        draw = seal_draw(county=roster, week=WEEK, actor=wang)
    recorded = {i["username"]: i.get("away") for i in draw.inputs["inspectors"]}
    assert recorded["inspector3"] == [(MONDAY + timedelta(days=d)).isoformat() for d in range(7)]
    assert recorded["inspector7"] == [TUESDAY.isoformat()]
    assert recorded["inspector1"] is None  # no leave, no key: the record keeps the form sealed before leave existed
    for visit in draw.result["visits"]:
        assert "inspector3" not in visit["inspectors"]
        if visit["date"] == TUESDAY.isoformat():
            assert "inspector7" not in visit["inspectors"]
    assert [e["inspector"] for e in events("inspector.leave_added")] == ["inspector3", "inspector7"]
    # Leave withdrawn after sealing changes nothing sealed: the week still verifies once revealed.
    with at(MONDAY):
        withdraw_leave(leave=InspectorLeave.objects.get(inspector=inspector(3)), actor=wang)
    with at(AFTER_PERIOD):
        reveal_due(county=roster)
        result = verify_draw(county=roster, week=WEEK)
    assert result.ok, result.problems


def test_the_draw_without_leave_records_inputs_as_before(sealed):
    assert all("away" not in i for i in sealed.inputs["inspectors"])
    assert rotation.canonical_inputs(rotation.inputs_from_canonical(sealed.inputs)) == sealed.inputs


def test_a_week_in_which_every_inspector_is_on_leave_is_refused_and_nothing_is_written(roster, wang):
    with at(FRIDAY_BEFORE - timedelta(days=1)):
        for i in Inspector.objects.filter(county=roster):
            add_leave(county=roster, inspector=i, starts_on=MONDAY, ends_on=SUNDAY, reason="集中培训", actor=wang)
    with at(FRIDAY_BEFORE), pytest.raises(InspectionError) as refused:
        seal_draw(county=roster, week=WEEK, actor=wang)
    assert "组不成督查组" in refused.value.detail and "2026年11月30日起的一周" in refused.value.detail
    assert "W49" not in refused.value.detail
    assert not Draw.objects.exists() and not Inspection.objects.exists() and not SeedPeriod.objects.exists()


def test_leave_is_refused_when_it_ends_before_it_starts_or_overlaps_or_has_no_reason(roster, wang):
    with at(FRIDAY_BEFORE):
        with pytest.raises(Unprocessable, match="结束日期不能早于开始日期"):
            add_leave(county=roster, inspector=inspector(1), starts_on=SUNDAY, ends_on=MONDAY, reason="病假", actor=wang)
        with pytest.raises(Unprocessable, match="请填写请假事由"):
            add_leave(county=roster, inspector=inspector(1), starts_on=MONDAY, ends_on=SUNDAY, reason="  ", actor=wang)
        add_leave(county=roster, inspector=inspector(1), starts_on=MONDAY, ends_on=SUNDAY, reason="病假", actor=wang)
        with pytest.raises(Conflict, match="请勿重复登记"):
            add_leave(county=roster, inspector=inspector(1), starts_on=TUESDAY, ends_on=TUESDAY, reason="病假", actor=wang)
    assert InspectorLeave.objects.count() == 1


# --- ad-hoc inspections ------------------------------------------------------------------------------


def test_an_ad_hoc_inspection_is_recorded_as_such_with_its_source_reason_and_team(roster, wang):
    township = roster.townships.get(code="520581100")
    with at(MONDAY, 8):
        team = free_pair(township, TUESDAY)
        visit = order_inspection(county=roster, township=township, on=TUESDAY, source="complaint",
                                 reason="群众来电反映该镇留守儿童之家长期不开放", team=team, actor=wang)
    assert (visit.kind, visit.source, visit.status, visit.draw_id) == ("ad_hoc", "complaint", "planned", None)
    assert sorted(m.inspector_id for m in visit.members.all()) == sorted(i.pk for i in team)
    assert visit.ordered_by == wang
    [logged] = events("inspection.ordered")
    assert logged["township"] == "520581100" and logged["source"] == "complaint" and "date" not in logged
    with at(TUESDAY, 7):
        dispatch_due(county=roster)
    visit.refresh_from_db()
    assert visit.status == "dispatched"


def test_an_ad_hoc_inspection_for_today_goes_out_at_once(roster, wang):
    township = roster.townships.get(code="520581100")
    with at(MONDAY, 8):
        visit = order_inspection(county=roster, township=township, on=MONDAY, source="lead", reason="线索核查",
                                 team=free_pair(township, MONDAY), actor=wang)
    assert visit.status == "dispatched"


def test_an_ad_hoc_inspection_of_an_inactive_township_is_refused(roster, wang):
    township = roster.townships.get(code="520581100")
    township.active = False
    township.save(update_fields=["active"])
    with at(MONDAY, 8), pytest.raises(Unprocessable, match="已不在检查范围内"):
        order_inspection(county=roster, township=township, on=TUESDAY, source="lead", reason="线索核查",
                         team=[inspector(1), inspector(2)], actor=wang)
    assert not Inspection.objects.exists() and not events("inspection.ordered")


def test_an_ad_hoc_team_member_from_the_township_or_on_leave_is_refused_by_name(roster, wang):
    home = inspector(1).home_township
    with at(MONDAY, 8):
        add_leave(county=roster, inspector=inspector(2), starts_on=TUESDAY, ends_on=TUESDAY, reason="病假", actor=wang)
        with pytest.raises(Unprocessable) as refused:
            order_inspection(county=roster, township=home, on=TUESDAY, source="review", reason="回头看整改情况",
                             team=[inspector(1), inspector(2)], actor=wang)
    assert "督查员1的户籍或工作单位在" in refused.value.detail and "督查员2当天请假" in refused.value.detail
    with at(MONDAY, 8), pytest.raises(Unprocessable, match="督查组至少2人"):
        order_inspection(county=roster, township=home, on=TUESDAY, source="review", reason="回头看",
                         team=[inspector(3)], actor=wang)
    assert not Inspection.objects.exists()


def test_an_ad_hoc_visit_counts_for_the_draw_only_once_submitted(roster, wang):
    township = roster.townships.get(code="520581100")
    with at(MONDAY - timedelta(days=14), 8):
        visit = order_inspection(county=roster, township=township, on=MONDAY - timedelta(days=14), source="lead",
                                 reason="线索核查", team=free_pair(township, MONDAY - timedelta(days=14)), actor=wang)
    with at(MONDAY - timedelta(days=13)):
        before = {t.code: t.last_inspected for t in draw_inputs(county=roster, week=WEEK).townships}
    assert before["520581100"] is None  # dispatched, within its grace: a drawn visit would count, this does not
    _visit(visit, [])
    with at(MONDAY - timedelta(days=13)):
        after = {t.code: t.last_inspected for t in draw_inputs(county=roster, week=WEEK).townships}
    assert after["520581100"] == MONDAY - timedelta(days=14)


def test_an_ad_hoc_team_is_busy_in_the_draw_of_its_week(roster, wang):
    township = roster.townships.get(code="520581100")
    with at(FRIDAY_BEFORE - timedelta(days=1), 8):
        team = free_pair(township, TUESDAY)
        order_inspection(county=roster, township=township, on=TUESDAY, source="complaint", reason="来信反映",
                         team=team, actor=wang)
    with at(FRIDAY_BEFORE):
        draw = seal_draw(county=roster, week=WEEK, actor=wang)
    busy = {i["username"]: i.get("busy") for i in draw.inputs["inspectors"]}
    for member in team:
        assert busy[member.user.username] == [TUESDAY.isoformat()]
    for visit in draw.result["visits"]:
        if visit["date"] == TUESDAY.isoformat():
            assert not {m.user.username for m in team} & set(visit["inspectors"])


def test_the_estimate_leaves_ad_hoc_visits_out(drawn_county, roster, checklist, wang):
    with at(date(2026, 12, 5)):
        _, before, _ = command("--county", "520581", "--period", "2026-11", "--json")
    township = roster.townships.get(code="520581110")
    items = list(checklist.items.order_by("position"))
    day = date(2026, 12, 3)
    with at(day, 8):
        visit = order_inspection(county=roster, township=township, on=day, source="complaint", reason="来信反映",
                                 team=free_pair(township, day), actor=wang)
    _visit(visit, items[:4])  # fails four items the drawn visits passed
    with at(date(2026, 12, 5)):
        _, after, _ = command("--county", "520581", "--period", "2026-11", "--json")
    before, after = json.loads(before), json.loads(after)
    assert after["excluded"] == before["excluded"] | {"ad_hoc": 1}
    assert after["items"] == before["items"] and after["visits_used"] == before["visits_used"]


# --- replacing an inspector ------------------------------------------------------------------------


def _visit_of(draw, status="planned"):
    return Inspection.objects.filter(draw=draw, status=status).order_by("date", "id").first()


def test_a_replacement_is_drawn_from_the_draws_key_and_the_week_still_verifies(sealed, roster, wang):
    visit = _visit_of(sealed)
    team = list(visit.members.select_related("inspector__user"))
    ill = team[0].inspector
    with at(MONDAY - timedelta(days=1)):
        first = replace_inspector(inspection=visit, inspector=ill, reason="突发疾病住院", actor=wang)
    assert first.index == 1 and first.replacement != ill
    assert first.replacement.home_township_id != visit.township_id
    assert first.replacement.pk not in {m.inspector_id for m in team}
    assert ill.user.username not in first.candidates
    assert first.replacement.user.username == rotation.pick_replacement(replacement_key(sealed), 1, first.candidates)
    members = set(visit.members.values_list("inspector_id", flat=True))
    assert ill.pk not in members and first.replacement.pk in members
    assert sealed.result == Draw.objects.get(pk=sealed.pk).result  # the sealed record is not edited
    [logged] = events("inspection.inspector_replaced")
    assert logged["index"] == 1 and "replacement" not in logged and len(logged["digest"]) == 64
    second_visit = Inspection.objects.filter(draw=sealed, status="planned").exclude(pk=visit.pk).first()
    with at(MONDAY - timedelta(days=1)):
        second = replace_inspector(inspection=second_visit, inspector=second_visit.members.first().inspector,
                                   reason="家中急事", actor=wang)
    assert second.index == 2
    with at(AFTER_PERIOD):
        reveal_due(county=roster)
        result = verify_draw(county=roster, week=WEEK)
    assert result.ok, result.problems
    assert any("更换督查员" in c for c in result.checks)


def test_verification_catches_a_replacement_changed_behind_the_record(sealed, roster, wang):
    visit = _visit_of(sealed)
    with at(MONDAY - timedelta(days=1)):
        record = replace_inspector(inspection=visit, inspector=visit.members.first().inspector, reason="病假", actor=wang)
    other = next(i for i in Inspector.objects.filter(county=roster).exclude(pk=record.replacement_id)
                 if i.user.username in record.candidates)
    Replacement.objects.filter(pk=record.pk).update(replacement=other)
    visit.members.filter(inspector=record.replacement).update(inspector=other)
    with at(AFTER_PERIOD):
        reveal_due(county=roster)
        result = verify_draw(county=roster, week=WEEK)
    assert not result.ok and any("第1次更换" in p for p in result.problems)


def test_a_replacement_respects_leave(sealed, roster, wang):
    visit = _visit_of(sealed)
    with at(MONDAY - timedelta(days=2)):
        pool = eligible_inspectors(county=roster, township=visit.township, on=visit.date,
                                   exclude=set(visit.members.values_list("inspector_id", flat=True)))
        for i in pool[1:]:
            add_leave(county=roster, inspector=i, starts_on=visit.date, ends_on=visit.date, reason="病假", actor=wang)
        record = replace_inspector(inspection=visit, inspector=visit.members.first().inspector, reason="病假", actor=wang)
    assert record.candidates == [pool[0].user.username] and record.replacement == pool[0]


def test_a_replacement_when_everyone_else_is_on_leave_is_refused_and_nothing_changes(sealed, roster, wang):
    visit = _visit_of(sealed)
    team = set(visit.members.values_list("inspector_id", flat=True))
    with at(MONDAY - timedelta(days=2)):
        for i in Inspector.objects.filter(county=roster).exclude(pk__in=team):
            add_leave(county=roster, inspector=i, starts_on=visit.date, ends_on=visit.date, reason="集中培训", actor=wang)
        with pytest.raises(Conflict, match="没有可以替换的督查员"):
            replace_inspector(inspection=visit, inspector=Inspector.objects.get(pk=min(team)), reason="病假", actor=wang)
    assert set(visit.members.values_list("inspector_id", flat=True)) == team
    assert not Replacement.objects.exists() and not events("inspection.inspector_replaced")


def test_a_replacement_for_a_submitted_visit_is_refused(sealed, roster, wang):
    visit = _visit_of(sealed)
    _visit(visit, [])
    with at(visit.date, 18), pytest.raises(Conflict, match="已提交，不能再更换督查员"):
        replace_inspector(inspection=visit, inspector=visit.members.first().inspector, reason="病假", actor=wang)
    assert not Replacement.objects.exists()


def test_a_replacement_needs_a_member_of_the_team_and_a_reason(sealed, roster, wang):
    visit = _visit_of(sealed)
    outsider = Inspector.objects.filter(county=roster).exclude(
        pk__in=visit.members.values_list("inspector_id", flat=True)).first()
    with at(MONDAY - timedelta(days=1)):
        with pytest.raises(Unprocessable, match="不在这次检查的督查组中"):
            replace_inspector(inspection=visit, inspector=outsider, reason="病假", actor=wang)
        with pytest.raises(Unprocessable, match="请填写更换原因"):
            replace_inspector(inspection=visit, inspector=visit.members.first().inspector, reason=" ", actor=wang)
    assert not Replacement.objects.exists()


def test_a_follow_up_team_skips_inspectors_on_leave(roster, checklist, wang):
    from inspection.services.follow_ups import schedule_follow_up

    township = roster.townships.get(code="520581100")
    day = MONDAY + timedelta(days=14)
    free = eligible_inspectors(county=roster, township=township, on=day)[:2]
    with at(MONDAY):
        for i in Inspector.objects.filter(county=roster).exclude(pk__in=[f.pk for f in free]):
            add_leave(county=roster, inspector=i, starts_on=day, ends_on=day, reason="集中培训", actor=wang)
        planned = schedule_follow_up(township=township, case=None, window=(day, day), excluded=[], actor=wang)
    assert set(planned.members.values_list("inspector_id", flat=True)) == {f.pk for f in free}
