"""Print the audit chain's head `SEQ HASH` to copy off the machine (e.g. daily, by cron).

The chain is verified first: a checkpoint of a broken chain would vouch for the breakage.
`--append FILE` also adds the line (with the time, as a comment) to a file of checkpoints that
`verify_audit --checkpoint FILE` reads back.
"""

import sys

from django.core.management.base import CommandError
from django.utils import timezone

from inspection.management.commands._base import AnchaCommand
from inspection.services.audit import verify_chain


class Command(AnchaCommand):
    help = "输出审计链链头“序号 哈希”，请保存到本机以外（用于 verify_audit --checkpoint）。"

    def add_arguments(self, parser):
        parser.add_argument("--append", metavar="FILE", help="同时把检查点追加到此文件")

    def handle(self, *args, append=None, **options):
        report = verify_chain()
        if not report.ok:
            self.stderr.write(f"审计链校验失败：第 {report.first_bad_seq} 号记录，{report.problem}；不生成检查点")
            sys.exit(1)
        line = report.head_line
        if append:
            try:
                with open(append, "a", encoding="utf-8") as handle:
                    handle.write(f"{line}  # {timezone.now().isoformat(timespec='seconds')}\n")
            except OSError as exc:
                raise CommandError(f"无法写入 {append}：{exc.strerror}") from None
        self.stdout.write(line)
