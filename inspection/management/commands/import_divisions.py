from pathlib import Path

from inspection.management.commands._base import AnchaCommand
from inspection.services.setup import import_divisions


class Command(AnchaCommand):
    help = "Load a county's townships from a CSV in the NBS layout (code,name,areaCode,provinceCode,cityCode)."

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="6-digit county code, e.g. 520581")
        parser.add_argument("--file", type=Path, help="CSV file (default: the shipped national list)")
        parser.add_argument(
            "--include-administered-elsewhere",
            action="store_true",
            help="also load townships another body administers (e.g. 金坡、仁和 under 百里杜鹃管理区)",
        )

    def handle(self, *args, county, file, include_administered_elsewhere, **options):
        result, created, updated = import_divisions(
            county_code=county, path=file, include_administered_elsewhere=include_administered_elsewhere
        )
        total = result.townships.count()
        self.stdout.write(f"{result.code} {result.name}: {total} townships ({created} new, {updated} updated)")
