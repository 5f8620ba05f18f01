"""DESIGN.md §4 "Commands": every command of the table exists with its options, and the cheap ones
keep their output and exit-code contract, run as `python manage.py ...` would run them.

Options the table lists for later issues (simulate_draws --calendar/--skip-week/--miss/--margin)
are not checked here until they are built.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import get_commands, load_command_class
from django.db import connection

from inspection import audit_sql
from inspection.models import AuditEvent, Draw, Township
from tests.contracts.conftest import manage
from tests.inspection.draw_fixtures import AFTER_PERIOD, FRIDAY_BEFORE, WEEK, at, roster  # noqa: F401

HEX64 = re.compile(r"\b[0-9a-f]{64}\b")

OPTIONS = {
    "load_demo": ["--weeks"],
    "import_divisions": ["--county", "--file"],
    "draw": ["--county", "--week"],
    "reveal": ["--county", "--week"],
    "verify_draw": ["--county", "--week"],
    "weekly_draw": [],
    "simulate_draws": ["--county", "--weeks", "--per-week", "--key-managed", "--ratio", "--seed", "--json"],
    "capacity": ["--county", "--floor", "--ratio", "--key-managed"],
    "escalate": ["--as-of"],
    "sample_notices": ["--out"],
    "verify_audit": [],
    "estimate": ["--county", "--period", "--json"],
}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_each_command_exists_with_its_options(name):
    assert name in get_commands(), f"manage.py {name} is missing"
    parser = load_command_class(get_commands()[name], name).create_parser("manage.py", name)
    usage = parser.format_help()
    for option in OPTIONS[name]:
        assert option in parser._option_string_actions, f"{name} {option} is missing:\n{usage}"


def test_the_cron_and_operator_commands_leave_system_checks_to_deploy_time():
    """Ancha's own commands run from timers and by operators; Django's system checks (which load
    the URL configuration and the whole API) run once per release (`manage.py check --deploy`),
    not at every start of a job. Django's own commands keep theirs."""
    ours = sorted(name for name, app in get_commands().items()
                  if app == "inspection" and name != "flush")
    assert {"weekly_draw", "escalate", "backup", "restore", "verify_audit", "audit_checkpoint"} <= set(ours)
    for name in ours:
        assert load_command_class("inspection", name).requires_system_checks == [], name
    assert load_command_class("django.core", "sendtestemail").requires_system_checks == "__all__"


def test_import_divisions_loads_the_countys_30_townships(db):
    code, out, err = manage("import_divisions", "--county", "520581")
    assert code == 0, err
    assert Township.objects.filter(county__code="520581").count() == 30
    assert "520581" in out


def test_draw_reveal_and_verify_draw_exit_0_when_honest_and_1_on_a_mismatch(roster, wang):
    with at(FRIDAY_BEFORE):
        code, out, err = manage("draw", "--county", "520581", "--week", WEEK)
    assert code == 0, err
    commitment = HEX64.search(out).group()
    with at(AFTER_PERIOD):
        code, out, err = manage("reveal", "--county", "520581", "--week", WEEK)
        assert code == 0, err
        assert manage("verify_draw", "--county", "520581", "--week", WEEK)[0] == 0
        draw = Draw.objects.get(week=WEEK)
        assert draw.period.commitment == commitment
        result = draw.result
        drawn = {v["township"] for v in result["visits"]}
        result["visits"][0]["township"] = next(c for c in roster.townships.values_list("code", flat=True)
                                               if c not in drawn)
        Draw.objects.filter(pk=draw.pk).update(result=result)
        code, _, err = manage("verify_draw", "--county", "520581", "--week", WEEK)
    assert code == 1 and err


def test_simulate_draws_writes_the_json_of_design_4(roster, tmp_path):
    path = tmp_path / "sim.json"
    code, _, err = manage("simulate_draws", "--county", "520581", "--weeks", "2", "--per-week", "8",
                          "--key-managed", "520581105", "--ratio", "2", "--seed", "7", "--json", str(path))
    assert code == 0, err
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"county", "per_week", "seed", "ratio", "key_managed", "inspectors", "plan", "weeks"} <= set(data)
    assert (data["county"], data["per_week"], data["ratio"], data["key_managed"]) == ("520581", 8, 2.0, ["520581105"])
    assert all("home" in person for person in data["inspectors"].values())
    assert {"floor", "key_floor"} <= set(data["plan"])
    assert len(data["weeks"]) == 2
    for week in data["weeks"]:
        assert re.fullmatch(r"\d{4}-W\d{2}", week["week"]) and "start" in week
        for visit in week["inspections"]:
            # `state` (submitted | missed) comes with --miss, in a later issue
            assert {"township", "date", "inspectors", "probability"} <= set(visit)
            assert 0 < visit["probability"] <= 1


def test_capacity_prints_the_inspections_a_week_needed(roster):
    code, out, err = manage("capacity", "--county", "520581", "--floor", "0.15", "--ratio", "2", "--key-managed", "1")
    assert code == 0, err
    assert re.search(r"^capacity: \d+$", out, re.MULTILINE)


def test_escalate_as_of_a_day_runs_and_runs_again(county):
    assert manage("escalate", "--as-of", "2026-11-30")[0] == 0
    code, out, err = manage("escalate", "--as-of", "2026-11-30")
    assert code == 0, err
    assert "2026-11-30" in out


def test_sample_notices_writes_one_pdf_of_every_kind(county, tmp_path):
    code, out, err = manage("sample_notices", "--out", str(tmp_path))
    assert code == 0, err
    pdfs = sorted(tmp_path.glob("*.pdf"))
    assert len(pdfs) >= 4 and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)


def test_verify_audit_prints_the_head_of_each_chain_or_exits_1_with_the_first_bad_seq(county):
    code, out, err = manage("verify_audit")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert any(re.fullmatch(r"(\d{6} )?\d+ [0-9a-f]{64}", line) for line in lines), out
    assert all(HEX64.search(line) for line in lines), out
    first = AuditEvent.objects.order_by("seq").first()
    audit_sql.remove(connection)
    try:
        AuditEvent.objects.filter(pk=first.pk).update(payload=first.payload.replace("}", ', "x": 1}', 1))
    finally:
        audit_sql.install(connection)
    code, out, err = manage("verify_audit")
    assert code == 1 and re.search(rf"\b{first.seq}\b", out + err)


def test_estimate_prints_json_and_refuses_a_bad_period_with_exit_1(county, checklist):
    code, out, err = manage("estimate", "--county", "520581", "--period", "2026-11", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["county"], data["period"], data["first"], data["last"]) == ("520581", "2026-11", "2026-11-01", "2026-12-31")
    assert data["items"] == [] and data["method"] == "horvitz-thompson"
    code, out, err = manage("estimate", "--county", "520581", "--period", "2026-13")
    assert code == 1 and "统计期应写作 YYYY-MM" in err and out == ""
    code, _, err = manage("estimate", "--county", "000000", "--period", "2026-11")
    assert code == 1 and "没有代码为 000000 的县（市）" in err
