import os

from inspection import defaults
from inspection.management.commands._base import AnchaCommand
from inspection.services.setup import ensure_default_checklist, import_divisions, load_demo_people


class Command(AnchaCommand):
    help = "Load the demo county 黔西市 (520581), its people and N past weeks of work. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=int, default=12, help="past weeks of draws and inspections (default 12)")

    def handle(self, *args, weeks, **options):
        password = os.environ.get("ANCHA_DEMO_PASSWORD") or defaults.DEMO_PASSWORD_DEFAULT
        county, _, _ = import_divisions(county_code=defaults.DEMO_COUNTY_CODE)
        ensure_default_checklist(county=county)
        logins = load_demo_people(county=county, password=password)
        # Past weeks of draws, inspections, findings, escalations and notices come from the
        # services of the draw, field and escalation areas as they land.

        # ---- Escalation (issue 5): twelve weeks of the sanction ladder on a few townships,
        # played day by day through the real services; runs once per county.
        from inspection.services.demo_escalation import load_demo_escalation

        escalation = load_demo_escalation(county=county)
        if not escalation.skipped:
            self.stdout.write(
                f"问责演示：{escalation.visits} 次检查，{escalation.decisions} 项处置决定（"
                + "，".join(f"{name}（{role}）" for role, name in escalation.townships.items())
                + "）"
            )
        # ---- end of the escalation step

        # ---- Draws (issue 3): N past weeks and the current one through the real draw service,
        # each sealed the Friday before; past weeks revealed, today's visits dispatched and open.
        from inspection.services.demo_draws import load_demo_draws

        draws = load_demo_draws(county=county, weeks=weeks)
        self.stdout.write(f"抽签：{draws[0].week} 至 {draws[-1].week} 共 {len(draws)} 周，本周已封存，今天的检查已派出")
        # ---- end of the draw step
        self.stdout.write(self.style.SUCCESS(f"{county.name}（{county.code}）: {county.townships.count()} 个乡镇（街道）"))
        self.stdout.write(f"演示账号（密码：{password}）:")
        for username, label in logins[:14]:
            self.stdout.write(f"  {username:<24} {label}")
        self.stdout.write(f"  official-<乡镇代码>        各乡镇分管负责人（共 {len(logins) - 14} 个，如 official-520581100）")
