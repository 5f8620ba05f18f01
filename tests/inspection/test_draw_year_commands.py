"""`capacity` and `simulate_draws` on the real calendar (issue 17): the holiday-aware figures, the
fault options, every visit's state in the JSON, and bad options refused in Chinese."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

KEYS = "520581100,520581105,520581110,520581203,520581205"


def run(command, *args):
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_capacity_prints_the_holiday_aware_minimum_the_robust_capacity_and_the_margin_cost():
    out, _ = run("capacity", "--county", "520581", "--floor", "0.15", "--key-managed", "5")
    assert "按今后 52 周的实际工作日" in out and "提前 5 个工作日使普通乡镇每周概率降低" in out
    robust = int(out.split("robust capacity: ")[1].split()[0])
    minimum = int(out.split("minimum capacity: ")[1].split()[0])
    assert minimum <= robust <= 8
    plain, _ = run("capacity", "--county", "520581", "--floor", "0.15", "--key-managed", "5", "--calendar", "none",
                   "--margin", "0")
    assert "降低 0.000" in plain


@pytest.mark.django_db
def test_simulate_draws_injects_lost_weeks_and_missed_visits_and_keeps_coverage(tmp_path):
    path = tmp_path / "sim.json"
    out, err = run("simulate_draws", "--county", "520581", "--weeks", "30", "--per-week", "8", "--key-managed", KEYS,
                   "--seed", "7", "--json", str(path), "--start", "2025-09-01", "--skip-week", "24", "--skip-week", "5",
                   "--miss-week", "10", "--miss", "2")
    sim = json.loads(path.read_text(encoding="utf-8"))
    assert sim["weeks"][0]["start"] == "2025-09-01" and sim["calendar"]["source"] == "cn"
    assert [w["lost"] for w in sim["weeks"]].count(True) == 2 and sim["weeks"][23]["inspections"] == []
    states = [row["state"] for w in sim["weeks"] for row in w["inspections"]]
    assert set(states) == {"submitted", "missed"} and states.count("missed") == 3
    assert "覆盖违规 0" in out and "节假日或周末检查 0 次" in out and "未完成检查 3 次，丢失 2 周" in out
    assert "未抽签（模拟：该周丢失）" in err


@pytest.mark.django_db
@pytest.mark.parametrize("args, message", [
    (["--skip-week", "31"], "须在 1 与 30 之间"),
    (["--margin", "-1"], "不能为负数"),
    (["--start", "2025-13-01"], "起始日期应为"),
])
def test_simulate_draws_refuses_bad_fault_options_in_chinese(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        run("simulate_draws", "--county", "520581", "--weeks", "30", "--per-week", "8", "--seed", "7",
            "--json", str(tmp_path / "x.json"), *args)
