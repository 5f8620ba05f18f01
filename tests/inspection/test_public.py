"""Commitments anyone can check (issue 17): the public feed and page, pseudonyms, the standalone
verifier and `verify_draw`, each against an honest record and against every kind of tampering."""

import copy
import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

import rotation
from inspection.models import County, Draw, Inspection, Inspector, SeedPeriod, TeamMember
from inspection.publication import pseudonym, pseudonym_map
from inspection.services.draw_verify import verify_draw
from inspection.services.draws import result_hash, reveal_draw, seal_draw
from tests.conftest import ApiClient
from tests.inspection.draw_fixtures import (  # noqa: F401 - fixtures
    AFTER_WEEK,
    FRIDAY_BEFORE,
    WEEK,
    at,
    revealed,
    roster,
    sealed,
)

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "tools" / "verify_draw.py"
NEXT_WEEK = "2026-W50"


def feed_of(county) -> dict:
    response = Client().get(f"/api/v1/public/{county.code}")
    assert response.status_code == 200, response.content
    return response.json()


def run_verifier(tmp_path, data, *args) -> tuple[int, str]:
    """The verifier as the public runs it: only the standard library (-I -S: no site-packages)."""
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(VERIFIER), "--feed", str(path), *args],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return done.returncode, done.stdout + done.stderr


def manage_verify(county, *extra, week=WEEK) -> int:
    try:
        call_command("verify_draw", "--county", county.code, "--week", week, *extra)
    except CommandError as exc:
        return exc.returncode
    return 0


@pytest.fixture
def feed(revealed, roster):
    return feed_of(roster)


# --- pseudonyms -------------------------------------------------------------------------------


def test_a_pseudonym_is_short_stable_and_keyed_with_the_county_secret_not_the_seed(roster, other_county):
    day = SeedPeriod(starts_on=FRIDAY_BEFORE).starts_on
    label = pseudonym(roster, "inspector1", period_start=day)
    assert label.startswith("督查员 ") and len(label) == len("督查员 ") + 4
    assert label == pseudonym(roster, "inspector1", period_start=day)
    assert label != pseudonym(roster, "inspector1", period_start=day + timedelta(days=63))
    other_county.pseudonym_secret, roster_secret = roster.pseudonym_secret, roster.pseudonym_secret
    assert pseudonym(other_county, "inspector1", period_start=day) == label  # only the secret keys it
    assert County.objects.get(pk=roster.pk).pseudonym_secret == roster_secret != ""
    assert County.objects.exclude(pk=roster.pk).exclude(pseudonym_secret=roster_secret).exists()


def test_pseudonyms_of_a_roster_are_all_distinct(roster):
    names = [f"inspector{i}" for i in range(1, 400)]
    labels = pseudonym_map(roster, names)
    assert len(set(labels.values())) == len(names)


# --- the feed and the page -------------------------------------------------------------------


def test_the_feed_publishes_every_commitment_and_the_revealed_week_without_names_or_homes(feed, revealed, roster):
    periods = {p["starts_on"]: p for p in feed["periods"]}
    assert periods[revealed.period.starts_on.isoformat()]["commitment"] == revealed.period.commitment
    assert periods[revealed.period.starts_on.isoformat()]["seed"] == revealed.period.seed
    [week] = feed["weeks"]
    assert week["week"] == WEEK and week["pseudonymous"]
    text = json.dumps(feed, ensure_ascii=False)
    for inspector in Inspector.objects.filter(county=roster).select_related("user"):
        assert inspector.user.username not in text and inspector.name not in text
    assert all(i["home"] is None and i["last_township"] is None for i in week["inputs"]["inspectors"])
    assert all(t["last_team"] == [] for t in week["inputs"]["townships"])
    assert all(u.startswith("督查员 ") for v in week["result"]["visits"] for u in v["inspectors"])
    assert feed["audit_head"]["seq"] > 0


def test_a_sealed_week_shows_nothing_beyond_its_periods_commitment(sealed, roster, wang):
    with at(FRIDAY_BEFORE + timedelta(days=7)):
        later = seal_draw(county=roster, week=NEXT_WEEK, actor=wang)
    with at(AFTER_WEEK):
        reveal_draw(county=roster, week=WEEK)
        feed = feed_of(roster)
    assert [w["week"] for w in feed["weeks"]] == [WEEK]
    assert all(p["seed"] is None for p in feed["periods"])
    text = json.dumps(feed)
    assert later.result_hash not in text and NEXT_WEEK not in text
    assert later.period.commitment in text


