from inspection.errors import Conflict
from inspection.management.commands._base import AnchaCommand, iso_day
from inspection.services.jobs import seal_next_week


class Command(AnchaCommand):
    help = (
        "Seal next week's draw for every county that has not drawn it yet (the Friday timer), under a "
        "database lock so that several servers never draw twice; a runner that finds the lock taken exits 0."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=iso_day("--today"), default=None, help="run as on this day (default today)")

    def handle(self, *args, today, **options):
        try:
            report = seal_next_week(today=today)
        except Conflict as exc:
            self.stdout.write(f"跳过：{exc.detail}")
            return
        self.stdout.write(f"{report.week}: sealed {len(report.sealed)}, already sealed {len(report.already)}, "
                          f"refused {len(report.refused)}")
        for code, why in report.refused.items():
            self.stderr.write(f"  {code}: {why}")
