from django.core.management.base import CommandError

from inspection.management.commands._base import AnchaCommand
from inspection.services.draws import county_or_error, verify_draw


class Command(AnchaCommand):
    help = ("Recompute a week's draw from the revealed seed and the recorded inputs; "
            "exit 0 only if it matches the commitment and the visits (DESIGN.md §4).")

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="6-digit county code, e.g. 520581")
        parser.add_argument("--week", required=True, help="ISO week, e.g. 2026-W49")
        parser.add_argument("--label", default=None, help="a late or make-up draw of the week, e.g. makeup-1")

    def handle(self, *args, county, week, label, **options):
        county = county_or_error(county)
        result = verify_draw(county=county, week=week, label=label)
        for line in result.checks:
            self.stdout.write(f"✓ {line}")
        for line in result.problems:
            self.stderr.write(f"✗ {line}")
        if not result.ok:
            raise CommandError(f"{week} 抽签验证未通过")
        self.stdout.write(self.style.SUCCESS(f"{week} 抽签验证通过"))
