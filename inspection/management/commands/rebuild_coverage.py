"""Rebuild the dashboard's coverage summary (issue 14) from the record.

The summary is kept by every write that changes it; this backfills it for data written before it
existed, or loaded in bulk, and repairs it if anyone wrote the tables around the services.
"""

from inspection.management.commands._base import AnchaCommand, county_by_code
from inspection.services.coverage_summary import rebuild_coverage


class Command(AnchaCommand):
    help = "按现有记录重建工作台的覆盖汇总（全部县或 --county 指定的县）。"

    def add_arguments(self, parser):
        parser.add_argument("--county", help="只重建此县（6 位县级代码），默认全部")

    def handle(self, *args, county=None, **options):
        target = county_by_code(county) if county else None
        written = rebuild_coverage(county=target)
        self.stdout.write(f"已重建 {written} 个乡镇（街道）的覆盖汇总。")
