from datetime import date

from django.core.management.base import CommandError

from inspection.errors import Conflict
from inspection.management.commands._base import AnchaCommand
from inspection.services.jobs import run_daily, run_weekly


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today 应为 YYYY-MM-DD：{value!r}") from None


class Command(AnchaCommand):
    help = (
        "The scheduled jobs, each under a database lock so that several servers never run them twice: "
        "`daily` (dispatch the day's visits, reveal past weeks, the escalation sweep) and "
        "`weekly` (seal next week's draw for every county). A runner that finds the lock taken exits 0 at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("job", choices=["daily", "weekly"])
        parser.add_argument("--today", type=_day, default=None, help="run as on this day (default today)")

    def handle(self, *args, job, today, **options):
        try:
            report = run_daily(today=today) if job == "daily" else run_weekly(today=today)
        except Conflict as exc:
            self.stdout.write(f"跳过：{exc.detail}")
            return
        if job == "daily":
            days = ", ".join(d.isoformat() for d in report.swept_days) or "—"
            self.stdout.write(f"daily {report.day}: {report.dispatched} visits dispatched, {report.revealed} weeks "
                              f"revealed, swept {days}: {report.decisions} decisions")
            return
        self.stdout.write(f"weekly {report.week}: sealed {len(report.sealed)}, already sealed {len(report.already)}, "
                          f"refused {len(report.refused)}")
        for code, why in report.refused.items():
            self.stderr.write(f"  {code}: {why}")
