"""Write a consistent backup of the database while Ancha runs (see inspection/backups.py)."""

from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from inspection.backups import backup_database
from inspection.management.commands._base import AnchaCommand
from inspection.services.audit import verify_chain


class Command(AnchaCommand):
    help = "备份整个数据库（SQLite 在线备份；PostgreSQL 使用 pg_dump），并输出备份时的审计链头。"

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", help="备份文件路径（默认 var/backups/ancha-时间.sqlite3 或 .dump）"
        )

    def handle(self, *args, path=None, **options):
        if path is None:
            suffix = "sqlite3" if connection.vendor == "sqlite" else "dump"
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            path = Path(settings.BASE_DIR) / "var" / "backups" / f"ancha-{stamp}.{suffix}"
        report = verify_chain()
        result = backup_database(Path(path))
        self.stdout.write(f"备份已写入 {result.path}（{result.size} 字节，SHA-256 {result.sha256}）")
        if report.ok:
            self.stdout.write(f"备份时的审计链头：{report.head_line}")
        else:
            self.stderr.write(
                f"注意：备份前审计链校验失败（{report.describe()}），备份照原样保存"
            )
