"""Shared base for Ancha's commands: domain errors become one line on stderr and exit 1."""

from django.core.management.base import BaseCommand, CommandError

from inspection.errors import InspectionError


class AnchaCommand(BaseCommand):
    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except InspectionError as exc:
            raise CommandError(exc.detail) from None
