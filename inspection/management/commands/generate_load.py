import os
import time

from django.core.management.base import CommandError

from inspection import defaults
from inspection.management.commands._base import AnchaCommand
from inspection.services.audit import verify_chain


def _generator():
    """The generator lives with the benchmarks in the source checkout, not in the installed app."""
    try:
        from bench.loadgen import generate_load
    except ModuleNotFoundError as exc:
        if exc.name not in ("bench", "bench.loadgen"):
            raise
        raise CommandError(
            "generate_load 需要源码目录中的 bench/ 文件夹（bench.loadgen），请在项目源码目录中运行 manage.py"
        ) from None
    return generate_load


class Command(AnchaCommand):
    help = (
        "Load a province's real townships from the national list, with people and N past weeks of draws, "
        "inspections, findings, decisions and notices, through bulk paths (benchmarks, capacity tests). "
        "Counties that already hold data are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="2-digit province code, e.g. 51 (四川省, 3,111 townships)")
        parser.add_argument("--weeks", type=int, default=52, help="past weeks to generate (default 52)")
        parser.add_argument("--counties", type=int, default=None, help="only the first N counties, in code order")
        parser.add_argument("--county", action="append", default=[], metavar="CODE",
                            help="only this county (repeatable)")
        parser.add_argument("--seed", default="0", help="the generator's seed (default 0): same seed, same data")
        parser.add_argument("--verify", action="store_true", help="walk the audit chain afterwards")

    def handle(self, *args, province, weeks, counties, county, seed, verify, **options):
        password = os.environ.get("ANCHA_DEMO_PASSWORD") or defaults.DEMO_PASSWORD_DEFAULT
        verbose = options["verbosity"] >= 2

        def progress(code, counts):
            if counts is None:
                self.stdout.write(f"  {code}: 已有数据，跳过")
            elif verbose:
                self.stdout.write(f"  {code}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

        report = _generator()(province=province, weeks=weeks, counties=counties, county_codes=county, seed=seed,
                               password=password, progress=progress)
        counts = report.counts
        self.stdout.write(self.style.SUCCESS(
            f"省 {province}：生成 {len(report.counties)} 个县（跳过 {len(report.skipped)} 个），{weeks} 周，"
            f"用时 {report.seconds:.1f} 秒"
        ))
        for key in ("townships", "users", "draws", "inspections", "findings", "decisions", "rectifications",
                    "notices", "audit_events"):
            self.stdout.write(f"  {key:<16} {counts.get(key, 0)}")
        self.stdout.write(f"账号：<县代码>-commission、<县代码>-inspectorN、official-<乡镇代码>、<县代码>-observer（密码：{password}）")
        if verify:
            began = time.perf_counter()
            chain = verify_chain()
            if not chain.ok:
                self.stderr.write(f"审计链校验失败：{chain.describe()}")
                raise SystemExit(1)
            self.stdout.write(f"审计链完好：{chain.head_line}（{time.perf_counter() - began:.1f} 秒）")
