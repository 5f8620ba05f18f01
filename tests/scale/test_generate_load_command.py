"""generate_load on an empty database: the same seed gives the same week, the shipped county list,
the command's own checks (test_generate_load.py reads one shared load instead)."""

import pytest
from django.core.management import CommandError, call_command

from bench.loadgen import province_counties
from inspection.models import County, Inspection, Township
from tests.scale.conftest import load


def test_the_same_seed_gives_the_same_week(db):
    first = load(["460321"], weeks=3)
    scores = list(Inspection.objects.order_by("date", "township__code").values_list("township__code", "date", "score"))
    assert first.counties == ["460321"]
    assert scores and all(isinstance(s, int) or s is None for _, _, s in scores)
    from bench.loadgen import seed_bytes

    assert seed_bytes(7) == seed_bytes("7")


def test_province_counties_reads_the_shipped_list():
    sichuan = province_counties("51")
    assert len(sichuan) == 183
    assert sum(len(rows) for rows in sichuan.values()) == 3111
    assert max(len(rows) for rows in sichuan.values()) == 46


def test_the_command_loads_a_county_and_checks_the_chain(db, capsys):
    call_command("generate_load", "--province", "46", "--county", "460321", "--weeks", "2", "--verify")
    out = capsys.readouterr().out
    assert "生成 1 个县" in out and "审计链完好" in out
    assert Township.objects.filter(county__code="460321").count() == 3


def test_the_command_says_so_when_the_checkout_has_no_bench_folder(db, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "bench.loadgen", None)  # as if bench/ were not there
    with pytest.raises(CommandError, match="bench/"):
        call_command("generate_load", "--province", "46", "--county", "460321", "--weeks", "2")
    assert not County.objects.filter(code="460321").exists()
