"""Visits that did not happen (issue 17): missed after the grace, filed late, cancelled; make-up and
late draws; only visits that happened count; draw and weekly_draw say aloud what went wrong."""

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from inspection.errors import Conflict, InspectionError, NotFound, Unprocessable
from inspection.models import AuditEvent, Draw, Inspection
from inspection.services.draw_verify import verify_draw
from inspection.services.draws import draw_inputs, reveal_due, seal_draw
from inspection.services.inspections import submit_inspection
from inspection.services.visits import cancel_inspection, mark_missed, miss_overdue
from inspection.web import board
from tests.inspection.draw_fixtures import (  # noqa: F401 - fixtures
    AFTER_PERIOD,
    FRIDAY_BEFORE,
    MONDAY,
    WEEK,
    at,
    roster,
    sealed,
)
from tests.inspection.field_fixtures import dispatched, make_inspection, sun, tomorrow  # noqa: F401 - fixtures

NEXT_WEEK = "2026-W50"
NEXT_MONDAY = MONDAY + timedelta(days=7)


def events(action):
    return [json.loads(e.payload)["data"] for e in AuditEvent.objects.filter(action=action).order_by("seq")]


def escalate(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("escalate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def command(name, *args):
    """(exit code, stdout, stderr) as a shell sees them: 1 for a CommandError, SystemExit's code."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except CommandError as exc:
        return 1, out.getvalue(), err.getvalue() + str(exc)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def visited(township, day, checklist):
    """A visit made and filed on `day`, on the record since that day."""
    with at(day):
        return Inspection.objects.create(
            county=township.county, township=township, checklist=checklist, date=day,
            status=Inspection.Status.SUBMITTED, score=100, dispatched_at=timezone.now(), submitted_at=timezone.now(),
        )


# --- the states ------------------------------------------------------------------------------------


def test_a_visit_not_filed_within_the_grace_becomes_missed_in_the_morning_job(sealed):
    with at(MONDAY, 7):
        escalate()
    monday = Inspection.objects.filter(draw=sealed, date=MONDAY)
    assert monday.exists() and set(monday.values_list("status", flat=True)) == {"dispatched"}
    # Monday's grace (72 hours after the day) runs to Thursday midnight: still open on Thursday.
    with at(MONDAY + timedelta(days=3), 7):
        escalate()
    assert set(monday.values_list("status", flat=True)) == {"dispatched"}
    with at(MONDAY + timedelta(days=4), 7):
        _, err = escalate()
    assert set(monday.values_list("status", flat=True)) == {"missed"}
    assert "未实施" in err
    first = monday.first()
    assert "宽限期" in first.missed_reason and first.missed_by is None and first.missed_at is not None
    assert [e["township"] for e in events("inspection.missed")] == list(
        monday.order_by("date", "id").values_list("township__code", flat=True)
    )
    later = Inspection.objects.filter(draw=sealed, date__gt=MONDAY, status="dispatched")
    assert later.exists()  # their grace has not run out


def test_a_filing_that_arrives_after_the_grace_turns_the_visit_back_to_submitted(dispatched, li, wang):
    with at(timezone.localdate() + timedelta(days=5), 7):
        assert miss_overdue(county=dispatched.county) == [dispatched]
    dispatched.refresh_from_db()
    assert dispatched.status == Inspection.Status.MISSED
    inspection, new = submit_inspection(inspection=dispatched, user=li)
    assert new and inspection.status == Inspection.Status.SUBMITTED
    inspection.refresh_from_db()
    assert inspection.missed_at is not None  # the record keeps that it was once missed
    assert events("inspection.filed_late")[0]["reason"] == inspection.missed_reason


def test_the_commission_marks_a_dispatched_visit_missed_and_cancels_a_planned_one(dispatched, tomorrow, wang):
    missed = mark_missed(inspection=dispatched, actor=wang, reason="  督查组成员 因病 ")
    assert (missed.status, missed.missed_reason, missed.missed_by) == ("missed", "督查组成员 因病", wang)
    cancelled = cancel_inspection(inspection=tomorrow, actor=wang, reason="道路中断")
    assert (cancelled.status, cancelled.cancelled_by, cancelled.dispatched_at) == ("cancelled", wang, None)
    assert events("inspection.missed")[0]["by"] == "commission"
    assert events("inspection.cancelled")[0]["reason"] == "道路中断"


def test_the_wrong_state_or_no_reason_or_not_the_commission_is_refused(dispatched, tomorrow, wang, li):
    with pytest.raises(Unprocessable, match="请填写未实施原因"):
        mark_missed(inspection=dispatched, actor=wang, reason="   ")
    with pytest.raises(Conflict, match="尚未派出"):
        cancel_inspection(inspection=dispatched, actor=wang, reason="x")
    with pytest.raises(Conflict, match="已派出"):
        mark_missed(inspection=tomorrow, actor=wang, reason="x")
    with pytest.raises(NotFound):
        mark_missed(inspection=dispatched, actor=li, reason="没去")
    with pytest.raises(Unprocessable, match="不超过"):
        cancel_inspection(inspection=tomorrow, actor=wang, reason="长" * 501)
    assert not AuditEvent.objects.filter(action__in=["inspection.missed", "inspection.cancelled"]).exists()


def test_the_database_refuses_a_missed_visit_without_a_reason_or_a_cancelled_one_already_dispatched(dispatched):
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.filter(pk=dispatched.pk).update(status="missed", missed_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.filter(pk=dispatched.pk).update(
            status="cancelled", cancelled_at=timezone.now(), cancelled_reason="x"
        )


def test_a_cancelled_visit_takes_no_filing(tomorrow, wang, li):
    cancel_inspection(inspection=tomorrow, actor=wang, reason="道路中断")
    with pytest.raises(Conflict, match="已撤销"):
        submit_inspection(inspection=tomorrow, user=li)


# --- only visits that happened count ---------------------------------------------------------------


def test_coverage_and_the_draws_inputs_drop_a_missed_visit(jinbi, checklist, li, sun, wang):
    today = date(2026, 12, 2)
    earlier = visited(jinbi, date(2026, 10, 20), checklist)  # the period before
    with at(today, 9):
        visit = make_inspection(township=jinbi, checklist=checklist, team=[li, sun], day=today)

    def last_in_inputs():
        return {t.code: t.last_inspected for t in draw_inputs(county=jinbi.county, week=NEXT_WEEK).townships}[jinbi.code]

    def covered():
        return board.coverage_of(jinbi.county, today, [jinbi]).rows[0].covered

    with at(today, 12):
        assert (covered(), last_in_inputs()) == (True, today)  # dispatched, within its grace
        mark_missed(inspection=visit, actor=wang, reason="道路中断")
        assert (covered(), last_in_inputs()) == (False, earlier.date)


def test_a_dispatched_visit_past_its_grace_does_not_count_even_if_the_job_did_not_run(dispatched):
    jinbi = dispatched.township
    with at(timezone.localdate() + timedelta(days=5)):
        today = timezone.localdate()
        assert not board.coverage_of(jinbi.county, today, [jinbi]).rows[0].covered
    assert Inspection.objects.get(pk=dispatched.pk).status == "dispatched"


def test_verify_draw_reads_the_last_visits_as_they_stood_when_the_draw_was_sealed(sealed, wang):
    with at(MONDAY, 7):
        escalate()
    with at(MONDAY + timedelta(days=3), 7):
        escalate()  # Thursday: every visit dispatched, none past its grace
        thursday = Inspection.objects.filter(draw=sealed, date=MONDAY + timedelta(days=3)).first()
    with at(MONDAY + timedelta(days=4), 12):
        next_draw = seal_draw(county=sealed.county, week=NEXT_WEEK, actor=wang)
    recorded = {t["code"]: t["last_inspected"] for t in next_draw.inputs["townships"]}
    assert recorded[thursday.township.code] == thursday.date.isoformat()
    with at(NEXT_MONDAY + timedelta(days=1), 7):
        escalate()  # Thursday's grace is over: missed now
    thursday.refresh_from_db()
    assert thursday.status == "missed"
    with at(AFTER_PERIOD):
        reveal_due(county=sealed.county)
        result = verify_draw(county=sealed.county, week=NEXT_WEEK)
    assert result.ok, result.problems


# --- make-up and late draws ------------------------------------------------------------------------


def test_a_cancelled_visit_whose_deadline_is_at_risk_gets_a_make_up_draw_that_verifies(roster, checklist, wang):
    due = roster.townships.get(code="520581100")
    visited(due, date(2026, 10, 2), checklist)  # its deadline: 2 December, in week 49
    with at(FRIDAY_BEFORE):
        weekly = seal_draw(county=roster, week=WEEK, actor=wang)
    planned = Inspection.objects.get(draw=weekly, township=due)
    assert planned.probability == 1.0
    with at(MONDAY - timedelta(days=1)):
        cancel_inspection(inspection=planned, actor=wang, reason="当日有防汛任务")
    with at(MONDAY, 7):
        _, err = escalate()
    makeup = Draw.objects.get(county=roster, week=WEEK, label="makeup-1")
    assert "补充抽签" in err
    assert makeup.inputs["capacity"] == 1 and makeup.inputs["label"] == "makeup-1"
    assert makeup.inputs["from_day"] == MONDAY.isoformat()
    placed = Inspection.objects.get(draw=makeup)
    assert placed.township == due and MONDAY <= placed.date <= date(2026, 12, 2)
    assert events("draw.sealed")[-1]["label"] == "makeup-1"
    with at(MONDAY + timedelta(days=1), 7):
        escalate()
    assert Draw.objects.filter(county=roster, week=WEEK).count() == 2  # no second make-up for the same slot
    with at(AFTER_PERIOD):
        reveal_due(county=roster)
        assert verify_draw(county=roster, week=WEEK, label="makeup-1").ok
        assert verify_draw(county=roster, week=WEEK).ok
    assert command("verify_draw", "--county", roster.code, "--week", WEEK, "--label", "makeup-1")[0] == 0


def test_no_make_up_when_no_deadline_is_at_risk(sealed, wang):
    planned = Inspection.objects.filter(draw=sealed).order_by("date").last()
    with at(MONDAY - timedelta(days=1)):
        cancel_inspection(inspection=planned, actor=wang, reason="人员调整")
    with at(MONDAY, 7):
        escalate()
    assert list(Draw.objects.values_list("label", flat=True)) == ["weekly"]


def test_when_the_friday_job_did_not_run_the_morning_job_seals_the_week_late(sealed):
    with at(NEXT_MONDAY, 7):
        _, err = escalate()
    late = Draw.objects.get(county=sealed.county, week=NEXT_WEEK)
    assert late.label == "late" and late.inputs["from_day"] == NEXT_MONDAY.isoformat()
    assert "补抽" in err and NEXT_WEEK in err
    today = Inspection.objects.filter(draw=late, date=NEXT_MONDAY)
    assert set(today.values_list("status", flat=True)) == {"dispatched"}
    assert all(i.date >= NEXT_MONDAY for i in late.inspections.all())
    with at(NEXT_MONDAY + timedelta(days=1), 7):
        escalate()
    assert Draw.objects.filter(county=sealed.county, week=NEXT_WEEK).count() == 1
    with at(AFTER_PERIOD):
        reveal_due(county=sealed.county)
        assert verify_draw(county=sealed.county, week=NEXT_WEEK).ok


def test_a_county_that_never_drew_is_not_sealed_late(roster):
    with at(MONDAY, 7):
        escalate()
    assert not Draw.objects.exists()


# --- loud, never silent ----------------------------------------------------------------------------


def test_draw_exits_0_when_all_is_well_and_1_on_an_error(roster):
    with at(FRIDAY_BEFORE):
        assert command("draw", "--county", roster.code, "--week", WEEK)[0] == 0
        code, _, err = command("draw", "--county", roster.code, "--week", WEEK)
    assert code == 1 and "已抽签" in err


def _short_of_capacity(county, checklist):
    """Four townships due in week 49 and one visit a week: the deadlines cannot all be kept."""
    for code in ["520581100", "520581101", "520581102", "520581103"]:
        visited(county.townships.get(code=code), date(2026, 10, 1), checklist)
    county.inspections_per_week = 1
    county.save(update_fields=["inspections_per_week"])


def test_a_shortfall_is_refused_unless_accepted_with_a_reason_then_recorded_and_exit_3(roster, checklist):
    _short_of_capacity(roster, checklist)
    with at(FRIDAY_BEFORE):
        code, _, err = command("draw", "--county", roster.code, "--week", WEEK)
        assert code == 1 and "--accept-shortfall" in err and not Draw.objects.exists()
        code, out, err = command("draw", "--county", roster.code, "--week", WEEK,
                                 "--accept-shortfall", "本月督查员集中培训，县委同意")
    assert code == 3 and "检查能力不足" in err and "承诺" in out
    draw = Draw.objects.get()
    assert draw.accepted_shortfall == "本月督查员集中培训，县委同意"
    assert events("draw.sealed")[0]["accepted_shortfall"] == "本月督查员集中培训，县委同意"


def test_weekly_draw_exits_3_when_a_county_is_refused(roster, other_county):
    with at(FRIDAY_BEFORE):
        code, out, err = command("weekly_draw")
    assert code == 3 and other_county.code in err and "sealed 1" in out  # 大方县 has no checklist: said aloud


def test_weekly_draw_exit_0_when_every_county_is_sealed(roster):
    with at(FRIDAY_BEFORE):
        code, out, _ = command("weekly_draw")
    assert code == 0 and "sealed 1" in out


def test_weekly_draw_refuses_a_shortfall_then_accepts_it_with_a_reason(roster, checklist):
    _short_of_capacity(roster, checklist)
    with at(FRIDAY_BEFORE):
        code, _, err = command("weekly_draw")
        assert code == 3 and "检查能力不足" in err and not Draw.objects.exists()
        code, _, err = command("weekly_draw", "--accept-shortfall", "经委员会研究同意")
    assert code == 3 and "已确认理由：经委员会研究同意" in err
    assert Draw.objects.get().accepted_shortfall == "经委员会研究同意"


def test_weekly_draw_says_a_missing_week_and_exits_3(sealed):
    with at(NEXT_MONDAY + timedelta(days=4)):  # the Friday of week 50, which was never drawn
        code, out, err = command("weekly_draw")
    assert code == 3 and "2026-W50 没有抽签" in err and "2026-W51: sealed 1" in out


def test_draw_of_a_week_already_begun_is_sealed_late_from_today(sealed):
    with at(NEXT_MONDAY + timedelta(days=2), 8):
        code, out, err = command("draw", "--county", sealed.county.code, "--week", NEXT_WEEK)
    assert code == 0, err
    draw = Draw.objects.get(week=NEXT_WEEK)
    assert draw.label == "late" and draw.inputs["from_day"] == (NEXT_MONDAY + timedelta(days=2)).isoformat()
    assert "补抽" in out
    assert all(i.date >= NEXT_MONDAY + timedelta(days=2) for i in draw.inspections.all())


def test_a_weekly_draw_of_a_week_already_begun_is_refused(sealed):
    with pytest.raises(InspectionError, match="已经开始"):
        seal_draw(county=sealed.county, week=NEXT_WEEK, today=NEXT_MONDAY)
