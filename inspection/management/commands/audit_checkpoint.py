"""Print every audit chain's head and the root over them, to keep off the machine.

The chains are verified first: a checkpoint of a broken chain would vouch for the breakage.
The checkpoint is also appended, as one JSON line, to `--append FILE` or else to
`ANCHA_AUDIT_CHECKPOINT_FILE` (which the morning `escalate` appends to as well, and
`verify_audit` reads back).
"""

import sys

from django.conf import settings
from django.core.management.base import CommandError

from inspection.management.commands._base import AnchaCommand
from inspection.services.audit import verify_chain, write_checkpoint


class Command(AnchaCommand):
    help = "输出各审计链链头“县代码 序号 哈希”及根哈希，并追加到检查点文件；请把该文件保存到本机以外。"

    def add_arguments(self, parser):
        parser.add_argument("--append", metavar="FILE", help="追加检查点的文件（默认 ANCHA_AUDIT_CHECKPOINT_FILE）")

    def handle(self, *args, append=None, **options):
        path = append or getattr(settings, "AUDIT_CHECKPOINT_FILE", None)
        try:
            report = write_checkpoint(path) if path else verify_chain()
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc.strerror}") from None
        if not report.ok:
            self.stderr.write(f"审计链校验失败：{report.describe()}；不生成检查点")
            sys.exit(1)
        self.stdout.write("\n".join(report.lines))
