from datetime import timedelta

from django.utils import timezone

import rotation
from inspection.errors import InspectionError
from inspection.management.commands._base import AnchaCommand
from inspection.services.draws import county_or_error, seal_draw
from inspection.services.jobs import draw_warnings, missing_week

WARNING_EXIT = 3  # DESIGN.md §4: sealed with a warning (shortfall, unstaffed visits, missing week)


class Command(AnchaCommand):
    help = (
        "Seal a week's draw for a county and print the period's seed commitment (DESIGN.md §4). A week "
        "already begun is sealed late, for its remaining days. Exit 3 when sealed with a warning."
    )

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="6-digit county code, e.g. 520581")
        parser.add_argument("--week", required=True, help="ISO week, e.g. 2026-W49")
        parser.add_argument("--public-value", default=None,
                            help="a public random value announced after the commitment (e.g. a lottery result)")
        parser.add_argument("--accept-shortfall", default="", metavar="REASON",
                            help="draw even below the minimum capacity, for this recorded reason")

    def handle(self, *args, county, week, public_value, accept_shortfall, **options):
        county = county_or_error(county)
        today = timezone.localdate()
        try:
            week_start = rotation.parse_week(week)
        except rotation.RotationInputError as exc:
            raise InspectionError(str(exc)) from None
        # A week already begun (the Friday job did not run) is drawn late, from today on.
        late = {"label": "late", "from_day": today} if week_start <= today <= week_start + timedelta(days=6) else {}
        draw = seal_draw(county=county, week=week, public_value=public_value, accept_shortfall=accept_shortfall,
                         **late)
        period = draw.period
        kind = "补抽" if late else "抽签"
        self.stdout.write(f"已封存 {county.name} {draw.week} 的{kind}：{len(draw.result['visits'])} 次检查（内容保密，查看将记入审计日志）")
        self.stdout.write(f"本期种子（{period.starts_on:%Y-%m-%d} 至 {period.ends_on:%Y-%m-%d}）承诺 SHA-256：")
        self.stdout.write(period.commitment)
        self.stdout.write(f"结果哈希：{draw.result_hash}")
        warnings = draw_warnings(draw)
        missing = missing_week(county, today)
        if missing:
            warnings.append(f"{missing} 没有抽签（周五的抽签未运行）")
        for text in warnings:
            self.stderr.write(f"警告：{text}")
        if warnings:
            raise SystemExit(WARNING_EXIT)
