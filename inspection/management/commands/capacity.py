from datetime import timedelta

from django.core.management.base import CommandError
from django.utils import timezone

import rotation
from inspection.management.commands._base import AnchaCommand
from inspection.services.draws import county_shape


class Command(AnchaCommand):
    help = ("The planner: inspections per week needed for a weekly inspection probability of at least P "
            "for every township not yet due (DESIGN.md §4).")

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="6-digit county code, e.g. 520581")
        parser.add_argument("--floor", type=float, required=True, help="wanted weekly probability, e.g. 0.15")
        parser.add_argument("--ratio", type=float, default=None, help="key-managed visit rate ratio (default: the county's, else 2)")
        parser.add_argument("--key-managed", type=int, default=None, help="number of key-managed townships (default: the county's now)")
        parser.add_argument("--margin", type=int, default=5, metavar="DAYS",
                            help="plan every deadline this many working days earlier (default 5)")
        parser.add_argument("--calendar", choices=("cn", "none"), default="cn",
                            help="working days: cn = China's holidays and make-up days (default), none = Mon-Fri")

    def handle(self, *args, county, floor, ratio, key_managed, margin, calendar, **options):
        shape = county_shape(county)
        n = len(shape.townships)
        keys = len(shape.key_managed) if key_managed is None else key_managed
        ratio = shape.ratio if ratio is None else ratio
        if not 0 < floor <= 1:
            raise CommandError("--floor 应在 0 与 1 之间")
        if not 0 <= keys <= n:
            raise CommandError(f"--key-managed 应在 0 与 {n} 之间")
        if margin < 0:
            raise CommandError("--margin 不能为负数")
        today = timezone.localdate()
        try:
            plan = rotation.capacity_for_floor(n, floor, key_managed=keys, ratio=ratio, start=today)
        except rotation.RotationInputError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{shape.name}（{shape.code}）：{n} 个乡镇，其中重点管理 {keys} 个，重点管理倍率 {ratio:g}")
        self.stdout.write(f"保证每两个月且每 61 天至少检查一次，至少需要每周 {plan.minimum_capacity} 次")
        if plan.floor >= floor - 1e-12:
            self.stdout.write(f"要让每个尚未到期的普通乡镇每周被抽中的概率不低于 {floor:g}，需要每周 {plan.capacity} 次")
        else:
            self.stdout.write(f"即使每周检查全部乡镇也达不到 {floor:g}")
        self.stdout.write(
            f"每周 {plan.capacity} 次时：普通乡镇每周概率 {plan.floor:.3f}，重点管理乡镇 {plan.key_floor:.3f}，"
            f"检查频次倍率 {plan.effective_ratio:.2f}"
        )
        self._coming_year(shape, n, plan.capacity, keys, ratio, margin, calendar, today)
        if shape.capacity is not None:
            now = rotation.plan_capacity(n, shape.capacity, key_managed=keys, ratio=ratio, start=today)
            self.stdout.write(f"当前设置每周 {shape.capacity} 次：普通乡镇每周概率 {now.floor:.3f}，重点管理乡镇 {now.key_floor:.3f}")
            for warning in now.warnings:
                self.stderr.write(f"警告：{warning}")
        for warning in plan.warnings:
            self.stderr.write(f"警告：{warning}")
        self.stdout.write(f"capacity: {plan.capacity}")

    def _coming_year(self, shape, n, capacity, keys, ratio, margin, calendar, today):
        """The holiday-aware figures over the coming 52 weeks' real working days."""
        work = rotation.PLAIN
        if calendar == "cn":
            from rotation.holidays import official_calendar, provisional_years

            last = today + timedelta(days=7 * 52 + 200)
            work = official_calendar(today - timedelta(days=60), last)
            years = provisional_years(today, last)
            if years:
                self.stdout.write(f"{'、'.join(map(str, years))} 年的节假日尚未公布，按法定节假日暂定（无调休）")
        per_day = max(1, len(shape.inspectors) // shape.team_size) if shape.inspectors else None
        year = rotation.calendar_plan(n, capacity, calendar=work, start=today, margin=margin, per_day=per_day,
                                      key_managed=keys, ratio=ratio)
        self.stdout.write(f"按今后 52 周的实际工作日（含节假日和调休），保证覆盖至少需要每周 {year.minimum_capacity} 次")
        self.stdout.write(
            f"提前 {margin} 个工作日安排时，一周未抽签或一次检查未完成也不致逾期，至少需要每周 {year.robust_capacity} 次"
        )
        self.stdout.write(
            f"每周 {capacity} 次时：平均每周实际 {year.weekly_slots:.2f} 次，普通乡镇每周概率 {year.floor:.3f}，"
            f"重点管理乡镇 {year.key_floor:.3f}；提前 {margin} 个工作日使普通乡镇每周概率降低 {year.margin_cost:.3f}"
        )
        for warning in year.warnings:
            self.stderr.write(f"警告：{warning}")
        self.stdout.write(f"minimum capacity: {year.minimum_capacity}")
        self.stdout.write(f"robust capacity: {year.robust_capacity}")
