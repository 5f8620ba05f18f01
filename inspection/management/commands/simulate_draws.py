import json
from datetime import timedelta
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

import rotation
from inspection.management.commands._base import AnchaCommand
from inspection.services.draws import county_shape


class Command(AnchaCommand):
    help = ("Run the real draw forward N weeks from a fresh start, without writing to the database, "
            "and write the DESIGN.md §4 JSON.")

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="6-digit county code, e.g. 520581")
        parser.add_argument("--weeks", type=int, required=True)
        parser.add_argument("--per-week", type=int, required=True, help="inspections per week")
        parser.add_argument("--key-managed", default="", help="township codes, comma-separated")
        parser.add_argument("--ratio", type=float, default=None, help="key-managed visit rate ratio (default: the county's, else 2)")
        parser.add_argument("--seed", required=True, help="the simulation's seed")
        parser.add_argument("--json", dest="json_path", type=Path, required=True, help="where to write the JSON")
        parser.add_argument("--start", default=None, help="first week, YYYY-Www or a day YYYY-MM-DD (default: next week)")
        parser.add_argument("--calendar", choices=("cn", "none"), default="cn",
                            help="working days: cn = China's holidays and make-up days (default), none = Mon-Fri")
        parser.add_argument("--skip-week", type=int, action="append", default=[], metavar="N",
                            help="week N (1-based) is never drawn and is lost; repeatable")
        parser.add_argument("--miss-week", type=int, action="append", default=[], metavar="N",
                            help="in week N (1-based) the visit with the earliest deadline is missed; repeatable")
        parser.add_argument("--miss", type=int, default=0, metavar="K", help="K visits, chosen by the seed, are missed")
        parser.add_argument("--margin", type=int, default=5, metavar="DAYS",
                            help="plan every deadline this many working days earlier (default 5)")

    def handle(self, *args, county, weeks, per_week, key_managed, ratio, seed, json_path: Path, start, calendar,
               skip_week, miss_week, miss, margin, **options):
        shape = county_shape(county)
        keys = [code.strip() for code in key_managed.split(",") if code.strip()]
        unknown = sorted(set(keys) - set(shape.townships))
        if unknown:
            raise CommandError(f"不是 {shape.name} 在检查范围内的乡镇：{', '.join(unknown)}")
        if weeks < 1 or per_week < 1:
            raise CommandError("--weeks 和 --per-week 都必须至少为 1")
        if margin < 0 or miss < 0:
            raise CommandError("--margin 和 --miss 不能为负数")
        outside = sorted({n for n in skip_week + miss_week if not 1 <= n <= weeks})
        if outside:
            raise CommandError(f"--skip-week/--miss-week 须在 1 与 {weeks} 之间：{', '.join(map(str, outside))}")
        if start is None:
            today = timezone.localdate()
            start = rotation.week_label(today + timedelta(days=7 - today.weekday()))
        try:
            simulation = rotation.simulate(
                county=shape.code, townships=shape.townships, capacity=per_week, weeks=weeks,
                seed=int(seed) if seed.lstrip("-").isdigit() else seed, start_week=start, key_managed=keys,
                ratio=shape.ratio if ratio is None else ratio, inspectors=shape.inspectors or None,
                team_size=shape.team_size, calendar=calendar, margin=margin, skip_weeks=skip_week,
                miss_weeks=miss_week, miss=miss,
            )
        except rotation.RotationInputError as exc:
            raise CommandError(str(exc)) from None
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(simulation, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        measured = rotation.measure(simulation, shape.townships, team_size=shape.team_size)
        plan = simulation["plan"]
        self.stdout.write(f"{shape.name}（{shape.code}）{len(shape.townships)} 个乡镇，每周 {per_week} 次，{weeks} 周 → {json_path}")
        self.stdout.write(
            f"覆盖违规 {measured['violations']}，回避违规 {measured['recusal_violations']}，"
            f"节假日或周末检查 {measured['off_calendar']} 次，调休工作日检查 {measured['make_up_visits']} 次；"
            f"未完成检查 {measured['missed_visits']} 次，丢失 {measured['lost_weeks']} 周"
        )
        self.stdout.write(
            f"普通乡镇每周抽中概率下限 {measured['floor']:.3f}，工作日不少于 4 天的周 {measured['floor_full_weeks']:.3f}"
            f"（按实际工作日规划 {plan['floor']:.3f}，提前 {margin} 个工作日的代价 {plan.get('margin_cost', 0):.3f}）"
        )
        worst = rotation.worst_cell(measured["within_week"])
        if worst:
            self.stdout.write(
                f"周内条件概率最低的格（{worst['township_weeks']} 个乡镇周）：距上次检查 {worst['age']} 周、"
                f"周{'一二三四五六日'[worst['weekday']]}，实测 {worst['measured']:.3f}，期望 {worst['expected']:.3f}"
            )
        if keys and measured["visit_rate_ratio"]:
            self.stdout.write(
                f"重点管理乡镇检查频次为普通乡镇的 {measured['visit_rate_ratio']:.2f} 倍"
                f"（设定 {simulation['ratio']:g}，按能力实际 {plan['effective_ratio']:.2f}）"
            )
        for warning in simulation["warnings"]:
            self.stderr.write(f"警告：{warning}")
