import json

from django.core.management.base import CommandError
from django.utils import timezone

from inspection.errors import InspectionError
from inspection.management.commands._base import AnchaCommand, county_by_code
from inspection.statistics import estimate_period, percent


class Command(AnchaCommand):
    help = ("The county-wide compliance of each checklist item in the two-month period starting that month, "
            "estimated from the drawn visits (Horvitz–Thompson) with a 95%% interval (DESIGN.md §4, docs/statistics.md).")

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="6-digit county code, e.g. 520581")
        parser.add_argument("--period", required=True, help="first month of the two-month period, YYYY-MM")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, county, period, json: bool = False, **options):
        place = county_by_code(county)
        try:
            span = estimate_period(county=place, month=period, today=timezone.localdate())
        except InspectionError as exc:
            raise CommandError(exc.detail) from None
        if json:
            self.stdout.write(_json({"period": period, **span.to_dict()}))
            return
        self._table(place, span)

    def _table(self, place, span):
        result = span.result
        ex = result.excluded
        self.stdout.write(f"{place.name}（{place.code}）{span.label}各检查项达标率估计（按抽签入样概率加权，95%置信区间）")
        self.stdout.write(
            f"纳入 {result.weeks} 周的抽签、暗查 {result.visits} 次，代表 {result.reachable} 个乡镇周"
            f"（抽签范围共 {result.township_weeks} 个乡镇周）；抽中未实施 {result.missed} 次"
        )
        self.stdout.write(
            f"不计入：补充抽签 {ex.get('makeup', 0)} 次、回头看 {ex.get('follow_up', 0)} 次、计划外 {ex.get('ad_hoc', 0)} 次；"
            f"尚未结束的周 {span.pending_weeks} 周，未抽签的周 {span.undrawn_weeks} 周"
        )
        if not result.items or result.visits == 0:
            self.stdout.write("本期尚无可用于估计的抽签暗查。")
            return
        self.stdout.write("序号\t领域\t检查内容\t估计达标率\t95%置信区间\t使用次数\t简单平均（有偏，仅供对照）")
        for i in result.items:
            self.stdout.write(
                f"{i.item.position}\t{i.item.area}\t{i.item.text}\t{percent(i.estimate)}\t"
                f"{percent(i.low)}—{percent(i.high)}\t{i.visits}\t{percent(i.plain_mean)}"
            )


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
