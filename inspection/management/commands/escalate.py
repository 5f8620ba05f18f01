from django.utils import timezone

from inspection.management.commands._base import AnchaCommand, county_by_code, iso_day
from inspection.models import County
from inspection.security.log import security_event
from inspection.services.draws import dispatch_due, reveal_due
from inspection.services.escalation import run_sweep
from inspection.services.jobs import write_daily_checkpoint
from inspection.services.locks import Busy, exclusive


class Command(AnchaCommand):
    help = (
        "The daily escalation sweep: yellow and red lights, reminders, overdue escalation, key-management "
        "exits, follow-ups falling due; then the day's drawn visits are dispatched and finished weeks revealed. "
        "Idempotent; catches up days missed since the last run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=iso_day("--as-of"), default=None, help="sweep as of this day (default today)")
        parser.add_argument("--county", default=None, help="only this county (6-digit code)")

    def handle(self, *args, as_of, county, **options):
        target = county_by_code(county) if county is not None else None
        try:
            with exclusive("sweep"):
                report = run_sweep(as_of=as_of, county=target)
                # The same morning job dispatches the day's drawn visits and reveals finished weeks.
                day = as_of or timezone.localdate()
                dispatched = revealed = 0
                for c in [target] if target else County.objects.order_by("code"):
                    dispatched += dispatch_due(county=c, on=day)
                    revealed += len(reveal_due(county=c, today=day))
                checkpoint = write_daily_checkpoint()
        except Busy as exc:  # another server is sweeping this morning: stand down, exit 0
            self.stdout.write(exc.detail)
            return
        if report.days:
            span = report.days[0].isoformat()
            if len(report.days) > 1:
                span += f" … {report.days[-1].isoformat()}"
        else:
            span = "—"
        self.stdout.write(
            f"escalate {span}: {len(report.decisions)} decisions, {report.dispatched} follow-ups dispatched"
        )
        self.stdout.write(f"draws {day.isoformat()}: {dispatched} visits dispatched, {revealed} weeks revealed")
        if checkpoint:
            (self.stdout if checkpoint.ok else self.stderr).write(checkpoint.message)
            if not checkpoint.ok:
                security_event(**checkpoint.problem)
        for row in report.decisions:
            self.stdout.write(f"  {row.effective_on} {row.township.name} {row.rule}: {row.reason}")
