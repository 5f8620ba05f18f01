"""Django's flush, able to empty the append-only audit table.

Flush wipes every table (it is what test teardown uses); the audit guards would refuse it, so
they are lifted for the flush and put back straight after, with a fresh chain head.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from inspection import audit_sql, finding_sql


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        audit_sql.remove(connection)
        finding_sql.remove(connection)
        try:
            super().handle(**options)
        finally:
            audit_sql.install(connection)
            finding_sql.install(connection)
            from inspection.models import AuditHead

            AuditHead.objects.using(options["database"]).get_or_create(
                id=1, defaults={"seq": 0, "hash": "0" * 64}
            )
