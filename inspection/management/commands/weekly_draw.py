from inspection.errors import Conflict
from inspection.management.commands._base import AnchaCommand, iso_day
from inspection.services.jobs import seal_next_week

WARNING_EXIT = 3  # DESIGN.md §4: sealed with a warning (shortfall, skipped county, missing week)


class Command(AnchaCommand):
    help = (
        "Seal next week's draw for every county that has not drawn it yet (the Friday timer), under a "
        "database lock so that several servers never draw twice; a runner that finds the lock taken exits 0. "
        "Exit 3 when a county was refused, a week is missing, a shortfall was accepted or visits are unstaffed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=iso_day("--today"), default=None, help="run as on this day (default today)")
        parser.add_argument("--accept-shortfall", default="", metavar="REASON",
                            help="draw even below the minimum capacity, for this recorded reason")

    def handle(self, *args, today, accept_shortfall, **options):
        try:
            report = seal_next_week(today=today, accept_shortfall=accept_shortfall)
        except Conflict as exc:
            self.stdout.write(f"跳过：{exc.detail}")
            return
        self.stdout.write(f"{report.week}: sealed {len(report.sealed)}, already sealed {len(report.already)}, "
                          f"refused {len(report.refused)}")
        for code, why in report.refused.items():
            self.stderr.write(f"  {code}: {why}")
        for code, texts in report.warnings.items():
            for text in texts:
                self.stderr.write(f"  {code}: 警告：{text}")
        if report.loud:
            self.stderr.write("有县（市）未抽签或抽签存在问题，请委员会办公室处理（退出码 3）")
            raise SystemExit(WARNING_EXIT)
