"""The scheduled jobs of a deployment run once, whichever server's timer fires first."""

import threading
from datetime import date, timedelta

from django.core.management import call_command

from inspection.models import Draw, Inspection
from inspection.services.audit import verify_chain
from inspection.services.jobs import run_daily, run_weekly
from inspection.services.locks import exclusive
from tests.scale.conftest import NOW, TWO, load

FRIDAY = NOW.date() + timedelta(days=1)  # 2026-11-27
NEXT_TUESDAY = FRIDAY + timedelta(days=4)


def test_the_weekly_job_seals_next_week_for_every_ready_county_once(db, county):
    load(TWO)
    report = run_weekly(today=FRIDAY)
    assert report.week == "2026-W49"
    assert report.sealed == TWO
    assert county.code in report.refused  # 黔西市 has no inspectors yet: it cannot draw
    assert Draw.objects.filter(week="2026-W49").count() == 2
    again = run_weekly(today=FRIDAY)
    assert again.sealed == [] and again.already == TWO
    assert verify_chain().ok


def test_the_daily_job_dispatches_reveals_and_sweeps_the_days_since_the_last_run(db):
    load(TWO)
    run_weekly(today=FRIDAY)
    due = Inspection.objects.filter(draw__week="2026-W49", date__lte=NEXT_TUESDAY)
    assert due.exists()
    report = run_daily(today=NEXT_TUESDAY)
    assert report.dispatched == due.count()
    assert set(due.values_list("status", flat=True)) == {Inspection.Status.DISPATCHED}
    assert Draw.objects.get(county__code="460105", week="2026-W48").state == Draw.State.REVEALED
    assert report.revealed == 2  # last week's draw of each county
    # Each county catches up every day since the generated history's last sweep (Thursday).
    days = [date(2026, 11, 27) + timedelta(days=n) for n in range(5)]
    assert report.swept_days == days + days
    assert verify_chain().ok


def test_a_second_server_is_turned_away_while_the_first_runs_the_job(transactional_db, capsys):
    holding, release = threading.Event(), threading.Event()

    def first_server():
        from django.db import connection

        with exclusive("draw"):
            holding.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=first_server)
    thread.start()
    assert holding.wait(10)
    try:
        call_command("run_jobs", "weekly", "--today", FRIDAY.isoformat())
    finally:
        release.set()
        thread.join()
    assert "跳过：另一个进程正在执行 draw" in capsys.readouterr().out
    assert not Draw.objects.exists()
