"""Restore a backup made by `backup`, then verify the audit chain of what was restored."""

import sys
from pathlib import Path

from inspection.backups import restore_database
from inspection.management.commands._base import AnchaCommand
from inspection.services.audit import verify_chain


class Command(AnchaCommand):
    help = "从 backup 生成的文件恢复数据库（目标库须为空，或加 --replace 覆盖），恢复后校验审计链。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="备份文件")
        parser.add_argument("--replace", action="store_true", help="目标数据库已有数据时，用备份覆盖")

    def handle(self, *args, path, replace=False, **options):
        restore_database(Path(path), replace=replace)
        report = verify_chain()
        if not report.ok:
            self.stderr.write(f"已恢复，但审计链校验失败：{report.describe()}")
            sys.exit(1)
        self.stdout.write(f"已恢复 {path}；审计链完整，链头：{report.head_line}")
