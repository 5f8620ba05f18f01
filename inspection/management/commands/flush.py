"""Django's flush, able to empty the append-only audit tables, and refused outside tests.

Flush wipes every table (it is what test teardown uses); the guards would refuse it, so they
are lifted for the flush and put back straight after, with a fresh deployment chain head.
Anywhere else it would wipe the permanent record, so it runs only where ANCHA_ALLOW_FLUSH is
on (the test environment, tests/testenv.py).
"""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from inspection import audit_sql, finding_sql


class Command(FlushCommand):
    def handle(self, **options):
        if not getattr(settings, "ANCHA_ALLOW_FLUSH", False):
            raise CommandError("flush 会清空全部数据（包括审计记录），已拒绝；仅测试环境（ANCHA_ALLOW_FLUSH=1）可用。")
        connection = connections[options["database"]]
        audit_sql.remove(connection)
        finding_sql.remove(connection)
        try:
            super().handle(**options)
        finally:
            from inspection.models import AuditHead

            AuditHead.objects.using(options["database"]).get_or_create(chain="", defaults={"seq": 0, "hash": "0" * 64})
            audit_sql.install(connection)
            finding_sql.install(connection)
