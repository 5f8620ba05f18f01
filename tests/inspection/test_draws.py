"""The draw in the database: sealing, dispatch, reveal, verification and the commands (issue 3)."""

import hashlib
import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

import rotation
from inspection.errors import Conflict, InspectionError
from inspection.models import AuditEvent, Draw, Inspection, SeedPeriod, TeamMember
from inspection.services.draw_verify import verify_draw
from inspection.services.draws import (
    dispatch_due,
    draw_inputs,
    reveal_draw,
    reveal_due,
    run_weeks,
    seal_draw,
)
from tests.inspection.draw_fixtures import (  # noqa: F401 - fixtures
    AFTER_PERIOD,
    AFTER_WEEK,
    FRIDAY_BEFORE,
    MONDAY,
    WEEK,
    at,
    revealed,
    roster,
    sealed,
)


def events(action):
    return [json.loads(e.payload) for e in AuditEvent.objects.filter(action=action).order_by("seq")]


def run(command, *args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- sealing --------------------------------------------------------------------------------------


def test_sealing_plans_the_weeks_visits_with_their_teams(sealed, roster):
    inspections = list(Inspection.objects.filter(draw=sealed).select_related("township"))
    assert len(inspections) == roster.inspections_per_week == len(sealed.result["visits"])
    for inspection in inspections:
        assert inspection.status == Inspection.Status.PLANNED
        assert MONDAY <= inspection.date <= MONDAY + timedelta(days=4)
        team = list(TeamMember.objects.filter(inspection=inspection).select_related("inspector"))
        assert len(team) == 2
        assert all(m.inspector.home_township_id != inspection.township_id for m in team)
    drawn = {v["township"]: v["probability"] for v in sealed.result["visits"]}
    assert {i.township.code: i.probability for i in inspections} == drawn


def test_sealing_commits_the_period_seed_and_logs_no_schedule(sealed):
    period = sealed.period
    assert period.commitment == hashlib.sha256(bytes.fromhex(period.seed)).hexdigest()
    assert (period.starts_on, period.ends_on) == (date(2026, 11, 2), date(2027, 1, 3))
    assert events("seed.committed")[0]["data"]["commitment"] == period.commitment
    sealed_event = AuditEvent.objects.get(action="draw.sealed")
    assert json.loads(sealed_event.payload)["data"]["result_hash"] == sealed.result_hash
    for visit in sealed.result["visits"]:
        assert visit["township"] not in sealed_event.payload
        assert all(name not in sealed_event.payload for name in visit["inspectors"])


def test_the_last_draw_of_a_period_commits_the_next_periods_seed(roster):
    with at(date(2026, 12, 25)):
        seal_draw(county=roster, week="2026-W53")
    assert [(p.starts_on, p.ends_on) for p in SeedPeriod.objects.order_by("starts_on")] == [
        (date(2026, 11, 2), date(2027, 1, 3)), (date(2027, 1, 4), date(2027, 2, 28))
    ]
    assert [e["data"]["starts_on"] for e in events("seed.committed")] == ["2026-11-02", "2027-01-04"]


def test_a_week_cannot_be_drawn_twice(sealed, roster):
    with at(FRIDAY_BEFORE), pytest.raises(Conflict):
        seal_draw(county=roster, week=WEEK)


def test_a_week_that_has_begun_cannot_be_drawn(roster):
    with at(MONDAY), pytest.raises(InspectionError, match="已经开始"):
        seal_draw(county=roster, week=WEEK)


def test_an_earlier_week_cannot_be_drawn_after_a_later_one(roster):
    with at(FRIDAY_BEFORE):
        seal_draw(county=roster, week="2026-W50")
        with pytest.raises(Conflict, match="2026-W50"):
            seal_draw(county=roster, week=WEEK)


def test_the_next_draw_starts_from_the_visits_of_the_last(sealed, roster):
    # Only visits that happened count (issue 17): the week's visits were carried out and filed.
    with at(date(2026, 12, 3)):
        Inspection.objects.filter(draw=sealed).update(
            status=Inspection.Status.SUBMITTED, score=100, dispatched_at=timezone.now(), submitted_at=timezone.now()
        )
    with at(date(2026, 12, 4)):
        inputs = draw_inputs(county=roster, week="2026-W50")
    towns = {t.code: t for t in inputs.townships}
    for visit in sealed.result["visits"]:
        town = towns[visit["township"]]
        assert town.last_inspected == date.fromisoformat(visit["date"])
        assert town.last_team == tuple(sorted(visit["inspectors"]))
    last_places = {i.username: i.last_township for i in inputs.inspectors}
    for name in {n for v in sealed.result["visits"] for n in v["inspectors"]}:
        assert last_places[name] in {v["township"] for v in sealed.result["visits"] if name in v["inspectors"]}
    assert inputs.origin == MONDAY
    assert dict(inputs.balance) == sealed.result["balance"]


def test_visits_are_dispatched_on_the_morning_of_their_day(sealed, roster):
    with at(MONDAY, hour=7):
        dispatched = dispatch_due(county=roster)
    monday = Inspection.objects.filter(draw=sealed, date=MONDAY)
    assert dispatched == monday.count() > 0
    assert set(Inspection.objects.filter(draw=sealed, status="dispatched")) == set(monday)
    assert len(events("inspection.dispatched")) == dispatched
    with at(MONDAY, hour=8):
        assert dispatch_due(county=roster) == 0


# --- reveal and verification ----------------------------------------------------------------------


def test_a_week_is_revealed_only_after_it_ends_and_its_seed_only_after_the_period(sealed, roster):
    with at(MONDAY + timedelta(days=6)), pytest.raises(InspectionError, match="只能公开已经结束的周"):
        reveal_draw(county=roster, week=WEEK)
    with at(AFTER_WEEK):
        draw = reveal_draw(county=roster, week=WEEK)
    assert draw.state == Draw.State.REVEALED
    assert SeedPeriod.objects.get().revealed_at is None
    with at(AFTER_PERIOD):
        reveal_due(county=roster)
    assert SeedPeriod.objects.get().revealed_at is not None
    assert events("seed.revealed")[0]["data"]["seed"] == sealed.period.seed


def test_verification_waits_for_the_seed(sealed, roster):
    with at(AFTER_WEEK):
        reveal_draw(county=roster, week=WEEK)
        result = verify_draw(county=roster, week=WEEK)
    assert not result.ok and "尚未公开" in result.problems[0]


def test_an_honest_draw_verifies(revealed, roster):
    result = verify_draw(county=roster, week=WEEK)
    assert result.ok, result.problems
    out, _ = run("verify_draw", "--county", roster.code, "--week", WEEK)
    assert "验证通过" in out


def test_a_draw_whose_result_was_changed_fails_verify_draw(revealed, roster):
    result = revealed.result
    drawn = {v["township"] for v in result["visits"]}
    other = next(t.code for t in roster.townships.order_by("code") if t.code not in drawn)
    result["visits"][0]["township"] = other
    Draw.objects.filter(pk=revealed.pk).update(result=result)
    with pytest.raises(CommandError):
        run("verify_draw", "--county", roster.code, "--week", WEEK)
    problems = verify_draw(county=roster, week=WEEK).problems
    assert any("哈希不一致" in p for p in problems) and any("结果与记录不一致" in p for p in problems)


def test_a_visit_moved_to_another_township_fails_verify_draw(revealed, roster):
    drawn = {v["township"] for v in revealed.result["visits"]}
    other = roster.townships.exclude(code__in=drawn).order_by("code").first()
    first = Inspection.objects.filter(draw=revealed).order_by("id").first()
    Inspection.objects.filter(pk=first.pk).update(township=other)
    result = verify_draw(county=roster, week=WEEK)
    assert not result.ok and any("实际安排的检查与抽签不一致" in p for p in result.problems)


def test_a_seed_swapped_with_its_commitment_fails_verify_draw(revealed, roster):
    fake = b"\x00" * 32
    SeedPeriod.objects.filter(pk=revealed.period_id).update(seed=fake.hex(), commitment=rotation.seed_commitment(fake))
    result = verify_draw(county=roster, week=WEEK)
    assert not result.ok
    assert any("期初公布" in p for p in result.problems)
    assert any("结果与记录不一致" in p for p in result.problems)


def test_a_draw_re_rolled_with_doctored_inputs_fails_verify_draw(revealed, roster):
    """Someone with the seed recomputes the week from changed inputs and stores both: the hashes
    in the audit log and the inspection history still give it away."""
    inputs = dict(revealed.inputs)
    inputs["townships"] = [dict(t, last_inspected="2026-10-01") for t in inputs["townships"]]
    seed = bytes.fromhex(revealed.period.seed)
    result = rotation.draw(rotation.inputs_from_canonical(inputs), rotation.derive_week_key(seed, roster.code, WEEK)).to_dict()
    Draw.objects.filter(pk=revealed.pk).update(
        inputs=inputs, result=result, result_hash=hashlib.sha256(rotation.canonical_json(result)).hexdigest()
    )
    problems = verify_draw(county=roster, week=WEEK).problems
    assert any("抽签结果已被改动" in p for p in problems)
    assert any("抽签输入已被改动" in p for p in problems)
    assert any("上次检查日期与封存时的检查记录不符" in p for p in problems)


# --- commands -------------------------------------------------------------------------------------


def test_the_draw_command_seals_the_week_and_prints_its_commitment(roster):
    with at(FRIDAY_BEFORE):
        out, _ = run("draw", "--county", roster.code, "--week", WEEK)
    draw = Draw.objects.get(county=roster, week=WEEK)
    assert draw.period.commitment in out.split()
    assert not any(v["township"] in out for v in draw.result["visits"])


def test_the_draw_command_refuses_a_second_draw_of_the_week(sealed, roster):
    with at(FRIDAY_BEFORE), pytest.raises(CommandError, match="不能重抽"):
        run("draw", "--county", roster.code, "--week", WEEK)


def test_the_reveal_command_prints_the_visits_and_the_seed_after_the_period(sealed, roster):
    with at(AFTER_WEEK):
        out, _ = run("reveal", "--county", roster.code, "--week", WEEK)
    assert all(v["township"] in out for v in sealed.result["visits"])
    assert sealed.period.seed not in out
    with at(AFTER_PERIOD):
        out, _ = run("reveal", "--county", roster.code, "--week", WEEK)
    assert sealed.period.seed in out


def test_simulate_draws_writes_the_design_json_and_nothing_to_the_database(roster, tmp_path):
    before = (Draw.objects.count(), Inspection.objects.count(), AuditEvent.objects.count())
    path = tmp_path / "sim.json"
    keys = "520581100,520581103,520581107,520581202,520581211"
    run("simulate_draws", "--county", roster.code, "--weeks", "20", "--per-week", "8", "--key-managed", keys,
        "--seed", "7", "--json", str(path), "--start", "2026-W49")
    assert (Draw.objects.count(), Inspection.objects.count(), AuditEvent.objects.count()) == before
    data = json.loads(path.read_text())
    assert data["county"] == roster.code and data["per_week"] == 8 and data["seed"] == 7
    assert data["key_managed"] == keys.split(",") and data["ratio"] == roster.key_ratio
    assert set(data["inspectors"]) == set(roster.inspectors.values_list("user__username", flat=True))
    assert len(data["weeks"]) == 20 and data["weeks"][0] == data["weeks"][0] | {"week": "2026-W49", "start": "2026-11-30"}
    measured = rotation.measure(data, list(roster.townships.values_list("code", flat=True)))
    assert measured["violations"] == 0 and measured["recusal_violations"] == 0


def test_simulate_draws_works_for_a_county_not_in_the_database(db, tmp_path):
    path = tmp_path / "sim.json"
    run("simulate_draws", "--county", "520521", "--weeks", "10", "--per-week", "6", "--seed", "1", "--json", str(path))
    data = json.loads(path.read_text())
    assert data["county"] == "520521" and len(data["weeks"]) == 10


def test_the_capacity_command_gives_the_planners_capacity_for_a_floor(roster):
    out, _ = run("capacity", "--county", roster.code, "--floor", "0.15", "--key-managed", "5")
    plan = rotation.capacity_for_floor(30, 0.15, key_managed=5, ratio=roster.key_ratio, start=date.today())
    assert f"capacity: {plan.capacity}" in out
    assert plan.floor >= 0.15


# --- the demo's history ---------------------------------------------------------------------------


def test_past_weeks_are_drawn_revealed_and_the_current_week_stays_sealed_with_todays_visits_out(roster):
    roster.inspections_per_week = 10
    roster.save()
    wednesday = date(2026, 12, 16)
    with at(wednesday):
        draws = run_weeks(county=roster, weeks=3)
        again = run_weeks(county=roster, weeks=3)
    assert [d.week for d in draws] == ["2026-W48", "2026-W49", "2026-W50", "2026-W51"] == [d.week for d in again]
    assert [d.state for d in Draw.objects.order_by("week_start")] == ["revealed"] * 3 + ["sealed"]
    today = Inspection.objects.filter(draw=draws[-1], date=wednesday, status="dispatched")
    assert today.count() >= 2
    assert not Inspection.objects.filter(draw=draws[-1], date__gt=wednesday).exclude(status="planned").exists()
    for draw in draws[:-1]:
        assert verify_draw(county=roster, week=draw.week).problems == ["本期种子尚未公开（2027-01-03 之后公开），暂不能验证"]