def test_the_feed_costs_a_few_queries_however_many_weeks(revealed, roster, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        Client().get(f"/api/v1/public/{roster.code}")


def test_an_unknown_county_gets_a_clear_404(db):
    response = Client().get("/api/v1/public/999999")
    assert response.status_code == 404 and "999999" in response.json()["detail"]
    assert Client().get("/public/999999/").status_code == 404


def test_the_public_page_needs_no_sign_in_and_says_where_else_commitments_are_published(revealed, roster):
    html = Client().get(f"/public/{roster.code}/").content.decode()
    assert revealed.period.commitment in html and revealed.period.seed in html
    assert "纪委监委" in html and "政府门户网站" in html
    assert "inspector1" not in html and "督查员1<" not in html
    roster.commitment_channels = "黔西市人民政府门户网站“政务公开”栏目\n黔西市纪委监委存档"
    roster.save()
    assert "“政务公开”栏目" in Client().get(f"/public/{roster.code}/").content.decode()


# --- who reads names --------------------------------------------------------------------------


def test_an_official_reads_a_revealed_draw_with_pseudonyms_and_the_commission_with_names(revealed, roster, zhang, wang):
    official = ApiClient(zhang).get(f"/api/v1/draws/{WEEK}").json()
    text = json.dumps(official, ensure_ascii=False)
    assert not re.search(r"inspector\d", text) and not re.search(r"督查员\d", text)
    assert all(i["home"] is None for i in official["record"]["inputs"]["inspectors"])
    commission = ApiClient(wang).get(f"/api/v1/draws/{WEEK}").json()
    assert any(u.startswith("inspector") for v in commission["visits"] for u in v["inspectors"])


# --- the verifier is what the builder makes now -----------------------------------------------


def test_the_committed_verifier_is_what_the_builder_makes_from_rotation_now():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_verifier
    finally:
        sys.path.remove(str(ROOT / "tools"))
    assert VERIFIER.read_text(encoding="utf-8") == build_verifier.build(), "run python tools/build_verifier.py"
    assert "rotation.public" in build_verifier.collect() and "rotation.holidays" not in build_verifier.collect()


# --- honest and not yet -----------------------------------------------------------------------


def test_an_honest_week_verifies_with_the_standard_library_alone_and_with_verify_draw(feed, revealed, roster, tmp_path):
    code, out = run_verifier(tmp_path, feed)
    assert code == 0, out
    assert "验证通过" in out
    assert run_verifier(tmp_path, feed, "--week", WEEK, "--commitment", revealed.period.commitment)[0] == 0
    assert manage_verify(roster) == 0
    assert manage_verify(roster, "--commitment", revealed.period.commitment) == 0
    assert manage_verify(roster, week="last") == 0, "`--week last`: the newest week whose seed is revealed"


def test_a_week_not_yet_verifiable_gets_its_own_answer_and_exit_3(sealed, roster, tmp_path):
    assert manage_verify(roster) == 3
    assert manage_verify(roster, week="last") == 3, "no week of this county is verifiable yet"
    with at(AFTER_WEEK):
        reveal_draw(county=roster, week=WEEK)
        feed = feed_of(roster)
    code, out = run_verifier(tmp_path, feed)
    assert code == 3 and "尚不能验证" in out, out
    assert manage_verify(roster) == 3
    assert run_verifier(tmp_path, feed, "--week", "2027-W02")[0] == 3


def test_bad_input_to_the_verifier_is_a_clear_mismatch_never_a_crash(tmp_path):
    assert run_verifier(tmp_path, {"weeks": [{"week": WEEK, "seed": "zz"}]})[0] == 1
    assert run_verifier(tmp_path, {"weeks": [{"week": WEEK, "seed": "ab", "inputs": {}}]})[0] == 1
    assert run_verifier(tmp_path, [1, 2])[0] == 1
    assert run_verifier(tmp_path, {}, "--week", "last")[0] == 1


# --- tampering: the public verifier against the feed ------------------------------------------


def _forge(record):
    """A whole new record: a new seed, its own commitment, the week drawn again from it."""
    seed = b"\x07" * 32
    inputs = rotation.inputs_from_canonical(record["inputs"])
    record["seed"], record["commitment"] = seed.hex(), rotation.seed_commitment(seed)
    record["result"] = rotation.draw(inputs, rotation.derive_week_key(seed, inputs.county, inputs.week)).to_dict()


def _not_drawn(record):
    drawn = {v["township"] for v in record["result"]["visits"]}
    return next(t["code"] for t in record["inputs"]["townships"] if t["code"] not in drawn)


def _free(record):
    """A township drawn freely (not forced), so that a change to its weight moves its probability."""
    frame = dict(record["result"]["frame"])
    return next(t for t in record["inputs"]["townships"] if 0 < frame[t["code"]] < record["result"]["tick"])


TAMPERING = {
    "a changed seed": lambda r: r.update(seed="00" * 32),
    "a changed last-visit date": lambda r: r["inputs"]["townships"][0].update(last_inspected="2026-10-09"),
    "a flipped key-managed flag": lambda r: _free(r).update(key_managed=not _free(r)["key_managed"]),
    "a moved probability": lambda r: r["result"]["visits"][0].update(probability=r["result"]["visits"][0]["probability"] / 2),
    "a changed township": lambda r: r["result"]["visits"][0].update(township=_not_drawn(r)),
    "a changed day": lambda r: r["result"]["visits"][0].update(
        date=("2026-12-04" if r["result"]["visits"][0]["date"] != "2026-12-04" else "2026-12-03")),
}


@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_the_public_verifier_flags(what, feed, tmp_path):
    forged = copy.deepcopy(feed)
    TAMPERING[what](forged["weeks"][0])
    code, out = run_verifier(tmp_path, forged)
    assert code == 1 and "✗" in out, out


def test_the_public_verifier_flags_a_forged_record_against_the_published_commitment(feed, revealed, tmp_path):
    forged = copy.deepcopy(feed)
    _forge(forged["weeks"][0])
    code, out = run_verifier(tmp_path, forged)  # the feed's own period list still holds the commitment
    assert code == 1 and "承诺" in out, out
    forged["periods"] = [dict(p, commitment=forged["weeks"][0]["commitment"]) for p in forged["periods"]]
    code, out = run_verifier(tmp_path, forged, "--commitment", revealed.period.commitment)
    assert code == 1 and "承诺" in out, out


# --- tampering: verify_draw against the database ----------------------------------------------


def _update_inputs(draw, change):
    inputs = copy.deepcopy(draw.inputs)
    change(inputs)
    Draw.objects.filter(pk=draw.pk).update(inputs=inputs)


def _update_result(draw, change):
    result = copy.deepcopy(draw.result)
    change(result)
    Draw.objects.filter(pk=draw.pk).update(result=result)


def _change_team(draw):
    inspection = Inspection.objects.filter(draw=draw).order_by("id").first()
    member = TeamMember.objects.filter(inspection=inspection).first()
    team = set(TeamMember.objects.filter(inspection=inspection).values_list("inspector_id", flat=True))
    stranger = Inspector.objects.filter(county=draw.county).exclude(pk__in=team).exclude(
        home_township=inspection.township).first()
    TeamMember.objects.filter(pk=member.pk).update(inspector=stranger)


def _forge_period(draw):
    seed = b"\x07" * 32
    SeedPeriod.objects.filter(pk=draw.period_id).update(seed=seed.hex(), commitment=rotation.seed_commitment(seed))
    inputs = rotation.inputs_from_canonical(draw.inputs)
    result = rotation.draw(inputs, rotation.derive_week_key(seed, inputs.county, inputs.week)).to_dict()
    Draw.objects.filter(pk=draw.pk).update(result=result, result_hash=result_hash(result))


DB_TAMPERING = {
    "a changed seed": lambda d: SeedPeriod.objects.filter(pk=d.period_id).update(seed="00" * 32),
    "a forged record with its own seed and commitment": _forge_period,
    "a changed last-visit date": lambda d: _update_inputs(d, lambda i: i["townships"][0].update(last_inspected="2026-10-09")),
    "a flipped key-managed flag": lambda d: _update_inputs(d, lambda i: i["townships"][0].update(
        key_managed=not i["townships"][0]["key_managed"])),
    "a moved probability": lambda d: _update_result(d, lambda r: r["visits"][0].update(probability=0.5)),
    "a changed township": lambda d: _update_result(d, lambda r: r["visits"][0].update(township=_not_drawn(
        {"result": r, "inputs": d.inputs}))),
    "a changed day": lambda d: Inspection.objects.filter(pk=Inspection.objects.filter(draw=d).order_by("id")[0].pk)
    .update(date="2026-12-05"),
    "a changed home of an inspector": lambda d: _update_inputs(d, lambda i: i["inspectors"][0].update(home="520581001")),
    "a changed team": _change_team,
}


@pytest.mark.parametrize("what", sorted(DB_TAMPERING))
def test_verify_draw_flags(what, revealed, roster):
    DB_TAMPERING[what](revealed)
    result = verify_draw(county=roster, week=WEEK)
    assert not result.ok and result.problems, what
    assert manage_verify(roster) == 1


def test_the_migration_gives_every_existing_county_its_own_secret(county, other_county):
    """AddField evaluates its default once for all existing rows: the data step must part them."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("inspection.migrations.0007_public_pseudonyms_lineage")
    County.objects.update(pseudonym_secret="same for all")
    migration.give_each_county_its_own_secret(apps, None)
    secrets = list(County.objects.values_list("pseudonym_secret", flat=True))
    assert len(set(secrets)) == len(secrets) == 2
    assert all(len(s) == 64 and int(s, 16) >= 0 for s in secrets)
