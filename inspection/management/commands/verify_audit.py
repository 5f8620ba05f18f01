"""Walk the audit hash chain (DESIGN.md §4).

Exit 0 and print the head `SEQ HASH`; or exit 1 and print the first bad seq. With
`--checkpoint "SEQ HASH"` (or a file of such lines, as `audit_checkpoint --append` writes them)
a chain that was rewritten and re-hashed since the checkpoint is caught too.
"""

import sys
from pathlib import Path

from django.core.management.base import CommandError

from inspection.management.commands._base import AnchaCommand
from inspection.services.audit import parse_checkpoints, verify_chain


def read_checkpoints(value: str | None) -> list[tuple[int, str]]:
    if not value:
        return []
    path = Path(value)
    text = value
    if len(value.split()) != 2 and path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取检查点文件 {value}：{exc}") from None
    try:
        return parse_checkpoints(text)
    except ValueError as exc:
        raise CommandError(f"检查点无效：{exc}") from None


class Command(AnchaCommand):
    help = "校验审计记录哈希链：通过时输出链头“序号 哈希”，否则输出第一个异常的序号并以状态 1 退出。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            metavar="'SEQ HASH' | FILE",
            help="之前保存的检查点（audit_checkpoint 的输出），或每行一个检查点的文件",
        )

    def handle(self, *args, checkpoint=None, **options):
        report = verify_chain(checkpoints=read_checkpoints(checkpoint))
        if report.ok:
            self.stdout.write(report.head_line)
            return
        self.stdout.write(f"first bad seq: {report.first_bad_seq}")
        self.stderr.write(f"审计链校验失败：第 {report.first_bad_seq} 号记录，{report.problem}")
        sys.exit(1)
