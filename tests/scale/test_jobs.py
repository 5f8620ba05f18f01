"""The scheduled jobs of a deployment run once, whichever server's timer fires first."""

from datetime import timedelta

from django.core.management import call_command

from inspection.models import Draw, Inspection
from inspection.services.audit import verify_chain
from inspection.services.jobs import seal_next_week
from tests.locking import held_elsewhere
from tests.scale.conftest import NOW, TWO, load

FRIDAY = NOW.date() + timedelta(days=1)  # 2026-11-27
NEXT_TUESDAY = FRIDAY + timedelta(days=4)


def test_the_weekly_job_seals_next_week_for_every_ready_county_once(db, county):
    load(TWO)
    report = seal_next_week(today=FRIDAY)
    assert report.week == "2026-W49"
    assert report.sealed == TWO
    assert county.code in report.refused  # 黔西市 has no inspectors yet: it cannot draw
    assert Draw.objects.filter(week="2026-W49").count() == 2
    again = seal_next_week(today=FRIDAY)
    assert again.sealed == [] and again.already == TWO
    assert verify_chain().ok


def test_the_morning_job_then_dispatches_the_new_week_and_catches_up_the_sweep(db, capsys):
    load(TWO)
    call_command("weekly_draw", "--today", FRIDAY.isoformat())
    due = Inspection.objects.filter(draw__week="2026-W49", date__lte=NEXT_TUESDAY)
    assert due.exists()
    call_command("escalate", "--as-of", NEXT_TUESDAY.isoformat())
    out = capsys.readouterr().out
    assert "2026-W49: sealed 2" in out
    assert set(due.values_list("status", flat=True)) == {Inspection.Status.DISPATCHED}
    assert Draw.objects.get(county__code="460105", week="2026-W48").state == Draw.State.REVEALED
    # The generated history was swept up to Thursday; the morning job catches up every day since.
    assert "escalate 2026-11-27 … 2026-12-01" in out
    assert verify_chain().ok


def test_a_second_server_is_turned_away_while_the_first_draws(transactional_db, capsys):
    with held_elsewhere("draw"):
        call_command("weekly_draw", "--today", FRIDAY.isoformat())
    assert "跳过：另一个进程正在执行 draw" in capsys.readouterr().out
    assert not Draw.objects.exists()


def test_a_second_server_stands_down_from_the_morning_sweep_without_failing(transactional_db, capsys):
    with held_elsewhere("sweep"):
        call_command("escalate", "--as-of", FRIDAY.isoformat())  # returns normally: exit status 0
    out = capsys.readouterr().out
    assert "另一个进程正在执行 sweep，本次跳过" in out and "decisions" not in out
