from datetime import datetime, time

from django.utils import timezone

from inspection.management.commands._base import AnchaCommand, county_by_code, iso_day
from inspection.models import County
from inspection.security.log import security_event
from inspection.services.draws import dispatch_due, reveal_due
from inspection.services.escalation import run_sweep
from inspection.services.jobs import MorningReport, morning_draws, write_daily_checkpoint
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
                now = timezone.now() if as_of is None else timezone.make_aware(datetime.combine(day, time(6)))
                dispatched = revealed = 0
                morning = MorningReport()
                for c in [target] if target else County.objects.order_by("code"):
                    # Missed visits, a lost week and make-ups first, so the day's dispatch takes them.
                    morning_draws(county=c, today=day, now=now, report=morning)
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
        self._say_morning(morning)

    def _say_morning(self, morning):
        for inspection in morning.missed:
            self.stderr.write(f"未实施：{inspection.township.name} {inspection.date.isoformat()} 的检查超过宽限期未提交，已登记为未实施")
        for draw in morning.late:
            self.stderr.write(f"补抽：{draw.county.name} {draw.week} 上周五未抽签，已于今日补抽并封存（{len(draw.result['visits'])} 次检查）")
        for draw in morning.makeups:
            self.stderr.write(f"补充抽签：{draw.county.name} {draw.week} {draw.label}，{len(draw.result['visits'])} 次检查")
        for code, why in morning.refused.items():
            self.stderr.write(f"警告：{code} 补抽未能完成：{why}")
