from inspection.management.commands._base import AnchaCommand
from inspection.services.draws import county_or_error, seal_draw


class Command(AnchaCommand):
    help = "Seal a week's draw for a county and print the period's seed commitment (DESIGN.md §4)."

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="6-digit county code, e.g. 520581")
        parser.add_argument("--week", required=True, help="ISO week, e.g. 2026-W49")
        parser.add_argument("--public-value", default=None,
                            help="a public random value announced after the commitment (e.g. a lottery result)")

    def handle(self, *args, county, week, public_value, **options):
        county = county_or_error(county)
        draw = seal_draw(county=county, week=week, public_value=public_value)
        period = draw.period
        self.stdout.write(f"已封存 {county.name} {draw.week} 的抽签：{len(draw.result['visits'])} 次检查（内容保密，查看将记入审计日志）")
        missed = len(draw.result.get("missed", []))
        if missed:
            self.stderr.write(f"警告：有 {missed} 个乡镇本周无法按期检查，请增加检查能力")
        self.stdout.write(f"本期种子（{period.starts_on:%Y-%m-%d} 至 {period.ends_on:%Y-%m-%d}）承诺 SHA-256：")
        self.stdout.write(period.commitment)
        self.stdout.write(f"结果哈希：{draw.result_hash}")
