import json
from pathlib import Path

from inspection.management.commands._base import AnchaCommand
from inspection.models import Township
from inspection.publication import public_record
from inspection.services.draws import county_or_error, reveal_draw


class Command(AnchaCommand):
    help = "Reveal a past week's draw, and its period's seed once the period is over (DESIGN.md §4)."

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="6-digit county code, e.g. 520581")
        parser.add_argument("--week", required=True, help="ISO week, e.g. 2026-W49")
        parser.add_argument("--json", dest="json_path", type=Path, default=None,
                            help="also write the public record (inputs, result, commitment, seed) for re-checking")

    def handle(self, *args, county, week, json_path, **options):
        county = county_or_error(county)
        draw = reveal_draw(county=county, week=week)
        names = dict(Township.objects.filter(county=county).values_list("code", "name"))
        self.stdout.write(f"已公开 {county.name} {draw.week} 的抽签：")
        for visit in draw.result["visits"]:
            team = "、".join(visit["inspectors"])
            self.stdout.write(
                f"  {visit['date']}  {visit['township']} {names.get(visit['township'], '')}  "
                f"抽中概率 {visit['probability']:.4f}  督查组 {team}"
            )
        period = draw.period
        if period.revealed_at:
            self.stdout.write(f"本期种子（{period.starts_on:%Y-%m-%d} 至 {period.ends_on:%Y-%m-%d}）：")
            self.stdout.write(period.seed)
        else:
            self.stdout.write(f"本期种子在 {period.ends_on:%Y-%m-%d} 本期结束后公开；承诺：{period.commitment}")
        if json_path:
            json_path.write_text(json.dumps(public_record(draw), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            self.stdout.write(f"公开记录已写入 {json_path}")
