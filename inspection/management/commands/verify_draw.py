from django.core.management.base import CommandError

from inspection.management.commands._base import AnchaCommand
from inspection.services.draw_verify import newest_verifiable_week, verify_draw
from inspection.services.draws import county_or_error

NOT_YET_EXIT = 3


class Command(AnchaCommand):
    help = ("Recompute a week's draw from the revealed seed and the recorded inputs; exit 0 only if it "
            "matches the commitment and the visits, 1 on a mismatch, 3 while the seed is still secret "
            "(DESIGN.md §4).")

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="6-digit county code, e.g. 520581")
        parser.add_argument("--week", required=True, help="ISO week, e.g. 2026-W49, or `last`: the newest week whose seed is revealed")
        parser.add_argument("--label", default=None, help="a late or make-up draw of the week, e.g. makeup-1")
        parser.add_argument("--commitment", help="the period's commitment as published elsewhere (64 hex digits)")

    def handle(self, *args, county, week, label=None, commitment=None, **options):
        county = county_or_error(county)
        if week == "last":
            week = newest_verifiable_week(county=county)
            if week is None:
                raise CommandError(f"{county.name}尚无可验证的抽签：种子在每个两月周期结束后公开", returncode=NOT_YET_EXIT)
        result = verify_draw(county=county, week=week, label=label, commitment=commitment)
        for line in result.checks:
            self.stdout.write(f"✓ {line}")
        if result.not_yet:
            for line in result.problems:
                self.stdout.write(f"… {line}")
            raise CommandError(f"{week} 尚不能验证：种子公开后再验证", returncode=NOT_YET_EXIT)
        for line in result.problems:
            self.stderr.write(f"✗ {line}")
        if not result.ok:
            raise CommandError(f"{week} 抽签验证未通过")
        self.stdout.write(self.style.SUCCESS(f"{week} 抽签验证通过"))
