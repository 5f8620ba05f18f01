"""Walk the audit hash chains (DESIGN.md §4).

Exit 0 and print one line per chain, `COUNTY SEQ HASH` (`-` for the deployment's chain), then
`root HASH`; or exit 1 and print `first bad seq: COUNTY SEQ`. Checkpoints saved earlier (the
file `audit_checkpoint` and the morning `escalate` append to, `ANCHA_AUDIT_CHECKPOINT_FILE`,
read by default; or `--checkpoint` with a file or `[COUNTY] SEQ HASH`) catch a chain that was
cut short or rewritten and re-hashed since.
"""

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from inspection.management.commands._base import AnchaCommand
from inspection.services.audit import parse_checkpoints, verify_chain


def read_checkpoints(value: str | None) -> list[tuple[str, int, str]]:
    if not value:
        return []
    path = Path(value)
    text = value
    if len(value.split()) not in (2, 3) and path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取检查点文件 {value}：{exc}") from None
    try:
        return parse_checkpoints(text)
    except ValueError as exc:
        raise CommandError(f"检查点无效：{exc}") from None


def configured_checkpoints() -> str | None:
    configured = getattr(settings, "AUDIT_CHECKPOINT_FILE", None)
    return configured if configured and Path(configured).exists() else None


class Command(AnchaCommand):
    help = (
        "校验每条审计记录哈希链：通过时每条链输出一行“县代码 序号 哈希”（县以外的记录为“-”）及根哈希，"
        "否则输出第一个异常的“县代码 序号”并以状态 1 退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            metavar="'[COUNTY] SEQ HASH' | FILE",
            help="之前保存的检查点，或检查点文件（默认读取 ANCHA_AUDIT_CHECKPOINT_FILE）",
        )

    def handle(self, *args, checkpoint=None, **options):
        report = verify_chain(checkpoints=read_checkpoints(checkpoint or configured_checkpoints()))
        if report.ok:
            self.stdout.write("\n".join(report.lines))
            return
        self.stdout.write(f"first bad seq: {report.where}")
        self.stderr.write(f"审计链校验失败：{report.describe()}")
        sys.exit(1)
