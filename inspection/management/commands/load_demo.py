import os
from datetime import timedelta

from django.utils import timezone

from inspection import defaults
from inspection.management.commands._base import AnchaCommand
from inspection.services.demo import demo_todo, load_demo_history
from inspection.services.setup import (
    ensure_default_checklist,
    import_divisions,
    load_demo_people,
)
from rotation.calendar import parse_week
from scoring.wording import cn_date


class Command(AnchaCommand):
    help = "Load the demo county 黔西市 (520581), its people and N past weeks of work. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=12, help="past weeks of draws and inspections (default 12)")

    def handle(self, *args, weeks, **options):
        password = os.environ.get("ANCHA_DEMO_PASSWORD") or defaults.DEMO_PASSWORD_DEFAULT
        county, _, _ = import_divisions(county_code=defaults.DEMO_COUNTY_CODE)
        ensure_default_checklist(county=county)
        logins = load_demo_people(county=county, password=password)
        history = load_demo_history(county=county, weeks=weeks)
        if not history.skipped:
            self.stdout.write(
                f"历史：{cn_date(parse_week(history.weeks[0]))}至{cn_date(parse_week(history.weeks[-1]) + timedelta(days=6))}"
                f"，共 {len(history.weeks)} 周抽签，"
                f"{history.visits} 次检查，{history.issued} 份文书已印发"
            )
            self.stdout.write("问责演示：" + "，".join(f"{name}（{role}）" for role, name in history.townships.items()))
        self.stdout.write("本周抽签已封存，今天的检查已派出")
        self._todo(county)
        self.stdout.write(self.style.SUCCESS(f"{county.name}（{county.code}）: {county.townships.count()} 个乡镇（街道）"))
        self.stdout.write(f"演示账号（密码：{password}）:")
        for username, label in logins[:15]:
            self.stdout.write(f"  {username:<24} {label}")
        self.stdout.write(f"  official-<乡镇代码>        各乡镇分管负责人（共 {len(logins) - 15} 个，如 official-520581100）")

    def _todo(self, county):
        todo = demo_todo(county=county, today=timezone.localdate())
        self.stdout.write("今日待办（可按此登录体验）：")
        for day, township, people in todo.visits:
            self.stdout.write(f"  {day.month}月{day.day}日检查{township}：请用 {'、'.join(people)} 登录填报")
        for number, township, username in todo.to_sign[:3]:
            self.stdout.write(f"  待签收：{number}（{township}），请用 {username} 登录")
        for number, township in todo.to_review[:3]:
            self.stdout.write(f"  待审核整改报告：{number}（{township}），请用 commission 登录")
        if todo.drafts:
            self.stdout.write(f"  待印发文书草稿 {todo.drafts} 份，请用 commission 登录")
